//! The CloudTrail API served over the recorded events.
//!
//! Owns: the [`CloudTrailService`] implementation of the generated `CloudTrail` trait: Event
//! history ([`lookup`]) now, trails later; and how model-level validation failures of CloudTrail
//! operations are reported with CloudTrail's own exception names ([`refine_error`]).
//!
//! Knows nothing about HTTP or SQL: it reads events through the store traits.

pub mod lookup;
mod throttle;

pub use throttle::RateLimit;

use trailroom_audit::CallContext;
use trailroom_model::cloudtrail::{CloudTrail, LookupEventsRequest, LookupEventsResponse, Operation};
use trailroom_protocol::ApiError;

/// CloudTrail's handlers.
#[derive(Debug, Default)]
pub struct CloudTrailService {
    /// How long Event history keeps events, in days (90 when 0).
    pub retention_days: i64,
    /// AWS's LookupEvents throttle, when turned on.
    pub lookup_rate: Option<RateLimit>,
}

impl CloudTrailService {
    /// Event history retention in days.
    pub fn retention_days(&self) -> i64 {
        if self.retention_days > 0 { self.retention_days } else { 90 }
    }
}

impl CloudTrail for CloudTrailService {
    type Context = CallContext;

    async fn lookup_events(
        &self,
        ctx: &CallContext,
        input: LookupEventsRequest,
    ) -> Result<LookupEventsResponse, ApiError> {
        if let Some(limit) = &self.lookup_rate {
            limit.admit(ctx.account_id(), ctx.region(), ctx.now_ms())?;
        }
        lookup::lookup_events(ctx, input, self.retention_days())
    }
}

/// CloudTrail answers some constraint violations with its own exceptions rather than the generic
/// `ValidationException` the model check produces; this maps them.
pub fn refine_error(op: Operation, err: ApiError) -> ApiError {
    if err.code() != "ValidationException" {
        return err;
    }
    let specific = match op {
        Operation::LookupEvents => lookup::specific_validation_code(err.message()),
        _ => None,
    };
    match specific {
        Some(code) => ApiError::client(code, err.message().to_owned()),
        None => err,
    }
}
