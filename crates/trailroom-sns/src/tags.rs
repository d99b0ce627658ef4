//! Topic tags (TagResource, UntagResource, ListTagsForResource) and data protection policies
//! (GetDataProtectionPolicy, PutDataProtectionPolicy). The tag rules are shared with the
//! Resource Groups Tagging API, which edits the same tags through [`apply_tags`].

use std::collections::BTreeMap;

use serde_json::json;
use trailroom_audit::{CallContext, store_failure};
use trailroom_protocol::query::QueryParams;
use trailroom_protocol::{ApiError, StatusCode};
use trailroom_store::{ReadTxn, WriteTxn};

use crate::output::{SnsOutput, invalid_parameter, required};
use crate::records::{TOPIC_KIND, TopicRecord};
use crate::topic_attributes::check_data_protection_policy;
use crate::topics::{OwnedTopic, authorize, find_topic, given_tags, save_topic};

/// SNS's limit of tags on one topic.
pub const MAX_TAGS: usize = 50;

/// Why tags could not be changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// No topic has that ARN.
    #[error("Resource does not exist")]
    NotFound,
    /// A key or value breaks SNS's rules.
    #[error("{0}")]
    Invalid(String),
    /// The topic would have more than [`MAX_TAGS`] tags.
    #[error("Could not complete request: tag quota of per resource exceeded")]
    TooMany,
    /// The store failed (as the client sees it).
    #[error("{0}")]
    Failed(ApiError),
}

impl From<TagError> for ApiError {
    fn from(err: TagError) -> Self {
        match &err {
            TagError::NotFound => {
                ApiError::new("ResourceNotFound", StatusCode::NOT_FOUND, err.to_string())
            }
            TagError::Invalid(what) => invalid_parameter(what),
            TagError::TooMany => ApiError::client("TagLimitExceeded", err.to_string()),
            TagError::Failed(err) => err.clone(),
        }
    }
}

fn check_tag(key: &str, value: &str) -> Result<(), TagError> {
    if key.is_empty() || key.chars().count() > 128 || key.starts_with("aws:") {
        return Err(TagError::Invalid(format!(
            "Tags Reason: invalid tag key {key:?}"
        )));
    }
    if value.chars().count() > 256 {
        return Err(TagError::Invalid(format!(
            "Tags Reason: tag value too long for {key}"
        )));
    }
    Ok(())
}

/// Adds `tags` to the topic `arn` (replacing values of keys it has) and removes `remove`, in
/// `txn`. Returns the topic's tags after the change.
pub fn apply_tags(
    txn: &mut dyn WriteTxn,
    arn: &str,
    tags: &BTreeMap<String, String>,
    remove: &[String],
) -> Result<BTreeMap<String, String>, TagError> {
    for (key, value) in tags {
        check_tag(key, value)?;
    }
    let mut topic = find_topic(txn, arn)
        .map_err(TagError::Failed)?
        .ok_or(TagError::NotFound)?;
    let current = &mut topic.record.tags;
    current.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    for key in remove {
        current.remove(key);
    }
    if current.len() > MAX_TAGS {
        return Err(TagError::TooMany);
    }
    let result = current.clone();
    save_topic(txn, &topic).map_err(TagError::Failed)?;
    Ok(result)
}

/// The topics of `account` in `region`, as ARNs with their tags.
pub fn topics_with_tags(
    txn: &dyn ReadTxn,
    account: &str,
    region: &str,
) -> Result<Vec<trailroom_audit::TaggedResource>, ApiError> {
    let docs = txn.list(account, TOPIC_KIND).map_err(store_failure)?;
    let mut out = Vec::new();
    for doc in docs {
        let topic: TopicRecord = doc.decode().map_err(store_failure)?;
        if topic.region == region {
            out.push((topic.topic_arn, topic.tags));
        }
    }
    Ok(out)
}

fn load_resource(
    ctx: &CallContext,
    params: &QueryParams,
    action: &str,
) -> Result<OwnedTopic, ApiError> {
    let arn = required(params, "ResourceArn")?;
    let topic = ctx
        .read(|txn| find_topic(txn, arn))?
        .ok_or_else(|| ApiError::from(TagError::NotFound))?;
    authorize(ctx.caller(), &topic, action)?;
    Ok(topic)
}

fn tag_keys(params: &QueryParams) -> Vec<String> {
    let mut keys: Vec<(u32, String)> = params
        .iter()
        .filter_map(|(k, v)| {
            let n = k.strip_prefix("TagKeys.member.")?.parse().ok()?;
            Some((n, v.to_owned()))
        })
        .collect();
    keys.sort();
    keys.into_iter().map(|(_, k)| k).collect()
}

pub(crate) async fn tag(ctx: &CallContext, params: &QueryParams) -> Result<SnsOutput, ApiError> {
    let topic = load_resource(ctx, params, "TagResource")?;
    let tags = given_tags(params);
    if tags.is_empty() {
        return Err(invalid_parameter("Tags"));
    }
    let arn = topic.record.topic_arn;
    ctx.write(move |txn| {
        apply_tags(txn, &arn, &tags, &[])?;
        Ok(SnsOutput::new(json!(null), |_| {}))
    })
    .await
}

pub(crate) async fn untag(ctx: &CallContext, params: &QueryParams) -> Result<SnsOutput, ApiError> {
    let topic = load_resource(ctx, params, "UntagResource")?;
    let keys = tag_keys(params);
    if keys.is_empty() {
        return Err(invalid_parameter("TagKeys"));
    }
    let arn = topic.record.topic_arn;
    ctx.write(move |txn| {
        apply_tags(txn, &arn, &BTreeMap::new(), &keys)?;
        Ok(SnsOutput::new(json!(null), |_| {}))
    })
    .await
}

pub(crate) fn list(ctx: &CallContext, params: &QueryParams) -> Result<SnsOutput, ApiError> {
    let topic = load_resource(ctx, params, "ListTagsForResource")?;
    Ok(SnsOutput::new(json!(null), |x| {
        x.nest("Tags", |t| {
            for (key, value) in &topic.record.tags {
                t.nest("member", |m| {
                    m.element("Key", key).element("Value", value);
                });
            }
        });
    }))
}

pub(crate) fn get_data_protection_policy(
    ctx: &CallContext,
    params: &QueryParams,
) -> Result<SnsOutput, ApiError> {
    let topic = load_resource(ctx, params, "GetDataProtectionPolicy")?;
    let policy = topic.record.data_protection_policy.unwrap_or_default();
    Ok(SnsOutput::new(json!(null), |x| {
        x.element("DataProtectionPolicy", &policy);
    }))
}

pub(crate) async fn put_data_protection_policy(
    ctx: &CallContext,
    params: &QueryParams,
) -> Result<SnsOutput, ApiError> {
    let policy = required(params, "DataProtectionPolicy")?.to_owned();
    check_data_protection_policy(&policy)?;
    let topic = load_resource(ctx, params, "PutDataProtectionPolicy")?;
    let arn = topic.record.topic_arn;
    ctx.write(move |txn| {
        let mut current =
            find_topic(txn, &arn)?.ok_or_else(|| ApiError::from(TagError::NotFound))?;
        current.record.data_protection_policy = Some(policy);
        save_topic(txn, &current)?;
        Ok(SnsOutput::new(json!(null), |_| {}))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_rules() {
        assert!(check_tag("team", "audit").is_ok());
        assert!(check_tag("", "x").is_err());
        assert!(check_tag("aws:owner", "x").is_err());
        assert!(check_tag(&"k".repeat(129), "x").is_err());
        assert!(check_tag("k", &"v".repeat(257)).is_err());
    }

    #[test]
    fn tag_keys_in_member_order() {
        let params =
            QueryParams::parse(b"TagKeys.member.2=b&TagKeys.member.1=a&TagKeys.member.10=c")
                .unwrap();
        assert_eq!(tag_keys(&params), ["a", "b", "c"]);
    }
}
