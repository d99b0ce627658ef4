//! The bulk loader: fills a data directory's store with millions of synthetic events, written
//! through the store's own `WriteTxn::append_event` in large batches (one write job per batch,
//! so one savepoint and at most one fsync per batch), while a second thread builds the next
//! batches. Then it reports the load rate and the disk bytes per stored event.
//!
//! The server must not be running on the same directory. Knows nothing about HTTP.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, anyhow};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use trailroom_store::{EventRow, Store};
use trailroom_store_sqlite::SqliteStore;

use crate::synthetic::EventFactory;

/// How to load.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The server's data directory (the store is `trailroom.db` inside it).
    pub data_dir: PathBuf,
    /// Events to add.
    pub events: u64,
    /// Events per write job.
    pub batch: usize,
    /// The events span this many days, ending now.
    pub span_days: u32,
    /// Seed of the synthetic mix.
    pub seed: u64,
    /// Show a progress bar.
    pub progress: bool,
}

/// What a load did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadReport {
    /// Events added by this load.
    pub events_written: u64,
    /// Events in the store afterwards.
    pub events_in_store: u64,
    /// Wall time of the load.
    pub elapsed_secs: f64,
    /// Events added per second.
    pub events_per_sec: f64,
    /// Mean size of one record's JSON, in bytes.
    pub mean_record_bytes: f64,
    /// Size of the store's files after a checkpoint.
    pub store_bytes: u64,
    /// `store_bytes / events_in_store`.
    pub bytes_per_event: f64,
}

/// Batches waiting to be written, so building and writing overlap without using much memory.
const QUEUE_DEPTH: usize = 2;

/// Loads the events and reports.
pub async fn load(opts: &LoadOptions) -> anyhow::Result<LoadReport> {
    std::fs::create_dir_all(&opts.data_dir)
        .with_context(|| format!("cannot create {}", opts.data_dir.display()))?;
    let path = opts.data_dir.join("trailroom.db");
    let store =
        SqliteStore::open(&path).map_err(|e| anyhow!("cannot open {}: {e}", path.display()))?;
    let bar = bar(opts);
    let started = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<EventRow>>(QUEUE_DEPTH);
    let builder = spawn_builder(opts.clone(), tx);
    let mut record_bytes = 0u64;
    while let Some(batch) = rx.recv().await {
        let n = batch.len() as u64;
        record_bytes += batch
            .iter()
            .map(|e| e.record_json.len() as u64)
            .sum::<u64>();
        write_batch(store.as_ref(), batch).await?;
        bar.inc(n);
    }
    builder
        .join()
        .map_err(|_| anyhow!("the event builder panicked"))?;
    // Ingest ends when every event is in the indexed log, not when the journal has it.
    store.settle();
    let elapsed = started.elapsed().as_secs_f64();
    let events_in_store = trailroom_store::read(store.as_ref(), |t| t.count_events())
        .map_err(|e| anyhow!("{e}"))?
        .map_err(|e| anyhow!("{e}"))?;
    // Shutting down checkpoints the WAL into the database file, so its size is the steady state.
    store.shutdown();
    drop(store);
    bar.finish_and_clear();
    let store_bytes = store_bytes(&opts.data_dir)?;
    Ok(LoadReport {
        events_written: opts.events,
        events_in_store,
        elapsed_secs: elapsed,
        events_per_sec: opts.events as f64 / elapsed.max(1e-9),
        mean_record_bytes: record_bytes as f64 / opts.events.max(1) as f64,
        store_bytes,
        bytes_per_event: store_bytes as f64 / events_in_store.max(1) as f64,
    })
}

/// Builds batches on their own thread (JSON rendering is the expensive part of a load).
fn spawn_builder(
    opts: LoadOptions,
    tx: tokio::sync::mpsc::Sender<Vec<EventRow>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut factory = EventFactory::new(opts.seed, opts.events, now_ms(), opts.span_days);
        let batch = opts.batch.max(1) as u64;
        let mut next = 0;
        while next < opts.events {
            let end = (next + batch).min(opts.events);
            let rows: Vec<EventRow> = (next..end).map(|i| factory.event(i)).collect();
            if tx.blocking_send(rows).is_err() {
                return;
            }
            next = end;
        }
    })
}

async fn write_batch(store: &dyn Store, batch: Vec<EventRow>) -> anyhow::Result<()> {
    trailroom_store::write(store, move |txn| {
        for row in &batch {
            txn.append_event(row)?;
        }
        Ok::<_, trailroom_store::StoreError>(())
    })
    .await
    .map_err(|e| anyhow!("commit failed: {e}"))?
    .map_err(|e| anyhow!("append failed: {e}"))
}

/// Bytes of every `trailroom.db*` file in the directory. A file that goes while it is listed
/// (the WAL and shared-memory files, removed as the store's last connection closes) counts as
/// nothing.
pub fn store_bytes(data_dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(data_dir)? {
        let entry = entry?;
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with("trailroom.db")
        {
            continue;
        }
        match entry.metadata() {
            Ok(metadata) => total += metadata.len(),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(total)
}

fn bar(opts: &LoadOptions) -> ProgressBar {
    if !opts.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(opts.events);
    let template = "loading events {wide_bar} {human_pos}/{human_len} {per_sec} eta {eta}";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loads_events_that_the_store_can_look_up() {
        let dir = tempfile::tempdir().unwrap();
        let opts = LoadOptions {
            data_dir: dir.path().to_owned(),
            events: 2_500,
            batch: 1_000,
            span_days: 2,
            seed: 3,
            progress: false,
        };
        let report = load(&opts).await.unwrap();
        assert_eq!(report.events_in_store, 2_500);
        assert!(report.bytes_per_event > 100.0, "{report:?}");
        // Loading again adds to what is there.
        let report = load(&opts).await.unwrap();
        assert_eq!(report.events_in_store, 5_000);
        let store = SqliteStore::open(&dir.path().join("trailroom.db")).unwrap();
        let query = trailroom_store::EventQuery {
            account_id: crate::synthetic::ACCOUNT.into(),
            region: "us-east-1".into(),
            key: Some(trailroom_store::LookupKey::EventName("GetRoom".into())),
            start_ms: 0,
            end_ms: i64::MAX,
            before: None,
            category: "Management".into(),
            limit: 50,
        };
        let found = trailroom_store::read(store.as_ref(), |t| t.lookup_events(&query))
            .unwrap()
            .unwrap();
        assert_eq!(found.len(), 50);
        assert!(found.iter().all(|e| e.event_name == "GetRoom"));
    }
}
