//! Subscriptions: Subscribe (which POSTs a `SubscriptionConfirmation` to the endpoint),
//! ConfirmSubscription (with credentials, or anonymously through the SubscribeURL), Unsubscribe,
//! the two listings, and Get/SetSubscriptionAttributes.

use std::collections::BTreeMap;

use rand::Rng;
use serde_json::json;
use trailroom_audit::{CallContext, store_failure};
use trailroom_protocol::ApiError;
use trailroom_protocol::query::{QueryParams, XmlWriter};
use trailroom_store::{ReadTxn, Store};

use crate::delivery::{Outgoing, send_in_background};
use crate::messages::{subscription_confirmation, timestamp};
use crate::output::{SnsOutput, invalid_parameter, not_found, required, write_attributes};
use crate::records::{
    SUBSCRIPTION_KIND, SubscriptionRecord, SubscriptionStatus, topic_of_subscription,
};
use crate::topics::{OwnedTopic, authorize, find_topic, load_topic, page};

/// What ListSubscriptions shows in place of the ARN of an unconfirmed subscription.
const PENDING: &str = "PendingConfirmation";

/// Attributes a client may set on a subscription.
const SETTABLE: [&str; 4] = [
    "RawMessageDelivery",
    "DeliveryPolicy",
    "FilterPolicy",
    "RedrivePolicy",
];

fn new_token() -> String {
    let bytes: [u8; 64] = rand::rng().random();
    hex::encode(bytes)
}

fn check_endpoint(protocol: &str, endpoint: &str) -> Result<(), ApiError> {
    let scheme = match protocol {
        "http" => "http://",
        "https" => "https://",
        _ => {
            return Err(invalid_parameter(
                "Amazon SNS does not support this protocol",
            ));
        }
    };
    let valid = endpoint
        .strip_prefix(scheme)
        .is_some_and(|rest| !rest.is_empty() && endpoint.parse::<http::Uri>().is_ok());
    if valid {
        Ok(())
    } else {
        Err(invalid_parameter("Endpoint"))
    }
}

pub(crate) async fn subscribe(
    ctx: &CallContext,
    params: &QueryParams,
    service_url: &str,
) -> Result<SnsOutput, ApiError> {
    let topic_arn = required(params, "TopicArn")?.to_owned();
    let protocol = required(params, "Protocol")?.to_ascii_lowercase();
    let endpoint = required(params, "Endpoint")?.to_owned();
    check_endpoint(&protocol, &endpoint)?;
    let topic = load_topic(ctx, &topic_arn)?;
    authorize(ctx.caller(), &topic, "Subscribe")?;
    if topic.record.is_fifo() {
        // FIFO topics deliver only to SQS queues, which this endpoint does not serve.
        return Err(invalid_parameter(&format!(
            "Invalid protocol type: {protocol}"
        )));
    }
    let mut attributes = BTreeMap::new();
    for (k, v) in crate::output::entries(params, "Attributes") {
        if !SETTABLE.contains(&k.as_str()) {
            return Err(invalid_parameter("Attributes"));
        }
        attributes.insert(k, v);
    }
    let return_arn = params
        .get("ReturnSubscriptionArn")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    // Subscribing the same endpoint again returns the existing subscription.
    let existing = ctx
        .read(|txn| subscriptions_of(txn, &topic))?
        .into_iter()
        .find(|s| s.protocol == protocol && s.endpoint == endpoint);
    let record = existing.unwrap_or_else(|| SubscriptionRecord {
        subscription_arn: format!("{topic_arn}:{}", uuid::Uuid::new_v4()),
        topic_arn: topic_arn.clone(),
        owner: ctx.account_id().to_owned(),
        protocol,
        endpoint,
        status: SubscriptionStatus::PendingConfirmation,
        token: new_token(),
        attributes,
        confirmation_was_authenticated: false,
        service_url: service_url.to_owned(),
        created_ms: ctx.now_ms(),
    });
    let shown = if record.status == SubscriptionStatus::Confirmed || return_arn {
        record.subscription_arn.clone()
    } else {
        "pending confirmation".to_owned()
    };
    let output = SnsOutput::new(json!({"subscriptionArn": shown}), |x| {
        x.element("SubscriptionArn", &shown);
    });
    let stored = record.clone();
    let owner = topic.owner.clone();
    let output = ctx
        .write(move |txn| {
            find_topic(txn, &stored.topic_arn)?.ok_or_else(|| not_found("Topic does not exist"))?;
            txn.put(&stored.to_doc(&owner).map_err(store_failure)?)
                .map_err(store_failure)?;
            Ok(output)
        })
        .await?;
    if record.status == SubscriptionStatus::PendingConfirmation {
        send_confirmation(&record, ctx.now_ms());
    }
    Ok(output)
}

/// POSTs the `SubscriptionConfirmation` message to the endpoint.
fn send_confirmation(record: &SubscriptionRecord, now_ms: i64) {
    let message_id = uuid::Uuid::new_v4().to_string();
    let body = subscription_confirmation(
        &message_id,
        &record.topic_arn,
        &record.token,
        &timestamp(now_ms),
        &record.service_url,
    );
    send_in_background(Outgoing {
        url: record.endpoint.clone(),
        message_type: "SubscriptionConfirmation",
        message_id,
        topic_arn: record.topic_arn.clone(),
        subscription_arn: None,
        body,
        raw: false,
    });
}

/// Every subscription of a topic.
pub(crate) fn subscriptions_of(
    txn: &dyn ReadTxn,
    topic: &OwnedTopic,
) -> Result<Vec<SubscriptionRecord>, ApiError> {
    txn.list_children(&topic.owner, SUBSCRIPTION_KIND, &topic.record.topic_arn)
        .map_err(store_failure)?
        .iter()
        .map(|d| d.decode().map_err(store_failure))
        .collect()
}

/// Confirms the subscription of `topic_arn` holding `token`; returns its ARN.
fn confirm_in(
    txn: &mut dyn trailroom_store::WriteTxn,
    topic_arn: &str,
    token: &str,
    authenticated: bool,
    authenticate_on_unsubscribe: bool,
) -> Result<String, ApiError> {
    let topic = find_topic(txn, topic_arn)?.ok_or_else(|| not_found("Topic does not exist"))?;
    let mut record = subscriptions_of(txn, &topic)?
        .into_iter()
        .find(|s| s.token == token)
        .ok_or_else(|| invalid_parameter("Token"))?;
    if record.status == SubscriptionStatus::PendingConfirmation {
        record.status = SubscriptionStatus::Confirmed;
        record.confirmation_was_authenticated = authenticated;
        if authenticate_on_unsubscribe {
            record
                .attributes
                .insert("AuthenticateOnUnsubscribe".into(), "true".into());
        }
        txn.put(&record.to_doc(&topic.owner).map_err(store_failure)?)
            .map_err(store_failure)?;
    }
    Ok(record.subscription_arn)
}

fn confirmed_output(arn: &str) -> SnsOutput {
    SnsOutput::new(json!({"subscriptionArn": arn}), |x| {
        x.element("SubscriptionArn", arn);
    })
}

pub(crate) async fn confirm(
    ctx: &CallContext,
    params: &QueryParams,
) -> Result<SnsOutput, ApiError> {
    let topic_arn = required(params, "TopicArn")?.to_owned();
    let token = required(params, "Token")?.to_owned();
    let on_unsubscribe = params
        .get("AuthenticateOnUnsubscribe")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    ctx.write(move |txn| {
        confirm_in(txn, &topic_arn, &token, true, on_unsubscribe).map(|arn| confirmed_output(&arn))
    })
    .await
}

/// ConfirmSubscription without credentials (the SubscribeURL a subscriber visits). Records no
/// event: the caller is unknown. Returns the result XML.
pub async fn confirm_anonymously(
    store: &dyn Store,
    params: &QueryParams,
) -> Result<String, ApiError> {
    let topic_arn = required(params, "TopicArn")?.to_owned();
    let token = required(params, "Token")?.to_owned();
    let arn = trailroom_store::write(store, move |txn| {
        confirm_in(txn, &topic_arn, &token, false, false)
    })
    .await
    .map_err(store_failure)??;
    Ok(confirmed_output(&arn).result_xml)
}

/// The subscription named by `arn`, with the account that holds it.
fn find_subscription(
    txn: &dyn ReadTxn,
    arn: &str,
) -> Result<Option<(String, SubscriptionRecord)>, ApiError> {
    let topic = topic_of_subscription(arn).ok_or_else(|| invalid_parameter("SubscriptionArn"))?;
    let doc = txn
        .get(&topic.account, SUBSCRIPTION_KIND, arn)
        .map_err(store_failure)?;
    doc.map(|d| Ok((d.account.clone(), d.decode().map_err(store_failure)?)))
        .transpose()
}

pub(crate) async fn unsubscribe(
    ctx: &CallContext,
    params: &QueryParams,
) -> Result<SnsOutput, ApiError> {
    let arn = required(params, "SubscriptionArn")?.to_owned();
    if let Some((owner, record)) = ctx.read(|txn| find_subscription(txn, &arn))? {
        // The subscriber or whoever may manage the topic.
        if record.owner != ctx.account_id() {
            let topic = load_topic(ctx, &record.topic_arn)?;
            authorize(ctx.caller(), &topic, "Unsubscribe")?;
        }
        return ctx
            .write(move |txn| {
                txn.delete(&owner, SUBSCRIPTION_KIND, &arn)
                    .map_err(store_failure)?;
                Ok(SnsOutput::new(json!(null), |_| {}))
            })
            .await;
    }
    // Unsubscribing twice succeeds.
    ctx.write(|_| Ok(SnsOutput::new(json!(null), |_| {}))).await
}

/// Unsubscribe without credentials (the UnsubscribeURL), refused for subscriptions confirmed with
/// `AuthenticateOnUnsubscribe`. Records no event.
pub async fn unsubscribe_anonymously(
    store: &dyn Store,
    params: &QueryParams,
) -> Result<String, ApiError> {
    let arn = required(params, "SubscriptionArn")?.to_owned();
    trailroom_store::write(store, move |txn| {
        if let Some((owner, record)) = find_subscription(txn, &arn)? {
            if record
                .attributes
                .get("AuthenticateOnUnsubscribe")
                .is_some_and(|v| v == "true")
            {
                return Err(crate::output::authorization_error(
                    "Unsubscribing this subscription requires authentication".into(),
                ));
            }
            txn.delete(&owner, SUBSCRIPTION_KIND, &arn)
                .map_err(store_failure)?;
        }
        Ok(())
    })
    .await
    .map_err(store_failure)??;
    Ok(String::new())
}

fn write_subscriptions(x: &mut XmlWriter, subs: &[SubscriptionRecord]) {
    x.nest("Subscriptions", |list| {
        for s in subs {
            list.nest("member", |m| {
                let arn = match s.status {
                    SubscriptionStatus::Confirmed => s.subscription_arn.as_str(),
                    SubscriptionStatus::PendingConfirmation => PENDING,
                };
                m.element("SubscriptionArn", arn)
                    .element("Owner", &s.owner)
                    .element("Protocol", &s.protocol)
                    .element("Endpoint", &s.endpoint)
                    .element("TopicArn", &s.topic_arn);
            });
        }
    });
}

fn listing(subs: Vec<SubscriptionRecord>, params: &QueryParams) -> Result<SnsOutput, ApiError> {
    let (subs, next) = page(subs, params)?;
    Ok(SnsOutput::new(json!(null), |x| {
        write_subscriptions(x, &subs);
        if let Some(next) = &next {
            x.element("NextToken", next);
        }
    }))
}

pub(crate) fn list(ctx: &CallContext, params: &QueryParams) -> Result<SnsOutput, ApiError> {
    let account = ctx.account_id().to_owned();
    let region = ctx.region().to_owned();
    let docs = ctx.read(|txn| txn.list(&account, SUBSCRIPTION_KIND).map_err(store_failure))?;
    let subs: Vec<SubscriptionRecord> = docs
        .iter()
        .filter_map(|d| d.decode::<SubscriptionRecord>().ok())
        .filter(|s| topic_of_subscription(&s.subscription_arn).is_some_and(|t| t.region == region))
        .collect();
    listing(subs, params)
}

pub(crate) fn list_by_topic(
    ctx: &CallContext,
    params: &QueryParams,
) -> Result<SnsOutput, ApiError> {
    let topic = load_topic(ctx, required(params, "TopicArn")?)?;
    authorize(ctx.caller(), &topic, "ListSubscriptionsByTopic")?;
    let subs = ctx.read(|txn| subscriptions_of(txn, &topic))?;
    listing(subs, params)
}

pub(crate) fn get_attributes(
    ctx: &CallContext,
    params: &QueryParams,
) -> Result<SnsOutput, ApiError> {
    let arn = required(params, "SubscriptionArn")?;
    let (_, record) = ctx
        .read(|txn| find_subscription(txn, arn))?
        .ok_or_else(|| not_found("Subscription does not exist"))?;
    if record.owner != ctx.account_id() {
        let topic = load_topic(ctx, &record.topic_arn)?;
        authorize(ctx.caller(), &topic, "GetSubscriptionAttributes")?;
    }
    let mut attributes = record.attributes.clone();
    let pending = record.status == SubscriptionStatus::PendingConfirmation;
    attributes.insert("SubscriptionArn".into(), record.subscription_arn.clone());
    attributes.insert("TopicArn".into(), record.topic_arn.clone());
    attributes.insert("Owner".into(), record.owner.clone());
    attributes.insert("Protocol".into(), record.protocol.clone());
    attributes.insert("Endpoint".into(), record.endpoint.clone());
    attributes.insert("PendingConfirmation".into(), pending.to_string());
    attributes.insert(
        "ConfirmationWasAuthenticated".into(),
        record.confirmation_was_authenticated.to_string(),
    );
    attributes
        .entry("RawMessageDelivery".into())
        .or_insert_with(|| "false".into());
    Ok(SnsOutput::new(json!(null), |x| {
        write_attributes(x, &attributes)
    }))
}

pub(crate) async fn set_attributes(
    ctx: &CallContext,
    params: &QueryParams,
) -> Result<SnsOutput, ApiError> {
    let arn = required(params, "SubscriptionArn")?.to_owned();
    let name = required(params, "AttributeName")?.to_owned();
    let value = params.get("AttributeValue").unwrap_or_default().to_owned();
    if !SETTABLE.contains(&name.as_str()) {
        return Err(invalid_parameter("AttributeName"));
    }
    let (_, record) = ctx
        .read(|txn| find_subscription(txn, &arn))?
        .ok_or_else(|| not_found("Subscription does not exist"))?;
    if record.owner != ctx.account_id() {
        let topic = load_topic(ctx, &record.topic_arn)?;
        authorize(ctx.caller(), &topic, "SetSubscriptionAttributes")?;
    }
    ctx.write(move |txn| {
        let (owner, mut current) = find_subscription(txn, &arn)?
            .ok_or_else(|| not_found("Subscription does not exist"))?;
        current.attributes.insert(name, value);
        txn.put(&current.to_doc(&owner).map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(SnsOutput::new(json!(null), |_| {}))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_match_the_protocol() {
        assert!(check_endpoint("http", "http://127.0.0.1:8080/hook").is_ok());
        assert!(check_endpoint("https", "https://example.com/").is_ok());
        assert!(check_endpoint("https", "http://example.com/").is_err());
        assert!(check_endpoint("http", "http://").is_err());
        assert!(check_endpoint("email", "a@b.c").is_err());
        assert_eq!(new_token().len(), 128);
    }
}
