//! The log-file side of a pass: a window's events in batches of at most `BATCH_EVENTS`
//! positions, each batch's bounds stored in the cursor (`Pending`) before any file is written,
//! so a retry rebuilds the same files under the same keys; the cursor moves past a batch only
//! once its files are stored, then each file's notification goes out.

use std::collections::BTreeMap;

use trailroom_store::{EventRow, ReadTxn, StoreError};

use crate::aggregate::{AGGREGATION_KIND, Tally};

use super::*;

/// Events read per account per batch.
const BATCH_EVENTS: usize = 20_000;
/// Most records in one file (CloudTrail cuts files on size too).
const FILE_RECORDS: usize = 10_000;
/// Most batches one trail delivers in one pass: a backlog is caught up quickly, over several
/// passes when it is very large.
const BATCHES_PER_PASS: usize = 64;

/// A batch's files, and the data events it counts for aggregation.
pub(super) struct Batch {
    pub(super) files: Vec<PlannedFile>,
    pub(super) tally: Tally,
}

/// One file of a batch.
pub(super) struct PlannedFile {
    pub(super) account: String,
    pub(super) region: String,
    pub(super) key: String,
    pub(super) file: logfile::LogFile,
}

/// What delivering one window did.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Delivered {
    pub(super) files: usize,
    pub(super) events: usize,
    /// Nothing is left to deliver in the window (for now, when it is open).
    pub(super) caught_up: bool,
}

impl Worker {
    pub(super) fn cursor(&self, target: &Target) -> Result<Cursor, StoreError> {
        let cursor: Cursor = trailroom_store::read(self.store.as_ref(), |txn| {
            load(txn, target, CURSOR_KIND, &target.key)
        })??;
        Ok(cursor.current(target))
    }

    /// Delivers a window's events, batch after batch, until it has caught up.
    pub(super) async fn deliver_window(
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
    pub(super) async fn deliver_batch(
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
        let Batch { files, tally } = self.build_batch(target, window, &cursor, &pending)?;
        for planned in &files {
            self.still_holding(target).await?;
            self.sinks
                .put(target, &planned.key, planned.file.gzipped.clone(), &[])
                .await?;
        }
        let events = files.iter().map(|f| f.file.records).sum();
        self.commit(target, window, &pending, &files, tally, now_ms)
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
    pub(super) async fn plan(
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
        self.write(self.fence(target), move |tx| {
            save(tx, &target_, CURSOR_KIND, &target_.key, &doc)
        })
        .await?;
        Ok(Some((planned, pending)))
    }

    /// The files of a batch: admitted events of (last_seq, upto], one file per account and region.
    pub(super) fn build_batch(
        &self,
        target: &Target,
        window: &Window,
        cursor: &Cursor,
        pending: &Pending,
    ) -> Result<Batch, StoreError> {
        // Insights events go to their own folder: files per (folder, account, region).
        let mut groups: BTreeMap<(&'static str, String, String), Vec<EventRow>> = BTreeMap::new();
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
                            let folder = match row.category.as_str() {
                                "Insight" => "CloudTrail-Insight",
                                _ => "CloudTrail",
                            };
                            groups
                                .entry((folder, row.account_id.clone(), row.region.clone()))
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
        let mut tally = Tally::default();
        if !target.aggregation.is_empty() {
            for events in groups.values() {
                tally.count(events);
            }
        }
        let mut files = Vec::new();
        for ((folder, account, region), events) in groups {
            for (part, chunk) in events.chunks(FILE_RECORDS).enumerate() {
                // Log files keep the seed they always had; Insights files add their folder.
                let folder_seed = match folder {
                    "CloudTrail" => String::new(),
                    other => format!("|{other}"),
                };
                let seed = format!(
                    "{}|{account}|{region}|{}|{}|{part}{folder_seed}",
                    target.key, cursor.last_seq, pending.upto_seq
                );
                let at = Location {
                    prefix: target.prefix.as_deref(),
                    org_id: target.org_id.as_deref(),
                    account: &account,
                    region: &region,
                };
                let key = keys::log_key_in(folder, at, pending.planned_ms, &keys::unique16(&seed));
                let file = logfile::build(chunk).map_err(|e| StoreError::Backend(e.to_string()))?;
                files.push(PlannedFile {
                    account: account.clone(),
                    region: region.clone(),
                    key,
                    file,
                });
            }
        }
        Ok(Batch { files, tally })
    }

    /// Moves the cursor past the batch, lists its files for their digests and records the
    /// delivery, in one write.
    pub(super) async fn commit(
        &self,
        target: &Target,
        window: &Window,
        pending: &Pending,
        files: &[PlannedFile],
        tally: Tally,
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
        self.write(self.fence(&target), move |tx| {
            let mut cursor: Cursor = load(&*tx, &target, CURSOR_KIND, &target.key)?;
            cursor.last_seq = upto_seq;
            cursor.pending = None;
            save(tx, &target, CURSOR_KIND, &target.key, &cursor)?;
            if !tally.buckets.is_empty() {
                let mut counted: Tally = load(&*tx, &target, AGGREGATION_KIND, &target.key)?;
                counted.merge(tally);
                save(tx, &target, AGGREGATION_KIND, &target.key, &counted)?;
            }
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
        .await
    }

    /// One notification per delivered file; failures are recorded, never retried into duplicates.
    pub(super) async fn notify(
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
