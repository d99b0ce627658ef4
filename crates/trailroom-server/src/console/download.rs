//! Downloads of the current Event history results as CSV or JSON (at most 200,000 events, as the
//! AWS console), recorded as one `LookupEvents` call. The file streams page by page from a
//! blocking thread, so a download's memory is a few pages and it never holds up other requests.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use trailroom_audit::CallContext;
use trailroom_model::cloudtrail::{Event, LookupEventsResponse};

use super::{Filter, api_error, lookup_context, session};
use crate::state::AppState;

/// Most events in one download.
const MAX_EVENTS: usize = 200_000;
/// Events per lookup page (LookupEvents' most).
const PAGE: i32 = 50;
/// Pages rendered ahead of what the client has read.
const CHUNKS_IN_FLIGHT: usize = 4;

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
    let caller = match session::signed_in(&state, &headers) {
        Ok(caller) => caller,
        Err(refused) => return *refused,
    };
    if let Err(err) = filter.check_region() {
        return api_error(&err);
    }
    let ctx = lookup_context(&state, caller, &filter.region, peer, &headers);
    let mut filter = filter.clone();
    filter.max = Some(PAGE);
    filter.token = None;
    let parameters = trailroom_model::Audit::to_audit_json(&filter.request());
    ctx.set_request_parameters(parameters.clone());
    // The first page decides the call's outcome, recorded before anything is sent.
    let first = match ctx.check_authorized(Some(&parameters)) {
        Err(denied) => Err(denied),
        Ok(()) => {
            trailroom_cloudtrail::lookup::lookup_events(
                &ctx,
                filter.request(),
                state.cloudtrail.retention_days(),
                state.cloudtrail.archive.as_deref(),
            )
            .await
        }
    };
    if let Err(err) = ctx
        .finish(first.as_ref().map(|_| serde_json::Value::Null))
        .await
    {
        return api_error(&err);
    }
    let first = match first {
        Ok(page) => page,
        Err(err) => return api_error(&err),
    };
    let csv = format.format == "csv";
    let (kind, extension) = match csv {
        true => ("text/csv; charset=utf-8", "csv"),
        false => ("application/json", "json"),
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(CHUNKS_IN_FLIGHT);
    tokio::task::spawn_blocking(move || produce(&ctx, &state, filter, first, csv, &tx));
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, std::convert::Infallible>(chunk), rx))
    });
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    let disposition = format!("attachment; filename=\"event-history.{extension}\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Writes the file page by page into `tx`, on a blocking thread: at most
/// [`CHUNKS_IN_FLIGHT`] pages are held at once whatever the download's size, and a client that
/// goes away ends it.
fn produce(
    ctx: &CallContext,
    state: &AppState,
    mut filter: Filter,
    first: LookupEventsResponse,
    csv: bool,
    tx: &tokio::sync::mpsc::Sender<Bytes>,
) {
    let mut page = first;
    let mut sent = 0;
    let mut chunk = String::from(match csv {
        true => CSV_HEADER,
        false => "{\"Records\":[",
    });
    loop {
        let events = page.events.take().unwrap_or_default();
        let take = events.len().min(MAX_EVENTS - sent);
        for event in &events[..take] {
            match csv {
                true => push_csv_row(&mut chunk, event),
                false => push_json_record(&mut chunk, event, sent == 0),
            }
            sent += 1;
        }
        let next = page.next_token.take().filter(|_| sent < MAX_EVENTS);
        if next.is_none() && !csv {
            chunk.push_str("]}");
        }
        if tx
            .blocking_send(Bytes::from(std::mem::take(&mut chunk)))
            .is_err()
        {
            return;
        }
        let Some(token) = next else {
            return;
        };
        filter.token = Some(token);
        // A blocking thread of the runtime: it may wait for the lookup's reads here.
        let lookup = trailroom_cloudtrail::lookup::lookup_events(
            ctx,
            filter.request(),
            state.cloudtrail.retention_days(),
            state.cloudtrail.archive.as_deref(),
        );
        page = match tokio::runtime::Handle::current().block_on(lookup) {
            Ok(page) => page,
            Err(err) => {
                // Already answered 200: end the file where it is (the client sees it cut short).
                tracing::warn!(error = %err, "event history download ended early");
                return;
            }
        };
    }
}

/// One record of `{"Records":[…]}`, the full record as CloudTrail's own files hold it.
fn push_json_record(out: &mut String, event: &Event, first: bool) {
    if let Some(record) = event.cloud_trail_event.as_deref() {
        if !first {
            out.push(',');
        }
        out.push_str(record);
    }
}

const CSV_HEADER: &str = "Event ID,Event time,User name,Event name,Event source,Resource type,Resource name,AWS access key,Read-only\n";

fn push_csv_row(out: &mut String, e: &Event) {
    {
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
}

/// Quotes a CSV field, and defuses spreadsheet formulas (CSV injection, which AWS warns about).
pub(crate) fn csv_field(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
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
