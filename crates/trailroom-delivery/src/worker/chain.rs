//! The digest side of a pass: each (account, region) chain of a trail incarnation writes the
//! digest of every period that has ended, and a closed window's final digest, whose end is
//! stored before it is written so a retry writes the same one.

use std::collections::BTreeSet;

use trailroom_store::{ReadTxn, StoreError};

use super::*;

/// Which digest [`Worker::digest_once`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Period {
    /// The chain's next full period, if it has ended (never past the window's stop).
    Due,
    /// The last digest of a closed window.
    Final(WindowEnd),
}

impl Worker {
    /// Writes every due digest of every chain of the window and, when `finishing`, each chain's
    /// final one; returns how many were written. A failed digest write stops the trail's pass.
    pub(super) async fn digests(
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
    pub(super) async fn chain_digests(
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
    pub(super) fn chains(&self, target: &Target) -> Result<BTreeSet<(String, String)>, StoreError> {
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
    pub(super) async fn digest_once(
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
            self.write(self.fence(target), move |tx| {
                save(tx, &target_, CHAIN_KIND, &id_, &doc)
            })
            .await?;
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
        self.still_holding(target).await?;
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
        self.write(self.fence(&target), move |tx| {
            save(tx, &target, CHAIN_KIND, &id, &next)?;
            trails.record(tx, &target, now_ms, Attempt::Digest, Ok(()))
        })
        .await?;
        Ok(true)
    }
}

/// Ids of the target's chain documents.
pub(super) fn chain_ids(txn: &dyn ReadTxn, target: &Target) -> Result<Vec<String>, StoreError> {
    Ok(txn
        .list(&target.owner_account, CHAIN_KIND)?
        .into_iter()
        .filter(|doc| chain_of(target, &doc.id).is_some())
        .map(|doc| doc.id)
        .collect())
}
