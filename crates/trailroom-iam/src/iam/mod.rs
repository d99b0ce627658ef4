//! IAM: users, access keys, roles and inline policies (here), managed policies and attachments
//! ([`managed`]), groups and permissions boundaries ([`groups`]), tags ([`tagging`]), as real
//! clients use them.

mod account;
mod groups;
mod managed;
pub(crate) mod providers;
mod simulate;
mod tagging;

use serde_json::{Value, json};
use trailroom_audit::{CallContext, store_failure};
use trailroom_identity::{
    AccessKeyOwner, AccessKeyRecord, AccessKeyStatus, IdPrefix, Principal, RoleRecord, UserRecord,
    kinds, new_access_key_id, new_secret_key, new_unique_id,
};
use trailroom_protocol::query::{QueryParams, XmlWriter};
use trailroom_protocol::{ApiError, StatusCode};
use trailroom_store::{Doc, ReadTxn, StoreError, WriteTxn};

use crate::output::{QueryOutput, iso_time, java_time};

const ACTIONS: &[&str] = &[
    "UpdateAssumeRolePolicy",
    "UpdateRole",
    "CreateOpenIDConnectProvider",
    "GetOpenIDConnectProvider",
    "ListOpenIDConnectProviders",
    "DeleteOpenIDConnectProvider",
    "AddClientIDToOpenIDConnectProvider",
    "RemoveClientIDFromOpenIDConnectProvider",
    "UpdateOpenIDConnectProviderThumbprint",
    "CreateSAMLProvider",
    "GetSAMLProvider",
    "ListSAMLProviders",
    "UpdateSAMLProvider",
    "DeleteSAMLProvider",
    "CreateUser",
    "GetUser",
    "ListUsers",
    "DeleteUser",
    "CreateAccessKey",
    "ListAccessKeys",
    "UpdateAccessKey",
    "DeleteAccessKey",
    "CreateRole",
    "GetRole",
    "ListRoles",
    "DeleteRole",
    "PutUserPolicy",
    "GetUserPolicy",
    "ListUserPolicies",
    "DeleteUserPolicy",
    "PutRolePolicy",
    "GetRolePolicy",
    "ListRolePolicies",
    "DeleteRolePolicy",
    "PutGroupPolicy",
    "GetGroupPolicy",
    "ListGroupPolicies",
    "DeleteGroupPolicy",
    "CreatePolicy",
    "GetPolicy",
    "ListPolicies",
    "DeletePolicy",
    "CreatePolicyVersion",
    "GetPolicyVersion",
    "ListPolicyVersions",
    "DeletePolicyVersion",
    "SetDefaultPolicyVersion",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "ListAttachedUserPolicies",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "ListAttachedRolePolicies",
    "AttachGroupPolicy",
    "DetachGroupPolicy",
    "ListAttachedGroupPolicies",
    "ListEntitiesForPolicy",
    "CreateGroup",
    "GetGroup",
    "ListGroups",
    "DeleteGroup",
    "AddUserToGroup",
    "RemoveUserFromGroup",
    "ListGroupsForUser",
    "PutUserPermissionsBoundary",
    "DeleteUserPermissionsBoundary",
    "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary",
    "TagUser",
    "UntagUser",
    "ListUserTags",
    "TagRole",
    "UntagRole",
    "ListRoleTags",
    "GetAccountSummary",
    "GetAccountPasswordPolicy",
    "GenerateCredentialReport",
    "GetCredentialReport",
    "GetAccountAuthorizationDetails",
    "GetAccessKeyLastUsed",
    "SimulatePrincipalPolicy",
    "SimulateCustomPolicy",
    "ListMFADevices",
    "ListVirtualMFADevices",
    "ListSigningCertificates",
    "ListSSHPublicKeys",
    "ListServiceSpecificCredentials",
    "ListInstanceProfiles",
    "ListInstanceProfilesForRole",
    "ListAccountAliases",
    "ListServerCertificates",
];

/// `(readOnly, logs responseElements)`: IAM's reads are Get*/List*/Simulate*.
pub(crate) fn operation(action: &str) -> Option<(bool, bool)> {
    ACTIONS.contains(&action).then(|| {
        let read_only = ["Get", "List", "Simulate"]
            .iter()
            .any(|prefix| action.starts_with(prefix));
        (read_only, !read_only)
    })
}

pub(crate) async fn call(
    ctx: &CallContext,
    action: &str,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    match action {
        "CreateUser" => create_user(ctx, p).await,
        "GetUser" => get_user(ctx, p),
        "ListUsers" => list_users(ctx, p),
        "DeleteUser" => delete_user(ctx, p).await,
        "CreateAccessKey" => create_access_key(ctx, p).await,
        "ListAccessKeys" => list_access_keys(ctx, p),
        "UpdateAccessKey" => update_access_key(ctx, p).await,
        "DeleteAccessKey" => delete_access_key(ctx, p).await,
        "CreateRole" => create_role(ctx, p).await,
        "GetRole" => get_role(ctx, p),
        "ListRoles" => list_roles(ctx, p),
        "DeleteRole" => delete_role(ctx, p).await,
        "UpdateAssumeRolePolicy" => update_role(ctx, p, true).await,
        "UpdateRole" => update_role(ctx, p, false).await,
        "PutUserPolicy" | "PutRolePolicy" => put_policy(ctx, p, Holder::from_action(action)).await,
        "GetUserPolicy" | "GetRolePolicy" => get_policy(ctx, p, Holder::from_action(action)),
        "ListUserPolicies" | "ListRolePolicies" => {
            list_policies(ctx, p, Holder::from_action(action))
        }
        "DeleteUserPolicy" | "DeleteRolePolicy" => {
            delete_policy(ctx, p, Holder::from_action(action)).await
        }
        "PutGroupPolicy" => put_policy(ctx, p, Holder::Group).await,
        "GetGroupPolicy" => get_policy(ctx, p, Holder::Group),
        "ListGroupPolicies" => list_policies(ctx, p, Holder::Group),
        "DeleteGroupPolicy" => delete_policy(ctx, p, Holder::Group).await,
        "CreatePolicy" => managed::create_policy(ctx, p).await,
        "GetPolicy" => managed::get_policy(ctx, p),
        "ListPolicies" => managed::list_policies(ctx, p),
        "DeletePolicy" => managed::delete_policy(ctx, p).await,
        "CreatePolicyVersion" => managed::create_policy_version(ctx, p).await,
        "GetPolicyVersion" => managed::get_policy_version(ctx, p),
        "ListPolicyVersions" => managed::list_policy_versions(ctx, p),
        "DeletePolicyVersion" => managed::delete_policy_version(ctx, p).await,
        "SetDefaultPolicyVersion" => managed::set_default_policy_version(ctx, p).await,
        "AttachUserPolicy" | "AttachRolePolicy" | "AttachGroupPolicy" => {
            managed::attach(ctx, p, managed::Entity::from_action(action)).await
        }
        "DetachUserPolicy" | "DetachRolePolicy" | "DetachGroupPolicy" => {
            managed::detach(ctx, p, managed::Entity::from_action(action)).await
        }
        "ListAttachedUserPolicies" | "ListAttachedRolePolicies" | "ListAttachedGroupPolicies" => {
            managed::list_attached(ctx, p, managed::Entity::from_action(action))
        }
        "ListEntitiesForPolicy" => managed::list_entities_for_policy(ctx, p),
        "CreateGroup" => groups::create_group(ctx, p).await,
        "GetGroup" => groups::get_group(ctx, p),
        "ListGroups" => groups::list_groups(ctx, p),
        "DeleteGroup" => groups::delete_group(ctx, p).await,
        "AddUserToGroup" => groups::add_user_to_group(ctx, p).await,
        "RemoveUserFromGroup" => groups::remove_user_from_group(ctx, p).await,
        "ListGroupsForUser" => groups::list_groups_for_user(ctx, p),
        "PutUserPermissionsBoundary" => groups::set_boundary(ctx, p, false, true).await,
        "DeleteUserPermissionsBoundary" => groups::set_boundary(ctx, p, false, false).await,
        "PutRolePermissionsBoundary" => groups::set_boundary(ctx, p, true, true).await,
        "DeleteRolePermissionsBoundary" => groups::set_boundary(ctx, p, true, false).await,
        "TagUser" | "TagRole" => tagging::tag(ctx, p, tagging::Tagged::from_action(action)).await,
        "UntagUser" | "UntagRole" => {
            tagging::untag(ctx, p, tagging::Tagged::from_action(action)).await
        }
        "ListUserTags" | "ListRoleTags" => {
            tagging::list_tags(ctx, p, tagging::Tagged::from_action(action))
        }
        "GetAccountSummary" => account::get_account_summary(ctx),
        "GetAccountPasswordPolicy" => account::get_account_password_policy(ctx),
        "GenerateCredentialReport" => account::generate_credential_report(ctx).await,
        "GetCredentialReport" => account::get_credential_report(ctx),
        "GetAccountAuthorizationDetails" => account::get_account_authorization_details(ctx, p),
        "GetAccessKeyLastUsed" => account::get_access_key_last_used(ctx, p),
        "CreateOpenIDConnectProvider" => providers::create_oidc_provider(ctx, p).await,
        "GetOpenIDConnectProvider" => providers::get_oidc_provider(ctx, p),
        "ListOpenIDConnectProviders" => providers::list_oidc_providers(ctx),
        "DeleteOpenIDConnectProvider" => providers::delete_oidc_provider(ctx, p).await,
        "AddClientIDToOpenIDConnectProvider"
        | "RemoveClientIDFromOpenIDConnectProvider"
        | "UpdateOpenIDConnectProviderThumbprint" => {
            providers::change_oidc_provider(ctx, p, action).await
        }
        "CreateSAMLProvider" => providers::create_saml_provider(ctx, p).await,
        "GetSAMLProvider" => providers::get_saml_provider(ctx, p),
        "ListSAMLProviders" => providers::list_saml_providers(ctx),
        "UpdateSAMLProvider" => providers::update_saml_provider(ctx, p).await,
        "DeleteSAMLProvider" => providers::delete_saml_provider(ctx, p).await,
        "SimulatePrincipalPolicy" => simulate::simulate_principal_policy(ctx, p),
        "SimulateCustomPolicy" => simulate::simulate_custom_policy(ctx, p),
        empty if account::EMPTY_LISTS.iter().any(|(a, _)| *a == empty) => {
            account::empty_list(empty)
        }
        _ => Err(ApiError::client(
            "InvalidAction",
            format!("Could not find operation {action} for version 2010-05-08"),
        )),
    }
}

// ---- errors -------------------------------------------------------------------------------

pub(super) fn no_such_entity(message: String) -> ApiError {
    ApiError::new("NoSuchEntity", StatusCode::NOT_FOUND, message)
}

pub(super) fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(code, StatusCode::CONFLICT, message)
}

pub(super) fn validation(message: impl Into<String>) -> ApiError {
    ApiError::client("ValidationError", message)
}

pub(super) fn store<T>(result: Result<T, StoreError>) -> Result<T, ApiError> {
    result.map_err(store_failure)
}

/// IAM names: 1-64 (users, roles) or 1-128 (policies) of `[\w+=,.@-]`.
pub(super) fn check_name(member: &str, value: &str, max: usize) -> Result<(), ApiError> {
    let valid = !value.is_empty()
        && value.chars().count() <= max
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if valid {
        Ok(())
    } else {
        Err(validation(format!(
            "The specified value for {member} is invalid. It must contain only alphanumeric \
             characters and/or the following: +=,.@_- and be 1 to {max} characters long."
        )))
    }
}

pub(super) fn check_path(path: &str) -> Result<(), ApiError> {
    let valid = path.starts_with('/') && path.ends_with('/') && path.len() <= 512;
    if valid {
        Ok(())
    } else {
        Err(validation("The specified value for path is invalid."))
    }
}

/// A trust policy is a resource-based policy: it names principals, not resources.
fn check_trust_policy(document: &str) -> Result<(), ApiError> {
    let policy = trailroom_policy::Policy::parse(document)
        .and_then(|p| p.check_resource().map(|()| p))
        .map_err(|e| ApiError::client("MalformedPolicyDocument", e.0))?;
    match policy.statements.iter().any(|s| s.resource.is_some()) {
        true => Err(ApiError::client(
            "MalformedPolicyDocument",
            "Has prohibited field Resource",
        )),
        false => Ok(()),
    }
}

/// An identity-based policy (inline): actions and resources, no principal.
pub(super) fn check_policy_document(document: &str) -> Result<(), ApiError> {
    trailroom_policy::Policy::parse(document)
        .and_then(|p| p.check_identity())
        .map_err(|e| ApiError::client("MalformedPolicyDocument", e.0))
}

// ---- loading --------------------------------------------------------------------------------

pub(super) fn load<T: serde::de::DeserializeOwned>(
    txn: &dyn ReadTxn,
    account: &str,
    kind: &str,
    id: &str,
) -> Result<Option<T>, ApiError> {
    store(
        txn.get(account, kind, id)
            .and_then(|d| d.map(|d| d.decode()).transpose()),
    )
}

/// Every record of `kind` in the caller's account.
pub(super) fn list_all<T: serde::de::DeserializeOwned>(
    ctx: &CallContext,
    kind: &str,
) -> Result<Vec<T>, ApiError> {
    ctx.read(|txn| {
        store(txn.list(ctx.account_id(), kind))?
            .iter()
            .map(|d| store(d.decode()))
            .collect()
    })
}

pub(super) fn load_user(
    txn: &dyn ReadTxn,
    account: &str,
    name: &str,
) -> Result<UserRecord, ApiError> {
    load(txn, account, kinds::USER, name)?
        .ok_or_else(|| no_such_entity(format!("The user with name {name} cannot be found.")))
}

pub(super) fn load_role(
    txn: &dyn ReadTxn,
    account: &str,
    name: &str,
) -> Result<RoleRecord, ApiError> {
    load(txn, account, kinds::ROLE, name)?
        .ok_or_else(|| no_such_entity(format!("The role with name {name} cannot be found.")))
}

pub(super) fn put<T: serde::Serialize>(
    tx: &mut dyn WriteTxn,
    account: &str,
    kind: &str,
    id: &str,
    record: &T,
    parent: Option<&str>,
) -> Result<(), ApiError> {
    let mut doc = store(Doc::new(account, kind, id, record))?;
    doc.parent = parent.map(str::to_owned);
    store(tx.put(&doc))
}

/// The user a request names, or the calling IAM user when it names none.
pub(super) fn target_user_name(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<Option<String>, ApiError> {
    match (p.get("UserName"), &ctx.caller().principal) {
        (Some(name), _) => Ok(Some(name.to_owned())),
        (None, Principal::IamUser { user_name, .. }) => Ok(Some(user_name.clone())),
        (None, Principal::Root { .. }) => Ok(None),
        (None, _) => Err(validation(
            "Must specify userName when calling with non-User credentials",
        )),
    }
}

pub(super) fn paging(p: &QueryParams) -> Result<(Option<String>, usize), ApiError> {
    let max = p.integer("MaxItems")?.unwrap_or(100);
    if !(1..=1000).contains(&max) {
        return Err(validation("MaxItems must be between 1 and 1000."));
    }
    Ok((p.get("Marker").map(str::to_owned), max as usize))
}

/// Applies Marker/MaxItems to names sorted ascending; returns the page and the next marker.
pub(super) fn page<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> &str,
    marker: Option<&str>,
    max: usize,
) -> (Vec<T>, Option<String>) {
    let mut rest: Vec<T> = items
        .into_iter()
        .filter(|i| marker.is_none_or(|m| key(i) > m))
        .collect();
    let truncated = rest.len() > max;
    rest.truncate(max);
    let next = truncated
        .then(|| rest.last().map(|i| key(i).to_owned()))
        .flatten();
    (rest, next)
}

pub(super) fn write_page_end(x: &mut XmlWriter, next: &Option<String>) {
    x.element("IsTruncated", if next.is_some() { "true" } else { "false" });
    if let Some(marker) = next {
        x.element("Marker", marker);
    }
}

// ---- users ----------------------------------------------------------------------------------

pub(super) fn write_user(x: &mut XmlWriter, tag: &str, u: &UserRecord) {
    x.nest(tag, |e| {
        e.element("Path", &u.path)
            .element("UserName", &u.user_name)
            .element("UserId", &u.user_id)
            .element("Arn", &u.arn())
            .element("CreateDate", &iso_time(u.created_ms));
    });
}

pub(super) fn audit_user(u: &UserRecord) -> Value {
    json!({ "user": { "path": u.path, "userName": u.user_name, "userId": u.user_id,
        "arn": u.arn(), "createDate": java_time(u.created_ms) } })
}

async fn create_user(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let name = p.require("UserName")?.to_owned();
    check_name("userName", &name, 64)?;
    let path = p.get("Path").unwrap_or("/").to_owned();
    check_path(&path)?;
    let user = UserRecord {
        account_id: ctx.account_id().to_owned(),
        user_name: name.clone(),
        user_id: new_unique_id(IdPrefix::User),
        path,
        created_ms: ctx.now_ms(),
        inline_policies: Default::default(),
        tags: tagging::tags_param(p)?,
        attached_policies: Vec::new(),
        groups: Vec::new(),
        permissions_boundary: p.get("PermissionsBoundary").map(str::to_owned),
    };
    let output = QueryOutput::new(audit_user(&user), |x| write_user(x, "User", &user));
    ctx.write(move |tx| {
        if let Some(boundary) = &user.permissions_boundary {
            managed::check_boundary(&*tx, &user.account_id, boundary)?;
        }
        if tx
            .get(&user.account_id, kinds::USER, &name)
            .map_err(store_failure)?
            .is_some()
        {
            return Err(conflict(
                "EntityAlreadyExists",
                format!("User with name {name} already exists."),
            ));
        }
        put(tx, &user.account_id, kinds::USER, &name, &user, None)?;
        Ok(output)
    })
    .await
}

fn get_user(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let account = ctx.account_id().to_owned();
    let Some(name) = target_user_name(ctx, p)? else {
        // Root asking about itself.
        let arn = ctx.caller().principal.arn();
        return Ok(QueryOutput::new(Value::Null, |x| {
            x.nest("User", |e| {
                e.element("UserId", &account).element("Arn", &arn);
            });
        }));
    };
    let user = ctx.read(|txn| load_user(txn, &account, &name))?;
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest("User", |e| {
            e.element("Path", &user.path)
                .element("UserName", &user.user_name)
                .element("UserId", &user.user_id)
                .element("Arn", &user.arn())
                .element("CreateDate", &iso_time(user.created_ms));
            write_boundary(e, user.permissions_boundary.as_deref());
            if !user.tags.is_empty() {
                tagging::write_tags(e, &user.tags);
            }
        });
    }))
}

/// `<PermissionsBoundary>` of GetUser and GetRole.
fn write_boundary(x: &mut XmlWriter, arn: Option<&str>) {
    if let Some(arn) = arn {
        x.nest("PermissionsBoundary", |b| {
            b.element("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
                .element("PermissionsBoundaryArn", arn);
        });
    }
}

fn list_users(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let (marker, max) = paging(p)?;
    let prefix = p.get("PathPrefix").unwrap_or("/");
    let users: Vec<UserRecord> = list_all(ctx, kinds::USER)?;
    let users: Vec<_> = users
        .into_iter()
        .filter(|u| u.path.starts_with(prefix))
        .collect();
    let (users, next) = page(users, |u| &u.user_name, marker.as_deref(), max);
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest("Users", |l| {
            users.iter().for_each(|u| write_user(l, "member", u))
        });
        write_page_end(x, &next);
    }))
}

async fn delete_user(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let name = p.require("UserName")?.to_owned();
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let user = load_user(tx, &account, &name)?;
        if !store(tx.list_children(&account, kinds::ACCESS_KEY, &name))?.is_empty() {
            return Err(conflict(
                "DeleteConflict",
                "Cannot delete entity, must delete access keys first.",
            ));
        }
        if !user.inline_policies.is_empty() || !user.attached_policies.is_empty() {
            return Err(conflict(
                "DeleteConflict",
                "Cannot delete entity, must delete policies first.",
            ));
        }
        if !user.groups.is_empty() {
            return Err(conflict(
                "DeleteConflict",
                "Cannot delete entity, must remove users from group first.",
            ));
        }
        store(tx.delete(&account, kinds::USER, &name))?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

// ---- access keys ----------------------------------------------------------------------------

async fn create_access_key(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let account = ctx.account_id().to_owned();
    let user_name = target_user_name(ctx, p)?;
    let key = AccessKeyRecord {
        account_id: account.clone(),
        access_key_id: new_access_key_id(false),
        secret_access_key: new_secret_key(),
        owner: match &user_name {
            Some(name) => AccessKeyOwner::User {
                user_name: name.clone(),
            },
            None => AccessKeyOwner::Root,
        },
        status: AccessKeyStatus::Active,
        created_ms: ctx.now_ms(),
    };
    let shown_name = user_name.clone().unwrap_or_default();
    let audit = json!({ "accessKey": { "userName": shown_name, "accessKeyId": key.access_key_id,
        "status": "Active", "createDate": java_time(key.created_ms) } });
    let output = QueryOutput::new(audit, |x| {
        x.nest("AccessKey", |k| {
            if user_name.is_some() {
                k.element("UserName", &shown_name);
            }
            k.element("AccessKeyId", &key.access_key_id)
                .element("Status", "Active")
                .element("SecretAccessKey", &key.secret_access_key)
                .element("CreateDate", &iso_time(key.created_ms));
        });
    });
    ctx.write(move |tx| {
        let parent = user_name.as_deref().unwrap_or("");
        if let Some(name) = &user_name {
            load_user(tx, &account, name)?;
        }
        if store(tx.list_children(&account, kinds::ACCESS_KEY, parent))?.len() >= 2 {
            return Err(conflict(
                "LimitExceeded",
                "Cannot exceed quota for AccessKeysPerUser: 2",
            ));
        }
        put(
            tx,
            &account,
            kinds::ACCESS_KEY,
            &key.access_key_id,
            &key,
            Some(parent),
        )?;
        Ok(output)
    })
    .await
}

fn list_access_keys(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let account = ctx.account_id().to_owned();
    let user_name = target_user_name(ctx, p)?;
    let parent = user_name.clone().unwrap_or_default();
    let keys: Vec<AccessKeyRecord> = ctx.read(|txn| {
        if let Some(name) = &user_name {
            load_user(txn, &account, name)?;
        }
        store(txn.list_children(&account, kinds::ACCESS_KEY, &parent))?
            .iter()
            .map(|d| store(d.decode()))
            .collect()
    })?;
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest("AccessKeyMetadata", |l| {
            for k in &keys {
                l.nest("member", |m| {
                    if user_name.is_some() {
                        m.element("UserName", &parent);
                    }
                    m.element("AccessKeyId", &k.access_key_id)
                        .element("Status", k.status.as_str())
                        .element("CreateDate", &iso_time(k.created_ms));
                });
            }
        });
        x.element("IsTruncated", "false");
    }))
}

/// Loads the key `AccessKeyId` owned by the targeted user (or root).
fn owned_key(
    txn: &dyn ReadTxn,
    account: &str,
    user_name: &Option<String>,
    key_id: &str,
) -> Result<AccessKeyRecord, ApiError> {
    let key: Option<AccessKeyRecord> = load(txn, account, kinds::ACCESS_KEY, key_id)?;
    let expected_owner = match user_name {
        Some(name) => AccessKeyOwner::User {
            user_name: name.clone(),
        },
        None => AccessKeyOwner::Root,
    };
    key.filter(|k| k.owner == expected_owner)
        .ok_or_else(|| no_such_entity(format!("The Access Key with id {key_id} cannot be found.")))
}

async fn update_access_key(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let account = ctx.account_id().to_owned();
    let user_name = target_user_name(ctx, p)?;
    let key_id = p.require("AccessKeyId")?.to_owned();
    let status = match p.require("Status")? {
        "Active" => AccessKeyStatus::Active,
        "Inactive" => AccessKeyStatus::Inactive,
        other => {
            return Err(validation(format!(
                "1 validation error detected: Value '{other}' at 'status' failed to satisfy \
                 constraint: Member must satisfy enum value set: [Active, Inactive]"
            )));
        }
    };
    ctx.write(move |tx| {
        let mut key = owned_key(tx, &account, &user_name, &key_id)?;
        key.status = status;
        let parent = user_name.as_deref().unwrap_or("");
        put(tx, &account, kinds::ACCESS_KEY, &key_id, &key, Some(parent))?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

async fn delete_access_key(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let account = ctx.account_id().to_owned();
    let user_name = target_user_name(ctx, p)?;
    let key_id = p.require("AccessKeyId")?.to_owned();
    ctx.write(move |tx| {
        owned_key(tx, &account, &user_name, &key_id)?;
        store(tx.delete(&account, kinds::ACCESS_KEY, &key_id))?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

// ---- roles ----------------------------------------------------------------------------------

pub(super) fn write_role(x: &mut XmlWriter, tag: &str, r: &RoleRecord) {
    let encoded = percent_encoding::utf8_percent_encode(
        &r.assume_role_policy_document,
        percent_encoding::NON_ALPHANUMERIC,
    )
    .to_string();
    x.nest(tag, |e| {
        e.element("Path", &r.path)
            .element("RoleName", &r.role_name)
            .element("RoleId", &r.role_id)
            .element("Arn", &r.arn())
            .element("CreateDate", &iso_time(r.created_ms))
            .element("AssumeRolePolicyDocument", &encoded);
        if let Some(d) = &r.description {
            e.element("Description", d);
        }
        e.element("MaxSessionDuration", &r.max_session_duration.to_string());
        write_boundary(e, r.permissions_boundary.as_deref());
        if !r.tags.is_empty() {
            tagging::write_tags(e, &r.tags);
        }
    });
}

async fn create_role(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let name = p.require("RoleName")?.to_owned();
    check_name("roleName", &name, 64)?;
    let document = p.require("AssumeRolePolicyDocument")?.to_owned();
    check_trust_policy(&document)?;
    let path = p.get("Path").unwrap_or("/").to_owned();
    check_path(&path)?;
    let max_session_duration = p.integer("MaxSessionDuration")?.unwrap_or(3600);
    if !(3600..=43_200).contains(&max_session_duration) {
        return Err(validation(
            "MaxSessionDuration must be between 3600 and 43200 seconds.",
        ));
    }
    let role = RoleRecord {
        account_id: ctx.account_id().to_owned(),
        role_name: name.clone(),
        role_id: new_unique_id(IdPrefix::Role),
        path,
        assume_role_policy_document: document,
        description: p.get("Description").map(str::to_owned),
        max_session_duration,
        created_ms: ctx.now_ms(),
        inline_policies: Default::default(),
        attached_policies: Vec::new(),
        permissions_boundary: p.get("PermissionsBoundary").map(str::to_owned),
        tags: tagging::tags_param(p)?,
    };
    let audit = json!({ "role": { "path": role.path, "roleName": role.role_name,
        "roleId": role.role_id, "arn": role.arn(), "createDate": java_time(role.created_ms),
        "assumeRolePolicyDocument": role.assume_role_policy_document,
        "maxSessionDuration": role.max_session_duration } });
    let output = QueryOutput::new(audit, |x| write_role(x, "Role", &role));
    ctx.write(move |tx| {
        if let Some(boundary) = &role.permissions_boundary {
            managed::check_boundary(&*tx, &role.account_id, boundary)?;
        }
        if tx
            .get(&role.account_id, kinds::ROLE, &name)
            .map_err(store_failure)?
            .is_some()
        {
            return Err(conflict(
                "EntityAlreadyExists",
                format!("Role with name {name} already exists."),
            ));
        }
        put(tx, &role.account_id, kinds::ROLE, &name, &role, None)?;
        Ok(output)
    })
    .await
}

fn get_role(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let name = p.require("RoleName")?;
    let role = ctx.read(|txn| load_role(txn, ctx.account_id(), name))?;
    Ok(QueryOutput::new(Value::Null, |x| {
        write_role(x, "Role", &role);
    }))
}

fn list_roles(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let (marker, max) = paging(p)?;
    let prefix = p.get("PathPrefix").unwrap_or("/");
    let roles: Vec<RoleRecord> = list_all(ctx, kinds::ROLE)?;
    let roles: Vec<_> = roles
        .into_iter()
        .filter(|r| r.path.starts_with(prefix))
        .collect();
    let (roles, next) = page(roles, |r| &r.role_name, marker.as_deref(), max);
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest("Roles", |l| {
            roles.iter().for_each(|r| write_role(l, "member", r))
        });
        write_page_end(x, &next);
    }))
}

async fn delete_role(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let name = p.require("RoleName")?.to_owned();
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let role = load_role(tx, &account, &name)?;
        if !role.inline_policies.is_empty() || !role.attached_policies.is_empty() {
            return Err(conflict(
                "DeleteConflict",
                "Cannot delete entity, must delete policies first.",
            ));
        }
        store(tx.delete(&account, kinds::ROLE, &name))?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

/// UpdateAssumeRolePolicy (the trust policy) and UpdateRole (description, session length).
async fn update_role(
    ctx: &CallContext,
    p: &QueryParams,
    trust: bool,
) -> Result<QueryOutput, ApiError> {
    let name = p.require("RoleName")?.to_owned();
    let document = match trust {
        true => {
            let document = p.require("PolicyDocument")?.to_owned();
            check_trust_policy(&document)?;
            Some(document)
        }
        false => None,
    };
    let max = p.integer("MaxSessionDuration")?;
    if max.is_some_and(|m| !(3600..=43_200).contains(&m)) {
        return Err(validation(
            "The requested MaxSessionDuration must be between 3600 and 43200 seconds.",
        ));
    }
    let description = p.get("Description").map(str::to_owned);
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let mut role = load_role(tx, &account, &name)?;
        if let Some(document) = document {
            role.assume_role_policy_document = document;
        }
        if let Some(max) = max {
            role.max_session_duration = max;
        }
        if let Some(description) = description {
            role.description = Some(description);
        }
        put(tx, &account, kinds::ROLE, &name, &role, None)?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

// ---- inline policies ------------------------------------------------------------------------

/// Whose inline policies an action manages.
#[derive(Debug, Clone, Copy)]
enum Holder {
    User,
    Role,
    Group,
}

impl Holder {
    fn from_action(action: &str) -> Self {
        if action.contains("Role") {
            Self::Role
        } else {
            Self::User
        }
    }

    fn name_param(self) -> &'static str {
        match self {
            Self::User => "UserName",
            Self::Role => "RoleName",
            Self::Group => "GroupName",
        }
    }

    /// Reads the holder's policies.
    fn policies(
        self,
        txn: &dyn ReadTxn,
        account: &str,
        name: &str,
    ) -> Result<std::collections::BTreeMap<String, String>, ApiError> {
        Ok(match self {
            Self::User => load_user(txn, account, name)?.inline_policies,
            Self::Role => load_role(txn, account, name)?.inline_policies,
            Self::Group => groups::load_group(txn, account, name)?.inline_policies,
        })
    }

    /// Applies `change` to the holder's policies and stores the holder.
    fn update(
        self,
        tx: &mut dyn WriteTxn,
        account: &str,
        name: &str,
        change: impl FnOnce(&mut std::collections::BTreeMap<String, String>) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        match self {
            Self::User => {
                let mut user = load_user(tx, account, name)?;
                change(&mut user.inline_policies)?;
                put(tx, account, kinds::USER, name, &user, None)
            }
            Self::Role => {
                let mut role = load_role(tx, account, name)?;
                change(&mut role.inline_policies)?;
                put(tx, account, kinds::ROLE, name, &role, None)
            }
            Self::Group => {
                let mut group = groups::load_group(tx, account, name)?;
                change(&mut group.inline_policies)?;
                put(tx, account, kinds::GROUP, name, &group, None)
            }
        }
    }
}

async fn put_policy(
    ctx: &CallContext,
    p: &QueryParams,
    holder: Holder,
) -> Result<QueryOutput, ApiError> {
    let name = p.require(holder.name_param())?.to_owned();
    let policy_name = p.require("PolicyName")?.to_owned();
    check_name("policyName", &policy_name, 128)?;
    let document = p.require("PolicyDocument")?.to_owned();
    check_policy_document(&document)?;
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        holder.update(tx, &account, &name, |policies| {
            policies.insert(policy_name, document);
            Ok(())
        })?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

fn get_policy(ctx: &CallContext, p: &QueryParams, holder: Holder) -> Result<QueryOutput, ApiError> {
    let name = p.require(holder.name_param())?;
    let policy_name = p.require("PolicyName")?;
    let policies = ctx.read(|txn| holder.policies(txn, ctx.account_id(), name))?;
    let document = policies.get(policy_name).ok_or_else(|| {
        no_such_entity(format!(
            "The {} policy with name {policy_name} cannot be found.",
            match holder {
                Holder::User => "user",
                Holder::Role => "role",
                Holder::Group => "group",
            }
        ))
    })?;
    let encoded =
        percent_encoding::utf8_percent_encode(document, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    Ok(QueryOutput::new(Value::Null, |x| {
        x.element(holder.name_param(), name)
            .element("PolicyName", policy_name)
            .element("PolicyDocument", &encoded);
    }))
}

fn list_policies(
    ctx: &CallContext,
    p: &QueryParams,
    holder: Holder,
) -> Result<QueryOutput, ApiError> {
    let name = p.require(holder.name_param())?;
    let policies = ctx.read(|txn| holder.policies(txn, ctx.account_id(), name))?;
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest("PolicyNames", |l| {
            policies.keys().for_each(|k| {
                l.element("member", k);
            });
        });
        x.element("IsTruncated", "false");
    }))
}

async fn delete_policy(
    ctx: &CallContext,
    p: &QueryParams,
    holder: Holder,
) -> Result<QueryOutput, ApiError> {
    let name = p.require(holder.name_param())?.to_owned();
    let policy_name = p.require("PolicyName")?.to_owned();
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        holder.update(tx, &account, &name, |policies| {
            policies.remove(&policy_name).map(|_| ()).ok_or_else(|| {
                no_such_entity(format!(
                    "The policy with name {policy_name} cannot be found."
                ))
            })
        })?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_by_marker() {
        let names = vec!["a".to_owned(), "b".into(), "c".into()];
        let (first, next) = page(names.clone(), |s| s, None, 2);
        assert_eq!(first, vec!["a", "b"]);
        assert_eq!(next.as_deref(), Some("b"));
        let (second, next) = page(names, |s| s, Some("b"), 2);
        assert_eq!(second, vec!["c"]);
        assert_eq!(next, None);
    }

    #[test]
    fn reads_and_writes_are_classified() {
        assert_eq!(operation("ListUsers"), Some((true, false)));
        assert_eq!(operation("CreateUser"), Some((false, true)));
        assert_eq!(operation("Frobnicate"), None);
    }
}
