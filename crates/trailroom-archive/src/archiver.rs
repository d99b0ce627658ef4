//! The archiving pass: the oldest run of the live log whose events are older than the cut-off
//! and at or before the horizon (the lowest position a trail's delivery or a Lake feed still
//! has to read) becomes one segment. Order, so that a crash anywhere loses nothing: the segment
//! and its signed manifest are written to the object store first; then one store transaction
//! (fenced by the archive lease) checks that the chain has not moved, adds the catalog entry and
//! removes the events from the live log. A crash before that commit leaves at worst unreferenced
//! objects, and the next pass archives the same events again under new objects.

use bytes::Bytes;
use trailroom_store::lease::{self, Fence};
use trailroom_store::{EventRow, Store, StoreError};

use crate::catalog::{self, CatalogEntry, stream_name};
use crate::manifest::{Manifest, PreviousManifest, SegmentInfo, sha256_hex};
use crate::signing::{self, SigningKey};
use crate::{ArchiveError, SegmentObjects, segment};

/// What one pass may take.
#[derive(Debug, Clone)]
pub struct Pass {
    /// Only events older than this (`eventTime`, ms) are archived.
    pub cutoff_ms: i64,
    /// Only events at or before this position; `None`: no one still reads the log.
    pub horizon_seq: Option<i64>,
    /// Most events per segment.
    pub segment_events: usize,
    /// Now, ms (the manifest's creation time).
    pub now_ms: i64,
}

/// One segment made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archived {
    /// Its place in the chain.
    pub sequence: u64,
    /// Events it holds.
    pub events: usize,
    /// Events it took out of the live log (fewer when retention pruned some meanwhile).
    pub removed: usize,
}

/// Archives the oldest qualifying run of the live log as one segment; `None` when no event
/// qualifies. `fence`: the archive lease, checked in the commit.
pub async fn archive_once(
    store: &dyn Store,
    objects: &dyn SegmentObjects,
    pass: &Pass,
    fence: Option<&Fence>,
) -> Result<Option<Archived>, ArchiveError> {
    let limit = pass.segment_events.max(1);
    let (last, key, oldest) = trailroom_store::read(store, |txn| {
        Ok::<_, StoreError>((
            catalog::last(txn)?,
            signing::current(txn)?,
            txn.log_after(0, limit)?,
        ))
    })??;
    let run: Vec<EventRow> = oldest
        .into_iter()
        .take_while(|e| e.event_time_ms < pass.cutoff_ms)
        .take_while(|e| pass.horizon_seq.is_none_or(|h| e.seq <= h))
        .collect();
    if run.is_empty() {
        return Ok(None);
    }
    let key = match key {
        Some(key) => key,
        None => install_key(store, pass.now_ms).await?,
    };
    let (bytes, info, streams) = tokio::task::spawn_blocking(move || describe(&run))
        .await
        .map_err(|e| ArchiveError::Segment(format!("encoding panicked: {e}")))??;
    let object = objects.put(Bytes::from(bytes.data)).await?;
    let segment = SegmentInfo { object, ..info };
    let sequence = last.as_ref().map_or(1, |l| l.sequence + 1);
    let previous = last.as_ref().map(|l| PreviousManifest {
        object: l.manifest_object.clone(),
        signature: l.manifest_signature.clone(),
    });
    let manifest = Manifest::signed(sequence, pass.now_ms, segment, previous, &key)?;
    let manifest_object = objects.put(Bytes::from(manifest.to_bytes())).await?;
    let entry = CatalogEntry {
        sequence,
        segment: manifest.segment.clone(),
        manifest_object,
        manifest_signature: manifest.signature.clone(),
        streams,
    };
    let events = entry.segment.events as usize;
    let fence = fence.cloned();
    let removed = trailroom_store::write(store, move |tx| {
        if let Some(fence) = &fence {
            lease::check(&*tx, fence)?;
        }
        let current = catalog::last(&*tx)?.map(|l| l.sequence);
        if current != sequence.checked_sub(1).filter(|s| *s > 0) {
            return Err(ArchiveError::ChainMoved);
        }
        catalog::add(tx, &entry)?;
        Ok(tx.remove_events(&bytes.positions)?)
    })
    .await??;
    Ok(Some(Archived {
        sequence,
        events,
        removed,
    }))
}

/// A segment's bytes and the positions it holds.
struct Encoded {
    data: Vec<u8>,
    positions: Vec<i64>,
}

/// The segment of `run` with what its manifest and catalog entry say of it (object unset).
fn describe(run: &[EventRow]) -> Result<(Encoded, SegmentInfo, Vec<String>), ArchiveError> {
    let data = segment::encode(run)?;
    let info = SegmentInfo {
        object: String::new(),
        sha256: sha256_hex(&data),
        bytes: data.len() as u64,
        events: run.len() as u64,
        first_position: run.first().map_or(0, |e| e.seq),
        last_position: run.last().map_or(0, |e| e.seq),
        oldest_event_ms: run.iter().map(|e| e.event_time_ms).min().unwrap_or(0),
        newest_event_ms: run.iter().map(|e| e.event_time_ms).max().unwrap_or(0),
    };
    let mut streams: Vec<String> = run
        .iter()
        .map(|e| stream_name(&e.account_id, &e.region))
        .collect();
    streams.sort();
    streams.dedup();
    let positions = run.iter().map(|e| e.seq).collect();
    Ok((Encoded { data, positions }, info, streams))
}

/// The archive key, made now when there is none (the first pass).
async fn install_key(store: &dyn Store, now_ms: i64) -> Result<SigningKey, ArchiveError> {
    let candidate = tokio::task::spawn_blocking(move || SigningKey::generate(now_ms))
        .await
        .map_err(|e| ArchiveError::Signing(format!("key generation panicked: {e}")))??;
    Ok(trailroom_store::write(store, move |tx| signing::install(tx, candidate)).await??)
}
