//! Bucket configuration subresources: read, written and deleted as S3 does, each a management
//! event. A configuration is kept in the bucket record as the JSON of its s3s type, under the
//! subresource's name; what an unconfigured bucket answers is each subresource's business
//! ([`settings`] for the ones that are plain documents, [`acl`] for ACLs and policy status,
//! [`listings`] for the analytics, metrics, inventory and intelligent-tiering configurations).
//!
//! Only the owning account manages a bucket's configuration, with the IAM action S3 names for
//! it (`s3:PutBucketTagging`, `s3:GetEncryptionConfiguration`, …).

pub(crate) mod acl;
pub(crate) mod listings;
pub(crate) mod settings;
pub(crate) mod stored;
pub mod tag_door;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use trailroom_audit::{CallContext, store_failure};
use trailroom_model::Empty;
use trailroom_protocol::{ApiError, StatusCode};

use crate::calls::RequestInfo;
use crate::errors;
use crate::records::bucket_arn;
use crate::service::{OwnedBucket, S3Backend, authorize, find_bucket, require_owner};

/// S3's XML namespace, which CloudTrail shows in the configurations it records.
const XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// One configuration subresource.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sub {
    /// Query-string name and storage key (`tagging`).
    pub key: &'static str,
    /// The XML root of its document, as CloudTrail names it in `requestParameters`.
    pub root: &'static str,
    /// IAM action of reads.
    pub get: &'static str,
    /// IAM action of writes (and of deletes, unless S3 names one).
    pub put: &'static str,
}

/// The stored configuration of `sub`, if any.
pub(crate) fn stored<T: DeserializeOwned>(bucket: &OwnedBucket, sub: Sub) -> Option<T> {
    bucket
        .record
        .config
        .get(sub.key)
        .and_then(|value| serde_json::from_value(value.clone()).ok())
}

/// A value as CloudTrail writes a configuration: PascalCase members, no nulls.
pub(crate) fn pascal(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (pascal_name(&k), pascal(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(pascal).collect()),
        other => other,
    }
}

fn pascal_name(snake: &str) -> String {
    snake
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect()
}

impl S3Backend {
    /// The management call of a configuration operation, with `sub`'s empty marker and, for a
    /// write, the document in `requestParameters`.
    pub(crate) fn config_call(
        &self,
        info: &RequestInfo,
        event: &str,
        read_only: bool,
        bucket: &str,
        sub: Sub,
        document: Option<Value>,
    ) -> CallContext {
        let mut extra = Map::new();
        extra.insert(sub.key.to_owned(), json!(""));
        if let Some(Value::Object(mut document)) = document.map(pascal) {
            document.insert("xmlns".into(), XMLNS.into());
            extra.insert(sub.root.to_owned(), Value::Object(document));
        }
        self.bucket_call(info, event, read_only, bucket, Value::Object(extra))
    }

    /// The bucket, if the caller's account owns it and the caller may do `action` on it.
    pub(crate) fn owned_bucket(
        &self,
        info: &RequestInfo,
        name: &str,
        action: &str,
    ) -> Result<OwnedBucket, ApiError> {
        let bucket = self.bucket(name)?;
        require_owner(info, &bucket)?;
        authorize(
            self,
            info,
            &bucket,
            action,
            &bucket_arn(name),
            &Default::default(),
        )?;
        Ok(bucket)
    }

    /// Reads `sub` of bucket `name` for the caller (`sub.get`).
    pub(crate) fn read_config<T: DeserializeOwned>(
        &self,
        info: &RequestInfo,
        name: &str,
        sub: Sub,
    ) -> Result<(OwnedBucket, Option<T>), ApiError> {
        let bucket = self.owned_bucket(info, name, sub.get)?;
        let value = stored(&bucket, sub);
        Ok((bucket, value))
    }

    /// Sets (`Some`) or removes (`None`) `sub` of bucket `name`, after `check` accepts the
    /// bucket as it is inside the write.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn write_config<T: Serialize>(
        &self,
        ctx: &CallContext,
        info: &RequestInfo,
        name: &str,
        action: &str,
        sub: Sub,
        value: Option<T>,
        check: impl FnOnce(&OwnedBucket) -> Result<(), ApiError> + Send + 'static,
    ) -> Result<(), ApiError> {
        let value = value
            .map(|v| serde_json::to_value(v).map_err(|e| errors::internal("config", e)))
            .transpose()?;
        self.update_config(ctx, info, name, action, sub, move |bucket, _| {
            check(bucket)?;
            Ok(value)
        })
        .await
    }

    /// Replaces `sub` of bucket `name` with what `change` makes of the stored value, inside
    /// one write (so concurrent changes of one configuration are never lost).
    pub(crate) async fn update_config(
        &self,
        ctx: &CallContext,
        info: &RequestInfo,
        name: &str,
        action: &str,
        sub: Sub,
        change: impl FnOnce(&OwnedBucket, Option<Value>) -> Result<Option<Value>, ApiError>
        + Send
        + 'static,
    ) -> Result<(), ApiError> {
        let bucket = self.owned_bucket(info, name, action)?;
        ctx.write(move |txn| {
            let mut current = find_bucket(txn, &bucket.record.name)?
                .filter(|b| b.owner == bucket.owner)
                .ok_or_else(errors::no_such_bucket)?;
            let old = current.record.config.get(sub.key).cloned();
            match change(&current, old)? {
                Some(value) => current.record.config.insert(sub.key.to_owned(), value),
                None => current.record.config.remove(sub.key),
            };
            txn.put(
                &current
                    .record
                    .to_doc(&current.owner)
                    .map_err(store_failure)?,
            )
            .map_err(store_failure)?;
            Ok(Empty {})
        })
        .await?;
        Ok(())
    }
}

/// `204 No Content`, the status of S3's deletes and of PutBucketTagging.
pub(crate) const NO_CONTENT: StatusCode = StatusCode::NO_CONTENT;

/// A `404` configuration error (`NoSuchTagSet`, …).
pub(crate) fn not_found(code: &'static str, message: &str) -> ApiError {
    ApiError::new(code, StatusCode::NOT_FOUND, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configurations_are_recorded_in_pascal_case_without_nulls() {
        let value = json!({"tag_set": [{"key": "k", "value": null}], "mfa_delete": null});
        assert_eq!(pascal(value), json!({"TagSet": [{"Key": "k"}]}));
    }
}
