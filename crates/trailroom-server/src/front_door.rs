//! The front door: every AWS request enters here, is read once (body, SigV4 authorization, how it
//! arrived), classified by protocol and handed to that protocol's hooks in the request pipeline
//! (`pipeline`), and leaves with `x-amzn-RequestId` and `Date` headers.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, header, request::Parts};
use trailroom_audit::request_note;
use trailroom_protocol::{ApiError, StatusCode, json, query::QueryParams};
use trailroom_sigv4::SignedRequest;

use crate::auth::Family;
use crate::pipeline::{Arrival, Incoming, header_text};
use crate::query_api;
use crate::state::AppState;
use crate::tls_session::TlsSession;

/// What kind of AWS request this is.
enum Classified {
    /// AWS JSON 1.1 with this `X-Amz-Target`.
    Json(String),
    /// AWS Query with these parameters.
    Query(QueryParams),
    /// Something no service here speaks.
    Unknown,
}

/// Axum handler for every AWS request.
pub async fn handle(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let tls = request.extensions().get::<TlsSession>();
    let arrival = Arrival::new(&state, request.headers(), peer, tls);
    let request_id = arrival.request_id.clone();
    request_note::note(|n| {
        n.request_id = Some(request_id.clone());
        n.source_ip = Some(arrival.source_ip.clone());
    });
    claim_call(&request);
    let response = route(&state, arrival, request).await;
    if response.status().as_u16() >= 400 {
        let code = error_code(response.body());
        request_note::note(|n| n.error_code = code);
    }
    let (mut parts, body) = response.into_parts();
    finish_headers(&mut parts.headers, &request_id, state.clock.now_ms());
    Response::from_parts(parts, Body::from(body))
}

fn finish_headers(headers: &mut HeaderMap, request_id: &str, now_ms: i64) {
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", id);
    }
    let now = std::time::UNIX_EPOCH + std::time::Duration::from_millis(now_ms.max(0) as u64);
    if let Ok(date) = HeaderValue::from_str(&httpdate::fmt_http_date(now)) {
        headers.insert(header::DATE, date);
    }
}

/// Notes the service and operation a request names before it is authenticated: the credential
/// scope's service, and the `X-Amz-Target` operation or `Action` of the query string.
fn claim_call(request: &Request) {
    let headers = request.headers();
    let query = request.uri().query().unwrap_or_default();
    let credential = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .map(str::to_owned)
        .or_else(|| {
            query
                .split('&')
                .find_map(|p| p.strip_prefix("X-Amz-Credential="))
                .map(|c| c.replace("%2F", "/").replace("%2f", "/"))
        });
    let service = credential.as_deref().and_then(|c| c.split('/').nth(3));
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit('.').next());
    let action = query.split('&').find_map(|p| p.strip_prefix("Action="));
    if let Some(service) = service {
        request_note::claim(service, target.or(action));
    }
}

/// The error code of an error response: `__type` of a JSON body, `<Code>` of an XML one.
fn error_code(body: &[u8]) -> Option<String> {
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        let code = json.get("__type").and_then(|t| t.as_str())?;
        return Some(code.rsplit('#').next().unwrap_or(code).to_owned());
    }
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("<Code>")? + "<Code>".len();
    let end = text[start..].find("</Code>")?;
    Some(text[start..start + end].to_owned())
}

async fn route(state: &AppState, arrival: Arrival, request: Request) -> http::Response<Bytes> {
    let (parts, body) = request.into_parts();
    if is_browser_at_root(&parts) {
        return home_page();
    }
    let family = family_of(&parts);
    let authorization = trailroom_sigv4::parse_authorization(&SignedRequest {
        method: parts.method.as_str(),
        raw_path: parts.uri.path(),
        raw_query: parts.uri.query().unwrap_or_default(),
        headers: &parts.headers,
        body: &[],
    });
    // A JSON request (`X-Amz-Target`) is never S3's, whatever its scope says.
    let s3 = family == Family::Query
        && authorization
            .as_ref()
            .is_ok_and(|auth| auth.scope.service == "s3");
    let limit = state.config.max_body_bytes;
    let body = match read_body(&parts.headers, body, limit, state.config.body_timeout).await {
        Ok(body) => body,
        Err(err) if s3 => return crate::s3_api::body_error(err, limit, &arrival.request_id),
        Err(err) => return body_error(family, err, limit, &arrival.request_id),
    };
    let incoming = Incoming {
        arrival,
        authorization,
        parts,
        body,
    };
    if s3 {
        return crate::s3_api::call(state, incoming).await;
    }
    if incoming.signing_name() == Some(crate::cloudtrail_data_api::SIGNING_NAME) {
        return crate::cloudtrail_data_api::call(state, incoming).await;
    }
    match classify(&incoming.parts, &incoming.body) {
        Classified::Json(target) => crate::json_api::call(state, incoming, &target).await,
        Classified::Query(params) => {
            if let Some(action) = params.action() {
                request_note::note(|n| {
                    n.operation.get_or_insert_with(|| action.to_owned());
                });
            }
            query_api::call(state, incoming, params).await
        }
        // An unsigned request for a bucket or object path is an anonymous S3 request.
        Classified::Unknown if incoming.parts.uri.path() != "/" => {
            crate::s3_api::unsigned(&incoming.parts, incoming.request_id())
        }
        // A POST to the root without a target is a Query request that forgot its Action.
        Classified::Unknown if incoming.parts.method == Method::POST => {
            let err = ApiError::client("MissingAction", "Missing Action");
            trailroom_protocol::query::error(&err, trailroom_iam::STS_XMLNS, incoming.request_id())
        }
        Classified::Unknown => json::error(&ApiError::unknown_operation()),
    }
}

/// A person's browser at `/` (an unsigned GET asking for HTML), not an S3 ListBuckets.
fn is_browser_at_root(parts: &Parts) -> bool {
    parts.method == Method::GET
        && parts.uri.path() == "/"
        && parts.uri.query().is_none_or(str::is_empty)
        && !parts.headers.contains_key(header::AUTHORIZATION)
        && header_text(&parts.headers, header::ACCEPT.as_str()).contains("text/html")
}

/// A short page pointing at what a person can open here.
fn home_page() -> http::Response<Bytes> {
    let page = concat!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<title>trailroom</title></head><body><h1>trailroom</h1>",
        "<p>An AWS-compatible Alexa for Business service with CloudTrail audit logging. ",
        "Point AWS clients here with <code>--endpoint-url</code>.</p><ul>",
        "<li><a href=\"/console\">Console</a>: Event history</li>",
        "<li><a href=\"/health\">/health</a> and <a href=\"/metrics\">/metrics</a></li>",
        "<li>Documentation: the README and docs/coverage.md of the source</li>",
        "</ul></body></html>"
    );
    let mut response = http::Response::new(Bytes::from_static(page.as_bytes()));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// The protocol family a request claims, before its body is read.
fn family_of(parts: &Parts) -> Family {
    if parts.headers.contains_key("x-amz-target") {
        Family::Json
    } else {
        Family::Query
    }
}

fn classify(parts: &Parts, body: &[u8]) -> Classified {
    if let Some(target) = parts.headers.get("x-amz-target") {
        return match target.to_str() {
            Ok(target) => Classified::Json(target.to_owned()),
            Err(_) => Classified::Unknown,
        };
    }
    let form = is_form(&parts.headers);
    let query = parts.uri.query().unwrap_or_default();
    let source = if parts.method == Method::POST && form {
        body
    } else if query.contains("Action=") {
        query.as_bytes()
    } else {
        return Classified::Unknown;
    };
    match QueryParams::parse(source) {
        Ok(params) if params.action().is_some() => Classified::Query(params),
        _ => Classified::Unknown,
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Why a request body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Larger than the endpoint accepts (declared or sent).
    TooLarge,
    /// The client paused longer than the body timeout.
    Timeout,
    /// The body ended early or its chunked encoding is broken.
    Broken,
}

/// Reads the whole body: refused at once when its declared length is over `limit`, and cut off
/// when the client pauses longer than `idle` between two pieces.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    idle: std::time::Duration,
) -> Result<Bytes, BodyError> {
    use http_body_util::BodyExt as _;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = body;
    let mut out = bytes::BytesMut::new();
    loop {
        let frame = match tokio::time::timeout(idle, body.frame()).await {
            Err(_) => return Err(BodyError::Timeout),
            Ok(None) => return Ok(out.freeze()),
            Ok(Some(Err(_))) => return Err(BodyError::Broken),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > limit {
                return Err(BodyError::TooLarge);
            }
            out.extend_from_slice(&data);
        }
    }
}

/// A body failure in the family's vocabulary.
fn body_error(
    family: Family,
    err: BodyError,
    limit: usize,
    request_id: &str,
) -> http::Response<Bytes> {
    let err = match err {
        BodyError::TooLarge => ApiError::new(
            "RequestEntityTooLargeException",
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Request body is larger than the {limit} bytes this endpoint accepts"),
        ),
        BodyError::Timeout => ApiError::new(
            "RequestTimeout",
            StatusCode::REQUEST_TIMEOUT,
            "Your socket connection to the server was not read from or written to within the \
             timeout period. Idle connections will be closed.",
        ),
        BodyError::Broken => ApiError::new(
            "IncompleteBody",
            StatusCode::BAD_REQUEST,
            "The request body ended early or its chunked encoding is not valid.",
        ),
    };
    match family {
        Family::Json => json::error(&err),
        Family::Query => {
            trailroom_protocol::query::error(&err, trailroom_iam::STS_XMLNS, request_id)
        }
    }
}
