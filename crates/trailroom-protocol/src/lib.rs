//! AWS wire protocols spoken on trailroom's single endpoint.
//!
//! Owns: the [`ApiError`] type and its encodings, AWS JSON 1.1 (`X-Amz-Target` routing, error bodies)
//! and AWS Query (form-encoded `Action=…`, XML responses). Knows nothing about A4B, CloudTrail,
//! identities or storage: services hand it typed values and errors, it hands back bytes.

mod error;
pub mod json;
pub mod query;

pub use error::ApiError;

/// How a request or response renders in a CloudTrail record (`requestParameters`,
/// `responseElements`): lowerCamelCase member names, sensitive values replaced by
/// `HIDDEN_DUE_TO_SECURITY_REASONS`, absent members omitted.
pub trait AuditJson {
    /// The rendering; `Value::Null` when there is nothing to show.
    fn to_audit_json(&self) -> serde_json::Value;
}

impl AuditJson for () {
    fn to_audit_json(&self) -> serde_json::Value {
        serde_json::Value::Null
    }
}

impl AuditJson for serde_json::Value {
    fn to_audit_json(&self) -> serde_json::Value {
        self.clone()
    }
}

/// The placeholder CloudTrail writes in place of a sensitive value.
pub const REDACTED: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";
pub use http::StatusCode;
