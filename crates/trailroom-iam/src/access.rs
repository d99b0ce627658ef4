//! What each IAM and STS call needs permission for.
//!
//! IAM: `iam:<Action>` on the entity the request names (the group for group calls, else the
//! role, the user, the policy, the identity provider), on the caller's own user for the key and user calls that name
//! none, else `*`; `iam:PolicyARN` for the attach and boundary calls. STS: `sts:AssumeRole` on the
//! role, judged with the role's trust policy as its resource-based policy (and `sts:TagSession`,
//! `sts:SetSourceIdentity` when the request passes session tags or a source identity);
//! `sts:GetFederationToken` on the federated user; GetCallerIdentity and GetSessionToken need no
//! permission, as in AWS.

use trailroom_audit::CallContext;
use trailroom_authz::Access;
use trailroom_identity::{GroupRecord, Principal, RoleRecord, UserRecord, kinds};
use trailroom_protocol::ApiError;
use trailroom_protocol::query::QueryParams;
use trailroom_store::ReadTxn;

use crate::QueryService;

/// Calls on the caller's own user when `UserName` is absent.
const SELF_CALLS: &[&str] = &[
    "GetUser",
    "CreateAccessKey",
    "ListAccessKeys",
    "UpdateAccessKey",
    "DeleteAccessKey",
    "ListMFADevices",
];

/// The accesses `action` of `service` with `params` needs.
pub fn accesses(
    ctx: &CallContext,
    service: QueryService,
    action: &str,
    params: &QueryParams,
) -> Result<Vec<Access>, ApiError> {
    match service {
        QueryService::Iam => ctx.read(|txn| Ok(vec![iam_access(txn, ctx, action, params)])),
        QueryService::Sts => sts_accesses(ctx, action, params),
    }
}

fn iam_access(txn: &dyn ReadTxn, ctx: &CallContext, action: &str, params: &QueryParams) -> Access {
    let account = ctx.account_id();
    let named = |kind, name: &str| txn.get(account, kind, name).ok().flatten();
    // The tags of the user or role the call is about (`aws:ResourceTag/*`, `iam:ResourceTag/*`).
    let mut tags = std::collections::BTreeMap::new();
    let resource = if let Some(group) = params.get("GroupName").filter(|_| action.contains("Group"))
    {
        named(kinds::GROUP, group)
            .and_then(|d| d.decode::<GroupRecord>().ok())
            .map_or_else(
                || format!("arn:aws:iam::{account}:group/{group}"),
                |g| g.arn(),
            )
    } else if let Some(role) = params.get("RoleName") {
        match named(kinds::ROLE, role).and_then(|d| d.decode::<RoleRecord>().ok()) {
            Some(record) => {
                tags = record.tags.clone();
                record.arn()
            }
            None => format!("arn:aws:iam::{account}:role{}{role}", path(params)),
        }
    } else if let Some(user) = params.get("UserName") {
        match named(kinds::USER, user).and_then(|d| d.decode::<UserRecord>().ok()) {
            Some(record) => {
                tags = record.tags.clone();
                record.arn()
            }
            None => format!("arn:aws:iam::{account}:user{}{user}", path(params)),
        }
    } else if action == "CreatePolicy"
        && let Some(name) = params.get("PolicyName")
    {
        format!("arn:aws:iam::{account}:policy{}{name}", path(params))
    } else if let Some(arn) = params
        .get("PolicyArn")
        .or_else(|| params.get("OpenIDConnectProviderArn"))
        .or_else(|| params.get("SAMLProviderArn"))
    {
        arn.to_owned()
    } else if action == "CreateOpenIDConnectProvider"
        && let Some(url) = params.get("Url")
    {
        let url = trailroom_federation::oidc::provider_url(url);
        format!("arn:aws:iam::{account}:oidc-provider/{url}")
    } else if action == "CreateSAMLProvider"
        && let Some(name) = params.get("Name")
    {
        format!("arn:aws:iam::{account}:saml-provider/{name}")
    } else if SELF_CALLS.contains(&action)
        && let Principal::IamUser { .. } = &ctx.caller().principal
    {
        ctx.caller().principal.arn()
    } else {
        "*".to_owned()
    };
    let mut access = Access::new(format!("iam:{action}"), resource).with_resource_tags(&tags);
    for (key, value) in &tags {
        access = access.with(&format!("iam:ResourceTag/{key}"), value.clone());
    }
    if let Some(policy) = params
        .get("PolicyArn")
        .or_else(|| params.get("PermissionsBoundary"))
    {
        access = access.with("iam:PolicyARN", policy);
    }
    if let Some(boundary) = params.get("PermissionsBoundary") {
        access = access.with("iam:PermissionsBoundary", boundary);
    }
    access
}

fn path(params: &QueryParams) -> &str {
    params.get("Path").unwrap_or("/")
}

fn sts_accesses(
    ctx: &CallContext,
    action: &str,
    params: &QueryParams,
) -> Result<Vec<Access>, ApiError> {
    let account = ctx.account_id();
    Ok(match action {
        "AssumeRole" => {
            let Some(role_arn) = params.get("RoleArn") else {
                return Ok(Vec::new());
            };
            let (keys, attributes) = crate::sts::assume_role_keys(params)?;
            let trust = crate::sts::role_of(role_arn).and_then(|(owner, name)| {
                ctx.read(|txn| {
                    Ok(txn
                        .get(&owner, kinds::ROLE, &name)
                        .ok()
                        .flatten()
                        .and_then(|d| d.decode::<RoleRecord>().ok()))
                })
                .ok()
                .flatten()
                .map(|role| (role.assume_role_policy_document, owner))
            });
            // A role that does not exist is refused by the call itself, with AWS's message.
            let Some((document, owner)) = trust else {
                return Ok(Vec::new());
            };
            // sts:AssumeRole, and sts:TagSession / sts:SetSourceIdentity when the request
            // passes tags / a source identity: each judged with the trust policy too.
            crate::sts::trust_actions("sts:AssumeRole", &attributes)
                .into_iter()
                .map(|action| {
                    Access::new(action, role_arn)
                        .with_keys(keys.clone())
                        .with_resource_policy(document.clone(), owner.clone())
                })
                .collect()
        }
        "GetFederationToken" => {
            let name = params.get("Name").unwrap_or_default();
            let user = format!("arn:aws:sts::{account}:federated-user/{name}");
            let tags = crate::sts::requested_attributes(params)?.tags;
            let mut accesses = vec![Access::new("sts:GetFederationToken", user.clone())];
            if !tags.is_empty() {
                let keys: Vec<(String, Vec<String>)> = tags
                    .iter()
                    .map(|(k, v)| (format!("aws:RequestTag/{k}"), vec![v.clone()]))
                    .chain([("aws:TagKeys".to_owned(), tags.keys().cloned().collect())])
                    .collect();
                accesses.push(Access::new("sts:TagSession", user).with_keys(keys));
            }
            accesses
        }
        "GetAccessKeyInfo" => vec![Access::new("sts:GetAccessKeyInfo", "*")],
        _ => Vec::new(),
    })
}
