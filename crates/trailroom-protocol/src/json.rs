//! AWS JSON 1.1: how A4B and CloudTrail requests are routed and how their answers look.
//!
//! Requests are `POST /` with `Content-Type: application/x-amz-json-1.1` and
//! `X-Amz-Target: <TargetPrefix>.<Operation>`. Errors are the status, an `X-Amzn-ErrorType` header
//! and a body `{"__type": "<Code>", "message": "<text>"}`; SDKs read the header first, then the
//! body, so both always agree.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

use crate::ApiError;

/// The content type of JSON 1.1 requests and responses.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// A parsed `X-Amz-Target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// Everything before the last dot, e.g. `AlexaForBusiness`.
    pub prefix: &'a str,
    /// The operation name, e.g. `CreateRoom`.
    pub operation: &'a str,
}

impl<'a> Target<'a> {
    /// Splits `prefix.Operation` at its last dot.
    pub fn parse(target: &'a str) -> Option<Self> {
        let (prefix, operation) = target.rsplit_once('.')?;
        if prefix.is_empty() || operation.is_empty() {
            return None;
        }
        Some(Self { prefix, operation })
    }

    /// Whether the prefix names a service whose full prefix is `full`. Accepts both the full form
    /// (botocore: `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101`) and its last segment
    /// (the Rust SDK: `CloudTrail_20131101`).
    pub fn prefix_matches(&self, full: &str) -> bool {
        self.prefix == full || full.rsplit('.').next() == Some(self.prefix)
    }
}

/// A successful JSON 1.1 response with `body`.
pub fn success(body: Vec<u8>) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// The JSON 1.1 error response for `err`.
pub fn error(err: &ApiError) -> Response<Bytes> {
    let body = serde_json::json!({ "__type": err.code(), "message": err.message() });
    let mut response = Response::new(Bytes::from(body.to_string()));
    *response.status_mut() = err.status();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(code) = HeaderValue::from_str(err.code()) {
        headers.insert("x-amzn-errortype", code);
    }
    response
}

/// The status a JSON 1.1 error uses when the model says nothing: 400.
pub const DEFAULT_ERROR_STATUS: StatusCode = StatusCode::BAD_REQUEST;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split_at_last_dot() {
        let t =
            Target::parse("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents")
                .unwrap();
        assert_eq!(t.operation, "LookupEvents");
        assert!(t.prefix_matches("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"));
        let short = Target::parse("CloudTrail_20131101.LookupEvents").unwrap();
        assert!(short.prefix_matches("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"));
        assert!(!short.prefix_matches("AlexaForBusiness"));
        assert_eq!(Target::parse("NoDot"), None);
        assert_eq!(Target::parse("Trailing."), None);
    }

    #[test]
    fn errors_carry_header_and_type() {
        let response = error(&ApiError::client("NotFoundException", "room not found"));
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()["x-amzn-errortype"], "NotFoundException");
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(body["__type"], "NotFoundException");
        assert_eq!(body["message"], "room not found");
    }
}
