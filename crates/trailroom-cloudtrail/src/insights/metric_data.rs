//! ListInsightsMetricData: the time series CloudTrail Insights watches, counted from Event
//! history. `ApiCallRateInsight` counts an API's write management calls per period,
//! `ApiErrorRateInsight` its calls (read or write) that failed with `ErrorCode`; with
//! `TrailName` the trail's data events are counted instead. There is data only where Insights
//! is on for that type: on a trail of the account visible in the region (or on the named trail,
//! for data events); elsewhere the series is empty.
//!
//! Periods are 60, 300 or 3600 seconds (the default), and reach back 15, 63 and 90 days as in
//! AWS; `FillWithZeros` (the default) answers every period of the range, `NonZeroData` only those
//! with calls. Timestamps are the periods' starts, oldest first; pages are offsets.

use std::collections::BTreeMap;

use trailroom_audit::{CallContext, store_failure};
use trailroom_model::Timestamp;
use trailroom_model::cloudtrail::{ListInsightsMetricDataRequest, ListInsightsMetricDataResponse};
use trailroom_protocol::ApiError;
use trailroom_store::{EventQuery, EventRow, LookupKey, ReadTxn};

use crate::trails::{Caller, ResolveAccess, TrailRecord};

const DAY_MS: i64 = 24 * 3_600_000;
/// Rows read from Event history per page while counting.
const SCAN_PAGE: usize = 5_000;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidParameterException", message)
}

/// How far back data points of `period_s` seconds reach, in ms.
fn history_ms(period_s: i32) -> Result<i64, ApiError> {
    match period_s {
        60 => Ok(15 * DAY_MS),
        300 => Ok(63 * DAY_MS),
        3600 => Ok(90 * DAY_MS),
        other => Err(invalid(format!(
            "Period must be 60, 300 or 3600 seconds: {other}"
        ))),
    }
}

/// What is counted.
struct Series {
    source: String,
    name: String,
    insight: String,
    error_code: Option<String>,
    category: &'static str,
}

impl Series {
    fn counts(&self, event: &EventRow) -> bool {
        if event.event_source != self.source {
            return false;
        }
        match &self.error_code {
            Some(code) => error_code(&event.record_json).as_deref() == Some(code.as_str()),
            None => !event.read_only,
        }
    }
}

fn error_code(record: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(record).ok()?;
    value.get("errorCode")?.as_str().map(str::to_owned)
}

/// Whether Insights of `insight` watches `category` events on `trail`.
fn watches(trail: &TrailRecord, insight: &str, category: &str) -> bool {
    trail.insight_selectors.iter().any(|s| {
        s.insight_type == insight
            && (s.event_categories.is_empty() && category == "Management"
                || s.event_categories.iter().any(|c| c == category))
    })
}

/// Where Insights watches the series.
enum Watched {
    /// Insights is off for it: there is no series.
    No,
    /// Insights is on for the account's management events.
    Account,
    /// Insights is on for the named trail's data events.
    Trail(String),
}

/// Whether (and where) Insights watches the series.
fn insights_on(
    txn: &dyn ReadTxn,
    caller: &Caller<'_>,
    trail_name: Option<&str>,
    series: &Series,
) -> Result<Watched, ApiError> {
    Ok(match trail_name {
        Some(name) => {
            let trail = caller.find(txn, name, ResolveAccess::Read, false)?;
            match watches(&trail, &series.insight, series.category) {
                true => Watched::Trail(trail.trail_arn),
                false => Watched::No,
            }
        }
        None => {
            let on = caller
                .visible_trails(txn)?
                .iter()
                .any(|t| watches(t, &series.insight, series.category));
            if on { Watched::Account } else { Watched::No }
        }
    })
}

/// Counts the series' events per period in `[start, end)`.
fn count(
    txn: &dyn ReadTxn,
    ctx: &CallContext,
    series: &Series,
    (start, end): (i64, i64),
    period_ms: i64,
) -> Result<BTreeMap<i64, f64>, ApiError> {
    let mut buckets = BTreeMap::new();
    let mut before = None;
    loop {
        let query = EventQuery {
            account_id: ctx.account_id().to_owned(),
            region: ctx.region().to_owned(),
            key: Some(LookupKey::EventName(series.name.clone())),
            start_ms: start,
            end_ms: end - 1,
            before,
            category: series.category.into(),
            limit: SCAN_PAGE,
        };
        let rows = txn.lookup_events(&query).map_err(store_failure)?;
        for event in rows.iter().filter(|e| series.counts(e)) {
            let slot = event.event_time_ms - (event.event_time_ms - start).rem_euclid(period_ms);
            *buckets.entry(slot).or_insert(0.0) += 1.0;
        }
        match rows.last() {
            Some(last) if rows.len() == SCAN_PAGE => before = Some((last.event_time_ms, last.seq)),
            _ => return Ok(buckets),
        }
    }
}

/// ListInsightsMetricData.
pub fn list_insights_metric_data(
    ctx: &CallContext,
    input: ListInsightsMetricDataRequest,
) -> Result<ListInsightsMetricDataResponse, ApiError> {
    let insight = input.insight_type.clone().unwrap_or_default();
    let error_code = input.error_code.clone();
    match (insight.as_str(), &error_code) {
        ("ApiErrorRateInsight", None) => {
            return Err(invalid("ApiErrorRateInsight needs an ErrorCode."));
        }
        ("ApiCallRateInsight", Some(_)) => {
            return Err(invalid("ErrorCode goes with ApiErrorRateInsight only."));
        }
        _ => {}
    }
    let period_s = input.period.unwrap_or(3600);
    let period_ms = i64::from(period_s) * 1000;
    let now = ctx.now_ms();
    let oldest = now - history_ms(period_s)?;
    let end = input.end_time.map_or(now, Timestamp::epoch_millis).min(now);
    let start = input
        .start_time
        .map_or(oldest, Timestamp::epoch_millis)
        .max(oldest);
    if start > end {
        return Err(invalid("StartTime must be before EndTime."));
    }
    // Periods are aligned to the epoch, as CloudWatch-style metrics are.
    let start = start - start.rem_euclid(period_ms);
    let series = Series {
        source: input.event_source.clone().unwrap_or_default(),
        name: input.event_name.clone().unwrap_or_default(),
        insight: insight.clone(),
        error_code: error_code.clone(),
        category: if input.trail_name.is_some() {
            "Data"
        } else {
            "Management"
        },
    };
    let caller = Caller {
        account: ctx.account_id(),
        region: ctx.region(),
    };
    let (watched, counted) = ctx.read(|txn| {
        let watched = insights_on(txn, &caller, input.trail_name.as_deref(), &series)?;
        let counted = match watched {
            Watched::No => BTreeMap::new(),
            _ => count(txn, ctx, &series, (start, end), period_ms)?,
        };
        Ok((watched, counted))
    })?;
    let points: Vec<(i64, f64)> = match (&watched, input.data_type.as_deref()) {
        (Watched::No, _) => Vec::new(),
        (_, Some("NonZeroData")) => counted.into_iter().collect(),
        (_, _) => (0..)
            .map(|i| start + i * period_ms)
            .take_while(|slot| *slot < end)
            .map(|slot| (slot, counted.get(&slot).copied().unwrap_or(0.0)))
            .collect(),
    };
    let offset = match input.next_token.as_deref() {
        None => 0,
        Some(token) => token
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= points.len())
            .ok_or_else(|| invalid("The NextToken is not valid."))?,
    };
    let size = input.max_results.map_or(21_600, |m| m.clamp(1, 21_600)) as usize;
    let page = &points[offset..(offset + size).min(points.len())];
    let next = offset + page.len();
    Ok(ListInsightsMetricDataResponse {
        trail_arn: match watched {
            Watched::Trail(arn) => Some(arn),
            _ => None,
        },
        event_source: input.event_source,
        event_name: input.event_name,
        insight_type: input.insight_type,
        error_code,
        timestamps: Some(
            page.iter()
                .map(|(t, _)| Timestamp::from_epoch_millis(*t))
                .collect(),
        ),
        values: Some(page.iter().map(|(_, v)| *v).collect()),
        next_token: (next < points.len()).then(|| next.to_string()),
    })
}
