//! Console sessions: a key pair checked once at sign-in, then an opaque cookie.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::distr::{Alphanumeric, SampleString};
use serde::Deserialize;
use trailroom_identity::{Caller, resolve_access_key};

use crate::app::AppState;

const COOKIE: &str = "trailroom_session";
/// Sessions last 12 hours, or until the temporary credentials they came from expire.
const SESSION_MS: i64 = 12 * 60 * 60 * 1000;

/// Signed-in console sessions, in memory (a restart signs everyone out).
#[derive(Default)]
pub struct Sessions {
    by_token: Mutex<HashMap<String, (Caller, i64)>>,
}

impl Sessions {
    /// The caller of the request's session cookie, if it is valid.
    pub fn caller(&self, headers: &HeaderMap, now_ms: i64) -> Option<Caller> {
        let token = cookie(headers)?;
        let mut sessions = self.by_token.lock().ok()?;
        sessions.retain(|_, (_, expires)| *expires > now_ms);
        sessions.get(&token).map(|(caller, _)| caller.clone())
    }

    fn start(&self, caller: Caller, expires_ms: i64) -> String {
        let token = Alphanumeric.sample_string(&mut rand::rng(), 40);
        if let Ok(mut sessions) = self.by_token.lock() {
            sessions.insert(token.clone(), (caller, expires_ms));
        }
        token
    }

    fn end(&self, token: &str) {
        if let Ok(mut sessions) = self.by_token.lock() {
            sessions.remove(token);
        }
    }
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|line| {
            line.split(';')
                .map(str::trim)
                .find_map(|pair| pair.strip_prefix(&format!("{COOKIE}=")).map(str::to_owned))
        })
}

/// Sign-in form.
#[derive(Deserialize)]
pub(crate) struct Login {
    access_key_id: String,
    secret_access_key: String,
    #[serde(default)]
    session_token: Option<String>,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    axum::Json(login): axum::Json<Login>,
) -> Response {
    let now = state.clock.now_ms();
    let token = login.session_token.as_deref().filter(|t| !t.is_empty());
    let resolved = trailroom_store::read(state.store.as_ref(), |txn| {
        resolve_access_key(txn, &login.access_key_id, token, now)
    });
    let resolved = match resolved {
        Ok(Ok(resolved)) => resolved,
        _ => return refused(),
    };
    if !constant_time_eq(
        resolved.secret_access_key.as_bytes(),
        login.secret_access_key.as_bytes(),
    ) {
        return refused();
    }
    let caller = resolved.caller;
    let expires = caller
        .session
        .as_ref()
        .map_or(now + SESSION_MS, |s| s.expires_ms.min(now + SESSION_MS));
    let identity = serde_json::json!({
        "arn": caller.principal.arn(),
        "account": caller.principal.account_id(),
    });
    let session = state.sessions.start(caller, expires);
    let cookie = format!("{COOKIE}={session}; Path=/console; HttpOnly; SameSite=Strict");
    let mut response = axum::Json(identity).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

pub(crate) async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers) {
        state.sessions.end(&token);
    }
    StatusCode::NO_CONTENT.into_response()
}

fn refused() -> Response {
    let body = serde_json::json!({ "code": "InvalidCredentials", "message": "The access key pair was not accepted." });
    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
}

/// The answer to console API calls without a valid session.
pub(crate) fn unauthorized() -> Response {
    let body = serde_json::json!({ "code": "NotSignedIn", "message": "Sign in first." });
    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
