//! The S3 path: requests signed for service `s3` (path-style `/<bucket>/<key>`). The signature is
//! verified here with S3's rules (single URI encoding, `x-amz-content-sha256`, presigned URLs,
//! aws-chunked uploads), failures answer S3's XML error codes, and the verified request goes to
//! the s3s-based service in trailroom-s3, which records the call.

use bytes::Bytes;
use http::StatusCode;
use http::request::Parts;
use trailroom_identity::{ResolveError, resolve_access_key};
use trailroom_s3::{RequestInfo, error_response};
use trailroom_sigv4::{Authorization, ErrorKind, SigV4Error, StreamingPayload, UriEncoding};

use crate::front_door::BodyError;
use crate::pipeline::{Incoming, header_text};
use crate::state::AppState;

/// An S3 failure before the service runs.
struct Refusal {
    code: &'static str,
    status: StatusCode,
    message: String,
}

impl Refusal {
    fn new(code: &'static str, status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            code,
            status,
            message: message.into(),
        }
    }

    fn respond(&self, request_id: &str) -> http::Response<Bytes> {
        error_response(self.code, self.status, &self.message, request_id)
    }
}

/// Handles one S3 request.
pub(crate) async fn call(state: &AppState, incoming: Incoming) -> http::Response<Bytes> {
    let (info, body) = match authenticate(state, &incoming) {
        Ok(verified) => verified,
        Err(Refused::Region { presigned, region }) => {
            let expected = trailroom_s3::DEFAULT_REGION;
            return trailroom_s3::region_error(presigned, &region, expected, incoming.request_id());
        }
        Err(Refused::Other(refusal)) => return refusal.respond(incoming.request_id()),
    };
    let Incoming { mut parts, .. } = incoming;
    if StreamingPayload::from_headers(&parts.headers).is_some() {
        describe_decoded_body(&mut parts.headers, body.len());
    }
    let request = http::Request::from_parts(parts, body);
    state.s3.handle(request, info).await
}

/// After aws-chunked decoding the headers must describe the plain body: its length, and the
/// content encoding without `aws-chunked` (S3 does not store it).
fn describe_decoded_body(headers: &mut http::HeaderMap, len: usize) {
    headers.insert(http::header::CONTENT_LENGTH, len.into());
    let encodings: Vec<String> = headers
        .get(http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case("aws-chunked"))
        .map(str::to_owned)
        .collect();
    match http::HeaderValue::from_str(&encodings.join(", ")) {
        Ok(value) if !encodings.is_empty() => {
            headers.insert(http::header::CONTENT_ENCODING, value);
        }
        _ => {
            headers.remove(http::header::CONTENT_ENCODING);
        }
    }
}

/// A request for a bucket or object path not signed for S3 with SigV4. SigV2 (which boto3 still
/// uses for presigned URLs unless told `s3v4`) is refused as S3 refuses it where SigV4 is
/// required; anything else is anonymous, and nothing here is public.
pub(crate) fn unsigned(parts: &Parts, request_id: &str) -> http::Response<Bytes> {
    let query = parts.uri.query().unwrap_or_default();
    let sigv2 = header_text(&parts.headers, "authorization").starts_with("AWS ")
        || query.split('&').any(|p| p.starts_with("AWSAccessKeyId="));
    let refusal = if sigv2 {
        Refusal::new(
            "InvalidRequest",
            StatusCode::BAD_REQUEST,
            "The authorization mechanism you have provided is not supported. Please use \
             AWS4-HMAC-SHA256.",
        )
    } else {
        Refusal::new("AccessDenied", StatusCode::FORBIDDEN, "Access Denied")
    };
    refusal.respond(request_id)
}

/// The body could not be read: S3's answer.
pub(crate) fn body_error(err: BodyError, limit: usize, request_id: &str) -> http::Response<Bytes> {
    let refusal = match err {
        BodyError::TooLarge => Refusal::new(
            "EntityTooLarge",
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Your proposed upload exceeds the maximum allowed size of {limit} bytes"),
        ),
        BodyError::Timeout => Refusal::new(
            "RequestTimeout",
            StatusCode::BAD_REQUEST,
            "Your socket connection to the server was not read from or written to within the \
             timeout period. Idle connections will be closed.",
        ),
        BodyError::Broken => Refusal::new(
            "IncompleteBody",
            StatusCode::BAD_REQUEST,
            "You did not provide the number of bytes specified by the Content-Length HTTP header.",
        ),
    };
    refusal.respond(request_id)
}

/// Why [`authenticate`] refused a request.
enum Refused {
    /// Signed for a region the partition does not have.
    Region { presigned: bool, region: String },
    /// Any other refusal.
    Other(Refusal),
}

impl From<Refusal> for Refused {
    fn from(refusal: Refusal) -> Self {
        Refused::Other(refusal)
    }
}

/// Verifies the signature and resolves the caller; returns the caller and the body to store
/// (decoded when it came aws-chunked).
fn authenticate(state: &AppState, incoming: &Incoming) -> Result<(RequestInfo, Bytes), Refused> {
    let parts = &incoming.parts;
    let signed = incoming.signed();
    let auth = incoming
        .authorization
        .as_ref()
        .map_err(|e| refusal(e, false))?;
    if !trailroom_protocol::regions::is_known(&auth.scope.region) {
        return Err(Refused::Region {
            presigned: auth.is_presigned(),
            region: auth.scope.region.clone(),
        });
    }
    let now_ms = state.clock.now_ms();
    let resolved = trailroom_store::read(state.store.as_ref(), |txn| {
        resolve_access_key(
            txn,
            &auth.access_key_id,
            auth.security_token.as_deref(),
            now_ms,
        )
    })
    .map_err(|_| internal())?
    .map_err(|err| unknown_key(&err, auth))?;
    let secret = &resolved.secret_access_key;
    let body = match StreamingPayload::from_headers(&parts.headers) {
        Some(_) => trailroom_sigv4::verify_chunked(&signed, auth, secret, now_ms / 1000)
            .map(Bytes::from)
            .map_err(|e| refusal(&e, auth.is_presigned()))?,
        None => {
            trailroom_sigv4::verify(&signed, auth, secret, UriEncoding::S3, now_ms / 1000)
                .map_err(|e| refusal(&e, auth.is_presigned()))?;
            incoming.body.clone()
        }
    };
    let arrival = &incoming.arrival;
    let info = RequestInfo {
        caller: resolved.caller,
        region: auth.scope.region.clone(),
        request_id: arrival.request_id.clone(),
        source_ip: arrival.source_ip.clone(),
        user_agent: arrival.user_agent.clone(),
        host: header_text(&parts.headers, "host"),
        presigned: auth.is_presigned(),
        tls_details: arrival.tls_details.clone(),
    };
    Ok((info, body))
}

fn internal() -> Refusal {
    Refusal::new(
        "InternalError",
        StatusCode::INTERNAL_SERVER_ERROR,
        "We encountered an internal error. Please try again.",
    )
}

fn unknown_key(err: &ResolveError, auth: &Authorization) -> Refusal {
    match err {
        ResolveError::Expired => Refusal::new(
            "ExpiredToken",
            StatusCode::BAD_REQUEST,
            "The provided token has expired.",
        ),
        ResolveError::UnknownKey if auth.security_token.is_some() => Refusal::new(
            "InvalidToken",
            StatusCode::BAD_REQUEST,
            "The provided token is malformed or otherwise invalid.",
        ),
        ResolveError::UnknownKey => Refusal::new(
            "InvalidAccessKeyId",
            StatusCode::FORBIDDEN,
            "The AWS Access Key Id you provided does not exist in our records.",
        ),
        ResolveError::Store(_) => internal(),
    }
}

/// S3's names for SigV4 failures.
fn refusal(err: &SigV4Error, presigned: bool) -> Refusal {
    let forbidden = |code, message: &str| Refusal::new(code, StatusCode::FORBIDDEN, message);
    let bad = |code, message: String| Refusal::new(code, StatusCode::BAD_REQUEST, message);
    match err.kind() {
        ErrorKind::Missing => forbidden("AccessDenied", "Access Denied"),
        ErrorKind::SignatureMismatch => forbidden(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. \
             Check your key and signing method.",
        ),
        ErrorKind::Skewed => forbidden(
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        ),
        ErrorKind::PresignExpired => forbidden("AccessDenied", "Request has expired"),
        ErrorKind::HeaderNotSigned | ErrorKind::SecurityTokenNotSigned => forbidden(
            "AccessDenied",
            "There were headers present in the request which were not signed",
        ),
        ErrorKind::PayloadHashMismatch => bad("XAmzContentSHA256Mismatch", err.to_string()),
        ErrorKind::UnsupportedPayload => bad("InvalidArgument", err.to_string()),
        _ if presigned => bad("AuthorizationQueryParametersError", err.to_string()),
        _ => bad("AuthorizationHeaderMalformed", err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigv4_failures_use_s3_codes() {
        assert_eq!(
            refusal(&SigV4Error::SignatureMismatch, false).code,
            "SignatureDoesNotMatch"
        );
        assert_eq!(
            refusal(&SigV4Error::SignatureMismatch, false).status,
            StatusCode::FORBIDDEN
        );
        let skew = SigV4Error::Skewed {
            request_time: "a".into(),
            server_time: "b".into(),
        };
        assert_eq!(refusal(&skew, false).code, "RequestTimeTooSkewed");
        assert_eq!(
            refusal(&SigV4Error::Incomplete("x".into()), true).code,
            "AuthorizationQueryParametersError"
        );
        assert_eq!(
            refusal(&SigV4Error::Incomplete("x".into()), false).code,
            "AuthorizationHeaderMalformed"
        );
    }
}
