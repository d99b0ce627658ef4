//! The Organizations calls this server answers (AWS JSON 1.1, target prefix
//! `AWSOrganizationsV20161128`): `DescribeOrganization` for any account of an organization and
//! `ListAccounts` for its management account. Both are read-only.

use serde_json::{Value, json};
use trailroom_audit::{CallContext, store_failure};
use trailroom_protocol::ApiError;

use crate::record::{OrganizationRecord, account_arn, organization_of};

/// `X-Amz-Target` prefix of Organizations.
pub const TARGET_PREFIX: &str = "AWSOrganizationsV20161128";
/// `eventSource` of Organizations calls.
pub const EVENT_SOURCE: &str = "organizations.amazonaws.com";

/// An Organizations operation this server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// The caller's organization.
    DescribeOrganization,
    /// The accounts of the caller's organization (management account only).
    ListAccounts,
}

impl Operation {
    /// The operation named by `X-Amz-Target`, if answered here.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "DescribeOrganization" => Some(Self::DescribeOrganization),
            "ListAccounts" => Some(Self::ListAccounts),
            _ => None,
        }
    }

    /// The wire name (`eventName`).
    pub fn name(self) -> &'static str {
        match self {
            Self::DescribeOrganization => "DescribeOrganization",
            Self::ListAccounts => "ListAccounts",
        }
    }
}

/// Runs `op` for the caller of `ctx`; returns the JSON response body.
pub fn call(ctx: &CallContext, op: Operation, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let input: Value = match body.is_empty() {
        true => json!({}),
        false => serde_json::from_slice(body)
            .map_err(|_| ApiError::client("SerializationException", "Malformed request body"))?,
    };
    ctx.set_request_parameters(match op {
        Operation::DescribeOrganization => Value::Null,
        Operation::ListAccounts => input,
    });
    let org = ctx
        .read(|txn| organization_of(txn, ctx.account_id()).map_err(store_failure))?
        .ok_or_else(not_in_use)?;
    let response = match op {
        Operation::DescribeOrganization => describe(&org),
        Operation::ListAccounts => {
            if org.management_account_id != ctx.account_id() {
                return Err(ApiError::client(
                    "AccessDeniedException",
                    "You don't have permissions to access this resource.",
                ));
            }
            list_accounts(&org)
        }
    };
    Ok(response.to_string().into_bytes())
}

fn not_in_use() -> ApiError {
    ApiError::client(
        "AWSOrganizationsNotInUseException",
        "Your account is not a member of an organization.",
    )
}

fn describe(org: &OrganizationRecord) -> Value {
    json!({"Organization": {
        "Id": org.id,
        "Arn": org.arn(),
        "FeatureSet": "ALL",
        "MasterAccountArn": account_arn(org, &org.management_account_id),
        "MasterAccountId": org.management_account_id,
        "MasterAccountEmail": email(&org.management_account_id),
        "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
    }})
}

fn list_accounts(org: &OrganizationRecord) -> Value {
    let joined = org.created_ms as f64 / 1000.0;
    let accounts: Vec<Value> = org
        .accounts()
        .iter()
        .map(|account| {
            json!({
                "Id": account,
                "Arn": account_arn(org, account),
                "Email": email(account),
                "Name": account,
                "Status": "ACTIVE",
                "JoinedMethod": if *account == org.management_account_id { "CREATED" } else { "INVITED" },
                "JoinedTimestamp": joined,
            })
        })
        .collect();
    json!({ "Accounts": accounts })
}

/// Accounts here have no mailbox; a stable placeholder in the reserved `example.com` domain.
fn email(account: &str) -> String {
    format!("{account}@example.com")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_by_name() {
        for op in [Operation::DescribeOrganization, Operation::ListAccounts] {
            assert_eq!(Operation::from_name(op.name()), Some(op));
        }
        assert_eq!(Operation::from_name("CreateOrganization"), None);
    }

    #[test]
    fn shapes() {
        let org = OrganizationRecord {
            id: "o-a1b2c3d4e5".into(),
            management_account_id: "111111111111".into(),
            member_account_ids: vec!["222222222222".into()],
            created_ms: 1_500,
        };
        let described = describe(&org);
        assert_eq!(
            described["Organization"]["MasterAccountArn"],
            "arn:aws:organizations::111111111111:account/o-a1b2c3d4e5/111111111111"
        );
        assert_eq!(
            described["Organization"]["Arn"],
            "arn:aws:organizations::111111111111:organization/o-a1b2c3d4e5"
        );
        let listed = list_accounts(&org);
        assert_eq!(listed["Accounts"][1]["Id"], "222222222222");
        assert_eq!(listed["Accounts"][1]["JoinedMethod"], "INVITED");
        assert_eq!(listed["Accounts"][0]["JoinedTimestamp"], 1.5);
    }
}
