//! `GET /metrics` in the OpenMetrics text format Prometheus scrapes (`prometheus-client`):
//! requests by service, operation and status with latency histograms, events recorded, the
//! store writer's group commits, trail delivery (files, digests, failures, lag per trail) and
//! retention pruning.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use trailroom_audit::Clock;
use trailroom_audit::request_note::CallNote;
use trailroom_store::Store;

use crate::state::AppState;

/// Labels of a request.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    service: String,
    operation: String,
    status: u16,
}

/// Labels of a latency histogram.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServiceLabels {
    service: String,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms to ~8 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// The server's metrics, updated as requests and passes finish.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<ServiceLabels, Histogram, fn() -> Histogram>,
    delivered_files: Counter,
    delivered_digests: Counter,
    delivery_failures: Counter,
    pruned_events: Counter,
}

impl Metrics {
    /// The metrics of a server over `store`; the delivery lag is read from `delivery` at each
    /// scrape.
    pub fn new(
        store: Arc<dyn Store>,
        delivery: Arc<crate::delivery::Delivery>,
        leases: Arc<trailroom_store::Leases>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let mut registry = Registry::with_prefix("trailroom");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "requests",
            "Requests answered, by service, operation and HTTP status",
            requests.clone(),
        );
        let latency: Family<ServiceLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "request_duration_seconds",
            "Time from a request's arrival to its answer, by service",
            latency.clone(),
        );
        let counter = |registry: &mut Registry, name: &str, help: &str| {
            let counter = Counter::default();
            registry.register(name, help, counter.clone());
            counter
        };
        let delivered_files = counter(&mut registry, "delivery_files", "Trail log files delivered");
        let delivered_digests =
            counter(&mut registry, "delivery_digests", "Digest files delivered");
        let delivery_failures = counter(
            &mut registry,
            "delivery_failures",
            "Trail delivery attempts that failed (each retried with backoff)",
        );
        let pruned_events = counter(
            &mut registry,
            "retention_pruned_events",
            "Events deleted from Event history past the retention period",
        );
        registry.register_collector(Box::new(StoreAndTrails {
            store,
            delivery,
            leases,
            clock,
        }));
        Self {
            registry,
            requests,
            latency,
            delivered_files,
            delivered_digests,
            delivery_failures,
            pruned_events,
        }
    }

    /// Counts one answered request.
    pub fn observe_request(&self, note: &CallNote, status: u16, elapsed: Duration) {
        let service = note.service.clone().unwrap_or_else(|| "-".to_owned());
        let labels = RequestLabels {
            service: service.clone(),
            operation: note.operation.clone().unwrap_or_else(|| "-".to_owned()),
            status,
        };
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&ServiceLabels { service })
            .observe(elapsed.as_secs_f64());
    }

    /// Counts one delivery pass.
    pub fn observe_delivery(&self, report: &trailroom_delivery::DeliveryReport) {
        self.delivered_files.inc_by(report.files as u64);
        self.delivered_digests.inc_by(report.digests as u64);
        self.delivery_failures.inc_by(report.failures as u64);
    }

    /// Counts events pruned past retention.
    pub fn observe_pruned(&self, events: usize) {
        self.pruned_events.inc_by(events as u64);
    }

    /// The text a scrape gets.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            tracing::warn!("metrics could not be encoded");
        }
        text
    }
}

/// What is read at scrape time: the store's event log and writer, each trail's delivery lag.
struct StoreAndTrails {
    store: Arc<dyn Store>,
    delivery: Arc<crate::delivery::Delivery>,
    leases: Arc<trailroom_store::Leases>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for StoreAndTrails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreAndTrails")
    }
}

fn counter(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: impl prometheus_client::encoding::EncodeCounterValue,
) -> Result<(), std::fmt::Error> {
    let metric = ConstCounter::new(value);
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

impl Collector for StoreAndTrails {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let read = |f: &mut dyn FnMut(&dyn trailroom_store::ReadTxn)| self.store.with_reader(f);
        let mut position = 0;
        let mut stored = 0;
        let mut segments = Vec::new();
        let _ = read(&mut |txn| {
            position = txn.last_event_seq().unwrap_or_default();
            stored = txn.count_events().unwrap_or_default();
            segments = trailroom_archive::catalog::entries(txn).unwrap_or_default();
        });
        counter(
            &mut encoder,
            "events_recorded",
            "Events recorded since the data directory was created (the newest event's position)",
            u64::try_from(position).unwrap_or_default(),
        )?;
        let gauge = ConstGauge::new(i64::try_from(stored).unwrap_or(i64::MAX));
        gauge.encode(encoder.encode_descriptor(
            "events_stored",
            "Events in Event history now (all accounts and regions)",
            None,
            gauge.metric_type(),
        )?)?;
        let gauge = ConstGauge::new(i64::try_from(segments.len()).unwrap_or(i64::MAX));
        gauge.encode(encoder.encode_descriptor(
            "archive_segments",
            "Segments in the long-term archive",
            None,
            gauge.metric_type(),
        )?)?;
        let archived: u64 = segments.iter().map(|e| e.segment.events).sum();
        let gauge = ConstGauge::new(i64::try_from(archived).unwrap_or(i64::MAX));
        gauge.encode(encoder.encode_descriptor(
            "archived_events",
            "Events the long-term archive's segments hold",
            None,
            gauge.metric_type(),
        )?)?;
        let writer = self.store.writer_stats();
        counter(
            &mut encoder,
            "store_commits",
            "Group transactions committed",
            writer.commits,
        )?;
        counter(
            &mut encoder,
            "store_committed_jobs",
            "Write jobs in committed group transactions (÷ commits: the mean batch size)",
            writer.jobs,
        )?;
        counter(
            &mut encoder,
            "store_commit_seconds",
            "Time spent running and committing group transactions (÷ commits: the mean latency)",
            writer.busy_seconds,
        )?;
        let lags = self.delivery.lags(self.clock.now_ms());
        let mut family = encoder.encode_descriptor(
            "delivery_lag_seconds",
            "Age of the oldest event recorded past each trail's delivery cursor (0 when caught up)",
            None,
            prometheus_client::metrics::MetricType::Gauge,
        )?;
        for (trail, lag_ms) in lags {
            let labels = [("trail", trail)];
            let gauge = ConstGauge::new(lag_ms as f64 / 1000.0);
            gauge.encode(family.encode_family(&labels)?)?;
        }
        // The node's role: which once-per-cluster work it holds the lease of now.
        let mut family = encoder.encode_descriptor(
            "lease_held",
            "Leases this node holds (1 per lease: a trail's delivery, retention, lake); \
             the node label names it",
            None,
            prometheus_client::metrics::MetricType::Gauge,
        )?;
        for lease in self.leases.names() {
            let labels = [("node", self.leases.holder().to_owned()), ("lease", lease)];
            ConstGauge::new(1).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

/// `GET /metrics`.
pub async fn scrape(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
