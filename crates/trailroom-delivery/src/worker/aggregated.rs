//! Writing aggregated data events ([`crate::aggregate`]). As with log files, an emission is
//! planned durably before anything is written: the due windows' counts move into the tally's
//! pending emission (one fenced write), its files are built from it alone (one gzipped
//! `{"Records":[…]}` per account and region under `CloudTrail-Aggregated/`, named from the
//! emission's number) and stored, then the emission is closed (another fenced write). A retry
//! after a crash or a lost lease, on any node, writes the same objects under the same keys.

use std::collections::BTreeMap;

use trailroom_store::StoreError;

use super::*;
use crate::aggregate::{self, AGGREGATION_KIND, Tally};

impl Worker {
    /// Writes the windows due at `now_ms` (all of them when `all`: the logging window closed);
    /// returns the files written.
    pub(super) async fn emit_aggregates(
        &self,
        target: &Target,
        now_ms: i64,
        all: bool,
    ) -> Result<usize, Stop> {
        let mut written = 0;
        // A pending emission left by an interrupted pass first, then the windows due now.
        for _ in 0..2 {
            let Some((number, buckets)) = self.plan_emission(target, now_ms, all).await? else {
                break;
            };
            written += self.write_emission(target, number, &buckets).await?;
            let target_ = target.clone();
            self.write(self.fence(target), move |tx| {
                let mut tally: Tally = load(&*tx, &target_, AGGREGATION_KIND, &target_.key)?;
                if tally.pending.take().is_some() {
                    tally.emitted += 1;
                }
                save(tx, &target_, AGGREGATION_KIND, &target_.key, &tally)
            })
            .await?;
        }
        Ok(written)
    }

    /// The pending emission (number and buckets), planned now when windows are due.
    async fn plan_emission(
        &self,
        target: &Target,
        now_ms: i64,
        all: bool,
    ) -> Result<Option<(u64, BTreeMap<String, BTreeMap<String, u64>>)>, StoreError> {
        let tally: Tally = trailroom_store::read(self.store.as_ref(), |txn| {
            load(txn, target, AGGREGATION_KIND, &target.key)
        })??;
        if let Some(pending) = tally.pending {
            return Ok(Some((tally.emitted, pending)));
        }
        if tally.due(now_ms, all).is_empty() {
            return Ok(None);
        }
        let target_ = target.clone();
        self.write(self.fence(target), move |tx| {
            let mut tally: Tally = load(&*tx, &target_, AGGREGATION_KIND, &target_.key)?;
            if !tally.plan(now_ms, all) {
                return Ok(None);
            }
            save(tx, &target_, AGGREGATION_KIND, &target_.key, &tally)?;
            Ok(tally.pending.map(|p| (tally.emitted, p)))
        })
        .await
    }

    /// Stores the files of emission `number`.
    async fn write_emission(
        &self,
        target: &Target,
        number: u64,
        buckets: &BTreeMap<String, BTreeMap<String, u64>>,
    ) -> Result<usize, Stop> {
        let seed = format!("{}|{number}", target.key);
        let mut files: BTreeMap<(String, String), (Vec<serde_json::Value>, i64)> = BTreeMap::new();
        for (bucket, calls) in buckets {
            let records = aggregate::records(bucket, calls, &target.aggregation, &seed);
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
            let key = keys::log_key_in("CloudTrail-Aggregated", at, end_ms, &unique);
            self.still_holding(target).await?;
            self.sinks
                .put(target, &key, body, &[])
                .await
                .map_err(Stop::Sink)?;
            written += 1;
        }
        Ok(written)
    }
}
