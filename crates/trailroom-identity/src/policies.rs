//! The policy documents that bear on a caller, as IAM stores them: identity-based policies
//! (inline and managed, the user's own and its groups'; a role's), the permissions boundary, the
//! session policies of temporary credentials, and the principal's tags.

use std::collections::BTreeMap;

use trailroom_store::{ReadTxn, StoreResult};

use crate::aws_managed;
use crate::principal::{Caller, Principal};
use crate::records::{GroupRecord, ManagedPolicyRecord, RoleRecord, UserRecord, kinds};

/// Everything IAM knows that decides what a caller may do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallerPolicies {
    /// The root user of its account: allowed everything there that no explicit deny refuses.
    pub is_root: bool,
    /// Identity-based policy documents.
    pub identity: Vec<String>,
    /// The permissions boundary's document, when one is set.
    pub boundary: Option<String>,
    /// Session policy documents, when the credentials were made with some (a federated user's
    /// session always has them: without a policy it may do nothing).
    pub session: Option<Vec<String>>,
    /// The principal's tags (`aws:PrincipalTag/…`).
    pub tags: BTreeMap<String, String>,
}

/// The document of the default version of the managed policy `arn` (AWS managed or the
/// account's own), if it exists.
pub fn managed_policy_document(txn: &dyn ReadTxn, arn: &str) -> StoreResult<Option<String>> {
    if let Some(document) = aws_managed::document(arn) {
        return Ok(Some(document.to_owned()));
    }
    let Some((account, name)) = customer_policy_name(arn) else {
        return Ok(None);
    };
    Ok(txn
        .get(account, kinds::POLICY, name)?
        .map(|doc| doc.decode::<ManagedPolicyRecord>())
        .transpose()?
        .and_then(|p| (p.arn() == arn).then(|| p.default_document().map(str::to_owned)))
        .flatten())
}

/// `arn:aws:iam::<account>:policy/<path/><name>` into (account, name).
pub fn customer_policy_name(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let name = resource.strip_prefix("policy/")?.rsplit('/').next()?;
    (account.len() == 12 && !name.is_empty()).then_some((account, name))
}

/// Loads the policies of `caller`; a session's tags take precedence over the principal's own.
pub fn caller_policies(txn: &dyn ReadTxn, caller: &Caller) -> StoreResult<CallerPolicies> {
    let mut policies = stored_policies(txn, caller)?;
    if let Some(session) = &caller.session {
        policies.tags.extend(session.tags.clone());
    }
    Ok(policies)
}

fn stored_policies(txn: &dyn ReadTxn, caller: &Caller) -> StoreResult<CallerPolicies> {
    let session = caller
        .session
        .as_ref()
        .filter(|s| !s.policies.is_empty())
        .map(|s| s.policies.clone());
    match &caller.principal {
        Principal::Root { .. } => Ok(CallerPolicies {
            is_root: true,
            session,
            ..CallerPolicies::default()
        }),
        Principal::IamUser {
            account_id,
            user_name,
            ..
        } => {
            let mut policies = user_policies(txn, account_id, user_name)?;
            policies.session = session;
            Ok(policies)
        }
        Principal::AssumedRole {
            account_id,
            role_name,
            ..
        } => {
            let Some(role) = txn
                .get(account_id, kinds::ROLE, role_name)?
                .map(|d| d.decode::<RoleRecord>())
                .transpose()?
            else {
                // A role deleted since: its sessions may do nothing.
                return Ok(CallerPolicies {
                    session,
                    ..CallerPolicies::default()
                });
            };
            let mut identity: Vec<String> = role.inline_policies.values().cloned().collect();
            identity.extend(managed_documents(txn, &role.attached_policies)?);
            Ok(CallerPolicies {
                is_root: false,
                identity,
                boundary: boundary(txn, role.permissions_boundary.as_deref())?,
                session,
                tags: role.tags,
            })
        }
        Principal::FederatedUser { issuer, .. } => {
            // What the issuing user may do, and only what the session policy allows of it.
            let mut policies = match issuer.as_ref() {
                Principal::IamUser {
                    account_id,
                    user_name,
                    ..
                } => user_policies(txn, account_id, user_name)?,
                _ => CallerPolicies {
                    is_root: true,
                    ..CallerPolicies::default()
                },
            };
            policies.session = Some(session.unwrap_or_default());
            Ok(policies)
        }
        // Callers without credentials of their own (their calls are decided by trust policies)
        // and services (decided by resource policies) have no identity policies.
        Principal::WebIdentityUser { .. }
        | Principal::SamlUser { .. }
        | Principal::AwsService { .. } => Ok(CallerPolicies::default()),
    }
}

fn user_policies(txn: &dyn ReadTxn, account: &str, name: &str) -> StoreResult<CallerPolicies> {
    let Some(user) = txn
        .get(account, kinds::USER, name)?
        .map(|d| d.decode::<UserRecord>())
        .transpose()?
    else {
        return Ok(CallerPolicies::default());
    };
    let mut identity: Vec<String> = user.inline_policies.values().cloned().collect();
    identity.extend(managed_documents(txn, &user.attached_policies)?);
    for group_name in &user.groups {
        if let Some(group) = txn
            .get(account, kinds::GROUP, group_name)?
            .map(|d| d.decode::<GroupRecord>())
            .transpose()?
        {
            identity.extend(group.inline_policies.values().cloned());
            identity.extend(managed_documents(txn, &group.attached_policies)?);
        }
    }
    Ok(CallerPolicies {
        is_root: false,
        identity,
        boundary: boundary(txn, user.permissions_boundary.as_deref())?,
        session: None,
        tags: user.tags,
    })
}

fn managed_documents(txn: &dyn ReadTxn, arns: &[String]) -> StoreResult<Vec<String>> {
    let mut out = Vec::with_capacity(arns.len());
    for arn in arns {
        if let Some(document) = managed_policy_document(txn, arn)? {
            out.push(document);
        }
    }
    Ok(out)
}

/// A boundary that names a policy that no longer exists allows nothing.
fn boundary(txn: &dyn ReadTxn, arn: Option<&str>) -> StoreResult<Option<String>> {
    match arn {
        None => Ok(None),
        Some(arn) => Ok(Some(
            managed_policy_document(txn, arn)?.unwrap_or_else(|| r#"{"Statement":[]}"#.into()),
        )),
    }
}
