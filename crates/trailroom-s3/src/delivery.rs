//! Writes by AWS services on their own behalf (CloudTrail delivering log and digest files), not
//! over HTTP: the bucket policy must allow the service principal, exactly as S3 checks it.
//!
//! These writes record no event: a service's own delivery is not a call of the account, and
//! recording it would feed the trail that is being delivered.

use std::collections::BTreeMap;

use bytes::Bytes;
use trailroom_protocol::ApiError;
use trailroom_store::Store;

use crate::blobs::BlobStore;
use crate::objects::{Attributes, new_record, store_object};
use crate::records::{bucket_arn, object_arn};
use crate::service::{OwnedBucket, find_bucket};
use trailroom_policy::resource::allows;

/// Why a service could not use a bucket. `code` is S3's error code (`NoSuchBucket`,
/// `AccessDenied`, `InternalError`), which CloudTrail reports as `LatestDeliveryError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct S3DeliveryError {
    code: String,
    message: String,
}

impl S3DeliveryError {
    /// S3's error code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// S3's message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<ApiError> for S3DeliveryError {
    fn from(err: ApiError) -> Self {
        Self {
            code: err.code().to_owned(),
            message: err.message().to_owned(),
        }
    }
}

/// The canned ACL CloudTrail sends with every PutObject, which its required policy tests.
const SERVICE_ACL: &str = "bucket-owner-full-control";

/// The condition keys of a service's request on behalf of `source_arn`.
fn service_context(source_arn: &str) -> BTreeMap<String, String> {
    let mut context = BTreeMap::new();
    context.insert("aws:SourceArn".to_owned(), source_arn.to_owned());
    if let Some(account) = source_arn.split(':').nth(4).filter(|a| !a.is_empty()) {
        context.insert("aws:SourceAccount".to_owned(), account.to_owned());
    }
    context.insert("s3:x-amz-acl".to_owned(), SERVICE_ACL.to_owned());
    context
}

fn denied() -> S3DeliveryError {
    crate::errors::access_denied().into()
}

fn load_bucket(store: &dyn Store, bucket: &str) -> Result<OwnedBucket, S3DeliveryError> {
    trailroom_store::read(store, |txn| find_bucket(txn, bucket))
        .map_err(trailroom_audit::store_failure)??
        .ok_or_else(|| crate::errors::no_such_bucket().into())
}

/// Whether `bucket` exists and its policy lets `service_principal` perform `action` (for example
/// `s3:GetBucketAcl` on the bucket, or `s3:PutObject` on `key`) on behalf of `source_arn`.
/// `key` = `None` checks the bucket ARN itself.
pub fn check_service_access(
    store: &dyn Store,
    bucket: &str,
    key: Option<&str>,
    action: &str,
    service_principal: &str,
    source_arn: &str,
) -> Result<(), S3DeliveryError> {
    let owned = load_bucket(store, bucket)?;
    let resource = key.map_or_else(|| bucket_arn(bucket), |k| object_arn(bucket, k));
    let policy = owned.record.policy.as_deref().ok_or_else(denied)?;
    if allows(
        policy,
        service_principal,
        action,
        &resource,
        &service_context(source_arn),
    ) {
        Ok(())
    } else {
        Err(denied())
    }
}

/// Stores an object as `service_principal` (e.g. `cloudtrail.amazonaws.com`) acting for
/// `source_arn` (e.g. the trail ARN): the bucket must exist and its policy must allow
/// `s3:PutObject` on the key with the `bucket-owner-full-control` ACL. `metadata` becomes the
/// object's user metadata (`x-amz-meta-*`). The object is durable when this returns `Ok`.
#[allow(clippy::too_many_arguments)] // the shape agreed with the trail code
pub async fn put_object_as_service(
    store: &dyn Store,
    blobs: &BlobStore,
    bucket: &str,
    key: &str,
    bytes: impl Into<Bytes>,
    metadata: BTreeMap<String, String>,
    service_principal: &str,
    source_arn: &str,
    now_ms: i64,
) -> Result<(), S3DeliveryError> {
    check_service_access(
        store,
        bucket,
        Some(key),
        "s3:PutObject",
        service_principal,
        source_arn,
    )?;
    let owner = load_bucket(store, bucket)?.owner;
    let bytes = bytes.into();
    let attributes = Attributes {
        content_type: None,
        headers: BTreeMap::new(),
        metadata: metadata
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect(),
    };
    let record = new_record(bucket, key, &bytes, attributes, now_ms);
    store_object(blobs, store, &owner, record, bytes, None).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use trailroom_store::Store;
    use trailroom_store_sqlite::SqliteStore;

    use super::*;
    use crate::records::{BucketRecord, OBJECT_KIND, ObjectRecord};

    const TRAIL: &str = "arn:aws:cloudtrail:us-east-1:123456789012:trail/t";
    const SERVICE: &str = "cloudtrail.amazonaws.com";

    async fn bucket(store: &dyn Store, name: &str, policy: Option<String>) {
        let record = BucketRecord {
            name: name.into(),
            region: "us-east-1".into(),
            created_ms: 0,
            policy,
            config: Default::default(),
        };
        let doc = record.to_doc("123456789012").unwrap();
        trailroom_store::write(store, move |txn| txn.put(&doc))
            .await
            .unwrap()
            .unwrap();
    }

    fn policy(bucket: &str) -> String {
        serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": SERVICE},
            "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{bucket}/AWSLogs/123456789012/*"),
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL}}}]})
        .to_string()
    }

    #[tokio::test]
    async fn service_writes_follow_the_bucket_policy() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = SqliteStore::open(&dir.path().join("db")).unwrap();
        let store = store.as_ref();
        bucket(store, "logs", Some(policy("logs"))).await;
        bucket(store, "open", None).await;
        let key = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/01/01/x.json.gz";
        let meta = BTreeMap::from([("Signature".to_owned(), "abc".to_owned())]);
        let blobs = BlobStore::new(dir.path());
        let put = |bucket: &'static str, key: &'static str, source: &'static str| {
            put_object_as_service(
                store,
                &blobs,
                bucket,
                key,
                b"gz".to_vec(),
                meta.clone(),
                SERVICE,
                source,
                0,
            )
        };
        put("logs", key, TRAIL).await.unwrap();
        let doc = trailroom_store::read(store, |txn| {
            txn.get("123456789012", OBJECT_KIND, &format!("logs/{key}"))
        })
        .unwrap()
        .unwrap()
        .unwrap();
        let object: ObjectRecord = doc.decode().unwrap();
        assert_eq!(
            (object.size, object.metadata["signature"].as_str()),
            (2, "abc")
        );
        let blob = BlobStore::new(dir.path())
            .read("logs", &object.blob, None)
            .await
            .unwrap();
        assert_eq!(&blob[..], b"gz");
        let denied = |e: S3DeliveryError| e.code().to_owned();
        assert_eq!(
            denied(put("logs", "elsewhere/x", TRAIL).await.unwrap_err()),
            "AccessDenied"
        );
        assert_eq!(
            denied(
                put(
                    "logs",
                    key,
                    "arn:aws:cloudtrail:us-east-1:123456789012:trail/other"
                )
                .await
                .unwrap_err()
            ),
            "AccessDenied"
        );
        assert_eq!(
            denied(put("open", key, TRAIL).await.unwrap_err()),
            "AccessDenied"
        );
        assert_eq!(
            denied(put("missing", key, TRAIL).await.unwrap_err()),
            "NoSuchBucket"
        );
        assert!(
            check_service_access(store, "logs", Some(key), "s3:PutObject", SERVICE, TRAIL).is_ok()
        );
        assert!(
            check_service_access(store, "logs", None, "s3:GetBucketAcl", SERVICE, TRAIL).is_err()
        );
    }
}
