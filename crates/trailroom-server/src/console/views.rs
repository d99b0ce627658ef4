//! The console's Trails and Overview views. Trails makes the calls the AWS console makes
//! (ListTrails, then GetTrail and GetTrailStatus of each trail by ARN), each recorded and
//! authorized like any other call. Overview counts the Event history of a time range (recorded
//! as the LookupEvents it is): events per hour or day, and the top event names, users, error
//! codes and source addresses.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use trailroom_audit::CallContext;
use trailroom_model::cloudtrail::{
    CloudTrail as _, GetTrailRequest, GetTrailStatusRequest, ListTrailsRequest, Operation,
};
use trailroom_protocol::ApiError;
use trailroom_store::{EventQuery, EventRow};

use super::{api_error, console_call, session};
use crate::pipeline::Denial;
use crate::state::AppState;

/// Most events an overview counts (it says when it stopped there).
const OVERVIEW_LIMIT: usize = 200_000;
/// Events read per store query.
const OVERVIEW_PAGE: usize = 5_000;
/// Entries in each top list.
const TOP: usize = 10;

/// Runs one recorded, authorized console call: `run` gets the checked context.
async fn call<T: serde::Serialize>(
    ctx: &CallContext,
    parameters: Value,
    run: impl std::future::Future<Output = Result<T, ApiError>>,
) -> Result<Value, ApiError> {
    ctx.set_request_parameters(parameters.clone());
    let result = match ctx.check_authorized(Some(&parameters)) {
        Ok(()) => run
            .await
            .map(|r| serde_json::to_value(r).unwrap_or_default()),
        Err(denied) => Err(denied),
    };
    ctx.finish(result.as_ref().map(|_| Value::Null)).await?;
    result
}

/// `GET /console/api/trails`: every trail of the account, in every region, with its status.
pub(crate) async fn trails(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let caller = match session::signed_in(&state, &headers) {
        Ok(caller) => caller,
        Err(refused) => return *refused,
    };
    let region = "us-east-1";
    let context = |op| console_call(&state, caller.clone(), region, peer, &headers, op);
    let ctx = context(Operation::ListTrails);
    let listed = call(
        &ctx,
        Value::Null,
        state
            .cloudtrail
            .list_trails(&ctx, ListTrailsRequest::default()),
    )
    .await;
    let listed = match listed {
        Ok(listed) => listed,
        Err(err) => return api_error(&err),
    };
    let mut out = Vec::new();
    for info in listed["Trails"].as_array().cloned().unwrap_or_default() {
        let arn = info["TrailARN"].as_str().unwrap_or_default().to_owned();
        let ctx = context(Operation::GetTrail);
        let request = GetTrailRequest {
            name: Some(arn.clone()),
        };
        let trail = call(
            &ctx,
            json!({"name": arn}),
            state.cloudtrail.get_trail(&ctx, request),
        )
        .await;
        let ctx = context(Operation::GetTrailStatus);
        let request = GetTrailStatusRequest {
            name: Some(arn.clone()),
        };
        let status = call(
            &ctx,
            json!({"name": arn}),
            state.cloudtrail.get_trail_status(&ctx, request),
        )
        .await;
        let error = |r: &Result<Value, ApiError>| r.as_ref().err().map(|e| e.code().to_owned());
        out.push(json!({
            "info": info,
            "trail": trail.as_ref().ok().map(|t| t["Trail"].clone()),
            "status": status.as_ref().ok(),
            "error": error(&trail).or_else(|| error(&status)),
        }));
    }
    axum::Json(json!({ "trails": out })).into_response()
}

/// The range and region of an overview.
#[derive(Debug, Deserialize)]
pub(crate) struct OverviewRange {
    start: i64,
    end: i64,
    #[serde(default = "super::default_region")]
    region: String,
}

/// Counts by key, the largest first.
fn top(counts: BTreeMap<String, u64>) -> Vec<Value> {
    let mut sorted: Vec<(String, u64)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted
        .into_iter()
        .take(TOP)
        .map(|(key, count)| json!({"key": key, "count": count}))
        .collect()
}

/// The tallies of one overview.
#[derive(Default)]
struct Tally {
    total: u64,
    buckets: BTreeMap<i64, u64>,
    names: BTreeMap<String, u64>,
    users: BTreeMap<String, u64>,
    errors: BTreeMap<String, u64>,
    sources: BTreeMap<String, u64>,
}

impl Tally {
    fn add(&mut self, row: &EventRow, bucket_ms: i64) {
        self.total += 1;
        *self
            .buckets
            .entry(row.event_time_ms - row.event_time_ms.rem_euclid(bucket_ms))
            .or_default() += 1;
        *self.names.entry(row.event_name.clone()).or_default() += 1;
        let user = row.username.clone().unwrap_or_else(|| "-".to_owned());
        *self.users.entry(user).or_default() += 1;
        let record: Value = serde_json::from_str(&row.record_json).unwrap_or_default();
        if let Some(code) = record["errorCode"].as_str() {
            *self.errors.entry(code.to_owned()).or_default() += 1;
        }
        if let Some(ip) = record["sourceIPAddress"].as_str() {
            *self.sources.entry(ip.to_owned()).or_default() += 1;
        }
    }
}

/// `GET /console/api/overview?start&end&region`.
pub(crate) async fn overview(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(range): Query<OverviewRange>,
) -> Response {
    let caller = match session::signed_in(&state, &headers) {
        Ok(caller) => caller,
        Err(refused) => return *refused,
    };
    let days = (range.end - range.start) / (24 * 3_600_000);
    if !trailroom_protocol::regions::is_known(&range.region)
        || range.end < range.start
        || days > 400
    {
        return api_error(&ApiError::client(
            "InvalidParameterValueException",
            "The region is not a region of the aws partition, or the time range is not one of \
             at most 400 days.",
        ));
    }
    let ctx = console_call(
        &state,
        caller,
        &range.region,
        peer,
        &headers,
        Operation::LookupEvents,
    );
    let parameters = json!({"startTime": range.start / 1000, "endTime": range.end / 1000});
    let account = ctx.account_id().to_owned();
    let store = state.store.clone();
    let counted = call(&ctx, parameters, async move {
        tokio::task::spawn_blocking(move || count(store.as_ref(), &account, &range))
            .await
            .unwrap_or_else(|_| Err(ApiError::internal()))
    })
    .await;
    match counted {
        Ok(value) => axum::Json(value).into_response(),
        Err(err) => api_error(&err),
    }
}

fn count(
    store: &dyn trailroom_store::Store,
    account: &str,
    range: &OverviewRange,
) -> Result<Value, ApiError> {
    const HOUR: i64 = 3_600_000;
    let bucket_ms = if range.end - range.start <= 2 * 24 * HOUR {
        HOUR
    } else {
        24 * HOUR
    };
    let mut tally = Tally::default();
    let mut before = None;
    let mut truncated = false;
    loop {
        let query = EventQuery {
            account_id: account.to_owned(),
            region: range.region.clone(),
            key: None,
            start_ms: range.start,
            end_ms: range.end,
            before,
            category: "Management".to_owned(),
            limit: OVERVIEW_PAGE,
        };
        let rows = trailroom_store::read(store, |txn| txn.lookup_events(&query))
            .and_then(|rows| rows)
            .map_err(trailroom_audit::store_failure)?;
        for row in &rows {
            tally.add(row, bucket_ms);
        }
        match rows.last() {
            Some(last) if rows.len() == OVERVIEW_PAGE => {
                before = Some((last.event_time_ms, last.seq));
            }
            _ => break,
        }
        if tally.total as usize >= OVERVIEW_LIMIT {
            truncated = true;
            break;
        }
    }
    // Every bucket of the range, empty ones too, so the chart is a timeline.
    let first = range.start - range.start.rem_euclid(bucket_ms);
    let buckets: Vec<Value> = (0..)
        .map(|i| first + i * bucket_ms)
        .take_while(|start| *start <= range.end)
        .map(|start| json!({"start": start, "count": tally.buckets.get(&start).copied().unwrap_or(0)}))
        .collect();
    Ok(json!({
        "total": tally.total,
        "truncated": truncated,
        "bucketMs": bucket_ms,
        "buckets": buckets,
        "eventNames": top(tally.names),
        "users": top(tally.users),
        "errorCodes": top(tally.errors),
        "sourceIps": top(tally.sources),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_lists_the_largest_first() {
        let counts = BTreeMap::from([
            ("a".to_owned(), 1),
            ("b".to_owned(), 3),
            ("c".to_owned(), 3),
        ]);
        let listed = top(counts);
        assert_eq!(listed[0], json!({"key": "b", "count": 3}));
        assert_eq!(listed[1], json!({"key": "c", "count": 3}));
        assert_eq!(listed.len(), 3);
    }
}

/// Which trail (by ARN) a files or validation view is about, and what of it.
#[derive(Debug, Deserialize)]
pub(crate) struct TrailQuery {
    trail: String,
    /// One delivered file (`/console/api/file`).
    key: Option<String>,
    /// Validation range, epoch ms.
    start: Option<i64>,
    end: Option<i64>,
}

/// The trail a view reads, as the console reads it: a recorded, authorized GetTrail, then the
/// caller's S3 permissions on its bucket (the files are read as the AWS CLI's validate-logs
/// reads them, with the caller's rights).
async fn readable_trail(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    trail_arn: &str,
) -> Result<trailroom_cloudtrail::trails::TrailRecord, Response> {
    let caller = session::signed_in(state, headers).map_err(|refused| *refused)?;
    let region = trail_arn
        .split(':')
        .nth(3)
        .unwrap_or("us-east-1")
        .to_owned();
    let ctx = console_call(state, caller, &region, peer, headers, Operation::GetTrail);
    let request = GetTrailRequest {
        name: Some(trail_arn.to_owned()),
    };
    call(
        &ctx,
        json!({"name": trail_arn}),
        state.cloudtrail.get_trail(&ctx, request),
    )
    .await
    .map_err(|err| api_error(&err))?;
    let trail = crate::cli::validate::load_trail(state.store.as_ref(), trail_arn)
        .map_err(|err| api_error(&ApiError::client("TrailNotFoundException", err.to_string())))?;
    if state.config.authorization {
        let bucket = format!("arn:aws:s3:::{}", trail.s3_bucket_name);
        let accesses = [
            trailroom_authz::Access::new("s3:ListBucket", bucket.clone()),
            trailroom_authz::Access::new("s3:GetObject", format!("{bucket}/*")),
        ];
        trailroom_authz::check_call(&ctx, &accesses)
            .map_err(|refused| api_error(&Denial::ACCESS_DENIED.refuse(refused)))?;
    }
    Ok(trail)
}

/// Reads `query.trail` as the console reads it ([`readable_trail`]), then runs `work` on a
/// blocking thread with the store, the objects' blobs and the trail; its JSON is the answer.
async fn on_trail(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    trail_arn: &str,
    work: impl FnOnce(
        &dyn trailroom_store::Store,
        &trailroom_s3::BlobStore,
        trailroom_cloudtrail::trails::TrailRecord,
    ) -> anyhow::Result<Value>
    + Send
    + 'static,
) -> Response {
    let trail = match readable_trail(state, headers, peer, trail_arn).await {
        Ok(trail) => trail,
        Err(response) => return response,
    };
    let (store, blobs) = (state.store.clone(), state.s3.blobs().clone());
    let done = tokio::task::spawn_blocking(move || work(store.as_ref(), &blobs, trail)).await;
    match done {
        Ok(Ok(value)) => axum::Json(value).into_response(),
        Ok(Err(err)) => api_error(&ApiError::client("InvalidRequest", err.to_string())),
        Err(_) => api_error(&ApiError::internal()),
    }
}

/// `GET /console/api/files?trail=ARN`: the trail's delivered log files, newest first.
pub(crate) async fn files(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<TrailQuery>,
) -> Response {
    on_trail(
        &state,
        &headers,
        peer,
        &query.trail,
        |store, blobs, trail| {
            let mut keys = crate::cli::validate::log_files(store, blobs, &trail)?;
            keys.truncate(500);
            Ok(json!({"files": keys}))
        },
    )
    .await
}

/// `GET /console/api/file?trail=ARN&key=KEY`: one delivered file's records.
pub(crate) async fn file(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<TrailQuery>,
) -> Response {
    let key = query.key.unwrap_or_default();
    on_trail(
        &state,
        &headers,
        peer,
        &query.trail,
        move |store, blobs, trail| {
            crate::cli::validate::log_file_records(store, blobs, &trail, &key)
        },
    )
    .await
}

/// `GET /console/api/validate?trail=ARN&start&end`: what `trailroom validate` says, per digest
/// and file.
pub(crate) async fn validate(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<TrailQuery>,
) -> Response {
    let now = state.clock.now_ms();
    let (start, end) = (
        query.start.unwrap_or(now - 3_600_000),
        query.end.unwrap_or(now),
    );
    on_trail(
        &state,
        &headers,
        peer,
        &query.trail,
        move |store, blobs, trail| {
            let report = crate::cli::validate::validate_trail(
                store,
                blobs,
                &trail,
                None,
                start,
                end,
                |_| {},
            )?;
            let verdicts: Vec<Value> = report
                .verdicts
                .iter()
                .map(|v| json!({"kind": v.kind, "location": v.location, "problem": v.problem}))
                .collect();
            Ok(json!({
                "valid": report.is_valid(),
                "verdicts": verdicts,
                "summary": report.summary(),
            }))
        },
    )
    .await
}
