//! Writing aggregated data events ([`crate::aggregate`]): the due windows' counts become one
//! gzipped `{"Records":[…]}` file per account and region under `CloudTrail-Aggregated/`, named
//! from the emission number so a retry after a crash writes the same objects; the counts are
//! dropped only after every file is stored.

use std::collections::BTreeMap;

use trailroom_store::StoreError;

use super::*;
use crate::aggregate::{self, AGGREGATION_KIND, Tally};

impl Worker {
    /// Writes the windows due at `now_ms` (all of them when `all`: the logging window closed).
    pub(super) async fn emit_aggregates(
        &self,
        target: &Target,
        now_ms: i64,
        all: bool,
    ) -> Result<usize, Stop> {
        if target.aggregation.is_empty() && !all {
            return Ok(0);
        }
        let tally: Tally = trailroom_store::read(self.store.as_ref(), |txn| {
            load(txn, target, AGGREGATION_KIND, &target.key)
        })??;
        let due = tally.due(now_ms, all);
        if due.is_empty() {
            return Ok(0);
        }
        let mut files: BTreeMap<(String, String), (Vec<serde_json::Value>, i64)> = BTreeMap::new();
        let seed = format!("{}|{}", target.key, tally.emitted);
        for bucket in &due {
            let records =
                aggregate::records(bucket, &tally.buckets[bucket], &target.aggregation, &seed);
            let entry = files
                .entry(aggregate::bucket_location(bucket))
                .or_insert_with(|| (Vec::new(), 0));
            entry.0.extend(records);
            entry.1 = entry.1.max(aggregate::bucket_end(bucket));
        }
        let mut written = 0;
        for ((account, region), (records, end_ms)) in files {
            if records.is_empty() {
                continue;
            }
            let plain = serde_json::json!({ "Records": records }).to_string();
            let body = logfile::gzip(plain.as_bytes()).map_err(|e| {
                Stop::Store(StoreError::Backend(format!("gzip aggregated events: {e}")))
            })?;
            let at = Location {
                prefix: target.prefix.as_deref(),
                org_id: target.org_id.as_deref(),
                account: &account,
                region: &region,
            };
            let unique = keys::unique16(&format!("{seed}|{account}|{region}"));
            let key = keys::aggregated_key(at, end_ms, &unique);
            self.still_holding(target).await?;
            self.sinks
                .put(target, &key, body, &[])
                .await
                .map_err(Stop::Sink)?;
            written += 1;
        }
        let target_ = target.clone();
        self.write(self.fence(target), move |tx| {
            let mut tally: Tally = load(&*tx, &target_, AGGREGATION_KIND, &target_.key)?;
            for bucket in &due {
                tally.buckets.remove(bucket);
            }
            tally.emitted += 1;
            save(tx, &target_, AGGREGATION_KIND, &target_.key, &tally)
        })
        .await?;
        Ok(written)
    }
}
