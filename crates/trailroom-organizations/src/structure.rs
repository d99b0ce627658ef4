//! The reads of an organization's structure the management account makes: DescribeAccount,
//! ListAccountsForParent, ListOrganizationalUnitsForParent, ListParents, ListChildren,
//! ListAWSServiceAccessForOrganization. An organization here is one root with every account
//! directly under it (no organizational units) and trusted access enabled for CloudTrail
//! (organization trails need it). Delegated administrators are in `crate::delegated`.

use serde_json::{Value, json};
use trailroom_protocol::ApiError;

use crate::api::account_summary;
use crate::record::OrganizationRecord;
use crate::scp::root_id;

fn text<'a>(input: &'a Value, member: &str) -> Result<&'a str, ApiError> {
    input.get(member).and_then(Value::as_str).ok_or_else(|| {
        ApiError::client(
            "InvalidInputException",
            format!("You provided a value that does not match the required pattern: {member}"),
        )
    })
}

fn parent_not_found() -> ApiError {
    ApiError::client(
        "ParentNotFoundException",
        "We can't find a root or OU with the ParentId that you specified.",
    )
}

/// The root, the only parent there is.
fn check_parent(org: &OrganizationRecord, input: &Value) -> Result<(), ApiError> {
    match text(input, "ParentId")? == root_id(org) {
        true => Ok(()),
        false => Err(parent_not_found()),
    }
}

fn check_account(org: &OrganizationRecord, account: &str) -> Result<(), ApiError> {
    match org.accounts().iter().any(|a| a == account) {
        true => Ok(()),
        false => Err(ApiError::client(
            "AccountNotFoundException",
            "You specified an account that doesn't exist.",
        )),
    }
}

/// Answers one structure read (`op`), or `None` for an operation of another family.
pub(crate) fn call(
    org: &OrganizationRecord,
    op: &str,
    input: &Value,
) -> Option<Result<Value, ApiError>> {
    Some(match op {
        "DescribeAccount" => describe_account(org, input),
        "ListAccountsForParent" => check_parent(org, input).map(|()| {
            let accounts: Vec<Value> = org
                .accounts()
                .iter()
                .map(|a| account_summary(org, a))
                .collect();
            json!({ "Accounts": accounts })
        }),
        "ListOrganizationalUnitsForParent" => {
            check_parent(org, input).map(|()| json!({ "OrganizationalUnits": [] }))
        }
        "ListParents" => list_parents(org, input),
        "ListChildren" => list_children(org, input),
        "ListAWSServiceAccessForOrganization" => Ok(json!({ "EnabledServicePrincipals": [
            { "ServicePrincipal": "cloudtrail.amazonaws.com",
              "DateEnabled": org.created_ms as f64 / 1000.0 }
        ]})),
        _ => return None,
    })
}

fn describe_account(org: &OrganizationRecord, input: &Value) -> Result<Value, ApiError> {
    let account = text(input, "AccountId")?;
    check_account(org, account)?;
    Ok(json!({ "Account": account_summary(org, account) }))
}

fn list_parents(org: &OrganizationRecord, input: &Value) -> Result<Value, ApiError> {
    let child = text(input, "ChildId")?;
    if !org.accounts().iter().any(|a| a == child) {
        return Err(ApiError::client(
            "ChildNotFoundException",
            "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
        ));
    }
    Ok(json!({ "Parents": [{ "Id": root_id(org), "Type": "ROOT" }] }))
}

fn list_children(org: &OrganizationRecord, input: &Value) -> Result<Value, ApiError> {
    check_parent(org, input)?;
    let children: Vec<Value> = match text(input, "ChildType")? {
        "ACCOUNT" => org
            .accounts()
            .iter()
            .map(|a| json!({ "Id": a, "Type": "ACCOUNT" }))
            .collect(),
        "ORGANIZATIONAL_UNIT" => Vec::new(),
        _ => {
            return Err(ApiError::client(
                "InvalidInputException",
                "You provided a value that does not match the required pattern: ChildType",
            ));
        }
    };
    Ok(json!({ "Children": children }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> OrganizationRecord {
        OrganizationRecord {
            id: "o-exampleorg1".into(),
            management_account_id: "111111111111".into(),
            member_account_ids: vec!["222222222222".into()],
            created_ms: 1_000,
        }
    }

    #[test]
    fn one_root_with_every_account() {
        let org = org();
        let root = root_id(&org);
        let children = call(
            &org,
            "ListChildren",
            &json!({"ParentId": root, "ChildType": "ACCOUNT"}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(children["Children"].as_array().unwrap().len(), 2);
        let parents = call(&org, "ListParents", &json!({"ChildId": "222222222222"}))
            .unwrap()
            .unwrap();
        assert_eq!(parents["Parents"][0]["Type"], "ROOT");
        let err = call(
            &org,
            "ListAccountsForParent",
            &json!({"ParentId": "ou-nope"}),
        )
        .unwrap()
        .unwrap_err();
        assert_eq!(err.code(), "ParentNotFoundException");
        let err = call(
            &org,
            "DescribeAccount",
            &json!({"AccountId": "333333333333"}),
        )
        .unwrap()
        .unwrap_err();
        assert_eq!(err.code(), "AccountNotFoundException");
        assert!(call(&org, "CreatePolicy", &json!({})).is_none());
    }
}
