//! The archiver's wiring: segments and manifests are blobs of the reserved `_archive` space of
//! this server's blob store (data-directory files or the `[blobs]` S3-compatible store; no S3
//! bucket can be named so), and every `[archive] interval` the node holding the `archive` lease
//! moves events older than `[archive] after` into segments, up to the horizon: the lowest
//! position a trail's delivery or this node's Lake feeds still have to read.

use std::sync::Arc;

use bytes::Bytes;
use trailroom_archive::{ArchiveError, Pass, SegmentObjects};
use trailroom_cloudtrail::delivery::CloudTrailTrails;
use trailroom_delivery::Trails as _;
use trailroom_s3::BlobStore;
use trailroom_store::StoreError;

use crate::state::AppState;

/// The blob space segments and manifests are kept in.
const SPACE: &str = "_archive";
/// The lease archiving is done under.
const LEASE: &str = "archive";

/// Segments and manifests as blobs.
#[derive(Debug, Clone)]
pub struct ArchiveObjects {
    /// The server's blob store.
    pub blobs: BlobStore,
}

#[async_trait::async_trait]
impl SegmentObjects for ArchiveObjects {
    async fn put(&self, bytes: Bytes) -> std::io::Result<String> {
        self.blobs.write(SPACE, bytes).await
    }

    async fn get(&self, name: &str) -> std::io::Result<Bytes> {
        self.blobs.read(SPACE, name, None).await
    }

    fn get_blocking(&self, name: &str) -> std::io::Result<Bytes> {
        self.blobs.read_blocking(SPACE, name)
    }
}

/// What one archiving round did.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Round {
    /// Segments written.
    pub segments: usize,
    /// Events they hold.
    pub events: usize,
}

/// Archives every interval until the task is aborted (only when `[archive] after` is set).
pub async fn archive_forever(state: AppState) {
    let Some(after) = state.config.archive.after else {
        return;
    };
    loop {
        tokio::time::sleep(state.config.archive.interval).await;
        match archive_round(&state, after).await {
            Ok(round) if round.segments > 0 => tracing::info!(
                segments = round.segments,
                events = round.events,
                "archived events"
            ),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "archiving failed"),
        }
    }
}

/// Archives events older than `after` (as segments of `[archive] segment_events`) when this
/// node holds the archive lease.
pub async fn archive_round(
    state: &AppState,
    after: std::time::Duration,
) -> Result<Round, ArchiveError> {
    let objects = ArchiveObjects {
        blobs: state.s3.blobs().clone(),
    };
    let mut round = Round::default();
    loop {
        // Held (renewed) before each segment; another node's now: its work from here on.
        let Some(fence) = state.leases.hold(LEASE).await? else {
            return Ok(round);
        };
        let now = state.clock.now_ms();
        let pass = Pass {
            cutoff_ms: now - after.as_millis() as i64,
            horizon_seq: horizon(state, now)?,
            segment_events: state.config.archive.segment_events,
            now_ms: now,
        };
        match trailroom_archive::archive_once(state.store.as_ref(), &objects, &pass, Some(&fence))
            .await?
        {
            Some(done) => {
                round.segments += 1;
                round.events += done.events;
            }
            None => return Ok(round),
        }
    }
}

/// The highest position the archiver may take: at most the lowest position a trail's delivery
/// or a Lake feed still has to read after (`None`: nobody reads the log).
fn horizon(state: &AppState, now_ms: i64) -> Result<Option<i64>, ArchiveError> {
    let lake = state.cloudtrail.lake.clone();
    let lows = trailroom_store::read(state.store.as_ref(), |txn| {
        let targets = CloudTrailTrails.targets(txn)?;
        let delivery = trailroom_delivery::state::low_water(txn, &targets)?;
        let lake = match &lake {
            Some(lake) => trailroom_cloudtrail::lake::feed::low_water(txn, lake, now_ms)
                .map_err(|e| StoreError::Backend(e.to_string()))?,
            None => None,
        };
        Ok::<_, StoreError>([delivery, lake])
    })??;
    Ok(lows.into_iter().flatten().min())
}

/// The reader Event history uses (segments archived earlier are read even with archiving off).
pub fn reader(blobs: &BlobStore) -> Arc<trailroom_archive::ArchiveReader> {
    Arc::new(trailroom_archive::ArchiveReader::new(Arc::new(
        ArchiveObjects {
            blobs: blobs.clone(),
        },
    )))
}
