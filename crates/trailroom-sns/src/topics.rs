//! Topics: CreateTopic, DeleteTopic, ListTopics, GetTopicAttributes, SetTopicAttributes, and who
//! may act on a topic.

use std::collections::BTreeMap;

use serde_json::json;
use trailroom_audit::{CallContext, store_failure};
use trailroom_identity::Caller;
use trailroom_policy::resource::{Decision, PolicyPrincipal, evaluate_text};
use trailroom_protocol::ApiError;
use trailroom_protocol::query::QueryParams;
use trailroom_store::{ReadTxn, WriteTxn};

use crate::output::{
    SnsOutput, authorization_error, entries, invalid_parameter, members, not_found, required,
    write_attributes,
};
use crate::records::{
    DEFAULT_DELIVERY_POLICY, SUBSCRIPTION_KIND, SubscriptionRecord, SubscriptionStatus, TOPIC_KIND,
    TopicArn, TopicRecord, default_policy, is_valid_topic_name,
};
use crate::topic_attributes;

/// Page size of ListTopics and the subscription listings.
pub(crate) const PAGE: usize = 100;

/// A topic and its owner.
pub(crate) struct OwnedTopic {
    pub owner: String,
    pub record: TopicRecord,
}

/// The topic `arn`, as stored (for other services' checks); `None` when there is none, or when
/// `arn` is not a topic ARN.
pub fn topic_named(txn: &dyn ReadTxn, arn: &str) -> Result<Option<TopicRecord>, ApiError> {
    if TopicArn::parse(arn).is_none() {
        return Ok(None);
    }
    Ok(find_topic(txn, arn)?.map(|owned| owned.record))
}

/// The topic named by `arn` in `txn`, if it exists.
pub(crate) fn find_topic(txn: &dyn ReadTxn, arn: &str) -> Result<Option<OwnedTopic>, ApiError> {
    let Some(parsed) = TopicArn::parse(arn) else {
        return Err(invalid_parameter("TopicArn"));
    };
    let doc = txn
        .get(&parsed.account, TOPIC_KIND, arn)
        .map_err(store_failure)?;
    doc.map(|d| {
        Ok(OwnedTopic {
            owner: d.account.clone(),
            record: d.decode().map_err(store_failure)?,
        })
    })
    .transpose()
}

/// Stores `topic` as it now is.
pub(crate) fn save_topic(txn: &mut dyn WriteTxn, topic: &OwnedTopic) -> Result<(), ApiError> {
    let doc = topic.record.to_doc(&topic.owner).map_err(store_failure)?;
    txn.put(&doc).map_err(store_failure)
}

/// The topic, or `NotFound`.
pub(crate) fn load_topic(ctx: &CallContext, arn: &str) -> Result<OwnedTopic, ApiError> {
    ctx.read(|txn| find_topic(txn, arn))?
        .ok_or_else(|| not_found("Topic does not exist"))
}

/// The owner's account may act; another account only as the topic policy allows (`SNS:<action>`).
pub(crate) fn authorize(caller: &Caller, topic: &OwnedTopic, action: &str) -> Result<(), ApiError> {
    let account = caller.principal.account_id();
    let arns = caller.principal.policy_arns();
    let principal = PolicyPrincipal::Aws {
        arns: &arns,
        account,
    };
    let decision = evaluate_text(
        topic.record.policy(),
        &principal,
        &format!("SNS:{action}"),
        &topic.record.topic_arn,
        &BTreeMap::new(),
    );
    match decision {
        Decision::Allow => Ok(()),
        Decision::NotApplicable if topic.owner == account => Ok(()),
        _ => Err(authorization_error(format!(
            "User: {} is not authorized to perform: SNS:{action} on resource: {}",
            caller.principal.arn(),
            topic.record.topic_arn
        ))),
    }
}

/// The tags of a CreateTopic or TagResource call.
pub(crate) fn given_tags(params: &QueryParams) -> BTreeMap<String, String> {
    members(params, "Tags")
        .into_iter()
        .filter_map(|t| {
            Some((
                t.get("Key")?.clone(),
                t.get("Value").cloned().unwrap_or_default(),
            ))
        })
        .collect()
}

fn check_topic_name(name: &str, fifo: bool) -> Result<(), ApiError> {
    if fifo && (!name.ends_with(".fifo") || !is_valid_topic_name(name)) {
        return Err(invalid_parameter(
            "Fifo Topic names must end with .fifo and must be made up of only uppercase and \
             lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 \
             and 256 characters long.",
        ));
    }
    if !fifo && (!is_valid_topic_name(name) || name.ends_with(".fifo")) {
        return Err(invalid_parameter(
            "Topic Name: Topic names must be made up of only uppercase and lowercase ASCII letters, \
             numbers, underscores, and hyphens, and must be between 1 and 256 characters long.",
        ));
    }
    Ok(())
}

pub(crate) async fn create(ctx: &CallContext, params: &QueryParams) -> Result<SnsOutput, ApiError> {
    let name = required(params, "Name")?.to_owned();
    let given = entries(params, "Attributes");
    let fifo = topic_attributes::asks_for_fifo(&given);
    check_topic_name(&name, fifo)?;
    for (k, v) in &given {
        topic_attributes::check(k, v, fifo, true)?;
    }
    let data_protection_policy = params
        .get("DataProtectionPolicy")
        .filter(|p| !p.is_empty())
        .map(str::to_owned);
    if let Some(policy) = &data_protection_policy {
        topic_attributes::check_data_protection_policy(policy)?;
    }
    let account = ctx.account_id().to_owned();
    let arn = TopicArn {
        region: ctx.region().to_owned(),
        account: account.clone(),
        name: name.clone(),
    }
    .to_arn();
    let mut attributes = BTreeMap::from([("Policy".to_owned(), default_policy(&arn, &account))]);
    if fifo {
        // Stored in one spelling, as SNS shows it.
        attributes.insert("FifoTopic".into(), "true".into());
        attributes.insert("ContentBasedDeduplication".into(), "false".into());
    }
    for (k, v) in &given {
        if k != "FifoTopic" {
            attributes.insert(k.clone(), v.clone());
        }
    }
    if attributes.contains_key("ArchivePolicy") {
        attributes.insert(
            "BeginningArchiveTime".into(),
            crate::messages::timestamp(ctx.now_ms()),
        );
    }
    let record = TopicRecord {
        topic_arn: arn.clone(),
        name,
        region: ctx.region().to_owned(),
        attributes,
        tags: given_tags(params),
        data_protection_policy,
    };
    let output = SnsOutput::new(json!({"topicArn": arn}), |x| {
        x.element("TopicArn", &arn);
    });
    ctx.write(move |txn| {
        match find_topic(txn, &record.topic_arn)? {
            None => txn
                .put(&record.to_doc(&account).map_err(store_failure)?)
                .map_err(store_failure)?,
            // Creating an existing topic returns it, as SNS does, unless what is asked for now
            // differs from what it has.
            Some(existing) => check_same_topic(&existing.record, &given, &record.tags)?,
        }
        Ok(output)
    })
    .await
}

/// CreateTopic on an existing topic must not ask for other attributes or tags than it has.
fn check_same_topic(
    existing: &TopicRecord,
    given: &BTreeMap<String, String>,
    tags: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let differs = given.iter().any(|(k, v)| match k.as_str() {
        "FifoTopic" => false,
        _ => existing.attributes.get(k) != Some(v),
    });
    if differs {
        return Err(invalid_parameter(
            "Attributes Reason: Topic already exists with different attributes",
        ));
    }
    if !tags.is_empty() && *tags != existing.tags {
        return Err(invalid_parameter(
            "Tags Reason: Topic already exists with different tags",
        ));
    }
    Ok(())
}

pub(crate) async fn delete(ctx: &CallContext, params: &QueryParams) -> Result<SnsOutput, ApiError> {
    let arn = required(params, "TopicArn")?.to_owned();
    let Some(topic) = ctx.read(|txn| find_topic(txn, &arn))? else {
        // Deleting a topic that does not exist succeeds.
        return ctx.write(|_| Ok(SnsOutput::new(json!(null), |_| {}))).await;
    };
    authorize(ctx.caller(), &topic, "DeleteTopic")?;
    ctx.write(move |txn| {
        delete_topic(txn, &topic.owner, &arn)?;
        Ok(SnsOutput::new(json!(null), |_| {}))
    })
    .await
}

/// Removes a topic and its subscriptions.
fn delete_topic(txn: &mut dyn WriteTxn, owner: &str, arn: &str) -> Result<(), ApiError> {
    let subscriptions = txn
        .list_children(owner, SUBSCRIPTION_KIND, arn)
        .map_err(store_failure)?;
    for sub in subscriptions {
        txn.delete(owner, SUBSCRIPTION_KIND, &sub.id)
            .map_err(store_failure)?;
    }
    txn.delete(owner, TOPIC_KIND, arn).map_err(store_failure)?;
    Ok(())
}

/// A page of `items` after the `NextToken` (an index into the ordered listing).
pub(crate) fn page<T>(
    items: Vec<T>,
    params: &QueryParams,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let start = match params.get("NextToken") {
        Some(token) => token
            .parse::<usize>()
            .map_err(|_| invalid_parameter("NextToken"))?,
        None => 0,
    };
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(PAGE).collect();
    let end = start.saturating_add(PAGE);
    let next = (end < total).then(|| end.to_string());
    Ok((page, next))
}

pub(crate) fn list(ctx: &CallContext, params: &QueryParams) -> Result<SnsOutput, ApiError> {
    let account = ctx.account_id().to_owned();
    let region = ctx.region().to_owned();
    let docs = ctx.read(|txn| txn.list(&account, TOPIC_KIND).map_err(store_failure))?;
    let arns: Vec<String> = docs
        .iter()
        .filter_map(|d| d.decode::<TopicRecord>().ok())
        .filter(|t| t.region == region)
        .map(|t| t.topic_arn)
        .collect();
    let (arns, next) = page(arns, params)?;
    Ok(SnsOutput::new(json!(null), |x| {
        x.nest("Topics", |t| {
            for arn in &arns {
                t.nest("member", |m| {
                    m.element("TopicArn", arn);
                });
            }
        });
        if let Some(next) = &next {
            x.element("NextToken", next);
        }
    }))
}

pub(crate) fn get_attributes(
    ctx: &CallContext,
    params: &QueryParams,
) -> Result<SnsOutput, ApiError> {
    let arn = required(params, "TopicArn")?;
    let topic = load_topic(ctx, arn)?;
    authorize(ctx.caller(), &topic, "GetTopicAttributes")?;
    let subs = ctx.read(|txn| {
        txn.list_children(&topic.owner, SUBSCRIPTION_KIND, arn)
            .map_err(store_failure)
    })?;
    let statuses: Vec<SubscriptionStatus> = subs
        .iter()
        .filter_map(|d| d.decode::<SubscriptionRecord>().ok())
        .map(|s| s.status)
        .collect();
    let count = |status| {
        statuses
            .iter()
            .filter(|s| **s == status)
            .count()
            .to_string()
    };
    let mut attributes = topic.record.attributes.clone();
    attributes.entry("DisplayName".into()).or_default();
    if topic.record.is_fifo() {
        attributes
            .entry("FifoThroughputScope".into())
            .or_insert_with(|| "Topic".into());
    }
    attributes.insert("TopicArn".into(), topic.record.topic_arn.clone());
    attributes.insert("Owner".into(), topic.owner.clone());
    attributes.insert(
        "SubscriptionsConfirmed".into(),
        count(SubscriptionStatus::Confirmed),
    );
    attributes.insert(
        "SubscriptionsPending".into(),
        count(SubscriptionStatus::PendingConfirmation),
    );
    attributes.insert("SubscriptionsDeleted".into(), "0".into());
    let effective = attributes
        .get("DeliveryPolicy")
        .cloned()
        .unwrap_or_else(|| DEFAULT_DELIVERY_POLICY.to_owned());
    attributes.insert("EffectiveDeliveryPolicy".into(), effective);
    Ok(SnsOutput::new(json!(null), |x| {
        write_attributes(x, &attributes)
    }))
}

pub(crate) async fn set_attributes(
    ctx: &CallContext,
    params: &QueryParams,
) -> Result<SnsOutput, ApiError> {
    let arn = required(params, "TopicArn")?.to_owned();
    let name = required(params, "AttributeName")?.to_owned();
    let value = params.get("AttributeValue").unwrap_or_default().to_owned();
    let topic = load_topic(ctx, &arn)?;
    authorize(ctx.caller(), &topic, "SetTopicAttributes")?;
    topic_attributes::check(&name, &value, topic.record.is_fifo(), false)?;
    let now = crate::messages::timestamp(ctx.now_ms());
    ctx.write(move |txn| {
        let mut current =
            find_topic(txn, &arn)?.ok_or_else(|| not_found("Topic does not exist"))?;
        let attributes = &mut current.record.attributes;
        if name == "ArchivePolicy" {
            if value.is_empty() {
                attributes.remove("BeginningArchiveTime");
            } else if !attributes.contains_key("BeginningArchiveTime") {
                attributes.insert("BeginningArchiveTime".into(), now);
            }
        }
        if value.is_empty() && name != "DisplayName" {
            attributes.remove(&name);
        } else {
            attributes.insert(name, value);
        }
        save_topic(txn, &current)?;
        Ok(SnsOutput::new(json!(null), |_| {}))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_by_index() {
        let params = QueryParams::default();
        let (first, next) = page((0..250).collect::<Vec<_>>(), &params).unwrap();
        assert_eq!((first.len(), next.as_deref()), (100, Some("100")));
        let params = QueryParams::parse(b"NextToken=200").unwrap();
        let (last, next) = page((0..250).collect::<Vec<_>>(), &params).unwrap();
        assert_eq!((last.len(), next), (50, None));
        let params = QueryParams::parse(b"NextToken=18446744073709551615").unwrap();
        assert_eq!(page(vec![1], &params).unwrap(), (vec![], None));
        let params = QueryParams::parse(b"NextToken=zz").unwrap();
        assert!(page(vec![1], &params).is_err());
    }

    #[test]
    fn names_follow_the_topic_kind() {
        assert!(check_topic_name("t", false).is_ok());
        assert!(check_topic_name("t.fifo", false).is_err());
        assert!(check_topic_name("t.fifo", true).is_ok());
        assert!(check_topic_name("t", true).is_err());
        assert!(check_topic_name(".fifo", true).is_err());
    }
}
