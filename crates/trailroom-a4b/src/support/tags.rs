//! Tags on A4B resources: stored beside the resource under the same ARN, so they die with it.

use std::collections::BTreeMap;

use trailroom_model::a4b::Tag;
use trailroom_protocol::ApiError;

use crate::support::errors::invalid;

/// Kind of the tag documents (one per tagged ARN).
pub const KIND: &str = "a4b_tags";

/// At most this many tags per resource.
pub const MAX_TAGS: usize = 50;

/// Merges `tags` into `existing`, enforcing the system-prefix and count rules.
pub fn merge(existing: &mut BTreeMap<String, String>, tags: &[Tag]) -> Result<(), ApiError> {
    for tag in tags {
        let key = tag.key.clone().unwrap_or_default();
        if key.starts_with("aws:") {
            return Err(invalid(
                "Tag keys starting with 'aws:' are reserved for AWS use.",
            ));
        }
        existing.insert(key, tag.value.clone().unwrap_or_default());
    }
    if existing.len() > MAX_TAGS {
        return Err(invalid(format!(
            "A resource can have at most {MAX_TAGS} tags."
        )));
    }
    Ok(())
}

/// Tags as the model's list.
pub fn to_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag {
            key: Some(k.clone()),
            value: Some(v.clone()),
        })
        .collect()
}

/// Stores `tags` for a freshly created resource at `arn`.
pub fn set_on_create(
    tx: &mut dyn trailroom_store::WriteTxn,
    account: &str,
    arn: &str,
    tags: Option<&[Tag]>,
) -> Result<(), ApiError> {
    let Some(tags) = tags.filter(|t| !t.is_empty()) else {
        return Ok(());
    };
    let mut map = BTreeMap::new();
    merge(&mut map, tags)?;
    save(tx, account, arn, &map)
}

/// The tags of `arn`.
pub fn load(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
    arn: &str,
) -> Result<BTreeMap<String, String>, ApiError> {
    let doc = txn
        .get(account, KIND, arn)
        .map_err(trailroom_audit::store_failure)?;
    Ok(doc
        .map(|d| d.decode().map_err(trailroom_audit::store_failure))
        .transpose()?
        .unwrap_or_default())
}

/// Replaces the tags of `arn`.
pub fn save(
    tx: &mut dyn trailroom_store::WriteTxn,
    account: &str,
    arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let doc = trailroom_store::Doc::new(account, KIND, arn, tags)
        .map_err(trailroom_audit::store_failure)?;
    tx.put(&doc).map_err(trailroom_audit::store_failure)
}

/// Drops the tags of a deleted resource.
pub fn forget(
    tx: &mut dyn trailroom_store::WriteTxn,
    account: &str,
    arn: &str,
) -> Result<(), ApiError> {
    tx.delete(account, KIND, arn)
        .map(|_| ())
        .map_err(trailroom_audit::store_failure)
}
