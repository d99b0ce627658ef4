//! Amazon SNS over the AWS Query protocol: topics, HTTP/HTTPS subscriptions with SNS's
//! confirmation flow, Publish with background delivery of signed JSON envelopes.
//!
//! Owns: topic documents (kind `sns_topic`, body [`TopicRecord`], read by the trail code for the
//! topic policy) and subscription documents (`sns_subscription`), the default topic policy, the
//! message envelopes and their delivery with retries, and the path AWS services publish by
//! ([`publish_as_service`]). Management calls are recorded through the [`CallContext`]; Publish
//! records its own data event.
//!
//! Knows nothing about HTTP serving or signatures: the server authenticates, wraps
//! [`SnsOutput`] in the Query envelope, and passes the base URL subscribers reach it at.

pub mod access;
mod delivery;
mod messages;
mod output;
mod publish;
pub mod records;
mod subscriptions;
pub mod tags;
mod topic_attributes;
mod topics;

use trailroom_audit::CallContext;
use trailroom_protocol::ApiError;
use trailroom_protocol::query::QueryParams;

pub use delivery::RETRY_DELAYS;
pub use messages::{SIGNING_CERT_PATH, signing_certificate};
pub use output::{SnsOutput, request_parameters};
pub use publish::{SnsError, check_service_publish, publish, publish_as_service};
pub use records::{SUBSCRIPTION_KIND, SubscriptionRecord, TOPIC_KIND, TopicRecord};
pub use subscriptions::{confirm_anonymously, unsubscribe_anonymously};
pub use topic_attributes::validate_topic_policy;
pub use topics::topic_named;

/// XML namespace of SNS responses.
pub const XMLNS: &str = "http://sns.amazonaws.com/doc/2010-03-31/";
/// `eventSource` of SNS events.
pub const EVENT_SOURCE: &str = "sns.amazonaws.com";

/// How an action is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recording {
    /// A management event with these `readOnly` and "logs responseElements" flags.
    Management {
        /// `readOnly`.
        read_only: bool,
        /// Whether `responseElements` is recorded.
        log_response: bool,
    },
    /// A data event, recorded by the action itself ([`publish`]).
    Data,
}

const READS: [&str; 7] = [
    "ListTopics",
    "ListTagsForResource",
    "GetDataProtectionPolicy",
    "GetTopicAttributes",
    "ListSubscriptions",
    "ListSubscriptionsByTopic",
    "GetSubscriptionAttributes",
];
const WRITES: [&str; 10] = [
    "CreateTopic",
    "TagResource",
    "UntagResource",
    "PutDataProtectionPolicy",
    "DeleteTopic",
    "SetTopicAttributes",
    "Subscribe",
    "ConfirmSubscription",
    "Unsubscribe",
    "SetSubscriptionAttributes",
];

/// Every action answered here, with whether it is read-only (Publish, a data event, is not).
pub fn operations() -> impl Iterator<Item = (&'static str, bool)> {
    READS
        .iter()
        .map(|a| (*a, true))
        .chain(WRITES.iter().map(|a| (*a, false)))
        .chain([("Publish", false)])
}

/// How `action` is recorded, or `None` if SNS here has no such action.
pub fn operation(action: &str) -> Option<Recording> {
    if action == "Publish" {
        Some(Recording::Data)
    } else if READS.contains(&action) {
        Some(Recording::Management {
            read_only: true,
            log_response: false,
        })
    } else if WRITES.contains(&action) {
        Some(Recording::Management {
            read_only: false,
            log_response: true,
        })
    } else {
        None
    }
}

/// Runs a management action. `service_url` is the base URL subscribers reach this endpoint at
/// (for SubscribeURL and UnsubscribeURL).
pub async fn call(
    ctx: &CallContext,
    action: &str,
    params: &QueryParams,
    service_url: &str,
) -> Result<SnsOutput, ApiError> {
    match action {
        "CreateTopic" => topics::create(ctx, params).await,
        "DeleteTopic" => topics::delete(ctx, params).await,
        "ListTopics" => topics::list(ctx, params),
        "GetTopicAttributes" => topics::get_attributes(ctx, params),
        "SetTopicAttributes" => topics::set_attributes(ctx, params).await,
        "Subscribe" => subscriptions::subscribe(ctx, params, service_url).await,
        "ConfirmSubscription" => subscriptions::confirm(ctx, params).await,
        "Unsubscribe" => subscriptions::unsubscribe(ctx, params).await,
        "ListSubscriptions" => subscriptions::list(ctx, params),
        "ListSubscriptionsByTopic" => subscriptions::list_by_topic(ctx, params),
        "GetSubscriptionAttributes" => subscriptions::get_attributes(ctx, params),
        "SetSubscriptionAttributes" => subscriptions::set_attributes(ctx, params).await,
        "TagResource" => tags::tag(ctx, params).await,
        "UntagResource" => tags::untag(ctx, params).await,
        "ListTagsForResource" => tags::list(ctx, params),
        "GetDataProtectionPolicy" => tags::get_data_protection_policy(ctx, params),
        "PutDataProtectionPolicy" => tags::put_data_protection_policy(ctx, params).await,
        _ => Err(ApiError::client(
            "InvalidAction",
            format!("Could not find operation {action} for version 2010-03-31"),
        )),
    }
}
