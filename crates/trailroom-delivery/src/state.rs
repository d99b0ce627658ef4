//! The worker's persisted state: one cursor per trail incarnation and one digest chain per
//! (incarnation, account, region).
//!
//! # Stored documents (keep stable: a restarted worker resumes from them)
//!
//! **`ct_delivery_cursor`** ([`Cursor`]): account = trail owner, id = the target's `key`
//! (`<trail ARN>` for trails created before incarnations, else `<trail ARN>#<incarnation>`).
//! Body: `last_seq` (events up to this position are done with), `window` (index of the logging
//! window being delivered; earlier ones are finished: delivered and closed by a final digest),
//! `pending` (`{upto_seq, planned_ms}`: the batch being delivered, so a retry rebuilds the same
//! files under the same keys) and, from older versions, `finished_stop_ms` (the stop time the
//! only window was finished for).
//!
//! **`ct_digest_chain`** ([`Chain`]): account = trail owner, id = `<key>|<account>|<region>`.
//! Body: `since_ms` (the start of the logging window the chain belongs to: a new window starts
//! a new chain, as AWS does), `window_start_ms` (start of the next digest period), `previous`
//! (the last digest written: bucket, key, hash, signature), `files` (log files delivered since,
//! not yet in a digest), `final_end_ms` (the end of the window's final digest once planned, so a
//! retry writes the same one).

use serde::{Deserialize, Serialize};
use trailroom_store::{Doc, ReadTxn, StoreError, WriteTxn};

use crate::digest::{DigestLogFile, PreviousDigest};
use crate::port::{Target, WindowEnd};

/// Document kind of [`Cursor`]s.
pub const CURSOR_KIND: &str = "ct_delivery_cursor";
/// Document kind of [`Chain`]s.
pub const CHAIN_KIND: &str = "ct_digest_chain";

/// A trail incarnation's delivery position.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Cursor {
    pub(crate) last_seq: i64,
    pub(crate) pending: Option<Pending>,
    /// Index of the window being delivered.
    #[serde(default)]
    pub(crate) window: usize,
    /// Older versions: the stop (ms) the only window was finished for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) finished_stop_ms: Option<i64>,
}

impl Cursor {
    /// The cursor as of this version: an older cursor finished for the first window's stop has
    /// moved past that window.
    pub(crate) fn current(mut self, target: &Target) -> Self {
        if let Some(stop) = self.finished_stop_ms.take() {
            let first_end = target.windows.first().and_then(|w| w.end);
            if self.window == 0 && first_end.map(|e| e.stopped_ms()) == Some(stop) {
                self.window = 1;
            }
        }
        self
    }
}

/// A planned batch: events after the cursor up to `upto_seq`, files keyed by `planned_ms`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Pending {
    pub(crate) upto_seq: i64,
    pub(crate) planned_ms: i64,
}

/// One (account, region) digest chain of a trail incarnation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Chain {
    /// When the logging window this chain belongs to started.
    #[serde(default)]
    pub(crate) since_ms: Option<i64>,
    pub(crate) window_start_ms: i64,
    pub(crate) previous: Option<PreviousDigest>,
    pub(crate) files: Vec<DeliveredFile>,
    /// End of the window's final digest, once planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) final_end_ms: Option<i64>,
}

impl Chain {
    /// The chain for the window that started at `started_ms`: a chain left over from an earlier
    /// window is broken (AWS starts over with all `previousDigest*` null). It starts no earlier
    /// than the earlier window's last digest ended (that window's files may have been delivered
    /// after this one started), so no two digests of the trail end in the same second: the key
    /// names the end second.
    pub(crate) fn for_window(self, started_ms: i64) -> Self {
        if self.since_ms == Some(started_ms) {
            return self;
        }
        let window_start_ms = match self.previous {
            Some(_) => started_ms.max(self.window_start_ms),
            None => started_ms,
        };
        Chain {
            since_ms: Some(started_ms),
            window_start_ms,
            ..Chain::default()
        }
    }

    /// Where the window's final digest ends: at the stop, or later when files were delivered
    /// after it; `None` when nothing is left to cover.
    pub(crate) fn final_end(&self, end: WindowEnd) -> Option<i64> {
        if let Some(planned) = self.final_end_ms {
            return Some(planned);
        }
        let newest_delivery = self.files.iter().map(|f| f.delivered_ms).max();
        let end_ms = newest_delivery.map_or(end.stopped_ms(), |d| d.max(end.stopped_ms()));
        // In a later second than the previous digest's end, which is this one's start.
        let next_second = (self.window_start_ms.div_euclid(1000) + 1) * 1000;
        (end_ms > self.window_start_ms || !self.files.is_empty()).then_some(end_ms.max(next_second))
    }
}

/// A delivered log file waiting for its digest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DeliveredFile {
    pub(crate) file: DigestLogFile,
    pub(crate) delivered_ms: i64,
    pub(crate) newest_ms: i64,
    pub(crate) oldest_ms: i64,
}

/// The id of a chain document.
pub(crate) fn chain_id(target: &Target, account: &str, region: &str) -> String {
    format!("{}|{account}|{region}", target.key)
}

/// The (account, region) of a chain document id of `target`.
pub(crate) fn chain_of(target: &Target, id: &str) -> Option<(String, String)> {
    let rest = id.strip_prefix(&target.key)?.strip_prefix('|')?;
    let (account, region) = rest.split_once('|')?;
    (!region.contains('|')).then(|| (account.to_owned(), region.to_owned()))
}

/// Reads a state document of `target` (the default when there is none).
/// The lowest position some target still has to read the log after: the archiver may take
/// events up to it, never past it. `None` when no target has anything left to read.
pub fn low_water(txn: &dyn ReadTxn, targets: &[Target]) -> Result<Option<i64>, StoreError> {
    let mut lowest: Option<i64> = None;
    for target in targets {
        let cursor = load::<Cursor>(txn, target, CURSOR_KIND, &target.key)?.current(target);
        let Some(window) = target.windows.get(cursor.window) else {
            continue;
        };
        let needs_after = cursor.last_seq.max(window.after_seq);
        lowest = Some(lowest.map_or(needs_after, |l| l.min(needs_after)));
    }
    Ok(lowest)
}

pub(crate) fn load<T: Default + serde::de::DeserializeOwned>(
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

/// Writes a state document of `target`.
pub(crate) fn save<T: Serialize>(
    tx: &mut dyn WriteTxn,
    target: &Target,
    kind: &str,
    id: &str,
    value: &T,
) -> Result<(), StoreError> {
    tx.put(&Doc::new(&target.owner_account, kind, id, value)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::port::Window;

    fn target(key: &str, windows: &[(i64, bool)]) -> Target {
        Target {
            trail_arn: format!("arn:aws:cloudtrail:us-east-1:111111111111:trail/{key}"),
            key: key.to_owned(),
            origin: key.to_owned(),
            trail_name: key.to_owned(),
            home_region: "us-east-1".into(),
            owner_account: "111111111111".into(),
            bucket: "b".into(),
            prefix: None,
            org_id: None,
            accounts: vec!["111111111111".into()],
            regions: vec!["us-east-1".into()],
            sns_topic_arn: None,
            digests: false,
            windows: windows
                .iter()
                .map(|&(after_seq, closed)| Window {
                    started_ms: 0,
                    after_seq,
                    end: closed.then_some(WindowEnd::AtEvent {
                        stopped_ms: 1,
                        upto_seq: after_seq + 100,
                    }),
                })
                .collect(),
            deleted_ms: None,
            aggregation: Vec::new(),
        }
    }

    #[tokio::test]
    async fn the_low_water_is_the_least_position_a_target_still_reads_after() {
        let dir = tempfile::tempdir().unwrap();
        let store = trailroom_store_sqlite::SqliteStore::open(&dir.path().join("t.db")).unwrap();
        let unstarted = target("unstarted", &[(10, false)]);
        let moving = target("moving", &[(5, false)]);
        let finished = target("finished", &[(1, true)]);
        let (m, f) = (moving.clone(), finished.clone());
        trailroom_store::write(store.as_ref(), move |tx| {
            let at = |last_seq, window| Cursor {
                last_seq,
                window,
                ..Cursor::default()
            };
            save(tx, &m, CURSOR_KIND, &m.key, &at(25, 0))?;
            save(tx, &f, CURSOR_KIND, &f.key, &at(101, 1))
        })
        .await
        .unwrap()
        .unwrap();
        let low = |targets: Vec<Target>| {
            trailroom_store::read(store.as_ref(), |txn| low_water(txn, &targets).unwrap()).unwrap()
        };
        assert_eq!(
            low(vec![unstarted.clone(), moving.clone(), finished.clone()]),
            Some(10)
        );
        assert_eq!(low(vec![moving.clone(), finished.clone()]), Some(25));
        assert_eq!(
            low(vec![finished]),
            None,
            "a finished target reads nothing more"
        );
        assert_eq!(low(Vec::new()), None);
    }
}
