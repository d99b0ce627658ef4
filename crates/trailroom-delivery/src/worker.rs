//! The delivery worker. Each pass takes every trail incarnation's logging windows in order: it
//! delivers the window's events in batches, writes the digests whose period is over, and once a
//! closed window is fully delivered, closes its chains with a final digest and moves on to the
//! next window. A deleted trail whose windows are all finished is forgotten.
//!
//! The invariant (ARCHITECTURE.md): a trail incarnation delivers exactly the events recorded
//! inside its logging windows (after the StartLogging position, up to and including the
//! stopping call's own event) that it admitted as configured when each was recorded, each once,
//! listed by exactly one digest of a chain that validates.
//!
//! Every step is idempotent: a pass interrupted anywhere (crash, sink error) is run again and
//! writes the same objects under the same keys, because a batch's bounds and a final digest's
//! end are stored before anything is written. A trail whose delivery failed is retried with
//! backoff; the error shows in its status until a delivery succeeds.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use trailroom_store::{EventRow, ReadTxn, Store, StoreError};

use crate::backoff::Backoffs;
use crate::digest::{self, DigestLogFile};
use crate::keys::{self, Location, iso_seconds};
use crate::logfile;
use crate::port::{Attempt, DigestKeys, SinkError, Sinks, Target, Trails, Window, WindowEnd};
use crate::state::{
    CHAIN_KIND, CURSOR_KIND, Chain, Cursor, DeliveredFile, Pending, chain_id, chain_of, load, save,
};

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Log files stored.
    pub files: usize,
    /// Events in them.
    pub events: usize,
    /// Digest files stored.
    pub digests: usize,
    /// Trails whose delivery failed this pass.
    pub failures: usize,
}

/// Events read per account per batch.
const BATCH_EVENTS: usize = 20_000;
/// Most records in one file (CloudTrail cuts files on size too).
const FILE_RECORDS: usize = 10_000;
/// How long after a stop known only by its time ([`WindowEnd::AtTime`]) the window is finished,
/// so calls in flight at the stop are stored.
pub const FINAL_GRACE_MS: i64 = 1_000;
/// Most batches one trail delivers in one pass: a backlog is caught up quickly, over several
/// passes when it is very large.
const BATCHES_PER_PASS: usize = 64;

/// One file of a batch.
struct PlannedFile {
    account: String,
    region: String,
    key: String,
    file: logfile::LogFile,
}

/// What delivering one window did.
#[derive(Debug, Default, Clone, Copy)]
struct Delivered {
    files: usize,
    events: usize,
    /// Nothing is left to deliver in the window (for now, when it is open).
    caught_up: bool,
}

/// Which digest [`Worker::digest_once`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    /// The chain's next full period, if it has ended (never past the window's stop).
    Due,
    /// The last digest of a closed window.
    Final(WindowEnd),
}

/// A failure that stops a trail's pass: a destination's refusal, counted for backoff, or the
/// store's, which ends the whole pass.
enum Stop {
    Sink(SinkError),
    Store(StoreError),
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Store(e)
    }
}

impl From<SinkError> for Stop {
    fn from(e: SinkError) -> Self {
        Stop::Sink(e)
    }
}

/// The worker: shared by the delivery loop and tests.
pub struct Worker {
    store: Arc<dyn Store>,
    trails: Arc<dyn Trails>,
    sinks: Arc<dyn Sinks>,
    keys: Arc<dyn DigestKeys>,
    /// Length of a digest period, ms (an hour by default).
    pub digest_interval_ms: i64,
    backoffs: Backoffs,
}

impl Worker {
    /// A worker over `store` delivering with `sinks`.
    pub fn new(
        store: Arc<dyn Store>,
        trails: Arc<dyn Trails>,
        sinks: Arc<dyn Sinks>,
        keys: Arc<dyn DigestKeys>,
    ) -> Self {
        Self {
            store,
            trails,
            sinks,
            keys,
            digest_interval_ms: 3_600_000,
            backoffs: Backoffs::default(),
        }
    }

    /// Each trail's delivery lag at `now_ms`: the age of the oldest event of its accounts
    /// recorded past its delivery cursor (zero when it has caught up). An upper bound: that event
    /// may be one the trail does not take.
    pub fn lags(&self, now_ms: i64) -> Result<Vec<(String, i64)>, StoreError> {
        trailroom_store::read(self.store.as_ref(), |txn| {
            let mut lags = Vec::new();
            for target in self.trails.targets(txn)? {
                let cursor =
                    load::<Cursor>(txn, &target, CURSOR_KIND, &target.key)?.current(&target);
                // Only a logging window holds events to deliver; past the last one, none.
                let Some(window) = target.windows.get(cursor.window) else {
                    lags.push((target.trail_arn.clone(), 0));
                    continue;
                };
                let after = cursor.last_seq.max(window.after_seq);
                let mut oldest: Option<i64> = None;
                for account in &target.accounts {
                    let next = txn.events_after(account, None, after, 1)?;
                    if let Some(event) = next.first() {
                        oldest = Some(
                            oldest.map_or(event.event_time_ms, |o| o.min(event.event_time_ms)),
                        );
                    }
                }
                let lag = oldest.map_or(0, |t| (now_ms - t).max(0));
                lags.push((target.trail_arn.clone(), lag));
            }
            Ok(lags)
        })?
    }

    /// Delivers every trail's new events and due digests, finishes closed windows, forgets
    /// finished deleted trails.
    pub async fn run_once(&self, now_ms: i64) -> Result<DeliveryReport, StoreError> {
        let targets = trailroom_store::read(self.store.as_ref(), |txn| self.trails.targets(txn))??;
        let mut report = DeliveryReport::default();
        for target in &targets {
            if self.backoffs.waiting(&target.key, now_ms) {
                continue;
            }
            match self
                .deliver_target(target, &targets, now_ms, &mut report)
                .await
            {
                Ok(()) => self.backoffs.succeeded(&target.key),
                Err(Stop::Store(err)) => return Err(err),
                Err(Stop::Sink(err)) => {
                    report.failures += 1;
                    let next = self.backoffs.failed(&target.key, now_ms);
                    tracing::warn!(
                        trail = %target.trail_arn, error = %err, failures = next.failures,
                        retry_in_ms = next.next_attempt_ms - now_ms, "trail delivery failed"
                    );
                }
            }
        }
        Ok(report)
    }

    /// Works through the target's windows from the cursor's: delivers, digests, finishes each
    /// closed one; stops at the open window or where a closed one cannot be finished yet.
    async fn deliver_target(
        &self,
        target: &Target,
        targets: &[Target],
        now_ms: i64,
        report: &mut DeliveryReport,
    ) -> Result<(), Stop> {
        loop {
            let cursor = self.cursor(target)?;
            let Some(window) = target.windows.get(cursor.window).copied() else {
                if target.deleted_ms.is_some() {
                    self.forget(target, targets).await?;
                }
                return Ok(());
            };
            if let Some(WindowEnd::AtTime { stopped_ms }) = window.end
                && now_ms < stopped_ms + FINAL_GRACE_MS
            {
                return Ok(());
            }
            let delivered = match self.deliver_window(target, &window, now_ms).await {
                Ok(delivered) => delivered,
                Err(Stop::Sink(err)) => {
                    self.note(
                        target,
                        now_ms,
                        Attempt::LogFiles {
                            upto_seq: 0,
                            files: 0,
                        },
                        &err,
                    )
                    .await?;
                    return Err(Stop::Sink(err));
                }
                Err(other) => return Err(other),
            };
            report.files += delivered.files;
            report.events += delivered.events;
            let finishing = window.end.filter(|_| delivered.caught_up);
            if target.digests {
                report.digests += self.digests(target, &window, finishing, now_ms).await?;
            }
            match finishing {
                Some(_) => self.finish_window(target, cursor.window).await?,
                None => return Ok(()),
            }
        }
    }

    fn cursor(&self, target: &Target) -> Result<Cursor, StoreError> {
        let cursor: Cursor = trailroom_store::read(self.store.as_ref(), |txn| {
            load(txn, target, CURSOR_KIND, &target.key)
        })??;
        Ok(cursor.current(target))
    }

    /// Delivers a window's events, batch after batch, until it has caught up.
    async fn deliver_window(
        &self,
        target: &Target,
        window: &Window,
        now_ms: i64,
    ) -> Result<Delivered, Stop> {
        let mut total = Delivered::default();
        for _ in 0..BATCHES_PER_PASS {
            let batch = self.deliver_batch(target, window, now_ms).await?;
            total.files += batch.files;
            total.events += batch.events;
            total.caught_up = batch.caught_up;
            if batch.caught_up {
                break;
            }
        }
        Ok(total)
    }

    /// Delivers the window's pending or next batch.
    async fn deliver_batch(
        &self,
        target: &Target,
        window: &Window,
        now_ms: i64,
    ) -> Result<Delivered, Stop> {
        let Some((cursor, pending)) = self.plan(target, window, now_ms).await? else {
            return Ok(Delivered {
                caught_up: true,
                ..Delivered::default()
            });
        };
        let files = self.build_batch(target, window, &cursor, &pending)?;
        for planned in &files {
            self.sinks
                .put(target, &planned.key, planned.file.gzipped.clone(), &[])
                .await?;
        }
        let events = files.iter().map(|f| f.file.records).sum();
        self.commit(target, window, &pending, &files, now_ms)
            .await?;
        self.notify(target, &files, now_ms).await?;
        Ok(Delivered {
            files: files.len(),
            events,
            caught_up: false,
        })
    }

    /// The cursor and its batch: the pending one, or a new one planned durably when the window
    /// has events after the cursor; `None` when it has none.
    async fn plan(
        &self,
        target: &Target,
        window: &Window,
        now_ms: i64,
    ) -> Result<Option<(Cursor, Pending)>, StoreError> {
        let cursor = self.cursor(target)?;
        if let Some(pending) = cursor.pending.clone() {
            return Ok(Some((cursor, pending)));
        }
        // Events stored before the window started are not the window's.
        let after = cursor.last_seq.max(window.after_seq);
        let upto = trailroom_store::read(self.store.as_ref(), |txn| {
            batch_end(txn, target, window, after)
        })??;
        let Some(upto_seq) = upto else {
            return Ok(None);
        };
        let pending = Pending {
            upto_seq,
            planned_ms: now_ms,
        };
        let planned = Cursor {
            last_seq: after,
            pending: Some(pending.clone()),
            ..cursor
        };
        let (target_, doc) = (target.clone(), planned.clone());
        trailroom_store::write(self.store.as_ref(), move |tx| {
            save(tx, &target_, CURSOR_KIND, &target_.key, &doc)
        })
        .await??;
        Ok(Some((planned, pending)))
    }

    /// The files of a batch: admitted events of (last_seq, upto], one file per account and region.
    fn build_batch(
        &self,
        target: &Target,
        window: &Window,
        cursor: &Cursor,
        pending: &Pending,
    ) -> Result<Vec<PlannedFile>, StoreError> {
        let mut groups: BTreeMap<(String, String), Vec<EventRow>> = BTreeMap::new();
        trailroom_store::read(self.store.as_ref(), |txn| {
            let admission = self.trails.admission(txn, target)?;
            let in_window = |row: &EventRow| match window.end {
                Some(WindowEnd::AtTime { stopped_ms }) => row.event_time_ms <= stopped_ms,
                _ => true,
            };
            for account in &target.accounts {
                let mut after = cursor.last_seq;
                loop {
                    let rows = txn.events_after(account, None, after, BATCH_EVENTS)?;
                    let Some(last) = rows.last().map(|r| r.seq) else {
                        break;
                    };
                    for row in rows.into_iter().filter(|r| r.seq <= pending.upto_seq) {
                        if in_window(&row) && admission(&row) {
                            groups
                                .entry((row.account_id.clone(), row.region.clone()))
                                .or_default()
                                .push(row);
                        }
                    }
                    if last >= pending.upto_seq {
                        break;
                    }
                    after = last;
                }
            }
            Ok::<_, StoreError>(())
        })??;
        let mut files = Vec::new();
        for ((account, region), events) in groups {
            for (part, chunk) in events.chunks(FILE_RECORDS).enumerate() {
                let seed = format!(
                    "{}|{account}|{region}|{}|{}|{part}",
                    target.key, cursor.last_seq, pending.upto_seq
                );
                let at = Location {
                    prefix: target.prefix.as_deref(),
                    org_id: target.org_id.as_deref(),
                    account: &account,
                    region: &region,
                };
                let key = keys::log_key(at, pending.planned_ms, &keys::unique16(&seed));
                let file = logfile::build(chunk).map_err(|e| StoreError::Backend(e.to_string()))?;
                files.push(PlannedFile {
                    account: account.clone(),
                    region: region.clone(),
                    key,
                    file,
                });
            }
        }
        Ok(files)
    }

    /// Moves the cursor past the batch, lists its files for their digests and records the
    /// delivery, in one write.
    async fn commit(
        &self,
        target: &Target,
        window: &Window,
        pending: &Pending,
        files: &[PlannedFile],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let trails = self.trails.clone();
        let target = target.clone();
        let started_ms = window.started_ms;
        let upto_seq = pending.upto_seq;
        let delivered: Vec<(String, String, DeliveredFile)> = files
            .iter()
            .map(|f| {
                let file = DigestLogFile {
                    s3_bucket: target.bucket.clone(),
                    s3_object: f.key.clone(),
                    hash_value: f.file.sha256_hex.clone(),
                    hash_algorithm: "SHA-256".into(),
                    newest_event_time: iso_seconds(f.file.newest_ms),
                    oldest_event_time: iso_seconds(f.file.oldest_ms),
                };
                let record = DeliveredFile {
                    file,
                    delivered_ms: now_ms,
                    newest_ms: f.file.newest_ms,
                    oldest_ms: f.file.oldest_ms,
                };
                (f.account.clone(), f.region.clone(), record)
            })
            .collect();
        let count = delivered.len();
        trailroom_store::write(self.store.as_ref(), move |tx| {
            let mut cursor: Cursor = load(&*tx, &target, CURSOR_KIND, &target.key)?;
            cursor.last_seq = upto_seq;
            cursor.pending = None;
            save(tx, &target, CURSOR_KIND, &target.key, &cursor)?;
            if target.digests {
                for (account, region, file) in delivered {
                    let id = chain_id(&target, &account, &region);
                    let mut chain =
                        load::<Chain>(&*tx, &target, CHAIN_KIND, &id)?.for_window(started_ms);
                    chain.files.push(file);
                    save(tx, &target, CHAIN_KIND, &id, &chain)?;
                }
            }
            let attempt = Attempt::LogFiles {
                upto_seq,
                files: count,
            };
            trails.record(tx, &target, now_ms, attempt, Ok(()))
        })
        .await?
    }

    /// Marks a closed window finished: the cursor moves to the next one.
    async fn finish_window(&self, target: &Target, index: usize) -> Result<(), StoreError> {
        let target = target.clone();
        trailroom_store::write(self.store.as_ref(), move |tx| {
            let mut cursor =
                load::<Cursor>(&*tx, &target, CURSOR_KIND, &target.key)?.current(&target);
            if cursor.window == index {
                cursor.window = index + 1;
                cursor.pending = None;
                save(tx, &target, CURSOR_KIND, &target.key, &cursor)?;
            }
            Ok(())
        })
        .await?
    }

    /// Forgets a finished deleted trail, with its cursor and chains (unless a live trail of an
    /// older version shares its key).
    async fn forget(&self, target: &Target, targets: &[Target]) -> Result<(), StoreError> {
        let shared = targets
            .iter()
            .any(|t| t.key == target.key && t.deleted_ms.is_none());
        let (trails, target) = (self.trails.clone(), target.clone());
        trailroom_store::write(self.store.as_ref(), move |tx| {
            trails.forget(tx, &target)?;
            if shared {
                return Ok(());
            }
            tx.delete(&target.owner_account, CURSOR_KIND, &target.key)?;
            for id in chain_ids(&*tx, &target)? {
                tx.delete(&target.owner_account, CHAIN_KIND, &id)?;
            }
            Ok(())
        })
        .await?
    }

    /// One notification per delivered file; failures are recorded, never retried into duplicates.
    async fn notify(
        &self,
        target: &Target,
        files: &[PlannedFile],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let Some(topic) = &target.sns_topic_arn else {
            return Ok(());
        };
        for file in files {
            let message =
                serde_json::json!({ "s3Bucket": target.bucket, "s3ObjectKey": [file.key] })
                    .to_string();
            let outcome = self.sinks.notify(target, topic, message).await;
            let code = outcome.err().map(|e| e.code);
            self.record(target, now_ms, Attempt::Notification, code.as_deref())
                .await?;
        }
        Ok(())
    }

    /// Writes every due digest of every chain of the window and, when `finishing`, each chain's
    /// final one; returns how many were written. A failed digest write stops the trail's pass.
    async fn digests(
        &self,
        target: &Target,
        window: &Window,
        finishing: Option<WindowEnd>,
        now_ms: i64,
    ) -> Result<usize, Stop> {
        let mut written = 0;
        for (account, region) in self.chains(target)? {
            match self
                .chain_digests(target, window, &account, &region, finishing, now_ms)
                .await
            {
                Ok(count) => written += count,
                Err(Stop::Sink(err)) => {
                    self.note(target, now_ms, Attempt::Digest, &err).await?;
                    return Err(Stop::Sink(err));
                }
                Err(other) => return Err(other),
            }
        }
        Ok(written)
    }

    /// One chain's due digests, then its final one when `finishing`; how many were written.
    async fn chain_digests(
        &self,
        target: &Target,
        window: &Window,
        account: &str,
        region: &str,
        finishing: Option<WindowEnd>,
        now_ms: i64,
    ) -> Result<usize, Stop> {
        let write = |period| self.digest_once(target, window, account, region, now_ms, period);
        let mut written = 0;
        while write(Period::Due).await? {
            written += 1;
        }
        if let Some(end) = finishing
            && write(Period::Final(end)).await?
        {
            written += 1;
        }
        Ok(written)
    }

    /// The (account, region) chains of the target: one per account and digest region, and any
    /// other that holds files (a region the trail stopped covering, an event from elsewhere).
    fn chains(&self, target: &Target) -> Result<BTreeSet<(String, String)>, StoreError> {
        let mut chains: BTreeSet<(String, String)> = target
            .accounts
            .iter()
            .flat_map(|a| target.regions.iter().map(move |r| (a.clone(), r.clone())))
            .collect();
        let existing = trailroom_store::read(self.store.as_ref(), |txn| chain_ids(txn, target))??;
        chains.extend(existing.iter().filter_map(|id| chain_of(target, id)));
        Ok(chains)
    }

    /// Writes the chain's next digest if its period is over; returns whether one was written.
    async fn digest_once(
        &self,
        target: &Target,
        window: &Window,
        account: &str,
        region: &str,
        now_ms: i64,
        period: Period,
    ) -> Result<bool, Stop> {
        let id = chain_id(target, account, region);
        let mut chain: Chain = trailroom_store::read(self.store.as_ref(), |txn| {
            load::<Chain>(txn, target, CHAIN_KIND, &id)
        })??
        .for_window(window.started_ms);
        let end_ms = match period {
            Period::Final(end) => match chain.final_end(end) {
                Some(end_ms) => end_ms,
                None => return Ok(false),
            },
            Period::Due => chain.window_start_ms + self.digest_interval_ms,
        };
        // Regular periods stop at the stop; what was delivered after it goes in the final one.
        let past_stop =
            period == Period::Due && window.end.is_some_and(|end| end_ms > end.stopped_ms());
        // A due period must be over, strictly: a file delivered at its very end could otherwise
        // reach a retry of the digest and not the first attempt.
        if period == Period::Due && (end_ms >= now_ms || past_stop) {
            return Ok(false);
        }
        if let Period::Final(_) = period
            && chain.final_end_ms.is_none()
        {
            // The final digest's end is fixed before it is written, so a retry writes the same.
            chain.final_end_ms = Some(end_ms);
            let (target_, id_, doc) = (target.clone(), id.clone(), chain.clone());
            trailroom_store::write(self.store.as_ref(), move |tx| {
                save(tx, &target_, CHAIN_KIND, &id_, &doc)
            })
            .await??;
        }
        let (listed, later): (Vec<DeliveredFile>, Vec<DeliveredFile>) = chain
            .files
            .iter()
            .cloned()
            .partition(|f| f.delivered_ms <= end_ms);
        let files: Vec<DigestLogFile> = listed.iter().map(|f| f.file.clone()).collect();
        let event_range = (!listed.is_empty()).then(|| {
            (
                listed.iter().map(|f| f.newest_ms).max().unwrap_or_default(),
                listed.iter().map(|f| f.oldest_ms).min().unwrap_or_default(),
            )
        });
        let at = Location {
            prefix: target.prefix.as_deref(),
            org_id: target.org_id.as_deref(),
            account,
            region,
        };
        let key = keys::digest_key(at, &target.trail_name, &target.home_region, end_ms);
        let input = digest::DigestInput {
            account,
            region,
            start_ms: chain.window_start_ms,
            end_ms,
            bucket: &target.bucket,
            key: &key,
            log_files: &files,
            event_range,
            previous: chain.previous.as_ref(),
        };
        // Digests of every account a trail covers are signed with the trail owner's key, which is
        // what ListPublicKeys answers the owner (and so `validate-logs`) with.
        let internal = |message: String| SinkError {
            code: "InternalFailure".into(),
            message,
        };
        let signing_key = self
            .keys
            .key(&target.owner_account, region, now_ms)
            .await
            .map_err(internal)?;
        let built = digest::build(&input, signing_key.as_ref()).map_err(internal)?;
        self.sinks
            .put(target, &key, built.gzipped, &built.metadata)
            .await?;
        let next = Chain {
            since_ms: chain.since_ms,
            window_start_ms: end_ms,
            previous: Some(built.link),
            files: later,
            final_end_ms: None,
        };
        let (trails, target) = (self.trails.clone(), target.clone());
        trailroom_store::write(self.store.as_ref(), move |tx| {
            save(tx, &target, CHAIN_KIND, &id, &next)?;
            trails.record(tx, &target, now_ms, Attempt::Digest, Ok(()))
        })
        .await??;
        Ok(true)
    }

    /// Records a failed attempt on the trail's status.
    async fn note(
        &self,
        target: &Target,
        now_ms: i64,
        attempt: Attempt,
        err: &SinkError,
    ) -> Result<(), StoreError> {
        self.record(target, now_ms, attempt, Some(&err.code)).await
    }

    async fn record(
        &self,
        target: &Target,
        now_ms: i64,
        attempt: Attempt,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let (trails, target) = (self.trails.clone(), target.clone());
        let error = error.map(str::to_owned);
        trailroom_store::write(self.store.as_ref(), move |tx| {
            let outcome = error.as_deref().map_or(Ok(()), Err);
            trails.record(tx, &target, now_ms, attempt, outcome)
        })
        .await?
    }
}

/// The last position of the window's next batch, `None` when it has nothing after `after`: at
/// most `BATCH_EVENTS` positions from the first new event of the trail's accounts, and never
/// past the window's end.
fn batch_end(
    txn: &dyn ReadTxn,
    target: &Target,
    window: &Window,
    after: i64,
) -> Result<Option<i64>, StoreError> {
    let end = match window.end {
        Some(WindowEnd::AtEvent { upto_seq, .. }) => upto_seq,
        _ => txn.last_event_seq()?,
    };
    if after >= end {
        return Ok(None);
    }
    let mut first: Option<i64> = None;
    for account in &target.accounts {
        if let Some(row) = txn.events_after(account, None, after, 1)?.first() {
            first = Some(first.map_or(row.seq, |f| f.min(row.seq)));
        }
    }
    let Some(first) = first.filter(|first| *first <= end) else {
        return Ok(None);
    };
    Ok(Some(end.min(first + BATCH_EVENTS as i64 - 1)))
}

/// Ids of the target's chain documents.
fn chain_ids(txn: &dyn ReadTxn, target: &Target) -> Result<Vec<String>, StoreError> {
    Ok(txn
        .list(&target.owner_account, CHAIN_KIND)?
        .into_iter()
        .filter(|doc| chain_of(target, &doc.id).is_some())
        .map(|doc| doc.id)
        .collect())
}
