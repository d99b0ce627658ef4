//! The Lake feeder: every second, every live event data store takes the events recorded since
//! its feed last ran, stores past their pending deletion are dropped, retention prunes the rest,
//! queries older than seven days are forgotten (`trailroom_cloudtrail::lake::feed`), and imports
//! in progress read their next log files from this server's buckets (`lake::imports`).
//! StartQuery also catches its stores up, so a query never waits for this loop.

use std::sync::Arc;
use std::time::Duration;

use trailroom_cloudtrail::lake::feed::{self, FeedError};
use trailroom_cloudtrail::lake::imports;
use trailroom_lake::Lake;

use crate::local_objects::LocalObjects;
use crate::state::AppState;

/// How often the feeder runs.
const INTERVAL: Duration = Duration::from_secs(1);

/// Feeds and maintains the lake until the task is aborted.
pub async fn feed_forever(state: AppState, lake: Arc<Lake>) {
    loop {
        let (store, lake_now, now) = (state.store.clone(), lake.clone(), state.clock.now_ms());
        let round = tokio::task::spawn_blocking(move || {
            let mut outcome: Result<usize, FeedError> = Ok(0);
            let read = store.with_reader(&mut |txn| {
                outcome = feed::live_stores(txn, now)
                    .and_then(|stores| feed::feed(txn, &lake_now, &stores))
                    .and_then(|n| feed::maintain(txn, &lake_now, now).map(|()| n));
            });
            read.map_err(FeedError::from).and(outcome)
        })
        .await;
        match round {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::debug!(events = n, "fed event data stores"),
            Ok(Err(err)) => tracing::warn!(error = %err, "feeding event data stores failed"),
            Err(err) => tracing::warn!(error = %err, "the lake feeder stopped"),
        }
        let objects = LocalObjects {
            store: state.store.as_ref(),
            data_dir: &state.config.data_dir,
        };
        let imported = imports::run_imports(state.store.as_ref(), &lake, &objects, now).await;
        if let Err(err) = imported {
            tracing::warn!(error = %err, "importing log files failed");
        }
        tokio::time::sleep(INTERVAL).await;
    }
}
