//! The service control policy calls of the management account: CreatePolicy, DescribePolicy,
//! UpdatePolicy, DeletePolicy, ListPolicies, AttachPolicy, DetachPolicy, ListPoliciesForTarget,
//! ListTargetsForPolicy; and ListRoots.

use serde_json::{Value, json};
use trailroom_audit::{CallContext, store_failure};
use trailroom_protocol::ApiError;

use crate::record::{OrganizationRecord, account_arn};
use crate::scp::{self, ScpRecord, root_id};

const SCP_TYPE: &str = "SERVICE_CONTROL_POLICY";

fn client(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::client(code, message)
}

fn text<'a>(input: &'a Value, member: &str) -> Result<&'a str, ApiError> {
    input.get(member).and_then(Value::as_str).ok_or_else(|| {
        client(
            "InvalidInputException",
            format!("You provided a value that does not match the required pattern: {member}"),
        )
    })
}

fn summary(policy: &ScpRecord, org: &OrganizationRecord) -> Value {
    json!({ "Id": policy.id, "Arn": policy.arn(org), "Name": policy.name,
        "Description": policy.description, "Type": SCP_TYPE, "AwsManaged": policy.aws_managed })
}

fn described(policy: &ScpRecord, org: &OrganizationRecord) -> Value {
    json!({ "Policy": { "PolicySummary": summary(policy, org), "Content": policy.content } })
}

/// `{"Roots": [...]}`: the organization's one root.
pub(crate) fn list_roots(org: &OrganizationRecord) -> Value {
    let id = root_id(org);
    json!({ "Roots": [{ "Id": id,
        "Arn": format!("arn:aws:organizations::{}:root/{}/{id}", org.management_account_id, org.id),
        "Name": "Root", "PolicyTypes": [{"Type": SCP_TYPE, "Status": "ENABLED"}] }] })
}

fn check_content(content: &str) -> Result<(), ApiError> {
    if content.len() > 5120 {
        return Err(client(
            "ConstraintViolationException",
            "You attempted to create a policy with too many characters.",
        ));
    }
    trailroom_policy::Policy::parse(content)
        .and_then(|p| p.check_identity())
        .map_err(|e| client("MalformedPolicyDocumentException", e.0))
}

/// Runs a policy call of the management account.
pub(crate) async fn call(
    ctx: &CallContext,
    org: &OrganizationRecord,
    op: &str,
    input: &Value,
) -> Result<Value, ApiError> {
    let policies = ctx.read(|txn| scp::policies(txn, org).map_err(store_failure))?;
    let find = |id: &str| {
        policies
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .ok_or_else(|| {
                client(
                    "PolicyNotFoundException",
                    "We can't find a policy with the PolicyId that you specified.",
                )
            })
    };
    match op {
        "ListPolicies" => {
            let list: Vec<Value> = policies.iter().map(|p| summary(p, org)).collect();
            Ok(json!({ "Policies": list }))
        }
        "DescribePolicy" => Ok(described(&find(text(input, "PolicyId")?)?, org)),
        "ListPoliciesForTarget" => {
            let target = checked_target(org, text(input, "TargetId")?)?;
            let list: Vec<Value> = policies
                .iter()
                .filter(|p| p.targets.contains(&target))
                .map(|p| summary(p, org))
                .collect();
            Ok(json!({ "Policies": list }))
        }
        "ListTargetsForPolicy" => {
            let policy = find(text(input, "PolicyId")?)?;
            let targets: Vec<Value> = policy.targets.iter().map(|t| target_json(org, t)).collect();
            Ok(json!({ "Targets": targets }))
        }
        "CreatePolicy" => {
            if input.get("Type").and_then(Value::as_str) != Some(SCP_TYPE) {
                return Err(client(
                    "PolicyTypeNotEnabledException",
                    "This operation can be performed only for enabled policy types.",
                ));
            }
            let name = text(input, "Name")?.to_owned();
            let content = text(input, "Content")?.to_owned();
            check_content(&content)?;
            if policies.iter().any(|p| p.name == name) {
                return Err(client(
                    "DuplicatePolicyException",
                    "A policy with the same name already exists.",
                ));
            }
            let policy = ScpRecord {
                id: scp::new_policy_id(),
                name,
                description: input
                    .get("Description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                content,
                aws_managed: false,
                targets: Vec::new(),
            };
            store_policy(ctx, org, &policy).await?;
            Ok(described(&policy, org))
        }
        "UpdatePolicy" => {
            let mut policy = find(text(input, "PolicyId")?)?;
            if policy.aws_managed {
                return Err(client(
                    "PolicyChangesInProgressException",
                    "You can't change an AWS managed policy.",
                ));
            }
            if let Some(name) = input.get("Name").and_then(Value::as_str) {
                policy.name = name.to_owned();
            }
            if let Some(description) = input.get("Description").and_then(Value::as_str) {
                policy.description = description.to_owned();
            }
            if let Some(content) = input.get("Content").and_then(Value::as_str) {
                check_content(content)?;
                policy.content = content.to_owned();
            }
            store_policy(ctx, org, &policy).await?;
            Ok(described(&policy, org))
        }
        "DeletePolicy" => {
            let policy = find(text(input, "PolicyId")?)?;
            if !policy.targets.is_empty() || policy.aws_managed {
                return Err(client(
                    "PolicyInUseException",
                    "The policy is attached to one or more entities. You must detach it from \
                     all roots, OUs, and accounts before performing this operation.",
                ));
            }
            let (management, id) = (org.management_account_id.clone(), policy.id.clone());
            ctx.write(move |tx| {
                tx.delete(&management, scp::POLICY_KIND, &id)
                    .map_err(store_failure)?;
                Ok(Empty)
            })
            .await?;
            Ok(json!({}))
        }
        "AttachPolicy" | "DetachPolicy" => {
            let mut policy = find(text(input, "PolicyId")?)?;
            let target = checked_target(org, text(input, "TargetId")?)?;
            if op == "AttachPolicy" {
                if policy.targets.contains(&target) {
                    return Err(client(
                        "DuplicatePolicyAttachmentException",
                        "The selected policy is already attached to the specified target.",
                    ));
                }
                policy.targets.push(target);
            } else {
                if !policy.targets.contains(&target) {
                    return Err(client(
                        "PolicyNotAttachedException",
                        "The policy isn't attached to the specified target in the specified root.",
                    ));
                }
                let others = policies
                    .iter()
                    .filter(|p| p.id != policy.id && p.targets.contains(&target))
                    .count();
                if others == 0 {
                    return Err(client(
                        "ConstraintViolationException",
                        "You can't detach the last policy from the target: every root, OU and \
                         account must have at least one service control policy attached.",
                    ));
                }
                policy.targets.retain(|t| *t != target);
            }
            store_policy(ctx, org, &policy).await?;
            Ok(json!({}))
        }
        other => Err(client(
            "UnknownOperationException",
            format!("{other} is not served here"),
        )),
    }
}

/// A root or account id of the organization.
fn checked_target(org: &OrganizationRecord, target: &str) -> Result<String, ApiError> {
    match target == root_id(org) || org.accounts().iter().any(|a| a == target) {
        true => Ok(target.to_owned()),
        false => Err(client(
            "TargetNotFoundException",
            "We can't find a root, OU, account, or policy with the TargetId that you specified.",
        )),
    }
}

fn target_json(org: &OrganizationRecord, target: &str) -> Value {
    match target == root_id(org) {
        true => json!({ "TargetId": target, "Name": "Root", "Type": "ROOT",
            "Arn": format!("arn:aws:organizations::{}:root/{}/{target}", org.management_account_id, org.id) }),
        false => json!({ "TargetId": target, "Name": target, "Type": "ACCOUNT",
            "Arn": account_arn(org, target) }),
    }
}

/// The write of an Organizations call: nothing to render for the event.
struct Empty;

impl trailroom_model::Audit for Empty {
    fn to_audit_json(&self) -> Value {
        Value::Null
    }
}

async fn store_policy(
    ctx: &CallContext,
    org: &OrganizationRecord,
    policy: &ScpRecord,
) -> Result<(), ApiError> {
    let (org, policy) = (org.clone(), policy.clone());
    ctx.write(move |tx| {
        scp::save(tx, &org, &policy).map_err(store_failure)?;
        Ok(Empty)
    })
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use crate::scp::FULL_AWS_ACCESS;

    #[test]
    fn full_aws_access_is_known_by_its_id() {
        assert_eq!(FULL_AWS_ACCESS, "p-FullAWSAccess");
    }
}
