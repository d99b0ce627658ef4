//! The Organizations calls this server answers (AWS JSON 1.1, target prefix
//! `AWSOrganizationsV20161128`): `DescribeOrganization` and `ListRoots` for any account of an
//! organization; `ListAccounts`, the structure reads ([`crate::structure`]) and the service
//! control policy calls ([`crate::scp_api`]) for its management account.

use serde_json::{Value, json};
use trailroom_audit::{CallContext, store_failure};
use trailroom_protocol::ApiError;
use trailroom_protocol::operations::{OperationTable, TableOperation};

use crate::record::{OrganizationRecord, account_arn, organization_of};

/// `X-Amz-Target` prefix of Organizations.
pub const TARGET_PREFIX: &str = "AWSOrganizationsV20161128";
/// `eventSource` of Organizations calls.
pub const EVENT_SOURCE: &str = "organizations.amazonaws.com";

/// The Organizations operations this server answers: `(name, readOnly)`.
pub const OPERATIONS: OperationTable = OperationTable::new(&[
    ("DescribeOrganization", true),
    ("ListAccounts", true),
    ("ListRoots", true),
    ("DescribeAccount", true),
    ("ListAccountsForParent", true),
    ("ListOrganizationalUnitsForParent", true),
    ("ListParents", true),
    ("ListChildren", true),
    ("ListAWSServiceAccessForOrganization", true),
    ("ListDelegatedAdministrators", true),
    ("ListDelegatedServicesForAccount", true),
    ("CreatePolicy", false),
    ("DescribePolicy", true),
    ("UpdatePolicy", false),
    ("DeletePolicy", false),
    ("ListPolicies", true),
    ("AttachPolicy", false),
    ("DetachPolicy", false),
    ("ListPoliciesForTarget", true),
    ("ListTargetsForPolicy", true),
]);

/// An Organizations operation this server answers.
pub type Operation = TableOperation;

/// Every operation answered here, with whether it is read-only.
pub fn operations() -> impl Iterator<Item = (&'static str, bool)> {
    OPERATIONS.all()
}

/// Runs `op` for the caller of `ctx`; returns the JSON response body and, for writes, the
/// `responseElements`.
pub async fn call(
    ctx: &CallContext,
    op: Operation,
    body: &[u8],
) -> Result<(Vec<u8>, Option<Value>), ApiError> {
    let input: Value = match body.is_empty() {
        true => json!({}),
        false => serde_json::from_slice(body)
            .map_err(|_| ApiError::client("SerializationException", "Malformed request body"))?,
    };
    let parameters = match input.as_object().is_some_and(|o| !o.is_empty()) {
        true => Some(input.clone()),
        false => None,
    };
    ctx.set_request_parameters(parameters.clone().unwrap_or(Value::Null));
    ctx.check_authorized(parameters.as_ref())?;
    let org = ctx
        .read(|txn| organization_of(txn, ctx.account_id()).map_err(store_failure))?
        .ok_or_else(not_in_use)?;
    let response = match op.name() {
        "DescribeOrganization" => describe(&org),
        "ListAccounts" => {
            management_only(ctx, &org)?;
            list_accounts(&org)
        }
        "ListRoots" => crate::scp_api::list_roots(&org),
        "ListDelegatedAdministrators" => {
            management_only(ctx, &org)?;
            list_delegated_administrators(ctx, &org, &input)?
        }
        "ListDelegatedServicesForAccount" => {
            management_only(ctx, &org)?;
            list_delegated_services(ctx, &org, &input)?
        }
        other => {
            management_only(ctx, &org)?;
            match crate::structure::call(&org, other, &input) {
                Some(answer) => answer?,
                None => crate::scp_api::call(ctx, &org, other, &input).await?,
            }
        }
    };
    let elements = (!op.read_only()).then(|| response.clone());
    Ok((response.to_string().into_bytes(), elements))
}

/// ListDelegatedAdministrators, for one service when `ServicePrincipal` says.
fn list_delegated_administrators(
    ctx: &CallContext,
    org: &OrganizationRecord,
    input: &Value,
) -> Result<Value, ApiError> {
    let service = input.get("ServicePrincipal").and_then(Value::as_str);
    let admins = ctx.read(|txn| {
        crate::delegated::delegated_administrators(txn, org, service).map_err(store_failure)
    })?;
    let listed: Vec<Value> = admins
        .iter()
        .map(|admin| {
            let mut summary = account_summary(org, &admin.account_id);
            summary["DelegationEnabledDate"] = json!(admin.enabled_ms as f64 / 1000.0);
            summary
        })
        .collect();
    Ok(json!({ "DelegatedAdministrators": listed }))
}

/// ListDelegatedServicesForAccount: the services `AccountId` administers for.
fn list_delegated_services(
    ctx: &CallContext,
    org: &OrganizationRecord,
    input: &Value,
) -> Result<Value, ApiError> {
    let account = input
        .get("AccountId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !org.accounts().iter().any(|a| a == account) {
        return Err(ApiError::client(
            "AccountNotFoundException",
            "You specified an account that doesn't exist.",
        ));
    }
    let admins = ctx.read(|txn| {
        crate::delegated::delegated_administrators(txn, org, None).map_err(store_failure)
    })?;
    let services: Vec<Value> = admins
        .iter()
        .filter(|a| a.account_id == account)
        .map(|a| {
            json!({
                "ServicePrincipal": a.service_principal,
                "DelegationEnabledDate": a.enabled_ms as f64 / 1000.0,
            })
        })
        .collect();
    if services.is_empty() {
        return Err(ApiError::client(
            "AccountNotRegisteredException",
            "The provided account is not a registered delegated administrator for your              organization.",
        ));
    }
    Ok(json!({ "DelegatedServices": services }))
}

/// Only the management account manages the organization.
fn management_only(ctx: &CallContext, org: &OrganizationRecord) -> Result<(), ApiError> {
    match org.management_account_id == ctx.account_id() {
        true => Ok(()),
        false => Err(ApiError::client(
            "AccessDeniedException",
            "You don't have permissions to access this resource.",
        )),
    }
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
    let accounts: Vec<Value> = org
        .accounts()
        .iter()
        .map(|account| account_summary(org, account))
        .collect();
    json!({ "Accounts": accounts })
}

/// An account as ListAccounts and DescribeAccount show it.
pub(crate) fn account_summary(org: &OrganizationRecord, account: &str) -> Value {
    json!({
        "Id": account,
        "Arn": account_arn(org, account),
        "Email": email(account),
        "Name": account,
        "Status": "ACTIVE",
        "JoinedMethod": if account == org.management_account_id { "CREATED" } else { "INVITED" },
        "JoinedTimestamp": org.created_ms as f64 / 1000.0,
    })
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
        for (name, read_only) in OPERATIONS.all() {
            let op = OPERATIONS.find(name).unwrap();
            assert_eq!((op.name(), op.read_only()), (name, read_only));
        }
        assert_eq!(OPERATIONS.find("CreateOrganization"), None);
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
