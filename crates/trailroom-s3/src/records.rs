//! What is stored about buckets and objects, and the names and ARNs derived from them.
//!
//! A bucket is a document of kind [`BUCKET_KIND`] (id = bucket name, account = owner) whose body is
//! exactly [`BucketRecord`]: the trail code of another crate reads this shape to check bucket
//! policies, so fields are only ever added with care. An object is a document of kind
//! [`OBJECT_KIND`] (id = `<bucket>/<key>`, parent = bucket) holding its metadata and the name of the
//! file with its bytes; ids sort like keys, so listings page straight from the store.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trailroom_store::{Doc, StoreResult};

/// Document kind of buckets.
pub const BUCKET_KIND: &str = "s3_bucket";
/// Document kind of objects.
pub const OBJECT_KIND: &str = "s3_object";

/// A bucket as stored. The JSON shape is a contract with the trail code: keep it exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketRecord {
    /// The bucket name (also the document id).
    #[serde(rename = "Name")]
    pub name: String,
    /// The region given at creation (`us-east-1` when none was).
    #[serde(rename = "Region")]
    pub region: String,
    /// Creation time, ms since the epoch.
    #[serde(rename = "CreatedMs")]
    pub created_ms: i64,
    /// The bucket policy as the client sent it, or `null`.
    #[serde(rename = "Policy")]
    pub policy: Option<String>,
    /// Configuration subresources by name (`tagging`, `versioning`, `publicAccessBlock`, …),
    /// each the JSON of its s3s type; absent when never set (or deleted).
    #[serde(rename = "Config", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, serde_json::Value>,
}

impl BucketRecord {
    /// The document for this bucket, owned by `account`.
    pub fn to_doc(&self, account: &str) -> StoreResult<Doc> {
        Doc::new(account, BUCKET_KIND, &self.name, self)
    }
}

/// An object's metadata as stored; its bytes live in the file named by `blob`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRecord {
    /// The bucket.
    #[serde(rename = "Bucket")]
    pub bucket: String,
    /// The key.
    #[serde(rename = "Key")]
    pub key: String,
    /// Size in bytes.
    #[serde(rename = "Size")]
    pub size: u64,
    /// Hex MD5 of the bytes, without quotes.
    #[serde(rename = "ETag")]
    pub etag: String,
    /// `Content-Type` given at upload.
    #[serde(rename = "ContentType")]
    pub content_type: String,
    /// Other standard headers given at upload (`Content-Encoding`, `Cache-Control`, …).
    #[serde(rename = "Headers", default)]
    pub headers: BTreeMap<String, String>,
    /// User metadata (`x-amz-meta-*`, without the prefix, lower-case names).
    #[serde(rename = "Metadata", default)]
    pub metadata: BTreeMap<String, String>,
    /// Last modification, ms since the epoch.
    #[serde(rename = "LastModifiedMs")]
    pub last_modified_ms: i64,
    /// File name of the bytes, relative to the bucket's directory.
    #[serde(rename = "Blob")]
    pub blob: String,
}

impl ObjectRecord {
    /// The document for this object, in the bucket owner's `account`.
    pub fn to_doc(&self, account: &str) -> StoreResult<Doc> {
        Ok(Doc::new(
            account,
            OBJECT_KIND,
            &object_id(&self.bucket, &self.key),
            self,
        )?
        .with_parent(self.bucket.clone()))
    }
}

/// The document id of an object: `<bucket>/<key>`, so ids of one bucket sort like its keys.
pub fn object_id(bucket: &str, key: &str) -> String {
    format!("{bucket}/{key}")
}

/// `arn:aws:s3:::<bucket>`.
pub fn bucket_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

/// `arn:aws:s3:::<bucket>/<key>`.
pub fn object_arn(bucket: &str, key: &str) -> String {
    format!("arn:aws:s3:::{bucket}/{key}")
}

/// The canonical user id S3 shows as an account's owner id: 64 hex characters, stable per account.
pub fn canonical_user_id(account: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(format!(
        "trailroom-canonical-user:{account}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_body_has_the_agreed_shape() {
        let record = BucketRecord {
            name: "logs".into(),
            region: "eu-west-1".into(),
            created_ms: 5,
            policy: None,
            config: Default::default(),
        };
        let doc = record.to_doc("123456789012").unwrap();
        assert_eq!(doc.kind, "s3_bucket");
        assert_eq!(doc.id, "logs");
        assert_eq!(
            doc.body,
            serde_json::json!({"Name": "logs", "Region": "eu-west-1", "CreatedMs": 5, "Policy": null})
        );
    }

    #[test]
    fn object_ids_sort_like_keys_within_a_bucket() {
        assert!(object_id("b", "a/b") < object_id("b", "a0"));
        assert_eq!(object_arn("b", "k/x"), "arn:aws:s3:::b/k/x");
        assert_eq!(canonical_user_id("1").len(), 64);
        assert_ne!(canonical_user_id("1"), canonical_user_id("2"));
    }
}
