//! What a run measured: counts, throughput and latency percentiles from an HDR histogram, as a
//! serialisable [`Report`] and as a text table.
//!
//! Knows nothing about HTTP or workloads beyond their names.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Latencies are recorded in microseconds, from 1 µs to 60 s, to 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// Records one latency, clamped into the histogram's range.
pub fn record(histogram: &mut Histogram<u64>, latency: Duration) {
    let micros = (latency.as_micros() as u64).clamp(1, 60_000_000);
    histogram.saturating_record(micros);
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub min: u64,
    pub mean: f64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

impl Latency {
    /// The percentiles of `histogram` (all zero when it is empty).
    pub fn of(histogram: &Histogram<u64>) -> Self {
        if histogram.is_empty() {
            return Self::default();
        }
        Self {
            min: histogram.min(),
            mean: histogram.mean(),
            p50: histogram.value_at_quantile(0.50),
            p90: histogram.value_at_quantile(0.90),
            p99: histogram.value_at_quantile(0.99),
            p999: histogram.value_at_quantile(0.999),
            max: histogram.max(),
        }
    }
}

/// The result of one workload against one endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Workload name, e.g. `a4b-create-room`.
    pub workload: String,
    /// A label for the target (`trailroom`, `ministack`, `moto`, or the endpoint URL).
    pub target: String,
    /// Endpoint URL.
    pub endpoint: String,
    /// Concurrent connections.
    pub connections: usize,
    /// Requests sent (answered or not).
    pub requests: u64,
    /// 2xx answers.
    pub ok: u64,
    /// Non-2xx answers, by AWS error code.
    pub errors: BTreeMap<String, u64>,
    /// Requests that got no answer (connection refused or reset, timeouts).
    pub transport_errors: u64,
    /// Wall time of the measured phase, in seconds.
    pub elapsed_secs: f64,
    /// All answered requests per second (successful or not).
    pub throughput_rps: f64,
    /// Successful requests per second.
    pub ok_rps: f64,
    /// Latency of every answered request, in microseconds.
    pub latency_us: Latency,
    /// Facts about the run worth keeping beside the numbers (e.g. lookup attribute and value).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notes: BTreeMap<String, String>,
}

impl Report {
    /// The share of answered requests that failed, 0–1.
    pub fn error_ratio(&self) -> f64 {
        let failed: u64 = self.errors.values().sum::<u64>() + self.transport_errors;
        if self.requests == 0 {
            0.0
        } else {
            failed as f64 / self.requests as f64
        }
    }
}

/// The reports as a fixed-width table, one line each (latencies in ms).
pub fn table(reports: &[Report]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<40} {:<10} {:>5} {:>8} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8}  errors",
        "workload",
        "target",
        "conns",
        "requests",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p999 ms",
        "max ms"
    );
    for r in reports {
        let l = &r.latency_us;
        let _ = writeln!(
            out,
            "{:<40} {:<10} {:>5} {:>8} {:>10.0} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3}  {}",
            r.workload,
            r.target,
            r.connections,
            r.requests,
            r.throughput_rps,
            ms(l.p50),
            ms(l.p90),
            ms(l.p99),
            ms(l.p999),
            ms(l.max),
            errors_text(r),
        );
    }
    out
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

fn errors_text(r: &Report) -> String {
    let mut parts: Vec<String> = r.errors.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if r.transport_errors > 0 {
        parts.push(format!("transport={}", r.transport_errors));
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_follow_the_recorded_values() {
        let mut h = new_histogram();
        for ms in 1..=1000u64 {
            record(&mut h, Duration::from_micros(ms * 1000));
        }
        let l = Latency::of(&h);
        assert!((499_000..=501_000).contains(&l.p50), "{l:?}");
        assert!((989_000..=991_000).contains(&l.p99), "{l:?}");
        assert!(l.max >= 999_000 && l.min <= 1001, "{l:?}");
        assert_eq!(Latency::of(&new_histogram()), Latency::default());
    }

    #[test]
    fn table_shows_errors_and_transport_failures() {
        let report = Report {
            workload: "w".into(),
            target: "t".into(),
            endpoint: "http://127.0.0.1:1".into(),
            connections: 2,
            requests: 10,
            ok: 7,
            errors: BTreeMap::from([("NotImplementedException".into(), 2)]),
            transport_errors: 1,
            elapsed_secs: 1.0,
            throughput_rps: 9.0,
            ok_rps: 7.0,
            latency_us: Latency::default(),
            notes: BTreeMap::new(),
        };
        let text = table(std::slice::from_ref(&report));
        assert!(
            text.contains("NotImplementedException=2 transport=1"),
            "{text}"
        );
        assert!((report.error_ratio() - 0.3).abs() < 1e-9);
    }
}
