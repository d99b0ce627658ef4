//! Aggregated data events: five-minute summaries of the data events a trail delivers, written
//! as `AwsAggregatedEvent` records under `CloudTrail-Aggregated/` for the templates the trail
//! was configured with (PutEventConfiguration): `API_ACTIVITY` (by `eventName`, detailed by
//! resource), `RESOURCE_ACCESS` (by resource ARN, detailed by `eventName`) and `USER_ACTIONS`
//! (by the caller's ARN, detailed by `eventName`).
//!
//! Counting happens in the delivery write that moves the cursor past a batch ([`Tally`]), so each
//! delivered data event is counted once; a five-minute window is written once its end is past
//! (by [`EMIT_GRACE_MS`]) or its logging window closes. An event counted after its window was
//! written (a call stored late) is written in a later file for the same window: the counts of a
//! window are the sum of its records.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use trailroom_store::EventRow;

/// The templates, as PutEventConfiguration names them.
pub const TEMPLATES: &[&str] = &["API_ACTIVITY", "RESOURCE_ACCESS", "USER_ACTIONS"];
/// The length of an aggregation window.
pub const WINDOW_MS: i64 = 5 * 60 * 1000;
/// How long after a window's end it is written, so calls in flight at its end are counted.
pub const EMIT_GRACE_MS: i64 = 60 * 1000;

/// Document kind of a trail incarnation's counts not yet written (account = trail owner, id =
/// the target's key).
pub const AGGREGATION_KIND: &str = "ct_delivery_aggregation";

/// Where a count belongs: window start, account, region, event source.
fn bucket_key(window_start: i64, account: &str, region: &str, source: &str) -> String {
    format!("{window_start}|{account}|{region}|{source}")
}

/// One call's summary dimensions: `eventName`, the resource, the caller.
fn call_key(event_name: &str, resource: &str, caller: &str) -> String {
    format!("{event_name}\t{resource}\t{caller}")
}

/// Counts of delivered data events not yet written, per window bucket and call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// `<window start>|<account>|<region>|<event source>` → `<eventName>\t<resource>\t<caller>` →
    /// count.
    pub buckets: BTreeMap<String, BTreeMap<String, u64>>,
    /// Emissions finished so far (names each emission's files uniquely and repeatably).
    #[serde(default)]
    pub emitted: u64,
    /// The emission under way: its buckets, moved out of `buckets` before any file is written,
    /// so a retry (on this node or another) writes the same files under the same keys.
    #[serde(default)]
    pub pending: Option<BTreeMap<String, BTreeMap<String, u64>>>,
}

impl Tally {
    /// Counts the data events among `rows` (already admitted by the trail).
    pub fn count(&mut self, rows: &[EventRow]) {
        for row in rows.iter().filter(|r| r.category == "Data") {
            let window = row.event_time_ms - row.event_time_ms.rem_euclid(WINDOW_MS);
            let bucket = bucket_key(window, &row.account_id, &row.region, &row.event_source);
            let resource = main_resource(row);
            let caller = caller_arn(row);
            *self
                .buckets
                .entry(bucket)
                .or_default()
                .entry(call_key(&row.event_name, &resource, &caller))
                .or_default() += 1;
        }
    }

    /// Adds `other`'s counts.
    pub fn merge(&mut self, other: Tally) {
        for (bucket, calls) in other.buckets {
            let mine = self.buckets.entry(bucket).or_default();
            for (call, n) in calls {
                *mine.entry(call).or_default() += n;
            }
        }
    }

    /// Moves the buckets due at `now_ms` (all of them when `all`) into a pending emission;
    /// whether there is one to write now.
    pub fn plan(&mut self, now_ms: i64, all: bool) -> bool {
        if self.pending.is_none() {
            let due = self.due(now_ms, all);
            if !due.is_empty() {
                let moved = due
                    .into_iter()
                    .filter_map(|b| self.buckets.remove_entry(&b))
                    .collect();
                self.pending = Some(moved);
            }
        }
        self.pending.is_some()
    }

    /// The buckets due at `now_ms` (all of them when `all`).
    pub fn due(&self, now_ms: i64, all: bool) -> Vec<String> {
        self.buckets
            .keys()
            .filter(|key| {
                all || window_start(key).is_some_and(|s| s + WINDOW_MS + EMIT_GRACE_MS <= now_ms)
            })
            .cloned()
            .collect()
    }
}

fn window_start(bucket: &str) -> Option<i64> {
    bucket.split('|').next()?.parse().ok()
}

/// The resource a data event is about: its first resource that is not an object inside a
/// bucket (the bucket, as AWS's examples summarize S3), else its first.
fn main_resource(row: &EventRow) -> String {
    row.resources
        .iter()
        .find(|(kind, _)| kind != "AWS::S3::Object")
        .or_else(|| row.resources.first())
        .map(|(_, arn)| arn.clone())
        .unwrap_or_default()
}

/// The caller's ARN (`userIdentity.arn`), or its account for a service.
fn caller_arn(row: &EventRow) -> String {
    let record: Value = serde_json::from_str(&row.record_json).unwrap_or(Value::Null);
    let identity = &record["userIdentity"];
    identity["arn"]
        .as_str()
        .or_else(|| identity["invokedBy"].as_str())
        .or_else(|| identity["accountId"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn statistics(counts: &BTreeMap<String, u64>) -> Value {
    let mut sorted: Vec<(&String, &u64)> = counts.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    Value::Array(
        sorted
            .into_iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect(),
    )
}

/// The `AwsAggregatedEvent` records of one bucket for `templates`, ids derived from `seed`.
pub fn records(
    bucket: &str,
    calls: &BTreeMap<String, u64>,
    templates: &[String],
    seed: &str,
) -> Vec<Value> {
    let mut parts = bucket.splitn(4, '|');
    let start: i64 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    let (account, region, source) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    // Each call as [eventName, resource, caller] and its count.
    let split: Vec<([&str; 3], u64)> = calls
        .iter()
        .map(|(key, n)| {
            let mut f = key.splitn(3, '\t');
            let mut next = || f.next().unwrap_or_default();
            ([next(), next(), next()], *n)
        })
        .collect();
    let mut out = Vec::new();
    for template in templates {
        // The primary and detail dimensions, and where each is in a call.
        let (primary, detail, p, d) = match template.as_str() {
            "API_ACTIVITY" => ("eventName", "resourceARN", 0, 1),
            "RESOURCE_ACCESS" => ("resourceARN", "eventName", 1, 0),
            "USER_ACTIONS" => ("userIdentity", "eventName", 2, 0),
            _ => continue,
        };
        let mut by_primary: BTreeMap<&str, BTreeMap<String, u64>> = BTreeMap::new();
        for (fields, n) in &split {
            if fields[p].is_empty() {
                continue;
            }
            let details = by_primary.entry(fields[p]).or_default();
            if !fields[d].is_empty() {
                *details.entry(fields[d].to_owned()).or_default() += n;
            }
            *details.entry(String::new()).or_default() += n;
        }
        for (value, mut details) in by_primary {
            let total = details.remove("").unwrap_or_default();
            let details = match details.is_empty() {
                true => json!([]),
                false => json!([{
                    "dimension": detail,
                    "statistics": statistics(&details),
                    "aggregationType": "Count"
                }]),
            };
            out.push(json!({
                "eventVersion": "1.0",
                "accountId": account,
                "eventId": crate::keys::uuid_from(&format!("{seed}|{bucket}|{template}|{value}")),
                "eventCategory": "Aggregated",
                "eventType": "AwsAggregatedEvent",
                "awsRegion": region,
                "eventSource": source,
                "timeWindow": {
                    "windowStart": iso(start),
                    "windowEnd": iso(start + WINDOW_MS),
                    "windowSize": "PT5M"
                },
                "summary": {
                    "primaryDimension": {
                        "dimension": primary,
                        "statistics": [{"name": value, "value": total}],
                        "aggregationType": "Count"
                    },
                    "details": details
                }
            }));
        }
    }
    out
}

/// The account and region of a bucket key.
pub fn bucket_location(bucket: &str) -> (String, String) {
    let mut parts = bucket.splitn(4, '|').skip(1);
    (
        parts.next().unwrap_or_default().to_owned(),
        parts.next().unwrap_or_default().to_owned(),
    )
}

/// The end of a bucket's window, ms.
pub fn bucket_end(bucket: &str) -> i64 {
    window_start(bucket).unwrap_or_default() + WINDOW_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, at: i64, category: &str, caller: &str) -> EventRow {
        EventRow {
            seq: 1,
            event_id: "e".into(),
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            event_time_ms: at,
            event_name: name.into(),
            event_source: "s3.amazonaws.com".into(),
            username: None,
            access_key_id: None,
            read_only: false,
            category: category.into(),
            resources: vec![
                ("AWS::S3::Object".into(), "arn:aws:s3:::b/k".into()),
                ("AWS::S3::Bucket".into(), "arn:aws:s3:::b".into()),
            ],
            record_json: format!(r#"{{"userIdentity":{{"arn":"{caller}"}}}}"#),
        }
    }

    #[test]
    fn data_events_are_counted_per_window_and_summarized_per_template() {
        let mut tally = Tally::default();
        let t0 = 1_700_000_100_000 - 1_700_000_100_000 % WINDOW_MS;
        tally.count(&[
            row("PutObject", t0 + 1, "Data", "arn:u1"),
            row("PutObject", t0 + 2, "Data", "arn:u2"),
            row("GetObject", t0 + 3, "Data", "arn:u1"),
            row("PutObject", t0 + WINDOW_MS, "Data", "arn:u1"),
            row("CreateBucket", t0 + 4, "Management", "arn:u1"),
        ]);
        assert_eq!(tally.buckets.len(), 2);
        assert!(
            tally
                .due(t0 + WINDOW_MS + EMIT_GRACE_MS - 1, false)
                .is_empty()
        );
        let due = tally.due(t0 + WINDOW_MS + EMIT_GRACE_MS, false);
        assert_eq!(due.len(), 1);
        let templates: Vec<String> = TEMPLATES.iter().map(|t| t.to_string()).collect();
        let records = records(&due[0], &tally.buckets[&due[0]], &templates, "s");
        let summary = |dimension: &str, name: &str| {
            records
                .iter()
                .find(|r| {
                    r["summary"]["primaryDimension"]["dimension"] == dimension
                        && r["summary"]["primaryDimension"]["statistics"][0]["name"] == name
                })
                .map(|r| r["summary"]["primaryDimension"]["statistics"][0]["value"].clone())
        };
        assert_eq!(summary("eventName", "PutObject"), Some(json!(2)));
        assert_eq!(summary("eventName", "GetObject"), Some(json!(1)));
        assert_eq!(summary("resourceARN", "arn:aws:s3:::b"), Some(json!(3)));
        assert_eq!(summary("userIdentity", "arn:u1"), Some(json!(2)));
        assert_eq!(records.len(), 2 + 1 + 2);
        // Repeatable: the same bucket and seed give the same ids.
        assert_eq!(
            records,
            super::records(&due[0], &tally.buckets[&due[0]], &templates, "s")
        );
        // Planned, the emission is fixed: a call counted late for its window waits for the next.
        assert!(tally.plan(t0 + WINDOW_MS + EMIT_GRACE_MS, false));
        let pending = tally.pending.clone().unwrap();
        assert_eq!(pending.keys().collect::<Vec<_>>(), vec![&due[0]]);
        tally.count(&[row("PutObject", t0 + 5, "Data", "arn:u3")]);
        assert_eq!(tally.pending, Some(pending));
        assert!(tally.buckets.contains_key(&due[0]));
        assert!(
            tally.plan(t0, false),
            "a pending emission is written before anything new"
        );
    }
}
