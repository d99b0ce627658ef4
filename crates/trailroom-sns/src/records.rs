//! What is stored about topics and subscriptions, and their ARNs.
//!
//! A topic is a document of kind [`TOPIC_KIND`] (id = topic ARN, account = owner) whose body is
//! [`TopicRecord`]; the trail code reads `Attributes.Policy` from it to check that CloudTrail may
//! publish. A subscription is a document of kind [`SUBSCRIPTION_KIND`] (id = subscription ARN,
//! parent = topic ARN).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use trailroom_store::{Doc, StoreResult};

/// Document kind of topics.
pub const TOPIC_KIND: &str = "sns_topic";
/// Document kind of subscriptions.
pub const SUBSCRIPTION_KIND: &str = "sns_subscription";

/// A topic as stored. `Attributes` holds `Policy` and every attribute a client set (see
/// `topic_attributes`); the others GetTopicAttributes shows are derived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicRecord {
    /// `arn:aws:sns:<region>:<account>:<name>`.
    #[serde(rename = "TopicArn")]
    pub topic_arn: String,
    /// The topic name.
    #[serde(rename = "Name")]
    pub name: String,
    /// The topic's region.
    #[serde(rename = "Region")]
    pub region: String,
    /// Settable attributes.
    #[serde(rename = "Attributes")]
    pub attributes: BTreeMap<String, String>,
    /// Tags (CreateTopic, TagResource, the tagging API).
    #[serde(rename = "Tags", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The data protection policy (CreateTopic, PutDataProtectionPolicy).
    #[serde(
        rename = "DataProtectionPolicy",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub data_protection_policy: Option<String>,
}

impl TopicRecord {
    /// The document of this topic, owned by `account`.
    pub fn to_doc(&self, account: &str) -> StoreResult<Doc> {
        Doc::new(account, TOPIC_KIND, &self.topic_arn, self)
    }

    /// Whether this is a FIFO topic (`FifoTopic` set at creation).
    pub fn is_fifo(&self) -> bool {
        self.attributes
            .get("FifoTopic")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// The topic policy text.
    pub fn policy(&self) -> &str {
        self.attributes.get("Policy").map_or("", String::as_str)
    }
}

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubscriptionStatus {
    /// Waiting for ConfirmSubscription with its token.
    PendingConfirmation,
    /// Receives notifications.
    Confirmed,
}

/// A subscription as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionRecord {
    /// `<topic ARN>:<uuid>`.
    #[serde(rename = "SubscriptionArn")]
    pub subscription_arn: String,
    /// The topic.
    #[serde(rename = "TopicArn")]
    pub topic_arn: String,
    /// Account that subscribed.
    #[serde(rename = "Owner")]
    pub owner: String,
    /// `http` or `https`.
    #[serde(rename = "Protocol")]
    pub protocol: String,
    /// The URL notifications are POSTed to.
    #[serde(rename = "Endpoint")]
    pub endpoint: String,
    /// Pending or confirmed.
    #[serde(rename = "Status")]
    pub status: SubscriptionStatus,
    /// The confirmation token sent to the endpoint.
    #[serde(rename = "Token")]
    pub token: String,
    /// Settable attributes (`RawMessageDelivery`, `DeliveryPolicy`, …).
    #[serde(rename = "Attributes", default)]
    pub attributes: BTreeMap<String, String>,
    /// Whether ConfirmSubscription was called with credentials.
    #[serde(rename = "ConfirmationWasAuthenticated", default)]
    pub confirmation_was_authenticated: bool,
    /// The base URL of this service as the subscriber saw it, for SubscribeURL/UnsubscribeURL.
    #[serde(rename = "ServiceUrl")]
    pub service_url: String,
    /// Creation time, ms since the epoch.
    #[serde(rename = "CreatedMs")]
    pub created_ms: i64,
}

impl SubscriptionRecord {
    /// The document of this subscription, in the topic owner's `account`.
    pub fn to_doc(&self, account: &str) -> StoreResult<Doc> {
        Ok(
            Doc::new(account, SUBSCRIPTION_KIND, &self.subscription_arn, self)?
                .with_parent(self.topic_arn.clone()),
        )
    }

    /// Whether notifications go out as the bare message.
    pub fn raw_delivery(&self) -> bool {
        self.attributes
            .get("RawMessageDelivery")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

/// The parts of a topic ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicArn {
    /// Region.
    pub region: String,
    /// Owning account.
    pub account: String,
    /// Topic name.
    pub name: String,
}

impl TopicArn {
    /// Parses `arn:aws:sns:<region>:<account>:<name>`.
    pub fn parse(arn: &str) -> Option<Self> {
        let parts: Vec<&str> = arn.split(':').collect();
        match parts.as_slice() {
            ["arn", partition, "sns", region, account, name]
                if partition.starts_with("aws")
                    && !region.is_empty()
                    && account.len() == 12
                    && account.bytes().all(|b| b.is_ascii_digit())
                    && is_valid_topic_name(name) =>
            {
                Some(Self {
                    region: (*region).to_owned(),
                    account: (*account).to_owned(),
                    name: (*name).to_owned(),
                })
            }
            _ => None,
        }
    }

    /// The ARN text.
    pub fn to_arn(&self) -> String {
        format!("arn:aws:sns:{}:{}:{}", self.region, self.account, self.name)
    }
}

/// The topic ARN a subscription ARN (`<topic ARN>:<id>`) belongs to.
pub fn topic_of_subscription(subscription_arn: &str) -> Option<TopicArn> {
    let (topic, id) = subscription_arn.rsplit_once(':')?;
    (!id.is_empty()).then_some(())?;
    TopicArn::parse(topic)
}

/// 1-256 of `[A-Za-z0-9_-]`, or such a name plus `.fifo`.
pub fn is_valid_topic_name(name: &str) -> bool {
    let base = name.strip_suffix(".fifo").unwrap_or(name);
    !base.is_empty()
        && name.len() <= 256
        && base
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The policy SNS gives a new topic: the owner's account may do the usual topic actions.
pub fn default_policy(topic_arn: &str, account: &str) -> String {
    json!({
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [
                "SNS:GetTopicAttributes",
                "SNS:SetTopicAttributes",
                "SNS:AddPermission",
                "SNS:RemovePermission",
                "SNS:DeleteTopic",
                "SNS:Subscribe",
                "SNS:ListSubscriptionsByTopic",
                "SNS:Publish"
            ],
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": account}}
        }]
    })
    .to_string()
}

/// SNS's default HTTP delivery policy, as GetTopicAttributes shows it.
pub const DEFAULT_DELIVERY_POLICY: &str = r#"{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        let arn = TopicArn::parse("arn:aws:sns:us-east-1:123456789012:my-topic_1").unwrap();
        assert_eq!(arn.name, "my-topic_1");
        assert_eq!(
            arn.to_arn(),
            "arn:aws:sns:us-east-1:123456789012:my-topic_1"
        );
        for bad in [
            "arn:aws:sns:us-east-1:123:t",
            "arn:aws:sqs:us-east-1:123456789012:t",
            "x",
            "arn:aws:sns:us-east-1:123456789012:bad name",
        ] {
            assert!(TopicArn::parse(bad).is_none(), "{bad}");
        }
        let sub = "arn:aws:sns:us-east-1:123456789012:t:0b8e2f3c-1";
        assert_eq!(topic_of_subscription(sub).unwrap().name, "t");
        assert!(topic_of_subscription("arn:aws:sns:us-east-1:123456789012:t").is_none());
    }

    #[test]
    fn default_policy_lets_the_owner_account_publish_only() {
        let arn = "arn:aws:sns:us-east-1:123456789012:t";
        let policy = default_policy(arn, "123456789012");
        let empty = Default::default();
        assert!(!trailroom_policy::resource::allows(
            &policy,
            "cloudtrail.amazonaws.com",
            "SNS:Publish",
            arn,
            &empty
        ));
        let record = TopicRecord {
            topic_arn: arn.into(),
            name: "t".into(),
            region: "us-east-1".into(),
            attributes: [("Policy".to_owned(), policy)].into(),
            tags: BTreeMap::new(),
            data_protection_policy: None,
        };
        let body = record.to_doc("123456789012").unwrap().body;
        assert_eq!(body["TopicArn"], arn);
        assert!(
            body["Attributes"]["Policy"]
                .as_str()
                .unwrap()
                .contains("__default_statement_ID")
        );
        assert!(body.get("Tags").is_none());
    }
}
