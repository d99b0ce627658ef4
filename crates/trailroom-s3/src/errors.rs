//! S3's error codes as [`ApiError`]s (what handlers and the audit record use), and their one
//! conversion to s3s's [`S3Error`] (what goes on the wire as `<Error><Code>…`).

use s3s::{S3Error, S3ErrorCode};
use trailroom_protocol::{ApiError, StatusCode};

fn error(code: &'static str, status: StatusCode, message: impl Into<String>) -> ApiError {
    ApiError::new(code, status, message)
}

/// `NoSuchBucket` (404).
pub fn no_such_bucket() -> ApiError {
    error(
        "NoSuchBucket",
        StatusCode::NOT_FOUND,
        "The specified bucket does not exist",
    )
}

/// `NoSuchKey` (404).
pub fn no_such_key() -> ApiError {
    error(
        "NoSuchKey",
        StatusCode::NOT_FOUND,
        "The specified key does not exist.",
    )
}

/// `AccessDenied` (403).
pub fn access_denied() -> ApiError {
    error("AccessDenied", StatusCode::FORBIDDEN, "Access Denied")
}

/// `BucketAlreadyExists` (409): the name belongs to another account.
pub fn bucket_already_exists() -> ApiError {
    error(
        "BucketAlreadyExists",
        StatusCode::CONFLICT,
        "The requested bucket name is not available. The bucket namespace is shared by all users \
         of the system. Please select a different name and try again.",
    )
}

/// `BucketAlreadyOwnedByYou` (409).
pub fn bucket_already_owned_by_you() -> ApiError {
    error(
        "BucketAlreadyOwnedByYou",
        StatusCode::CONFLICT,
        "Your previous request to create the named bucket succeeded and you already own it.",
    )
}

/// `BucketNotEmpty` (409).
pub fn bucket_not_empty() -> ApiError {
    error(
        "BucketNotEmpty",
        StatusCode::CONFLICT,
        "The bucket you tried to delete is not empty",
    )
}

/// `InvalidBucketName` (400).
pub fn invalid_bucket_name() -> ApiError {
    error(
        "InvalidBucketName",
        StatusCode::BAD_REQUEST,
        "The specified bucket is not valid.",
    )
}

/// `NoSuchBucketPolicy` (404).
pub fn no_such_bucket_policy() -> ApiError {
    error(
        "NoSuchBucketPolicy",
        StatusCode::NOT_FOUND,
        "The bucket policy does not exist",
    )
}

/// `MalformedPolicy` (400).
pub fn malformed_policy(message: impl Into<String>) -> ApiError {
    error("MalformedPolicy", StatusCode::BAD_REQUEST, message)
}

/// `MalformedXML` (400): a configuration document S3 cannot use.
pub fn malformed_xml() -> ApiError {
    error(
        "MalformedXML",
        StatusCode::BAD_REQUEST,
        "The XML you provided was not well-formed or did not validate against our published schema",
    )
}

/// `InvalidArgument` (400).
pub fn invalid_argument(message: impl Into<String>) -> ApiError {
    error("InvalidArgument", StatusCode::BAD_REQUEST, message)
}

/// `InvalidRange` (416).
pub fn invalid_range() -> ApiError {
    error(
        "InvalidRange",
        StatusCode::RANGE_NOT_SATISFIABLE,
        "The requested range is not satisfiable",
    )
}

/// `BadDigest` (400): the body does not match its `Content-MD5`.
pub fn bad_digest() -> ApiError {
    error(
        "BadDigest",
        StatusCode::BAD_REQUEST,
        "The Content-MD5 you specified did not match what we received.",
    )
}

/// `InvalidDigest` (400): `Content-MD5` is not a base64 MD5.
pub fn invalid_digest() -> ApiError {
    error(
        "InvalidDigest",
        StatusCode::BAD_REQUEST,
        "The Content-MD5 you specified was invalid.",
    )
}

/// `PreconditionFailed` (412).
pub fn precondition_failed() -> ApiError {
    error(
        "PreconditionFailed",
        StatusCode::PRECONDITION_FAILED,
        "At least one of the pre-conditions you specified did not hold",
    )
}

/// A failure to write object bytes: `ServiceUnavailable` (503) when the disk is full, which
/// passes once space is freed, else [`internal`].
pub fn storage(context: &str, err: std::io::Error) -> ApiError {
    if err.kind() == std::io::ErrorKind::StorageFull
        || err.kind() == std::io::ErrorKind::QuotaExceeded
    {
        tracing::warn!(%err, "{context}");
        return error(
            "ServiceUnavailable",
            StatusCode::SERVICE_UNAVAILABLE,
            "Please reduce your request rate.",
        );
    }
    internal(context, err)
}

/// `AccessDenied` (403) with the reason IAM gives.
pub fn access_denied_because(message: String) -> ApiError {
    error("AccessDenied", StatusCode::FORBIDDEN, message)
}

/// `InternalError` (500), for storage failures; details stay in the log.
pub fn internal(context: &str, err: impl std::fmt::Display) -> ApiError {
    tracing::error!(%err, "{context}");
    error(
        "InternalError",
        StatusCode::INTERNAL_SERVER_ERROR,
        "We encountered an internal error. Please try again.",
    )
}

/// The wire error for `err`, carrying the request id.
pub fn to_s3_error(err: &ApiError, request_id: &str) -> S3Error {
    // The store's unavailability, in S3's words.
    let code = match err.code() {
        "ServiceUnavailableException" => "ServiceUnavailable",
        code => code,
    };
    let code = S3ErrorCode::from_bytes(code.as_bytes())
        .unwrap_or_else(|| S3ErrorCode::Custom(code.to_owned().into()));
    let mut out = S3Error::with_message(code, err.message().to_owned());
    out.set_status_code(err.status());
    out.set_request_id(request_id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_keeps_code_status_and_request_id() {
        let err = to_s3_error(&no_such_bucket(), "req-1");
        assert_eq!(err.code().as_str(), "NoSuchBucket");
        assert_eq!(err.status_code(), Some(StatusCode::NOT_FOUND));
        assert_eq!(err.request_id(), Some("req-1"));
        let custom = to_s3_error(&ApiError::client("SomethingNew", "m"), "r");
        assert_eq!(custom.code().as_str(), "SomethingNew");
        assert_eq!(custom.status_code(), Some(StatusCode::BAD_REQUEST));
    }
}
