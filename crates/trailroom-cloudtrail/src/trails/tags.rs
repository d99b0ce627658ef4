//! AddTags, RemoveTags, ListTags on trails and event data stores (by ARN), and the tag rules
//! CreateTrail and CreateEventDataStore share.

use std::collections::BTreeMap;
use trailroom_audit::{CallContext, store_failure};
use trailroom_model::cloudtrail::{
    AddTagsRequest, AddTagsResponse, ListTagsRequest, ListTagsResponse, RemoveTagsRequest,
    RemoveTagsResponse, ResourceTag, Tag,
};
use trailroom_protocol::ApiError;

use trailroom_store::{ReadTxn, WriteTxn};

use super::names::parse_trail_arn;
use super::record::{TagRecord, TrailRecord};
use super::resolve::{Caller, home_region_only, wrong_region};
use super::{TRAIL_RESOURCE_TYPE, required};
use crate::lake::channels::{CHANNEL_RESOURCE_TYPE, ChannelRecord, find_channel};
use crate::lake::dashboards::{DASHBOARD_RESOURCE_TYPE, DashboardRecord, find_dashboard};
use crate::lake::{EDS_KIND, EDS_RESOURCE_TYPE, EdsStatus, EventDataStoreRecord, not_found};

/// Tags per trail.
pub const MAX_TAGS: usize = 50;
/// ARNs per ListTags call.
pub const MAX_LIST_TAGS_RESOURCES: usize = 20;

/// Stored tags on the wire.
pub(crate) fn tags_to_wire(tags: &[TagRecord]) -> Vec<Tag> {
    tags.iter()
        .map(|t| Tag {
            key: Some(t.key.clone()),
            value: t.value.clone(),
        })
        .collect()
}

/// `existing` with `added` applied (new values overwrite), after checking every tag.
pub(crate) fn checked_tags(
    existing: &[TagRecord],
    added: &[Tag],
) -> Result<Vec<TagRecord>, ApiError> {
    let mut tags = existing.to_vec();
    let mut seen: Vec<&str> = Vec::new();
    for tag in added {
        let key = tag.key.as_deref().unwrap_or_default();
        check_tag(key, tag.value.as_deref())?;
        if seen.contains(&key) {
            return Err(invalid_tag(format!(
                "Duplicate tag key in the request: {key}"
            )));
        }
        seen.push(key);
        match tags.iter_mut().find(|t| t.key == key) {
            Some(existing) => existing.value = tag.value.clone(),
            None => tags.push(TagRecord {
                key: key.to_owned(),
                value: tag.value.clone(),
            }),
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::client(
            "TagsLimitExceededException",
            format!(
                "The number of tags on the resource would be {}; the limit is {MAX_TAGS}.",
                tags.len()
            ),
        ));
    }
    Ok(tags)
}

fn check_tag(key: &str, value: Option<&str>) -> Result<(), ApiError> {
    let key_length = key.chars().count();
    if !(1..=128).contains(&key_length) {
        return Err(invalid_tag(format!(
            "Tag key must be 1 to 128 characters: {key}"
        )));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(invalid_tag(format!(
            "Tag keys starting with aws: are reserved: {key}"
        )));
    }
    if value.is_some_and(|v| v.chars().count() > 256) {
        return Err(invalid_tag(format!(
            "The value of tag {key} is longer than 256 characters."
        )));
    }
    Ok(())
}

fn invalid_tag(message: String) -> ApiError {
    ApiError::client("InvalidTagParameterException", message)
}

/// What a tagging call names: a trail, an event data store, a dashboard or a channel.
enum Tagged {
    Trail(TrailRecord),
    Store(EventDataStoreRecord),
    Dashboard(DashboardRecord),
    Channel(ChannelRecord),
}

impl Tagged {
    fn arn(&self) -> &str {
        match self {
            Self::Trail(t) => &t.trail_arn,
            Self::Store(s) => &s.arn,
            Self::Dashboard(d) => &d.arn,
            Self::Channel(c) => &c.arn,
        }
    }

    fn resource_type(&self) -> &'static str {
        match self {
            Self::Trail(_) => TRAIL_RESOURCE_TYPE,
            Self::Store(_) => EDS_RESOURCE_TYPE,
            Self::Dashboard(_) => DASHBOARD_RESOURCE_TYPE,
            Self::Channel(_) => CHANNEL_RESOURCE_TYPE,
        }
    }

    fn tags(&self) -> &[TagRecord] {
        match self {
            Self::Trail(t) => &t.tags,
            Self::Store(s) => &s.tags,
            Self::Dashboard(d) => &d.tags,
            Self::Channel(c) => &c.tags,
        }
    }

    fn save(&mut self, tx: &mut dyn WriteTxn, tags: Vec<TagRecord>) -> Result<(), ApiError> {
        let doc = match self {
            Self::Trail(t) => {
                t.tags = tags;
                t.to_doc()
            }
            Self::Store(s) => {
                s.tags = tags;
                s.to_doc()
            }
            Self::Dashboard(d) => {
                d.tags = tags;
                d.to_doc()
            }
            Self::Channel(c) => {
                c.tags = tags;
                c.to_doc()
            }
        };
        tx.put(&doc.map_err(store_failure)?).map_err(store_failure)
    }
}

/// The trail or event data store a tagging call names by ARN. `change` asks for the home
/// region (and a store that is not pending deletion).
fn tagged(
    txn: &dyn ReadTxn,
    caller: &Caller<'_>,
    resource_id: &str,
    change: bool,
    now_ms: i64,
) -> Result<Tagged, ApiError> {
    let parts: Vec<&str> = resource_id.splitn(6, ':').collect();
    let resource = parts.get(5).filter(|_| parts.get(2) == Some(&"cloudtrail"));
    if resource.is_some_and(|r| r.starts_with("dashboard/")) {
        return find_dashboard(txn, resource_id, caller.account, caller.region)
            .map(Tagged::Dashboard);
    }
    if resource.is_some_and(|r| r.starts_with("channel/")) {
        return find_channel(txn, caller.account, caller.region, resource_id).map(Tagged::Channel);
    }
    if !parts
        .get(5)
        .is_some_and(|r| r.starts_with("eventdatastore/"))
    {
        return tagged_trail(txn, caller, resource_id, change).map(Tagged::Trail);
    }
    if parts[2] != "cloudtrail" || parts[3] != caller.region || parts[4] != caller.account {
        return Err(not_found(resource_id));
    }
    let store: EventDataStoreRecord = txn
        .get(caller.account, EDS_KIND, resource_id)
        .map_err(store_failure)?
        .map(|doc| doc.decode())
        .transpose()
        .map_err(store_failure)?
        .filter(|s: &EventDataStoreRecord| !s.is_gone(now_ms))
        .ok_or_else(|| not_found(resource_id))?;
    if change && store.status == EdsStatus::PendingDeletion {
        return Err(ApiError::client(
            "InactiveEventDataStoreException",
            format!("The event data store {resource_id} is pending deletion."),
        ));
    }
    Ok(Tagged::Store(store))
}

/// The trail a tagging call names by ARN. `change` asks for the home region.
fn tagged_trail(
    txn: &dyn ReadTxn,
    caller: &Caller<'_>,
    resource_id: &str,
    change: bool,
) -> Result<TrailRecord, ApiError> {
    let not_found = || {
        ApiError::client(
            "ResourceNotFoundException",
            format!("Resource not found: {resource_id}"),
        )
    };
    if !resource_id.starts_with("arn:") {
        return Err(ApiError::client(
            "CloudTrailARNInvalidException",
            format!("{resource_id} is not a valid ARN."),
        ));
    }
    let cloudtrail_resource = resource_id.split(':').nth(2) == Some("cloudtrail");
    let is_trail = resource_id
        .split(':')
        .nth(5)
        .is_some_and(|r| r.starts_with("trail/"));
    if !cloudtrail_resource {
        return Err(ApiError::client(
            "ResourceTypeNotSupportedException",
            format!("Resource type not supported: {resource_id}"),
        ));
    }
    if !is_trail {
        return Err(not_found());
    }
    let arn = parse_trail_arn(resource_id)?;
    if arn.account != caller.account {
        return Err(not_found());
    }
    let trail = match caller.trail_by_arn(txn, &arn.text)? {
        Some(trail) if trail.visible_in(caller.region) => trail,
        _ if arn.region != caller.region => return Err(wrong_region(caller.region)),
        _ => return Err(not_found()),
    };
    if change && trail.is_shadow_in(caller.region) {
        return Err(home_region_only(&trail));
    }
    Ok(trail)
}

/// AddTags: new keys are added, existing keys get the new value (or none).
pub(crate) async fn add_tags(
    ctx: &CallContext,
    input: AddTagsRequest,
) -> Result<AddTagsResponse, ApiError> {
    let resource_id = required(input.resource_id, "ResourceId")?;
    let added = input.tags_list.unwrap_or_default();
    change_tags(
        ctx,
        resource_id,
        move |tags| checked_tags(tags, &added),
        AddTagsResponse {},
    )
    .await
}

/// RemoveTags: removes each key (only when its value matches, if a value is given).
pub(crate) async fn remove_tags(
    ctx: &CallContext,
    input: RemoveTagsRequest,
) -> Result<RemoveTagsResponse, ApiError> {
    let resource_id = required(input.resource_id, "ResourceId")?;
    let removed = input.tags_list.unwrap_or_default();
    let remove = move |tags: &[TagRecord]| {
        for tag in &removed {
            check_tag(tag.key.as_deref().unwrap_or_default(), tag.value.as_deref())?;
        }
        Ok(tags
            .iter()
            .filter(|t| {
                !removed.iter().any(|r| {
                    r.key.as_deref() == Some(t.key.as_str())
                        && (r.value.is_none() || r.value == t.value)
                })
            })
            .cloned()
            .collect())
    };
    change_tags(ctx, resource_id, remove, RemoveTagsResponse {}).await
}

async fn change_tags<R: trailroom_model::Audit + Send + 'static>(
    ctx: &CallContext,
    resource_id: String,
    change: impl FnOnce(&[TagRecord]) -> Result<Vec<TagRecord>, ApiError> + Send + 'static,
    response: R,
) -> Result<R, ApiError> {
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    let call = ctx.clone();
    ctx.write(move |tx| {
        let caller = Caller {
            account: &account,
            region: &region,
        };
        let mut target = tagged(&*tx, &caller, &resource_id, true, now)?;
        call.add_resource(target.resource_type(), target.arn().to_owned());
        let tags = change(target.tags())?;
        target.save(tx, tags)?;
        Ok(response)
    })
    .await
}

/// The trails homed in `region` of `account`, with their tags (a tag without a value has the
/// empty one): what the Resource Groups Tagging API lists.
pub fn trails_with_tags(
    txn: &dyn ReadTxn,
    account: &str,
    region: &str,
) -> Result<Vec<trailroom_audit::TaggedResource>, ApiError> {
    let caller = Caller { account, region };
    Ok(caller
        .all_trails(txn)?
        .into_iter()
        .filter(|trail| trail.home_region == region)
        .map(|trail| {
            let tags = trail
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone().unwrap_or_default()))
                .collect();
            (trail.trail_arn, tags)
        })
        .collect())
}

/// Adds `add` to and removes the keys `remove` from the trail `arn`, with AddTags' rules: the
/// Resource Groups Tagging API's door to the same tags.
pub fn change_trail_tags(
    txn: &mut dyn WriteTxn,
    account: &str,
    region: &str,
    arn: &str,
    add: &BTreeMap<String, String>,
    remove: &[String],
) -> Result<(), ApiError> {
    let caller = Caller { account, region };
    let mut trail = tagged_trail(&*txn, &caller, arn, true)?;
    let added: Vec<Tag> = add
        .iter()
        .map(|(key, value)| Tag {
            key: Some(key.clone()),
            value: Some(value.clone()),
        })
        .collect();
    let mut tags = checked_tags(&trail.tags, &added)?;
    tags.retain(|t| !remove.contains(&t.key));
    trail.tags = tags;
    txn.put(&trail.to_doc().map_err(store_failure)?)
        .map_err(store_failure)
}

/// ListTags: the tags of up to 20 trails visible here.
pub(crate) fn list_tags(
    ctx: &CallContext,
    input: ListTagsRequest,
) -> Result<ListTagsResponse, ApiError> {
    let ids = input.resource_id_list.unwrap_or_default();
    if ids.len() > MAX_LIST_TAGS_RESOURCES {
        return Err(ApiError::client(
            "InvalidParameterException",
            format!("ResourceIdList can name at most {MAX_LIST_TAGS_RESOURCES} resources."),
        ));
    }
    let caller = Caller {
        account: ctx.account_id(),
        region: ctx.region(),
    };
    let targets = ctx.read(|txn| {
        ids.iter()
            .map(|id| tagged(txn, &caller, id, false, ctx.now_ms()))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let resource_tag_list = targets
        .iter()
        .map(|target| ResourceTag {
            resource_id: Some(target.arn().to_owned()),
            tags_list: Some(tags_to_wire(target.tags())),
        })
        .collect();
    Ok(ListTagsResponse {
        resource_tag_list: Some(resource_tag_list),
        next_token: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, value: Option<&str>) -> Tag {
        Tag {
            key: Some(key.into()),
            value: value.map(Into::into),
        }
    }

    #[test]
    fn adding_overwrites_and_keeps_order() {
        let first = checked_tags(&[], &[tag("a", Some("1")), tag("b", None)]).unwrap();
        let second = checked_tags(&first, &[tag("a", Some("2")), tag("c", Some("3"))]).unwrap();
        let keys: Vec<(&str, Option<&str>)> = second
            .iter()
            .map(|t| (t.key.as_str(), t.value.as_deref()))
            .collect();
        assert_eq!(keys, vec![("a", Some("2")), ("b", None), ("c", Some("3"))]);
    }

    #[test]
    fn tag_rules() {
        let code = |tags: &[Tag]| checked_tags(&[], tags).unwrap_err().code().to_owned();
        assert_eq!(code(&[tag("", Some("v"))]), "InvalidTagParameterException");
        assert_eq!(
            code(&[tag(&"k".repeat(129), None)]),
            "InvalidTagParameterException"
        );
        assert_eq!(
            code(&[tag("k", Some(&"v".repeat(257)))]),
            "InvalidTagParameterException"
        );
        assert_eq!(
            code(&[tag("aws:owner", None)]),
            "InvalidTagParameterException"
        );
        assert_eq!(
            code(&[tag("k", None), tag("k", Some("v"))]),
            "InvalidTagParameterException"
        );
        let many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), None)).collect();
        assert_eq!(code(&many), "TagsLimitExceededException");
        assert!(checked_tags(&[], &many[..50]).is_ok());
    }
}
