//! CloudTrail Insights events, generated here from the event log. Each trail with Insights
//! selectors has watchers: one per region it logs, Insights type and watched category
//! (management insights are the account's, shared by every trail that watches them; data event
//! insights are the trail's own, `insightSource` = its ARN). A watcher counts each period's
//! calls per API (`ApiCallRateInsight`: write management calls, or the data events the trail
//! admits; `ApiErrorRateInsight`: calls that failed, per error code) once the period is over.
//!
//! AWS publishes no detection rule; this one is stated here. The baseline of an API is its
//! average count per period over the periods watched (an exponentially weighted mean over about
//! seven days' worth). After `baseline_periods` periods, a period with at least
//! [`MIN_CALLS`] calls and more than [`FACTOR`] times the baseline starts an Insight (a `Start`
//! event); the first period back under that line ends it (an `End` event with the same
//! `sharedEventID`, the insight's average and duration). Insights events go into the event log
//! with category `Insight` (LookupEvents `EventCategory=insight`, ListInsightsData) and are
//! delivered by the trails that watch them under `CloudTrail-Insight/`. Periods are counted in
//! a read ([`count_due`]) and applied in a short fenced write ([`apply`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use trailroom_store::{Doc, EventQuery, EventRow, ReadTxn, StoreError, WriteTxn};

use crate::trails::{REGIONS, TRAIL_KIND, TrailRecord, admits};

/// Document kind of a watcher's state (account = watched account, id = watcher id).
pub const WATCH_KIND: &str = "ct_insight_watch";
/// The fewest calls in a period that can start an Insight.
pub const MIN_CALLS: u64 = 10;
/// How many times its baseline a period's count must exceed.
pub const FACTOR: f64 = 5.0;
/// Periods the baseline averages over (seven days of minutes), as a weight.
const BASELINE_SPAN: f64 = 7.0 * 24.0 * 60.0;
/// Periods one pass catches up at most.
const MAX_PERIODS_PER_PASS: usize = 240;
/// Events read per page while counting.
const SCAN_PAGE: usize = 5_000;

/// How watching is paced.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The counting period, ms (a minute).
    pub period_ms: i64,
    /// Periods watched before the first Insight can start.
    pub baseline_periods: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            period_ms: 60_000,
            baseline_periods: 60,
        }
    }
}

/// A watcher's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Watch {
    /// Start of the next period to count.
    next_ms: i64,
    /// Periods watched (weighted, at most [`BASELINE_SPAN`]).
    observed: f64,
    /// Weighted call totals per API, for the baselines.
    totals: BTreeMap<String, f64>,
    /// Insights under way, per API.
    active: BTreeMap<String, Active>,
}

/// An Insight under way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Active {
    shared_id: String,
    baseline: f64,
    periods: u32,
    calls: u64,
    attributions: BTreeMap<String, BTreeMap<String, u64>>,
}

/// One period's calls of one API.
#[derive(Debug, Default)]
struct Counted {
    calls: u64,
    attributions: BTreeMap<String, BTreeMap<String, u64>>,
}

/// What a watcher watches.
struct Watcher {
    id: String,
    account: String,
    region: String,
    insight: String,
    category: &'static str,
    /// The trail whose data events are watched (data event insights).
    trail: Option<TrailRecord>,
}

/// Whether any trail has Insights selectors (nothing to watch otherwise).
pub fn anything_watched(txn: &dyn ReadTxn) -> Result<bool, StoreError> {
    Ok(watchers(txn)?.into_iter().next().is_some())
}

/// The watchers of every trail with Insights selectors (each management watcher once). An
/// organization trail watches its owner's calls.
fn watchers(txn: &dyn ReadTxn) -> Result<Vec<Watcher>, StoreError> {
    let mut out: BTreeMap<String, Watcher> = BTreeMap::new();
    for doc in txn.list_kind(TRAIL_KIND)? {
        let trail: TrailRecord = doc.decode()?;
        let regions: Vec<String> = match trail.is_multi_region_trail {
            true => REGIONS.iter().map(|r| (*r).to_owned()).collect(),
            false => vec![trail.home_region.clone()],
        };
        for selector in &trail.insight_selectors {
            let categories: Vec<&'static str> = match selector.event_categories.as_slice() {
                [] => vec!["Management"],
                given => ["Management", "Data"]
                    .into_iter()
                    .filter(|c| given.iter().any(|g| g == c))
                    .collect(),
            };
            for category in categories {
                for region in &regions {
                    let (id, watched_trail) = match category {
                        "Data" => (
                            format!(
                                "data|{}|{region}|{}",
                                trail.trail_arn, selector.insight_type
                            ),
                            Some(trail.clone()),
                        ),
                        _ => (
                            format!(
                                "management|{}|{region}|{}",
                                trail.account_id, selector.insight_type
                            ),
                            None,
                        ),
                    };
                    out.entry(id.clone()).or_insert(Watcher {
                        id,
                        account: trail.account_id.clone(),
                        region: region.clone(),
                        insight: selector.insight_type.clone(),
                        category,
                        trail: watched_trail,
                    });
                }
            }
        }
    }
    Ok(out.into_values().collect())
}

/// What a read counted for the watchers: each one's state as read, and the calls of each
/// period that is over since.
pub struct Plan {
    watchers: Vec<Planned>,
    now_ms: i64,
}

/// One watcher's part of a [`Plan`]: the watcher, its state as read (`None`: new), the calls of
/// each period over since.
type Planned = (Watcher, Option<Watch>, Vec<BTreeMap<String, Counted>>);

fn load(txn: &dyn ReadTxn, watcher: &Watcher) -> Result<Option<Watch>, StoreError> {
    txn.get(&watcher.account, WATCH_KIND, &watcher.id)?
        .map(|d| d.decode())
        .transpose()
}

/// A new watcher starts with the current period.
fn fresh(now_ms: i64, settings: Settings) -> Watch {
    Watch {
        next_ms: now_ms - now_ms.rem_euclid(settings.period_ms),
        ..Watch::default()
    }
}

/// Counts, in a read (the writer is not held while the log is scanned), every watcher's periods
/// that are over at `now_ms`.
pub fn count_due(txn: &dyn ReadTxn, now_ms: i64, settings: Settings) -> Result<Plan, StoreError> {
    let grace = settings.period_ms / 4;
    let mut planned = Vec::new();
    for watcher in watchers(txn)? {
        let stored = load(txn, &watcher)?;
        let mut next = stored
            .as_ref()
            .map_or_else(|| fresh(now_ms, settings).next_ms, |w| w.next_ms);
        let mut periods = Vec::new();
        while next + settings.period_ms + grace <= now_ms && periods.len() < MAX_PERIODS_PER_PASS {
            periods.push(count(txn, &watcher, next, settings.period_ms)?);
            next += settings.period_ms;
        }
        if stored.is_none() || !periods.is_empty() {
            planned.push((watcher, stored, periods));
        }
    }
    Ok(Plan {
        watchers: planned,
        now_ms,
    })
}

/// Applies `plan` in a write: each watcher whose state is still the one counted from judges its
/// periods, appends the Insights events they start or end, and is saved (one whose state moved
/// meanwhile is left for the next pass). Returns the events appended.
pub fn apply(tx: &mut dyn WriteTxn, plan: Plan, settings: Settings) -> Result<usize, StoreError> {
    let mut appended = 0;
    for (watcher, counted_from, periods) in plan.watchers {
        if load(&*tx, &watcher)? != counted_from {
            continue;
        }
        let mut watch = counted_from.unwrap_or_else(|| fresh(plan.now_ms, settings));
        for counted in periods {
            for event in judge(&mut watch, &watcher, counted, settings) {
                tx.append_event(&event)?;
                appended += 1;
            }
            watch.next_ms += settings.period_ms;
        }
        tx.put(&Doc::new(
            &watcher.account,
            WATCH_KIND,
            &watcher.id,
            &watch,
        )?)?;
    }
    Ok(appended)
}

/// The API a watched call counts for, or `None` when the watcher does not count it.
fn series(watcher: &Watcher, row: &EventRow, record: &Value) -> Option<String> {
    let error = record["errorCode"].as_str();
    let counted = match (watcher.insight.as_str(), watcher.category) {
        ("ApiErrorRateInsight", _) => error.is_some(),
        (_, "Management") => !row.read_only,
        _ => true,
    };
    if !counted {
        return None;
    }
    let code = match watcher.insight.as_str() {
        "ApiErrorRateInsight" => error.unwrap_or_default(),
        _ => "",
    };
    Some(format!("{}\t{}\t{code}", row.event_source, row.event_name))
}

/// One period's calls per API, with who made them.
fn count(
    txn: &dyn ReadTxn,
    watcher: &Watcher,
    start_ms: i64,
    period_ms: i64,
) -> Result<BTreeMap<String, Counted>, StoreError> {
    let mut out: BTreeMap<String, Counted> = BTreeMap::new();
    let mut before = None;
    loop {
        let rows = txn.lookup_events(&EventQuery {
            account_id: watcher.account.clone(),
            region: watcher.region.clone(),
            key: None,
            start_ms,
            end_ms: start_ms + period_ms - 1,
            before,
            category: watcher.category.into(),
            limit: SCAN_PAGE,
        })?;
        for row in &rows {
            if let Some(trail) = &watcher.trail
                && !admits(trail, row)
            {
                continue;
            }
            let record: Value = serde_json::from_str(&row.record_json).unwrap_or(Value::Null);
            let Some(key) = series(watcher, row, &record) else {
                continue;
            };
            let entry = out.entry(key).or_default();
            entry.calls += 1;
            let mut attribute = |name: &str, value: Option<&str>| {
                if let Some(value) = value {
                    *entry
                        .attributions
                        .entry(name.to_owned())
                        .or_default()
                        .entry(value.to_owned())
                        .or_default() += 1;
                }
            };
            attribute("userIdentityArn", record["userIdentity"]["arn"].as_str());
            attribute("userAgent", record["userAgent"].as_str());
            if watcher.insight == "ApiCallRateInsight" {
                attribute(
                    "errorCode",
                    Some(record["errorCode"].as_str().unwrap_or("")),
                );
            }
        }
        match rows.last() {
            Some(last) if rows.len() == SCAN_PAGE => before = Some((last.event_time_ms, last.seq)),
            _ => return Ok(out),
        }
    }
}

fn threshold(baseline: f64) -> f64 {
    (FACTOR * baseline).max(MIN_CALLS as f64 - 0.5)
}

/// Decides one period: the Insights it starts (dated at its start) and ends (dated at the start
/// of the first usual period); then folds it into the baselines.
fn judge(
    watch: &mut Watch,
    watcher: &Watcher,
    counted: BTreeMap<String, Counted>,
    settings: Settings,
) -> Vec<EventRow> {
    let mut events = Vec::new();
    let keys: Vec<String> = counted
        .keys()
        .chain(watch.active.keys())
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for key in keys {
        let now = counted.get(&key);
        let calls = now.map_or(0, |c| c.calls);
        match watch.active.get_mut(&key) {
            Some(active) if calls as f64 > threshold(active.baseline) => {
                active.periods += 1;
                active.calls += calls;
                merge(&mut active.attributions, now);
            }
            Some(_) => {
                if let Some(active) = watch.active.remove(&key) {
                    events.push(insight_event(
                        watcher,
                        &key,
                        "End",
                        &active,
                        watch.next_ms,
                        watch.observed,
                    ));
                }
            }
            None => {
                let baseline =
                    watch.totals.get(&key).copied().unwrap_or(0.0) / watch.observed.max(1.0);
                let ready = watch.observed >= f64::from(settings.baseline_periods);
                if ready && calls as f64 > threshold(baseline) {
                    let mut active = Active {
                        shared_id: insight_id(&watcher.id, &key, watch.next_ms, "shared"),
                        baseline,
                        periods: 1,
                        calls,
                        attributions: BTreeMap::new(),
                    };
                    merge(&mut active.attributions, now);
                    events.push(insight_event(
                        watcher,
                        &key,
                        "Start",
                        &active,
                        watch.next_ms,
                        watch.observed,
                    ));
                    watch.active.insert(key.clone(), active);
                }
            }
        }
    }
    // The baselines: a weighted mean over about BASELINE_SPAN periods.
    let keep = match watch.observed >= BASELINE_SPAN {
        true => 1.0 - 1.0 / BASELINE_SPAN,
        false => 1.0,
    };
    for total in watch.totals.values_mut() {
        *total *= keep;
    }
    for (key, c) in &counted {
        *watch.totals.entry(key.clone()).or_default() += c.calls as f64;
    }
    watch.totals.retain(|_, t| *t > 1e-6);
    watch.observed = (watch.observed * keep + 1.0).min(BASELINE_SPAN);
    events
}

fn merge(into: &mut BTreeMap<String, BTreeMap<String, u64>>, counted: Option<&Counted>) {
    for (attribute, values) in counted.map(|c| &c.attributions).into_iter().flatten() {
        let mine = into.entry(attribute.clone()).or_default();
        for (value, n) in values {
            *mine.entry(value.clone()).or_default() += n;
        }
    }
}

/// A UUID-shaped id derived from its parts (the same Insight gets the same ids on a retry).
fn insight_id(watcher: &str, key: &str, at_ms: i64, what: &str) -> String {
    trailroom_delivery::keys::uuid_from(&format!("{watcher}|{key}|{at_ms}|{what}"))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The Insights event record (trail format) and its event log row.
fn insight_event(
    watcher: &Watcher,
    key: &str,
    state: &str,
    active: &Active,
    at_ms: i64,
    observed: f64,
) -> EventRow {
    let mut parts = key.splitn(3, '\t');
    let (source, name, code) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let event_id = insight_id(&watcher.id, key, at_ms, state);
    let attributions: Vec<Value> = active
        .attributions
        .iter()
        .map(|(attribute, values)| {
            let mut top: Vec<(&String, &u64)> = values.iter().collect();
            top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            top.truncate(5);
            json!({
                "attribute": attribute,
                "insight": top.iter().map(|(value, n)| json!({
                    "value": value,
                    "average": round2(**n as f64 / f64::from(active.periods)),
                })).collect::<Vec<_>>(),
                "baseline": [],
            })
        })
        .collect();
    let mut details = json!({
        "state": state,
        "eventSource": source,
        "eventName": name,
        "insightType": watcher.insight,
        "sourceEventCategory": watcher.category,
        "insightContext": {
            "statistics": {
                "baseline": {"average": round2(active.baseline)},
                "insight": {"average": round2(active.calls as f64 / f64::from(active.periods))},
                "insightDuration": active.periods,
                "baselineDuration": observed.round() as i64,
            },
            "attributions": attributions,
        },
    });
    if !code.is_empty() {
        details["errorCode"] = json!(code);
    }
    if let Some(trail) = &watcher.trail {
        details["insightSource"] = json!(trail.trail_arn);
    }
    let time = chrono::DateTime::from_timestamp_millis(at_ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let record = json!({
        "eventVersion": "1.08",
        "eventTime": time,
        "awsRegion": watcher.region,
        "eventID": event_id,
        "eventType": "AwsCloudTrailInsight",
        "recipientAccountId": watcher.account,
        "sharedEventID": active.shared_id,
        "insightDetails": details,
        "eventCategory": "Insight",
    });
    EventRow {
        seq: 0,
        event_id,
        account_id: watcher.account.clone(),
        region: watcher.region.clone(),
        event_time_ms: at_ms,
        event_name: name.to_owned(),
        event_source: source.to_owned(),
        username: None,
        access_key_id: None,
        read_only: false,
        category: "Insight".into(),
        resources: Vec::new(),
        record_json: record.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watcher() -> Watcher {
        Watcher {
            id: "management|111122223333|us-east-1|ApiCallRateInsight".into(),
            account: "111122223333".into(),
            region: "us-east-1".into(),
            insight: "ApiCallRateInsight".into(),
            category: "Management",
            trail: None,
        }
    }

    fn period(calls: u64) -> BTreeMap<String, Counted> {
        let mut out = BTreeMap::new();
        if calls > 0 {
            out.insert(
                "a4b.amazonaws.com\tCreateRoom\t".to_owned(),
                Counted {
                    calls,
                    attributions: BTreeMap::from([(
                        "userIdentityArn".to_owned(),
                        BTreeMap::from([("arn:aws:iam::111122223333:user/u".to_owned(), calls)]),
                    )]),
                },
            );
        }
        out
    }

    #[test]
    fn a_burst_over_the_baseline_starts_and_ends_one_insight() {
        let settings = Settings {
            period_ms: 60_000,
            baseline_periods: 5,
        };
        let (watcher, mut watch) = (watcher(), Watch::default());
        let step = |calls: u64, watch: &mut Watch| {
            let events = judge(watch, &watcher, period(calls), settings);
            watch.next_ms += settings.period_ms;
            events
        };
        // No Insight before the baseline is ready, however busy.
        let mut young = Watch::default();
        assert!(judge(&mut young, &watcher, period(50), settings).is_empty());
        // A steady two calls a period: the baseline.
        for _ in 0..5 {
            assert!(step(2, &mut watch).is_empty());
        }
        // Ten calls is five times two: not more than five times, so not unusual.
        assert!(step(10, &mut watch).is_empty());
        let start = step(40, &mut watch);
        assert_eq!(start.len(), 1);
        let record: Value = serde_json::from_str(&start[0].record_json).unwrap();
        assert_eq!(record["insightDetails"]["state"], "Start");
        assert_eq!(record["eventType"], "AwsCloudTrailInsight");
        assert!(step(45, &mut watch).is_empty(), "still under way");
        let end = step(1, &mut watch);
        assert_eq!(end.len(), 1);
        let ended: Value = serde_json::from_str(&end[0].record_json).unwrap();
        assert_eq!(ended["insightDetails"]["state"], "End");
        assert_eq!(ended["sharedEventID"], record["sharedEventID"]);
        let stats = &ended["insightDetails"]["insightContext"]["statistics"];
        assert_eq!(stats["insightDuration"], 2);
        assert_eq!(stats["insight"]["average"], 42.5);
        let attribution = &ended["insightDetails"]["insightContext"]["attributions"][0];
        assert_eq!(attribution["attribute"], "userIdentityArn");
        assert_eq!(attribution["insight"][0]["average"], 42.5);
        assert!(step(2, &mut watch).is_empty());
    }
}
