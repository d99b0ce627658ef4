//! SimulatePrincipalPolicy and SimulateCustomPolicy, on the same engine that authorizes calls:
//! for each action and resource, `allowed`, `explicitDeny` or `implicitDeny`, with the
//! organization and permissions boundary details AWS gives.

use serde_json::Value;
use trailroom_audit::CallContext;
use trailroom_identity::{GroupRecord, RoleRecord, UserRecord, kinds, managed_policy_document};
use trailroom_policy::{Context, Decision, Policy, PolicyKind, PolicySet, Principal, Request};
use trailroom_protocol::ApiError;
use trailroom_protocol::query::QueryParams;
use trailroom_store::ReadTxn;

use super::{load, no_such_entity, store, validation};
use crate::output::QueryOutput;

/// `Name.member.N` values.
fn members<'a>(p: &'a QueryParams, name: &str) -> Vec<&'a str> {
    (1..)
        .map_while(|n| p.get(&format!("{name}.member.{n}")))
        .collect()
}

/// `ContextEntries.member.N`: key, values (`ContextKeyValues.member.M`).
fn context_entries(p: &QueryParams) -> Context {
    let mut context = Context::new();
    for n in 1.. {
        let Some(key) = p.get(&format!("ContextEntries.member.{n}.ContextKeyName")) else {
            break;
        };
        let values = (1..)
            .map_while(|m| {
                p.get(&format!(
                    "ContextEntries.member.{n}.ContextKeyValues.member.{m}"
                ))
            })
            .map(str::to_owned)
            .collect();
        context.set_all(key, values);
    }
    context
}

fn parse(document: &str) -> Result<Policy, ApiError> {
    Policy::parse(document).map_err(|e| ApiError::client("MalformedPolicyDocument", e.0))
}

/// What a simulated principal carries: its identity policies, its boundary, its ARN.
struct Source {
    identity: Vec<String>,
    boundary: Option<String>,
    arn: String,
}

/// The identity policies and boundary of the user, role or group `arn` names.
fn source_policies(txn: &dyn ReadTxn, account: &str, arn: &str) -> Result<Source, ApiError> {
    let invalid = || validation(format!("Invalid ARN: {arn}"));
    let resource = arn
        .strip_prefix(&format!("arn:aws:iam::{account}:"))
        .ok_or_else(invalid)?;
    let name = resource.rsplit('/').next().ok_or_else(invalid)?;
    let documents = |arns: &[String]| -> Result<Vec<String>, ApiError> {
        let mut out = Vec::new();
        for arn in arns {
            out.extend(store(managed_policy_document(txn, arn))?);
        }
        Ok(out)
    };
    let missing = || no_such_entity(format!("Entity {arn} does not exist."));
    if resource.starts_with("user/") {
        let user: UserRecord = load(txn, account, kinds::USER, name)?.ok_or_else(missing)?;
        let mut identity: Vec<String> = user.inline_policies.values().cloned().collect();
        identity.extend(documents(&user.attached_policies)?);
        for group in &user.groups {
            if let Some(g) = load::<GroupRecord>(txn, account, kinds::GROUP, group)? {
                identity.extend(g.inline_policies.values().cloned());
                identity.extend(documents(&g.attached_policies)?);
            }
        }
        let boundary = match &user.permissions_boundary {
            Some(b) => store(managed_policy_document(txn, b))?,
            None => None,
        };
        Ok(Source {
            identity,
            boundary,
            arn: user.arn(),
        })
    } else if resource.starts_with("role/") {
        let role: RoleRecord = load(txn, account, kinds::ROLE, name)?.ok_or_else(missing)?;
        let mut identity: Vec<String> = role.inline_policies.values().cloned().collect();
        identity.extend(documents(&role.attached_policies)?);
        let boundary = match &role.permissions_boundary {
            Some(b) => store(managed_policy_document(txn, b))?,
            None => None,
        };
        Ok(Source {
            identity,
            boundary,
            arn: role.arn(),
        })
    } else if resource.starts_with("group/") {
        let group: GroupRecord = load(txn, account, kinds::GROUP, name)?.ok_or_else(missing)?;
        let mut identity: Vec<String> = group.inline_policies.values().cloned().collect();
        identity.extend(documents(&group.attached_policies)?);
        Ok(Source {
            identity,
            boundary: None,
            arn: group.arn(),
        })
    } else {
        Err(invalid())
    }
}

pub(super) fn simulate_principal_policy(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let source = p.require("PolicySourceArn")?;
    let account = ctx.account_id();
    let Source {
        mut identity,
        boundary,
        arn,
    } = ctx.read(|txn| source_policies(txn, account, source))?;
    identity.extend(members(p, "PolicyInputList").into_iter().map(str::to_owned));
    let boundary = members(p, "PermissionsBoundaryPolicyInputList")
        .first()
        .map(|b| (*b).to_owned())
        .or(boundary);
    simulate(ctx, p, identity, boundary, vec![arn])
}

pub(super) fn simulate_custom_policy(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let identity: Vec<String> = members(p, "PolicyInputList")
        .into_iter()
        .map(str::to_owned)
        .collect();
    if identity.is_empty() {
        return Err(validation(
            "PolicyInputList must contain at least one policy.",
        ));
    }
    let boundary = members(p, "PermissionsBoundaryPolicyInputList")
        .first()
        .map(|b| (*b).to_owned());
    let caller = p
        .get("CallerArn")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("arn:aws:iam::{}:user/simulated", ctx.account_id()));
    simulate(ctx, p, identity, boundary, vec![caller])
}

fn simulate(
    ctx: &CallContext,
    p: &QueryParams,
    identity: Vec<String>,
    boundary: Option<String>,
    arns: Vec<String>,
) -> Result<QueryOutput, ApiError> {
    let actions = members(p, "ActionNames");
    if actions.is_empty() {
        return Err(validation("ActionNames must contain at least one action."));
    }
    let mut resources = members(p, "ResourceArns");
    if resources.is_empty() {
        resources.push("*");
    }
    let identity: Vec<Policy> = identity
        .iter()
        .map(|d| parse(d))
        .collect::<Result<_, _>>()?;
    let boundary = boundary.as_deref().map(parse).transpose()?;
    let resource_policy = p.get("ResourcePolicy").map(parse).transpose()?;
    let owner = p.get("ResourceOwner").map(|o| {
        o.strip_prefix("arn:aws:iam::")
            .and_then(|r| r.split(':').next())
            .unwrap_or(o)
            .to_owned()
    });
    let principal = Principal {
        account: ctx.account_id().to_owned(),
        arns: arns.clone(),
        ..Principal::default()
    };
    let mut context = context_entries(p);
    if !context.contains("aws:PrincipalArn") {
        context.set("aws:PrincipalArn", arns[0].clone());
    }
    let set = PolicySet {
        identity: identity.iter().collect(),
        boundary: boundary.as_ref().map(|b| vec![b]),
        session: None,
        service_control: Vec::new(),
        resource: resource_policy.as_ref(),
        resource_account: owner.as_deref(),
    };
    let mut results = Vec::new();
    for action in &actions {
        for resource in &resources {
            let request = Request {
                principal: &principal,
                action,
                resource,
                context: &context,
            };
            let decision = trailroom_policy::authorize(&set, &request);
            let boundary_allows = boundary.as_ref().is_none_or(|b| {
                b.evaluate(PolicyKind::PermissionsBoundary, &request)
                    == trailroom_policy::Verdict::Allow
            });
            results.push((
                (*action).to_owned(),
                (*resource).to_owned(),
                decision,
                boundary_allows,
            ));
        }
    }
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest("EvaluationResults", |l| {
            for (action, resource, decision, boundary_allows) in &results {
                l.nest("member", |m| {
                    let verdict = match decision {
                        Decision::Allow => "allowed",
                        Decision::Deny(d) if d.explicit => "explicitDeny",
                        Decision::Deny(_) => "implicitDeny",
                    };
                    m.element("EvalActionName", action)
                        .element("EvalResourceName", resource)
                        .element("EvalDecision", verdict);
                    m.nest("MatchedStatements", |_| {});
                    m.nest("MissingContextValues", |_| {});
                    m.nest("OrganizationsDecisionDetail", |o| {
                        o.element("AllowedByOrganizations", "true");
                    });
                    m.nest("PermissionsBoundaryDecisionDetail", |b| {
                        b.element(
                            "AllowedByPermissionsBoundary",
                            if *boundary_allows { "true" } else { "false" },
                        );
                    });
                });
            }
        });
        x.element("IsTruncated", "false");
    }))
}
