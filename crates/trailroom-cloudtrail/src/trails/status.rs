//! Logging state: GetTrailStatus, StartLogging, StopLogging, and the functions the delivery
//! worker calls to find logging trails and to report how deliveries went.

use trailroom_audit::record::format_event_time;
use trailroom_audit::{CallContext, Seal, store_failure};
use trailroom_model::cloudtrail::{
    GetTrailStatusRequest, GetTrailStatusResponse, StartLoggingRequest, StartLoggingResponse,
    StopLoggingRequest, StopLoggingResponse,
};
use trailroom_model::{Audit, Timestamp};
use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, StoreResult, WriteTxn};

use super::record::{
    DELETED_KIND, DeletedTrail, STATUS_KIND, TRAIL_KIND, TrailRecord, TrailStatus,
};
use super::resolve::{Access, Caller};
use super::{TRAIL_RESOURCE_TYPE, required};

/// A trail that logs or has logged, with its status.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggingTrail {
    /// The trail's configuration.
    pub trail: TrailRecord,
    /// Its status.
    pub status: TrailStatus,
}

/// Every trail that is logging or has logged and stopped, in every account, ordered by account
/// then trail ARN.
pub fn logging_trails(txn: &dyn ReadTxn) -> StoreResult<Vec<LoggingTrail>> {
    let mut out = Vec::new();
    for doc in txn.list_kind(STATUS_KIND)? {
        let status: TrailStatus = doc.decode()?;
        if status.start_logging_ms.is_none() {
            continue;
        }
        if let Some(trail) = txn.get(&doc.account, TRAIL_KIND, &doc.id)? {
            out.push(LoggingTrail {
                trail: trail.decode()?,
                status,
            });
        }
    }
    Ok(out)
}

/// Deleted trails that had logged, every account, for the delivery worker to finish.
pub fn deleted_trails(txn: &dyn ReadTxn) -> StoreResult<Vec<DeletedTrail>> {
    txn.list_kind(DELETED_KIND)?
        .iter()
        .map(|doc| doc.decode())
        .collect()
}

/// Drops a deleted trail once its last deliveries are done; returns whether it was there.
pub fn forget_deleted_trail(tx: &mut dyn WriteTxn, deleted: &DeletedTrail) -> StoreResult<bool> {
    tx.delete(&deleted.trail.account_id, DELETED_KIND, &deleted.id())
}

/// The status of the trail with this ARN, if the trail exists.
pub fn trail_status(txn: &dyn ReadTxn, trail_arn: &str) -> StoreResult<Option<TrailStatus>> {
    let Some(account) = arn_account(trail_arn) else {
        return Ok(None);
    };
    txn.get(account, STATUS_KIND, trail_arn)?
        .map(|doc| doc.decode())
        .transpose()
}

/// What a delivery attempt delivered, for [`record_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Log files (`LatestDeliveryTime` / `…Error`).
    LogFiles,
    /// A digest file (`LatestDigestDeliveryTime` / `…Error`).
    Digest,
    /// An SNS notification (`LatestNotificationTime` / `…Error`).
    Notification,
}

/// Records a delivery attempt at `now_ms` on the status of incarnation `incarnation` of
/// `trail_arn`: `Ok` sets the latest success and clears the error, `Err(code)` sets the error.
/// A trail that is gone, or is another incarnation by now, is left alone.
pub fn record_attempt(
    tx: &mut dyn WriteTxn,
    trail_arn: &str,
    incarnation: &str,
    what: Delivery,
    now_ms: i64,
    outcome: Result<(), String>,
) -> StoreResult<()> {
    update_status(tx, trail_arn, incarnation, |s| {
        let (attempt, success, error) = match what {
            Delivery::LogFiles => (
                &mut s.latest_delivery_attempt_ms,
                &mut s.latest_delivery_ms,
                &mut s.latest_delivery_error,
            ),
            Delivery::Digest => (
                &mut s.latest_digest_delivery_attempt_ms,
                &mut s.latest_digest_delivery_ms,
                &mut s.latest_digest_delivery_error,
            ),
            Delivery::Notification => (
                &mut s.latest_notification_attempt_ms,
                &mut s.latest_notification_ms,
                &mut s.latest_notification_error,
            ),
        };
        *attempt = Some(now_ms);
        match outcome {
            Ok(()) => {
                *success = Some(now_ms);
                *error = None;
            }
            Err(code) => *error = Some(code),
        }
    })
}

/// Drops the event scopes the delivery worker has passed (events up to `seq` are delivered)
/// from incarnation `incarnation` of `trail_arn`.
pub fn forget_scopes_through(
    tx: &mut dyn WriteTxn,
    trail_arn: &str,
    incarnation: &str,
    seq: i64,
) -> StoreResult<()> {
    let Some(account) = arn_account(trail_arn) else {
        return Ok(());
    };
    let Some(doc) = tx.get(account, TRAIL_KIND, trail_arn)? else {
        return Ok(());
    };
    let mut trail: TrailRecord = doc.decode()?;
    if trail.incarnation == incarnation && trail.forget_scopes_through(seq) {
        tx.put(&trail.to_doc()?)?;
    }
    Ok(())
}

fn update_status(
    tx: &mut dyn WriteTxn,
    trail_arn: &str,
    incarnation: &str,
    change: impl FnOnce(&mut TrailStatus),
) -> StoreResult<()> {
    let Some(account) = arn_account(trail_arn) else {
        return Ok(());
    };
    let Some(doc) = tx.get(account, STATUS_KIND, trail_arn)? else {
        return Ok(());
    };
    let mut status: TrailStatus = doc.decode()?;
    if status.incarnation != incarnation {
        return Ok(());
    }
    change(&mut status);
    tx.put(&status.to_doc(account)?)
}

/// The account field of an ARN.
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// GetTrailStatus: the status of a trail visible here (shadows by ARN).
pub(crate) fn get_trail_status(
    ctx: &CallContext,
    input: GetTrailStatusRequest,
) -> Result<GetTrailStatusResponse, ApiError> {
    let name = required(input.name, "Name")?;
    let caller = Caller {
        account: ctx.account_id(),
        region: ctx.region(),
    };
    let status = ctx.read(|txn| {
        let trail = caller.find(txn, &name, Access::Read, true)?;
        ctx.add_resource(TRAIL_RESOURCE_TYPE, trail.trail_arn.clone());
        let status = trail_status(txn, &trail.trail_arn).map_err(store_failure)?;
        Ok(status.unwrap_or_else(|| TrailStatus::new(&trail)))
    })?;
    Ok(render(&status))
}

/// The wire status: timestamps as epoch seconds, the deprecated members as ISO strings (empty
/// when never set, as AWS answers).
fn render(status: &TrailStatus) -> GetTrailStatusResponse {
    let time = |ms: Option<i64>| ms.map(Timestamp::from_epoch_millis);
    let iso = |ms: Option<i64>| Some(ms.map(format_event_time).unwrap_or_default());
    GetTrailStatusResponse {
        is_logging: Some(status.is_logging),
        latest_delivery_error: status.latest_delivery_error.clone(),
        latest_notification_error: status.latest_notification_error.clone(),
        latest_delivery_time: time(status.latest_delivery_ms),
        latest_notification_time: time(status.latest_notification_ms),
        start_logging_time: time(status.start_logging_ms),
        stop_logging_time: time(status.stop_logging_ms),
        latest_cloud_watch_logs_delivery_error: status
            .latest_cloud_watch_logs_delivery_error
            .clone(),
        latest_cloud_watch_logs_delivery_time: time(status.latest_cloud_watch_logs_delivery_ms),
        latest_digest_delivery_time: time(status.latest_digest_delivery_ms),
        latest_digest_delivery_error: status.latest_digest_delivery_error.clone(),
        latest_delivery_attempt_time: iso(status.latest_delivery_attempt_ms),
        latest_notification_attempt_time: iso(status.latest_notification_attempt_ms),
        latest_notification_attempt_succeeded: iso(status.latest_notification_ms),
        latest_delivery_attempt_succeeded: iso(status.latest_delivery_ms),
        time_logging_started: iso(status.start_logging_ms),
        time_logging_stopped: iso(status.stop_logging_ms),
    }
}

/// StartLogging: a logging trail stays as it is.
pub(crate) async fn start_logging(
    ctx: &CallContext,
    input: StartLoggingRequest,
) -> Result<StartLoggingResponse, ApiError> {
    let name = required(input.name, "Name")?;
    set_logging(ctx, name, true, StartLoggingResponse {}).await
}

/// StopLogging: a stopped trail stays as it is.
pub(crate) async fn stop_logging(
    ctx: &CallContext,
    input: StopLoggingRequest,
) -> Result<StopLoggingResponse, ApiError> {
    let name = required(input.name, "Name")?;
    set_logging(ctx, name, false, StopLoggingResponse {}).await
}

async fn set_logging<R: Audit + Send + 'static>(
    ctx: &CallContext,
    name: String,
    logging: bool,
    response: R,
) -> Result<R, ApiError> {
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    let call = ctx.clone();
    ctx.write_sealed(move |tx| {
        let caller = Caller {
            account: &account,
            region: &region,
        };
        let trail = caller.find(&*tx, &name, Access::Mutate, false)?;
        call.add_resource(TRAIL_RESOURCE_TYPE, trail.trail_arn.clone());
        let mut status = trail_status(&*tx, &trail.trail_arn)
            .map_err(store_failure)?
            .unwrap_or_else(|| TrailStatus::new(&trail));
        if status.is_logging == logging {
            return Ok((response, None));
        }
        // StartLogging's own event is the window's first; StopLogging's its last.
        if logging {
            status.start(now, tx.last_event_seq().map_err(store_failure)?);
        } else {
            status.stop(now);
        }
        let owner = trail.account_id.clone();
        tx.put(&status.to_doc(&owner).map_err(store_failure)?)
            .map_err(store_failure)?;
        let seal: Option<Seal> = (!logging).then(|| {
            Box::new(move |tx: &mut dyn WriteTxn, own_seq: i64| {
                status.close_window(now, own_seq);
                tx.put(&status.to_doc(&owner)?)
            }) as Seal
        });
        Ok((response, seal))
    })
    .await
}
