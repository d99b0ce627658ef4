//! Recording of authenticated calls that never reached one of our handlers: operations this
//! endpoint does not implement (s3s answers `NotImplemented`) and requests s3s rejects while
//! parsing them. Every authenticated call produces one event, so these are recorded here, under
//! the operation name the request shape implies, with the error the client got.

use http::Method;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};
use trailroom_protocol::{ApiError, StatusCode};

use crate::calls::{ObjectCall, Recorder, RequestInfo};

/// Sub-resources that name an operation (`?tagging` → `GetBucketTagging`).
const SUBRESOURCES: [(&str, &str); 24] = [
    ("accelerate", "AccelerateConfiguration"),
    ("acl", "Acl"),
    ("analytics", "AnalyticsConfiguration"),
    ("attributes", "Attributes"),
    ("cors", "Cors"),
    ("encryption", "Encryption"),
    ("intelligent-tiering", "IntelligentTieringConfiguration"),
    ("inventory", "InventoryConfiguration"),
    ("legal-hold", "LegalHold"),
    ("lifecycle", "LifecycleConfiguration"),
    ("location", "Location"),
    ("logging", "Logging"),
    ("metrics", "MetricsConfiguration"),
    ("notification", "NotificationConfiguration"),
    ("object-lock", "ObjectLockConfiguration"),
    ("ownershipControls", "OwnershipControls"),
    ("policy", "Policy"),
    ("policyStatus", "PolicyStatus"),
    ("publicAccessBlock", "PublicAccessBlock"),
    ("replication", "Replication"),
    ("requestPayment", "RequestPayment"),
    ("retention", "Retention"),
    ("tagging", "Tagging"),
    ("versioning", "Versioning"),
];

/// The operation a request's shape implies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Guess {
    pub name: String,
    pub bucket: Option<String>,
    pub key: Option<String>,
    /// Object-level (a data event) rather than bucket-level (a management event).
    pub data: bool,
    pub read_only: bool,
    /// False for a method S3 does not allow on the resource (POST on an object that names no
    /// POST operation), answered `405 MethodNotAllowed` without reaching a handler.
    pub allowed: bool,
}

fn verb(method: &Method) -> &'static str {
    match *method {
        Method::GET => "Get",
        Method::PUT => "Put",
        Method::DELETE => "Delete",
        Method::HEAD => "Head",
        _ => "Post",
    }
}

pub(crate) fn guess(method: &Method, path: &str, query: &str, copy_source: bool) -> Guess {
    let path = percent_decode_str(path).decode_utf8_lossy();
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let bucket = parts.next().filter(|b| !b.is_empty()).map(str::to_owned);
    let key = parts.next().filter(|k| !k.is_empty()).map(str::to_owned);
    let params: Vec<&str> = query
        .split('&')
        .map(|p| p.split('=').next().unwrap_or_default())
        .collect();
    let has = |name: &str| params.contains(&name);
    let sub = SUBRESOURCES.iter().find(|(q, _)| has(q)).map(|(_, n)| *n);
    let (name, data) = match (&bucket, &key) {
        (None, _) => ("ListBuckets".to_owned(), false),
        (Some(_), None) => bucket_operation(method, sub, &has),
        (Some(_), Some(_)) => (object_operation(method, sub, &has, copy_source), true),
    };
    let object_post = *method == Method::POST && key.is_some() && sub.is_none();
    let allowed = !object_post
        || ["uploads", "uploadId", "restore", "select"]
            .iter()
            .any(|q| has(q));
    Guess {
        name,
        bucket,
        key,
        data,
        read_only: matches!(*method, Method::GET | Method::HEAD),
        allowed,
    }
}

fn bucket_operation(
    method: &Method,
    sub: Option<&str>,
    has: &dyn Fn(&str) -> bool,
) -> (String, bool) {
    if let Some(sub) = sub {
        return (format!("{}Bucket{sub}", verb(method)), false);
    }
    let name = match *method {
        Method::PUT => "CreateBucket",
        Method::DELETE => "DeleteBucket",
        Method::HEAD => "HeadBucket",
        Method::POST if has("delete") => return ("DeleteObjects".into(), true),
        Method::POST => return ("PostObject".into(), true),
        _ if has("uploads") => "ListMultipartUploads",
        _ if has("session") => "CreateSession",
        _ if has("versions") => return ("ListObjectVersions".into(), true),
        _ => return ("ListObjects".into(), true),
    };
    (name.to_owned(), false)
}

fn object_operation(
    method: &Method,
    sub: Option<&str>,
    has: &dyn Fn(&str) -> bool,
    copy_source: bool,
) -> String {
    if has("uploads") {
        return "CreateMultipartUpload".into();
    }
    if has("uploadId") {
        return match *method {
            Method::PUT if copy_source => "UploadPartCopy",
            Method::PUT => "UploadPart",
            Method::POST => "CompleteMultipartUpload",
            Method::DELETE => "AbortMultipartUpload",
            _ => "ListParts",
        }
        .into();
    }
    if has("restore") {
        return "RestoreObject".into();
    }
    if let Some(sub) = sub {
        return format!("{}Object{sub}", verb(method));
    }
    match *method {
        Method::PUT if copy_source => "CopyObject",
        Method::PUT => "PutObject",
        Method::DELETE => "DeleteObject",
        Method::HEAD => "HeadObject",
        Method::POST => "SelectObjectContent",
        _ => "GetObject",
    }
    .into()
}

/// The `<Code>` and `<Message>` of an S3 error document.
fn error_of(status: StatusCode, body: &[u8]) -> ApiError {
    let text = String::from_utf8_lossy(body);
    let field = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].to_owned())
    };
    let code = field("Code").unwrap_or_else(|| status.as_u16().to_string());
    ApiError::new(code, status, field("Message").unwrap_or_default())
}

/// Records the event of a call no handler took.
pub(crate) async fn record(
    recorder: &Recorder,
    info: &RequestInfo,
    guess: Guess,
    status: StatusCode,
    body: &[u8],
) -> Result<(), ApiError> {
    let error =
        (status.is_client_error() || status.is_server_error()).then(|| error_of(status, body));
    let outcome = error.as_ref().map_or(Ok(()), Err);
    let (bucket, read_only) = (guess.bucket.clone().unwrap_or_default(), guess.read_only);
    if guess.data {
        let call = ObjectCall {
            event_name: guess.name,
            read_only,
            bucket,
            key: guess.key,
            bucket_owner: None,
            extra: json!({}),
        };
        return recorder
            .record(recorder.data_row(info, &call, outcome))
            .await;
    }
    let ctx = recorder.management(
        info,
        &guess.name,
        read_only,
        guess.bucket.as_deref(),
        json!({}),
    );
    ctx.finish(outcome.map(|()| Value::Null)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(method: Method, path: &str, query: &str) -> (String, bool) {
        let g = guess(&method, path, query, false);
        (g.name, g.data)
    }

    #[test]
    fn operation_names_follow_the_request_shape() {
        assert_eq!(name(Method::GET, "/", ""), ("ListBuckets".into(), false));
        assert_eq!(
            name(Method::GET, "/b", "versioning"),
            ("GetBucketVersioning".into(), false)
        );
        assert_eq!(
            name(Method::PUT, "/b", "tagging="),
            ("PutBucketTagging".into(), false)
        );
        assert_eq!(
            name(Method::GET, "/b", "list-type=2"),
            ("ListObjects".into(), true)
        );
        assert_eq!(
            name(Method::POST, "/b/k", "uploads"),
            ("CreateMultipartUpload".into(), true)
        );
        assert_eq!(
            name(Method::PUT, "/b/k", "partNumber=1&uploadId=x"),
            ("UploadPart".into(), true)
        );
        assert_eq!(
            name(Method::GET, "/b/a%20b", "tagging"),
            ("GetObjectTagging".into(), true)
        );
        let g = guess(&Method::GET, "/b/a%20b", "", false);
        assert_eq!(
            (g.bucket.as_deref(), g.key.as_deref(), g.read_only),
            (Some("b"), Some("a b"), true)
        );
        assert_eq!(guess(&Method::PUT, "/b/k", "", true).name, "CopyObject");
    }

    #[test]
    fn errors_are_read_from_the_document() {
        let body = b"<?xml version=\"1.0\"?><Error><Code>NotImplemented</Code><Message>nope</Message></Error>";
        let err = error_of(StatusCode::NOT_IMPLEMENTED, body);
        assert_eq!((err.code(), err.message()), ("NotImplemented", "nope"));
        assert_eq!(error_of(StatusCode::NOT_FOUND, b"").code(), "404");
    }
}
