//! CloudTrail's side of trail delivery: the [`Trails`] port of `trailroom-delivery` implemented
//! over the stored trails ([`CloudTrailTrails`]), and digest signing with this service's keys
//! ([`TrailKeys`]). The server only adds where objects and notifications go (its S3 and SNS).

use std::sync::Arc;

use trailroom_delivery::digest::DigestKey;
use trailroom_delivery::{Admission, Attempt, DigestKeys, Target, Trails, Window, WindowEnd};
use trailroom_store::{EventRow, ReadTxn, Store, StoreError, WriteTxn};

use crate::keys::{self, SigningKey};
use crate::trails::{self, DeletedTrail, Delivery, LoggingWindow, TrailRecord, TrailStatus};

/// Trails as the delivery worker sees them.
#[derive(Debug, Default, Clone, Copy)]
pub struct CloudTrailTrails;

/// A trail incarnation as stored: live (by ARN) or deleted (its `ct_deleted_trail` document).
struct Stored<'a> {
    trail: &'a TrailRecord,
    status: &'a TrailStatus,
    deleted: Option<&'a DeletedTrail>,
}

fn target_of(txn: &dyn ReadTxn, stored: Stored<'_>) -> Result<Target, StoreError> {
    let trail = stored.trail;
    let regions = if trail.is_multi_region_trail {
        trails::REGIONS.iter().map(|r| (*r).to_owned()).collect()
    } else {
        vec![trail.home_region.clone()]
    };
    // An organization trail covers every account of its organization, under `AWSLogs/<org id>/`;
    // one that was an organization trail keeps covering them for what it logged then.
    let was_organization = trail.is_organization_trail
        || trail
            .scope_history
            .iter()
            .any(|past| past.scope.is_organization_trail);
    let org = match was_organization {
        true => trails::organization_of(txn, &trail.account_id)?
            .filter(|org| org.management_account_id == trail.account_id),
        false => None,
    };
    let deleted_ms = stored.deleted.map(|d| d.deleted_ms);
    let windows = stored
        .status
        .logging_windows()
        .iter()
        .map(|w| window(w, deleted_ms))
        .collect();
    Ok(Target {
        trail_arn: trail.trail_arn.clone(),
        key: trail.delivery_key(),
        origin: stored
            .deleted
            .map_or_else(|| trail.trail_arn.clone(), DeletedTrail::id),
        trail_name: trail.name.clone(),
        home_region: trail.home_region.clone(),
        owner_account: trail.account_id.clone(),
        bucket: trail.s3_bucket_name.clone(),
        prefix: trail.s3_key_prefix.clone(),
        org_id: org
            .as_ref()
            .filter(|_| trail.is_organization_trail)
            .map(|o| o.id.clone()),
        accounts: org.map_or_else(|| vec![trail.account_id.clone()], |o| o.accounts()),
        regions,
        sns_topic_arn: trail.sns_topic_arn.clone(),
        digests: trail.log_file_validation_enabled,
        windows,
        deleted_ms,
        aggregation: trail.aggregation_templates.clone(),
    })
}

/// A stored logging window as delivery sees it. A window of an older version that was still
/// open when its trail was deleted ends at the deletion.
fn window(w: &LoggingWindow, deleted_ms: Option<i64>) -> Window {
    let end = match (w.stopped_ms, w.upto_seq) {
        (Some(stopped_ms), Some(upto_seq)) => Some(WindowEnd::AtEvent {
            stopped_ms,
            upto_seq,
        }),
        (Some(stopped_ms), None) => Some(WindowEnd::AtTime { stopped_ms }),
        (None, _) => deleted_ms.map(|stopped_ms| WindowEnd::AtTime { stopped_ms }),
    };
    Window {
        started_ms: w.started_ms,
        after_seq: w.after_seq,
        end,
    }
}

/// The incarnation a target delivers for (empty for trails stored before incarnations).
fn incarnation(target: &Target) -> &str {
    target.key.split_once('#').map_or("", |(_, inc)| inc)
}

/// The stored incarnation behind `target`: the live trail while it is the same incarnation,
/// else its deleted record.
fn stored_incarnation(
    txn: &dyn ReadTxn,
    target: &Target,
) -> Result<Option<(TrailRecord, TrailStatus)>, StoreError> {
    let account = &target.owner_account;
    if target.deleted_ms.is_none()
        && let Some(doc) = txn.get(account, trails::TRAIL_KIND, &target.trail_arn)?
    {
        let trail: TrailRecord = doc.decode()?;
        if trail.incarnation == incarnation(target) {
            let status = trails::trail_status(txn, &target.trail_arn)?
                .unwrap_or_else(|| TrailStatus::new(&trail));
            return Ok(Some((trail, status)));
        }
    }
    let deleted_id = match target.deleted_ms {
        Some(_) => target.origin.clone(),
        None => target.key.clone(),
    };
    Ok(txn
        .get(account, trails::DELETED_KIND, &deleted_id)?
        .map(|doc| doc.decode::<DeletedTrail>())
        .transpose()?
        .map(|deleted| (deleted.trail, deleted.status)))
}

impl Trails for CloudTrailTrails {
    fn targets(&self, txn: &dyn ReadTxn) -> Result<Vec<Target>, StoreError> {
        let mut targets = Vec::new();
        for deleted in trails::deleted_trails(txn)? {
            let stored = Stored {
                trail: &deleted.trail,
                status: &deleted.status,
                deleted: Some(&deleted),
            };
            targets.push(target_of(txn, stored)?);
        }
        for logged in trails::logging_trails(txn)? {
            let stored = Stored {
                trail: &logged.trail,
                status: &logged.status,
                deleted: None,
            };
            targets.push(target_of(txn, stored)?);
        }
        Ok(targets)
    }

    /// Decided on the incarnation as stored now: an event outside its logging windows (as they
    /// are now, so a stop the worker has not seen yet counts) is never admitted; inside, the
    /// trail's scope when the event was recorded decides.
    fn admission(&self, txn: &dyn ReadTxn, target: &Target) -> Result<Admission, StoreError> {
        let Some((trail, status)) = stored_incarnation(txn, target)? else {
            return Ok(Box::new(|_: &EventRow| false));
        };
        let deleted_ms = target.deleted_ms;
        let windows: Vec<Window> = status
            .logging_windows()
            .iter()
            .map(|w| window(w, deleted_ms))
            .collect();
        Ok(Box::new(move |event: &EventRow| {
            windows.iter().any(|w| holds(w, event)) && trails::admits(&trail, event)
        }))
    }

    fn forget(&self, tx: &mut dyn WriteTxn, target: &Target) -> Result<(), StoreError> {
        if target.deleted_ms.is_some() {
            tx.delete(&target.owner_account, trails::DELETED_KIND, &target.origin)?;
        }
        Ok(())
    }

    fn record(
        &self,
        tx: &mut dyn WriteTxn,
        target: &Target,
        now_ms: i64,
        attempt: Attempt,
        outcome: Result<(), &str>,
    ) -> Result<(), StoreError> {
        // A deleted trail's status is no one's to read.
        if target.deleted_ms.is_some() {
            return Ok(());
        }
        let (arn, inc) = (target.trail_arn.as_str(), incarnation(target));
        let outcome = outcome.map_err(str::to_owned);
        let what = match attempt {
            Attempt::LogFiles { upto_seq, files } => {
                if outcome.is_ok() {
                    trails::forget_scopes_through(tx, arn, inc, upto_seq)?;
                }
                // LatestDeliveryTime moves only when a file was delivered.
                if outcome.is_ok() && files == 0 {
                    return Ok(());
                }
                Delivery::LogFiles
            }
            Attempt::Digest => Delivery::Digest,
            Attempt::Notification => Delivery::Notification,
        };
        trails::record_attempt(tx, arn, inc, what, now_ms, outcome)
    }
}

/// Whether `window` holds `event`: after its start, up to its end.
fn holds(window: &Window, event: &EventRow) -> bool {
    event.seq > window.after_seq
        && match window.end {
            None => true,
            Some(WindowEnd::AtEvent { upto_seq, .. }) => event.seq <= upto_seq,
            Some(WindowEnd::AtTime { stopped_ms }) => event.event_time_ms <= stopped_ms,
        }
}

/// Digest signing keys from the CloudTrail key store.
pub struct TrailKeys {
    store: Arc<dyn Store>,
    validity_ms: i64,
}

impl TrailKeys {
    /// Keys kept in `store`, each signing for `validity_ms` before a new one is made.
    pub fn new(store: Arc<dyn Store>, validity_ms: i64) -> Self {
        Self { store, validity_ms }
    }
}

struct Key(SigningKey);

impl DigestKey for Key {
    fn fingerprint(&self) -> String {
        self.0.fingerprint.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        keys::sign(&self.0, message).map_err(|e| e.to_string())
    }
}

#[async_trait::async_trait]
impl DigestKeys for TrailKeys {
    async fn key(
        &self,
        account: &str,
        region: &str,
        now_ms: i64,
    ) -> Result<Box<dyn DigestKey>, String> {
        let key = keys::current_signing_key(
            self.store.as_ref(),
            account,
            region,
            now_ms,
            self.validity_ms,
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(Box::new(Key(key)))
    }
}
