//! Delivery benchmarks.
//!
//! - **Throughput**: a trail is set up on a spawned server (bucket, policy, multi-region trail
//!   with log file validation, StartLogging), the server stops, the bulk loader appends N events,
//!   then the server's own delivery worker (`trailroom_server::delivery::worker`, the code
//!   `serve` runs) delivers them in-process while the clock runs: batch reads, admission, JSON,
//!   gzip, SHA-256, S3 puts into the data directory, cursor commits and digests.
//! - **Latency**: a spawned server delivering every second; a client makes one audited call every
//!   `1/rate` seconds and a reader polls the bucket like a log consumer, downloading each new log
//!   file; the latency of a call is from its answer to the moment its event was seen in an object.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, anyhow, bail};
use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::client::{Auth, Call, Connection, error_code};
use crate::loader::{LoadOptions, load};
use crate::scratch_dir;
use crate::server::{ServerProcess, SpawnOptions};
use crate::workload::{cloudtrail, trail_bucket_calls};

/// The bucket the benchmarks deliver to.
const BUCKET: &str = "trailroom-bench-delivery";

/// What the throughput run measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ThroughputReport {
    /// Events stored before delivery started.
    pub events_stored: u64,
    /// Events delivered (the worker's count).
    pub events_delivered: u64,
    /// Log files written.
    pub files: u64,
    /// Digest files written.
    pub digests: u64,
    /// Wall time of the delivery passes.
    pub elapsed_secs: f64,
    /// `events_delivered / elapsed_secs`.
    pub events_per_sec: f64,
}

/// What the latency run measured (milliseconds from a call's answer to its event seen in S3).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LatencyReport {
    /// The server's delivery interval.
    pub delivery_interval_ms: u64,
    /// How often the reader polled the bucket.
    pub poll_ms: u64,
    /// Calls made.
    pub calls: u64,
    /// Calls whose event was found in a log file.
    pub found: u64,
    /// Percentiles of the latency.
    pub p50_ms: u64,
    /// 90th percentile.
    pub p90_ms: u64,
    /// 99th percentile.
    pub p99_ms: u64,
    /// Largest latency.
    pub max_ms: u64,
}

/// Creates the bucket, its CloudTrail policy and a logging trail on the server at `host`.
async fn set_up_trail(host: &str, auth: &Auth, multi_region: bool) -> anyhow::Result<()> {
    let trail = json!({"Name": "bench", "S3BucketName": BUCKET,
                       "IsMultiRegionTrail": multi_region, "EnableLogFileValidation": true});
    let calls = trail_bucket_calls(BUCKET).into_iter().chain([
        cloudtrail("CreateTrail", &trail),
        cloudtrail("StartLogging", &json!({"Name": "bench"})),
    ]);
    let mut conn = Connection::new(host, auth.clone())?;
    for call in calls {
        let answer = conn.send(&call).await?;
        if !(200..300).contains(&answer.status) {
            bail!("set-up call {} failed: {}", call.path, error_code(&answer));
        }
    }
    Ok(())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Delivers `events` bulk-loaded events through the server's worker and times it.
pub async fn throughput(
    server_bin: PathBuf,
    auth: &Auth,
    events: u64,
    progress: bool,
) -> anyhow::Result<ThroughputReport> {
    let dir = scratch_dir("trailroom-bench-delivery")?;
    let spawn = SpawnOptions {
        bin: server_bin,
        data_dir: dir.clone(),
        config_toml: Some("delivery_interval = \"1h\"\n".into()),
    };
    let server = ServerProcess::start(&spawn, auth).await?;
    set_up_trail(&server.host, auth, true).await?;
    server.stop()?;
    load(&LoadOptions {
        data_dir: dir.clone(),
        events,
        batch: 20_000,
        span_days: 1,
        seed: 7,
        progress,
    })
    .await?;

    let config = trailroom_server::Config {
        data_dir: dir.clone(),
        ..trailroom_server::Config::default()
    };
    let state = trailroom_server::AppState::open(config).await?;
    let worker = trailroom_server::delivery::worker(&state)?;
    let started = Instant::now();
    let mut report = ThroughputReport {
        events_stored: events,
        events_delivered: 0,
        files: 0,
        digests: 0,
        elapsed_secs: 0.0,
        events_per_sec: 0.0,
    };
    loop {
        let pass = worker
            .run_once(now_ms())
            .await
            .map_err(|e| anyhow!("delivery pass failed: {e}"))?;
        if pass.failures > 0 {
            bail!("a delivery failed; see the log");
        }
        report.events_delivered += pass.events as u64;
        report.files += pass.files as u64;
        report.digests += pass.digests as u64;
        if pass.events == 0 {
            break;
        }
    }
    report.elapsed_secs = started.elapsed().as_secs_f64();
    report.events_per_sec = report.events_delivered as f64 / report.elapsed_secs.max(1e-9);
    state.store.shutdown();
    drop(state);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(report)
}

/// Options of the latency run.
#[derive(Debug, Clone)]
pub struct LatencyOptions {
    /// The trailroom binary.
    pub server_bin: PathBuf,
    /// `delivery_interval` of the server.
    pub interval: Duration,
    /// How long calls are made.
    pub duration: Duration,
    /// Calls per second.
    pub rate: f64,
    /// How often the reader lists the bucket.
    pub poll: Duration,
}

/// Names of the calls made, with the instant each was answered.
type Answered = Arc<Mutex<BTreeMap<String, Instant>>>;

/// Measures event-to-object latency against a spawned server.
pub async fn latency(opts: &LatencyOptions, auth: &Auth) -> anyhow::Result<LatencyReport> {
    let dir = scratch_dir("trailroom-bench-latency")?;
    let spawn = SpawnOptions {
        bin: opts.server_bin.clone(),
        data_dir: dir.clone(),
        config_toml: Some(format!(
            "delivery_interval = \"{}ms\"\n",
            opts.interval.as_millis()
        )),
    };
    let server = ServerProcess::start(&spawn, auth).await?;
    set_up_trail(&server.host, auth, false).await?;
    let answered: Answered = Arc::default();
    let seen: Seen = Arc::default();
    let reader = tokio::spawn(read_logs(
        server.host.clone(),
        auth.clone(),
        (answered.clone(), seen.clone()),
        opts.poll,
    ));
    let calls = make_calls(&server.host, auth, opts, &answered).await?;
    // Wait for the last calls' files: at most two intervals and a second more.
    let deadline = Instant::now() + opts.interval * 2 + Duration::from_secs(1);
    while Instant::now() < deadline && !reader.is_finished() {
        tokio::time::sleep(opts.poll).await;
        if seen.lock().map_err(|_| anyhow!("poisoned"))?.len() as u64 >= calls {
            break;
        }
    }
    reader.abort();
    let latencies: Vec<u64> = std::mem::take(&mut *seen.lock().map_err(|_| anyhow!("poisoned"))?);
    server.stop()?;
    let _ = std::fs::remove_dir_all(&dir);
    let mut histogram = hdrhistogram::Histogram::<u64>::new(3)?;
    for ms in &latencies {
        histogram.record(*ms)?;
    }
    Ok(LatencyReport {
        delivery_interval_ms: opts.interval.as_millis() as u64,
        poll_ms: opts.poll.as_millis() as u64,
        calls,
        found: latencies.len() as u64,
        p50_ms: histogram.value_at_quantile(0.5),
        p90_ms: histogram.value_at_quantile(0.9),
        p99_ms: histogram.value_at_quantile(0.99),
        max_ms: histogram.max(),
    })
}

/// Latencies the reader saw, in ms.
type Seen = Arc<Mutex<Vec<u64>>>;

/// One audited write (CreateSkillGroup, named uniquely; 1,000 per account) every `1/rate`
/// seconds.
async fn make_calls(
    host: &str,
    auth: &Auth,
    opts: &LatencyOptions,
    answered: &Answered,
) -> anyhow::Result<u64> {
    let mut conn = Connection::new(host, auth.clone())?;
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / opts.rate.max(0.1)));
    let end = Instant::now() + opts.duration;
    let mut made = 0u64;
    while Instant::now() < end {
        ticker.tick().await;
        let name = format!("latency-{made}");
        let call = Call::json(
            "a4b",
            "AlexaForBusiness.CreateSkillGroup",
            &json!({"SkillGroupName": name}),
        );
        let answer = conn.send(&call).await?;
        if answer.status != 200 {
            bail!("CreateSkillGroup failed: {}", error_code(&answer));
        }
        answered
            .lock()
            .map_err(|_| anyhow!("poisoned"))?
            .insert(name, Instant::now());
        made += 1;
    }
    Ok(made)
}

/// Lists the bucket every `poll`, reads each new log file, and records the latency of every
/// call whose event it holds.
async fn read_logs(
    host: String,
    auth: Auth,
    (answered, seen): (Answered, Seen),
    poll: Duration,
) -> anyhow::Result<()> {
    let mut conn = Connection::new(&host, auth)?;
    let mut read: BTreeSet<String> = BTreeSet::new();
    loop {
        tokio::time::sleep(poll).await;
        let listing = get(&mut conn, &format!("/{BUCKET}?prefix=AWSLogs/")).await?;
        let listing = String::from_utf8_lossy(&listing).into_owned();
        for key in xml_values(&listing, "Key") {
            if !key.contains("/CloudTrail/") || !read.insert(key.clone()) {
                continue;
            }
            let gzipped = get(&mut conn, &format!("/{BUCKET}/{key}")).await?;
            let seen_at = Instant::now();
            for name in skill_groups_in(&gzipped)? {
                let Some(at) = answered
                    .lock()
                    .map_err(|_| anyhow!("poisoned"))?
                    .remove(&name)
                else {
                    continue;
                };
                let ms = seen_at.saturating_duration_since(at).as_millis() as u64;
                seen.lock().map_err(|_| anyhow!("poisoned"))?.push(ms);
            }
        }
    }
}

async fn get(conn: &mut Connection, path: &str) -> anyhow::Result<Bytes> {
    let answer = conn
        .send(&Call::s3(Method::GET, path, Bytes::new()))
        .await?;
    if answer.status != 200 {
        bail!("GET {path} failed: {}", error_code(&answer));
    }
    Ok(answer.body)
}

/// The text of every `<tag>…</tag>` in `xml` (keys here need no unescaping: they are made of
/// letters, digits, `/`, `_`, `-` and `.`).
fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split_once(&close).map(|(value, _)| value.to_owned()))
        .collect()
}

/// The `skillGroupName` of each CreateSkillGroup record in a gzipped log file.
fn skill_groups_in(gzipped: &[u8]) -> anyhow::Result<Vec<String>> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(gzipped)
        .read_to_string(&mut text)
        .context("log file is not gzip")?;
    let file: Value = serde_json::from_str(&text)?;
    Ok(file["Records"]
        .as_array()
        .map(|records| {
            records
                .iter()
                .filter(|r| r["eventName"] == "CreateSkillGroup")
                .filter_map(|r| {
                    r["requestParameters"]["skillGroupName"]
                        .as_str()
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_keys_and_log_records() {
        let xml = "<ListBucketResult><Contents><Key>AWSLogs/1/CloudTrail/a.json.gz</Key></Contents>\
                   <Contents><Key>b</Key></Contents></ListBucketResult>";
        assert_eq!(
            xml_values(xml, "Key"),
            ["AWSLogs/1/CloudTrail/a.json.gz", "b"]
        );
        let file = json!({"Records": [
            {"eventName": "CreateSkillGroup", "requestParameters": {"skillGroupName": "latency-1"}},
            {"eventName": "CreateRoom", "requestParameters": {"roomName": "x"}}]});
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, file.to_string().as_bytes()).unwrap();
        assert_eq!(
            skill_groups_in(&gz.finish().unwrap()).unwrap(),
            ["latency-1"]
        );
    }
}
