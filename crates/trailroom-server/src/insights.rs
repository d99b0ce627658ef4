//! CloudTrail Insights in the background: every half period, the node holding the `insights`
//! lease counts the periods that are over in a read, then appends the Insights events they start
//! or end and moves its watchers on in one fenced write
//! (`trailroom_cloudtrail::insights::detector`).

use std::time::Duration;

use trailroom_cloudtrail::insights::{Settings, anything_watched, apply, count_due};

use crate::state::AppState;

/// The lease Insights are watched under (once per cluster).
const LEASE: &str = "insights";

/// Watches until the task is aborted.
pub async fn watch_forever(state: AppState) {
    let tick = (state.config.insights_period / 2).max(Duration::from_millis(500));
    loop {
        match watch(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(events = n, "Insights events"),
            Err(err) => tracing::warn!(error = %err, "watching for Insights failed"),
        }
        tokio::time::sleep(tick).await;
    }
}

async fn watch(state: &AppState) -> Result<usize, trailroom_store::StoreError> {
    // Most servers watch nothing: a read answers that without taking the writer.
    if !trailroom_store::read(state.store.as_ref(), anything_watched)?? {
        return Ok(0);
    }
    let Some(fence) = state.leases.hold(LEASE).await? else {
        return Ok(0);
    };
    let settings = Settings {
        period_ms: state.config.insights_period.as_millis() as i64,
        baseline_periods: state.config.insights_baseline_periods,
    };
    let now = state.clock.now_ms();
    let plan = trailroom_store::read(state.store.as_ref(), |txn| count_due(txn, now, settings))??;
    trailroom_store::write(state.store.as_ref(), move |tx| {
        trailroom_store::lease::check(&*tx, &fence)?;
        apply(tx, plan, settings)
    })
    .await?
}
