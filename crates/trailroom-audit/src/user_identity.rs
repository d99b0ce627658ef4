//! `userIdentity`, field for field as CloudTrail writes it for each principal type.

use serde_json::{Map, Value, json};
use trailroom_identity::{Caller, Principal, SessionInfo};

use crate::record::format_event_time;

/// The `userIdentity` element for `caller`.
pub fn user_identity(caller: &Caller) -> Value {
    let mut identity = match &caller.principal {
        Principal::AwsService { service } => {
            return json!({ "type": "AWSService", "invokedBy": service });
        }
        Principal::WebIdentityUser { provider, .. } => {
            return federated_identity(&caller.principal, "WebIdentityUser", provider);
        }
        Principal::SamlUser { name_qualifier, .. } => {
            return federated_identity(&caller.principal, "SAMLUser", name_qualifier);
        }
        principal => base_identity(principal, &caller.access_key_id),
    };
    if let Some(context) = session_context(&caller.principal, caller.session.as_ref()) {
        identity.insert("sessionContext".into(), context);
    }
    if let Some(service) = &caller.invoked_by {
        identity.insert("invokedBy".into(), Value::String(service.clone()));
    }
    Value::Object(identity)
}

/// A caller of another identity provider: no ARN, account or key, only who it is there.
fn federated_identity(principal: &Principal, kind: &str, provider: &str) -> Value {
    json!({
        "type": kind,
        "principalId": principal.principal_id(),
        "userName": principal.display_name(),
        "identityProvider": provider,
    })
}

fn base_identity(principal: &Principal, access_key_id: &str) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("type".into(), type_name(principal).into());
    map.insert("principalId".into(), principal.principal_id().into());
    map.insert("arn".into(), principal.arn().into());
    map.insert("accountId".into(), principal.account_id().into());
    // A console sign-in names no key.
    if !access_key_id.is_empty() {
        map.insert("accessKeyId".into(), access_key_id.into());
    }
    if let Principal::IamUser { user_name, .. } = principal {
        map.insert("userName".into(), user_name.clone().into());
    }
    map
}

fn type_name(principal: &Principal) -> &'static str {
    match principal {
        Principal::Root { .. } => "Root",
        Principal::IamUser { .. } => "IAMUser",
        Principal::AssumedRole { .. } => "AssumedRole",
        Principal::FederatedUser { .. } => "FederatedUser",
        Principal::WebIdentityUser { .. } => "WebIdentityUser",
        Principal::SamlUser { .. } => "SAMLUser",
        Principal::AwsService { .. } => "AWSService",
    }
}

/// `sessionContext`: issuer for role and federated sessions, attributes for any temporary key.
fn session_context(principal: &Principal, session: Option<&SessionInfo>) -> Option<Value> {
    let session = session?;
    let mut context = Map::new();
    if let Some(issuer) = session_issuer(principal) {
        context.insert("sessionIssuer".into(), issuer);
        let federation = match &session.federated_provider {
            Some(provider) => json!({ "federatedProvider": provider, "attributes": {} }),
            None => json!({}),
        };
        context.insert("webIdFederationData".into(), federation);
    }
    context.insert(
        "attributes".into(),
        json!({
            "creationDate": format_event_time(session.created_ms),
            "mfaAuthenticated": if session.mfa_authenticated { "true" } else { "false" },
        }),
    );
    if let Some(source) = &session.source_identity {
        context.insert("sourceIdentity".into(), source.clone().into());
    }
    Some(Value::Object(context))
}

fn session_issuer(principal: &Principal) -> Option<Value> {
    match principal {
        Principal::AssumedRole {
            account_id,
            role_name,
            role_id,
            path,
            ..
        } => Some(json!({
            "type": "Role",
            "principalId": role_id,
            "arn": format!("arn:aws:iam::{account_id}:role{path}{role_name}"),
            "accountId": account_id,
            "userName": role_name,
        })),
        Principal::FederatedUser { issuer, .. } => {
            let mut map = Map::new();
            map.insert("type".into(), type_name(issuer).into());
            map.insert("principalId".into(), issuer.principal_id().into());
            map.insert("arn".into(), issuer.arn().into());
            map.insert("accountId".into(), issuer.account_id().into());
            if let Principal::IamUser { user_name, .. } = issuer.as_ref() {
                map.insert("userName".into(), user_name.clone().into());
            }
            Some(Value::Object(map))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(principal: Principal, key: &str, session: Option<SessionInfo>) -> Caller {
        Caller {
            principal,
            access_key_id: key.into(),
            session,
            invoked_by: None,
        }
    }

    fn alice() -> Principal {
        Principal::IamUser {
            account_id: "123456789012".into(),
            user_name: "Alice".into(),
            user_id: "AIDAJ45Q7YFFAREXAMPLE".into(),
            path: "/".into(),
        }
    }

    #[test]
    fn iam_user_matches_the_documented_shape() {
        let value = user_identity(&caller(alice(), "AKIAIOSFODNN7EXAMPLE", None));
        assert_eq!(
            value.to_string(),
            r#"{"type":"IAMUser","principalId":"AIDAJ45Q7YFFAREXAMPLE","arn":"arn:aws:iam::123456789012:user/Alice","accountId":"123456789012","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"Alice"}"#
        );
    }

    #[test]
    fn root_has_no_user_name() {
        let root = Principal::Root {
            account_id: "123456789012".into(),
        };
        let value = user_identity(&caller(root, "AKIAIOSFODNN7EXAMPLE", None));
        assert_eq!(value["type"], "Root");
        assert_eq!(value["principalId"], "123456789012");
        assert!(value.get("userName").is_none());
    }

    #[test]
    fn assumed_role_carries_issuer_and_attributes() {
        let role = Principal::AssumedRole {
            account_id: "123456789012".into(),
            role_name: "Ops".into(),
            role_id: "AROAEXAMPLEEXAMPLE123".into(),
            path: "/".into(),
            session_name: "s1".into(),
        };
        let session = SessionInfo {
            created_ms: 1_510_567_202_000,
            expires_ms: 1_510_570_802_000,
            mfa_authenticated: false,
            source_identity: Some("alice".into()),
            policies: Vec::new(),
            ..SessionInfo::default()
        };
        let value = user_identity(&caller(role, "ASIAEXAMPLE", Some(session)));
        assert_eq!(value["type"], "AssumedRole");
        assert_eq!(value["principalId"], "AROAEXAMPLEEXAMPLE123:s1");
        assert!(value.get("userName").is_none());
        let ctx = &value["sessionContext"];
        assert_eq!(ctx["sessionIssuer"]["type"], "Role");
        assert_eq!(
            ctx["sessionIssuer"]["arn"],
            "arn:aws:iam::123456789012:role/Ops"
        );
        assert_eq!(ctx["sessionIssuer"]["userName"], "Ops");
        assert_eq!(ctx["webIdFederationData"], json!({}));
        assert_eq!(ctx["attributes"]["creationDate"], "2017-11-13T10:00:02Z");
        assert_eq!(ctx["attributes"]["mfaAuthenticated"], "false");
        assert_eq!(ctx["sourceIdentity"], "alice");
    }

    #[test]
    fn federated_user_names_its_issuer() {
        let fed = Principal::FederatedUser {
            account_id: "123456789012".into(),
            federated_name: "bob".into(),
            issuer: Box::new(alice()),
        };
        let session = SessionInfo {
            created_ms: 0,
            expires_ms: 1,
            mfa_authenticated: false,
            source_identity: None,
            policies: Vec::new(),
            ..SessionInfo::default()
        };
        let value = user_identity(&caller(fed, "ASIAEXAMPLE", Some(session)));
        assert_eq!(value["type"], "FederatedUser");
        assert_eq!(value["principalId"], "123456789012:bob");
        assert_eq!(value["sessionContext"]["sessionIssuer"]["type"], "IAMUser");
        assert_eq!(
            value["sessionContext"]["sessionIssuer"]["userName"],
            "Alice"
        );
    }

    #[test]
    fn aws_service_is_only_invoked_by() {
        let svc = Principal::AwsService {
            service: "cloudtrail.amazonaws.com".into(),
        };
        let value = user_identity(&caller(svc, "", None));
        assert_eq!(
            value,
            json!({"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"})
        );
    }
}
