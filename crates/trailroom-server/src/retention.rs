//! Event history retention: events older than the configured number of days are deleted in the
//! background, in small batches so the writer is never held for long, by the node holding the
//! `retention` lease (once per cluster).

use std::time::Duration;

use crate::state::AppState;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Events deleted per write job.
const BATCH: usize = 5_000;

/// Prunes now, then every `prune_interval_secs`, until the task is aborted.
pub async fn prune_forever(state: AppState) {
    let interval = Duration::from_secs(state.config.prune_interval_secs.max(1));
    loop {
        match prune_once(&state).await {
            Ok(0) => {}
            Ok(n) => {
                state.metrics.observe_pruned(n);
                tracing::info!(events = n, "pruned events past retention");
            }
            Err(err) => tracing::warn!(error = %err, "event pruning failed"),
        }
        tokio::time::sleep(interval).await;
    }
}

/// The lease pruning is done under.
const LEASE: &str = "retention";

/// Deletes every event older than the retention period, when this node holds the retention
/// lease; returns how many.
pub async fn prune_once(state: &AppState) -> Result<usize, trailroom_store::StoreError> {
    let Some(fence) = state.leases.hold(LEASE).await? else {
        return Ok(0);
    };
    let cutoff = state.clock.now_ms() - state.config.event_retention_days * DAY_MS;
    let mut total = 0;
    loop {
        let fence = fence.clone();
        let deleted = trailroom_store::write(state.store.as_ref(), move |tx| {
            trailroom_store::lease::check(&*tx, &fence)?;
            tx.prune_events(cutoff, BATCH)
        })
        .await??;
        total += deleted;
        if deleted < BATCH {
            return Ok(total);
        }
    }
}
