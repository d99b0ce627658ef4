//! Downloads of the current Event history results as CSV or JSON (at most 200,000 events, as the
//! AWS console), recorded as one `LookupEvents` call.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trailroom_model::cloudtrail::Event;

use super::{Filter, api_error, lookup_context, session};
use crate::app::AppState;

/// Most events in one download.
const MAX_EVENTS: usize = 200_000;

/// The file format asked for (`csv` or `json`); the filter comes as the same query's other keys.
#[derive(Deserialize)]
pub(crate) struct Format {
    format: String,
}

pub(crate) async fn download(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(format): Query<Format>,
    Query(filter): Query<Filter>,
) -> Response {
    let Some(caller) = state.sessions.caller(&headers, state.clock.now_ms()) else {
        return session::unauthorized();
    };
    let ctx = lookup_context(&state, caller, &filter.region, peer, &headers);
    let mut filter = filter.clone();
    filter.max = Some(50);
    filter.token = None;
    let mut events = Vec::new();
    ctx.set_request_parameters(trailroom_model::Audit::to_audit_json(&filter.request()));
    let outcome = loop {
        let page = match trailroom_cloudtrail::lookup::lookup_events(
            &ctx,
            filter.request(),
            state.cloudtrail.retention_days(),
        ) {
            Ok(page) => page,
            Err(err) => break Err(err),
        };
        events.extend(page.events.unwrap_or_default());
        match page.next_token {
            Some(token) if events.len() < MAX_EVENTS => filter.token = Some(token),
            _ => break Ok(()),
        }
    };
    if let Err(err) = ctx
        .finish(outcome.as_ref().map(|()| serde_json::Value::Null))
        .await
    {
        return api_error(&err);
    }
    if let Err(err) = outcome {
        return api_error(&err);
    }
    events.truncate(MAX_EVENTS);
    let (body, kind, extension) = match format.format.as_str() {
        "csv" => (to_csv(&events), "text/csv; charset=utf-8", "csv"),
        _ => (to_json(&events), "application/json", "json"),
    };
    let disposition = format!("attachment; filename=\"event-history.{extension}\"");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `{"Records":[…]}`, the full records, as CloudTrail's own files hold them.
fn to_json(events: &[Event]) -> String {
    let records: Vec<serde_json::Value> = events
        .iter()
        .filter_map(|e| {
            e.cloud_trail_event
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
        })
        .collect();
    serde_json::json!({ "Records": records }).to_string()
}

const CSV_COLUMNS: &str = "Event ID,Event time,User name,Event name,Event source,Resource type,Resource name,AWS access key,Read-only";

fn to_csv(events: &[Event]) -> String {
    let mut out = String::from(CSV_COLUMNS);
    out.push('\n');
    for e in events {
        let resources = e.resources.clone().unwrap_or_default();
        let join = |f: fn(&trailroom_model::cloudtrail::Resource) -> Option<String>| {
            resources
                .iter()
                .filter_map(f)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let time = e
            .event_time
            .and_then(|t| chrono::DateTime::from_timestamp_millis(t.epoch_millis()))
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default();
        let row = [
            e.event_id.clone().unwrap_or_default(),
            time,
            e.username.clone().unwrap_or_default(),
            e.event_name.clone().unwrap_or_default(),
            e.event_source.clone().unwrap_or_default(),
            join(|r| r.resource_type.clone()),
            join(|r| r.resource_name.clone()),
            e.access_key_id.clone().unwrap_or_default(),
            e.read_only.clone().unwrap_or_default(),
        ];
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}

/// Quotes a CSV field, and defuses spreadsheet formulas (CSV injection, which AWS warns about).
fn csv_field(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("plain"), "\"plain\"");
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=cmd()"), "\"'=cmd()\"");
    }
}
