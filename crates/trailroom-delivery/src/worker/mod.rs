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

mod aggregated;
mod chain;
mod cursor;

use std::sync::Arc;

use trailroom_store::{Fence, Leases, Store, StoreError, WriteTxn};

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

/// How long after a stop known only by its time ([`WindowEnd::AtTime`]) the window is finished,
/// so calls in flight at the stop are stored.
pub const FINAL_GRACE_MS: i64 = 1_000;
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
    /// With several nodes: a trail is delivered by the holder of its lease only.
    leases: Option<Arc<Leases>>,
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
            leases: None,
        }
    }

    /// Delivers each trail only while this node holds its lease (`delivery/<key>`), so nodes
    /// sharing a store deliver every trail once: every write of a pass is fenced by the lease,
    /// and the lease is renewed (or found lost) before every object is written.
    pub fn with_leases(mut self, leases: Arc<Leases>) -> Self {
        self.leases = Some(leases);
        self
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
        let share = self.share(&targets).await?;
        let mut taken = targets.iter().filter(|t| self.fence(t).is_some()).count();
        for listed in &targets {
            if self.backoffs.waiting(&listed.key, now_ms) {
                continue;
            }
            // A node takes on trails nobody delivers up to its share; those it has, it keeps.
            let before = self.token(listed);
            if before.is_none() && taken >= share {
                continue;
            }
            let Some(token) = self.take(listed).await? else {
                continue;
            };
            taken += usize::from(before.is_none());
            // Taken now (or back from another node): the list was read before, and the node
            // that had the trail may have finished and forgotten it since.
            let fresh;
            let target = match before == Some(token) {
                true => listed,
                false => {
                    fresh = self.reread(listed)?;
                    match &fresh {
                        Some(target) => target,
                        None => continue,
                    }
                }
            };
            match self
                .deliver_target(target, &targets, now_ms, &mut report)
                .await
            {
                Ok(()) => self.backoffs.succeeded(&target.key),
                Err(Stop::Store(StoreError::Fenced(reason))) => {
                    tracing::info!(trail = %target.trail_arn, %reason, "another node delivers this trail now");
                    if let Some(leases) = &self.leases {
                        leases.forget(&lease_name(target));
                    }
                }
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
            report.files += self
                .emit_aggregates(target, now_ms, finishing.is_some())
                .await?;
            if target.digests {
                report.digests += self.digests(target, &window, finishing, now_ms).await?;
            }
            match finishing {
                Some(_) => self.finish_window(target, cursor.window).await?,
                None => return Ok(()),
            }
        }
    }

    /// Marks a closed window finished: the cursor moves to the next one.
    async fn finish_window(&self, target: &Target, index: usize) -> Result<(), StoreError> {
        let target = target.clone();
        self.write(self.fence(&target), move |tx| {
            let mut cursor =
                load::<Cursor>(&*tx, &target, CURSOR_KIND, &target.key)?.current(&target);
            if cursor.window == index {
                cursor.window = index + 1;
                cursor.pending = None;
                save(tx, &target, CURSOR_KIND, &target.key, &cursor)?;
            }
            Ok(())
        })
        .await
    }

    /// Forgets a finished deleted trail, with its cursor and chains (unless a live trail of an
    /// older version shares its key).
    async fn forget(&self, target: &Target, targets: &[Target]) -> Result<(), StoreError> {
        let shared = targets
            .iter()
            .any(|t| t.key == target.key && t.deleted_ms.is_none());
        let (trails, target) = (self.trails.clone(), target.clone());
        self.write(self.fence(&target), move |tx| {
            trails.forget(tx, &target)?;
            if shared {
                return Ok(());
            }
            tx.delete(&target.owner_account, CURSOR_KIND, &target.key)?;
            tx.delete(
                &target.owner_account,
                crate::aggregate::AGGREGATION_KIND,
                &target.key,
            )?;
            for id in chain::chain_ids(&*tx, &target)? {
                tx.delete(&target.owner_account, CHAIN_KIND, &id)?;
            }
            Ok(())
        })
        .await
    }

    /// How many of `targets` this node may deliver: all of them on its own; with leases, its fair
    /// share among the nodes that deliver (each announces itself with a `delivery-node/<name>`
    /// lease, renewed here), so trails spread over the nodes as they are created.
    async fn share(&self, targets: &[Target]) -> Result<usize, StoreError> {
        let Some(leases) = &self.leases else {
            return Ok(targets.len());
        };
        leases
            .hold(&format!("{NODE_LEASE_PREFIX}{}", leases.holder()))
            .await?;
        let now = leases.now_ms();
        let all = trailroom_store::read(self.store.as_ref(), trailroom_store::lease::all)??;
        let nodes = all
            .iter()
            .filter(|(name, lease)| name.starts_with(NODE_LEASE_PREFIX) && lease.expires_ms > now)
            .count();
        Ok(targets.len().div_ceil(nodes.max(1)))
    }

    /// The token of the trail's lease as this node last took it (0 on its own: no leases).
    fn token(&self, target: &Target) -> Option<u64> {
        match &self.leases {
            None => Some(0),
            Some(_) => self.fence(target).map(|fence| fence.token),
        }
    }

    /// Takes or renews the trail's lease: its token while this node holds it, `None` while
    /// another node does (0 on its own).
    async fn take(&self, target: &Target) -> Result<Option<u64>, StoreError> {
        match &self.leases {
            None => Ok(Some(0)),
            Some(leases) => Ok(leases.hold(&lease_name(target)).await?.map(|f| f.token)),
        }
    }

    /// The target as stored now, `None` once it was forgotten.
    fn reread(&self, target: &Target) -> Result<Option<Target>, StoreError> {
        let targets = trailroom_store::read(self.store.as_ref(), |txn| self.trails.targets(txn))??;
        Ok(targets.into_iter().find(|t| t.key == target.key))
    }

    /// Renews the trail's lease before an object is written; a lost lease stops the pass. So
    /// does a lease taken again with another token: another node held it meanwhile, and what
    /// this pass read before is stale.
    async fn still_holding(&self, target: &Target) -> Result<(), Stop> {
        let before = self.token(target);
        match before.is_some() && before == self.take(target).await? {
            true => Ok(()),
            false => Err(Stop::Store(StoreError::Fenced(format!(
                "lease {} lost",
                lease_name(target)
            )))),
        }
    }

    /// The fence this node's writes for `target` check, when it runs with leases.
    fn fence(&self, target: &Target) -> Option<Fence> {
        self.leases.as_ref()?.held(&lease_name(target))
    }

    /// Runs `work` as one write job, undone when `fence` no longer holds its lease.
    async fn write<R: Send + 'static>(
        &self,
        fence: Option<Fence>,
        work: impl FnOnce(&mut dyn WriteTxn) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        trailroom_store::write(self.store.as_ref(), move |tx| {
            if let Some(fence) = &fence {
                trailroom_store::lease::check(&*tx, fence)?;
            }
            work(tx)
        })
        .await?
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
        self.write(self.fence(&target), move |tx| {
            let outcome = error.as_deref().map_or(Ok(()), Err);
            trails.record(tx, &target, now_ms, attempt, outcome)
        })
        .await
    }
}

/// Leases that announce the nodes taking part in delivery.
const NODE_LEASE_PREFIX: &str = "delivery-node/";

/// The lease a trail incarnation's delivery is done under.
pub fn lease_name(target: &Target) -> String {
    format!("delivery/{}", target.key)
}
