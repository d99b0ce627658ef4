//! Managed policies: customer managed policies with up to five versions (CreatePolicy,
//! GetPolicy, ListPolicies, DeletePolicy, CreatePolicyVersion, GetPolicyVersion,
//! ListPolicyVersions, DeletePolicyVersion, SetDefaultPolicyVersion), the AWS managed policies
//! shipped as data, and their attachment to users, roles and groups (Attach/Detach*Policy,
//! ListAttached*Policies, ListEntitiesForPolicy).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use trailroom_audit::CallContext;
use trailroom_identity::aws_managed::{self, AwsManagedPolicy};
use trailroom_identity::{
    GroupRecord, IdPrefix, ManagedPolicyRecord, PolicyVersionRecord, RoleRecord, UserRecord,
    customer_policy_name, kinds, new_unique_id,
};
use trailroom_protocol::ApiError;
use trailroom_protocol::query::{QueryParams, XmlWriter};
use trailroom_store::{ReadTxn, WriteTxn};

use super::{
    check_name, check_path, conflict, list_all, load, load_role, load_user, no_such_entity, page,
    paging, put, store, validation, write_page_end,
};
use crate::output::{QueryOutput, iso_time, java_time};

/// Most versions a managed policy keeps.
const MAX_VERSIONS: usize = 5;
/// Most managed policies attached to one user, role or group.
const MAX_ATTACHED: usize = 10;

/// A managed policy as IAM shows it: customer managed, or AWS managed.
struct Shown {
    name: String,
    id: String,
    arn: String,
    path: String,
    default_version: String,
    description: Option<String>,
    created: String,
    updated: String,
    attachments: usize,
    boundary_uses: usize,
}

impl Shown {
    fn customer(p: &ManagedPolicyRecord, usage: (usize, usize)) -> Self {
        Self {
            name: p.policy_name.clone(),
            id: p.policy_id.clone(),
            arn: p.arn(),
            path: p.path.clone(),
            default_version: p.default_version_id.clone(),
            description: p.description.clone(),
            created: iso_time(p.created_ms),
            updated: iso_time(p.updated_ms),
            attachments: usage.0,
            boundary_uses: usage.1,
        }
    }

    fn aws(p: &AwsManagedPolicy, usage: (usize, usize)) -> Self {
        Self {
            name: p.name.to_owned(),
            id: aws_policy_id(p.name),
            arn: p.arn(),
            path: p.path.to_owned(),
            default_version: p.version.to_owned(),
            description: None,
            created: p.created.to_owned(),
            updated: p.updated.to_owned(),
            attachments: usage.0,
            boundary_uses: usage.1,
        }
    }

    fn write(&self, x: &mut XmlWriter, tag: &str) {
        x.nest(tag, |e| {
            e.element("PolicyName", &self.name)
                .element("DefaultVersionId", &self.default_version)
                .element("PolicyId", &self.id)
                .element("Path", &self.path)
                .element("Arn", &self.arn)
                .element("AttachmentCount", &self.attachments.to_string())
                .element(
                    "PermissionsBoundaryUsageCount",
                    &self.boundary_uses.to_string(),
                )
                .element("IsAttachable", "true")
                .element("CreateDate", &self.created)
                .element("UpdateDate", &self.updated);
            if let Some(description) = &self.description {
                e.element("Description", description);
            }
        });
    }
}

/// A stable `ANPA…` id for an AWS managed policy.
fn aws_policy_id(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let tail: String = digest
        .iter()
        .take(17)
        .map(|b| (b'A' + b % 26) as char)
        .collect();
    format!("ANPA{tail}")
}

/// How many users, roles and groups have `arn` attached, and how many have it as boundary.
fn usage(txn: &dyn ReadTxn, account: &str, arn: &str) -> Result<(usize, usize), ApiError> {
    let users: Vec<UserRecord> = decode_all(txn, account, kinds::USER)?;
    let roles: Vec<RoleRecord> = decode_all(txn, account, kinds::ROLE)?;
    let groups: Vec<GroupRecord> = decode_all(txn, account, kinds::GROUP)?;
    let named = |list: &Vec<String>| list.iter().any(|a| a == arn);
    let attached = users.iter().filter(|u| named(&u.attached_policies)).count()
        + roles.iter().filter(|r| named(&r.attached_policies)).count()
        + groups
            .iter()
            .filter(|g| named(&g.attached_policies))
            .count();
    let bounded = users
        .iter()
        .filter(|u| u.permissions_boundary.as_deref() == Some(arn))
        .count()
        + roles
            .iter()
            .filter(|r| r.permissions_boundary.as_deref() == Some(arn))
            .count();
    Ok((attached, bounded))
}

fn decode_all<T: serde::de::DeserializeOwned>(
    txn: &dyn ReadTxn,
    account: &str,
    kind: &str,
) -> Result<Vec<T>, ApiError> {
    store(txn.list(account, kind))?
        .iter()
        .map(|d| store(d.decode()))
        .collect()
}

fn not_attachable(arn: &str) -> ApiError {
    no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
}

/// The caller's own policy named by `arn`, or `NoSuchEntity`.
fn own_policy(
    txn: &dyn ReadTxn,
    account: &str,
    arn: &str,
) -> Result<ManagedPolicyRecord, ApiError> {
    let missing = || no_such_entity(format!("Policy {arn} does not exist or is not attachable."));
    let (owner, name) = customer_policy_name(arn).ok_or_else(missing)?;
    if owner != account {
        return Err(missing());
    }
    load::<ManagedPolicyRecord>(txn, account, kinds::POLICY, name)?
        .filter(|p| p.arn() == arn)
        .ok_or_else(missing)
}

/// Checks a managed policy document as IAM does (an identity-based policy).
fn check_document(document: &str) -> Result<(), ApiError> {
    if document.len() > 6144 {
        return Err(ApiError::client(
            "LimitExceeded",
            "Cannot exceed quota for PolicySize: 6144",
        ));
    }
    trailroom_policy::Policy::parse(document)
        .and_then(|p| p.check_identity())
        .map_err(|e| ApiError::client("MalformedPolicyDocument", e.0))
}

fn audit_policy(p: &ManagedPolicyRecord) -> Value {
    json!({ "policy": { "policyName": p.policy_name, "defaultVersionId": p.default_version_id,
        "policyId": p.policy_id, "path": p.path, "arn": p.arn(), "attachmentCount": 0,
        "permissionsBoundaryUsageCount": 0, "isAttachable": true,
        "createDate": java_time(p.created_ms), "updateDate": java_time(p.updated_ms) } })
}

pub(super) async fn create_policy(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let name = p.require("PolicyName")?.to_owned();
    check_name("policyName", &name, 128)?;
    let path = p.get("Path").unwrap_or("/").to_owned();
    check_path(&path)?;
    let document = p.require("PolicyDocument")?.to_owned();
    check_document(&document)?;
    let now = ctx.now_ms();
    let policy = ManagedPolicyRecord {
        account_id: ctx.account_id().to_owned(),
        policy_name: name.clone(),
        policy_id: new_unique_id(IdPrefix::Policy),
        path,
        description: p.get("Description").map(str::to_owned),
        default_version_id: "v1".into(),
        versions: vec![PolicyVersionRecord {
            version_id: "v1".into(),
            document,
            created_ms: now,
        }],
        next_version: 2,
        created_ms: now,
        updated_ms: now,
        tags: super::tagging::tags_param(p)?,
    };
    let shown = Shown::customer(&policy, (0, 0));
    let output = QueryOutput::new(audit_policy(&policy), |x| shown.write(x, "Policy"));
    ctx.write(move |tx| {
        if load::<ManagedPolicyRecord>(&*tx, &policy.account_id, kinds::POLICY, &name)?.is_some() {
            return Err(conflict(
                "EntityAlreadyExists",
                format!("A policy called {name} already exists. Duplicate names are not allowed."),
            ));
        }
        put(tx, &policy.account_id, kinds::POLICY, &name, &policy, None)?;
        Ok(output)
    })
    .await
}

pub(super) fn get_policy(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let arn = p.require("PolicyArn")?;
    let account = ctx.account_id();
    let shown = ctx.read(|txn| {
        let usage = usage(txn, account, arn)?;
        match aws_managed::find(arn) {
            Some(aws) => Ok(Shown::aws(aws, usage)),
            None => Ok(Shown::customer(&own_policy(txn, account, arn)?, usage)),
        }
    })?;
    Ok(QueryOutput::new(Value::Null, |x| shown.write(x, "Policy")))
}

pub(super) fn list_policies(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let scope = p.get("Scope").unwrap_or("All");
    if !matches!(scope, "All" | "AWS" | "Local") {
        return Err(validation(format!(
            "1 validation error detected: Value '{scope}' at 'scope' failed to satisfy \
             constraint: Member must satisfy enum value set: [All, AWS, Local]"
        )));
    }
    let only_attached = p.get("OnlyAttached") == Some("true");
    let prefix = p.get("PathPrefix").unwrap_or("/");
    let (marker, max) = paging(p)?;
    let account = ctx.account_id();
    let mut shown = ctx.read(|txn| {
        let mut out = Vec::new();
        if scope != "Local" {
            for aws in aws_managed::POLICIES {
                out.push(Shown::aws(aws, usage(txn, account, &aws.arn())?));
            }
        }
        if scope != "AWS" {
            for own in decode_all::<ManagedPolicyRecord>(txn, account, kinds::POLICY)? {
                let usage = usage(txn, account, &own.arn())?;
                out.push(Shown::customer(&own, usage));
            }
        }
        Ok(out)
    })?;
    shown.retain(|s| s.path.starts_with(prefix) && (!only_attached || s.attachments > 0));
    shown.sort_by(|a, b| a.name.cmp(&b.name));
    let (shown, next) = page(shown, |s| s.name.as_str(), marker.as_deref(), max);
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest("Policies", |l| {
            shown.iter().for_each(|s| s.write(l, "member"))
        });
        write_page_end(x, &next);
    }))
}

pub(super) async fn delete_policy(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let arn = p.require("PolicyArn")?.to_owned();
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let policy = own_policy(&*tx, &account, &arn)?;
        if usage(&*tx, &account, &arn)? != (0, 0) {
            return Err(conflict(
                "DeleteConflict",
                "Cannot delete a policy attached to entities.",
            ));
        }
        if policy.versions.len() > 1 {
            return Err(conflict(
                "DeleteConflict",
                "This policy has more than one version. Before you delete a policy, you must \
                 delete the policy's non-default versions.",
            ));
        }
        store(tx.delete(&account, kinds::POLICY, &policy.policy_name))?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

fn write_version(
    x: &mut XmlWriter,
    tag: &str,
    v: &PolicyVersionRecord,
    default: &str,
    document: bool,
) {
    x.nest(tag, |e| {
        if document {
            let encoded = percent_encoding::utf8_percent_encode(
                &v.document,
                percent_encoding::NON_ALPHANUMERIC,
            )
            .to_string();
            e.element("Document", &encoded);
        }
        e.element("VersionId", &v.version_id)
            .element(
                "IsDefaultVersion",
                if v.version_id == default {
                    "true"
                } else {
                    "false"
                },
            )
            .element("CreateDate", &iso_time(v.created_ms));
    });
}

pub(super) async fn create_policy_version(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let arn = p.require("PolicyArn")?.to_owned();
    let document = p.require("PolicyDocument")?.to_owned();
    check_document(&document)?;
    let set_default = p.get("SetAsDefault") == Some("true");
    let (account, now) = (ctx.account_id().to_owned(), ctx.now_ms());
    ctx.write(move |tx| {
        let mut policy = own_policy(&*tx, &account, &arn)?;
        if policy.versions.len() >= MAX_VERSIONS {
            return Err(ApiError::client(
                "LimitExceeded",
                "A managed policy can have up to 5 versions. Before you create a new version, \
                 you must delete an existing version.",
            ));
        }
        let version = PolicyVersionRecord {
            version_id: format!("v{}", policy.next_version),
            document,
            created_ms: now,
        };
        policy.next_version += 1;
        if set_default {
            policy.default_version_id = version.version_id.clone();
            policy.updated_ms = now;
        }
        policy.versions.push(version.clone());
        let default = policy.default_version_id.clone();
        put(
            tx,
            &account,
            kinds::POLICY,
            &policy.policy_name,
            &policy,
            None,
        )?;
        let audit = json!({ "policyVersion": { "versionId": version.version_id,
            "isDefaultVersion": version.version_id == default, "createDate": java_time(now) } });
        Ok(QueryOutput::new(audit, |x| {
            write_version(x, "PolicyVersion", &version, &default, false)
        }))
    })
    .await
}

pub(super) fn get_policy_version(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let arn = p.require("PolicyArn")?;
    let version_id = p.require("VersionId")?;
    if let Some(aws) = aws_managed::find(arn) {
        if version_id != aws.version {
            return Err(no_such_entity(format!(
                "Policy {arn} version {version_id} does not exist or is not attachable."
            )));
        }
        let version = PolicyVersionRecord {
            version_id: aws.version.to_owned(),
            document: aws.document.to_owned(),
            created_ms: chrono::DateTime::parse_from_rfc3339(aws.updated)
                .map(|t| t.timestamp_millis())
                .unwrap_or_default(),
        };
        return Ok(QueryOutput::new(Value::Null, |x| {
            write_version(x, "PolicyVersion", &version, aws.version, true)
        }));
    }
    let policy = ctx.read(|txn| own_policy(txn, ctx.account_id(), arn))?;
    let version = policy
        .versions
        .iter()
        .find(|v| v.version_id == version_id)
        .ok_or_else(|| {
            no_such_entity(format!(
                "Policy {arn} version {version_id} does not exist or is not attachable."
            ))
        })?;
    Ok(QueryOutput::new(Value::Null, |x| {
        write_version(
            x,
            "PolicyVersion",
            version,
            &policy.default_version_id,
            true,
        )
    }))
}

pub(super) fn list_policy_versions(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let arn = p.require("PolicyArn")?;
    let (versions, default) = match aws_managed::find(arn) {
        Some(aws) => (
            vec![PolicyVersionRecord {
                version_id: aws.version.to_owned(),
                document: String::new(),
                created_ms: chrono::DateTime::parse_from_rfc3339(aws.updated)
                    .map(|t| t.timestamp_millis())
                    .unwrap_or_default(),
            }],
            aws.version.to_owned(),
        ),
        None => {
            let policy = ctx.read(|txn| own_policy(txn, ctx.account_id(), arn))?;
            let mut versions = policy.versions;
            versions.reverse();
            (versions, policy.default_version_id)
        }
    };
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest("Versions", |l| {
            versions
                .iter()
                .for_each(|v| write_version(l, "member", v, &default, false))
        });
        x.element("IsTruncated", "false");
    }))
}

pub(super) async fn delete_policy_version(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let arn = p.require("PolicyArn")?.to_owned();
    let version_id = p.require("VersionId")?.to_owned();
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let mut policy = own_policy(&*tx, &account, &arn)?;
        if policy.default_version_id == version_id {
            return Err(conflict(
                "DeleteConflict",
                "Cannot delete the default version of a policy.",
            ));
        }
        let before = policy.versions.len();
        policy.versions.retain(|v| v.version_id != version_id);
        if policy.versions.len() == before {
            return Err(no_such_entity(format!(
                "Policy {arn} version {version_id} does not exist or is not attachable."
            )));
        }
        put(
            tx,
            &account,
            kinds::POLICY,
            &policy.policy_name,
            &policy,
            None,
        )?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

pub(super) async fn set_default_policy_version(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let arn = p.require("PolicyArn")?.to_owned();
    let version_id = p.require("VersionId")?.to_owned();
    let (account, now) = (ctx.account_id().to_owned(), ctx.now_ms());
    ctx.write(move |tx| {
        let mut policy = own_policy(&*tx, &account, &arn)?;
        if !policy.versions.iter().any(|v| v.version_id == version_id) {
            return Err(no_such_entity(format!(
                "Policy {arn} version {version_id} does not exist or is not attachable."
            )));
        }
        policy.default_version_id = version_id;
        policy.updated_ms = now;
        put(
            tx,
            &account,
            kinds::POLICY,
            &policy.policy_name,
            &policy,
            None,
        )?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

/// Whose managed policies an attach call changes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Entity {
    User,
    Role,
    Group,
}

impl Entity {
    pub(super) fn from_action(action: &str) -> Self {
        if action.contains("Role") {
            Self::Role
        } else if action.contains("Group") {
            Self::Group
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

    fn attached(
        self,
        txn: &dyn ReadTxn,
        account: &str,
        name: &str,
    ) -> Result<Vec<String>, ApiError> {
        Ok(match self {
            Self::User => load_user(txn, account, name)?.attached_policies,
            Self::Role => load_role(txn, account, name)?.attached_policies,
            Self::Group => super::groups::load_group(txn, account, name)?.attached_policies,
        })
    }

    fn update(
        self,
        tx: &mut dyn WriteTxn,
        account: &str,
        name: &str,
        change: impl FnOnce(&mut Vec<String>) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        match self {
            Self::User => {
                let mut user = load_user(&*tx, account, name)?;
                change(&mut user.attached_policies)?;
                put(tx, account, kinds::USER, name, &user, None)
            }
            Self::Role => {
                let mut role = load_role(&*tx, account, name)?;
                change(&mut role.attached_policies)?;
                put(tx, account, kinds::ROLE, name, &role, None)
            }
            Self::Group => {
                let mut group = super::groups::load_group(&*tx, account, name)?;
                change(&mut group.attached_policies)?;
                put(tx, account, kinds::GROUP, name, &group, None)
            }
        }
    }
}

/// Whether `arn` is a policy the caller may attach: AWS managed, or its own.
fn attachable(txn: &dyn ReadTxn, account: &str, arn: &str) -> Result<(), ApiError> {
    if aws_managed::find(arn).is_some() {
        return Ok(());
    }
    own_policy(txn, account, arn)
        .map(|_| ())
        .map_err(|_| not_attachable(arn))
}

pub(super) async fn attach(
    ctx: &CallContext,
    p: &QueryParams,
    entity: Entity,
) -> Result<QueryOutput, ApiError> {
    let name = p.require(entity.name_param())?.to_owned();
    let arn = p.require("PolicyArn")?.to_owned();
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        attachable(&*tx, &account, &arn)?;
        entity.update(tx, &account, &name, |attached| {
            if attached.contains(&arn) {
                return Ok(());
            }
            if attached.len() >= MAX_ATTACHED {
                let quota = match entity {
                    Entity::User => "PoliciesPerUser",
                    Entity::Role => "PoliciesPerRole",
                    Entity::Group => "PoliciesPerGroup",
                };
                return Err(ApiError::client(
                    "LimitExceeded",
                    format!("Cannot exceed quota for {quota}: {MAX_ATTACHED}"),
                ));
            }
            attached.push(arn);
            Ok(())
        })?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

pub(super) async fn detach(
    ctx: &CallContext,
    p: &QueryParams,
    entity: Entity,
) -> Result<QueryOutput, ApiError> {
    let name = p.require(entity.name_param())?.to_owned();
    let arn = p.require("PolicyArn")?.to_owned();
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        entity.update(tx, &account, &name, |attached| {
            let before = attached.len();
            attached.retain(|a| *a != arn);
            match attached.len() == before {
                true => Err(no_such_entity(format!("Policy {arn} was not found."))),
                false => Ok(()),
            }
        })?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

/// The name of an attached policy, from its ARN.
fn policy_name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

pub(super) fn list_attached(
    ctx: &CallContext,
    p: &QueryParams,
    entity: Entity,
) -> Result<QueryOutput, ApiError> {
    let name = p.require(entity.name_param())?;
    let prefix = p.get("PathPrefix").unwrap_or("/");
    let (marker, max) = paging(p)?;
    let mut arns = ctx.read(|txn| entity.attached(txn, ctx.account_id(), name))?;
    arns.retain(|arn| policy_path(arn).starts_with(prefix));
    arns.sort_by(|a, b| policy_name_of(a).cmp(policy_name_of(b)));
    let (arns, next) = page(arns, |a| policy_name_of(a), marker.as_deref(), max);
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest("AttachedPolicies", |l| {
            arns.iter().for_each(|arn| {
                l.nest("member", |m| {
                    m.element("PolicyName", policy_name_of(arn))
                        .element("PolicyArn", arn);
                });
            })
        });
        write_page_end(x, &next);
    }))
}

/// The path of a policy ARN (`/` for `…:policy/Name`).
fn policy_path(arn: &str) -> String {
    let resource = arn.split(":policy").nth(1).unwrap_or("/");
    match resource.rfind('/') {
        Some(i) => resource[..=i].to_owned(),
        None => "/".to_owned(),
    }
}

pub(super) fn list_entities_for_policy(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let arn = p.require("PolicyArn")?;
    let filter = p.get("EntityFilter");
    let account = ctx.account_id();
    ctx.read(|txn| match aws_managed::find(arn) {
        Some(_) => Ok(()),
        None => own_policy(txn, account, arn).map(|_| ()),
    })?;
    let users: Vec<UserRecord> = list_all(ctx, kinds::USER)?;
    let roles: Vec<RoleRecord> = list_all(ctx, kinds::ROLE)?;
    let groups: Vec<GroupRecord> = list_all(ctx, kinds::GROUP)?;
    let wanted = |kind: &str| filter.is_none_or(|f| f == kind);
    let named = |list: &Vec<String>| list.iter().any(|a| a == arn);
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest("PolicyGroups", |l| {
            for g in groups
                .iter()
                .filter(|g| wanted("Group") && named(&g.attached_policies))
            {
                l.nest("member", |m| {
                    m.element("GroupName", &g.group_name)
                        .element("GroupId", &g.group_id);
                });
            }
        });
        x.nest("PolicyUsers", |l| {
            for u in users
                .iter()
                .filter(|u| wanted("User") && named(&u.attached_policies))
            {
                l.nest("member", |m| {
                    m.element("UserName", &u.user_name)
                        .element("UserId", &u.user_id);
                });
            }
        });
        x.nest("PolicyRoles", |l| {
            for r in roles
                .iter()
                .filter(|r| wanted("Role") && named(&r.attached_policies))
            {
                l.nest("member", |m| {
                    m.element("RoleName", &r.role_name)
                        .element("RoleId", &r.role_id);
                });
            }
        });
        x.element("IsTruncated", "false");
    }))
}

/// Whether `arn` names a policy that may be a permissions boundary (AWS managed or own).
pub(super) fn check_boundary(txn: &dyn ReadTxn, account: &str, arn: &str) -> Result<(), ApiError> {
    attachable(txn, account, arn)
        .map_err(|_| ApiError::client("InvalidInput", format!("ARN {arn} is not valid.")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_paths_and_names() {
        assert_eq!(
            policy_path("arn:aws:iam::aws:policy/AdministratorAccess"),
            "/"
        );
        assert_eq!(
            policy_path("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"),
            "/job-function/"
        );
        assert_eq!(policy_name_of("arn:aws:iam::1:policy/a/b/Name"), "Name");
        assert!(aws_policy_id("AdministratorAccess").starts_with("ANPA"));
        assert_eq!(aws_policy_id("X"), aws_policy_id("X"));
    }
}
