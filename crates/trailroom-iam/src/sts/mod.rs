//! STS: who am I, and temporary credentials: role sessions ([`assume`]), role sessions for users
//! of OIDC and SAML identity providers ([`federation`]), session tokens, federation tokens.

mod assume;
pub mod federation;

pub(crate) use assume::{assume_role_keys, requested_attributes, trust_actions};

use serde_json::{Value, json};
use trailroom_audit::CallContext;
use trailroom_identity::{
    Principal, SessionRecord, kinds, new_access_key_id, new_secret_key, new_session_token,
};
use trailroom_protocol::query::{QueryParams, XmlWriter};
use trailroom_protocol::{ApiError, StatusCode};
use trailroom_store::Doc;

use crate::output::{QueryOutput, iso_time, java_time};

/// `(readOnly, logs responseElements)` per STS action. STS calls change no resources, so CloudTrail
/// marks them read-only, but it logs the credentials it hands out.
pub(crate) fn operation(action: &str) -> Option<(bool, bool)> {
    match action {
        "GetCallerIdentity" | "GetAccessKeyInfo" => Some((true, false)),
        "AssumeRole"
        | "AssumeRoleWithWebIdentity"
        | "AssumeRoleWithSAML"
        | "GetSessionToken"
        | "GetFederationToken" => Some((true, true)),
        _ => None,
    }
}

pub(crate) async fn call(
    ctx: &CallContext,
    action: &str,
    params: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    match action {
        "GetCallerIdentity" => Ok(get_caller_identity(ctx)),
        "GetAccessKeyInfo" => get_access_key_info(ctx, params),
        "AssumeRole" => assume::assume_role(ctx, params).await,
        "GetSessionToken" => get_session_token(ctx, params).await,
        "GetFederationToken" => get_federation_token(ctx, params).await,
        _ => Err(invalid_action(action)),
    }
}

fn invalid_action(action: &str) -> ApiError {
    ApiError::client(
        "InvalidAction",
        format!("Could not find operation {action} for version 2011-06-15"),
    )
}

fn access_denied(message: String) -> ApiError {
    ApiError::new("AccessDenied", StatusCode::FORBIDDEN, message)
}

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::client("ValidationError", message)
}

/// The account an access key (long-term or temporary) belongs to.
fn get_access_key_info(ctx: &CallContext, params: &QueryParams) -> Result<QueryOutput, ApiError> {
    let key = params.require("AccessKeyId")?;
    if key.len() < 16 || key.len() > 128 {
        return Err(validation(format!(
            "1 validation error detected: Value '{key}' at 'accessKeyId' failed to satisfy \
             constraint: Member must have length greater than or equal to 16"
        )));
    }
    let account = ctx.read(|txn| {
        let kind = match key.starts_with("ASIA") {
            true => trailroom_identity::kinds::SESSION,
            false => trailroom_identity::kinds::ACCESS_KEY,
        };
        Ok(txn
            .find_by_id(kind, key)
            .map_err(trailroom_audit::store_failure)?
            .map(|doc| doc.account))
    })?;
    let account = account.ok_or_else(|| {
        ApiError::client(
            "InvalidParameterValue",
            format!("The access key ID {key} is not valid."),
        )
    })?;
    Ok(QueryOutput::new(Value::Null, |x| {
        x.element("Account", &account);
    }))
}

fn get_caller_identity(ctx: &CallContext) -> QueryOutput {
    let principal = &ctx.caller().principal;
    QueryOutput::new(Value::Null, |x| {
        x.element("Arn", &principal.arn())
            .element("UserId", &principal.principal_id())
            .element("Account", principal.account_id());
    })
}

/// Checks a name against STS's `[\w+=,.@-]{min,max}`.
fn check_name(member: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let ok_chars = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    let len = value.chars().count();
    if !ok_chars {
        return Err(validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )));
    }
    if len < min || len > max {
        let bound = if len < min {
            format!("greater than or equal to {min}")
        } else {
            format!("less than or equal to {max}")
        };
        return Err(validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy \
             constraint: Member must have length {bound}"
        )));
    }
    Ok(())
}

fn duration(params: &QueryParams, default: i64, max: i64) -> Result<i64, ApiError> {
    let seconds = params.integer("DurationSeconds")?.unwrap_or(default);
    if seconds < 900 {
        return Err(validation(format!(
            "1 validation error detected: Value '{seconds}' at 'durationSeconds' failed to \
             satisfy constraint: Member must have value greater than or equal to 900"
        )));
    }
    if seconds > max {
        return Err(validation(format!(
            "The requested DurationSeconds exceeds the {max} seconds allowed for this request."
        )));
    }
    Ok(seconds)
}

/// The (account, role name) a role ARN names.
pub(crate) fn role_of(arn: &str) -> Option<(String, String)> {
    parse_role_arn(arn)
}

/// Parses `arn:aws:iam::<account>:role/<path/><name>` into (account, role name).
fn parse_role_arn(arn: &str) -> Option<(String, String)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path_and_name = resource.strip_prefix("role/")?;
    let name = path_and_name.rsplit('/').next()?;
    let valid_account = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    (valid_account && !name.is_empty()).then(|| (account.to_owned(), name.to_owned()))
}

/// The longest inline session policy (the model's length constraint on `Policy`).
const MAX_SESSION_POLICY: usize = 2048;

/// The session policies a call passes: the inline `Policy` (at most 2,048 characters, a
/// `ValidationError` beyond, as the model constrains it) and the documents of `PolicyArns`
/// (`PolicyArns.member.N.arn`), checked as IAM checks them.
fn session_policies(ctx: &CallContext, params: &QueryParams) -> Result<Vec<String>, ApiError> {
    let mut policies = Vec::new();
    if let Some(policy) = params.get("Policy") {
        if policy.chars().count() > MAX_SESSION_POLICY {
            return Err(validation(format!(
                "1 validation error detected: Value '{policy}' at 'policy' failed to satisfy \
                 constraint: Member must have length less than or equal to {MAX_SESSION_POLICY}"
            )));
        }
        let parsed = trailroom_policy::Policy::parse(policy)
            .and_then(|p| p.check_identity())
            .map_err(|e| ApiError::client("MalformedPolicyDocument", e.0));
        parsed?;
        policies.push(policy.to_owned());
    }
    for n in 1.. {
        let Some(arn) = params.get(&format!("PolicyArns.member.{n}.arn")) else {
            break;
        };
        let document = ctx.read(|txn| {
            trailroom_identity::managed_policy_document(txn, arn)
                .map_err(trailroom_audit::store_failure)
        })?;
        let document = document.ok_or_else(|| {
            ApiError::client(
                "InvalidParameterValue",
                format!("The policy {arn} does not exist or is not attachable."),
            )
        })?;
        policies.push(document);
    }
    Ok(policies)
}

/// `PackedPolicySize`: how much of the room for session policies and tags a request uses, in
/// percent. AWS packs (compresses) them by an unpublished method; this measures the inline
/// policy without insignificant whitespace, plus each tag's key and value, against the 2,048
/// characters an inline policy may have, so it grows with what is passed and reaches 100 at the
/// limit. Above 100 the request is refused with `PackedPolicyTooLarge`.
fn packed_policy_size(
    params: &QueryParams,
    tags: &std::collections::BTreeMap<String, String>,
) -> Result<u32, ApiError> {
    let policy = params
        .get("Policy")
        .map(|p| {
            serde_json::from_str::<Value>(p)
                .map(|v| v.to_string().len())
                .unwrap_or(p.len())
        })
        .unwrap_or(0);
    let tags: usize = tags.iter().map(|(k, v)| k.len() + v.len()).sum();
    let size = (policy + tags) * 100;
    let percent = u32::try_from(size.div_ceil(MAX_SESSION_POLICY)).unwrap_or(u32::MAX);
    match percent > 100 {
        true => Err(ApiError::client(
            "PackedPolicyTooLarge",
            format!(
                "Packed policy consumes {percent}% of allotted space, please use smaller policy."
            ),
        )),
        false => Ok(percent),
    }
}

/// Fresh temporary credentials for `principal`, stored so they can sign.
fn new_session(
    principal: Principal,
    now_ms: i64,
    seconds: i64,
    source_identity: Option<String>,
) -> SessionRecord {
    SessionRecord {
        account_id: principal.account_id().to_owned(),
        access_key_id: new_access_key_id(true),
        secret_access_key: new_secret_key(),
        session_token: new_session_token(),
        principal,
        created_ms: now_ms,
        expires_ms: now_ms + seconds * 1000,
        source_identity,
        session_policies: Vec::new(),
        session_tags: Default::default(),
        transitive_tag_keys: Vec::new(),
        federated_provider: None,
    }
}

fn store_session(
    tx: &mut dyn trailroom_store::WriteTxn,
    session: &SessionRecord,
) -> Result<(), ApiError> {
    let doc = Doc::new(
        &session.account_id,
        kinds::SESSION,
        &session.access_key_id,
        session,
    )
    .map_err(trailroom_audit::store_failure)?;
    tx.put(&doc).map_err(trailroom_audit::store_failure)
}

fn write_credentials(x: &mut XmlWriter, session: &SessionRecord) {
    x.nest("Credentials", |c| {
        c.element("AccessKeyId", &session.access_key_id)
            .element("SecretAccessKey", &session.secret_access_key)
            .element("SessionToken", &session.session_token)
            .element("Expiration", &iso_time(session.expires_ms));
    });
}

/// `credentials` as CloudTrail logs them: never the secret.
fn audit_credentials(session: &SessionRecord) -> Value {
    json!({
        "accessKeyId": session.access_key_id,
        "sessionToken": session.session_token,
        "expiration": java_time(session.expires_ms),
    })
}

/// The session length GetSessionToken and GetFederationToken grant: as asked (12 hours by
/// default, 36 at most), but at most one hour for the root user, whose longer requests are
/// capped rather than refused, as STS does.
fn long_term_duration(params: &QueryParams, principal: &Principal) -> Result<i64, ApiError> {
    let seconds = duration(params, 43_200, 129_600)?;
    Ok(match principal {
        Principal::Root { .. } => seconds.min(3600),
        _ => seconds,
    })
}

/// GetSessionToken and GetFederationToken need long-term credentials.
fn require_long_term(ctx: &CallContext, action: &str) -> Result<(), ApiError> {
    if ctx.caller().session.is_some() {
        return Err(access_denied(format!(
            "Cannot call {action} with session credentials"
        )));
    }
    Ok(())
}

async fn get_session_token(
    ctx: &CallContext,
    params: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    require_long_term(ctx, "GetSessionToken")?;
    let principal = ctx.caller().principal.clone();
    let seconds = long_term_duration(params, &principal)?;
    let session = new_session(principal, ctx.now_ms(), seconds, None);
    let audit = json!({ "credentials": audit_credentials(&session) });
    let output = QueryOutput::new(audit, |x| write_credentials(x, &session));
    ctx.write(move |tx| store_session(tx, &session).map(|()| output))
        .await
}

async fn get_federation_token(
    ctx: &CallContext,
    params: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    require_long_term(ctx, "GetFederationToken")?;
    let name = params.require("Name")?.to_owned();
    check_name("name", &name, 2, 32)?;
    let issuer = ctx.caller().principal.clone();
    let seconds = long_term_duration(params, &issuer)?;
    let principal = Principal::FederatedUser {
        account_id: issuer.account_id().to_owned(),
        federated_name: name,
        issuer: Box::new(issuer),
    };
    let mut session = new_session(principal.clone(), ctx.now_ms(), seconds, None);
    // Without a session policy a federated user may do nothing (AWS's rule).
    session.session_policies = session_policies(ctx, params)?;
    session.session_tags = assume::requested_attributes(params)?.tags;
    let packed = packed_policy_size(params, &session.session_tags)?;
    let (fed_id, fed_arn) = (principal.principal_id(), principal.arn());
    let audit = json!({
        "credentials": audit_credentials(&session),
        "federatedUser": { "federatedUserId": fed_id, "arn": fed_arn },
        "packedPolicySize": packed,
    });
    let output = QueryOutput::new(audit, |x| {
        write_credentials(x, &session);
        x.nest("FederatedUser", |u| {
            u.element("FederatedUserId", &fed_id)
                .element("Arn", &fed_arn);
        });
        x.element("PackedPolicySize", &packed.to_string());
    });
    ctx.write(move |tx| store_session(tx, &session).map(|()| output))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_parse() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/ops/Admin"),
            Some(("123456789012".into(), "Admin".into()))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::123:role/Admin"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::123456789012:user/Admin"), None);
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("roleSessionName", "alice@example.com", 2, 64).is_ok());
        assert_eq!(
            check_name("roleSessionName", "a", 2, 64)
                .unwrap_err()
                .code(),
            "ValidationError"
        );
        assert!(check_name("roleSessionName", "has space", 2, 64).is_err());
    }
}
