//! The CloudTrail API served over the recorded events.
//!
//! Owns: the [`CloudTrailService`] implementation of the generated `CloudTrail` trait: Event
//! history ([`lookup`]) now, trails later; and how model-level validation failures of CloudTrail
//! operations are reported with CloudTrail's own exception names ([`refine_error`]).
//!
//! Knows nothing about HTTP or SQL: it reads events through the store traits.

pub mod lookup;

use trailroom_audit::CallContext;
use trailroom_model::cloudtrail::{CloudTrail, LookupEventsRequest, LookupEventsResponse, Operation};
use trailroom_protocol::ApiError;

/// CloudTrail's handlers.
#[derive(Debug, Clone)]
pub struct CloudTrailService {
    /// How long Event history keeps events, in days.
    pub retention_days: i64,
}

impl Default for CloudTrailService {
    fn default() -> Self {
        Self { retention_days: 90 }
    }
}

impl CloudTrail for CloudTrailService {
    type Context = CallContext;

    async fn lookup_events(
        &self,
        ctx: &CallContext,
        input: LookupEventsRequest,
    ) -> Result<LookupEventsResponse, ApiError> {
        lookup::lookup_events(ctx, input, self.retention_days)
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
