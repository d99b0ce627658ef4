//! The archiving pass: the oldest run of the live log whose events are older than the cut-off
//! and at or before the horizon (the lowest position a trail's delivery or a Lake feed still
//! has to read) becomes one segment. Order, so that a crash anywhere loses nothing: the segment
//! and its signed manifest are written to the object store first; then one store transaction
//! (fenced by the archive lease) checks that the chain has not moved and adds the catalog entry;
//! then the events leave the live log in small write jobs (lookups meanwhile find them in both
//! places and keep one). A crash before the catalog commit leaves at worst unreferenced objects,
//! and the next pass archives the same events again under new objects; a crash during removal
//! leaves events the next pass removes first.

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

/// Events removed from the live log per write job: the writer is never held for long.
pub const REMOVE_CHUNK: usize = 2_000;

/// Archives the oldest qualifying run of the live log as one segment, then takes its events out
/// of the live log; `None` when no event qualifies. `fence`: the archive lease, checked in every
/// write. Events a former pass catalogued but did not finish removing go first.
pub async fn archive_once(
    store: &dyn Store,
    objects: &dyn SegmentObjects,
    pass: &Pass,
    fence: Option<&Fence>,
) -> Result<Option<Archived>, ArchiveError> {
    remove_archived(store, fence).await?;
    let Some(entry) = write_segment(store, objects, pass, fence).await? else {
        return Ok(None);
    };
    let removed = remove_archived(store, fence).await?;
    Ok(Some(Archived {
        sequence: entry.sequence,
        events: entry.segment.events as usize,
        removed,
    }))
}

/// Writes the next segment and its manifest, then catalogues it (in a write checking the fence
/// and that the chain has not moved); its events stay in the live log until
/// [`remove_archived`]. `None` when no event qualifies.
pub async fn write_segment(
    store: &dyn Store,
    objects: &dyn SegmentObjects,
    pass: &Pass,
    fence: Option<&Fence>,
) -> Result<Option<CatalogEntry>, ArchiveError> {
    let limit = pass.segment_events.max(1);
    let (last, key, oldest) = trailroom_store::read(store, |txn| {
        let last = catalog::last(txn)?;
        let after = last.as_ref().map_or(0, |l| l.segment.last_position);
        Ok::<_, StoreError>((last, signing::current(txn)?, txn.log_after(after, limit)?))
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
    let object = objects.put(Bytes::from(bytes)).await?;
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
    let (fence, catalogued) = (fence.cloned(), entry.clone());
    trailroom_store::write(store, move |tx| {
        if let Some(fence) = &fence {
            lease::check(&*tx, fence)?;
        }
        let current = catalog::last(&*tx)?.map(|l| l.sequence);
        if current != sequence.checked_sub(1).filter(|s| *s > 0) {
            return Err(ArchiveError::ChainMoved);
        }
        catalog::add(tx, &catalogued)?;
        Ok(())
    })
    .await??;
    Ok(Some(entry))
}

/// Takes every live event at or before the catalog's last position out of the live log, in
/// write jobs of [`REMOVE_CHUNK`]; returns how many. Until then lookups find such an event in
/// both places and keep one.
pub async fn remove_archived(
    store: &dyn Store,
    fence: Option<&Fence>,
) -> Result<usize, ArchiveError> {
    let mut removed = 0;
    loop {
        let doomed: Vec<i64> = trailroom_store::read(store, |txn| {
            let Some(through) = catalog::last(txn)?.map(|l| l.segment.last_position) else {
                return Ok::<_, StoreError>(Vec::new());
            };
            // The live log's oldest events: those at or before the archive's end are archived.
            Ok(txn
                .log_after(0, REMOVE_CHUNK)?
                .into_iter()
                .map(|e| e.seq)
                .take_while(|seq| *seq <= through)
                .collect())
        })??;
        if doomed.is_empty() {
            return Ok(removed);
        }
        let fence = fence.cloned();
        removed += trailroom_store::write(store, move |tx| {
            if let Some(fence) = &fence {
                lease::check(&*tx, fence)?;
            }
            tx.remove_events(&doomed)
        })
        .await??;
    }
}

/// The segment of `run` with what its manifest and catalog entry say of it (object unset).
fn describe(run: &[EventRow]) -> Result<(Vec<u8>, SegmentInfo, Vec<String>), ArchiveError> {
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
    Ok((data, info, streams))
}

/// The archive key, made now when there is none (the first pass).
async fn install_key(store: &dyn Store, now_ms: i64) -> Result<SigningKey, ArchiveError> {
    let candidate = tokio::task::spawn_blocking(move || SigningKey::generate(now_ms))
        .await
        .map_err(|e| ArchiveError::Signing(format!("key generation panicked: {e}")))??;
    Ok(trailroom_store::write(store, move |tx| signing::install(tx, candidate)).await??)
}
