//! ListInsightsData: the Insights events of a trail's data events ([`super::detector`]) in the
//! calling region, newest first, at most 50 a page, filtered by one dimension (`EventId`,
//! `EventName` or `EventSource`) and a time range within the last 90 days. A member account
//! cannot call it on its organization's trail.

use trailroom_audit::{CallContext, store_failure};
use trailroom_model::Timestamp;
use trailroom_model::cloudtrail::{ListInsightsDataRequest, ListInsightsDataResponse};
use trailroom_protocol::ApiError;
use trailroom_store::{EventQuery, EventRow, LookupKey};

use crate::lookup::{decode_token, encode_token, to_event};
use crate::trails::{Caller, ResolveAccess};

const DAY_MS: i64 = 24 * 3_600_000;
/// Rows read per page while filtering.
const SCAN_PAGE: usize = 500;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidParameterException", message)
}

/// The insight's trail, from its record.
fn insight_source(row: &EventRow) -> Option<String> {
    let record: serde_json::Value = serde_json::from_str(&row.record_json).ok()?;
    let details = &record["insightDetails"];
    (details["sourceEventCategory"] == "Data")
        .then(|| details["insightSource"].as_str().map(str::to_owned))
        .flatten()
}

/// ListInsightsData.
pub(crate) fn list_insights_data(
    ctx: &CallContext,
    input: ListInsightsDataRequest,
) -> Result<ListInsightsDataResponse, ApiError> {
    let source = input
        .insight_source
        .clone()
        .ok_or_else(|| invalid("InsightSource is required."))?;
    if input.data_type.as_deref() != Some("InsightsEvents") {
        return Err(invalid("DataType must be InsightsEvents."));
    }
    let caller = Caller {
        account: ctx.account_id(),
        region: ctx.region(),
    };
    let trail = ctx
        .read(|txn| caller.find(txn, &source, ResolveAccess::Read, false))
        .map_err(|e| match e.code() {
            "TrailNotFoundException"
            | "CloudTrailARNInvalidException"
            | "InvalidTrailNameException" => invalid(format!(
                "InsightSource {source} is not a trail of this account."
            )),
            _ => e,
        })?;
    if trail.account_id != ctx.account_id() {
        return Err(ApiError::client(
            "OperationNotPermittedException",
            "Member accounts cannot list the Insights events of their organization's trail.",
        ));
    }
    let key = match input
        .dimensions
        .as_ref()
        .map(|d| d.iter().collect::<Vec<_>>())
    {
        None => None,
        Some(pairs) => match pairs.as_slice() {
            [(name, value)] if ["EventId", "EventName", "EventSource"].contains(&name.as_str()) => {
                Some(LookupKey::parse(name, value).map_err(|e| invalid(e.to_string()))?)
            }
            _ => {
                return Err(invalid(
                    "Dimensions holds one of EventId, EventName or EventSource.",
                ));
            }
        },
    };
    let now = ctx.now_ms();
    let oldest = now - 90 * DAY_MS;
    let start = input
        .start_time
        .map_or(oldest, Timestamp::epoch_millis)
        .max(oldest);
    let end = input.end_time.map_or(now, Timestamp::epoch_millis);
    if start > end {
        return Err(invalid("StartTime must not be after EndTime."));
    }
    let limit = input.max_results.unwrap_or(50).clamp(1, 50) as usize;
    // A token is bound to the request as given (not its defaults, which move with time).
    let binding = format!(
        "{}|{:?}|{:?}|{:?}",
        trail.trail_arn,
        input.dimensions.as_ref(),
        input.start_time.map(Timestamp::epoch_millis),
        input.end_time.map(Timestamp::epoch_millis),
    );
    let binding = hex::encode(&<sha2::Sha256 as sha2::Digest>::digest(binding)[..8]);
    let mut before = input
        .next_token
        .as_deref()
        .map(|t| decode_token(t, &binding))
        .transpose()?;
    let mut found: Vec<EventRow> = Vec::new();
    ctx.read(|txn| {
        loop {
            let rows = txn
                .lookup_events(&EventQuery {
                    account_id: ctx.account_id().to_owned(),
                    region: ctx.region().to_owned(),
                    key: key.clone(),
                    start_ms: start,
                    end_ms: end,
                    before,
                    category: "Insight".into(),
                    limit: SCAN_PAGE,
                })
                .map_err(store_failure)?;
            let full = rows.len() == SCAN_PAGE;
            before = rows.last().map(|r| (r.event_time_ms, r.seq));
            found.extend(
                rows.into_iter()
                    .filter(|r| insight_source(r).as_deref() == Some(trail.trail_arn.as_str())),
            );
            if found.len() > limit || !full {
                return Ok(());
            }
        }
    })?;
    let more = found.len() > limit;
    found.truncate(limit);
    let next_token = more
        .then(|| {
            found
                .last()
                .map(|r| encode_token(r.event_time_ms, r.seq, &binding))
        })
        .flatten();
    Ok(ListInsightsDataResponse {
        events: Some(found.into_iter().map(to_event).collect()),
        next_token,
    })
}
