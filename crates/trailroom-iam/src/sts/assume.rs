//! AssumeRole, and the role session every assume call ends in.
//!
//! A role's trust policy decides who may assume it, with the request's condition keys
//! (`sts:ExternalId`, `sts:RoleSessionName`, `sts:SourceIdentity`, `aws:RequestTag/…`,
//! `aws:TagKeys` and the caller's global keys). Passing session tags needs `sts:TagSession`, and
//! setting a source identity `sts:SetSourceIdentity`, in the trust policy too. A chained session
//! inherits the caller's transitive tags (which it may not override) and source identity.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use trailroom_audit::CallContext;
use trailroom_federation::SessionAttributes;
use trailroom_identity::{Caller, Principal, RoleRecord, SessionRecord, kinds, trust};
use trailroom_policy::Context;
use trailroom_protocol::ApiError;
use trailroom_protocol::query::{QueryParams, XmlWriter};
use trailroom_store::ReadTxn;

use super::{
    access_denied, audit_credentials, check_name, duration, new_session, parse_role_arn,
    session_policies, store_session, validation, write_credentials,
};
use crate::output::QueryOutput;

/// Condition keys with their values, as a request supplies them.
pub(crate) type ConditionKeys = Vec<(String, Vec<String>)>;

/// Most session tags on one session.
const MAX_SESSION_TAGS: usize = 50;

pub(super) fn load_role(
    txn: &dyn ReadTxn,
    account: &str,
    name: &str,
) -> Result<Option<RoleRecord>, ApiError> {
    txn.get(account, kinds::ROLE, name)
        .and_then(|doc| doc.map(|d| d.decode()).transpose())
        .map_err(trailroom_audit::store_failure)
}

/// What a new role session carries besides its role.
pub(super) struct Grant {
    /// `RoleSessionName`.
    pub session_name: String,
    /// Lifetime, seconds.
    pub seconds: i64,
    /// Session tags, transitive keys, source identity.
    pub attributes: SessionAttributes,
    /// Session policy documents.
    pub policies: Vec<String>,
    /// The OIDC provider of a web identity session.
    pub federated_provider: Option<String>,
}

/// A session of `role` with `grant`, issued at `now_ms`.
pub(super) fn role_session(role: &RoleRecord, grant: Grant, now_ms: i64) -> SessionRecord {
    let principal = Principal::AssumedRole {
        account_id: role.account_id.clone(),
        role_name: role.role_name.clone(),
        role_id: role.role_id.clone(),
        path: role.path.clone(),
        session_name: grant.session_name,
    };
    let mut session = new_session(
        principal,
        now_ms,
        grant.seconds,
        grant.attributes.source_identity,
    );
    session.session_policies = grant.policies;
    session.session_tags = grant.attributes.tags;
    session.transitive_tag_keys = grant.attributes.transitive_tag_keys;
    session.federated_provider = grant.federated_provider;
    session
}

/// `assumedRoleUser` of the audit record, and the session's principal id and ARN.
pub(super) fn assumed_role_user(session: &SessionRecord) -> (String, String, Value) {
    let (id, arn) = (session.principal.principal_id(), session.principal.arn());
    let audit = json!({ "assumedRoleId": id, "arn": arn });
    (id, arn, audit)
}

pub(super) fn write_assumed_role_user(x: &mut XmlWriter, id: &str, arn: &str) {
    x.nest("AssumedRoleUser", |u| {
        u.element("AssumedRoleId", id).element("Arn", arn);
    });
}

/// `Tags.member.N.Key/Value` and `TransitiveTagKeys.member.N` of AssumeRole, checked as STS
/// checks them.
fn tags_param(params: &QueryParams) -> Result<SessionAttributes, ApiError> {
    let mut tags = BTreeMap::new();
    for n in 1.. {
        let Some(key) = params.get(&format!("Tags.member.{n}.Key")) else {
            break;
        };
        let value = params
            .get(&format!("Tags.member.{n}.Value"))
            .unwrap_or_default();
        check_tag(key, value)?;
        tags.insert(key.to_owned(), value.to_owned());
    }
    let transitive_tag_keys: Vec<String> = (1..)
        .map_while(|n| params.get(&format!("TransitiveTagKeys.member.{n}")))
        .map(str::to_owned)
        .collect();
    if let Some(stray) = transitive_tag_keys.iter().find(|k| !tags.contains_key(*k)) {
        return Err(ApiError::client(
            "InvalidParameterValue",
            format!("The transitive tag key {stray} is not a session tag of this request."),
        ));
    }
    Ok(SessionAttributes {
        tags,
        transitive_tag_keys,
        source_identity: None,
    })
}

/// A session tag as STS bounds it (keys 1-128, values up to 256 characters).
pub(super) fn check_tag(key: &str, value: &str) -> Result<(), ApiError> {
    if key.is_empty() || key.chars().count() > 128 || value.chars().count() > 256 {
        return Err(validation(format!(
            "1 validation error detected: Value '{key}' at 'tags' failed to satisfy constraint: \
             Member must have length less than or equal to 128"
        )));
    }
    Ok(())
}

/// Adds the caller's transitive tags (role chaining) and source identity to `attributes`;
/// a request may not override an inherited transitive tag.
pub(super) fn inherit(caller: &Caller, attributes: &mut SessionAttributes) -> Result<(), ApiError> {
    let Some(session) = &caller.session else {
        return Ok(());
    };
    for key in &session.transitive_tag_keys {
        let Some(value) = session.tags.get(key) else {
            continue;
        };
        if attributes.tags.get(key).is_some_and(|v| v != value) {
            return Err(ApiError::client(
                "InvalidParameterValue",
                format!("The session tag {key} is transitive and cannot be overridden."),
            ));
        }
        attributes.tags.insert(key.clone(), value.clone());
        if !attributes.transitive_tag_keys.contains(key) {
            attributes.transitive_tag_keys.push(key.clone());
        }
    }
    if attributes.source_identity.is_none() {
        attributes.source_identity = session.source_identity.clone();
    }
    if attributes.tags.len() > MAX_SESSION_TAGS {
        return Err(ApiError::client(
            "PackedPolicyTooLarge",
            "Packed policy consumes more than the maximum allowed size.",
        ));
    }
    Ok(())
}

/// The condition keys of an assume request: what the trust policy and the caller's own policies
/// may condition on.
pub(super) fn request_keys(
    session_name: &str,
    attributes: &SessionAttributes,
    external_id: Option<&str>,
) -> ConditionKeys {
    let mut keys = vec![(
        "sts:RoleSessionName".to_owned(),
        vec![session_name.to_owned()],
    )];
    if let Some(id) = external_id {
        keys.push(("sts:ExternalId".into(), vec![id.to_owned()]));
    }
    if let Some(source) = &attributes.source_identity {
        keys.push(("sts:SourceIdentity".into(), vec![source.clone()]));
    }
    for (key, value) in &attributes.tags {
        keys.push((format!("aws:RequestTag/{key}"), vec![value.clone()]));
    }
    if !attributes.tags.is_empty() {
        keys.push((
            "aws:TagKeys".into(),
            attributes.tags.keys().cloned().collect(),
        ));
        keys.push((
            "sts:TransitiveTagKeys".into(),
            attributes.transitive_tag_keys.clone(),
        ));
    }
    keys
}

/// The trust-policy actions an assume request needs: `action` itself, `sts:TagSession` when it
/// passes tags, `sts:SetSourceIdentity` when it sets a source identity.
pub(crate) fn trust_actions(
    action: &'static str,
    attributes: &SessionAttributes,
) -> Vec<&'static str> {
    let mut actions = vec![action];
    if !attributes.tags.is_empty() {
        actions.push("sts:TagSession");
    }
    if attributes.source_identity.is_some() {
        actions.push("sts:SetSourceIdentity");
    }
    actions
}

/// The tags and source identity an AssumeRole request sets (before inheritance).
pub(crate) fn requested_attributes(params: &QueryParams) -> Result<SessionAttributes, ApiError> {
    let mut attributes = tags_param(params)?;
    attributes.source_identity = params.get("SourceIdentity").map(str::to_owned);
    Ok(attributes)
}

/// The condition keys AssumeRole supplies, for the authorization of the call (the caller's
/// identity policies) as for the trust policy.
pub(crate) fn assume_role_keys(
    params: &QueryParams,
) -> Result<(ConditionKeys, SessionAttributes), ApiError> {
    let attributes = requested_attributes(params)?;
    let session_name = params.get("RoleSessionName").unwrap_or_default();
    Ok((
        request_keys(session_name, &attributes, params.get("ExternalId")),
        attributes,
    ))
}

/// Whether `role`'s trust policy lets the caller of `ctx` make each of `actions` with `keys`.
fn trusted(
    ctx: &CallContext,
    role: &RoleRecord,
    actions: &[&str],
    keys: &[(String, Vec<String>)],
) -> Result<Option<String>, ApiError> {
    let caller = ctx.caller();
    let stored = ctx.read(|txn| {
        trailroom_identity::caller_policies(txn, caller).map_err(trailroom_audit::store_failure)
    })?;
    let mut context: Context =
        trailroom_authz::global_context(&trailroom_authz::CallFacts::of(ctx), &stored);
    for (key, values) in keys {
        context.set_all(key, values.clone());
    }
    Ok(actions
        .iter()
        .find(|action| {
            !trust::allows(
                &role.assume_role_policy_document,
                &caller.principal,
                action,
                &context,
            )
        })
        .map(|a| (*a).to_owned()))
}

pub(super) async fn assume_role(
    ctx: &CallContext,
    params: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let role_arn = params.require("RoleArn")?.to_owned();
    let session_name = params.require("RoleSessionName")?.to_owned();
    check_name("roleSessionName", &session_name, 2, 64)?;
    if let Some(source) = params.get("SourceIdentity") {
        check_name("sourceIdentity", source, 2, 64)?;
    }
    if role_arn.len() < 20 || role_arn.len() > 2048 {
        return Err(validation(format!(
            "1 validation error detected: Value '{role_arn}' at 'roleArn' failed to satisfy \
             constraint: Member must have length greater than or equal to 20"
        )));
    }
    let (keys, mut attributes) = assume_role_keys(params)?;
    let caller = ctx.caller().principal.clone();
    let denied = |action: &str| {
        access_denied(format!(
            "User: {} is not authorized to perform: {action} on resource: {role_arn}",
            caller.arn()
        ))
    };
    let (account, role_name) = parse_role_arn(&role_arn).ok_or_else(|| denied("sts:AssumeRole"))?;
    let role = ctx
        .read(|txn| load_role(txn, &account, &role_name))?
        .filter(|role| role.arn() == role_arn)
        .ok_or_else(|| denied("sts:AssumeRole"))?;
    if let Some(action) = trusted(
        ctx,
        &role,
        &trust_actions("sts:AssumeRole", &attributes),
        &keys,
    )? {
        return Err(denied(&action));
    }
    inherit(ctx.caller(), &mut attributes)?;
    ctx.add_resource("AWS::IAM::Role", role.arn());
    // Role chaining caps sessions at one hour.
    let chained = matches!(caller, Principal::AssumedRole { .. });
    let max = if chained {
        3600
    } else {
        role.max_session_duration
    };
    let seconds = duration(params, 3600.min(max), max)?;
    let grant = Grant {
        session_name,
        seconds,
        attributes,
        policies: session_policies(ctx, params)?,
        federated_provider: None,
    };
    // STS reports how much room session policies and tags took, when some were passed.
    let packed = match params.get("Policy").is_some() || !grant.attributes.tags.is_empty() {
        true => Some(super::packed_policy_size(params, &grant.attributes.tags)?),
        false => None,
    };
    let session = role_session(&role, grant, ctx.now_ms());
    let (assumed_id, assumed_arn, assumed_audit) = assumed_role_user(&session);
    let source_identity = session.source_identity.clone();
    let mut audit = json!({
        "credentials": audit_credentials(&session),
        "assumedRoleUser": assumed_audit,
    });
    if let Some(packed) = packed {
        audit["packedPolicySize"] = packed.into();
    }
    if let Some(source) = &source_identity {
        audit["sourceIdentity"] = source.clone().into();
    }
    let output = QueryOutput::new(audit, |x| {
        write_credentials(x, &session);
        write_assumed_role_user(x, &assumed_id, &assumed_arn);
        if let Some(packed) = packed {
            x.element("PackedPolicySize", &packed.to_string());
        }
        if let Some(source) = &source_identity {
            x.element("SourceIdentity", source);
        }
    });
    ctx.write(move |tx| store_session(tx, &session).map(|()| output))
        .await
}
