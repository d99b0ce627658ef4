//! Policy documents, parsed once into typed statements: `Version`, `Statement` (one object or a
//! list), and in each statement `Sid`, `Effect`, `Principal`/`NotPrincipal`, `Action`/
//! `NotAction`, `Resource`/`NotResource` and `Condition`. Parsing checks structure (what IAM's
//! `MalformedPolicyDocument` refuses); which elements a policy type needs is checked by
//! [`Policy::check_identity`] and [`Policy::check_resource`].

use serde_json::{Map, Value};

use crate::condition::Condition;

/// Allow or Deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// `"Effect": "Allow"`.
    Allow,
    /// `"Effect": "Deny"`.
    Deny,
}

/// A list of patterns, possibly negated (`NotAction`, `NotResource`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patterns {
    /// From a `Not…` element: the statement applies to everything the patterns do not name.
    pub negated: bool,
    /// The patterns as written.
    pub values: Vec<String>,
}

/// Who a resource-based statement is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principals {
    /// From `NotPrincipal`.
    pub negated: bool,
    /// `"Principal": "*"` (or `{"AWS": "*"}`): anyone.
    pub anyone: bool,
    /// `AWS`: account ids, account root ARNs, user, role and assumed-role ARNs.
    pub aws: Vec<String>,
    /// `Service`: service principals.
    pub service: Vec<String>,
    /// `Federated`: identity providers.
    pub federated: Vec<String>,
    /// `CanonicalUser`: S3 canonical user ids.
    pub canonical_user: Vec<String>,
}

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// `Sid`.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Principal` / `NotPrincipal` (resource-based policies).
    pub principal: Option<Principals>,
    /// `Action` / `NotAction`.
    pub action: Option<Patterns>,
    /// `Resource` / `NotResource`; absent in trust policies and resource-based statements that
    /// mean the resource they are attached to.
    pub resource: Option<Patterns>,
    /// `Condition`: every condition must hold.
    pub conditions: Vec<Condition>,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `Version` (`2012-10-17`, `2008-10-17`), if given.
    pub version: Option<String>,
    /// The statements.
    pub statements: Vec<Statement>,
}

/// Why a document is not a policy; the message is what IAM's `MalformedPolicyDocument` says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);

fn malformed(message: impl Into<String>) -> PolicyError {
    PolicyError(message.into())
}

impl Policy {
    /// Parses policy text.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let value: Value =
            serde_json::from_str(text).map_err(|_| malformed("Syntax errors in policy."))?;
        Self::from_value(&value)
    }

    /// Parses a policy already read as JSON.
    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        let object = value
            .as_object()
            .ok_or_else(|| malformed("Syntax errors in policy."))?;
        let version = match object.get("Version") {
            None => None,
            Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => Some(v.clone()),
            Some(_) => return Err(malformed("The policy failed legacy parsing")),
        };
        let statements = match object.get("Statement") {
            Some(Value::Array(items)) => items.iter().map(statement).collect::<Result<_, _>>()?,
            Some(one @ Value::Object(_)) => vec![statement(one)?],
            Some(_) => return Err(malformed("Syntax errors in policy.")),
            None => return Err(malformed("Missing required field Statement")),
        };
        Ok(Self {
            version,
            statements,
        })
    }

    /// Refuses what an identity-based policy (or boundary, session policy, SCP) may not hold.
    pub fn check_identity(&self) -> Result<(), PolicyError> {
        for statement in &self.statements {
            if statement.principal.is_some() {
                return Err(malformed("Policy document should not specify a principal."));
            }
            if statement.action.is_none() {
                return Err(malformed("Policy statement must contain actions."));
            }
            if statement.resource.is_none() {
                return Err(malformed("Policy statement must contain resources."));
            }
        }
        Ok(())
    }

    /// Refuses what a resource-based policy (bucket, topic, trust) may not hold.
    pub fn check_resource(&self) -> Result<(), PolicyError> {
        for statement in &self.statements {
            if statement.principal.is_none() {
                return Err(malformed("Missing required field Principal"));
            }
            if statement.action.is_none() {
                return Err(malformed("Missing required field Action"));
            }
        }
        Ok(())
    }
}

fn statement(value: &Value) -> Result<Statement, PolicyError> {
    let object = value
        .as_object()
        .ok_or_else(|| malformed("Syntax errors in policy."))?;
    for key in object.keys() {
        if !matches!(
            key.as_str(),
            "Sid"
                | "Effect"
                | "Principal"
                | "NotPrincipal"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Condition"
        ) {
            return Err(malformed(format!("Statement has an unknown field {key}")));
        }
    }
    let effect = match object.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => return Err(malformed(format!("Invalid effect: {other}"))),
        None => return Err(malformed("Missing required field Effect")),
    };
    let sid = match object.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(malformed("Syntax errors in policy.")),
    };
    Ok(Statement {
        sid,
        effect,
        principal: either(object, "Principal", "NotPrincipal", principals)?,
        action: either(object, "Action", "NotAction", patterns)?,
        resource: either(object, "Resource", "NotResource", patterns)?,
        conditions: match object.get("Condition") {
            None => Vec::new(),
            Some(block) => crate::condition::parse_block(block).map_err(malformed)?,
        },
    })
}

/// The element or its `Not…` twin (not both).
fn either<T>(
    object: &Map<String, Value>,
    name: &str,
    not_name: &str,
    parse: fn(&Value, bool) -> Result<T, PolicyError>,
) -> Result<Option<T>, PolicyError> {
    match (object.get(name), object.get(not_name)) {
        (Some(_), Some(_)) => Err(malformed(format!(
            "Statement cannot have both {name} and {not_name}"
        ))),
        (Some(value), None) => parse(value, false).map(Some),
        (None, Some(value)) => parse(value, true).map(Some),
        (None, None) => Ok(None),
    }
}

fn strings(value: &Value) -> Result<Vec<String>, PolicyError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| malformed("Syntax errors in policy."))
            })
            .collect(),
        _ => Err(malformed("Syntax errors in policy.")),
    }
}

fn patterns(value: &Value, negated: bool) -> Result<Patterns, PolicyError> {
    Ok(Patterns {
        negated,
        values: strings(value)?,
    })
}

fn principals(value: &Value, negated: bool) -> Result<Principals, PolicyError> {
    let mut out = Principals {
        negated,
        ..Principals::default()
    };
    match value {
        Value::String(s) if s == "*" => out.anyone = true,
        Value::Object(map) => {
            for (kind, ids) in map {
                let ids = strings(ids)?;
                match kind.as_str() {
                    "AWS" => {
                        out.anyone |= ids.iter().any(|id| id == "*");
                        out.aws = ids;
                    }
                    "Service" => out.service = ids,
                    "Federated" => out.federated = ids,
                    "CanonicalUser" => out.canonical_user = ids,
                    other => return Err(malformed(format!("Invalid principal type {other}"))),
                }
            }
        }
        _ => return Err(malformed("Invalid principal in policy")),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_parse_in_both_forms() {
        let one =
            Policy::parse(r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#)
                .unwrap();
        assert_eq!(one.statements.len(), 1);
        let list = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:s3:::x"}]}"#,
        )
        .unwrap();
        let s = &list.statements[0];
        assert_eq!((s.effect, s.sid.as_deref()), (Effect::Deny, Some("a")));
        assert!(s.action.as_ref().unwrap().negated && s.resource.as_ref().unwrap().negated);
    }

    #[test]
    fn malformed_documents_are_refused() {
        for (text, message) in [
            ("nope", "Syntax errors in policy."),
            ("{}", "Missing required field Statement"),
            (
                r#"{"Statement":[{"Action":"*"}]}"#,
                "Missing required field Effect",
            ),
            (
                r#"{"Statement":[{"Effect":"Maybe"}]}"#,
                "Invalid effect: Maybe",
            ),
            (
                r#"{"Version":"2020","Statement":[]}"#,
                "The policy failed legacy parsing",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"x"}]}"#,
                "Statement cannot have both Action and NotAction",
            ),
        ] {
            assert_eq!(Policy::parse(text).unwrap_err().0, message, "{text}");
        }
    }

    #[test]
    fn identity_and_resource_policies_need_their_elements() {
        let with_principal = Policy::parse(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#,
        )
        .unwrap();
        assert!(with_principal.check_identity().is_err());
        assert!(with_principal.check_resource().is_ok());
        let identity =
            Policy::parse(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#)
                .unwrap();
        assert!(identity.check_identity().is_ok());
        assert_eq!(
            identity.check_resource().unwrap_err().0,
            "Missing required field Principal"
        );
    }
}
