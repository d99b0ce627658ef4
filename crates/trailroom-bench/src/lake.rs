//! The Lake benchmark: synthetic events ingested into two event data stores of a fresh lake
//! database (all of them into one, every tenth into the other), then the queries of
//! BENCHMARKS.md timed one by one on that lake: count by `eventName`, top callers, a nested-field
//! grouping over the last 30 days, a join of the two stores; then, with `clients` > 1, the same
//! queries run by that many clients at once (each client runs all four, starting at a different
//! one, so different queries overlap).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde::Serialize;
use trailroom_lake::{Lake, LakeError, LakeEvent, Limits, QuerySpec};

use crate::synthetic::EventFactory;

const ALL: &str = "00000000-0000-4000-8000-00000000a11a";
const TENTH: &str = "00000000-0000-4000-8000-0000000010a1";
/// Events per ingest transaction (the feeder reads 500 at a time).
const BATCH: u64 = 500;

/// One timed query.
#[derive(Debug, Serialize)]
pub struct QueryTiming {
    /// What it asks.
    pub name: &'static str,
    /// The SQL, with the stores' ids.
    pub sql: String,
    /// Wall-clock time from StartQuery to the last row stored, ms.
    pub millis: f64,
    /// Result rows.
    pub rows: i64,
}

/// What the benchmark measured.
#[derive(Debug, Serialize)]
pub struct LakeReport {
    /// Events ingested into the first store (the second holds a tenth).
    pub events: u64,
    /// Events per second into the lake (both stores' events counted), one thread.
    pub ingest_events_per_sec: f64,
    /// Microseconds per event per store.
    pub ingest_micros_per_event: f64,
    /// Lake database size per event held, bytes.
    pub bytes_per_event: f64,
    /// The queries, one at a time.
    pub queries: Vec<QueryTiming>,
    /// With several clients: how many ran at once.
    pub clients: usize,
    /// Every query each client ran, timed while the others ran theirs.
    pub concurrent: Vec<QueryTiming>,
    /// Wall time from the first client's start to the last one's end, ms.
    pub concurrent_wall_millis: f64,
}

/// Runs the benchmark in `dir` (which must be empty or new).
pub fn run(dir: &Path, events: u64, seed: u64, clients: usize) -> anyhow::Result<LakeReport> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("lake.db");
    if path.exists() {
        bail!("{} exists: give an empty directory", path.display());
    }
    let lake = Lake::open(&path, Limits::default())?;
    let now_ms = chrono_now_ms();
    let mut factory = EventFactory::new(seed, events, now_ms, 30);
    let started = Instant::now();
    let (mut batch_all, mut batch_tenth) = (Vec::new(), Vec::new());
    let (mut cursor_all, mut cursor_tenth) = (0i64, 0i64);
    let mut held = 0u64;
    for index in 0..events {
        let row = factory.event(index);
        let event = LakeEvent {
            seq: index as i64 + 1,
            time_ms: row.event_time_ms,
            record_json: row.record_json,
        };
        if index % 10 == 0 {
            batch_tenth.push(event.clone());
        }
        batch_all.push(event);
        if batch_all.len() as u64 == BATCH || index + 1 == events {
            let through = index as i64 + 1;
            lake.ingest(ALL, "bench/all", cursor_all, through, &batch_all)?;
            lake.ingest(TENTH, "bench/tenth", cursor_tenth, through, &batch_tenth)?;
            held += (batch_all.len() + batch_tenth.len()) as u64;
            cursor_all = through;
            cursor_tenth = through;
            batch_all.clear();
            batch_tenth.clear();
        }
    }
    let ingest = started.elapsed().as_secs_f64();
    let bytes = db_bytes(dir)?;
    let queries = [
        (
            "count by eventName",
            format!(
                "SELECT eventName, count(*) AS n FROM {ALL} GROUP BY eventName ORDER BY n DESC"
            ),
        ),
        (
            "top callers",
            format!(
                "SELECT userIdentity.arn, count(*) AS calls FROM {ALL} GROUP BY 1 \
                 ORDER BY calls DESC LIMIT 10"
            ),
        ),
        (
            "nested field, last 30 days",
            format!(
                "SELECT userIdentity.sessionContext.sessionIssuer.userName AS role, count(*) \
                 FROM {ALL} WHERE eventTime > date_add('day', -30, now()) GROUP BY 1 ORDER BY 2 DESC"
            ),
        ),
        (
            "join of two stores",
            format!(
                "SELECT a.eventName, count(*) FROM {ALL} a JOIN {TENTH} b ON a.eventID = b.eventID \
                 GROUP BY 1 ORDER BY 2 DESC"
            ),
        ),
    ];
    let mut timings = Vec::new();
    for (name, sql) in queries.clone() {
        timings.push(time_query(&lake, name, sql, now_ms)?);
    }
    let (concurrent, concurrent_wall_millis) = match clients > 1 {
        true => run_clients(&lake, &queries, clients, now_ms)?,
        false => (Vec::new(), 0.0),
    };
    Ok(LakeReport {
        events,
        ingest_events_per_sec: held as f64 / ingest,
        ingest_micros_per_event: ingest * 1e6 / held as f64,
        bytes_per_event: bytes as f64 / held as f64,
        queries: timings,
        clients,
        concurrent,
        concurrent_wall_millis,
    })
}

/// `clients` threads each run every query, client `i` starting with query `i`.
fn run_clients(
    lake: &Arc<Lake>,
    queries: &[(&'static str, String)],
    clients: usize,
    now_ms: i64,
) -> anyhow::Result<(Vec<QueryTiming>, f64)> {
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|client| {
            let (lake, queries) = (lake.clone(), queries.to_vec());
            std::thread::spawn(move || {
                let n = queries.len();
                (0..n)
                    .map(|i| {
                        let (name, sql) = queries[(client + i) % n].clone();
                        time_query(&lake, name, sql, now_ms)
                    })
                    .collect::<anyhow::Result<Vec<_>>>()
            })
        })
        .collect();
    let mut timings = Vec::new();
    for handle in handles {
        let ran = handle
            .join()
            .map_err(|_| anyhow::anyhow!("a client panicked"))??;
        timings.extend(ran);
    }
    Ok((timings, started.elapsed().as_secs_f64() * 1000.0))
}

fn time_query(
    lake: &Arc<Lake>,
    name: &'static str,
    sql: String,
    now_ms: i64,
) -> anyhow::Result<QueryTiming> {
    let spec = QuerySpec {
        account: "123456789012".into(),
        region: "us-east-1".into(),
        statement: sql.clone(),
        now_ms,
        delivery_uri: None,
        ..QuerySpec::default()
    };
    let started = Instant::now();
    let info = lake.start_query(spec, &mut |table| match table {
        ALL | TENTH => Ok(table.to_owned()),
        other => Err(LakeError::StoreNotFound(other.into())),
    })?;
    loop {
        let described = lake.describe("123456789012", &info.id)?;
        if !described.status.is_active() {
            if let Some(error) = described.error {
                bail!("{name} failed: {error}");
            }
            return Ok(QueryTiming {
                name,
                sql,
                millis: started.elapsed().as_secs_f64() * 1000.0,
                rows: described.results_count,
            });
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn db_bytes(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).context("reading the lake directory")? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with("lake.db") {
            total += entry.metadata()?.len();
        }
    }
    Ok(total)
}

fn chrono_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_run_answers_every_query() {
        let dir = tempfile::tempdir().unwrap();
        let report = run(&dir.path().join("lake"), 2_000, 7, 2).unwrap();
        assert_eq!(report.queries.len(), 4);
        assert_eq!(report.concurrent.len(), 8);
        assert!(report.concurrent.iter().all(|q| q.rows > 0));
        assert!(report.queries.iter().all(|q| q.rows > 0), "{report:?}");
        assert!(report.ingest_events_per_sec > 0.0);
    }
}
