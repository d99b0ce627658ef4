//! `trailroom-bench`: the command line of the benchmarks (see BENCHMARKS.md for the commands
//! that produced the published figures).
//!
//! - `run`: named workloads against an endpoint, or against a server it starts;
//! - `load`: fill a data directory with synthetic events;
//! - `startup`: time to first answer and idle memory of a server it starts;
//! - `recording`: one workload against recording on and off;
//! - `delivery`: trail delivery throughput and event-to-object latency;
//! - `ceiling`: a minimal HTTP server with a fixed answer, the machine's ceiling.
//!
//! Loads go to 127.0.0.1 only and stop by themselves (a count or a duration).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use trailroom_bench::client::Auth;
use trailroom_bench::loader::{LoadOptions, load};
use trailroom_bench::report::table;
use trailroom_bench::runner::Bound;
use trailroom_bench::server::{ServerProcess, SpawnOptions, measure_startup};
use trailroom_bench::workload::{LookupAttr, Workload};
use trailroom_bench::{
    Baseline, RunOptions, compare_recording, run_workload_with_cpu, scratch_dir,
};

#[derive(Parser)]
#[command(
    name = "trailroom-bench",
    version,
    about = "Load generator and benchmarks for trailroom"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run workloads against an endpoint (or a server started for the run).
    Run(RunArgs),
    /// Fill a data directory with synthetic events (the server must not be running on it).
    Load(LoadArgs),
    /// Start a server, time it to its first answer, read its idle memory, stop it.
    Startup(StartupArgs),
    /// Run one workload against fresh servers with recording on and off.
    Recording(RecordingArgs),
    /// Trail delivery: events/s through the worker, and event-to-object latency.
    Delivery(DeliveryArgs),
    /// Serve a fixed body over HTTP until killed: the machine's ceiling for `run --endpoint`.
    Ceiling(CeilingArgs),
    /// CloudTrail Lake: ingest synthetic events into two event data stores, time the queries.
    Lake(LakeArgs),
    /// The long-term archive: load synthetic events, time lookups live, archive them all, time
    /// the same lookups across the segments, verify the chain.
    Archive(ArchiveArgs),
}

#[derive(Args)]
struct ArchiveArgs {
    /// An empty (or new) data directory.
    #[arg(long)]
    dir: PathBuf,
    /// Events to load and archive.
    #[arg(long, default_value_t = 200_000)]
    events: u64,
    /// Most events per segment.
    #[arg(long, default_value_t = 100_000)]
    segment_events: usize,
    /// Seed of the synthetic events.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Write the report as JSON here (`-` for stdout).
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Args)]
struct LakeArgs {
    /// An empty (or new) directory for the lake database.
    #[arg(long)]
    dir: PathBuf,
    /// Events in the first store (the second gets every tenth).
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Seed of the synthetic events.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Clients running the queries at once after the one-at-a-time timings (1: none).
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// Write the report as JSON here (`-` for stdout).
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Args)]
struct CeilingArgs {
    /// Port on 127.0.0.1 (0 picks a free one, printed on start).
    #[arg(long, default_value_t = 4571)]
    port: u16,
}

#[derive(Args)]
struct DeliveryArgs {
    #[command(flatten)]
    target: Target,
    /// The trailroom binary.
    #[arg(long)]
    server_bin: PathBuf,
    /// Events bulk-loaded, then delivered, for the throughput figure (0 skips it).
    #[arg(long, default_value_t = 200_000)]
    events: u64,
    /// Seconds of calls for the latency figure (0 skips it).
    #[arg(long, default_value_t = 30)]
    latency_secs: u64,
    /// Calls per second during the latency run.
    #[arg(long, default_value_t = 20.0)]
    rate: f64,
    /// The server's delivery interval during the latency run (`1s`).
    #[arg(long, default_value = "1s")]
    interval: String,
    /// How often the log reader lists the bucket, in ms.
    #[arg(long, default_value_t = 50)]
    poll_ms: u64,
    /// Write the reports as JSON here (`-` for stdout).
    #[arg(long)]
    json: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

/// Both delivery figures.
#[derive(Serialize)]
struct DeliveryReports {
    throughput: Option<trailroom_bench::delivery::ThroughputReport>,
    latency: Option<trailroom_bench::delivery::LatencyReport>,
}

#[derive(Args, Clone)]
struct Target {
    /// Endpoint to load (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:4570")]
    endpoint: String,
    /// Label for the reports.
    #[arg(long, default_value = "trailroom")]
    label: String,
    /// Access key id.
    #[arg(
        long,
        env = "AWS_ACCESS_KEY_ID",
        default_value = "AKIAIOSFODNN7EXAMPLE"
    )]
    access_key: String,
    /// Secret access key.
    #[arg(
        long,
        env = "AWS_SECRET_ACCESS_KEY",
        default_value = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        hide_env_values = true,
        hide_default_value = true
    )]
    secret_key: String,
    /// Session token, for temporary keys.
    #[arg(long, env = "AWS_SESSION_TOKEN", hide_env_values = true)]
    session_token: Option<String>,
    /// Region.
    #[arg(long, default_value = "us-east-1")]
    region: String,
}

#[derive(Args, Clone)]
struct Load {
    /// Workloads (repeat or comma-separate); `all`, `cloudtrail-lookup-events-all` expand.
    #[arg(long, short, value_delimiter = ',', required = true)]
    workload: Vec<String>,
    /// Concurrent connections.
    #[arg(long, short, default_value_t = 16)]
    connections: usize,
    /// Stop after this many requests.
    #[arg(long, short = 'n', conflicts_with = "duration")]
    count: Option<u64>,
    /// Stop after this long (`10s`, `500ms`, `2m`); the default is 10s.
    #[arg(long, short)]
    duration: Option<String>,
    /// Unmeasured requests first.
    #[arg(long, default_value_t = 200)]
    warmup: u64,
    /// Rooms created for room workloads.
    #[arg(long, default_value_t = 100)]
    rooms: usize,
    /// A lookup value, `Attribute=Value` (e.g. `EventName=DescribeTrails`); repeatable.
    #[arg(long = "lookup-value")]
    lookup_values: Vec<String>,
    /// Existing bucket for trail workloads (else one is created).
    #[arg(long)]
    bucket: Option<String>,
    /// Write the reports as JSON here (`-` for stdout instead of the table).
    #[arg(long)]
    json: Option<PathBuf>,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    load: Load,
    /// Start this trailroom binary for the run instead of using --endpoint.
    #[arg(long)]
    spawn: Option<PathBuf>,
    /// Data directory for --spawn (default: a fresh temporary one).
    #[arg(long, requires = "spawn")]
    data_dir: Option<PathBuf>,
    /// The spawned server keeps its state in this PostgreSQL database (`postgres://…`) instead
    /// of SQLite in the data directory.
    #[arg(long, requires = "spawn")]
    store: Option<String>,
}

#[derive(Args)]
struct LoadArgs {
    /// The data directory to fill.
    #[arg(long)]
    data_dir: PathBuf,
    /// Events to add.
    #[arg(long, short = 'n')]
    events: u64,
    /// Events per write job.
    #[arg(long, default_value_t = 20_000)]
    batch: usize,
    /// Days the events span, ending now (keep it under the server's retention, 90 by default).
    #[arg(long, default_value_t = 30)]
    span_days: u32,
    /// Seed of the synthetic mix.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the report as JSON here (`-` for stdout).
    #[arg(long)]
    json: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct StartupArgs {
    #[command(flatten)]
    target: Target,
    /// The trailroom binary.
    #[arg(long)]
    server_bin: PathBuf,
    /// Data directory (default: a fresh empty one per start).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Starts to measure.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Seconds to idle before reading memory.
    #[arg(long, default_value_t = 2.0)]
    idle_secs: f64,
    /// Write the reports as JSON here (`-` for stdout).
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Args)]
struct RecordingArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    load: Load,
    /// The trailroom binary.
    #[arg(long)]
    server_bin: PathBuf,
    /// Rounds of (measured, baseline).
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// The baseline: `off` (recording off) or `no-store` (recording on, measured against
    /// recording on with one event data store ingesting every event).
    #[arg(long, default_value = "off")]
    versus: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Run(args) => run(args).await,
        Command::Load(args) => load_cmd(args).await,
        Command::Startup(args) => startup(args).await,
        Command::Recording(args) => recording(args).await,
        Command::Delivery(args) => delivery(args).await,
        Command::Lake(args) => lake_cmd(args),
        Command::Archive(args) => archive_cmd(args).await,
        Command::Ceiling(args) => {
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
            trailroom_bench::ceiling::serve(addr, |bound| println!("serving on http://{bound}"))
                .await?;
            Ok(())
        }
    }
}

async fn delivery(args: DeliveryArgs) -> anyhow::Result<()> {
    use trailroom_bench::delivery::{LatencyOptions, latency, throughput};
    let auth = auth(&args.target);
    let mut reports = DeliveryReports {
        throughput: None,
        latency: None,
    };
    if args.events > 0 {
        let report = throughput(args.server_bin.clone(), &auth, args.events, !args.quiet).await?;
        reports.throughput = Some(report);
    }
    if args.latency_secs > 0 {
        let opts = LatencyOptions {
            server_bin: args.server_bin.clone(),
            interval: parse_duration(&args.interval).context("--interval")?,
            duration: Duration::from_secs(args.latency_secs),
            rate: args.rate,
            poll: Duration::from_millis(args.poll_ms.max(1)),
        };
        reports.latency = Some(latency(&opts, &auth).await?);
    }
    emit(&reports, args.json.as_deref(), || {
        let mut text = String::new();
        if let Some(t) = &reports.throughput {
            text += &format!(
                "delivery: {} of {} events in {} log files and {} digests in {:.2} s: {:.0} events/s\n",
                t.events_delivered,
                t.events_stored,
                t.files,
                t.digests,
                t.elapsed_secs,
                t.events_per_sec
            );
        }
        if let Some(l) = &reports.latency {
            text += &format!(
                "event to object at a {} ms interval (polled every {} ms): {}/{} found, p50 {} ms, p90 {} ms, p99 {} ms, max {} ms\n",
                l.delivery_interval_ms,
                l.poll_ms,
                l.found,
                l.calls,
                l.p50_ms,
                l.p90_ms,
                l.p99_ms,
                l.max_ms
            );
        }
        text
    })
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let mut opts = run_options(&args.target, &args.load)?;
    let workloads = workloads(&args.load.workload)?;
    // A data directory made for this run only is removed afterwards.
    let mut scratch = None;
    let server = match &args.spawn {
        Some(bin) => {
            let data_dir = match &args.data_dir {
                Some(dir) => dir.clone(),
                None => scratch.insert(scratch_dir("trailroom-bench")?).clone(),
            };
            let spawn = SpawnOptions {
                bin: bin.clone(),
                data_dir,
                config_toml: args
                    .store
                    .as_ref()
                    .map(|url| format!("[store]\nurl = {url:?}\n")),
            };
            let server = ServerProcess::start(&spawn, &opts.auth).await?;
            eprintln!(
                "started {} on {} in {:?}",
                bin.display(),
                server.host,
                server.startup
            );
            opts.host = server.host.clone();
            Some(server)
        }
        None => None,
    };
    let mut reports = Vec::new();
    for workload in workloads {
        let report = run_workload_with_cpu(&opts, workload, server.as_ref())
            .await
            .with_context(|| format!("workload {}", workload.name()))?;
        eprintln!(
            "{}: CPU per request: server {} us, generator {} us",
            report.workload,
            report
                .notes
                .get("server_cpu_us_per_request")
                .map_or("(not started here)", String::as_str),
            report.notes["generator_cpu_us_per_request"]
        );
        if !args.load.quiet {
            eprint!("{}", table(std::slice::from_ref(&report)));
        }
        reports.push(report);
    }
    if let Some(server) = server {
        eprintln!(
            "server RSS {} KiB, peak {} KiB",
            server.rss_kib()?,
            server.peak_rss_kib()?
        );
        server.stop()?;
    }
    if let Some(dir) = scratch {
        let _ = std::fs::remove_dir_all(dir);
    }
    emit(&reports, args.load.json.as_deref(), || table(&reports))
}

async fn load_cmd(args: LoadArgs) -> anyhow::Result<()> {
    let opts = LoadOptions {
        data_dir: args.data_dir,
        events: args.events,
        batch: args.batch,
        span_days: args.span_days,
        seed: args.seed,
        progress: !args.quiet,
    };
    let report = load(&opts).await?;
    emit(&report, args.json.as_deref(), || {
        format!(
            "loaded {} events in {:.1} s ({:.0}/s); store holds {} events in {} bytes: {:.0} bytes/event (mean record {:.0} bytes)\n",
            report.events_written,
            report.elapsed_secs,
            report.events_per_sec,
            report.events_in_store,
            report.store_bytes,
            report.bytes_per_event,
            report.mean_record_bytes
        )
    })
}

async fn archive_cmd(args: ArchiveArgs) -> anyhow::Result<()> {
    let report =
        trailroom_bench::archive::run(&args.dir, args.events, args.seed, args.segment_events)
            .await?;
    emit(&report, args.json.as_deref(), || {
        let mut text = format!(
            "archive: {} events into {} segments at {:.0} events/s; {:.0} bytes/event live, {:.0} in segments; verified in {:.0} ms\n",
            report.events,
            report.segments,
            report.archive_events_per_sec,
            report.live_bytes_per_event,
            report.segment_bytes_per_event,
            report.verify_ms
        );
        text +=
            "  attribute      found   live p50/max ms   archived cold ms   archived p50/max ms\n";
        for l in &report.lookups {
            text += &format!(
                "  {:<13} {:>5}   {:>6.2} / {:>6.2}   {:>16.1}   {:>8.2} / {:>8.2}\n",
                l.attribute,
                l.found,
                l.live_p50_ms,
                l.live_max_ms,
                l.archived_cold_ms,
                l.archived_p50_ms,
                l.archived_max_ms
            );
        }
        text
    })
}

fn lake_cmd(args: LakeArgs) -> anyhow::Result<()> {
    let report = trailroom_bench::lake::run(&args.dir, args.events, args.seed, args.clients)?;
    emit(&report, args.json.as_deref(), || {
        let mut text = format!(
            "lake: {} events ingested at {:.0} events/s ({:.1} µs per event per store), {:.0} bytes/event\n",
            report.events,
            report.ingest_events_per_sec,
            report.ingest_micros_per_event,
            report.bytes_per_event
        );
        for q in &report.queries {
            text += &format!("  {:<28} {:>9.1} ms  {} rows\n", q.name, q.millis, q.rows);
        }
        if report.clients > 1 {
            text += &format!(
                "{} clients at once, {:.1} ms in all:\n",
                report.clients, report.concurrent_wall_millis
            );
            for q in &report.queries {
                let times: Vec<f64> = report
                    .concurrent
                    .iter()
                    .filter(|c| c.name == q.name)
                    .map(|c| c.millis)
                    .collect();
                let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
                let max = times.iter().copied().fold(0.0, f64::max);
                text += &format!(
                    "  {:<28} mean {:>9.1} ms  max {:>9.1} ms\n",
                    q.name, mean, max
                );
            }
        }
        text
    })
}

async fn startup(args: StartupArgs) -> anyhow::Result<()> {
    let auth = auth(&args.target);
    let idle = Duration::from_secs_f64(args.idle_secs.max(0.0));
    let mut reports = Vec::new();
    for _ in 0..args.runs.max(1) {
        let dir = match &args.data_dir {
            Some(dir) => dir.clone(),
            None => scratch_dir("trailroom-startup")?,
        };
        let report = measure_startup(&args.server_bin, &dir, &auth, idle).await?;
        if args.data_dir.is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        reports.push(report);
    }
    emit(&reports, args.json.as_deref(), || {
        reports
            .iter()
            .map(|r| {
                format!(
                    "start to first answer {:.1} ms, idle RSS {} KiB ({})\n",
                    r.startup_ms, r.idle_rss_kib, r.data_dir
                )
            })
            .collect()
    })
}

async fn recording(args: RecordingArgs) -> anyhow::Result<()> {
    let opts = run_options(&args.target, &args.load)?;
    let workloads = workloads(&args.load.workload)?;
    let [workload] = workloads[..] else {
        bail!("recording compares one workload at a time");
    };
    let baseline = match args.versus.as_str() {
        "off" => Baseline::RecordingOff,
        "no-store" => Baseline::NoStore,
        other => bail!("--versus takes off or no-store, not {other}"),
    };
    let work_dir = scratch_dir("trailroom-recording")?;
    let result = compare_recording(
        &args.server_bin,
        &work_dir,
        &opts,
        workload,
        args.rounds,
        baseline,
    )
    .await;
    let _ = std::fs::remove_dir_all(&work_dir);
    let result = result?;
    let (measured, base, what) = match baseline {
        Baseline::RecordingOff => ("recording on", "off", "recording"),
        Baseline::NoStore => ("one event data store", "none", "the store"),
    };
    emit(&result, args.load.json.as_deref(), || {
        format!(
            "{}{measured} {:.0} ok/s, {base} {:.0} ok/s: {what} costs {:.1} % of throughput\n",
            table(&result.runs),
            result.on_ok_rps,
            result.off_ok_rps,
            result.cost * 100.0
        )
    })
}

fn auth(target: &Target) -> Auth {
    Auth {
        access_key_id: target.access_key.clone(),
        secret_access_key: target.secret_key.clone(),
        session_token: target.session_token.clone(),
        region: target.region.clone(),
    }
}

fn run_options(target: &Target, load: &Load) -> anyhow::Result<RunOptions> {
    let bound = match (load.count, &load.duration) {
        (Some(n), _) => Bound::Count(n),
        (None, Some(d)) => Bound::Duration(parse_duration(d)?),
        (None, None) => Bound::Duration(Duration::from_secs(10)),
    };
    Ok(RunOptions {
        host: loopback_host(&target.endpoint)?,
        target: target.label.clone(),
        auth: auth(target),
        connections: load.connections.max(1),
        bound,
        warmup: load.warmup,
        rooms: load.rooms.max(1),
        lookup_values: lookup_values(&load.lookup_values)?,
        bucket: load.bucket.clone(),
        progress: !load.quiet,
    })
}

fn workloads(names: &[String]) -> anyhow::Result<Vec<Workload>> {
    let mut out = Vec::new();
    for name in names {
        out.extend(Workload::parse_list(name.trim())?);
    }
    Ok(out)
}

/// `host:port` of an `http://` endpoint on the loopback network; anything else is refused.
fn loopback_host(endpoint: &str) -> anyhow::Result<String> {
    let rest = endpoint
        .strip_prefix("http://")
        .context("the endpoint must be http://127.0.0.1:PORT (or localhost)")?;
    let host = rest.trim_end_matches('/');
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    let loopback = name == "localhost"
        || name == "[::1]"
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !loopback || host.contains('/') {
        bail!("refusing {endpoint}: loads go to loopback addresses only");
    }
    Ok(if host.contains(':') && !host.ends_with(']') {
        host.to_owned()
    } else {
        format!("{host}:80")
    })
}

fn lookup_values(pairs: &[String]) -> anyhow::Result<HashMap<LookupAttr, String>> {
    pairs
        .iter()
        .map(|pair| {
            let (key, value) = pair
                .split_once('=')
                .with_context(|| format!("--lookup-value {pair:?} is not Attribute=Value"))?;
            let attr = LookupAttr::from_key(key)
                .with_context(|| format!("unknown lookup attribute {key:?}"))?;
            Ok((attr, value.to_owned()))
        })
        .collect()
}

fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .with_context(|| format!("bad duration {text:?}"))?;
    let secs = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => bail!("bad duration unit in {text:?} (use ms, s or m)"),
    };
    if !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 {
        bail!("duration {text:?} is out of range");
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Writes `value` as JSON to `path` (stdout for `-`, then no table), and the table to stdout.
fn emit<T: Serialize>(
    value: &T,
    json: Option<&std::path::Path>,
    text: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    let rendered = serde_json::to_string_pretty(value)?;
    match json {
        Some(path) if path.as_os_str() == "-" => println!("{rendered}"),
        Some(path) => {
            std::fs::write(path, rendered + "\n")
                .with_context(|| format!("cannot write {}", path.display()))?;
            print!("{}", text());
        }
        None => print!("{}", text()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5h").is_err());
        assert!(parse_duration("x").is_err());
    }

    #[test]
    fn only_loopback_endpoints_are_accepted() {
        assert_eq!(
            loopback_host("http://127.0.0.1:4570").unwrap(),
            "127.0.0.1:4570"
        );
        assert_eq!(
            loopback_host("http://localhost:5000/").unwrap(),
            "localhost:5000"
        );
        assert_eq!(loopback_host("http://127.0.0.1").unwrap(), "127.0.0.1:80");
        assert!(loopback_host("http://10.0.0.1:4570").is_err());
        assert!(loopback_host("http://example.com:80").is_err());
        assert!(loopback_host("https://127.0.0.1:443").is_err());
        assert!(loopback_host("http://127.0.0.1:1/path").is_err());
    }

    #[test]
    fn lookup_values_need_a_known_attribute() {
        let values = lookup_values(&["EventName=DescribeTrails".into()]).unwrap();
        assert_eq!(values[&LookupAttr::EventName], "DescribeTrails");
        assert!(lookup_values(&["Nope=x".into()]).is_err());
        assert!(lookup_values(&["EventName".into()]).is_err());
    }
}
