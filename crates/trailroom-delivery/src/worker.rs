//! The delivery worker: one pass delivers every logging trail's new events, another writes the
//! digests whose hour is over. Both are idempotent: a pass interrupted anywhere (crash, sink error)
//! is simply run again and produces the same objects under the same keys.
//!
//! A trail whose delivery failed is retried with exponential backoff (1 s, doubling, at most
//! 15 minutes apart); the error shows in its status until a delivery succeeds.
//!
//! A trail that stopped logging (StopLogging or DeleteTrail) is finished once: the events recorded
//! up to the stop (the StopLogging call included) are delivered, then a final digest closes each
//! chain, and the trail is left alone until it logs again (a deleted trail is then forgotten).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use trailroom_store::{Doc, EventRow, ReadTxn, Store, StoreError, WriteTxn};

use crate::digest::{self, DigestKey, DigestLogFile, PreviousDigest};
use crate::keys::{self, Location, iso_seconds};
use crate::logfile;

/// A trail as delivery sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Trail ARN (the cursor's key).
    pub trail_arn: String,
    /// Trail name, for digest keys.
    pub trail_name: String,
    /// Home region, for digest keys.
    pub home_region: String,
    /// Account that owns the trail (and its cursor documents).
    pub owner_account: String,
    /// Destination bucket.
    pub bucket: String,
    /// `S3KeyPrefix`.
    pub prefix: Option<String>,
    /// Organization id, for organization trails.
    pub org_id: Option<String>,
    /// Accounts whose events the trail receives.
    pub accounts: Vec<String>,
    /// Regions whose events the trail receives.
    pub regions: Vec<String>,
    /// Topic notified of each file.
    pub sns_topic_arn: Option<String>,
    /// Whether digests are written (log file validation).
    pub digests: bool,
    /// When logging (re)started, ms: the start of the first digest window.
    pub logging_since_ms: i64,
    /// Position of the newest event when logging (re)started: only later events are delivered.
    pub start_seq: i64,
    /// When logging stopped (StopLogging or DeleteTrail), ms; `None` while logging. Events after
    /// it are not delivered, and the trail is finished with a final digest.
    pub stopped_ms: Option<i64>,
    /// When the trail was deleted, ms: once finished it is forgotten.
    pub deleted_ms: Option<i64>,
}

/// A trail's decision on one event (its selectors, regions and accounts), made once per batch.
pub type Admission = Box<dyn Fn(&EventRow) -> bool + Send>;

/// A destination's refusal, with the S3/SNS error code GetTrailStatus reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SinkError {
    /// S3 or SNS error code (`NoSuchBucket`, `AccessDenied`, …).
    pub code: String,
    /// Details.
    pub message: String,
}

/// Where files and notifications go.
#[async_trait::async_trait]
pub trait Sinks: Send + Sync {
    /// Stores an object for `target` (its bucket) with `x-amz-meta-*` `metadata`.
    async fn put(
        &self,
        target: &Target,
        key: &str,
        body: Vec<u8>,
        metadata: &[(String, String)],
    ) -> Result<(), SinkError>;
    /// Publishes `message` to `topic_arn` on behalf of `target`.
    async fn notify(
        &self,
        target: &Target,
        topic_arn: &str,
        message: String,
    ) -> Result<(), SinkError>;
}

/// Which trails log, which events they take, and where their status goes.
pub trait Trails: Send + Sync {
    /// Every trail that logs, logged and stopped, or was deleted while deliveries were owed.
    fn targets(&self, txn: &dyn ReadTxn) -> Result<Vec<Target>, StoreError>;
    /// How `target` decides which events it takes.
    fn admission(&self, txn: &dyn ReadTxn, target: &Target) -> Result<Admission, StoreError>;
    /// Drops a deleted trail that has been finished.
    fn forget(&self, tx: &mut dyn WriteTxn, target: &Target) -> Result<(), StoreError>;
    /// Records a delivery attempt's outcome on the trail's status.
    fn record_delivery(
        &self,
        tx: &mut dyn WriteTxn,
        target: &Target,
        now_ms: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Records a digest delivery attempt's outcome.
    fn record_digest(
        &self,
        tx: &mut dyn WriteTxn,
        target: &Target,
        now_ms: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Records a notification attempt's outcome.
    fn record_notification(
        &self,
        tx: &mut dyn WriteTxn,
        target: &Target,
        now_ms: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError>;
}

/// Finds the key that signs an account's digests for a region (made when none is valid).
#[async_trait::async_trait]
pub trait DigestKeys: Send + Sync {
    /// The key signing `account`'s digests of `region` at `now_ms`.
    async fn key(
        &self,
        account: &str,
        region: &str,
        now_ms: i64,
    ) -> Result<Box<dyn DigestKey>, String>;
}

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

const CURSOR_KIND: &str = "ct_delivery_cursor";
const CHAIN_KIND: &str = "ct_digest_chain";
/// Events read per account per pass.
const BATCH_EVENTS: usize = 20_000;
/// Most records in one file (CloudTrail cuts files on size too).
const FILE_RECORDS: usize = 10_000;
/// How long after a stop the trail is finished, so calls in flight at the stop are stored.
pub const FINAL_GRACE_MS: i64 = 1_000;
/// Delay before the first retry of a failed delivery; it doubles with each further failure.
const RETRY_FIRST_MS: i64 = 1_000;
/// Longest delay between two attempts.
const RETRY_MAX_MS: i64 = 15 * 60_000;

/// Consecutive failed deliveries of a trail and when it may be tried again.
#[derive(Debug, Clone, Copy)]
struct Backoff {
    failures: u32,
    next_attempt_ms: i64,
}

impl Backoff {
    /// The backoff after one more failure at `now_ms`.
    fn after_failure(previous: Option<Backoff>, now_ms: i64) -> Self {
        let failures = previous.map_or(1, |b| b.failures.saturating_add(1));
        let delay = RETRY_FIRST_MS
            .saturating_mul(1_i64 << (failures - 1).min(30))
            .min(RETRY_MAX_MS);
        Self {
            failures,
            next_attempt_ms: now_ms.saturating_add(delay),
        }
    }
}

/// Most batches one trail delivers in one pass: a backlog is caught up quickly, over several
/// passes when it is very large.
const BATCHES_PER_PASS: usize = 64;

/// A trail's delivery position; `pending` is the batch being delivered, so a retry rebuilds it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Cursor {
    last_seq: i64,
    pending: Option<Pending>,
    /// The stop (ms) this trail was finished for.
    #[serde(default)]
    finished_stop_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    upto_seq: i64,
    planned_ms: i64,
}

/// One (account, region) digest chain of a trail.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Chain {
    /// When the logging this chain belongs to started; a restart begins a new chain.
    #[serde(default)]
    since_ms: Option<i64>,
    window_start_ms: i64,
    previous: Option<PreviousDigest>,
    files: Vec<DeliveredFile>,
}

impl Chain {
    /// The chain for `target` as of its latest (re)start of logging: a chain left over from an
    /// earlier logging period is broken (AWS starts over with all `previousDigest*` null).
    fn current(self, target: &Target) -> Self {
        if self.since_ms == Some(target.logging_since_ms) {
            return self;
        }
        Chain {
            since_ms: Some(target.logging_since_ms),
            window_start_ms: target.logging_since_ms,
            previous: None,
            files: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DeliveredFile {
    file: DigestLogFile,
    delivered_ms: i64,
    newest_ms: i64,
    oldest_ms: i64,
}

/// One file of a batch.
struct PlannedFile {
    account: String,
    region: String,
    key: String,
    file: logfile::LogFile,
}

/// The worker: shared by the delivery loop and tests.
pub struct Worker {
    store: Arc<dyn Store>,
    trails: Arc<dyn Trails>,
    sinks: Arc<dyn Sinks>,
    keys: Arc<dyn DigestKeys>,
    /// Length of a digest window, ms (an hour by default).
    pub digest_interval_ms: i64,
    /// Trails whose last delivery failed, by ARN (in memory: a restart retries at once).
    backoff: Mutex<HashMap<String, Backoff>>,
}

fn backend(e: StoreError) -> SinkError {
    SinkError {
        code: "InternalFailure".into(),
        message: e.to_string(),
    }
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
            backoff: Mutex::new(HashMap::new()),
        }
    }

    /// Delivers every logging trail's new events, then writes due digests; finishes trails that
    /// stopped logging.
    pub async fn run_once(&self, now_ms: i64) -> Result<DeliveryReport, StoreError> {
        let targets = trailroom_store::read(self.store.as_ref(), |txn| self.trails.targets(txn))??;
        let mut report = DeliveryReport::default();
        for target in &targets {
            if self.waits_or_finished(target, &targets, now_ms).await?
                || self.backing_off(&target.trail_arn, now_ms)
            {
                continue;
            }
            let caught_up = match self.deliver_target(target, now_ms).await {
                Ok(delivered) => {
                    self.backoffs().remove(&target.trail_arn);
                    report.files += delivered.files;
                    report.events += delivered.events;
                    delivered.caught_up
                }
                Err(err) => {
                    report.failures += 1;
                    let next = self.record_failure(&target.trail_arn, now_ms);
                    tracing::warn!(
                        trail = %target.trail_arn, error = %err, failures = next.failures,
                        retry_in_ms = next.next_attempt_ms - now_ms, "log delivery failed"
                    );
                    self.note(target, now_ms, Some(err.code.clone()), Note::Delivery)
                        .await?;
                    false
                }
            };
            let mut digests_done = true;
            if target.digests {
                let (written, done) = self.digests(target, now_ms, caught_up).await?;
                report.digests += written;
                digests_done = done;
            }
            if target.stopped_ms.is_some() && caught_up && digests_done {
                self.finish(target, &targets).await?;
            }
        }
        Ok(report)
    }

    /// For a stopped trail: whether it is left alone this pass, because calls in flight at the
    /// stop may still be stored, or because it was finished for that stop (a deleted trail is
    /// then forgotten). A logging trail never is.
    async fn waits_or_finished(
        &self,
        target: &Target,
        targets: &[Target],
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let Some(stop) = target.stopped_ms else {
            return Ok(false);
        };
        let cursor: Cursor = trailroom_store::read(self.store.as_ref(), |txn| {
            load(txn, target, CURSOR_KIND, &target.trail_arn)
        })??;
        if cursor.finished_stop_ms == Some(stop) {
            if target.deleted_ms.is_some() {
                self.forget(target, targets).await?;
            }
            return Ok(true);
        }
        Ok(now_ms < stop + FINAL_GRACE_MS)
    }

    fn backoffs(&self) -> std::sync::MutexGuard<'_, HashMap<String, Backoff>> {
        self.backoff.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a failed delivery of the trail; returns its new backoff.
    fn record_failure(&self, trail_arn: &str, now_ms: i64) -> Backoff {
        let mut backoffs = self.backoffs();
        let next = Backoff::after_failure(backoffs.get(trail_arn).copied(), now_ms);
        backoffs.insert(trail_arn.to_owned(), next);
        next
    }

    /// Whether the trail's last delivery failed and its retry is not due yet.
    fn backing_off(&self, trail_arn: &str, now_ms: i64) -> bool {
        self.backoffs()
            .get(trail_arn)
            .is_some_and(|b| now_ms < b.next_attempt_ms)
    }

    /// Delivers a trail's new events, batch after batch, until it has caught up.
    async fn deliver_target(&self, target: &Target, now_ms: i64) -> Result<Delivered, SinkError> {
        let mut total = Delivered::default();
        for _ in 0..BATCHES_PER_PASS {
            let batch = self.deliver(target, now_ms).await?;
            total.files += batch.files;
            total.events += batch.events;
            total.caught_up = batch.caught_up;
            if batch.caught_up {
                break;
            }
        }
        Ok(total)
    }

    /// Delivers one trail's pending or new batch.
    async fn deliver(&self, target: &Target, now_ms: i64) -> Result<Delivered, SinkError> {
        let cursor = self.plan(target, now_ms).await.map_err(backend)?;
        let Some(pending) = cursor.pending.clone() else {
            return Ok(Delivered {
                caught_up: true,
                ..Delivered::default()
            });
        };
        let files = self
            .build_batch(target, &cursor, &pending)
            .map_err(backend)?;
        for planned in &files {
            self.sinks
                .put(target, &planned.key, planned.file.gzipped.clone(), &[])
                .await?;
        }
        let events = files.iter().map(|f| f.file.records).sum();
        self.commit(target, &pending, &files, now_ms)
            .await
            .map_err(backend)?;
        self.notify(target, &files, now_ms).await.map_err(backend)?;
        Ok(Delivered {
            files: files.len(),
            events,
            caught_up: false,
        })
    }

    /// Marks a stopped trail finished for its stop; a deleted one is forgotten.
    async fn finish(&self, target: &Target, targets: &[Target]) -> Result<(), StoreError> {
        let (owner, arn, stop) = (
            target.owner_account.clone(),
            target.trail_arn.clone(),
            target.stopped_ms,
        );
        trailroom_store::write(self.store.as_ref(), move |tx| {
            let mut cursor: Cursor = tx
                .get(&owner, CURSOR_KIND, &arn)?
                .map(|d| d.decode())
                .transpose()?
                .unwrap_or_default();
            cursor.finished_stop_ms = stop;
            save(tx, &owner, CURSOR_KIND, &arn, &cursor)
        })
        .await??;
        if target.deleted_ms.is_some() {
            self.forget(target, targets).await?;
        }
        Ok(())
    }

    /// Forgets a finished deleted trail, and its cursor and chains unless a live trail of the same
    /// ARN (created since) uses them.
    async fn forget(&self, target: &Target, targets: &[Target]) -> Result<(), StoreError> {
        let reused = targets
            .iter()
            .any(|t| t.trail_arn == target.trail_arn && t.deleted_ms.is_none());
        let (trails, target) = (self.trails.clone(), target.clone());
        trailroom_store::write(self.store.as_ref(), move |tx| {
            trails.forget(tx, &target)?;
            if reused {
                return Ok(());
            }
            let owner = &target.owner_account;
            tx.delete(owner, CURSOR_KIND, &target.trail_arn)?;
            for account in &target.accounts {
                for region in &target.regions {
                    tx.delete(owner, CHAIN_KIND, &chain_id(&target, account, region))?;
                }
            }
            Ok(())
        })
        .await?
    }

    /// Reads the cursor; when no batch is pending and new events exist, plans one durably.
    async fn plan(&self, target: &Target, now_ms: i64) -> Result<Cursor, StoreError> {
        let cursor: Cursor = trailroom_store::read(self.store.as_ref(), |txn| {
            load(txn, target, CURSOR_KIND, &target.trail_arn)
        })??;
        if cursor.pending.is_some() {
            return Ok(cursor);
        }
        // Events stored before the latest StartLogging are not the trail's.
        let after = cursor.last_seq.max(target.start_seq);
        let upto = trailroom_store::read(self.store.as_ref(), |txn| {
            self.batch_end(txn, target, after)
        })??;
        let Some(upto_seq) = upto else {
            return Ok(cursor);
        };
        let planned = Cursor {
            last_seq: after,
            pending: Some(Pending {
                upto_seq,
                planned_ms: now_ms,
            }),
            finished_stop_ms: cursor.finished_stop_ms,
        };
        let (owner, arn, doc) = (
            target.owner_account.clone(),
            target.trail_arn.clone(),
            planned.clone(),
        );
        trailroom_store::write(self.store.as_ref(), move |tx| {
            save(tx, &owner, CURSOR_KIND, &arn, &doc)
        })
        .await??;
        Ok(planned)
    }

    /// The last sequence number of the next batch, `None` when there is nothing new: a window of
    /// at most `BATCH_EVENTS` positions starting at the trail's first new event.
    fn batch_end(
        &self,
        txn: &dyn ReadTxn,
        target: &Target,
        after: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut first: Option<i64> = None;
        for account in &target.accounts {
            if let Some(row) = txn.events_after(account, None, after, 1)?.first() {
                first = Some(first.map_or(row.seq, |f| f.min(row.seq)));
            }
        }
        let Some(first) = first else {
            return Ok(None);
        };
        let last = txn.last_event_seq()?;
        Ok(Some(last.min(first + BATCH_EVENTS as i64 - 1)))
    }

    /// The files of a batch: admitted events of (last_seq, upto], one file per account and region.
    fn build_batch(
        &self,
        target: &Target,
        cursor: &Cursor,
        pending: &Pending,
    ) -> Result<Vec<PlannedFile>, StoreError> {
        let mut groups: BTreeMap<(String, String), Vec<EventRow>> = BTreeMap::new();
        trailroom_store::read(self.store.as_ref(), |txn| {
            let admission = self.trails.admission(txn, target)?;
            let before_stop = |row: &EventRow| {
                target
                    .stopped_ms
                    .is_none_or(|stop| row.event_time_ms <= stop)
            };
            for account in &target.accounts {
                let mut after = cursor.last_seq;
                loop {
                    let rows = txn.events_after(account, None, after, BATCH_EVENTS)?;
                    let Some(last) = rows.last().map(|r| r.seq) else {
                        break;
                    };
                    for row in rows.into_iter().filter(|r| r.seq <= pending.upto_seq) {
                        if target.regions.contains(&row.region)
                            && before_stop(&row)
                            && admission(&row)
                        {
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
                    target.trail_arn, cursor.last_seq, pending.upto_seq
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

    /// Moves the cursor past the batch and lists its files for their digests, in one write.
    async fn commit(
        &self,
        target: &Target,
        pending: &Pending,
        files: &[PlannedFile],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let trails = self.trails.clone();
        let target = target.clone();
        let upto = pending.upto_seq;
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
        trailroom_store::write(self.store.as_ref(), move |tx| {
            let owner = target.owner_account.clone();
            save(
                tx,
                &owner,
                CURSOR_KIND,
                &target.trail_arn,
                &Cursor {
                    last_seq: upto,
                    pending: None,
                    finished_stop_ms: None,
                },
            )?;
            if target.digests {
                for (account, region, file) in delivered {
                    let id = chain_id(&target, &account, &region);
                    let mut chain = load::<Chain>(tx, &target, CHAIN_KIND, &id)?.current(&target);
                    chain.files.push(file);
                    save(tx, &owner, CHAIN_KIND, &id, &chain)?;
                }
            }
            trails.record_delivery(tx, &target, now_ms, None)
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
            self.note(
                target,
                now_ms,
                outcome.err().map(|e| e.code),
                Note::Notification,
            )
            .await?;
        }
        Ok(())
    }

    /// Writes every digest whose window has ended, for each (account, region) of the trail, and
    /// for a stopped trail that delivered all it owes (`caught_up`) the final one. Returns the
    /// digests written and whether none failed.
    async fn digests(
        &self,
        target: &Target,
        now_ms: i64,
        caught_up: bool,
    ) -> Result<(usize, bool), StoreError> {
        let mut written = 0;
        let mut all_done = true;
        let finish = target.stopped_ms.is_some() && caught_up;
        for account in &target.accounts {
            for region in &target.regions {
                match self
                    .chain_digests(target, account, region, now_ms, finish)
                    .await
                {
                    Ok(n) => written += n,
                    Err((n, err)) => {
                        written += n;
                        all_done = false;
                        tracing::warn!(trail = %target.trail_arn, error = %err, "digest delivery failed");
                        self.note(target, now_ms, Some(err.code), Note::Digest)
                            .await?;
                    }
                }
            }
        }
        Ok((written, all_done))
    }

    /// One chain's due digests, then its final one when `finish`; the count written, also on
    /// failure.
    async fn chain_digests(
        &self,
        target: &Target,
        account: &str,
        region: &str,
        now_ms: i64,
        finish: bool,
    ) -> Result<usize, (usize, SinkError)> {
        let mut written = 0;
        let once = |window| self.digest_once(target, account, region, now_ms, window);
        loop {
            match once(Window::Due).await {
                Ok(true) => written += 1,
                Ok(false) => break,
                Err(err) => return Err((written, err)),
            }
        }
        if finish {
            match once(Window::Final).await {
                Ok(true) => written += 1,
                Ok(false) => {}
                Err(err) => return Err((written, err)),
            }
        }
        Ok(written)
    }

    /// Writes the chain's next digest if its window is over (a `Final` window ends now); returns
    /// whether one was written.
    async fn digest_once(
        &self,
        target: &Target,
        account: &str,
        region: &str,
        now_ms: i64,
        window: Window,
    ) -> Result<bool, SinkError> {
        let id = chain_id(target, account, region);
        let mut chain: Chain = trailroom_store::read(self.store.as_ref(), |txn| {
            load(txn, target, CHAIN_KIND, &id)
        })
        .map_err(backend)?
        .map_err(backend)?;
        chain = chain.current(target);
        let end_ms = match window {
            Window::Final => now_ms,
            Window::Due => chain.window_start_ms + self.digest_interval_ms,
        };
        // Regular windows stop at the stop; what was delivered after it goes in the final one.
        let past_stop = window == Window::Due && target.stopped_ms.is_some_and(|s| end_ms > s);
        if end_ms > now_ms || end_ms <= chain.window_start_ms || past_stop {
            return Ok(false);
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
        };
        let (owner, trails, target) = (
            target.owner_account.clone(),
            self.trails.clone(),
            target.clone(),
        );
        trailroom_store::write(self.store.as_ref(), move |tx| {
            save(tx, &owner, CHAIN_KIND, &id, &next)?;
            trails.record_digest(tx, &target, now_ms, None)
        })
        .await
        .map_err(backend)?
        .map_err(backend)?;
        Ok(true)
    }

    async fn note(
        &self,
        target: &Target,
        now_ms: i64,
        error: Option<String>,
        what: Note,
    ) -> Result<(), StoreError> {
        let (trails, target) = (self.trails.clone(), target.clone());
        trailroom_store::write(self.store.as_ref(), move |tx| match what {
            Note::Delivery => trails.record_delivery(tx, &target, now_ms, error.as_deref()),
            Note::Digest => trails.record_digest(tx, &target, now_ms, error.as_deref()),
            Note::Notification => trails.record_notification(tx, &target, now_ms, error.as_deref()),
        })
        .await?
    }
}

/// Which digest window [`Worker::digest_once`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Window {
    /// The chain's next full window, if it has ended.
    Due,
    /// The last window of a stopped trail: from the chain's window start to now.
    Final,
}

/// What delivering one trail did.
#[derive(Debug, Default, Clone, Copy)]
struct Delivered {
    files: usize,
    events: usize,
    /// Nothing is left to deliver.
    caught_up: bool,
}

#[derive(Debug, Clone, Copy)]
enum Note {
    Delivery,
    Digest,
    Notification,
}

fn chain_id(target: &Target, account: &str, region: &str) -> String {
    format!("{}|{account}|{region}", target.trail_arn)
}

fn load<T: Default + serde::de::DeserializeOwned>(
    txn: &dyn ReadTxn,
    target: &Target,
    kind: &str,
    id: &str,
) -> Result<T, StoreError> {
    Ok(txn
        .get(&target.owner_account, kind, id)?
        .map(|d| d.decode())
        .transpose()?
        .unwrap_or_default())
}

fn save<T: Serialize>(
    tx: &mut dyn WriteTxn,
    account: &str,
    kind: &str,
    id: &str,
    value: &T,
) -> Result<(), StoreError> {
    tx.put(&Doc::new(account, kind, id, value)?)
}
