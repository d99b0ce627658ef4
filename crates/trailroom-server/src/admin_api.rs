//! The admin API: `POST /admin/a4b/<action>` with a JSON body, SigV4-signed by an account's root
//! key (any region, signing name `trailroom`). Runs an A4B admin action for that account.
//! Operator tooling, not an AWS API: answers plain JSON and records no CloudTrail event.

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use trailroom_a4b::admin::{AdminCtx, run};
use trailroom_identity::Principal;
use trailroom_protocol::{ApiError, json};
use trailroom_sigv4::{SignedRequest, UriEncoding};

use crate::auth::{Family, authenticate};
use crate::state::AppState;

/// Axum handler for admin actions.
pub async fn handle(
    State(state): State<AppState>,
    Path(action): Path<String>,
    request: Request,
) -> Response {
    let response = match execute(&state, &action, request).await {
        Ok(value) => {
            let mut response = http::Response::new(Bytes::from(value.to_string()));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(err) => json::error(&err),
    };
    let (parts, body) = response.into_parts();
    Response::from_parts(parts, Body::from(body))
}

async fn execute(
    state: &AppState,
    action: &str,
    request: Request,
) -> Result<serde_json::Value, ApiError> {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, state.config.max_body_bytes)
        .await
        .map_err(|_| {
            ApiError::new(
                "RequestEntityTooLargeException",
                StatusCode::PAYLOAD_TOO_LARGE,
                "body too large",
            )
        })?;
    let signed = SignedRequest {
        method: parts.method.as_str(),
        raw_path: parts.uri.path(),
        raw_query: parts.uri.query().unwrap_or_default(),
        headers: &parts.headers,
        body: &body,
    };
    let authed = authenticate(
        state.store.as_ref(),
        &signed,
        UriEncoding::Double,
        state.clock.now_ms(),
    )
    .map_err(|failure| failure.to_api_error(Family::Json))?;
    let Principal::Root { account_id } = authed.caller.principal else {
        return Err(ApiError::new(
            "AccessDeniedException",
            StatusCode::FORBIDDEN,
            "Admin actions need the account's root credentials.",
        ));
    };
    let args: serde_json::Value = if body.is_empty() {
        serde_json::json!({})
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::serialization(e.to_string()))?
    };
    let ctx = AdminCtx {
        account: account_id,
        region: trailroom_a4b::REGION.into(),
        now_ms: state.clock.now_ms(),
    };
    run(state.store.clone(), ctx, action, args).await
}
