//! Serde types for the botocore service-model JSON (`service-2.json`) that trailroom vendors.
//!
//! Only what the generator needs is modelled, but every shape, member and operation type denies
//! unknown fields: a model update that brings a trait we do not handle (`union`, `jsonvalue`,
//! `streaming`, a `location`) must stop the generator rather than be silently ignored.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};

/// A whole botocore model file.
#[derive(Debug, Deserialize)]
pub struct Model {
    /// Service-wide facts: protocol, target prefix, signing name.
    pub metadata: Metadata,
    /// Operations by name.
    pub operations: BTreeMap<String, Operation>,
    /// Shapes by name.
    pub shapes: BTreeMap<String, Shape>,
}

/// The `metadata` block.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// API version, e.g. `2017-11-09`.
    pub api_version: String,
    /// Endpoint prefix, e.g. `a4b`; the signing name when `signingName` is absent.
    pub endpoint_prefix: String,
    /// Wire protocol; the generator supports `json` only.
    pub protocol: String,
    /// JSON protocol version, `1.0` or `1.1`.
    pub json_version: Option<String>,
    /// Human-readable service name.
    pub service_full_name: String,
    /// `X-Amz-Target` prefix.
    pub target_prefix: Option<String>,
    /// SigV4 signing name, when it differs from the endpoint prefix.
    pub signing_name: Option<String>,
}

/// One operation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Operation {
    /// Operation name, e.g. `CreateRoom`.
    pub name: String,
    /// HTTP binding; always `POST /` for the JSON protocol.
    pub http: Http,
    /// Input structure, if any.
    pub input: Option<ShapeRef>,
    /// Output structure, if any.
    pub output: Option<ShapeRef>,
    /// Modelled error structures.
    #[serde(default)]
    pub errors: Vec<ShapeRef>,
    /// Whether the operation is deprecated.
    #[serde(default)]
    pub deprecated: bool,
    /// Deprecation note.
    pub deprecated_message: Option<String>,
    /// Whether retries are safe (informational).
    #[serde(default)]
    pub idempotent: bool,
    /// HTML documentation (unused).
    pub documentation: Option<String>,
}

/// HTTP binding of an operation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Http {
    /// HTTP method.
    pub method: String,
    /// Request URI.
    pub request_uri: String,
}

/// A reference to a shape from an operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShapeRef {
    /// Target shape name.
    pub shape: String,
    /// HTML documentation (unused).
    pub documentation: Option<String>,
}

/// A shape, tagged by its botocore `type`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Shape {
    /// A structure: named members.
    Structure(StructureShape),
    /// A string (enums are strings with `enum`).
    String(ScalarShape),
    /// A 32-bit integer.
    Integer(ScalarShape),
    /// A 64-bit integer.
    Long(ScalarShape),
    /// A boolean.
    Boolean(ScalarShape),
    /// A double.
    Double(ScalarShape),
    /// A float.
    Float(ScalarShape),
    /// A timestamp (epoch seconds in the JSON protocol).
    Timestamp(ScalarShape),
    /// A blob (base64 string in JSON).
    Blob(ScalarShape),
    /// A list.
    List(ListShape),
    /// A map with string keys.
    Map(MapShape),
}

impl Shape {
    /// The `sensitive` trait of the shape itself.
    pub fn sensitive(&self) -> bool {
        match self {
            Shape::Structure(s) => s.sensitive,
            Shape::List(l) => l.sensitive,
            Shape::Map(m) => m.sensitive,
            Shape::String(s)
            | Shape::Integer(s)
            | Shape::Long(s)
            | Shape::Boolean(s)
            | Shape::Double(s)
            | Shape::Float(s)
            | Shape::Timestamp(s)
            | Shape::Blob(s) => s.sensitive,
        }
    }
}

/// A structure shape.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StructureShape {
    /// Names of required members.
    #[serde(default)]
    pub required: Vec<String>,
    /// Members in model order.
    pub members: Members,
    /// Whether this structure is an error.
    #[serde(default)]
    pub exception: bool,
    /// Whether the error is a server fault.
    #[serde(default)]
    pub fault: bool,
    /// Error details (HTTP status, code).
    pub error: Option<ErrorTrait>,
    /// Whether the whole structure is sensitive.
    #[serde(default)]
    pub sensitive: bool,
    /// Whether the structure is deprecated.
    #[serde(default)]
    pub deprecated: bool,
    /// Deprecation note.
    pub deprecated_message: Option<String>,
    /// HTML documentation (unused).
    pub documentation: Option<String>,
}

/// The `error` trait of an exception structure.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ErrorTrait {
    /// HTTP status code of the error.
    pub http_status_code: Option<u16>,
    /// Error code on the wire, when it differs from the shape name.
    pub code: Option<String>,
    /// Whether the caller is at fault.
    #[serde(default)]
    pub sender_fault: bool,
}

/// A member of a structure.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Member {
    /// Target shape name.
    pub shape: String,
    /// Member-level `sensitive` trait.
    #[serde(default)]
    pub sensitive: bool,
    /// SDKs fill this member with a fresh token when the caller omits it.
    #[serde(default)]
    pub idempotency_token: bool,
    /// Whether the member is deprecated.
    #[serde(default)]
    pub deprecated: bool,
    /// Deprecation note.
    pub deprecated_message: Option<String>,
    /// HTML documentation (unused).
    pub documentation: Option<String>,
}

/// Structure members in model order.
#[derive(Debug, Default)]
pub struct Members(pub Vec<(String, Member)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(MembersVisitor)
    }
}

/// Reads a JSON object into `(name, member)` pairs, keeping the order of the file.
struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Members;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of structure members")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
        let mut members = Vec::new();
        while let Some((name, member)) = map.next_entry::<String, Member>()? {
            members.push((name, member));
        }
        Ok(Members(members))
    }
}

/// A scalar shape and its constraints.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScalarShape {
    /// Minimum length (strings, blobs) or value (numbers).
    pub min: Option<f64>,
    /// Maximum length (strings, blobs) or value (numbers).
    pub max: Option<f64>,
    /// Java regular expression the whole string must match.
    pub pattern: Option<String>,
    /// Allowed values of an enum string.
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<String>>,
    /// Timestamp wire format; only the JSON default (epoch seconds) is supported.
    pub timestamp_format: Option<String>,
    /// Whether values are secrets.
    #[serde(default)]
    pub sensitive: bool,
    /// Nullable primitive marker (no effect: every member is optional here).
    #[serde(default, rename = "box")]
    pub boxed: bool,
    /// Whether the shape is deprecated.
    #[serde(default)]
    pub deprecated: bool,
    /// Deprecation note.
    pub deprecated_message: Option<String>,
    /// HTML documentation (unused).
    pub documentation: Option<String>,
}

/// A list shape.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListShape {
    /// Element shape.
    pub member: ShapeRef,
    /// Minimum number of elements.
    pub min: Option<f64>,
    /// Maximum number of elements.
    pub max: Option<f64>,
    /// Whether the whole list is sensitive.
    #[serde(default)]
    pub sensitive: bool,
    /// HTML documentation (unused).
    pub documentation: Option<String>,
}

/// A map shape.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MapShape {
    /// Key shape (a string).
    pub key: ShapeRef,
    /// Value shape.
    pub value: ShapeRef,
    /// Minimum number of entries.
    pub min: Option<f64>,
    /// Maximum number of entries.
    pub max: Option<f64>,
    /// Whether the whole map is sensitive.
    #[serde(default)]
    pub sensitive: bool,
    /// HTML documentation (unused).
    pub documentation: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_keep_model_order() {
        let json = r#"{"type":"structure","required":["B"],"members":{
            "Zed":{"shape":"S"},"Alpha":{"shape":"S","sensitive":true}}}"#;
        let Shape::Structure(s) = serde_json::from_str::<Shape>(json).unwrap() else {
            panic!("not a structure")
        };
        let names: Vec<_> = s.members.0.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Zed", "Alpha"]);
        assert!(s.members.0[1].1.sensitive);
    }

    #[test]
    fn unknown_traits_are_rejected() {
        let json = r#"{"type":"structure","union":true,"members":{}}"#;
        assert!(serde_json::from_str::<Shape>(json).is_err());
    }
}
