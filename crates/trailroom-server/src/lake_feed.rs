//! The Lake feeder: every second, every live event data store takes the events recorded since
//! its feed last ran, stores past their pending deletion are dropped, retention prunes the rest,
//! queries older than seven days are forgotten (`trailroom_cloudtrail::lake::feed`), and imports
//! in progress read their next log files from this server's buckets or the configured external
//! ones (`lake::imports`, `import_objects`), and the
//! results of finished queries that asked for it are delivered to their bucket, signed
//! (`lake::results_delivery`), and dashboards whose schedule is due are refreshed
//! (`lake::dashboards::refresh`).
//! StartQuery also catches its stores up, so a query never waits for this loop.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use trailroom_cloudtrail::keys;
use trailroom_cloudtrail::lake::feed::{self, FeedError};
use trailroom_cloudtrail::lake::{dashboards, eds_arn, imports, results_delivery};
use trailroom_lake::{Lake, QueryInfo};

use crate::import_objects::ImportObjects;
use crate::local_objects::LocalObjects;
use crate::state::AppState;

/// The lease of the lake's once-per-cluster work.
const LEASE: &str = "lake";
/// How often the feeder runs.
const INTERVAL: Duration = Duration::from_secs(1);

/// Feeds and maintains the lake until the task is aborted.
pub async fn feed_forever(state: AppState, lake: Arc<Lake>) {
    let mut external = BTreeMap::new();
    for bucket in &state.config.external_buckets {
        match crate::delivery::external_store(bucket) {
            Ok(store) => {
                external.insert(bucket.bucket.clone(), store);
            }
            Err(err) => tracing::warn!(bucket = bucket.bucket, error = %err, "external bucket"),
        }
    }
    loop {
        let (store, lake_now, now) = (state.store.clone(), lake.clone(), state.clock.now_ms());
        let cloudtrail = state.cloudtrail.clone();
        let round = tokio::task::spawn_blocking(move || {
            let mut outcome: Result<usize, FeedError> = Ok(0);
            let read = store.with_reader(&mut |txn| {
                outcome = feed::live_stores(txn, now)
                    .and_then(|stores| {
                        feed::feed(txn, &lake_now, &stores, cloudtrail.feed_sources())
                    })
                    .and_then(|n| feed::maintain(txn, &lake_now, now).map(|()| n));
            });
            read.map_err(FeedError::from).and(outcome)
        })
        .await;
        match round {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::debug!(events = n, "fed event data stores"),
            Ok(Err(err)) => tracing::warn!(error = %err, "feeding event data stores failed"),
            Err(err) => tracing::warn!(error = %err, "the lake feeder stopped"),
        }
        let objects = ImportObjects {
            local: LocalObjects {
                store: state.store.as_ref(),
                blobs: state.s3.blobs(),
            },
            external: &external,
        };
        // Imports and scheduled refreshes are the cluster's, done by the `lake` lease's holder;
        // each node feeds its own lake and delivers the results of the queries it ran.
        let cluster_work = matches!(state.leases.hold(LEASE).await, Ok(Some(_)));
        if cluster_work {
            let imported = imports::run_imports(state.store.as_ref(), &lake, &objects, now).await;
            if let Err(err) = imported {
                tracing::warn!(error = %err, "importing log files failed");
            }
        }
        deliver_results(&state, &lake, now).await;
        let refreshed = match cluster_work {
            true => dashboards::refresh::run_scheduled_refreshes(
                state.store.as_ref(),
                &lake,
                now,
                state.cloudtrail.feed_sources(),
            )
            .await
            .map_err(|e| e.message().to_owned()),
            false => Ok(0),
        };
        match refreshed {
            Ok(0) => {}
            Ok(n) => tracing::debug!(dashboards = n, "refreshed dashboards on schedule"),
            Err(err) => tracing::warn!(error = %err, "scheduled dashboard refresh failed"),
        }
        tokio::time::sleep(INTERVAL).await;
    }
}

/// Writes the results of finished queries that asked for `DeliveryS3Uri` into their bucket, as
/// the CloudTrail service principal (so the bucket's policy decides), and records the outcome as
/// the query's `DeliveryStatus`.
async fn deliver_results(state: &AppState, lake: &Lake, now: i64) {
    let pending = match lake.pending_deliveries() {
        Ok(pending) => pending,
        Err(err) => {
            tracing::warn!(error = %err, "cannot list query results to deliver");
            return;
        }
    };
    for info in pending {
        let status = match results_delivery::undeliverable_status(info.status) {
            Some(status) => status,
            None => deliver_one(state, lake, &info, now).await,
        };
        if let Err(err) = lake.set_delivery_status(&info.id, status) {
            tracing::warn!(query = info.id, error = %err, "cannot record a delivery");
        }
    }
}

async fn deliver_one(state: &AppState, lake: &Lake, info: &QueryInfo, now: i64) -> &'static str {
    let validity = state.cloudtrail.signing_key_validity_ms();
    let key = match keys::current_signing_key(
        state.store.as_ref(),
        &info.account,
        &info.region,
        now,
        validity,
    )
    .await
    {
        Ok(key) => key,
        Err(err) => {
            tracing::warn!(query = info.id, error = %err, "no key to sign query results");
            return "FAILED_SIGNING_FILE";
        }
    };
    let built = match results_delivery::result_objects(lake, info, &key) {
        Ok(built) => built,
        Err(err) => {
            tracing::warn!(query = info.id, error = %err, "cannot build query results");
            return "FAILED";
        }
    };
    let source_arn = info
        .stores
        .first()
        .map(|id| eds_arn(&info.region, &info.account, id))
        .unwrap_or_default();
    let last = built.objects.len().saturating_sub(1);
    for (index, (object_key, body)) in built.objects.into_iter().enumerate() {
        let put = trailroom_s3::delivery::put_object_as_service(
            state.store.as_ref(),
            state.s3.blobs(),
            &built.bucket,
            &object_key,
            body,
            BTreeMap::new(),
            "cloudtrail.amazonaws.com",
            &source_arn,
            now,
        )
        .await;
        if let Err(err) = put {
            tracing::warn!(query = info.id, key = object_key, error = %err.message(), "query results not delivered");
            let signing = index == last;
            return match (err.code(), signing) {
                ("AccessDenied", false) => "ACCESS_DENIED",
                ("AccessDenied", true) => "ACCESS_DENIED_SIGNING_FILE",
                ("NoSuchBucket", _) => "RESOURCE_NOT_FOUND",
                (_, false) => "FAILED",
                (_, true) => "FAILED_SIGNING_FILE",
            };
        }
    }
    "SUCCESS"
}
