//! Trails: the CloudTrail trail API (create, update, delete, describe, logging state, event and
//! Insights selectors, tags), and what the delivery worker needs from it.
//!
//! Knows nothing about HTTP, SQL or how logs are written: it keeps trail configuration in
//! documents and reads the S3 and SNS services' documents to check destinations.
//!
//! # Stored documents (keep stable: the delivery worker and the console read them)
//!
//! **`ct_trail`** ([`TrailRecord`]): account = owner, id = trail ARN
//! (`arn:aws:cloudtrail:<home region>:<account>:trail/<name>`), name = `<home region>/<name>`
//! (names are unique per account and home region). Body, PascalCase:
//! `Name`, `TrailARN`, `AccountId`, `HomeRegion`, `S3BucketName`, `S3KeyPrefix` (null when
//! unset), `SnsTopicARN` (full ARN or null), `IncludeGlobalServiceEvents`, `IsMultiRegionTrail`,
//! `LogFileValidationEnabled`, `CloudWatchLogsLogGroupArn`, `CloudWatchLogsRoleArn`, `KmsKeyId`
//! (full ARN or null), `RecursiveLogging`, `EventSelectors` (`{"Kind":"Basic"|"Advanced",
//! "Selectors":[…]}`, see [`SelectorSet`]), `HasCustomEventSelectors`, `InsightSelectors`
//! (`[{"InsightType","EventCategories"}]`), `Tags` (`[{"Key","Value"}]`, value null when none),
//! `ExternalBucket` (the bucket is one of the configured external buckets),
//! `IsOrganizationTrail` (owned by an organization's management account, delivering every
//! member's events; members see it read-only), `CreatedMs`, `UpdatedMs`, `Incarnation` (new for
//! every CreateTrail: a trail deleted and created again under the same name is another
//! incarnation; empty for trails stored before), `ScopeHistory` (`[{"UntilSeq", "Scope":
//! {"IsOrganizationTrail", "IsMultiRegionTrail", "IncludeGlobalServiceEvents",
//! "EventSelectors"}}]`: earlier scopes with the last event position each decided; omitted when
//! empty).
//!
//! Shadow trails are not stored. A multi-region trail is one document in its home region and is
//! visible from every region ([`TrailRecord::visible_in`]); mutations from any other region fail
//! with `InvalidHomeRegionException`. A trail name is taken in every region where a trail of that
//! name is visible, and each region holds at most five visible trails.
//!
//! **`ct_trail_status`** ([`TrailStatus`]): account = owner, id = trail ARN, created with the
//! trail (not logging) and deleted with it. Body, PascalCase, times in ms since the epoch or null:
//! `TrailARN`, `Incarnation`, `Windows` (the logging history, oldest first: `[{"StartedMs",
//! "AfterSeq" (the newest event position before StartLogging's own event), "StoppedMs",
//! "UptoSeq" (StopLogging's or DeleteTrail's own event position)}]`, null while open), `IsLogging`,
//! `StartLoggingMs`, `StartLoggingSeq` (older versions only: the one window's `AfterSeq`),
//! `StopLoggingMs`, `LatestDeliveryMs`,
//! `LatestDeliveryAttemptMs`, `LatestDeliveryError`, `LatestDigestDeliveryMs`,
//! `LatestDigestDeliveryAttemptMs`, `LatestDigestDeliveryError`, `LatestNotificationMs`,
//! `LatestNotificationAttemptMs`, `LatestNotificationError`, `LatestCloudWatchLogsDeliveryMs`,
//! `LatestCloudWatchLogsDeliveryError`. The API writes the logging fields; the delivery worker
//! writes the rest through [`record_delivery`], [`record_digest_delivery`] and
//! [`record_notification`].
//!
//! **`ct_deleted_trail`** ([`DeletedTrail`]): account = owner, id = `<trail ARN>#<incarnation>`
//! (`<trail ARN>#<deleted ms>` for trails stored before incarnations).
//! DeleteTrail of a trail that ever logged writes `{"Trail": <ct_trail body>, "Status":
//! <ct_trail_status body>, "DeletedMs"}` so the worker can deliver what was recorded before the
//! deletion and the final digest; the worker removes it ([`forget_deleted_trail`]).
//!
//! # For the delivery worker
//!
//! `crate::delivery` implements the worker's port over these documents: [`logging_trails`] lists
//! every trail that ever logged and [`deleted_trails`] those deleted while deliveries may still be
//! owed; [`admits`] decides whether a trail logs an event (account, regions, global service
//! events, selectors, as they were when it was recorded); [`record_attempt`] keeps the delivery
//! outcomes GetTrailStatus shows; [`REGIONS`] are the regions a multi-region trail covers;
//! `crate::keys` makes and uses the digest signing keys.

mod admission;
mod delegated_admin;
mod describe;
mod destinations;
mod lifecycle;
mod names;
mod organization;
mod record;
mod resolve;
mod selector_ops;
mod selectors;
mod status;
mod tags;
#[cfg(test)]
mod tests;

pub use admission::{admits, is_global_service_event, selectors_admit};
pub use destinations::{
    BucketView, CLOUDTRAIL_PRINCIPAL, Destinations, FixedDestinations, TaggedResource,
};
pub use lifecycle::MAX_TRAILS_PER_REGION;
pub use names::{PARTITION, REGIONS, trail_arn};
pub use record::{
    DELETED_KIND, DeletedTrail, EventScope, InsightSelectorRecord, LoggingWindow, PastScope,
    STATUS_KIND, TRAIL_KIND, TagRecord, TrailRecord, TrailStatus,
};
pub use selectors::{
    AdvancedSelector, BasicSelector, DataResourceRecord, FieldSelector, ReadWriteType, SelectorSet,
};
pub use status::{
    Delivery, LoggingTrail, deleted_trails, forget_deleted_trail, forget_scopes_through,
    logging_trails, record_attempt, trail_status,
};
pub use tags::{change_trail_tags, trails_with_tags};
pub use trailroom_organizations::{OrganizationRecord, organization_of};

pub(crate) use delegated_admin::{deregister_delegated_admin, register_delegated_admin};
pub(crate) use describe::{describe_trails, get_trail, list_trails};
pub(crate) use lifecycle::{create_trail, delete_trail, update_trail};
pub(crate) use organization::{
    is_delegated_admin, managed_organization, not_management_account, organization_owner,
};
pub(crate) use resolve::{Access as ResolveAccess, Caller};
pub(crate) use selector_ops::{
    get_event_selectors, get_insight_selectors, put_event_selectors, put_insight_selectors,
};
pub(crate) use selectors::{from_request as selectors_from_request, to_wire as selectors_to_wire};
pub(crate) use status::{get_trail_status, start_logging, stop_logging};
pub(crate) use tags::{add_tags, checked_tags, list_tags, remove_tags, tags_to_wire};

use trailroom_protocol::ApiError;

/// `resources[].type` of the trail a call names.
pub const TRAIL_RESOURCE_TYPE: &str = "AWS::CloudTrail::Trail";

/// A member the model marks required (dispatch has already refused requests without it).
pub(crate) fn required(value: Option<String>, member: &str) -> Result<String, ApiError> {
    value.ok_or_else(|| {
        ApiError::validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
             Member must not be null"
        ))
    })
}
