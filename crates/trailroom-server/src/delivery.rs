//! Wiring of trail delivery: the worker of `trailroom-delivery` driven on the configured
//! interval, with the trails and signing keys of `trailroom-cloudtrail` (its `delivery` module),
//! and this server's own S3 buckets (or an external S3-compatible endpoint) and SNS topics as
//! destinations.

use std::collections::BTreeMap;
use std::sync::Arc;

use trailroom_audit::Clock;
use trailroom_cloudtrail::delivery::{CloudTrailTrails, TrailKeys};
use trailroom_delivery::{DeliveryReport, SinkError, Sinks, Target, Worker};
use trailroom_store::Store;

use crate::config::ExternalBucket;
use crate::state::AppState;

/// The service principal CloudTrail delivers as.
const CLOUDTRAIL: &str = "cloudtrail.amazonaws.com";

/// This server's buckets and topics, or an external S3-compatible endpoint for listed buckets.
struct Destinations {
    store: Arc<dyn Store>,
    blobs: trailroom_s3::BlobStore,
    external: BTreeMap<String, Arc<dyn object_store::ObjectStore>>,
    /// While a pass runs for the test API: every object written, as `s3://bucket/key`.
    written: Written,
    /// When objects and notifications are stamped.
    clock: Arc<dyn Clock>,
}

/// The objects a delivery pass wrote, when someone is listening.
type Written = Arc<std::sync::Mutex<Option<Vec<String>>>>;

fn sink_error(code: &str, message: impl Into<String>) -> SinkError {
    SinkError {
        code: code.to_owned(),
        message: message.into(),
    }
}

#[async_trait::async_trait]
impl Sinks for Destinations {
    async fn put(
        &self,
        target: &Target,
        key: &str,
        body: Vec<u8>,
        metadata: &[(String, String)],
    ) -> Result<(), SinkError> {
        if let Some(written) = self
            .written
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_mut()
        {
            written.push(format!("s3://{}/{key}", target.bucket));
        }
        if let Some(external) = self.external.get(&target.bucket) {
            return put_external(external.as_ref(), key, body, metadata).await;
        }
        let metadata: BTreeMap<String, String> = metadata.iter().cloned().collect();
        trailroom_s3::delivery::put_object_as_service(
            self.store.as_ref(),
            &self.blobs,
            &target.bucket,
            key,
            body,
            metadata,
            CLOUDTRAIL,
            &target.trail_arn,
            self.clock.now_ms(),
        )
        .await
        .map_err(|e| sink_error(e.code(), e.message()))
    }

    async fn notify(
        &self,
        target: &Target,
        topic_arn: &str,
        message: String,
    ) -> Result<(), SinkError> {
        trailroom_sns::publish_as_service(
            self.store.as_ref(),
            topic_arn,
            None,
            &message,
            CLOUDTRAIL,
            &target.trail_arn,
            self.clock.now_ms(),
        )
        .await
        .map(|_| ())
        .map_err(|e| sink_error(e.code(), e.message()))
    }
}

async fn put_external(
    store: &dyn object_store::ObjectStore,
    key: &str,
    body: Vec<u8>,
    metadata: &[(String, String)],
) -> Result<(), SinkError> {
    use object_store::{Attribute, Attributes, PutOptions, path::Path};
    let mut attributes = Attributes::new();
    for (name, value) in metadata {
        attributes.insert(
            Attribute::Metadata(name.clone().into()),
            value.clone().into(),
        );
    }
    let options = PutOptions {
        attributes,
        ..PutOptions::default()
    };
    store
        .put_opts(&Path::from(key), body.into(), options)
        .await
        .map(|_| ())
        .map_err(|e| sink_error("ExternalS3Error", e.to_string()))
}

/// The object store of an external bucket (delivery writes to it, Lake imports read it).
pub(crate) fn external_store(
    bucket: &ExternalBucket,
) -> anyhow::Result<Arc<dyn object_store::ObjectStore>> {
    let store = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(&bucket.endpoint)
        .with_bucket_name(&bucket.bucket)
        .with_region(&bucket.region)
        .with_access_key_id(&bucket.access_key_id)
        .with_secret_access_key(&bucket.secret_access_key)
        .with_allow_http(true)
        .with_virtual_hosted_style_request(!bucket.path_style)
        .build()?;
    Ok(Arc::new(store))
}

/// Trail delivery of a running server: the worker, run on the configured interval and on demand
/// (the test API), one pass at a time.
#[derive(Default)]
pub struct Delivery {
    worker: tokio::sync::Mutex<Option<Worker>>,
    written: Written,
}

impl Delivery {
    /// Builds the worker; until then passes do nothing.
    pub async fn start(&self, state: &AppState) -> anyhow::Result<()> {
        *self.worker.lock().await = Some(self.build(state)?);
        Ok(())
    }

    fn build(&self, state: &AppState) -> anyhow::Result<Worker> {
        let mut external = BTreeMap::new();
        for bucket in &state.config.external_buckets {
            external.insert(bucket.bucket.clone(), external_store(bucket)?);
        }
        let destinations = Destinations {
            store: state.store.clone(),
            blobs: state.s3.blobs().clone(),
            external,
            written: self.written.clone(),
            clock: state.clock.clone(),
        };
        let keys = TrailKeys::new(
            state.store.clone(),
            state.cloudtrail.signing_key_validity_ms,
        );
        let mut worker = Worker::new(
            state.store.clone(),
            Arc::new(CloudTrailTrails),
            Arc::new(destinations),
            Arc::new(keys),
        );
        worker.digest_interval_ms = state.config.digest_interval.as_millis() as i64;
        Ok(worker.with_leases(state.leases.clone()))
    }

    /// One pass now; returns what it did and every object it wrote.
    pub async fn run_now(
        &self,
        now_ms: i64,
    ) -> Result<(DeliveryReport, Vec<String>), trailroom_store::StoreError> {
        let worker = self.worker.lock().await;
        let Some(worker) = worker.as_ref() else {
            return Ok((DeliveryReport::default(), Vec::new()));
        };
        *self.lock_written() = Some(Vec::new());
        let report = worker.run_once(now_ms).await;
        let written = self.lock_written().take().unwrap_or_default();
        report.map(|r| (r, written))
    }

    /// Runs `change` with no pass running, then starts over with a fresh worker (whose
    /// in-memory backoffs belonged to the state `change` replaced).
    pub async fn paused<R>(
        &self,
        state: &AppState,
        change: impl std::future::Future<Output = R>,
    ) -> anyhow::Result<R> {
        let mut worker = self.worker.lock().await;
        let result = change.await;
        if worker.is_some() {
            *worker = Some(self.build(state)?);
        }
        Ok(result)
    }

    /// Each trail's delivery lag in ms (empty before the worker starts, or while a pass runs).
    pub fn lags(&self, now_ms: i64) -> Vec<(String, i64)> {
        match self.worker.try_lock() {
            Ok(worker) => worker
                .as_ref()
                .and_then(|w| w.lags(now_ms).ok())
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    fn lock_written(&self) -> std::sync::MutexGuard<'_, Option<Vec<String>>> {
        self.written
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A worker for `state` on its own (what the delivery benchmark drives).
pub fn worker(state: &AppState) -> anyhow::Result<Worker> {
    Delivery::default().build(state)
}

/// One delivery pass now, counted in the metrics: what it did and the objects it wrote.
pub async fn deliver_now(
    state: &AppState,
) -> Result<(DeliveryReport, Vec<String>), trailroom_store::StoreError> {
    let pass = state.delivery.run_now(state.clock.now_ms()).await;
    if let Ok((report, _)) = &pass {
        state.metrics.observe_delivery(report);
    }
    pass
}

/// Runs delivery every `delivery_interval` until the task is aborted.
pub async fn deliver_forever(state: AppState) {
    let mut ticker = tokio::time::interval(state.config.delivery_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match deliver_now(&state).await {
            Ok((report, _)) if report.files + report.digests > 0 => {
                tracing::info!(
                    files = report.files,
                    events = report.events,
                    digests = report.digests,
                    "trail delivery"
                );
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "trail delivery pass failed"),
        }
    }
}
