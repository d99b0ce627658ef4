//! What an SNS handler returns (the XML inside `<ActionResult>` and its audit rendering), SNS's
//! error codes, and reading the Query protocol's list and map parameters.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use trailroom_model::{Audit, HIDDEN};
use trailroom_protocol::query::{QueryParams, XmlWriter, lower_first};
use trailroom_protocol::{ApiError, StatusCode};

/// An SNS operation's result.
#[derive(Debug, Clone)]
pub struct SnsOutput {
    /// XML inside `<ActionResult>`.
    pub result_xml: String,
    /// `responseElements` for the audit record.
    pub audit: Value,
}

impl SnsOutput {
    /// A result written by `write`, with `audit` as its `responseElements`.
    pub fn new(audit: Value, write: impl FnOnce(&mut XmlWriter)) -> Self {
        let mut xml = XmlWriter::new();
        write(&mut xml);
        Self {
            result_xml: xml.finish(),
            audit,
        }
    }
}

impl Audit for SnsOutput {
    fn to_audit_json(&self) -> Value {
        self.audit.clone()
    }
}

/// `InvalidParameter` (400) with SNS's `Invalid parameter: …` wording.
pub fn invalid_parameter(what: &str) -> ApiError {
    ApiError::client("InvalidParameter", format!("Invalid parameter: {what}"))
}

/// `NotFound` (404).
pub fn not_found(message: &str) -> ApiError {
    ApiError::new("NotFound", StatusCode::NOT_FOUND, message)
}

/// `AuthorizationError` (403).
pub fn authorization_error(message: String) -> ApiError {
    ApiError::new("AuthorizationError", StatusCode::FORBIDDEN, message)
}

/// A required parameter, with SNS's `InvalidParameter` when missing or empty.
pub fn required<'a>(params: &'a QueryParams, name: &str) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid_parameter(name))
}

/// A Query map: `<Name>.entry.<n>.key` / `.value` pairs.
pub fn entries(params: &QueryParams, name: &str) -> BTreeMap<String, String> {
    let prefix = format!("{name}.entry.");
    let mut keys = BTreeMap::new();
    let mut values = BTreeMap::new();
    for (k, v) in params.iter() {
        let Some(rest) = k.strip_prefix(&prefix) else {
            continue;
        };
        match rest.split_once('.') {
            Some((n, "key")) => {
                keys.insert(n.to_owned(), v.to_owned());
            }
            Some((n, "value")) => {
                values.insert(n.to_owned(), v.to_owned());
            }
            _ => {}
        }
    }
    keys.into_iter()
        .map(|(n, k)| (k, values.remove(&n).unwrap_or_default()))
        .collect()
}

/// A Query list of structures: `<Name>.member.<n>.<Field>`, in member order.
pub fn members(params: &QueryParams, name: &str) -> Vec<BTreeMap<String, String>> {
    let prefix = format!("{name}.member.");
    let mut by_index: BTreeMap<u32, BTreeMap<String, String>> = BTreeMap::new();
    for (k, v) in params.iter() {
        let Some((n, field)) = k.strip_prefix(&prefix).and_then(|r| r.split_once('.')) else {
            continue;
        };
        if let Ok(n) = n.parse::<u32>() {
            by_index
                .entry(n)
                .or_default()
                .insert(field.to_owned(), v.to_owned());
        }
    }
    by_index.into_values().collect()
}

/// `requestParameters` of an SNS call: lowerCamel members, maps and lists regrouped, secrets
/// (`Token`, message bodies) hidden.
pub fn request_parameters(params: &QueryParams) -> Value {
    let mut out = Map::new();
    for (k, v) in params.iter() {
        if matches!(k, "Action" | "Version") || k.contains('.') {
            continue;
        }
        let value = match k {
            "Token" | "Message" | "Subject" => Value::String(HIDDEN.into()),
            _ => Value::String(v.to_owned()),
        };
        out.insert(lower_first(k), value);
    }
    let attributes = entries(params, "Attributes");
    if !attributes.is_empty() {
        out.insert(
            "attributes".into(),
            serde_json::to_value(attributes).unwrap_or_default(),
        );
    }
    let tags: Vec<Value> = members(params, "Tags")
        .into_iter()
        .map(|t| serde_json::json!({"key": t.get("Key"), "value": t.get("Value")}))
        .collect();
    if !tags.is_empty() {
        out.insert("tags".into(), Value::Array(tags));
    }
    let tag_keys: Vec<Value> = params
        .iter()
        .filter(|(k, _)| k.starts_with("TagKeys.member."))
        .map(|(_, v)| Value::String(v.to_owned()))
        .collect();
    if !tag_keys.is_empty() {
        out.insert("tagKeys".into(), Value::Array(tag_keys));
    }
    Value::Object(out)
}

/// Writes `<Attributes><entry><key>…</key><value>…</value></entry>…</Attributes>`.
pub fn write_attributes(x: &mut XmlWriter, attributes: &BTreeMap<String, String>) {
    x.nest("Attributes", |a| {
        for (k, v) in attributes {
            a.nest("entry", |e| {
                e.element("key", k).element("value", v);
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_lists_and_audit() {
        let params = QueryParams::parse(
            b"Action=CreateTopic&Name=t&Attributes.entry.1.key=DisplayName&Attributes.entry.1.value=Hi\
              &Attributes.entry.2.key=Policy&Attributes.entry.2.value=%7B%7D&Tags.member.1.Key=env&Tags.member.1.Value=dev",
        )
        .unwrap();
        let attrs = entries(&params, "Attributes");
        assert_eq!(attrs.get("DisplayName").map(String::as_str), Some("Hi"));
        assert_eq!(attrs.get("Policy").map(String::as_str), Some("{}"));
        assert_eq!(
            members(&params, "Tags")[0].get("Key").map(String::as_str),
            Some("env")
        );
        let audit = request_parameters(&params);
        assert_eq!(audit["name"], "t");
        assert_eq!(audit["attributes"]["DisplayName"], "Hi");
        assert_eq!(audit["tags"][0]["key"], "env");
        let publish = QueryParams::parse(b"Action=Publish&TopicArn=a&Message=secret").unwrap();
        assert_eq!(request_parameters(&publish)["message"], HIDDEN);
    }
}
