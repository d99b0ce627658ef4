//! TagResource, UntagResource and ListTags on any A4B resource of the caller's account
//! (a4b.md §6). The ARN's type segment says which records to look in; an ARN that names nothing
//! there, or another account, is NotFound.

use std::collections::BTreeMap;

use serde_json::Value;
use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, WriteTxn};

use crate::arn::Arn;
use crate::support::errors::not_found;
use crate::support::records;
use crate::support::search::{binding, page};
use crate::support::tags;

/// Fails with NotFound unless `arn` is an existing resource of `account`.
fn require_resource(txn: &dyn ReadTxn, account: &str, arn: &str) -> Result<(), ApiError> {
    let parsed = Arn::parse(arn)
        .filter(|a| a.account_id == account)
        .ok_or_else(|| not_found(arn))?;
    records::load::<Value>(txn, account, parsed.resource_type, arn)?
        .ok_or_else(|| not_found(arn))?;
    Ok(())
}

pub(crate) async fn tag_resource(
    ctx: &CallContext,
    input: TagResourceRequest,
) -> Result<TagResourceResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let arn = input.arn.unwrap_or_default();
        require_resource(tx, &account, &arn)?;
        let mut current = tags::load(tx, &account, &arn)?;
        tags::merge(&mut current, input.tags.as_deref().unwrap_or_default())?;
        tags::save(tx, &account, &arn, &current)?;
        Ok(TagResourceResponse {})
    })
    .await
}

pub(crate) async fn untag_resource(
    ctx: &CallContext,
    input: UntagResourceRequest,
) -> Result<UntagResourceResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let arn = input.arn.unwrap_or_default();
        require_resource(tx, &account, &arn)?;
        let mut current = tags::load(tx, &account, &arn)?;
        // Keys the resource does not carry are ignored.
        let before = current.len();
        for key in input.tag_keys.unwrap_or_default() {
            current.remove(&key);
        }
        if current.len() != before {
            tags::save(tx, &account, &arn, &current)?;
        }
        Ok(UntagResourceResponse {})
    })
    .await
}

pub(crate) async fn list_tags(
    ctx: &CallContext,
    input: ListTagsRequest,
) -> Result<ListTagsResponse, ApiError> {
    let arn = input.arn.unwrap_or_default();
    let current = ctx.read(|txn| {
        require_resource(txn, ctx.account_id(), &arn)?;
        tags::load(txn, ctx.account_id(), &arn)
    })?;
    let (items, next_token) = page(
        tags::to_list(&current),
        input.max_results,
        50,
        input.next_token.as_deref(),
        &binding(&("ListTags", &arn)),
    )?;
    Ok(ListTagsResponse {
        tags: Some(items),
        next_token,
    })
}

/// The tagged A4B resources of `account` in `region`, as ARNs with their tags: what the Resource
/// Groups Tagging API lists.
pub fn resources_with_tags(
    txn: &dyn ReadTxn,
    account: &str,
    region: &str,
) -> Result<Vec<trailroom_audit::TaggedResource>, ApiError> {
    let docs = txn
        .list(account, tags::KIND)
        .map_err(trailroom_audit::store_failure)?;
    let mut out = Vec::new();
    for doc in docs {
        let in_region = Arn::parse(&doc.id).is_some_and(|a| a.region == region);
        let current: BTreeMap<String, String> =
            doc.decode().map_err(trailroom_audit::store_failure)?;
        if in_region && !current.is_empty() {
            out.push((doc.id, current));
        }
    }
    Ok(out)
}

/// Adds `add` to and removes the keys `remove` from the resource `arn` of `account`, with
/// TagResource's rules: the Resource Groups Tagging API's door to the same tags.
pub fn change_tags(
    txn: &mut dyn WriteTxn,
    account: &str,
    arn: &str,
    add: &BTreeMap<String, String>,
    remove: &[String],
) -> Result<(), ApiError> {
    require_resource(&*txn, account, arn)?;
    let mut current = tags::load(&*txn, account, arn)?;
    let added: Vec<Tag> = add
        .iter()
        .map(|(key, value)| Tag {
            key: Some(key.clone()),
            value: Some(value.clone()),
        })
        .collect();
    tags::merge(&mut current, &added)?;
    current.retain(|key, _| !remove.contains(key));
    tags::save(txn, account, arn, &current)
}
