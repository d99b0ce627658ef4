//! AssumeRoleWithWebIdentity and AssumeRoleWithSAML: role sessions for users of an OpenID
//! Connect or SAML identity provider, who call STS without AWS credentials.
//!
//! [`claimed_caller`] names who the request says it is (read from the token or assertion
//! before any check), so the call is recorded in the role's account as AWS records it, whether
//! it then succeeds or not. [`call`] decides it: the token's signature against a trusted key of
//! its issuer (configured JWKS, or the data directory's test identity provider) and an IAM OIDC
//! provider for the issuer that accepts the audience; or the assertion's signature against the
//! IAM SAML provider's metadata and the role pair it offers; then the role's trust policy with
//! the `Federated` provider and the token's or assertion's condition keys.

use serde_json::{Map, Value, json};
use trailroom_audit::CallContext;
use trailroom_federation::oidc::{self, TokenError, TrustedKey, WebIdentityToken};
use trailroom_federation::saml::{self, SamlAssertion, SamlError};
use trailroom_federation::test_idp::TestIdp;
use trailroom_identity::{Caller, OidcProviderRecord, Principal, RoleRecord, trust};
use trailroom_policy::Context;
use trailroom_protocol::query::QueryParams;
use trailroom_protocol::{ApiError, StatusCode};
use trailroom_store::ReadTxn;

use super::assume::{
    Grant, assumed_role_user, inherit, load_role, request_keys, role_session, trust_actions,
    write_assumed_role_user,
};
use super::{
    audit_credentials, check_name, duration, parse_role_arn, session_policies, store_session,
    write_credentials,
};
use crate::iam::providers::{oidc_provider_for, saml_provider};
use crate::output::QueryOutput;

/// `AssumeRoleWithWebIdentity`.
pub const WEB_IDENTITY: &str = "AssumeRoleWithWebIdentity";
/// `AssumeRoleWithSAML`.
pub const SAML: &str = "AssumeRoleWithSAML";

/// Whether `action` is one STS serves without AWS credentials.
pub fn is_federated(action: &str) -> bool {
    matches!(action, WEB_IDENTITY | SAML)
}

/// Which ID token signers STS trusts besides nothing: keys of configured issuers, and the data
/// directory's test identity provider (for tokens of any issuer) when enabled.
#[derive(Debug, Clone, Default)]
pub struct WebIdentityTrust {
    /// Keys of configured issuers.
    pub keys: Vec<TrustedKey>,
    /// Whether the test identity provider's key is trusted too.
    pub test_idp: bool,
}

fn invalid_token(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidIdentityToken", message)
}

fn expired(message: impl Into<String>) -> ApiError {
    ApiError::client("ExpiredTokenException", message)
}

fn not_authorized(action: &str) -> ApiError {
    ApiError::new(
        "AccessDenied",
        StatusCode::FORBIDDEN,
        format!("Not authorized to perform sts:{action}"),
    )
}

/// Who a federated request claims to be, and its `requestParameters`, if the role it names is
/// in an account this server has (else the call is answered but recorded nowhere).
pub fn claimed_caller(
    txn: &dyn ReadTxn,
    action: &str,
    params: &QueryParams,
) -> Option<(Caller, Value)> {
    let (account, _) = parse_role_arn(params.get("RoleArn")?)?;
    txn.get(&account, trailroom_identity::kinds::ACCOUNT, &account)
        .ok()
        .flatten()?;
    let (principal, request) = match action {
        WEB_IDENTITY => claimed_web_identity(&account, params),
        _ => claimed_saml_user(&account, params),
    };
    let caller = Caller {
        principal,
        access_key_id: String::new(),
        session: None,
        invoked_by: None,
    };
    Some((caller, request))
}

fn common_parameters(params: &QueryParams, request: &mut Map<String, Value>) {
    for (name, key) in [
        ("RoleArn", "roleArn"),
        ("PrincipalArn", "principalArn"),
        ("RoleSessionName", "roleSessionName"),
        ("Policy", "policy"),
    ] {
        if let Some(value) = params.get(name) {
            request.insert(key.into(), value.into());
        }
    }
    if let Ok(Some(seconds)) = params.integer("DurationSeconds") {
        request.insert("durationSeconds".into(), seconds.into());
    }
    let arns: Vec<Value> = (1..)
        .map_while(|n| params.get(&format!("PolicyArns.member.{n}.arn")))
        .map(|arn| json!({ "arn": arn }))
        .collect();
    if !arns.is_empty() {
        request.insert("policyArns".into(), arns.into());
    }
}

fn claimed_web_identity(account: &str, params: &QueryParams) -> (Principal, Value) {
    let token = params
        .get("WebIdentityToken")
        .and_then(|t| oidc::read_unverified(t).ok());
    let principal = Principal::WebIdentityUser {
        account_id: account.to_owned(),
        provider: token
            .as_ref()
            .map(|t| oidc_provider_arn(account, t))
            .unwrap_or_default(),
        audience: token
            .as_ref()
            .map(|t| t.audience().to_owned())
            .unwrap_or_default(),
        subject: token.map(|t| t.subject).unwrap_or_default(),
    };
    // The token itself is a credential: never logged.
    let mut request = Map::new();
    common_parameters(params, &mut request);
    if let Some(provider) = params.get("ProviderId") {
        request.insert("providerId".into(), provider.into());
    }
    (principal, Value::Object(request))
}

fn claimed_saml_user(account: &str, params: &QueryParams) -> (Principal, Value) {
    let assertion = params
        .get("SAMLAssertion")
        .and_then(|a| saml::read_unverified(a).ok());
    let provider_name = params
        .get("PrincipalArn")
        .and_then(|arn| arn.rsplit_once(":saml-provider/"))
        .map(|(_, name)| name)
        .unwrap_or_default();
    let principal = Principal::SamlUser {
        account_id: account.to_owned(),
        name_qualifier: assertion
            .as_ref()
            .map(|a| saml::name_qualifier(&a.issuer, account, provider_name))
            .unwrap_or_default(),
        subject: assertion
            .as_ref()
            .map(|a| a.subject.clone())
            .unwrap_or_default(),
    };
    let mut request = Map::new();
    if let Some(assertion) = &assertion {
        request.insert("sAMLAssertionID".into(), assertion.id.clone().into());
        if let Some(name) = &assertion.session_name {
            request.insert("roleSessionName".into(), name.clone().into());
        }
    }
    common_parameters(params, &mut request);
    (principal, Value::Object(request))
}

fn oidc_provider_arn(account: &str, token: &WebIdentityToken) -> String {
    format!(
        "arn:aws:iam::{account}:oidc-provider/{}",
        token.provider_url()
    )
}

/// Decides a federated request (the caller of `ctx` is its [`claimed_caller`]) and issues the
/// role session.
pub async fn call(
    ctx: &CallContext,
    trust: &WebIdentityTrust,
    action: &str,
    params: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    match action {
        WEB_IDENTITY => web_identity(ctx, trust, params).await,
        _ => saml_assertion(ctx, params).await,
    }
}

/// The role a federated request names, if it exists (else the request is simply not
/// authorized, as AWS answers).
fn requested_role(
    ctx: &CallContext,
    params: &QueryParams,
    action: &str,
) -> Result<RoleRecord, ApiError> {
    let role_arn = params.require("RoleArn")?;
    let (account, name) = parse_role_arn(role_arn).ok_or_else(|| not_authorized(action))?;
    ctx.read(|txn| load_role(txn, &account, &name))?
        .filter(|role| role.arn() == role_arn)
        .ok_or_else(|| not_authorized(action))
}

fn token_error(error: TokenError) -> ApiError {
    match error {
        TokenError::Expired { .. } => expired(error.to_string()),
        _ => invalid_token(
            "The web identity token that was passed could not be validated by AWS. Get a new \
             identity token from the identity provider and then retry the request.",
        ),
    }
}

async fn web_identity(
    ctx: &CallContext,
    trust: &WebIdentityTrust,
    params: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let session_name = params.require("RoleSessionName")?.to_owned();
    check_name("roleSessionName", &session_name, 2, 64)?;
    let raw = params.require("WebIdentityToken")?;
    if raw.len() < 4 || raw.len() > 20_000 {
        return Err(super::validation(
            "1 validation error detected: Value at 'webIdentityToken' failed to satisfy \
             constraint: Member must have length less than or equal to 20000",
        ));
    }
    let mut keys = trust.keys.clone();
    if trust.test_idp
        && let Some(idp) =
            ctx.read(|txn| TestIdp::load(txn).map_err(trailroom_audit::store_failure))?
    {
        keys.push(idp.trusted_key());
    }
    let token = oidc::verify(raw, &keys, ctx.now_ms()).map_err(token_error)?;
    let account = ctx.account_id().to_owned();
    let provider: OidcProviderRecord = ctx
        .read(|txn| oidc_provider_for(txn, &account, &token.issuer))?
        .ok_or_else(|| {
            invalid_token(format!(
                "No OpenIDConnect provider found in your account for {}",
                token.issuer
            ))
        })?;
    if !provider.client_ids.iter().any(|c| c == token.audience()) {
        return Err(invalid_token("Incorrect token audience"));
    }
    let role = requested_role(ctx, params, WEB_IDENTITY)?;
    let mut attributes = token.session.clone();
    if let Some(source) = &attributes.source_identity {
        check_name("sourceIdentity", source, 2, 64)?;
    }
    attributes
        .tags
        .iter()
        .try_for_each(|(k, v)| super::assume::check_tag(k, v))?;
    let provider_arn = provider.arn();
    let mut context = Context::new();
    let url = token.provider_url();
    context
        .set(&format!("{url}:aud"), token.audience())
        .set(&format!("{url}:sub"), token.subject.clone())
        .set("aws:FederatedProvider", provider_arn.clone());
    if !token.amr.is_empty() {
        context.set_all(&format!("{url}:amr"), token.amr.clone());
    }
    if token.authorized_party.is_some() {
        context.set_all(&format!("{url}:oaud"), token.audiences.clone());
    }
    let keys = request_keys(&session_name, &attributes, None);
    check_trust(
        &role,
        &provider_arn,
        "sts:AssumeRoleWithWebIdentity",
        &attributes,
        context,
        &keys,
        WEB_IDENTITY,
    )?;
    inherit(ctx.caller(), &mut attributes)?;
    let seconds = duration(
        params,
        3600.min(role.max_session_duration),
        role.max_session_duration,
    )?;
    let grant = Grant {
        session_name,
        seconds,
        attributes,
        policies: session_policies(ctx, params)?,
        federated_provider: Some(provider_arn.clone()),
    };
    ctx.add_resource("AWS::IAM::Role", role.arn());
    let session = role_session(&role, grant, ctx.now_ms());
    let (assumed_id, assumed_arn, assumed_audit) = assumed_role_user(&session);
    let audience = token.audience().to_owned();
    let source_identity = session.source_identity.clone();
    let mut audit = json!({
        "credentials": audit_credentials(&session),
        "subjectFromWebIdentityToken": token.subject,
        "assumedRoleUser": assumed_audit,
        "provider": provider_arn,
        "audience": audience,
    });
    if let Some(source) = &source_identity {
        audit["sourceIdentity"] = source.clone().into();
    }
    let output = QueryOutput::new(audit, |x| {
        write_credentials(x, &session);
        x.element("SubjectFromWebIdentityToken", &token.subject);
        write_assumed_role_user(x, &assumed_id, &assumed_arn);
        x.element("Provider", &provider_arn)
            .element("Audience", &audience);
        if let Some(source) = &source_identity {
            x.element("SourceIdentity", source);
        }
    });
    ctx.write(move |tx| store_session(tx, &session).map(|()| output))
        .await
}

/// The role's trust policy must let the provider's users make `action` (and tag the session,
/// set its source identity, when they do) under the token's or assertion's keys.
fn check_trust(
    role: &RoleRecord,
    provider_arn: &str,
    action: &'static str,
    attributes: &trailroom_federation::SessionAttributes,
    mut context: Context,
    keys: &[(String, Vec<String>)],
    operation: &str,
) -> Result<(), ApiError> {
    for (key, values) in keys {
        context.set_all(key, values.clone());
    }
    let refused = trust_actions(action, attributes).into_iter().any(|needed| {
        !trust::allows_federated(
            &role.assume_role_policy_document,
            provider_arn,
            needed,
            &context,
        )
    });
    match refused {
        true => Err(not_authorized(operation)),
        false => Ok(()),
    }
}

fn saml_error(error: SamlError) -> ApiError {
    match error {
        SamlError::Expired => expired(error.to_string()),
        _ => invalid_token(error.to_string()),
    }
}

async fn saml_assertion(ctx: &CallContext, params: &QueryParams) -> Result<QueryOutput, ApiError> {
    let role_arn = params.require("RoleArn")?.to_owned();
    let provider_arn = params.require("PrincipalArn")?.to_owned();
    let raw = params.require("SAMLAssertion")?;
    if raw.len() < 4 || raw.len() > 100_000 {
        return Err(super::validation(
            "1 validation error detected: Value at 'sAMLAssertion' failed to satisfy \
             constraint: Member must have length less than or equal to 100000",
        ));
    }
    let account = ctx.account_id().to_owned();
    let provider = ctx
        .read(|txn| saml_provider(txn, &provider_arn))?
        .filter(|p| p.account_id == account)
        .ok_or_else(|| invalid_token(format!("SAML provider {provider_arn} does not exist")))?;
    let metadata = saml::read_metadata(&provider.metadata_document)
        .map_err(|e| invalid_token(e.to_string()))?;
    let assertion: SamlAssertion =
        saml::verify(raw, &metadata, ctx.now_ms()).map_err(saml_error)?;
    if !assertion
        .roles
        .iter()
        .any(|(role, p)| *role == role_arn && *p == provider_arn)
    {
        return Err(not_authorized(SAML));
    }
    let session_name = assertion.session_name.clone().ok_or_else(|| {
        invalid_token(format!(
            "The SAML assertion has no {} attribute",
            saml::SESSION_NAME_ATTRIBUTE
        ))
    })?;
    check_name("roleSessionName", &session_name, 2, 64)?;
    let role = requested_role(ctx, params, SAML)?;
    let mut attributes = assertion.session.clone();
    if let Some(source) = &attributes.source_identity {
        check_name("sourceIdentity", source, 2, 64)?;
    }
    attributes
        .tags
        .iter()
        .try_for_each(|(k, v)| super::assume::check_tag(k, v))?;
    let name_qualifier = saml::name_qualifier(&assertion.issuer, &account, &provider.name);
    let audience = assertion
        .recipient
        .clone()
        .unwrap_or_else(|| saml::AWS_AUDIENCE.to_owned());
    let mut context = Context::new();
    context
        .set("SAML:aud", audience.clone())
        .set("SAML:iss", assertion.issuer.clone())
        .set("SAML:sub", assertion.subject.clone())
        .set("SAML:sub_type", assertion.subject_type())
        .set("SAML:namequalifier", name_qualifier.clone())
        .set("SAML:doc", format!("{account}/{}", provider.name))
        .set("aws:FederatedProvider", provider_arn.clone());
    let keys = request_keys(&session_name, &attributes, None);
    check_trust(
        &role,
        &provider_arn,
        "sts:AssumeRoleWithSAML",
        &attributes,
        context,
        &keys,
        SAML,
    )?;
    inherit(ctx.caller(), &mut attributes)?;
    let max = role.max_session_duration;
    let default = assertion
        .session_duration_s
        .filter(|s| (900..=43_200).contains(s))
        .unwrap_or(3600)
        .min(max);
    let seconds = duration(params, default, max)?;
    let grant = Grant {
        session_name,
        seconds,
        attributes,
        policies: session_policies(ctx, params)?,
        federated_provider: None,
    };
    ctx.add_resource("AWS::IAM::Role", role.arn());
    ctx.add_resource("AWS::IAM::SAMLProvider", provider_arn);
    let session = role_session(&role, grant, ctx.now_ms());
    let (assumed_id, assumed_arn, assumed_audit) = assumed_role_user(&session);
    let subject_type = assertion.subject_type();
    let source_identity = session.source_identity.clone();
    let mut audit = json!({
        "credentials": audit_credentials(&session),
        "assumedRoleUser": assumed_audit,
        "subject": assertion.subject,
        "subjectType": subject_type,
        "issuer": assertion.issuer,
        "audience": audience,
        "nameQualifier": name_qualifier,
    });
    if let Some(source) = &source_identity {
        audit["sourceIdentity"] = source.clone().into();
    }
    let output = QueryOutput::new(audit, |x| {
        write_credentials(x, &session);
        write_assumed_role_user(x, &assumed_id, &assumed_arn);
        x.element("Subject", &assertion.subject)
            .element("SubjectType", &subject_type)
            .element("Issuer", &assertion.issuer)
            .element("Audience", &audience)
            .element("NameQualifier", &name_qualifier);
        if let Some(source) = &source_identity {
            x.element("SourceIdentity", source);
        }
    });
    ctx.write(move |tx| store_session(tx, &session).map(|()| output))
        .await
}
