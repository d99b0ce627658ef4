//! One log line per request at `info` (target `trailroom::request`), inside a span per request,
//! with what the request's note says (`trailroom_audit::request_note`): service, operation,
//! status, error code, duration, principal, source address and request id. Requests refused
//! before authentication are logged too, with what they claimed. Also counts each request in
//! the metrics.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;
use trailroom_audit::request_note::{CallNote, noting};

use crate::state::AppState;

/// The middleware: runs the request inside its span and note, then logs and counts it.
pub async fn log_request(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let span = tracing::info_span!("request", %method, %path);
    let (response, note) = noting(next.run(request)).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| write_line(method.as_str(), &path, status, elapsed, &note, peer));
    state.metrics.observe_request(&note, status, elapsed);
    response
}

fn write_line(
    method: &str,
    path: &str,
    status: u16,
    elapsed: std::time::Duration,
    note: &CallNote,
    peer: SocketAddr,
) {
    let shown = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".to_owned());
    let source_ip = note
        .source_ip
        .clone()
        .unwrap_or_else(|| peer.ip().to_string());
    tracing::info!(
        target: "trailroom::request",
        method,
        path,
        service = %shown(&note.service),
        operation = %shown(&note.operation),
        status,
        error_code = %shown(&note.error_code),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        principal = %shown(&note.principal),
        source_ip = %source_ip,
        request_id = %shown(&note.request_id),
        recorded = note.recorded,
        "request"
    );
}
