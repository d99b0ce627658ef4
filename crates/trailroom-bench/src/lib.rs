//! Benchmarks for trailroom: a load generator that signs every request itself (SigV4 via
//! `trailroom-sigv4`) and runs named workloads over N keep-alive connections against any
//! endpoint (ours or a peer's), a bulk loader that fills a data directory with millions of
//! realistic events, and probes for start-up time, idle memory and the cost of recording.
//!
//! Owns: measuring. Must not know the server's internals beyond its wire protocols, its
//! command line, the store's public traits (the loader writes through them) and its delivery
//! worker (run in-process by [`delivery::throughput`] to time delivery alone).
//!
//! Entry points: [`run_workload`] (one workload, one endpoint → [`report::Report`]),
//! [`loader::load`], [`server::measure_startup`], [`compare_recording`].

// A load generator is a client: it signs with, and times by, the real clock.
#![allow(clippy::disallowed_methods)]

pub mod archive;
pub mod ceiling;
pub mod client;
pub mod delivery;
pub mod lake;
pub mod loader;
pub mod report;
pub mod runner;
pub mod server;
pub mod synthetic;
pub mod workload;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::client::{Auth, Connection};
use crate::report::Report;
use crate::runner::{Bound, CallFn, PhaseOptions, Slot, run_phase};
use crate::server::{ServerProcess, SpawnOptions, process_cpu};
use crate::workload::{LookupAttr, SetupOptions, Workload, prepare};

/// How to run workloads against one endpoint.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// `ip:port` of the endpoint.
    pub host: String,
    /// A label for reports (`trailroom`, `ministack`, ...).
    pub target: String,
    /// Credentials and region.
    pub auth: Auth,
    /// Concurrent connections.
    pub connections: usize,
    /// When the measured phase stops.
    pub bound: Bound,
    /// Unmeasured requests sent first (connections opened, caches warmed).
    pub warmup: u64,
    /// Rooms to create for room workloads.
    pub rooms: usize,
    /// Lookup values by attribute.
    pub lookup_values: HashMap<LookupAttr, String>,
    /// Bucket for trail workloads.
    pub bucket: Option<String>,
    /// Show progress bars.
    pub progress: bool,
}

/// Sets up and runs one workload: set-up, warm-up, then the measured phase.
pub async fn run_workload(opts: &RunOptions, workload: Workload) -> anyhow::Result<Report> {
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let setup = SetupOptions {
        host: opts.host.clone(),
        auth: opts.auth.clone(),
        connections: opts.connections,
        bound: opts.bound,
        rooms: opts.rooms,
        run_id,
        lookup_values: opts.lookup_values.clone(),
        bucket: opts.bucket.clone(),
    };
    // These pair or consume what set-up made per call: no warm-up calls may take a share.
    let warmup = match workload {
        Workload::A4bDeleteRoom | Workload::CloudTrailCreateDeleteTrail => 0,
        _ => opts.warmup,
    };
    let prepared = prepare(workload, &setup).await?;
    let mut phase = PhaseOptions {
        host: opts.host.clone(),
        auth: opts.auth.clone(),
        connections: opts.connections,
        bound: Bound::Count(warmup),
        collect_bodies: false,
        progress: opts
            .progress
            .then(|| format!("{} warm-up", workload.name())),
    };
    if warmup > 0 {
        run_phase(&phase, prepared.make.clone()).await;
    }
    phase.bound = opts.bound;
    phase.progress = opts.progress.then(|| workload.name());
    // Measured calls continue after the warm-up's indices, so unique names stay unique.
    let inner = prepared.make;
    let make: CallFn = Arc::new(move |slot: &Slot| {
        inner(&Slot {
            index: slot.index + warmup,
            ..*slot
        })
    });
    let result = run_phase(&phase, make).await;
    let endpoint = format!("http://{}", opts.host);
    let mut report = result.to_report(&workload.name(), &opts.target, &endpoint, opts.connections);
    report.notes = prepared.notes;
    if let Some(err) = result.first_transport_error {
        report.notes.insert("first transport error".into(), err);
    }
    Ok(report)
}

/// What a recording run is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Baseline {
    /// The same server with recording off: what recording costs.
    RecordingOff,
    /// Recording on without an event data store, against recording on with one (created before
    /// the run, ingesting every event): what a Lake store costs.
    NoStore,
}

/// One workload against fresh servers: recording on (with an event data store, for
/// [`Baseline::NoStore`]) against the baseline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordingComparison {
    /// What the runs were compared with.
    pub baseline: Baseline,
    /// Each measured run, alternating measured and baseline per round.
    pub runs: Vec<Report>,
    /// Sum of successful requests per second of the measured runs, over the rounds.
    pub on_ok_rps: f64,
    /// The same for the baseline runs.
    pub off_ok_rps: f64,
    /// `1 - on / off`: the share of throughput the difference costs.
    pub cost: f64,
}

/// Creates an event data store (management events, ingesting) on the server at `host`.
async fn create_event_data_store(host: &str, auth: &Auth) -> anyhow::Result<()> {
    let mut connection = Connection::new(host, auth.clone())?;
    let call = workload::cloudtrail(
        "CreateEventDataStore",
        &serde_json::json!({"Name": "bench-store", "TerminationProtectionEnabled": false}),
    );
    let answer = connection.send(&call).await?;
    anyhow::ensure!(
        answer.status == 200,
        "CreateEventDataStore answered {}: {}",
        answer.status,
        client::error_code(&answer)
    );
    Ok(())
}

/// Starts a fresh server per run (its own data dir under `work_dir`) with `recording` on, then
/// off, `rounds` times, and runs the same workload against each.
pub async fn compare_recording(
    bin: &std::path::Path,
    work_dir: &std::path::Path,
    opts: &RunOptions,
    workload: Workload,
    rounds: usize,
    baseline: Baseline,
) -> anyhow::Result<RecordingComparison> {
    let mut runs = Vec::new();
    let (mut on, mut off) = (0.0, 0.0);
    for round in 0..rounds.max(1) {
        for measured in [true, false] {
            let (label, recording, store) = match (baseline, measured) {
                (Baseline::RecordingOff, true) => ("recording-on", true, false),
                (Baseline::RecordingOff, false) => ("recording-off", false, false),
                (Baseline::NoStore, true) => ("one-store", true, true),
                (Baseline::NoStore, false) => ("no-store", true, false),
            };
            let spawn = SpawnOptions {
                bin: bin.to_owned(),
                data_dir: work_dir.join(format!("{label}-{round}")),
                config_toml: Some(format!("recording = {recording}\n")),
            };
            let server = ServerProcess::start(&spawn, &opts.auth).await?;
            if store {
                create_event_data_store(&server.host, &opts.auth).await?;
            }
            let run = RunOptions {
                host: server.host.clone(),
                target: label.into(),
                ..opts.clone()
            };
            let report = run_workload_with_cpu(&run, workload, Some(&server)).await?;
            server.stop()?;
            *(if measured { &mut on } else { &mut off }) += report.ok_rps;
            runs.push(report);
        }
    }
    let cost = if off > 0.0 { 1.0 - on / off } else { 0.0 };
    Ok(RecordingComparison {
        baseline,
        runs,
        on_ok_rps: on,
        off_ok_rps: off,
        cost,
    })
}

/// [`run_workload`], with CPU per request in the report's notes: the server's (when `server` is
/// one this bench started) and the generator's, each over the whole workload (set-up and warm-up
/// included, a small share).
pub async fn run_workload_with_cpu(
    opts: &RunOptions,
    workload: Workload,
    server: Option<&ServerProcess>,
) -> anyhow::Result<Report> {
    let server_cpu = || server.map(|s| process_cpu(s.pid())).transpose();
    let (server_before, own_before) = (server_cpu()?, process_cpu(std::process::id())?);
    let mut report = run_workload(opts, workload).await?;
    let (server_after, own_after) = (server_cpu()?, process_cpu(std::process::id())?);
    let requests = report.requests.max(1) as f64;
    let per_request = |used: Duration| format!("{:.0}", used.as_secs_f64() * 1e6 / requests);
    if let (Some(start), Some(end)) = (server_before, server_after) {
        let server = per_request(end.saturating_sub(start));
        report
            .notes
            .insert("server_cpu_us_per_request".into(), server);
    }
    let generator = per_request(own_after.saturating_sub(own_before));
    report
        .notes
        .insert("generator_cpu_us_per_request".into(), generator);
    Ok(report)
}

/// A fresh directory under the system's temp dir for servers the bench starts.
pub fn scratch_dir(prefix: &str) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
