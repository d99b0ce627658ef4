//! CloudTrail recording of every call.
//!
//! Owns: the [`CallContext`] every handler receives (caller, region, request id, store access),
//! which records exactly one event per call and, for mutating calls, commits the state change and
//! the event in the same transaction; the one builder of stored events, management and data
//! ([`event`]); the CloudTrail record format ([`record`]) and
//! `userIdentity` ([`user_identity`]); the injectable [`Clock`].
//!
//! Knows nothing about HTTP, particular services or how events are delivered.

mod call_info;
mod clock;
mod context;
pub mod event;
pub mod record;
pub mod request_note;
mod user_identity;

/// A resource's ARN and its tags, as each service hands them to the Resource Groups Tagging API.
pub type TaggedResource = (String, std::collections::BTreeMap<String, String>);

pub use call_info::{CallInfo, NamedResources, Resource};
pub use clock::{Clock, ManualClock, SystemClock};
pub use context::{Authorizer, CallContext, Seal, store_failure};
pub use event::{Category, DataEvent, EventParts, data_event, event_row};
pub use user_identity::user_identity;

/// CloudTrail's `eventVersion` for records written by this server.
pub const EVENT_VERSION: &str = "1.10";
