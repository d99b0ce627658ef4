//! The archive benchmark: synthetic events loaded into a fresh data directory, Event history
//! lookups (a page of 50, every attribute) timed on the live log, then every event archived into
//! segments (files of the data directory, as the server keeps them), the same lookups timed
//! across the archive (the first one cold, then with decoded segments cached), and the whole
//! chain verified. Reports events/s archived and bytes per event live and in segments.

use std::path::Path;
use std::time::Instant;

use anyhow::anyhow;
use serde::Serialize;
use trailroom_archive::{ArchiveReader, CatalogEntry, Pass, archive_once, catalog};
use trailroom_server::archive::ArchiveObjects;
use trailroom_store::{EventQuery, EventRow, LookupKey, Store, StoreError};
use trailroom_store_sqlite::SqliteStore;

use crate::loader::{LoadOptions, load, store_bytes};

/// Lookups timed per attribute and place.
const ROUNDS: usize = 30;

/// One attribute's lookup times.
#[derive(Debug, Serialize)]
pub struct LookupTiming {
    /// The attribute (`none`: no filter).
    pub attribute: String,
    /// Events on the page.
    pub found: usize,
    /// Live log: median and slowest of the rounds, ms.
    pub live_p50_ms: f64,
    /// Live log, slowest, ms.
    pub live_max_ms: f64,
    /// Archived: the first lookup after a start (segments read and decoded), ms.
    pub archived_cold_ms: f64,
    /// Archived: median of the rounds after it, ms.
    pub archived_p50_ms: f64,
    /// Archived, slowest, ms.
    pub archived_max_ms: f64,
}

/// What the benchmark measured.
#[derive(Debug, Serialize)]
pub struct ArchiveReport {
    /// Events loaded and archived.
    pub events: u64,
    /// Store bytes per event, live (after the load's checkpoint).
    pub live_bytes_per_event: f64,
    /// Segments written.
    pub segments: usize,
    /// Events per second through archiving (encode, write, commit, remove).
    pub archive_events_per_sec: f64,
    /// Segment bytes per event.
    pub segment_bytes_per_event: f64,
    /// Lookups, live and archived.
    pub lookups: Vec<LookupTiming>,
    /// Verifying every segment and manifest, ms.
    pub verify_ms: f64,
}

/// Runs the benchmark in `dir` (which must be empty or new).
pub async fn run(
    dir: &Path,
    events: u64,
    seed: u64,
    segment_events: usize,
) -> anyhow::Result<ArchiveReport> {
    if dir.join("trailroom.db").exists() {
        anyhow::bail!("{} holds a store: give an empty directory", dir.display());
    }
    let loaded = load(&LoadOptions {
        data_dir: dir.to_owned(),
        events,
        batch: 1_000,
        span_days: 30,
        seed,
        progress: false,
    })
    .await?;
    let live_bytes_per_event = store_bytes(dir)? as f64 / loaded.events_in_store.max(1) as f64;
    let store = SqliteStore::open(&dir.join("trailroom.db")).map_err(|e| anyhow!("{e}"))?;
    let queries = sample_queries(store.as_ref())?;
    let objects = ArchiveObjects {
        blobs: trailroom_s3::BlobStore::new(dir),
    };

    let mut live = Vec::new();
    for (_, query) in &queries {
        live.push(time_rounds(|| lookup_live(store.as_ref(), query))?);
    }

    let started = Instant::now();
    let pass = Pass {
        cutoff_ms: i64::MAX,
        horizon_seq: None,
        segment_events,
        now_ms: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    };
    let mut segments = 0;
    while archive_once(store.as_ref(), &objects, &pass, None)
        .await?
        .is_some()
    {
        segments += 1;
    }
    let archive_secs = started.elapsed().as_secs_f64();
    let entries = read(store.as_ref(), catalog::entries)?;
    let segment_bytes: u64 = entries.iter().map(|e| e.segment.bytes).sum();

    let reader = ArchiveReader::new(std::sync::Arc::new(objects.clone()));
    let mut lookups = Vec::new();
    for ((attribute, query), (live_p50_ms, live_max_ms, found)) in queries.iter().zip(live) {
        let cold = Instant::now();
        lookup_archived(store.as_ref(), &reader, &entries, query).await?;
        let archived_cold_ms = cold.elapsed().as_secs_f64() * 1e3;
        let mut times = Vec::new();
        for _ in 0..ROUNDS {
            let t = Instant::now();
            lookup_archived(store.as_ref(), &reader, &entries, query).await?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let (archived_p50_ms, archived_max_ms) = median_max(&mut times);
        lookups.push(LookupTiming {
            attribute: attribute.clone(),
            found,
            live_p50_ms,
            live_max_ms,
            archived_cold_ms,
            archived_p50_ms,
            archived_max_ms,
        });
    }
    let verified = Instant::now();
    let report = trailroom_archive::verify(store.as_ref(), &objects).await?;
    if !report.valid() {
        anyhow::bail!("the archive does not verify: {:?}", report.problems);
    }
    let verify_ms = verified.elapsed().as_secs_f64() * 1e3;
    store.shutdown();
    Ok(ArchiveReport {
        events,
        live_bytes_per_event,
        segments,
        archive_events_per_sec: events as f64 / archive_secs.max(1e-9),
        segment_bytes_per_event: segment_bytes as f64 / events.max(1) as f64,
        lookups,
        verify_ms,
    })
}

fn read<R>(
    store: &dyn Store,
    work: impl Fn(&dyn trailroom_store::ReadTxn) -> Result<R, StoreError>,
) -> anyhow::Result<R> {
    Ok(trailroom_store::read(store, |txn| work(txn))??)
}

/// A page of 50 for no filter and each attribute, with values of an event from the middle of
/// the log.
fn sample_queries(store: &dyn Store) -> anyhow::Result<Vec<(String, EventQuery)>> {
    let middle = read(store, |txn| {
        let count = txn.count_events()? as usize;
        txn.log_after(0, count / 2 + 1)
    })?;
    // From the middle of the log, one that names a resource.
    let sample: EventRow = middle
        .iter()
        .rev()
        .find(|e| !e.resources.is_empty())
        .or(middle.last())
        .cloned()
        .ok_or_else(|| anyhow!("no events"))?;
    let (resource_type, resource_name) = sample
        .resources
        .first()
        .cloned()
        .unwrap_or_else(|| ("none".into(), "none".into()));
    let keys = [
        ("none", None),
        ("EventId", Some(LookupKey::EventId(sample.event_id.clone()))),
        (
            "EventName",
            Some(LookupKey::EventName(sample.event_name.clone())),
        ),
        (
            "EventSource",
            Some(LookupKey::EventSource(sample.event_source.clone())),
        ),
        ("Username", sample.username.clone().map(LookupKey::Username)),
        (
            "AccessKeyId",
            sample.access_key_id.clone().map(LookupKey::AccessKeyId),
        ),
        ("ReadOnly", Some(LookupKey::ReadOnly(sample.read_only))),
        ("ResourceType", Some(LookupKey::ResourceType(resource_type))),
        ("ResourceName", Some(LookupKey::ResourceName(resource_name))),
    ];
    Ok(keys
        .into_iter()
        .map(|(name, key)| {
            let query = EventQuery {
                account_id: sample.account_id.clone(),
                region: sample.region.clone(),
                key,
                start_ms: 0,
                end_ms: i64::MAX,
                before: None,
                category: "Management".into(),
                limit: 50,
            };
            (name.to_owned(), query)
        })
        .collect())
}

fn lookup_live(store: &dyn Store, query: &EventQuery) -> anyhow::Result<usize> {
    Ok(read(store, |txn| txn.lookup_events(query))?.len())
}

async fn lookup_archived(
    store: &dyn Store,
    reader: &ArchiveReader,
    entries: &[CatalogEntry],
    query: &EventQuery,
) -> anyhow::Result<usize> {
    let live = read(store, |txn| txn.lookup_events(query))?;
    Ok(reader.lookup_with_live(live, entries, query).await?.len())
}

/// Median, slowest and the page size of [`ROUNDS`] timed runs of `lookup`.
fn time_rounds(lookup: impl Fn() -> anyhow::Result<usize>) -> anyhow::Result<(f64, f64, usize)> {
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        found = lookup()?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (median, max) = median_max(&mut times);
    Ok((median, max, found))
}

fn median_max(times: &mut [f64]) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    (
        times.get(times.len() / 2).copied().unwrap_or_default(),
        times.last().copied().unwrap_or_default(),
    )
}
