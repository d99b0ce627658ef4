//! The test API, for harnesses that drive trailroom as they drive LocalStack, moto or MiniStack:
//! health in their formats, reset to a fresh data directory, delivery now, and waiting for an
//! event. Unauthenticated, so served only where [`Config::test_api_enabled`] says (loopback
//! listeners by default); the health paths are always served.
//!
//! [`Config::test_api_enabled`]: crate::config::Config::test_api_enabled

use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use trailroom_federation::test_idp::TestIdp;
use trailroom_store::{EventQuery, LookupKey};

use crate::bootstrap::{ensure_accounts, ensure_organizations};
use crate::state::AppState;

/// The services answered here, by the names LocalStack's health report uses.
const SERVICES: [&str; 10] = [
    "alexaforbusiness",
    "cloudtrail",
    "ec2",
    "iam",
    "organizations",
    "resourcegroupstaggingapi",
    "s3",
    "s3control",
    "sns",
    "sts",
];

/// Longest wait of `GET /_trailroom/events`.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// Health paths (always), and the rest when the test API is on.
pub fn routes(enabled: bool) -> Router<AppState> {
    let router = Router::new()
        .route("/_trailroom/health", get(health))
        .route("/_localstack/health", get(health))
        .route("/_ministack/health", get(health));
    if !enabled {
        return router;
    }
    router
        .route("/_trailroom/reset", post(reset))
        .route("/_localstack/state/reset", post(reset))
        .route("/_ministack/reset", post(reset))
        .route("/_trailroom/deliver", post(deliver))
        .route("/_trailroom/events", get(wait_for_event))
        .route("/_trailroom/archive", post(archive_now).get(verify_archive))
}

/// `POST /_trailroom/archive?olderThan=<seconds>`: one archiving round now, archiving events
/// older than that (`[archive] after` when unset).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArchiveNow {
    older_than: Option<u64>,
}

async fn archive_now(State(state): State<AppState>, Query(args): Query<ArchiveNow>) -> Response {
    let after = match args.older_than.map(Duration::from_secs) {
        Some(after) => after,
        None => match state.config.archive.after {
            Some(after) => after,
            None => {
                return failure(
                    StatusCode::BAD_REQUEST,
                    "archiving is off: give olderThan or set [archive] after",
                );
            }
        },
    };
    match crate::archive::archive_round(&state, after).await {
        Ok(round) => axum::Json(round).into_response(),
        Err(err) => failure(StatusCode::INTERNAL_SERVER_ERROR, err),
    }
}

/// `GET /_trailroom/archive`: the archive's verification report (segments, manifests, chain).
async fn verify_archive(State(state): State<AppState>) -> Response {
    let objects = crate::archive::ArchiveObjects {
        blobs: state.s3.blobs().clone(),
    };
    match trailroom_archive::verify(state.store.as_ref(), &objects).await {
        Ok(report) => axum::Json(json!({
            "valid": report.valid(),
            "segments": report.segments,
            "events": report.events,
            "problems": report.problems,
        }))
        .into_response(),
        Err(err) => failure(StatusCode::INTERNAL_SERVER_ERROR, err),
    }
}

/// `{"status": "ok", "services": {...: "running"}, "edition": "trailroom", "version": ...}`.
pub async fn health() -> axum::Json<Value> {
    let services: serde_json::Map<String, Value> = SERVICES
        .iter()
        .map(|s| ((*s).to_owned(), json!("running")))
        .collect();
    axum::Json(json!({
        "status": "ok",
        "edition": "trailroom",
        "version": env!("CARGO_PKG_VERSION"),
        "services": services,
    }))
}

fn failure(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, axum::Json(json!({"message": message.to_string()}))).into_response()
}

/// Back to a fresh data directory: no documents, events or objects, the configured accounts and
/// organizations again, no console session. The test identity provider keeps its key, so tokens
/// a harness already minted stay valid.
async fn reset(State(state): State<AppState>) -> Response {
    let done = state.delivery.paused(&state, clear(&state)).await;
    match done {
        Ok(Ok(())) => axum::Json(json!({"reset": true})).into_response(),
        Ok(Err(err)) | Err(err) => failure(StatusCode::INTERNAL_SERVER_ERROR, err),
    }
}

async fn clear(state: &AppState) -> anyhow::Result<()> {
    let store = state.store.as_ref();
    trailroom_store::write(store, |txn| {
        let idp = TestIdp::load(&*txn)?;
        txn.clear_all()?;
        if let Some(idp) = idp {
            TestIdp::install(txn, idp)?;
        }
        Ok::<_, trailroom_store::StoreError>(())
    })
    .await??;
    state.s3.clear_objects().await?;
    if let Some(lake) = &state.cloudtrail.lake {
        lake.reset()?;
    }
    let now = state.clock.now_ms();
    ensure_accounts(store, &state.config.bootstrap_accounts(), now).await?;
    ensure_organizations(store, &state.config.organizations, now).await?;
    state.sessions.clear();
    // The leases went with everything else: take them afresh.
    state.leases.forget_all();
    Ok(())
}

/// Runs every trail's delivery now: `{"files": [...], "events": n, "digests": n, "failures": n}`
/// with every object written. Digests are written when their period is over, as always.
async fn deliver(State(state): State<AppState>) -> Response {
    match crate::delivery::deliver_now(&state).await {
        Ok((report, written)) => axum::Json(json!({
            "files": written,
            "logFiles": report.files,
            "events": report.events,
            "digests": report.digests,
            "failures": report.failures,
        }))
        .into_response(),
        Err(err) => failure(StatusCode::INTERNAL_SERVER_ERROR, err),
    }
}

/// `GET /_trailroom/events`: waits until an event matching the filter is recorded.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Wait {
    /// Account whose events are searched (the default account when unset).
    account: Option<String>,
    /// Region (us-east-1 when unset).
    region: Option<String>,
    /// One LookupEvents attribute: `EventName`, `EventSource`, `Username`, `AccessKeyId`,
    /// `ReadOnly`, `ResourceType`, `ResourceName` or `EventId`.
    attribute_key: Option<String>,
    /// Its value.
    attribute_value: Option<String>,
    /// Only events at or after this time (ms since the epoch).
    since: Option<i64>,
    /// Longest wait in seconds (default 10, at most 60).
    timeout: Option<f64>,
}

fn lookup_key(key: Option<&str>, value: Option<&str>) -> Result<Option<LookupKey>, String> {
    let (Some(key), Some(value)) = (key, value) else {
        return match (key, value) {
            (None, None) => Ok(None),
            _ => Err("AttributeKey and AttributeValue go together".into()),
        };
    };
    let value = value.to_owned();
    Ok(Some(match key {
        "EventName" => LookupKey::EventName(value),
        "EventSource" => LookupKey::EventSource(value),
        "Username" => LookupKey::Username(value),
        "AccessKeyId" => LookupKey::AccessKeyId(value),
        "ResourceType" => LookupKey::ResourceType(value),
        "ResourceName" => LookupKey::ResourceName(value),
        "EventId" => LookupKey::EventId(value),
        "ReadOnly" => LookupKey::ReadOnly(value.eq_ignore_ascii_case("true")),
        other => return Err(format!("unknown AttributeKey {other}")),
    }))
}

async fn wait_for_event(State(state): State<AppState>, Query(wait): Query<Wait>) -> Response {
    let key = match lookup_key(
        wait.attribute_key.as_deref(),
        wait.attribute_value.as_deref(),
    ) {
        Ok(key) => key,
        Err(message) => return failure(StatusCode::BAD_REQUEST, message),
    };
    let timeout =
        Duration::from_secs_f64(wait.timeout.unwrap_or(10.0).clamp(0.0, 60.0)).min(MAX_WAIT);
    let query = EventQuery {
        account_id: wait
            .account
            .unwrap_or_else(|| trailroom_identity::DEFAULT_ACCOUNT_ID.to_owned()),
        region: wait.region.unwrap_or_else(|| "us-east-1".to_owned()),
        key,
        start_ms: wait.since.unwrap_or(0),
        end_ms: i64::MAX,
        before: None,
        category: "Management".to_owned(),
        limit: 50,
    };
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let rows = trailroom_store::read(state.store.as_ref(), |txn| txn.lookup_events(&query));
        match rows {
            Ok(Ok(rows)) if !rows.is_empty() => {
                let events: Vec<Value> = rows
                    .iter()
                    .filter_map(|r| serde_json::from_str(&r.record_json).ok())
                    .collect();
                return axum::Json(json!({"Events": events})).into_response();
            }
            Ok(Ok(_)) => {}
            Ok(Err(err)) | Err(err) => return failure(StatusCode::INTERNAL_SERVER_ERROR, err),
        }
        if tokio::time::Instant::now() >= deadline {
            let body = json!({"Events": [], "message": "no matching event was recorded in time"});
            return (StatusCode::REQUEST_TIMEOUT, axum::Json(body)).into_response();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_keys() {
        assert_eq!(
            lookup_key(Some("EventName"), Some("CreateTrail")).unwrap(),
            Some(LookupKey::EventName("CreateTrail".into()))
        );
        assert_eq!(
            lookup_key(Some("ReadOnly"), Some("TRUE")).unwrap(),
            Some(LookupKey::ReadOnly(true))
        );
        assert_eq!(lookup_key(None, None).unwrap(), None);
        assert!(lookup_key(Some("EventName"), None).is_err());
        assert!(lookup_key(Some("Bogus"), Some("x")).is_err());
    }
}
