//! Console sessions: a key pair checked at sign-in, then an opaque cookie. Every request of a
//! session checks its key again, so deleting or deactivating the key (or its user) ends the
//! session at once. Sessions are kept in the store (under the cookie's SHA-256, never the cookie
//! itself), so every node of a cluster knows them and a restart signs nobody out. Sign-ins are
//! recorded as `ConsoleLogin` events, as AWS records them, and failed ones are throttled per
//! source address (per node).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use trailroom_audit::{CallContext, CallInfo};
use trailroom_identity::{Caller, resolve_access_key};
use trailroom_protocol::ApiError;
use trailroom_store::Store;
use trailroom_store::lease::CLUSTER_ACCOUNT;

use crate::state::AppState;

const COOKIE: &str = "trailroom_session";
/// Console sign-ins are recorded in us-east-1, as AWS records them.
const SIGN_IN_REGION: &str = "us-east-1";
/// Sessions last 12 hours, or until the temporary credentials they came from expire.
const SESSION_MS: i64 = 12 * 60 * 60 * 1000;

/// Failed sign-ins from one address within [`FAILURE_WINDOW_MS`] before it must wait.
const MAX_FAILURES: u32 = 5;
/// The window failed sign-ins are counted in.
const FAILURE_WINDOW_MS: i64 = 60_000;

/// Document kind of console sessions.
const SESSION_KIND: &str = "console_session";

/// A signed-in session: the key it signed in with, checked again on each request.
#[derive(Serialize, Deserialize)]
struct Session {
    access_key_id: String,
    session_token: Option<String>,
    expires_ms: i64,
}

/// Console sign-ins: the sessions are in the store; failed attempts are counted here.
#[derive(Default)]
pub struct Sessions {
    /// Failed sign-ins per source address: (count, start of the window).
    failures: Mutex<HashMap<IpAddr, (u32, i64)>>,
}

impl Sessions {
    /// The caller of the request's session cookie, if its session and its key are still valid:
    /// a session whose key is gone, inactive or expired ends here.
    pub fn caller(&self, store: &dyn Store, headers: &HeaderMap, now_ms: i64) -> Option<Caller> {
        let id = session_id(&cookie(headers)?);
        let resolved = trailroom_store::read(store, |txn| {
            let session: Session = txn
                .get(CLUSTER_ACCOUNT, SESSION_KIND, &id)
                .ok()??
                .decode()
                .ok()?;
            if session.expires_ms <= now_ms {
                return Some(None);
            }
            let token = session.session_token.as_deref();
            Some(resolve_access_key(txn, &session.access_key_id, token, now_ms).ok())
        });
        match resolved.ok()?? {
            Some(resolved) => Some(resolved.caller),
            None => {
                // Its key is gone, inactive or expired (or the session lapsed): the session ends
                // for good, queued before this answer leaves, so reactivating the key later does
                // not bring it back.
                drop(trailroom_store::submit(store, move |tx| {
                    tx.delete(CLUSTER_ACCOUNT, SESSION_KIND, &id)
                }));
                None
            }
        }
    }

    /// Stores a new session (dropping lapsed ones); returns its cookie.
    async fn start(
        &self,
        store: &dyn Store,
        session: Session,
        now_ms: i64,
    ) -> Result<String, ApiError> {
        let token = Alphanumeric.sample_string(&mut rand::rng(), 40);
        let doc =
            trailroom_store::Doc::new(CLUSTER_ACCOUNT, SESSION_KIND, &session_id(&token), &session)
                .map_err(trailroom_audit::store_failure)?;
        trailroom_store::write(store, move |tx| {
            for old in tx.list(CLUSTER_ACCOUNT, SESSION_KIND)? {
                if old
                    .decode::<Session>()
                    .is_ok_and(|s| s.expires_ms <= now_ms)
                {
                    tx.delete(CLUSTER_ACCOUNT, SESSION_KIND, &old.id)?;
                }
            }
            tx.put(&doc)
        })
        .await
        .and_then(|done| done)
        .map_err(trailroom_audit::store_failure)?;
        Ok(token)
    }

    /// Whether `source` failed to sign in too often lately.
    fn throttled(&self, source: IpAddr, now_ms: i64) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.retain(|_, (_, since)| now_ms - *since < FAILURE_WINDOW_MS);
        failures
            .get(&source)
            .is_some_and(|(count, _)| *count >= MAX_FAILURES)
    }

    fn failed(&self, source: IpAddr, now_ms: i64) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let entry = failures.entry(source).or_insert((0, now_ms));
        entry.0 += 1;
    }

    /// Forgets failed sign-ins (the test API's reset; the sessions went with the store).
    pub fn clear(&self) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    async fn end(&self, store: &dyn Store, token: &str) {
        let id = session_id(token);
        let ended = trailroom_store::write(store, move |tx| {
            tx.delete(CLUSTER_ACCOUNT, SESSION_KIND, &id)
        })
        .await;
        if let Err(err) = ended {
            tracing::warn!(error = %err, "could not end a console session");
        }
    }
}

/// The stored id of a session: its cookie's SHA-256, so the store holds no usable cookie.
fn session_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
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
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::Json(login): axum::Json<Login>,
) -> Response {
    let now = state.clock.now_ms();
    let source = peer.ip();
    if state.sessions.throttled(source, now) {
        return throttled();
    }
    let token = login.session_token.as_deref().filter(|t| !t.is_empty());
    let resolved = trailroom_store::read(state.store.as_ref(), |txn| {
        resolve_access_key(txn, &login.access_key_id, token, now)
    });
    // A key nobody has belongs to no account: nothing to record it in.
    let Ok(Ok(resolved)) = resolved else {
        state.sessions.failed(source, now);
        return refused();
    };
    let accepted = constant_time_eq(
        resolved.secret_access_key.as_bytes(),
        login.secret_access_key.as_bytes(),
    );
    let caller = resolved.caller;
    let recorded = record_sign_in(&state, &caller, peer, &headers, accepted).await;
    if !accepted {
        state.sessions.failed(source, now);
        return refused();
    }
    if let Err(err) = recorded {
        return super::api_error(&err);
    }
    let expires = caller
        .session
        .as_ref()
        .map_or(now + SESSION_MS, |s| s.expires_ms.min(now + SESSION_MS));
    let identity = serde_json::json!({
        "arn": caller.principal.arn(),
        "account": caller.principal.account_id(),
    });
    let session = Session {
        access_key_id: login.access_key_id,
        session_token: token.map(str::to_owned),
        expires_ms: expires,
    };
    let session = match state
        .sessions
        .start(state.store.as_ref(), session, now)
        .await
    {
        Ok(session) => session,
        Err(err) => return super::api_error(&err),
    };
    let cookie = format!("{COOKIE}={session}; Path=/console; HttpOnly; SameSite=Strict");
    let mut response = axum::Json(identity).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Records the sign-in as AWS does: `ConsoleLogin` from `signin.amazonaws.com` in us-east-1,
/// `eventType` `AwsConsoleSignIn`, `responseElements.ConsoleLogin` `Success` or `Failure`
/// (with `errorMessage` `Failed authentication`).
async fn record_sign_in(
    state: &AppState,
    caller: &Caller,
    peer: SocketAddr,
    headers: &HeaderMap,
    accepted: bool,
) -> Result<(), ApiError> {
    let mut caller = caller.clone();
    caller.access_key_id.clear();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let ctx = CallContext::new(
        CallInfo {
            caller,
            region: SIGN_IN_REGION.into(),
            request_id: uuid::Uuid::new_v4().to_string(),
            source_ip: peer.ip().to_string(),
            user_agent: user_agent.to_owned(),
            event_source: "signin.amazonaws.com".into(),
            event_name: "ConsoleLogin".into(),
            read_only: false,
            log_response: true,
            tls_details: None,
            named_resources: None,
        },
        state.store.clone(),
        state.clock.clone(),
        state.config.recording,
    );
    let login_to = format!("{}/console/", state.config.base_url());
    ctx.set_console_sign_in(serde_json::json!({
        "LoginTo": login_to, "MobileVersion": "No", "MFAUsed": "No"
    }));
    match accepted {
        true => {
            ctx.finish(Ok(serde_json::json!({ "ConsoleLogin": "Success" })))
                .await
        }
        false => {
            let failure = ApiError::new("", StatusCode::UNAUTHORIZED, "Failed authentication");
            ctx.finish_failure(&failure, serde_json::json!({ "ConsoleLogin": "Failure" }))
                .await
        }
    }
}

/// `GET /console/api/session`: who the session cookie signs in as (a reload keeps the session).
pub(crate) async fn current(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match state
        .sessions
        .caller(state.store.as_ref(), &headers, state.clock.now_ms())
    {
        Some(caller) => {
            axum::Json(serde_json::json!({ "arn": caller.principal.arn() })).into_response()
        }
        None => unauthorized(),
    }
}

pub(crate) async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers) {
        state.sessions.end(state.store.as_ref(), &token).await;
    }
    StatusCode::NO_CONTENT.into_response()
}

fn throttled() -> Response {
    let body = serde_json::json!({ "code": "ThrottlingException", "message": "Too many failed sign-ins from this address. Try again in a minute." });
    (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response()
}

fn refused() -> Response {
    let body = serde_json::json!({ "code": "InvalidCredentials", "message": "The access key pair was not accepted." });
    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
}

/// The caller signed in with the request's session cookie, or the answer to give without one.
pub(crate) fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<Caller, Box<Response>> {
    state
        .sessions
        .caller(state.store.as_ref(), headers, state.clock.now_ms())
        .ok_or_else(|| Box::new(unauthorized()))
}

/// The answer to console API calls without a valid session.
pub(crate) fn unauthorized() -> Response {
    let body = serde_json::json!({ "code": "NotSignedIn", "message": "Sign in first." });
    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
