//! Smoke tests of the bench tools against a real server (in-process on 127.0.0.1:0): tiny runs of
//! each kind of workload, the binary's JSON output, the bulk loader feeding LookupEvents, and (when
//! a `trailroom` binary is at hand) start-up, recording on/off and delivery. They check that the tools work
//! and count correctly; they never assert a speed.

use std::path::{Path, PathBuf};
use std::process::Output;

use trailroom_bench::client::Auth;
use trailroom_bench::report::Report;
use trailroom_bench::runner::Bound;
use trailroom_bench::workload::{LookupAttr, Workload};
use trailroom_bench::{RunOptions, run_workload};
use trailroom_server::{AppState, Config, serve};

const ROOT_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const ROOT_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// Serves `dir` in-process; returns `127.0.0.1:<port>`.
async fn start_server(dir: &Path) -> String {
    let config = Config {
        data_dir: dir.to_owned(),
        ..Config::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let state = AppState::open(config).await.unwrap();
    tokio::spawn(serve(listener, state, std::future::pending()));
    host
}

fn root() -> Auth {
    Auth {
        access_key_id: ROOT_KEY.into(),
        secret_access_key: ROOT_SECRET.into(),
        session_token: None,
        region: "us-east-1".into(),
    }
}

fn options(host: &str, count: u64) -> RunOptions {
    RunOptions {
        host: host.to_owned(),
        target: "trailroom".into(),
        auth: root(),
        connections: 2,
        bound: Bound::Count(count),
        warmup: 3,
        rooms: 4,
        lookup_values: Default::default(),
        bucket: None,
        progress: false,
    }
}

fn assert_all_ok(report: &Report, count: u64) {
    assert_eq!(report.requests, count, "{report:?}");
    assert_eq!(report.ok, count, "{report:?}");
    assert!(
        report.errors.is_empty() && report.transport_errors == 0,
        "{report:?}"
    );
    let l = &report.latency_us;
    assert!(
        l.min > 0 && l.min <= l.p50 && l.p50 <= l.p99 && l.p99 <= l.max,
        "{l:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_workload_runs_against_a_real_server() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_server(dir.path()).await;
    let opts = options(&host, 12);
    for workload in [
        Workload::A4bCreateRoom,
        Workload::A4bUpdateRoom,
        Workload::A4bDeleteRoom,
        Workload::A4bAssociateSkillGroup,
        Workload::A4bGetRoom,
        Workload::A4bSearchRooms,
        Workload::StsGetCallerIdentity,
        Workload::CloudTrailLookupEvents(None),
        Workload::CloudTrailLookupEvents(Some(LookupAttr::EventName)),
        Workload::CloudTrailLookupEvents(Some(LookupAttr::EventId)),
        Workload::CloudTrailLookupEvents(Some(LookupAttr::ResourceName)),
        Workload::CloudTrailDescribeTrails,
        Workload::CloudTrailCreateDeleteTrail,
    ] {
        let report = run_workload(&opts, workload).await.unwrap();
        assert_eq!(report.workload, workload.name());
        assert_all_ok(&report, 12);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_real_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_server(dir.path()).await;
    let report = run_workload(&options(&host, 25), Workload::A4bCreateRoom)
        .await
        .unwrap();
    assert_all_ok(&report, 25);
    let opts = trailroom_bench::workload::SetupOptions {
        host: host.clone(),
        auth: root(),
        connections: 1,
        bound: Bound::Count(1),
        rooms: 1,
        run_id: "count".into(),
        lookup_values: Default::default(),
        bucket: None,
    };
    let prepared = trailroom_bench::workload::prepare(Workload::A4bSearchRooms, &opts)
        .await
        .unwrap();
    // 25 measured and 3 warm-up rooms from the run, 1 from the search set-up.
    assert_eq!(prepared.notes["rooms in account"], "29");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_counted_as_errors_not_successes() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_server(dir.path()).await;
    let mut opts = options(&host, 5);
    opts.auth.secret_access_key = "not-the-secret".into();
    opts.warmup = 0;
    let report = run_workload(&opts, Workload::StsGetCallerIdentity)
        .await
        .unwrap();
    assert_eq!(report.ok, 0);
    assert_eq!(
        report.errors.get("SignatureDoesNotMatch"),
        Some(&5),
        "{report:?}"
    );
}

async fn bench(args: &[&str]) -> Output {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_trailroom-bench"))
        .args(args)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "trailroom-bench {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_reports_json() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_server(dir.path()).await;
    let endpoint = format!("http://{host}");
    let output = bench(&[
        "run",
        "--endpoint",
        &endpoint,
        "--workload",
        "sts-get-caller-identity,a4b-search-rooms",
        "-n",
        "10",
        "-c",
        "2",
        "--rooms",
        "2",
        "--json",
        "-",
        "--quiet",
    ])
    .await;
    let reports: Vec<Report> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(reports.len(), 2);
    for report in &reports {
        assert_all_ok(report, 10);
        assert!(report.throughput_rps > 0.0 && report.elapsed_secs > 0.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_refuses_non_loopback_targets() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_trailroom-bench"))
        .args([
            "run",
            "--endpoint",
            "http://192.0.2.1:4570",
            "-w",
            "sts-get-caller-identity",
        ])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("loopback"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_loaded_events_answer_lookups() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let output = bench(&[
        "load",
        "--data-dir",
        data,
        "-n",
        "3000",
        "--batch",
        "1000",
        "--json",
        "-",
        "--quiet",
    ])
    .await;
    let load: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(load["events_in_store"], 3000);
    assert!(load["bytes_per_event"].as_f64().unwrap() > 0.0);
    let host = start_server(dir.path()).await;
    let mut opts = options(&host, 8);
    // The loader's events are by IAM users; look one of them up.
    opts.lookup_values
        .insert(LookupAttr::Username, "alice".into());
    for attr in LookupAttr::ALL {
        let report = run_workload(&opts, Workload::CloudTrailLookupEvents(Some(attr)))
            .await
            .unwrap();
        assert_all_ok(&report, 8);
    }
}

/// The `trailroom` binary: `TRAILROOM_BIN`, else the workspace's debug build if present.
fn server_bin() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("TRAILROOM_BIN") {
        return Some(PathBuf::from(bin));
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/trailroom");
    built.exists().then_some(built)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_and_recording_probes_run_a_server_binary() {
    let Some(bin) = server_bin() else {
        eprintln!("no trailroom binary (set TRAILROOM_BIN): start-up probe not exercised");
        return;
    };
    let bin = bin.to_str().unwrap();
    let output = bench(&[
        "startup",
        "--server-bin",
        bin,
        "--runs",
        "1",
        "--idle-secs",
        "0",
        "--json",
        "-",
    ])
    .await;
    let starts: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(starts[0]["startup_ms"].as_f64().unwrap() > 0.0, "{starts}");
    assert!(starts[0]["idle_rss_kib"].as_u64().unwrap() > 0, "{starts}");
    let output = bench(&[
        "recording",
        "--server-bin",
        bin,
        "-w",
        "a4b-create-room",
        "-n",
        "10",
        "-c",
        "2",
        "--warmup",
        "0",
        "--json",
        "-",
        "--quiet",
    ])
    .await;
    let cmp: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let runs = cmp["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["target"], "recording-on");
    assert_eq!(runs[1]["target"], "recording-off");
    assert!(runs.iter().all(|r| r["ok"] == 10), "{cmp}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_delivery_benchmark_delivers_every_event_and_finds_every_call() {
    let Some(bin) = server_bin() else {
        eprintln!("no trailroom binary (set TRAILROOM_BIN): delivery benchmark not exercised");
        return;
    };
    let output = bench(&[
        "delivery",
        "--server-bin",
        bin.to_str().unwrap(),
        "--events",
        "500",
        "--latency-secs",
        "2",
        "--rate",
        "5",
        "--json",
        "-",
        "--quiet",
    ])
    .await;
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // The bulk-loaded events and the StartLogging call.
    assert_eq!(report["throughput"]["events_delivered"], 501, "{report}");
    let latency = &report["latency"];
    assert!(latency["calls"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(latency["found"], latency["calls"], "{report}");
}
