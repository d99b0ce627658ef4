//! Publish: validate the message, find the topic's confirmed HTTP/HTTPS subscriptions, record the
//! call, then deliver in the background. Also the path AWS services publish by
//! ([`publish_as_service`]), which the topic policy must allow.
//!
//! Publish is a CloudTrail *data* event (as SNS records it since 2023): it is stored in the
//! `Data` category, so Event history does not show it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use trailroom_audit::{CallInfo, Clock, Resource, store_failure};
use trailroom_audit::{DataEvent, data_event};
use trailroom_identity::Caller;
use trailroom_policy::resource::allows;
use trailroom_protocol::ApiError;
use trailroom_protocol::query::QueryParams;
use trailroom_store::{ReadTxn, Store};

use crate::delivery::{Outgoing, send_in_background};
use crate::messages::{Notification, notification, timestamp};
use crate::output::{
    SnsOutput, authorization_error, invalid_parameter, not_found, request_parameters,
};
use crate::records::SubscriptionStatus;
use crate::subscriptions::subscriptions_of;
use crate::topics::{OwnedTopic, authorize, find_topic};

/// SNS's limit on a message, in bytes.
const MAX_MESSAGE: usize = 256 * 1024;

/// A validated message.
#[derive(Debug)]
struct Message {
    subject: Option<String>,
    /// The text per protocol (`default` for any not named).
    bodies: Map<String, Value>,
    attributes: Map<String, Value>,
}

impl Message {
    fn for_protocol(&self, protocol: &str) -> String {
        self.bodies
            .get(protocol)
            .or_else(|| self.bodies.get("default"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }
}

fn parse_message(params: &QueryParams) -> Result<Message, ApiError> {
    let text = params.get("Message").unwrap_or_default();
    if text.is_empty() {
        return Err(invalid_parameter("Empty message"));
    }
    if text.len() > MAX_MESSAGE {
        return Err(invalid_parameter("Message too long"));
    }
    let subject = params.get("Subject").map(str::to_owned);
    if let Some(subject) = &subject {
        let printable = subject.chars().all(|c| !c.is_control());
        if subject.is_empty() || subject.chars().count() > 100 || !printable {
            return Err(invalid_parameter("Subject"));
        }
    }
    let bodies = match params.get("MessageStructure") {
        Some("json") => {
            let parsed: Map<String, Value> = serde_json::from_str(text).map_err(|_| {
                invalid_parameter("Message Structure - JSON message body failed to parse")
            })?;
            if !parsed.get("default").is_some_and(Value::is_string) {
                return Err(invalid_parameter(
                    "Message Structure - No default entry in JSON message body",
                ));
            }
            parsed
        }
        Some(_) => return Err(invalid_parameter("MessageStructure")),
        None => Map::from_iter([("default".to_owned(), Value::String(text.to_owned()))]),
    };
    Ok(Message {
        subject,
        bodies,
        attributes: message_attributes(params)?,
    })
}

/// `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`, as the
/// notification's `MessageAttributes` (`{"name": {"Type": …, "Value": …}}`).
fn message_attributes(params: &QueryParams) -> Result<Map<String, Value>, ApiError> {
    let mut by_index: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (k, v) in params.iter() {
        if let Some((n, field)) = k
            .strip_prefix("MessageAttributes.entry.")
            .and_then(|r| r.split_once('.'))
        {
            by_index
                .entry(n.to_owned())
                .or_default()
                .insert(field.to_owned(), v.to_owned());
        }
    }
    by_index
        .into_values()
        .map(|fields| {
            let name = fields
                .get("Name")
                .ok_or_else(|| invalid_parameter("MessageAttributes"))?;
            let data_type = fields.get("Value.DataType").ok_or_else(|| {
                invalid_parameter(&format!(
                    "The message attribute '{name}' must contain non-empty message attribute type."
                ))
            })?;
            let value = fields
                .get("Value.StringValue")
                .or_else(|| fields.get("Value.BinaryValue"))
                .cloned()
                .unwrap_or_default();
            Ok((name.clone(), json!({"Type": data_type, "Value": value})))
        })
        .collect()
}

/// The deliveries of one message to every confirmed HTTP/HTTPS subscription of `topic`.
fn deliveries(
    txn: &dyn ReadTxn,
    topic: &OwnedTopic,
    message: &Message,
    message_id: &str,
    now_ms: i64,
) -> Result<Vec<Outgoing>, ApiError> {
    let subscriptions = subscriptions_of(txn, topic)?;
    let ts = timestamp(now_ms);
    Ok(subscriptions
        .into_iter()
        .filter(|s| s.status == SubscriptionStatus::Confirmed)
        .filter(|s| matches!(s.protocol.as_str(), "http" | "https"))
        .map(|s| {
            let text = message.for_protocol(&s.protocol);
            let body = if s.raw_delivery() {
                text
            } else {
                notification(&Notification {
                    message_id,
                    topic_arn: &topic.record.topic_arn,
                    subject: message.subject.as_deref(),
                    message: &text,
                    timestamp: &ts,
                    service_url: &s.service_url,
                    subscription_arn: &s.subscription_arn,
                    message_attributes: &message.attributes,
                })
            };
            Outgoing {
                url: s.endpoint.clone(),
                message_type: "Notification",
                message_id: message_id.to_owned(),
                topic_arn: topic.record.topic_arn.clone(),
                subscription_arn: Some(s.subscription_arn.clone()),
                raw: s.raw_delivery(),
                body,
            }
        })
        .collect())
}

fn topic_arn_param(params: &QueryParams) -> Result<&str, ApiError> {
    params
        .get("TopicArn")
        .or_else(|| params.get("TargetArn"))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            invalid_parameter("TopicArn or TargetArn Reason: no value for required parameter")
        })
}

fn load(store: &dyn Store, arn: &str) -> Result<OwnedTopic, ApiError> {
    trailroom_store::read(store, |txn| find_topic(txn, arn))
        .map_err(store_failure)??
        .ok_or_else(|| not_found("Topic does not exist"))
}

/// Validates and plans a caller's Publish: `(message id, topic owner, deliveries)`.
fn plan(
    store: &dyn Store,
    caller: &Caller,
    params: &QueryParams,
    message_id: &str,
    now_ms: i64,
) -> Result<(String, Vec<Outgoing>, bool), ApiError> {
    let arn = topic_arn_param(params)?;
    let message = parse_message(params)?;
    let topic = load(store, arn)?;
    authorize(caller, &topic, "Publish")?;
    check_ordering(&topic, params)?;
    let out = trailroom_store::read(store, |txn| {
        deliveries(txn, &topic, &message, message_id, now_ms)
    })
    .map_err(store_failure)??;
    Ok((topic.owner, out, topic.record.is_fifo()))
}

/// A FIFO message's `SequenceNumber`: 20 digits, increasing within this process.
fn sequence_number(now_ms: i64) -> String {
    static LAST: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let floor = u64::try_from(now_ms)
        .unwrap_or_default()
        .saturating_mul(1000);
    let previous = LAST
        .fetch_update(
            std::sync::atomic::Ordering::SeqCst,
            std::sync::atomic::Ordering::SeqCst,
            |last| Some(last.saturating_add(1).max(floor)),
        )
        .unwrap_or_default();
    format!("{:020}", previous.saturating_add(1).max(floor))
}

/// FIFO topics need a message group and, without content-based deduplication, a deduplication
/// id; standard topics take neither.
fn check_ordering(topic: &OwnedTopic, params: &QueryParams) -> Result<(), ApiError> {
    let group = params.get("MessageGroupId").filter(|g| !g.is_empty());
    let dedup = params
        .get("MessageDeduplicationId")
        .filter(|d| !d.is_empty());
    if !topic.record.is_fifo() {
        return match dedup {
            Some(_) => Err(invalid_parameter(
                "MessageDeduplicationId Reason: The request includes MessageDeduplicationId \
                 parameter that is not valid for this topic type",
            )),
            None => Ok(()),
        };
    }
    if group.is_none() {
        return Err(invalid_parameter(
            "The MessageGroupId parameter is required for FIFO topics",
        ));
    }
    let content_based = topic
        .record
        .attributes
        .get("ContentBasedDeduplication")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if dedup.is_none() && !content_based {
        return Err(invalid_parameter(
            "The topic should either have ContentBasedDeduplication enabled or \
             MessageDeduplicationId provided explicitly",
        ));
    }
    Ok(())
}

/// Publish by a signed caller: records its data event (when `recording`), then delivers; a
/// call `denied` by authorization is recorded with that error and answers it.
pub async fn publish(
    info: &CallInfo,
    store: &Arc<dyn Store>,
    clock: &dyn Clock,
    recording: bool,
    params: &QueryParams,
    denied: Option<ApiError>,
) -> Result<SnsOutput, ApiError> {
    let now_ms = clock.now_ms();
    let message_id = uuid::Uuid::new_v4().to_string();
    let planned = match denied {
        Some(err) => Err(err),
        None => plan(store.as_ref(), &info.caller, params, &message_id, now_ms),
    };
    if recording {
        let arn = params
            .get("TopicArn")
            .or_else(|| params.get("TargetArn"))
            .unwrap_or_default();
        let resources = [Resource {
            resource_type: "AWS::SNS::Topic".into(),
            name: arn.to_owned(),
        }];
        let owner = planned.as_ref().ok().map(|(owner, _, _)| owner.as_str());
        let event = DataEvent {
            info,
            request_parameters: request_parameters(params),
            response_elements: json!({"messageId": message_id}),
            resources: if arn.is_empty() { &[] } else { &resources },
            resource_account: owner,
        };
        let row = data_event(&event, planned.as_ref().map(|_| ()), now_ms);
        trailroom_store::write(store.as_ref(), move |txn| txn.append_event(&row))
            .await
            .map_err(store_failure)?
            .map_err(store_failure)?;
    }
    let (_, outgoing, fifo) = planned?;
    for message in outgoing {
        send_in_background(message);
    }
    let sequence = fifo.then(|| sequence_number(now_ms));
    Ok(SnsOutput::new(json!({"messageId": message_id}), |x| {
        x.element("MessageId", &message_id);
        if let Some(sequence) = &sequence {
            x.element("SequenceNumber", sequence);
        }
    }))
}

/// Why a service could not publish. `code` is SNS's error code (`NotFound`,
/// `AuthorizationError`, `InvalidParameter`, …), which CloudTrail reports as
/// `LatestNotificationError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SnsError {
    code: String,
    message: String,
}

impl SnsError {
    /// SNS's error code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// SNS's message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<ApiError> for SnsError {
    fn from(err: ApiError) -> Self {
        Self {
            code: err.code().to_owned(),
            message: err.message().to_owned(),
        }
    }
}

/// Whether the topic policy of `topic_arn` lets `service_principal` publish on behalf of
/// `source_arn` (when given); `Err` with SNS's code otherwise.
pub fn check_service_publish(
    store: &dyn Store,
    topic_arn: &str,
    service_principal: &str,
    source_arn: Option<&str>,
) -> Result<(), SnsError> {
    let topic = load(store, topic_arn)?;
    let mut context = BTreeMap::new();
    if let Some(source) = source_arn {
        context.insert("aws:SourceArn".to_owned(), source.to_owned());
        if let Some(account) = source.split(':').nth(4).filter(|a| !a.is_empty()) {
            context.insert("aws:SourceAccount".to_owned(), account.to_owned());
        }
    }
    if allows(
        topic.record.policy(),
        service_principal,
        "SNS:Publish",
        topic_arn,
        &context,
    ) {
        Ok(())
    } else {
        Err(authorization_error(format!(
            "{service_principal} is not authorized to perform: SNS:Publish on resource: {topic_arn}"
        ))
        .into())
    }
}

/// Publishes as an AWS service (CloudTrail's log-delivery notice) on behalf of `source_arn`
/// (e.g. the trail ARN; empty for none): the topic policy must allow `SNS:Publish` to
/// `service_principal`, with `aws:SourceArn` / `aws:SourceAccount` taken from `source_arn`.
/// Records no event. Returns the MessageId; delivery happens in the background.
pub async fn publish_as_service(
    store: &dyn Store,
    topic_arn: &str,
    subject: Option<&str>,
    message: &str,
    service_principal: &str,
    source_arn: &str,
    now_ms: i64,
) -> Result<String, SnsError> {
    let source_arn = Some(source_arn).filter(|s| !s.is_empty());
    check_service_publish(store, topic_arn, service_principal, source_arn)?;
    let mut form = vec![("TopicArn", topic_arn), ("Message", message)];
    if let Some(subject) = subject {
        form.push(("Subject", subject));
    }
    let encoded = form
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    let params = QueryParams::parse(encoded.as_bytes())?;
    let parsed = parse_message(&params)?;
    let topic = load(store, topic_arn)?;
    let message_id = uuid::Uuid::new_v4().to_string();
    let outgoing = trailroom_store::read(store, |txn| {
        deliveries(txn, &topic, &parsed, &message_id, now_ms)
    })
    .map_err(store_failure)??;
    for message in outgoing {
        send_in_background(message);
    }
    Ok(message_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_validated() {
        let p = |s: &str| QueryParams::parse(s.as_bytes()).unwrap();
        assert!(parse_message(&p("Message=hi")).is_ok());
        assert_eq!(
            parse_message(&p("Message=")).unwrap_err().code(),
            "InvalidParameter"
        );
        assert!(parse_message(&p("Message=hi&Subject=a%0Ab")).is_err());
        let json =
            p("Message=%7B%22default%22%3A%22d%22%2C%22http%22%3A%22h%22%7D&MessageStructure=json");
        let m = parse_message(&json).unwrap();
        assert_eq!(m.for_protocol("http"), "h");
        assert_eq!(m.for_protocol("https"), "d");
        assert!(parse_message(&p("Message=%7B%7D&MessageStructure=json")).is_err());
        let attrs = p(
            "Message=x&MessageAttributes.entry.1.Name=color&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=red",
        );
        assert_eq!(
            parse_message(&attrs).unwrap().attributes["color"],
            json!({"Type": "String", "Value": "red"})
        );
    }
}

#[cfg(test)]
mod service_tests {
    use std::sync::Arc;

    use trailroom_store_sqlite::SqliteStore;

    use super::*;
    use crate::records::{TopicRecord, default_policy};

    const ARN: &str = "arn:aws:sns:us-east-1:123456789012:trail-notices";
    const TRAIL: &str = "arn:aws:cloudtrail:us-east-1:123456789012:trail/t";

    async fn topic(store: &dyn Store, policy: String) {
        let record = TopicRecord {
            topic_arn: ARN.into(),
            name: "trail-notices".into(),
            region: "us-east-1".into(),
            attributes: BTreeMap::from([("Policy".to_owned(), policy)]),
            tags: BTreeMap::new(),
            data_protection_policy: None,
        };
        let doc = record.to_doc("123456789012").unwrap();
        trailroom_store::write(store, move |txn| txn.put(&doc))
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn services_publish_only_when_the_topic_policy_allows() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = SqliteStore::open(&dir.path().join("db")).unwrap();
        let store = store.as_ref();
        let missing =
            publish_as_service(store, ARN, None, "m", "cloudtrail.amazonaws.com", TRAIL, 0).await;
        assert_eq!(missing.unwrap_err().code(), "NotFound");
        topic(store, default_policy(ARN, "123456789012")).await;
        let denied =
            publish_as_service(store, ARN, None, "m", "cloudtrail.amazonaws.com", TRAIL, 0).await;
        assert_eq!(denied.unwrap_err().code(), "AuthorizationError");
        let policy = json!({"Statement": [{"Sid": "AWSCloudTrailSNSPolicy20131101", "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "SNS:Publish", "Resource": ARN,
            "Condition": {"StringEquals": {"AWS:SourceArn": TRAIL}}}]});
        topic(store, policy.to_string()).await;
        let svc = "cloudtrail.amazonaws.com";
        let id = publish_as_service(store, ARN, Some("s"), "{}", svc, TRAIL, 0).await;
        assert_eq!(id.unwrap().len(), 36);
        // The condition names the trail: another trail, or none, does not match.
        let other = "arn:aws:cloudtrail:us-east-1:123456789012:trail/other";
        assert!(
            publish_as_service(store, ARN, None, "m", svc, other, 0)
                .await
                .is_err()
        );
        assert!(
            publish_as_service(store, ARN, None, "m", svc, "", 0)
                .await
                .is_err()
        );
        assert!(check_service_publish(store, ARN, "sns.amazonaws.com", Some(TRAIL)).is_err());
    }
}
