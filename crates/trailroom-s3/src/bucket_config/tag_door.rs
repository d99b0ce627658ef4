//! Bucket tags through the Resource Groups Tagging API: the same `tagging` configuration
//! PutBucketTagging writes, listed per account and region and changed key by key with S3's rules.

use std::collections::BTreeMap;

use s3s::dto::{Tag, Tagging};
use trailroom_audit::store_failure;
use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, WriteTxn};

use super::settings::{TAGGING, bucket_tags, check_tags};
use crate::records::{BUCKET_KIND, BucketRecord, bucket_arn};
use crate::service::{OwnedBucket, find_bucket};

/// The buckets of `account` created in `region`, as ARNs with their tags.
pub fn buckets_with_tags(
    txn: &dyn ReadTxn,
    account: &str,
    region: &str,
) -> Result<Vec<trailroom_audit::TaggedResource>, ApiError> {
    let docs = txn.list(account, BUCKET_KIND).map_err(store_failure)?;
    let mut out = Vec::new();
    for doc in docs {
        let record: BucketRecord = doc.decode().map_err(store_failure)?;
        if record.region != region {
            continue;
        }
        let bucket = OwnedBucket {
            owner: doc.account,
            record,
        };
        let tags = bucket_tags(&bucket).into_iter().collect();
        out.push((bucket_arn(&bucket.record.name), tags));
    }
    Ok(out)
}

/// Adds `add` to and removes the keys `remove` from the tags of the bucket `arn` of `account`.
pub fn change_bucket_tags(
    txn: &mut dyn WriteTxn,
    account: &str,
    arn: &str,
    add: &BTreeMap<String, String>,
    remove: &[String],
) -> Result<(), ApiError> {
    let no_such_bucket = || ApiError::client("NoSuchBucket", "The specified bucket does not exist");
    let name = arn
        .strip_prefix("arn:aws:s3:::")
        .filter(|n| !n.is_empty() && !n.contains('/'))
        .ok_or_else(no_such_bucket)?;
    let mut bucket = find_bucket(&*txn, name)?
        .filter(|b| b.owner == account)
        .ok_or_else(no_such_bucket)?;
    let mut tags: BTreeMap<String, String> = bucket_tags(&bucket).into_iter().collect();
    tags.extend(add.iter().map(|(k, v)| (k.clone(), v.clone())));
    tags.retain(|k, _| !remove.contains(k));
    let tag_set: Vec<Tag> = tags
        .into_iter()
        .map(|(key, value)| Tag {
            key: Some(key),
            value: Some(value),
        })
        .collect();
    check_tags(&tag_set)?;
    if tag_set.is_empty() {
        bucket.record.config.remove(TAGGING.key);
    } else {
        let value = serde_json::to_value(Tagging { tag_set }).map_err(|_| ApiError::internal())?;
        bucket.record.config.insert(TAGGING.key.to_owned(), value);
    }
    txn.put(&bucket.record.to_doc(&bucket.owner).map_err(store_failure)?)
        .map_err(store_failure)
}
