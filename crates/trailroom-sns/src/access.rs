//! What each SNS call needs permission for: `SNS:<Action>` on the topic it names (with the
//! topic's policy as its resource-based policy), on the topic a subscription belongs to, on the
//! topic CreateTopic would make, or on `*` (ListTopics, ListSubscriptions). The topic's tags are
//! `aws:ResourceTag/*`; Subscribe supplies `sns:Protocol` and `sns:Endpoint`.

use trailroom_authz::Access;
use trailroom_protocol::query::QueryParams;
use trailroom_store::{ReadTxn, Store};

use crate::records::{TOPIC_KIND, TopicArn, TopicRecord, topic_of_subscription};

/// The accesses `action` with `params` needs, by a caller of `account` signing for `region`.
pub fn accesses(
    store: &dyn Store,
    action: &str,
    params: &QueryParams,
    region: &str,
    account: &str,
) -> Vec<Access> {
    let name = format!("SNS:{action}");
    let topic = params
        .get("TopicArn")
        .or_else(|| params.get("TargetArn"))
        .or_else(|| params.get("ResourceArn"))
        .map(str::to_owned)
        .or_else(|| {
            params
                .get("SubscriptionArn")
                .and_then(topic_of_subscription)
                .map(|t| t.to_arn())
        });
    if action == "CreateTopic" {
        let topic = params.get("Name").unwrap_or_default();
        return vec![Access::new(
            name,
            format!("arn:aws:sns:{region}:{account}:{topic}"),
        )];
    }
    let Some(arn) = topic else {
        return vec![Access::new(name, "*")];
    };
    let mut access = Access::new(name, arn.clone());
    if action == "Subscribe" {
        for (param, key) in [("Protocol", "sns:Protocol"), ("Endpoint", "sns:Endpoint")] {
            if let Some(value) = params.get(param) {
                access = access.with(key, value);
            }
        }
    }
    let topic = trailroom_store::read(store, |txn| stored_topic(txn, &arn))
        .ok()
        .flatten();
    match topic {
        Some((record, owner)) => vec![
            access
                .with_resource_tags(&record.tags)
                .with_resource_policy(record.policy().to_owned(), owner),
        ],
        None => vec![access],
    }
}

/// A topic and its owning account.
fn stored_topic(txn: &dyn ReadTxn, arn: &str) -> Option<(TopicRecord, String)> {
    let parsed = TopicArn::parse(arn)?;
    let doc = txn.get(&parsed.account, TOPIC_KIND, arn).ok()??;
    let record: TopicRecord = doc.decode().ok()?;
    Some((record, doc.account))
}
