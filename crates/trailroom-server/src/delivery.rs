//! Wiring of trail delivery: the worker of `trailroom-delivery` driven on the configured
//! interval, with the trails of `trailroom-cloudtrail`, its signing keys, this server's own S3
//! buckets (or an external S3-compatible endpoint) and SNS topics as destinations.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use trailroom_cloudtrail::keys::{self, SigningKey};
use trailroom_cloudtrail::trails::{self, DeletedTrail, TrailRecord, TrailStatus};
use trailroom_delivery::digest::DigestKey;
use trailroom_delivery::{Admission, DigestKeys, SinkError, Sinks, Target, Trails, Worker};
use trailroom_store::{EventRow, ReadTxn, Store, StoreError, WriteTxn};

use crate::app::AppState;
use crate::config::ExternalBucket;

/// The service principal CloudTrail delivers as.
const CLOUDTRAIL: &str = "cloudtrail.amazonaws.com";

/// Trails as the worker sees them.
struct CloudTrailTrails;

/// Where a trail was when the worker looked: its status, and when it was deleted.
struct Seen<'a> {
    status: &'a TrailStatus,
    deleted_ms: Option<i64>,
}

fn target_of(txn: &dyn ReadTxn, trail: &TrailRecord, seen: Seen<'_>) -> Result<Target, StoreError> {
    let regions = if trail.is_multi_region_trail {
        trails::REGIONS.iter().map(|r| (*r).to_owned()).collect()
    } else {
        vec![trail.home_region.clone()]
    };
    // An organization trail covers every account of its organization, under `AWSLogs/<org id>/`.
    let org = match trail.is_organization_trail {
        true => trails::organization_of(txn, &trail.account_id)?
            .filter(|org| org.management_account_id == trail.account_id),
        false => None,
    };
    let status = seen.status;
    let stopped_ms = match (seen.deleted_ms, status.is_logging) {
        (Some(deleted), true) => Some(deleted),
        (Some(deleted), false) => Some(status.stop_logging_ms.unwrap_or(deleted)),
        (None, true) => None,
        (None, false) => status.stop_logging_ms,
    };
    Ok(Target {
        trail_arn: trail.trail_arn.clone(),
        trail_name: trail.name.clone(),
        home_region: trail.home_region.clone(),
        owner_account: trail.account_id.clone(),
        bucket: trail.s3_bucket_name.clone(),
        prefix: trail.s3_key_prefix.clone(),
        org_id: org.as_ref().map(|o| o.id.clone()),
        accounts: org.map_or_else(|| vec![trail.account_id.clone()], |o| o.accounts()),
        regions,
        sns_topic_arn: trail.sns_topic_arn.clone(),
        digests: trail.log_file_validation_enabled,
        logging_since_ms: status.start_logging_ms.unwrap_or_default(),
        start_seq: status.start_logging_seq.unwrap_or_default(),
        stopped_ms,
        deleted_ms: seen.deleted_ms,
    })
}

fn outcome(error: Option<&str>) -> Result<(), String> {
    error.map_or(Ok(()), |e| Err(e.to_owned()))
}

/// The id of the `ct_deleted_trail` document behind a deleted target.
fn deleted_id(target: &Target, deleted_ms: i64) -> String {
    format!("{}#{deleted_ms}", target.trail_arn)
}

impl Trails for CloudTrailTrails {
    fn targets(&self, txn: &dyn ReadTxn) -> Result<Vec<Target>, StoreError> {
        let mut targets = Vec::new();
        // Deleted trails first: a trail re-created under the same ARN comes after.
        for deleted in trails::deleted_trails(txn)? {
            let seen = Seen {
                status: &deleted.status,
                deleted_ms: Some(deleted.deleted_ms),
            };
            targets.push(target_of(txn, &deleted.trail, seen)?);
        }
        for logged in trails::logging_trails(txn)? {
            let seen = Seen {
                status: &logged.status,
                deleted_ms: None,
            };
            targets.push(target_of(txn, &logged.trail, seen)?);
        }
        Ok(targets)
    }

    fn admission(&self, txn: &dyn ReadTxn, target: &Target) -> Result<Admission, StoreError> {
        let trail: Option<TrailRecord> = match target.deleted_ms {
            Some(ms) => txn
                .get(
                    &target.owner_account,
                    trails::DELETED_KIND,
                    &deleted_id(target, ms),
                )?
                .map(|doc| doc.decode::<DeletedTrail>())
                .transpose()?
                .map(|deleted| deleted.trail),
            None => txn
                .get(&target.owner_account, trails::TRAIL_KIND, &target.trail_arn)?
                .map(|doc| doc.decode())
                .transpose()?,
        };
        Ok(match trail {
            Some(trail) => Box::new(move |event: &EventRow| trails::admits(&trail, event)),
            None => Box::new(|_: &EventRow| false),
        })
    }

    fn forget(&self, tx: &mut dyn WriteTxn, target: &Target) -> Result<(), StoreError> {
        if let Some(ms) = target.deleted_ms {
            tx.delete(
                &target.owner_account,
                trails::DELETED_KIND,
                &deleted_id(target, ms),
            )?;
        }
        Ok(())
    }

    fn record_delivery(
        &self,
        tx: &mut dyn WriteTxn,
        target: &Target,
        now_ms: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        trails::record_delivery(tx, &target.trail_arn, now_ms, outcome(error))
    }

    fn record_digest(
        &self,
        tx: &mut dyn WriteTxn,
        target: &Target,
        now_ms: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        trails::record_digest_delivery(tx, &target.trail_arn, now_ms, outcome(error))
    }

    fn record_notification(
        &self,
        tx: &mut dyn WriteTxn,
        target: &Target,
        now_ms: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        trails::record_notification(tx, &target.trail_arn, now_ms, outcome(error))
    }
}

/// Signing keys from the CloudTrail key store.
struct TrailKeys {
    store: Arc<dyn Store>,
    validity_ms: i64,
}

struct Key(SigningKey);

impl DigestKey for Key {
    fn fingerprint(&self) -> String {
        self.0.fingerprint.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        keys::sign(&self.0, message).map_err(|e| e.to_string())
    }
}

#[async_trait::async_trait]
impl DigestKeys for TrailKeys {
    async fn key(
        &self,
        account: &str,
        region: &str,
        now_ms: i64,
    ) -> Result<Box<dyn DigestKey>, String> {
        let key = keys::current_signing_key(
            self.store.as_ref(),
            account,
            region,
            now_ms,
            self.validity_ms,
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(Box::new(Key(key)))
    }
}

/// This server's buckets and topics, or an external S3-compatible endpoint for listed buckets.
struct Destinations {
    store: Arc<dyn Store>,
    data_dir: PathBuf,
    external: BTreeMap<String, Arc<dyn object_store::ObjectStore>>,
}

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
        if let Some(external) = self.external.get(&target.bucket) {
            return put_external(external.as_ref(), key, body, metadata).await;
        }
        let metadata: BTreeMap<String, String> = metadata.iter().cloned().collect();
        trailroom_s3::delivery::put_object_as_service(
            self.store.as_ref(),
            &self.data_dir,
            &target.bucket,
            key,
            body,
            metadata,
            CLOUDTRAIL,
            &target.trail_arn,
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

fn external_store(bucket: &ExternalBucket) -> anyhow::Result<Arc<dyn object_store::ObjectStore>> {
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

/// Builds the worker for `state`.
pub fn worker(state: &AppState) -> anyhow::Result<Worker> {
    let mut external = BTreeMap::new();
    for bucket in &state.config.external_buckets {
        external.insert(bucket.bucket.clone(), external_store(bucket)?);
    }
    let destinations = Destinations {
        store: state.store.clone(),
        data_dir: state.config.data_dir.clone(),
        external,
    };
    let keys = TrailKeys {
        store: state.store.clone(),
        validity_ms: state.cloudtrail.signing_key_validity_ms,
    };
    let mut worker = Worker::new(
        state.store.clone(),
        Arc::new(CloudTrailTrails),
        Arc::new(destinations),
        Arc::new(keys),
    );
    worker.digest_interval_ms = state.config.digest_interval.as_millis() as i64;
    Ok(worker)
}

/// Runs delivery every `delivery_interval` until the task is aborted.
pub async fn deliver_forever(state: AppState, worker: Worker) {
    let mut ticker = tokio::time::interval(state.config.delivery_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match worker.run_once(state.clock.now_ms()).await {
            Ok(report) if report.files + report.digests > 0 => {
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
