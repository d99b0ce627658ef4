//! The HTTP face of S3: hands an already authenticated request to s3s (whose own signature
//! checking stays off) and returns its answer with `x-amz-request-id`.
//!
//! The server verifies SigV4 before calling [`S3Endpoint::handle`]; this module removes the
//! credentials from the request so s3s treats it as already trusted, and passes the verified
//! caller along in the request's extensions.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, Uri};
use s3s::service::{S3Service, S3ServiceBuilder};
use trailroom_audit::Clock;
use trailroom_store::Store;

use crate::blobs::BlobStore;
use crate::calls::{Recorder, RequestInfo};
use crate::service::{Handled, S3Backend};
use crate::unhandled;

/// Query parameters that carry presigned credentials; s3s must not see them.
const PRESIGN_PARAMS: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];

/// The S3 service of this endpoint.
#[derive(Clone)]
pub struct S3Endpoint {
    service: S3Service,
    recorder: Recorder,
    store: Arc<dyn Store>,
    /// Domains whose subdomains name buckets (virtual-hosted style).
    base_domains: Vec<String>,
    /// The backend itself, for S3 Control (not an s3s service).
    backend: S3Backend,
}

impl S3Endpoint {
    /// Removes every object's bytes: for a reset that has already removed their records.
    pub async fn clear_objects(&self) -> std::io::Result<()> {
        self.backend.blobs.clear().await
    }

    /// Where object bytes are kept.
    pub fn blobs(&self) -> &BlobStore {
        &self.backend.blobs
    }

    /// An endpoint over `store`, keeping object bytes in `blobs`.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        blobs: BlobStore,
        recording: bool,
        authorization: bool,
    ) -> std::io::Result<Self> {
        let backend = S3Backend::new(store.clone(), clock, blobs, recording, authorization)?;
        let recorder = backend.recorder.clone();
        Ok(Self {
            backend: backend.clone(),
            service: S3ServiceBuilder::new(backend).build(),
            recorder,
            store,
            base_domains: vec!["localhost".to_owned()],
        })
    }

    /// Sets the domains under which `BUCKET.<domain>` and `BUCKET.s3.<domain>` name buckets.
    pub fn with_base_domains(mut self, domains: Vec<String>) -> Self {
        self.base_domains = domains;
        self
    }

    /// Serves one authenticated request (body already read and, if it was aws-chunked, decoded).
    pub async fn handle(&self, request: Request<Bytes>, info: RequestInfo) -> Response<Bytes> {
        let request_id = info.request_id.clone();
        let (mut parts, body) = request.into_parts();
        if crate::control::is_control(parts.uri.path()) {
            let account = parts
                .headers
                .get("x-amz-account-id")
                .and_then(|v| v.to_str().ok());
            return self
                .backend
                .control(&parts.method, parts.uri.path(), account, body, &info)
                .await;
        }
        // Virtual-hosted style: served as the path-style request it stands for.
        match crate::virtual_host::bucket_of_host(&info.host, &self.base_domains).and_then(
            |bucket| {
                bucket
                    .map(|b| crate::virtual_host::path_style(&parts.uri, &b))
                    .transpose()
            },
        ) {
            Ok(Some(uri)) => parts.uri = uri,
            Ok(None) => {}
            Err(err) => {
                return error_response(err.code(), err.status(), err.message(), &request_id);
            }
        }
        if let Some(expected) = self.other_bucket_region(&parts, &info) {
            return region_error(info.presigned, &info.region, &expected, &request_id);
        }
        parts.headers.remove(http::header::AUTHORIZATION);
        parts.uri = without_presign_params(&parts.uri);
        let guess = unhandled::guess(
            &parts.method,
            parts.uri.path(),
            parts.uri.query().unwrap_or_default(),
            parts.headers.contains_key("x-amz-copy-source"),
        );
        let handled = Handled::default();
        parts.extensions.insert(info.clone());
        parts.extensions.insert(handled.clone());
        let response = if guess.allowed {
            let request = Request::from_parts(parts, s3s::Body::from(body));
            self.call(request, &request_id).await
        } else {
            error_response(
                "MethodNotAllowed",
                StatusCode::METHOD_NOT_ALLOWED,
                "The specified method is not allowed against this resource.",
                &request_id,
            )
        };
        if !handled.0.load(Ordering::SeqCst) {
            // No handler took the call (unimplemented, or refused while parsing): record it here.
            let (status, body) = (response.status(), response.body());
            let recorded = unhandled::record(&self.recorder, &info, guess, status, body).await;
            if let Err(err) = recorded {
                return error_response(err.code(), err.status(), err.message(), &request_id);
            }
        }
        with_request_id(response, &request_id)
    }

    /// The region of the bucket a request names, when the request was signed for another: S3
    /// refuses such a request (SDKs then retry with the region it names). CreateBucket names a
    /// bucket that need not exist and is left to its own rules.
    fn other_bucket_region(
        &self,
        parts: &http::request::Parts,
        info: &RequestInfo,
    ) -> Option<String> {
        let bucket = parts.uri.path().trim_start_matches('/').split('/').next()?;
        let create = parts.method == http::Method::PUT
            && parts.uri.query().is_none_or(str::is_empty)
            && parts.uri.path().trim_matches('/') == bucket;
        if bucket.is_empty() || create {
            return None;
        }
        let found = trailroom_store::read(self.store.as_ref(), |txn| {
            crate::service::find_bucket(txn, bucket)
        })
        .ok()?
        .ok()??;
        (found.record.region != info.region).then_some(found.record.region)
    }

    async fn call(&self, request: Request<s3s::Body>, request_id: &str) -> Response<Bytes> {
        match self.service.call(request).await {
            Ok(response) => collect(response).await,
            Err(err) => {
                tracing::error!(?err, "s3 service failed");
                error_response(
                    "InternalError",
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "We encountered an internal error. Please try again.",
                    request_id,
                )
            }
        }
    }
}

async fn collect(response: Response<s3s::Body>) -> Response<Bytes> {
    let (parts, mut body) = response.into_parts();
    let bytes = body
        .store_all_limited(usize::MAX)
        .await
        .unwrap_or_else(|err| {
            tracing::error!(%err, "cannot read s3 response body");
            Bytes::new()
        });
    let mut response = Response::from_parts(parts, bytes);
    // A 304 carries no body.
    if response.status() == StatusCode::NOT_MODIFIED {
        *response.body_mut() = Bytes::new();
        response.headers_mut().remove(http::header::CONTENT_TYPE);
    }
    response
}

fn with_request_id(mut response: Response<Bytes>, request_id: &str) -> Response<Bytes> {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response
            .headers_mut()
            .insert("x-amz-request-id", value.clone());
        response.headers_mut().insert("x-amz-id-2", value);
    }
    response
}

/// The URI without the presigned-credential query parameters (others kept as sent).
fn without_presign_params(uri: &Uri) -> Uri {
    let Some(query) = uri.query() else {
        return uri.clone();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            !PRESIGN_PARAMS.contains(&name)
        })
        .collect();
    let path_and_query = if kept.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{}", uri.path(), kept.join("&"))
    };
    path_and_query.parse().unwrap_or_else(|_| uri.clone())
}

/// An S3 error document (`<Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId></Error>`)
/// for failures found before s3s runs (authentication, body size).
pub fn error_response(
    code: &str,
    status: StatusCode,
    message: &str,
    request_id: &str,
) -> Response<Bytes> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message>\
         <RequestId>{}</RequestId></Error>",
        escape(code),
        escape(message),
        escape(request_id)
    );
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    with_request_id(response, request_id)
}

/// S3's answer to a request signed for another region than `expected` (the bucket's, or
/// [`crate::DEFAULT_REGION`] for a region that does not exist): the region to use is in the body
/// and in `x-amz-bucket-region`, where SDKs look for it.
pub fn region_error(
    presigned: bool,
    signed_region: &str,
    expected: &str,
    request_id: &str,
) -> Response<Bytes> {
    let (code, message) = match presigned {
        true => (
            "AuthorizationQueryParametersError",
            format!(
                "Error parsing the X-Amz-Credential parameter; the region '{signed_region}' is \
                 wrong; expecting '{expected}'"
            ),
        ),
        false => (
            "AuthorizationHeaderMalformed",
            format!(
                "The authorization header is malformed; the region '{signed_region}' is wrong; \
                 expecting '{expected}'"
            ),
        ),
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message>\
         <Region>{}</Region><RequestId>{}</RequestId></Error>",
        escape(&message),
        escape(expected),
        escape(request_id)
    );
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = StatusCode::BAD_REQUEST;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    if let Ok(region) = HeaderValue::from_str(expected) {
        headers.insert("x-amz-bucket-region", region);
    }
    with_request_id(response, request_id)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presign_params_are_removed() {
        let uri: Uri = "/b/k?X-Amz-Algorithm=A&versionId=1&X-Amz-Signature=s"
            .parse()
            .unwrap();
        assert_eq!(without_presign_params(&uri).to_string(), "/b/k?versionId=1");
        let uri: Uri = "/b?X-Amz-Credential=x".parse().unwrap();
        assert_eq!(without_presign_params(&uri).to_string(), "/b");
    }

    #[test]
    fn error_document() {
        let r = error_response("SignatureDoesNotMatch", StatusCode::FORBIDDEN, "a<b", "r1");
        let body = std::str::from_utf8(r.body()).unwrap();
        assert!(body.contains(
            "<Code>SignatureDoesNotMatch</Code><Message>a&lt;b</Message><RequestId>r1</RequestId>"
        ));
        assert_eq!(r.headers()["x-amz-request-id"], "r1");
    }
}
