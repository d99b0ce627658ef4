//! Drives N keep-alive connections at once, each sending one call after another, until a count or
//! a duration is reached; records every latency in a per-connection HDR histogram and merges them.
//!
//! Knows nothing about what the calls mean: a [`CallFn`] makes the call for each slot.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressStyle};

use crate::client::{Auth, Call, Connection, error_code};
use crate::report::{Latency, Report, new_histogram, record};

/// When a phase stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// After this many requests in total.
    Count(u64),
    /// After this much time.
    Duration(Duration),
}

/// Which request a call is: its global index, and its connection with the connection's own
/// counter (for workloads whose calls must follow each other on one connection).
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    /// 0, 1, 2, ... across all connections.
    pub index: u64,
    /// The connection, 0..connections.
    pub worker: usize,
    /// 0, 1, 2, ... on this connection.
    pub local: u64,
}

/// Makes the call for a slot.
pub type CallFn = Arc<dyn Fn(&Slot) -> Call + Send + Sync>;

/// Where and how hard to send.
#[derive(Debug, Clone)]
pub struct PhaseOptions {
    /// `ip:port` of the endpoint.
    pub host: String,
    /// Credentials and region.
    pub auth: Auth,
    /// Concurrent connections (at least 1).
    pub connections: usize,
    /// When to stop.
    pub bound: Bound,
    /// Keep the bodies of successful answers (for set-up phases that need what was created).
    pub collect_bodies: bool,
    /// Progress bar label; `None` hides the bar.
    pub progress: Option<String>,
}

/// What one phase measured.
pub struct PhaseResult {
    /// Latency of every answered request.
    pub histogram: Histogram<u64>,
    /// Requests sent.
    pub requests: u64,
    /// 2xx answers.
    pub ok: u64,
    /// Non-2xx answers by error code.
    pub errors: BTreeMap<String, u64>,
    /// Requests without an answer.
    pub transport_errors: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Bodies of successful answers, when asked for (in no particular order).
    pub bodies: Vec<Bytes>,
    /// The first transport error seen, to say why a run failed.
    pub first_transport_error: Option<String>,
}

impl PhaseResult {
    fn empty() -> Self {
        Self {
            histogram: new_histogram(),
            requests: 0,
            ok: 0,
            errors: BTreeMap::new(),
            transport_errors: 0,
            elapsed: Duration::ZERO,
            bodies: Vec::new(),
            first_transport_error: None,
        }
    }

    fn merge(&mut self, other: PhaseResult) {
        self.histogram
            .add(&other.histogram)
            .expect("same histogram bounds");
        self.requests += other.requests;
        self.ok += other.ok;
        for (code, n) in other.errors {
            *self.errors.entry(code).or_default() += n;
        }
        self.transport_errors += other.transport_errors;
        self.bodies.extend(other.bodies);
        if self.first_transport_error.is_none() {
            self.first_transport_error = other.first_transport_error;
        }
    }

    /// The phase as a report row.
    pub fn to_report(&self, workload: &str, target: &str, endpoint: &str, conns: usize) -> Report {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let answered = self.requests - self.transport_errors;
        Report {
            workload: workload.to_owned(),
            target: target.to_owned(),
            endpoint: endpoint.to_owned(),
            connections: conns,
            requests: self.requests,
            ok: self.ok,
            errors: self.errors.clone(),
            transport_errors: self.transport_errors,
            elapsed_secs: self.elapsed.as_secs_f64(),
            throughput_rps: answered as f64 / secs,
            ok_rps: self.ok as f64 / secs,
            latency_us: Latency::of(&self.histogram),
            notes: BTreeMap::new(),
        }
    }
}

/// No answer within this time counts as a transport error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A connection that fails this many times in a row gives up (the server is gone).
const MAX_CONSECUTIVE_FAILURES: u32 = 50;

/// State shared by the connections of one phase.
struct Shared {
    next: AtomicU64,
    stop: AtomicBool,
    bound: Bound,
    started: Instant,
    make: CallFn,
    collect: bool,
    bar: ProgressBar,
}

impl Shared {
    /// The next global index, or `None` when the phase is over.
    fn take(&self) -> Option<u64> {
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        match self.bound {
            Bound::Count(total) => {
                let index = self.next.fetch_add(1, Ordering::Relaxed);
                (index < total).then_some(index)
            }
            Bound::Duration(limit) => {
                (self.started.elapsed() < limit).then(|| self.next.fetch_add(1, Ordering::Relaxed))
            }
        }
    }
}

/// Runs one phase and returns what it measured.
pub async fn run_phase(options: &PhaseOptions, make: CallFn) -> PhaseResult {
    let connections = options.connections.max(1);
    let bar = progress_bar(options);
    let shared = Arc::new(Shared {
        next: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        bound: options.bound,
        started: Instant::now(),
        make,
        collect: options.collect_bodies,
        bar: bar.clone(),
    });
    let ticker = duration_ticker(&shared);
    let mut tasks = Vec::with_capacity(connections);
    for worker in 0..connections {
        let conn = Connection::new(&options.host, options.auth.clone());
        let shared = shared.clone();
        tasks.push(tokio::spawn(async move {
            match conn {
                Ok(conn) => drive(conn, worker, &shared).await,
                Err(err) => failed_setup(err),
            }
        }));
    }
    let mut total = PhaseResult::empty();
    for task in tasks {
        if let Ok(result) = task.await {
            total.merge(result);
        }
    }
    total.elapsed = shared.started.elapsed();
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    bar.finish_and_clear();
    total
}

fn failed_setup(err: anyhow::Error) -> PhaseResult {
    let mut result = PhaseResult::empty();
    result.first_transport_error = Some(format!("{err:#}"));
    result
}

/// One connection's loop: take a slot, make its call, send it, record the outcome.
async fn drive(mut conn: Connection, worker: usize, shared: &Shared) -> PhaseResult {
    let mut result = PhaseResult::empty();
    let mut local = 0;
    let mut failures_in_a_row = 0;
    while let Some(index) = shared.take() {
        let call = (shared.make)(&Slot {
            index,
            worker,
            local,
        });
        local += 1;
        let started = Instant::now();
        let answer = tokio::time::timeout(REQUEST_TIMEOUT, conn.send(&call)).await;
        let latency = started.elapsed();
        result.requests += 1;
        if let Bound::Count(_) = shared.bound {
            shared.bar.inc(1);
        }
        match answer {
            Ok(Ok(answer)) => {
                failures_in_a_row = 0;
                record(&mut result.histogram, latency);
                if (200..300).contains(&answer.status) {
                    result.ok += 1;
                    if shared.collect {
                        result.bodies.push(answer.body);
                    }
                } else {
                    *result.errors.entry(error_code(&answer)).or_default() += 1;
                }
            }
            failed => {
                result.transport_errors += 1;
                failures_in_a_row += 1;
                if result.first_transport_error.is_none() {
                    result.first_transport_error = Some(match failed {
                        Ok(Err(err)) => format!("{err:#}"),
                        _ => "no answer within 30 s".into(),
                    });
                }
                if failures_in_a_row >= MAX_CONSECUTIVE_FAILURES {
                    shared.stop.store(true, Ordering::Relaxed);
                }
            }
        }
    }
    result
}

fn progress_bar(options: &PhaseOptions) -> ProgressBar {
    let Some(label) = &options.progress else {
        return ProgressBar::hidden();
    };
    let (len, template) = match options.bound {
        Bound::Count(n) => (n, "{msg:>32} {wide_bar} {pos}/{len} {per_sec} eta {eta}"),
        Bound::Duration(d) => (
            d.as_millis() as u64,
            "{msg:>32} {wide_bar} {elapsed}/{duration}",
        ),
    };
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_message(label.clone());
    bar
}

/// For a timed phase the bar shows time, not requests: a task moves it every 100 ms.
fn duration_ticker(shared: &Arc<Shared>) -> Option<tokio::task::JoinHandle<()>> {
    let Bound::Duration(_) = shared.bound else {
        return None;
    };
    let shared = shared.clone();
    let bar = shared.bar.clone();
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tick.tick().await;
            bar.set_position(shared.started.elapsed().as_millis() as u64);
        }
    }))
}
