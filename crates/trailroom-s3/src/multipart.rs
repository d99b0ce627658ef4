//! Multipart uploads, as SDKs use them for large objects: create, upload part (or copy one from
//! an object), list parts, list uploads, complete, abort.
//!
//! An upload is a document of kind [`UPLOAD_KIND`] (id = upload id, parent = bucket, account =
//! bucket owner) naming the blob of each part. Completing concatenates the parts' files into the
//! object's new file without holding them in memory, commits the object and drops the upload in
//! one write, then removes the part files; its ETag is S3's: the MD5 of the parts' MD5s, `-N`.

use std::collections::BTreeMap;

use md5::Digest as _;
use s3s::dto::*;
use serde::{Deserialize, Serialize};
use trailroom_audit::store_failure;
use trailroom_protocol::{ApiError, StatusCode};
use trailroom_store::{Doc, EventRow};

use crate::buckets::{owner, timestamp};
use crate::calls::RequestInfo;
use crate::errors;
use crate::objects::{
    check_content_md5, collect, load, lower_keys, read_bytes, refuse_acl_if_disabled,
};
use crate::records::{OBJECT_KIND, ObjectRecord, object_arn, object_id};
use crate::service::{OwnedBucket, S3Backend, authorize, find_bucket};

/// Document kind of uploads in progress.
pub const UPLOAD_KIND: &str = "s3_upload";
/// Every part but the last must be at least this large.
const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// Part numbers run from 1 to this.
const MAX_PART_NUMBER: i32 = 10_000;

/// One uploaded part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PartRecord {
    etag: String,
    size: u64,
    blob: String,
    last_modified_ms: i64,
}

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct UploadRecord {
    bucket: String,
    key: String,
    upload_id: String,
    initiated_ms: i64,
    /// ARN of the principal that created it (`Initiator`).
    initiator: String,
    content_type: Option<String>,
    headers: BTreeMap<String, String>,
    metadata: BTreeMap<String, String>,
    parts: BTreeMap<i32, PartRecord>,
}

impl UploadRecord {
    fn to_doc(&self, account: &str) -> Result<Doc, ApiError> {
        Ok(Doc::new(account, UPLOAD_KIND, &self.upload_id, self)
            .map_err(store_failure)?
            .with_parent(self.bucket.clone()))
    }
}

fn no_such_upload() -> ApiError {
    ApiError::new(
        "NoSuchUpload",
        StatusCode::NOT_FOUND,
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have \
         been aborted or completed.",
    )
}

fn invalid_part() -> ApiError {
    ApiError::client(
        "InvalidPart",
        "One or more of the specified parts could not be found.  The part may not have been \
         uploaded, or the specified entity tag may not match the part's entity tag.",
    )
}

/// The upload `id` of `bucket`/`key`, if the caller may do `action` on the object.
fn upload(
    backend: &S3Backend,
    info: &RequestInfo,
    bucket: &str,
    key: &str,
    id: &str,
    action: &str,
) -> Result<(OwnedBucket, UploadRecord), ApiError> {
    let owned = backend.bucket(bucket)?;
    authorize(
        backend,
        info,
        &owned,
        action,
        &object_arn(bucket, key),
        &BTreeMap::new(),
    )?;
    let record = backend
        .read(|txn| {
            txn.get(&owned.owner, UPLOAD_KIND, id)
                .map_err(store_failure)
        })?
        .map(|doc| doc.decode::<UploadRecord>().map_err(store_failure))
        .transpose()?
        .filter(|u| u.bucket == bucket && u.key == key)
        .ok_or_else(no_such_upload)?;
    Ok((owned, record))
}

pub(crate) async fn create(
    backend: &S3Backend,
    info: &RequestInfo,
    input: CreateMultipartUploadInput,
    event: Option<EventRow>,
) -> Result<CreateMultipartUploadOutput, ApiError> {
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
    let mut headers = BTreeMap::new();
    for (name, value) in [
        ("Cache-Control", &input.cache_control),
        ("Content-Disposition", &input.content_disposition),
        ("Content-Encoding", &input.content_encoding),
        ("Content-Language", &input.content_language),
    ] {
        if let Some(value) = value {
            headers.insert(name.to_owned(), value.clone());
        }
    }
    let record = UploadRecord {
        bucket: input.bucket.clone(),
        key: input.key.clone(),
        upload_id: uuid::Uuid::new_v4().simple().to_string(),
        initiated_ms: backend.now_ms(),
        initiator: info.caller.principal.arn(),
        content_type: input.content_type.clone(),
        headers,
        metadata: lower_keys(input.metadata.as_ref()),
        parts: BTreeMap::new(),
    };
    let doc = record.to_doc(&bucket.owner)?;
    let upload_id = record.upload_id.clone();
    commit(backend, &bucket, move |txn| txn.put(&doc), event).await?;
    Ok(CreateMultipartUploadOutput {
        bucket: Some(input.bucket),
        key: Some(input.key),
        upload_id: Some(upload_id),
        ..Default::default()
    })
}

/// Runs `work` and appends `event` in one write, after checking the bucket still belongs to
/// its owner.
async fn commit(
    backend: &S3Backend,
    bucket: &OwnedBucket,
    work: impl FnOnce(&mut dyn trailroom_store::WriteTxn) -> trailroom_store::StoreResult<()>
    + Send
    + 'static,
    event: Option<EventRow>,
) -> Result<(), ApiError> {
    let (name, owner) = (bucket.record.name.clone(), bucket.owner.clone());
    trailroom_store::write(backend.store(), move |txn| {
        find_bucket(txn, &name)?
            .filter(|b| b.owner == owner)
            .ok_or_else(errors::no_such_bucket)?;
        work(txn).map_err(store_failure)?;
        if let Some(event) = &event {
            txn.append_event(event).map_err(store_failure)?;
        }
        Ok::<_, ApiError>(())
    })
    .await
    .map_err(store_failure)?
}

fn check_part_number(number: i32) -> Result<(), ApiError> {
    match (1..=MAX_PART_NUMBER).contains(&number) {
        true => Ok(()),
        false => Err(errors::invalid_argument(
            "Part number must be an integer between 1 and 10000, inclusive",
        )),
    }
}

/// Stores the bytes of part `number` of an upload; returns its ETag.
async fn store_part(
    backend: &S3Backend,
    bucket: &OwnedBucket,
    upload_id: String,
    number: i32,
    bytes: bytes::Bytes,
    event: Option<EventRow>,
) -> Result<String, ApiError> {
    let etag = hex::encode(md5::Md5::digest(&bytes));
    let size = bytes.len() as u64;
    let name = bucket.record.name.clone();
    let blob = backend
        .blobs
        .write(&name, bytes)
        .await
        .map_err(|e| errors::storage("cannot write part bytes", e))?;
    let part = PartRecord {
        etag: etag.clone(),
        size,
        blob: blob.clone(),
        last_modified_ms: backend.now_ms(),
    };
    let owner = bucket.owner.clone();
    let outcome = trailroom_store::write(backend.store(), move |txn| {
        let doc = txn
            .get(&owner, UPLOAD_KIND, &upload_id)
            .map_err(store_failure)?
            .ok_or_else(no_such_upload)?;
        let mut upload: UploadRecord = doc.decode().map_err(store_failure)?;
        let replaced = upload.parts.insert(number, part).map(|old| old.blob);
        txn.put(&upload.to_doc(&owner)?).map_err(store_failure)?;
        if let Some(event) = &event {
            txn.append_event(event).map_err(store_failure)?;
        }
        Ok::<_, ApiError>(replaced)
    })
    .await
    .map_err(store_failure)
    .and_then(|r| r);
    match outcome {
        Ok(replaced) => {
            if let Some(old) = replaced {
                backend.blobs.remove(&name, &old).await;
            }
            Ok(etag)
        }
        Err(err) => {
            backend.blobs.remove(&name, &blob).await;
            Err(err)
        }
    }
}

pub(crate) async fn upload_part(
    backend: &S3Backend,
    info: &RequestInfo,
    mut input: UploadPartInput,
    event: Option<EventRow>,
) -> Result<UploadPartOutput, ApiError> {
    check_part_number(input.part_number)?;
    let (bucket, _) = upload(
        backend,
        info,
        &input.bucket,
        &input.key,
        &input.upload_id,
        "s3:PutObject",
    )?;
    let bytes = collect(input.body.take()).await?;
    if let Some(md5) = &input.content_md5 {
        check_content_md5(md5, &bytes)?;
    }
    let etag = store_part(
        backend,
        &bucket,
        input.upload_id,
        input.part_number,
        bytes,
        event,
    )
    .await?;
    Ok(UploadPartOutput {
        e_tag: Some(ETag::Strong(etag)),
        ..Default::default()
    })
}

/// `bytes=first-last` of a copy source.
fn source_range(range: Option<&str>, size: u64) -> Result<Option<std::ops::Range<u64>>, ApiError> {
    let Some(range) = range else {
        return Ok(None);
    };
    let invalid = || {
        errors::invalid_argument(
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first \
             and last are the zero-based offsets of the first and last bytes to copy",
        )
    };
    let (first, last) = range
        .strip_prefix("bytes=")
        .and_then(|r| r.split_once('-'))
        .ok_or_else(invalid)?;
    let (first, last): (u64, u64) = (
        first.parse().map_err(|_| invalid())?,
        last.parse().map_err(|_| invalid())?,
    );
    if first > last || last >= size {
        return Err(errors::invalid_range());
    }
    Ok(Some(first..last + 1))
}

pub(crate) async fn upload_part_copy(
    backend: &S3Backend,
    info: &RequestInfo,
    input: UploadPartCopyInput,
    event: Option<EventRow>,
) -> Result<UploadPartCopyOutput, ApiError> {
    check_part_number(input.part_number)?;
    let CopySource::Bucket {
        bucket: src_bucket,
        key: src_key,
        ..
    } = &input.copy_source
    else {
        return Err(ApiError::new(
            "NotImplemented",
            StatusCode::NOT_IMPLEMENTED,
            "Copying from an access point is not implemented",
        ));
    };
    let (_, source) = load(backend, info, src_bucket, src_key, "s3:GetObject")?;
    let (bucket, _) = upload(
        backend,
        info,
        &input.bucket,
        &input.key,
        &input.upload_id,
        "s3:PutObject",
    )?;
    let range = source_range(input.copy_source_range.as_deref(), source.size)?;
    let (_, bytes) = read_bytes(backend, info, source, range).await?;
    let etag = store_part(
        backend,
        &bucket,
        input.upload_id.clone(),
        input.part_number,
        bytes,
        event,
    )
    .await?;
    Ok(UploadPartCopyOutput {
        copy_part_result: Some(CopyPartResult {
            e_tag: Some(ETag::Strong(etag)),
            last_modified: Some(timestamp(backend.now_ms())),
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// The parts a CompleteMultipartUpload names, checked against the upload as S3 checks them.
fn chosen_parts(
    upload: &UploadRecord,
    requested: &[CompletedPart],
) -> Result<Vec<PartRecord>, ApiError> {
    if requested.is_empty() {
        return Err(errors::malformed_xml());
    }
    let mut previous = 0;
    let mut chosen = Vec::with_capacity(requested.len());
    for part in requested {
        let number = part.part_number.ok_or_else(errors::malformed_xml)?;
        if number <= previous {
            return Err(ApiError::client(
                "InvalidPartOrder",
                "The list of parts was not in ascending order. Parts must be ordered by part number.",
            ));
        }
        previous = number;
        let stored = upload.parts.get(&number).ok_or_else(invalid_part)?;
        let etag = part.e_tag.as_ref().map(|e| match e {
            ETag::Strong(s) | ETag::Weak(s) => s.trim_matches('"').to_owned(),
        });
        if etag.is_some_and(|e| e != stored.etag) {
            return Err(invalid_part());
        }
        chosen.push(stored.clone());
    }
    let too_small = chosen[..chosen.len() - 1]
        .iter()
        .any(|p| p.size < MIN_PART_SIZE);
    if too_small {
        return Err(ApiError::client(
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed object size.",
        ));
    }
    Ok(chosen)
}

/// S3's multipart ETag: hex MD5 of the parts' binary MD5s, then `-` and the part count.
fn multipart_etag(parts: &[PartRecord]) -> String {
    let mut digests = Vec::with_capacity(parts.len() * 16);
    for part in parts {
        digests.extend(hex::decode(&part.etag).unwrap_or_default());
    }
    format!(
        "{}-{}",
        hex::encode(md5::Md5::digest(&digests)),
        parts.len()
    )
}

pub(crate) async fn complete(
    backend: &S3Backend,
    info: &RequestInfo,
    input: CompleteMultipartUploadInput,
    event: Option<EventRow>,
) -> Result<CompleteMultipartUploadOutput, ApiError> {
    let (bucket, record) = upload(
        backend,
        info,
        &input.bucket,
        &input.key,
        &input.upload_id,
        "s3:PutObject",
    )?;
    let requested = input
        .multipart_upload
        .and_then(|m| m.parts)
        .unwrap_or_default();
    let chosen = chosen_parts(&record, &requested)?;
    let name = bucket.record.name.clone();
    let blob = backend
        .blobs
        .concat(&name, chosen.iter().map(|p| p.blob.clone()).collect())
        .await
        .map_err(|e| errors::storage("cannot assemble the object", e))?;
    let etag = multipart_etag(&chosen);
    let object = ObjectRecord {
        bucket: record.bucket.clone(),
        key: record.key.clone(),
        size: chosen.iter().map(|p| p.size).sum(),
        etag: etag.clone(),
        content_type: record
            .content_type
            .clone()
            .unwrap_or_else(|| "binary/octet-stream".to_owned()),
        headers: record.headers.clone(),
        metadata: record.metadata.clone(),
        last_modified_ms: backend.now_ms(),
        blob: blob.clone(),
    };
    let (owner, upload_id) = (bucket.owner.clone(), record.upload_id.clone());
    let outcome = trailroom_store::write(backend.store(), move |txn| {
        find_bucket(txn, &object.bucket)?
            .filter(|b| b.owner == owner)
            .ok_or_else(errors::no_such_bucket)?;
        // Completed or aborted meanwhile: nothing to complete.
        let current = txn
            .get(&owner, UPLOAD_KIND, &upload_id)
            .map_err(store_failure)?
            .ok_or_else(no_such_upload)?
            .decode::<UploadRecord>()
            .map_err(store_failure)?;
        let id = object_id(&object.bucket, &object.key);
        let replaced = txn
            .get(&owner, OBJECT_KIND, &id)
            .map_err(store_failure)?
            .and_then(|doc| doc.decode::<ObjectRecord>().ok())
            .map(|old| old.blob);
        txn.put(&object.to_doc(&owner).map_err(store_failure)?)
            .map_err(store_failure)?;
        txn.delete(&owner, UPLOAD_KIND, &upload_id)
            .map_err(store_failure)?;
        if let Some(event) = &event {
            txn.append_event(event).map_err(store_failure)?;
        }
        let mut garbage: Vec<String> = current.parts.into_values().map(|p| p.blob).collect();
        garbage.extend(replaced);
        Ok::<_, ApiError>(garbage)
    })
    .await
    .map_err(store_failure)
    .and_then(|r| r);
    match outcome {
        Ok(garbage) => {
            for old in garbage {
                backend.blobs.remove(&name, &old).await;
            }
        }
        Err(err) => {
            backend.blobs.remove(&name, &blob).await;
            return Err(err);
        }
    }
    Ok(CompleteMultipartUploadOutput {
        bucket: Some(input.bucket.clone()),
        key: Some(input.key.clone()),
        e_tag: Some(ETag::Strong(etag)),
        location: Some(format!("/{}/{}", input.bucket, input.key)),
        ..Default::default()
    })
}

pub(crate) async fn abort(
    backend: &S3Backend,
    info: &RequestInfo,
    input: AbortMultipartUploadInput,
    event: Option<EventRow>,
) -> Result<AbortMultipartUploadOutput, ApiError> {
    let (bucket, record) = upload(
        backend,
        info,
        &input.bucket,
        &input.key,
        &input.upload_id,
        "s3:AbortMultipartUpload",
    )?;
    let (owner, upload_id) = (bucket.owner.clone(), record.upload_id.clone());
    commit(
        backend,
        &bucket,
        move |txn| txn.delete(&owner, UPLOAD_KIND, &upload_id).map(|_| ()),
        event,
    )
    .await?;
    for part in record.parts.into_values() {
        backend.blobs.remove(&record.bucket, &part.blob).await;
    }
    Ok(AbortMultipartUploadOutput::default())
}

pub(crate) fn list_parts(
    backend: &S3Backend,
    info: &RequestInfo,
    input: ListPartsInput,
) -> Result<ListPartsOutput, ApiError> {
    let (bucket, record) = upload(
        backend,
        info,
        &input.bucket,
        &input.key,
        &input.upload_id,
        "s3:ListMultipartUploadParts",
    )?;
    let marker = input.part_number_marker.unwrap_or(0);
    let max = usize::try_from(input.max_parts.unwrap_or(1000).clamp(0, 1000)).unwrap_or(1000);
    let after: Vec<(&i32, &PartRecord)> = record.parts.range(marker + 1..).collect();
    let truncated = after.len() > max;
    let page = &after[..after.len().min(max)];
    let parts: Vec<Part> = page
        .iter()
        .map(|(number, part)| Part {
            e_tag: Some(ETag::Strong(part.etag.clone())),
            last_modified: Some(timestamp(part.last_modified_ms)),
            part_number: Some(**number),
            size: Some(part.size as i64),
            ..Default::default()
        })
        .collect();
    Ok(ListPartsOutput {
        bucket: Some(input.bucket),
        key: Some(input.key),
        upload_id: Some(input.upload_id),
        part_number_marker: input.part_number_marker,
        next_part_number_marker: page.last().map(|(n, _)| **n),
        max_parts: Some(max as i32),
        is_truncated: Some(truncated),
        parts: Some(parts),
        initiator: Some(Initiator {
            display_name: Some(record.initiator.clone()),
            id: Some(record.initiator.clone()),
        }),
        owner: Some(owner(&bucket.owner)),
        storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
        ..Default::default()
    })
}

pub(crate) fn list_uploads(
    backend: &S3Backend,
    info: &RequestInfo,
    input: ListMultipartUploadsInput,
) -> Result<ListMultipartUploadsOutput, ApiError> {
    let bucket = backend.bucket(&input.bucket)?;
    authorize(
        backend,
        info,
        &bucket,
        "s3:ListBucketMultipartUploads",
        &crate::records::bucket_arn(&input.bucket),
        &BTreeMap::new(),
    )?;
    let mut uploads: Vec<UploadRecord> = backend
        .read(|txn| {
            txn.list_children(&bucket.owner, UPLOAD_KIND, &input.bucket)
                .map_err(store_failure)
        })?
        .iter()
        .filter_map(|doc| doc.decode::<UploadRecord>().ok())
        .filter(|u| {
            u.key
                .starts_with(input.prefix.as_deref().unwrap_or_default())
        })
        .collect();
    uploads.sort_by(|a, b| {
        (a.key.as_str(), a.initiated_ms, a.upload_id.as_str()).cmp(&(
            b.key.as_str(),
            b.initiated_ms,
            b.upload_id.as_str(),
        ))
    });
    let key_marker = input.key_marker.clone().unwrap_or_default();
    let id_marker = input.upload_id_marker.clone();
    let after: Vec<&UploadRecord> = uploads
        .iter()
        .filter(|u| match &id_marker {
            Some(id) if u.key == key_marker => u.upload_id.as_str() > id.as_str(),
            _ => u.key.as_str() > key_marker.as_str(),
        })
        .collect();
    let max = usize::try_from(input.max_uploads.unwrap_or(1000).clamp(0, 1000)).unwrap_or(1000);
    let truncated = after.len() > max;
    let page = &after[..after.len().min(max)];
    let list: Vec<MultipartUpload> = page
        .iter()
        .map(|u| MultipartUpload {
            initiated: Some(timestamp(u.initiated_ms)),
            initiator: Some(Initiator {
                display_name: Some(u.initiator.clone()),
                id: Some(u.initiator.clone()),
            }),
            key: Some(u.key.clone()),
            owner: Some(owner(&bucket.owner)),
            storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
            upload_id: Some(u.upload_id.clone()),
            ..Default::default()
        })
        .collect();
    let last = page.last();
    Ok(ListMultipartUploadsOutput {
        bucket: Some(input.bucket),
        prefix: input.prefix,
        key_marker: input.key_marker,
        upload_id_marker: input.upload_id_marker,
        next_key_marker: truncated.then(|| last.map(|u| u.key.clone())).flatten(),
        next_upload_id_marker: truncated
            .then(|| last.map(|u| u.upload_id.clone()))
            .flatten(),
        max_uploads: Some(max as i32),
        is_truncated: Some(truncated),
        uploads: (!list.is_empty()).then_some(list),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(etag: &str, size: u64) -> PartRecord {
        PartRecord {
            etag: etag.into(),
            size,
            blob: String::new(),
            last_modified_ms: 0,
        }
    }

    #[test]
    fn the_etag_is_the_md5_of_the_part_md5s() {
        let a = hex::encode(md5::Md5::digest(b"a"));
        let b = hex::encode(md5::Md5::digest(b"b"));
        let mut joined = md5::Md5::digest(b"a").to_vec();
        joined.extend(md5::Md5::digest(b"b"));
        assert_eq!(
            multipart_etag(&[part(&a, 1), part(&b, 1)]),
            format!("{}-2", hex::encode(md5::Md5::digest(&joined)))
        );
    }

    #[test]
    fn parts_are_checked_as_s3_checks_them() {
        let mut upload = UploadRecord {
            bucket: "b".into(),
            key: "k".into(),
            upload_id: "u".into(),
            initiated_ms: 0,
            initiator: String::new(),
            content_type: None,
            headers: BTreeMap::new(),
            metadata: BTreeMap::new(),
            parts: BTreeMap::new(),
        };
        upload.parts.insert(1, part("aa", MIN_PART_SIZE));
        upload.parts.insert(2, part("bb", 1));
        upload.parts.insert(3, part("cc", 1));
        let pick = |numbers: &[(i32, &str)]| -> Vec<CompletedPart> {
            numbers
                .iter()
                .map(|(n, e)| CompletedPart {
                    part_number: Some(*n),
                    e_tag: Some(ETag::Strong((*e).to_owned())),
                    ..Default::default()
                })
                .collect()
        };
        assert_eq!(
            chosen_parts(&upload, &pick(&[(1, "aa"), (2, "bb")]))
                .unwrap()
                .len(),
            2
        );
        let code = |r: Result<Vec<PartRecord>, ApiError>| r.unwrap_err().code().to_owned();
        assert_eq!(
            code(chosen_parts(&upload, &pick(&[(2, "bb"), (1, "aa")]))),
            "InvalidPartOrder"
        );
        assert_eq!(
            code(chosen_parts(&upload, &pick(&[(1, "zz")]))),
            "InvalidPart"
        );
        assert_eq!(
            code(chosen_parts(&upload, &pick(&[(4, "dd")]))),
            "InvalidPart"
        );
        assert_eq!(
            code(chosen_parts(&upload, &pick(&[(2, "bb"), (3, "cc")]))),
            "EntityTooSmall"
        );
        assert_eq!(code(chosen_parts(&upload, &[])), "MalformedXML");
    }
}
