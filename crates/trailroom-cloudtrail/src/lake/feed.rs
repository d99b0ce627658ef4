//! Feeding event data stores from the event log, and keeping them: each live store has one feed
//! per account it collects (its owner, or every account of the organization), whose cursor the
//! lake moves in the same transaction as it appends (so an event is ingested once, however the
//! background feeder and StartQuery's catch-up interleave). An event goes in when an ingestion
//! window holds its position, its region is the store's (or the store is multi-region) and the
//! store's selectors admit it, enriched with the store's `eventContext` when it has context key
//! selectors. Gone stores are dropped from the lake; retention prunes the rest.

use trailroom_archive::{ArchiveReader, CatalogEntry, catalog};
use trailroom_lake::{Lake, LakeError, LakeEvent};
use trailroom_organizations::organization_of;
use trailroom_store::{EventRow, ReadTxn, StoreError};

use super::enrich::{TagIndex, enrich};
use super::record::{EDS_KIND, EdsStatus, EventDataStoreRecord};
use crate::trails::{Destinations, selectors_admit};

/// Events read from the log per step.
const BATCH: usize = 500;
/// Events pruned per store per maintenance round.
const PRUNE_BATCH: usize = 10_000;

/// What stops a feed.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The event log could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The lake failed.
    #[error(transparent)]
    Lake(#[from] LakeError),
    /// Archived events could not be read.
    #[error("reading the archive: {0}")]
    Archive(String),
    /// An enriched event's context could not be read.
    #[error("enriching an event: {0}")]
    Enrich(String),
}

/// Every live store (any account), for the feeder.
pub fn live_stores(txn: &dyn ReadTxn, now_ms: i64) -> Result<Vec<EventDataStoreRecord>, FeedError> {
    let mut out = Vec::new();
    for doc in txn.list_kind(EDS_KIND)? {
        let record: EventDataStoreRecord = doc.decode()?;
        if !record.is_gone(now_ms) {
            out.push(record);
        }
    }
    Ok(out)
}

/// What the feed reads besides the live log.
#[derive(Clone, Copy)]
pub struct FeedSources<'a> {
    /// Answers the resource tags enriched events carry.
    pub neighbours: &'a dyn Destinations,
    /// The archive, for feeds whose cursor it has passed (a node whose lake fell behind while
    /// another node archived).
    pub archive: Option<&'a ArchiveReader>,
}

/// Where a feed's next events are: the archive while its cursor is behind the archive's last
/// position (everything up to there left the live log), the live log after that.
struct LogReader<'a> {
    archive: Option<(&'a ArchiveReader, Vec<CatalogEntry>)>,
    archived_through: i64,
}

impl<'a> LogReader<'a> {
    fn new(txn: &dyn ReadTxn, archive: Option<&'a ArchiveReader>) -> Result<Self, FeedError> {
        let Some(archive) = archive else {
            return Ok(Self {
                archive: None,
                archived_through: 0,
            });
        };
        let entries = catalog::entries(txn)?;
        let archived_through = entries.last().map_or(0, |e| e.segment.last_position);
        Ok(Self {
            archive: Some((archive, entries)),
            archived_through,
        })
    }

    fn events_after(
        &self,
        txn: &dyn ReadTxn,
        account: &str,
        from: i64,
    ) -> Result<Vec<EventRow>, FeedError> {
        if let Some((archive, entries)) = &self.archive
            && from < self.archived_through
        {
            let archived = archive
                .account_events_after(entries, account, from, BATCH)
                .map_err(|e| FeedError::Archive(e.to_string()))?;
            if !archived.is_empty() {
                return Ok(archived);
            }
        }
        Ok(txn.events_after(account, None, from, BATCH)?)
    }
}

/// Feeds `stores` up to the newest event; returns how many events went in.
pub fn feed(
    txn: &dyn ReadTxn,
    lake: &Lake,
    stores: &[EventDataStoreRecord],
    sources: FeedSources<'_>,
) -> Result<usize, FeedError> {
    let mut ingested = 0;
    let mut tags = TagIndex::new(sources.neighbours);
    let log = LogReader::new(txn, sources.archive)?;
    for store in stores {
        for account in accounts(txn, store)? {
            ingested += feed_account(txn, &log, lake, store, &account, &mut tags)?;
        }
    }
    Ok(ingested)
}

/// The lowest position a live store's feed still has to read the log after (the archiver may
/// take events up to it, never past it); `None` when no feed has anything left to read.
pub fn low_water(txn: &dyn ReadTxn, lake: &Lake, now_ms: i64) -> Result<Option<i64>, FeedError> {
    let mut lowest: Option<i64> = None;
    for store in live_stores(txn, now_ms)? {
        let Some(first) = store.windows.first() else {
            continue;
        };
        for account in accounts(txn, &store)? {
            let from = lake
                .cursor(&feed_key(&store, &account))?
                .unwrap_or(first.after_seq);
            if !fed_to_the_end(&store, from) {
                lowest = Some(lowest.map_or(from, |l| l.min(from)));
            }
        }
    }
    Ok(lowest)
}

/// Whether a feed of `store` at `from` has nothing left to take: ingestion stopped and every
/// window closed at or before `from`.
fn fed_to_the_end(store: &EventDataStoreRecord, from: i64) -> bool {
    store.status != EdsStatus::Enabled
        && store
            .windows
            .iter()
            .all(|w| w.upto_seq.is_some_and(|u| u <= from))
}

/// The lake's name of the feed of `account`'s events into `store`.
fn feed_key(store: &EventDataStoreRecord, account: &str) -> String {
    format!("{}/{account}", store.id)
}

/// The accounts whose events `store` collects.
fn accounts(txn: &dyn ReadTxn, store: &EventDataStoreRecord) -> Result<Vec<String>, FeedError> {
    if store.organization
        && let Some(org) = organization_of(txn, &store.account_id)?
        && org.management_account_id == store.account_id
    {
        return Ok(org.accounts());
    }
    Ok(vec![store.account_id.clone()])
}

fn feed_account(
    txn: &dyn ReadTxn,
    log: &LogReader<'_>,
    lake: &Lake,
    store: &EventDataStoreRecord,
    account: &str,
    tags: &mut TagIndex<'_>,
) -> Result<usize, FeedError> {
    let Some(first) = store.windows.first() else {
        return Ok(0);
    };
    let key = feed_key(store, account);
    let set = store.selector_set();
    let mut ingested = 0;
    loop {
        let from = lake.cursor(&key)?.unwrap_or(first.after_seq);
        if fed_to_the_end(store, from) {
            return Ok(ingested);
        }
        let events = log.events_after(txn, account, from)?;
        let Some(through) = events.last().map(|e| e.seq) else {
            return Ok(ingested);
        };
        let admitted: Vec<LakeEvent> = events
            .iter()
            .filter(|e| store.ingests(e.seq))
            .filter(|e| store.multi_region || e.region == store.home_region)
            .filter(|e| selectors_admit(&set, e))
            .map(|e| {
                Ok(LakeEvent {
                    seq: e.seq,
                    time_ms: e.event_time_ms,
                    record_json: enrich(txn, &e.record_json, &store.context_keys, tags)
                        .map_err(|err| FeedError::Enrich(err.message().to_owned()))?,
                })
            })
            .collect::<Result<_, FeedError>>()?;
        match lake.ingest(&store.id, &key, from, through, &admitted) {
            Ok(()) => ingested += admitted.len(),
            // Another feeder moved the cursor first: go on from where it left it.
            Err(LakeError::CursorMoved(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Drops stores whose pending deletion is over (or whose document is gone) and prunes the
/// rest's events older than their retention; forgets queries past `results_kept_ms`.
pub fn maintain(txn: &dyn ReadTxn, lake: &Lake, now_ms: i64) -> Result<(), FeedError> {
    let live = live_stores(txn, now_ms)?;
    for id in lake.stores()? {
        if !live.iter().any(|s| s.id == id) {
            lake.drop_store(&id)?;
        }
    }
    for store in &live {
        let keep_ms = i64::from(store.retention_days) * 24 * 3600 * 1000;
        lake.prune(&store.id, now_ms - keep_ms, PRUNE_BATCH)?;
    }
    let kept = lake.limits().results_kept.as_millis() as i64;
    lake.forget_queries_before(now_ms - kept)?;
    Ok(())
}
