//! Object-level operations (data events): put, get, head, delete, multi-delete, copy, and the
//! one path every object write takes ([`store_object`]).

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

pub(crate) use base64_md5::check_content_md5;
use bytes::Bytes;
use futures::TryStreamExt;
use s3s::dto::{
    CopyObjectInput, CopyObjectOutput, CopyObjectResult, CopySource, DeleteObjectsInput,
    DeleteObjectsOutput, DeletedObject, ETag, ETagCondition, GetObjectInput, GetObjectOutput,
    HeadObjectInput, HeadObjectOutput, MetadataDirective, PutObjectInput, PutObjectOutput,
    StreamingBlob,
};
use trailroom_audit::store_failure;
use trailroom_protocol::ApiError;
use trailroom_store::{EventRow, Store};

use crate::blobs::BlobStore;
use crate::buckets::timestamp;
use crate::calls::RequestInfo;
use crate::errors;
use crate::records::{OBJECT_KIND, ObjectRecord, object_arn, object_id};
use crate::service::{OwnedBucket, S3Backend, authorize, find_bucket};

/// What an upload says about the object besides its bytes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Attributes {
    pub content_type: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub metadata: BTreeMap<String, String>,
}

impl Attributes {
    fn of_put(input: &PutObjectInput) -> Self {
        let mut headers = BTreeMap::new();
        let mut keep = |name: &str, value: &Option<String>| {
            if let Some(value) = value {
                headers.insert(name.to_owned(), value.clone());
            }
        };
        keep("Cache-Control", &input.cache_control);
        keep("Content-Disposition", &input.content_disposition);
        keep("Content-Encoding", &input.content_encoding);
        keep("Content-Language", &input.content_language);
        Self {
            content_type: input.content_type.clone(),
            headers,
            metadata: lower_keys(input.metadata.as_ref()),
        }
    }
}

pub(crate) fn lower_keys(metadata: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    metadata
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect()
}

pub(crate) async fn put(
    backend: &S3Backend,
    info: &RequestInfo,
    mut input: PutObjectInput,
    event: impl FnOnce() -> Option<EventRow>,
) -> Result<PutObjectOutput, ApiError> {
    let bucket = backend.bucket(&input.bucket)?;
    let mut context = BTreeMap::new();
    if let Some(acl) = &input.acl {
        context.insert("s3:x-amz-acl".to_owned(), acl.as_str().to_owned());
    }
    authorize(
        backend,
        info,
        &bucket,
        "s3:PutObject",
        &object_arn(&input.bucket, &input.key),
        &context,
    )?;
    refuse_acl_if_disabled(&bucket, input.acl.as_ref().map(|a| a.as_str()))?;
    let bytes = collect(input.body.take()).await?;
    if let Some(md5) = &input.content_md5 {
        check_content_md5(md5, &bytes)?;
    }
    let attributes = Attributes::of_put(&input);
    let record = new_record(
        &input.bucket,
        &input.key,
        &bytes,
        attributes,
        backend.now_ms(),
    );
    let etag = record.etag.clone();
    store_object(
        &backend.blobs,
        backend.store(),
        &bucket.owner,
        record,
        bytes,
        event(),
    )
    .await?;
    Ok(PutObjectOutput {
        e_tag: Some(ETag::Strong(etag)),
        ..Default::default()
    })
}

/// A bucket whose ownership is `BucketOwnerEnforced` refuses object ACLs other than the one
/// that changes nothing (`bucket-owner-full-control`), as S3 does.
pub(crate) fn refuse_acl_if_disabled(
    bucket: &OwnedBucket,
    acl: Option<&str>,
) -> Result<(), ApiError> {
    match acl {
        Some(acl)
            if acl != "bucket-owner-full-control"
                && crate::bucket_config::settings::acls_disabled(bucket) =>
        {
            Err(ApiError::client(
                "AccessControlListNotSupported",
                "The bucket does not allow ACLs",
            ))
        }
        _ => Ok(()),
    }
}

/// The metadata record of new bytes (its blob is named when they are written).
pub(crate) fn new_record(
    bucket: &str,
    key: &str,
    bytes: &[u8],
    attributes: Attributes,
    now_ms: i64,
) -> ObjectRecord {
    use md5::Digest;
    ObjectRecord {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        size: bytes.len() as u64,
        etag: hex::encode(md5::Md5::digest(bytes)),
        content_type: attributes
            .content_type
            .unwrap_or_else(|| "binary/octet-stream".to_owned()),
        headers: attributes.headers,
        metadata: attributes.metadata,
        last_modified_ms: now_ms,
        blob: String::new(),
    }
}

/// Writes the bytes to a new file, then commits the object's document (and `event`, if any) in
/// one store write, and only then removes the file of the version it replaced. The bucket must
/// still exist and belong to `owner` when the document is committed.
pub(crate) async fn store_object(
    blobs: &BlobStore,
    store: &dyn Store,
    owner: &str,
    mut record: ObjectRecord,
    bytes: Bytes,
    event: Option<EventRow>,
) -> Result<(), ApiError> {
    let bucket = record.bucket.clone();
    let blob = blobs
        .write(&bucket, bytes)
        .await
        .map_err(|e| errors::storage("cannot write object bytes", e))?;
    record.blob = blob.clone();
    let owner = owner.to_owned();
    let outcome = trailroom_store::write(store, move |txn| {
        find_bucket(txn, &record.bucket)?
            .filter(|b| b.owner == owner)
            .ok_or_else(errors::no_such_bucket)?;
        let id = object_id(&record.bucket, &record.key);
        let replaced = txn
            .get(&owner, OBJECT_KIND, &id)
            .map_err(store_failure)?
            .and_then(|doc| doc.decode::<ObjectRecord>().ok())
            .map(|old| old.blob);
        txn.put(&record.to_doc(&owner).map_err(store_failure)?)
            .map_err(store_failure)?;
        if let Some(event) = &event {
            txn.append_event(event).map_err(store_failure)?;
        }
        Ok::<_, ApiError>(replaced)
    })
    .await;
    match outcome.map_err(store_failure).and_then(|r| r) {
        Ok(replaced) => {
            if let Some(old) = replaced {
                blobs.remove(&bucket, &old).await;
            }
            Ok(())
        }
        Err(err) => {
            blobs.remove(&bucket, &blob).await;
            Err(err)
        }
    }
}

pub(crate) async fn collect(body: Option<StreamingBlob>) -> Result<Bytes, ApiError> {
    let Some(body) = body else {
        return Ok(Bytes::new());
    };
    let chunks: Vec<Bytes> = body.try_collect().await.map_err(|e| {
        ApiError::client(
            "IncompleteBody",
            format!("The request body could not be read: {e}"),
        )
    })?;
    Ok(match chunks.len() {
        1 => chunks.into_iter().next().unwrap_or_default(),
        _ => chunks.concat().into(),
    })
}

/// `Content-MD5` checking.
mod base64_md5 {
    use base64::Engine as _;
    use md5::Digest;
    use trailroom_protocol::ApiError;

    use crate::errors;

    pub(crate) fn check_content_md5(header: &str, bytes: &[u8]) -> Result<(), ApiError> {
        let claimed = base64::engine::general_purpose::STANDARD
            .decode(header.trim())
            .ok()
            .filter(|d| d.len() == 16)
            .ok_or_else(errors::invalid_digest)?;
        if claimed.as_slice() == md5::Md5::digest(bytes).as_slice() {
            Ok(())
        } else {
            Err(errors::bad_digest())
        }
    }
}

/// The object, if the bucket exists, the caller may perform `action`, and the key exists.
pub(crate) fn load(
    backend: &S3Backend,
    info: &RequestInfo,
    bucket: &str,
    key: &str,
    action: &str,
) -> Result<(OwnedBucket, ObjectRecord), ApiError> {
    let owned = backend.bucket(bucket)?;
    authorize(
        backend,
        info,
        &owned,
        action,
        &object_arn(bucket, key),
        &BTreeMap::new(),
    )?;
    let id = object_id(bucket, key);
    let object = backend
        .read(|txn| {
            txn.get(&owned.owner, OBJECT_KIND, &id)
                .map_err(store_failure)
        })?
        .ok_or_else(errors::no_such_key)?
        .decode::<ObjectRecord>()
        .map_err(store_failure)?;
    Ok((owned, object))
}

/// Reads an object's bytes. A concurrent overwrite may remove the file between reading the
/// document and opening the file: then the current document is read again.
pub(crate) async fn read_bytes(
    backend: &S3Backend,
    info: &RequestInfo,
    mut object: ObjectRecord,
    range: Option<Range<u64>>,
) -> Result<(ObjectRecord, Bytes), ApiError> {
    for _ in 0..3 {
        match backend
            .blobs
            .read(&object.bucket, &object.blob, range.clone())
            .await
        {
            Ok(bytes) => return Ok((object, bytes)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                object = load(
                    backend,
                    info,
                    &object.bucket.clone(),
                    &object.key.clone(),
                    "s3:GetObject",
                )?
                .1;
            }
            Err(err) => return Err(errors::internal("cannot read object bytes", err)),
        }
    }
    Err(errors::internal(
        "object bytes keep moving",
        "gave up after 3 tries",
    ))
}

fn check_conditions(
    object: &ObjectRecord,
    if_match: Option<&ETagCondition>,
    if_none_match: Option<&ETagCondition>,
) -> Result<(), ApiError> {
    let matches = |c: &ETagCondition| match c {
        ETagCondition::Any => true,
        ETagCondition::ETag(tag) => tag.value() == object.etag,
    };
    if if_match.is_some_and(|c| !matches(c)) {
        return Err(errors::precondition_failed());
    }
    if if_none_match.is_some_and(matches) {
        return Err(ApiError::new(
            "NotModified",
            http::StatusCode::NOT_MODIFIED,
            "Not Modified",
        ));
    }
    Ok(())
}

pub(crate) async fn get(
    backend: &S3Backend,
    info: &RequestInfo,
    input: GetObjectInput,
) -> Result<GetObjectOutput, ApiError> {
    let (_, object) = load(backend, info, &input.bucket, &input.key, "s3:GetObject")?;
    check_conditions(
        &object,
        input.if_match.as_ref(),
        input.if_none_match.as_ref(),
    )?;
    let range = input
        .range
        .map(|r| r.check(object.size))
        .transpose()
        .map_err(|_| errors::invalid_range())?;
    let (object, bytes) = read_bytes(backend, info, object, range.clone()).await?;
    let content_range = range.map(|r| {
        format!(
            "bytes {}-{}/{}",
            r.start,
            r.end.saturating_sub(1),
            object.size
        )
    });
    Ok(GetObjectOutput {
        accept_ranges: Some("bytes".into()),
        content_length: Some(bytes.len() as i64),
        content_range,
        content_type: Some(object.content_type.clone()),
        cache_control: object.headers.get("Cache-Control").cloned(),
        content_disposition: object.headers.get("Content-Disposition").cloned(),
        content_encoding: object.headers.get("Content-Encoding").cloned(),
        content_language: object.headers.get("Content-Language").cloned(),
        e_tag: Some(ETag::Strong(object.etag.clone())),
        last_modified: Some(timestamp(object.last_modified_ms)),
        metadata: Some(object.metadata.clone().into_iter().collect()),
        body: Some(StreamingBlob::from(s3s::Body::from(bytes))),
        ..Default::default()
    })
}

pub(crate) fn head(
    backend: &S3Backend,
    info: &RequestInfo,
    input: &HeadObjectInput,
) -> Result<HeadObjectOutput, ApiError> {
    let (_, object) = load(backend, info, &input.bucket, &input.key, "s3:GetObject")?;
    check_conditions(
        &object,
        input.if_match.as_ref(),
        input.if_none_match.as_ref(),
    )?;
    Ok(HeadObjectOutput {
        accept_ranges: Some("bytes".into()),
        content_length: Some(object.size as i64),
        content_type: Some(object.content_type.clone()),
        cache_control: object.headers.get("Cache-Control").cloned(),
        content_disposition: object.headers.get("Content-Disposition").cloned(),
        content_encoding: object.headers.get("Content-Encoding").cloned(),
        content_language: object.headers.get("Content-Language").cloned(),
        e_tag: Some(ETag::Strong(object.etag.clone())),
        last_modified: Some(timestamp(object.last_modified_ms)),
        metadata: Some(object.metadata.into_iter().collect()),
        ..Default::default()
    })
}

/// Deletes keys of one bucket in one store write (with `event`), then their files. Returns the
/// keys that existed.
async fn delete_keys(
    backend: &S3Backend,
    owned: &OwnedBucket,
    keys: Vec<String>,
    event: Option<EventRow>,
) -> Result<(), ApiError> {
    let owner = owned.owner.clone();
    let bucket = owned.record.name.clone();
    let outcome = trailroom_store::write(backend.store(), move |txn| {
        let mut blobs = Vec::new();
        for key in &keys {
            let id = object_id(&bucket, key);
            if let Some(doc) = txn.get(&owner, OBJECT_KIND, &id).map_err(store_failure)? {
                blobs.extend(doc.decode::<ObjectRecord>().ok().map(|o| o.blob));
                txn.delete(&owner, OBJECT_KIND, &id)
                    .map_err(store_failure)?;
            }
        }
        if let Some(event) = &event {
            txn.append_event(event).map_err(store_failure)?;
        }
        Ok::<_, ApiError>(blobs)
    })
    .await;
    let blobs = outcome.map_err(store_failure).and_then(|r| r)?;
    for blob in blobs {
        backend.blobs.remove(&owned.record.name, &blob).await;
    }
    Ok(())
}

pub(crate) async fn delete(
    backend: &S3Backend,
    info: &RequestInfo,
    bucket: &str,
    key: &str,
    event: impl FnOnce() -> Option<EventRow>,
) -> Result<(), ApiError> {
    let owned = backend.bucket(bucket)?;
    authorize(
        backend,
        info,
        &owned,
        "s3:DeleteObject",
        &object_arn(bucket, key),
        &BTreeMap::new(),
    )?;
    delete_keys(backend, &owned, vec![key.to_owned()], event()).await
}

pub(crate) async fn delete_many(
    backend: &S3Backend,
    info: &RequestInfo,
    input: DeleteObjectsInput,
    event: impl FnOnce() -> Option<EventRow>,
) -> Result<DeleteObjectsOutput, ApiError> {
    let owned = backend.bucket(&input.bucket)?;
    let keys: Vec<String> = input.delete.objects.iter().map(|o| o.key.clone()).collect();
    for key in &keys {
        authorize(
            backend,
            info,
            &owned,
            "s3:DeleteObject",
            &object_arn(&input.bucket, key),
            &BTreeMap::new(),
        )?;
    }
    delete_keys(backend, &owned, keys.clone(), event()).await?;
    let quiet = input.delete.quiet.unwrap_or(false);
    let deleted = (!quiet).then(|| {
        keys.into_iter()
            .map(|key| DeletedObject {
                key: Some(key),
                ..Default::default()
            })
            .collect()
    });
    Ok(DeleteObjectsOutput {
        deleted,
        ..Default::default()
    })
}

pub(crate) async fn copy(
    backend: &S3Backend,
    info: &RequestInfo,
    input: CopyObjectInput,
    event: impl FnOnce() -> Option<EventRow>,
) -> Result<CopyObjectOutput, ApiError> {
    let CopySource::Bucket {
        bucket: src_bucket,
        key: src_key,
        ..
    } = &input.copy_source
    else {
        return Err(ApiError::new(
            "NotImplemented",
            http::StatusCode::NOT_IMPLEMENTED,
            "Copying from an access point is not implemented",
        ));
    };
    let (_, source) = load(backend, info, src_bucket, src_key, "s3:GetObject")?;
    let target = backend.bucket(&input.bucket)?;
    authorize(
        backend,
        info,
        &target,
        "s3:PutObject",
        &object_arn(&input.bucket, &input.key),
        &BTreeMap::new(),
    )?;
    let replace = input
        .metadata_directive
        .as_ref()
        .is_some_and(|d| d.as_str() == MetadataDirective::REPLACE);
    if !replace && **src_bucket == *input.bucket && **src_key == *input.key {
        return Err(ApiError::client(
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself without \
             changing the object's metadata, storage class, website redirect location or encryption \
             attributes.",
        ));
    }
    let (source, bytes) = read_bytes(backend, info, source, None).await?;
    let attributes = if replace {
        Attributes {
            content_type: input.content_type.clone(),
            headers: BTreeMap::new(),
            metadata: lower_keys(input.metadata.as_ref()),
        }
    } else {
        Attributes {
            content_type: Some(source.content_type.clone()),
            headers: source.headers.clone(),
            metadata: source.metadata.clone(),
        }
    };
    let record = new_record(
        &input.bucket,
        &input.key,
        &bytes,
        attributes,
        backend.now_ms(),
    );
    let (etag, modified) = (record.etag.clone(), record.last_modified_ms);
    store_object(
        &backend.blobs,
        backend.store(),
        &target.owner,
        record,
        bytes,
        event(),
    )
    .await?;
    Ok(CopyObjectOutput {
        copy_object_result: Some(CopyObjectResult {
            e_tag: Some(ETag::Strong(etag)),
            last_modified: Some(timestamp(modified)),
            ..Default::default()
        }),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_hex_md5() {
        let record = new_record("b", "k", b"hello", Attributes::default(), 0);
        assert_eq!(record.etag, "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(record.content_type, "binary/octet-stream");
    }

    #[test]
    fn content_md5_is_checked() {
        // base64(md5("hello"))
        assert!(check_content_md5("XUFAKrxLKna5cZ2REBfFkg==", b"hello").is_ok());
        assert_eq!(
            check_content_md5("XUFAKrxLKna5cZ2REBfFkg==", b"hellO")
                .unwrap_err()
                .code(),
            "BadDigest"
        );
        assert_eq!(
            check_content_md5("nope", b"hello").unwrap_err().code(),
            "InvalidDigest"
        );
    }
}
