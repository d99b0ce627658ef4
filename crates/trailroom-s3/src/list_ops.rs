//! ListObjects (v1) and ListObjectsV2 on top of [`crate::listing`], paging from the store.

use std::collections::BTreeMap;

use s3s::dto::{
    CommonPrefix, ETag, EncodingType, ListObjectsInput, ListObjectsOutput, ListObjectsV2Input,
    ListObjectsV2Output, Object, ObjectStorageClass,
};
use trailroom_audit::store_failure;
use trailroom_protocol::ApiError;

use crate::buckets::{owner, timestamp};
use crate::calls::RequestInfo;
use crate::errors;
use crate::listing::{Entry, ListParams, Page, decode_token, encode_token, list_page, url_encode};
use crate::records::{OBJECT_KIND, ObjectRecord, bucket_arn, object_id};
use crate::service::{S3Backend, authorize};

/// S3 never returns more than this many entries per page.
const MAX_KEYS: usize = 1000;

/// Runs one page of a listing of `bucket` after checking `s3:ListBucket` (with the listing's
/// `s3:prefix`, `s3:delimiter` and `s3:max-keys`); returns it with the bucket owner's account.
fn run(
    backend: &S3Backend,
    info: &RequestInfo,
    bucket: &str,
    params: &ListParams,
) -> Result<(Page, String), ApiError> {
    let owned = backend.bucket(bucket)?;
    let mut keys = BTreeMap::new();
    if !params.prefix.is_empty() {
        keys.insert("s3:prefix".to_owned(), params.prefix.clone());
    }
    if let Some(delimiter) = &params.delimiter {
        keys.insert("s3:delimiter".to_owned(), delimiter.clone());
    }
    keys.insert("s3:max-keys".to_owned(), params.max_keys.to_string());
    authorize(
        backend,
        info,
        &owned,
        "s3:ListBucket",
        &bucket_arn(bucket),
        &keys,
    )?;
    let mut fetch = |after: &str, limit: usize| -> Result<Vec<ObjectRecord>, ApiError> {
        let after = object_id(bucket, after);
        let docs = backend.read(|txn| {
            txn.list_children_after(&owned.owner, OBJECT_KIND, bucket, &after, limit)
                .map_err(store_failure)
        })?;
        docs.iter()
            .map(|d| d.decode::<ObjectRecord>().map_err(store_failure))
            .collect()
    };
    let page = list_page(params, &mut fetch)?;
    Ok((page, owned.owner))
}

fn max_keys(requested: Option<i32>) -> Result<usize, ApiError> {
    match requested {
        None => Ok(MAX_KEYS),
        Some(n) if n < 0 => Err(errors::invalid_argument(
            "Argument maxKeys must be an integer between 0 and 2147483647",
        )),
        Some(n) => Ok((n as usize).min(MAX_KEYS)),
    }
}

/// Applies `encoding-type=url` when it was asked for.
struct Encoder(bool);

impl Encoder {
    fn new(encoding: Option<&EncodingType>) -> Result<Self, ApiError> {
        match encoding.map(EncodingType::as_str) {
            None => Ok(Self(false)),
            Some("url") => Ok(Self(true)),
            Some(_) => Err(errors::invalid_argument(
                "Invalid Encoding Method specified in Request",
            )),
        }
    }

    fn text(&self, value: &str) -> String {
        if self.0 {
            url_encode(value)
        } else {
            value.to_owned()
        }
    }

    fn opt(&self, value: Option<&String>) -> Option<String> {
        value.map(|v| self.text(v))
    }
}

fn contents(
    page: &Page,
    enc: &Encoder,
    with_owner: Option<&str>,
) -> (Vec<Object>, Vec<CommonPrefix>) {
    let mut objects = Vec::new();
    let mut prefixes = Vec::new();
    for entry in &page.entries {
        match entry {
            Entry::Object(o) => objects.push(Object {
                key: Some(enc.text(&o.key)),
                e_tag: Some(ETag::Strong(o.etag.clone())),
                last_modified: Some(timestamp(o.last_modified_ms)),
                size: Some(o.size as i64),
                storage_class: Some(ObjectStorageClass::from_static(
                    ObjectStorageClass::STANDARD,
                )),
                owner: with_owner.map(owner),
                ..Default::default()
            }),
            Entry::Prefix(p) => prefixes.push(CommonPrefix {
                prefix: Some(enc.text(p)),
            }),
        }
    }
    (objects, prefixes)
}

pub(crate) fn list_v1(
    backend: &S3Backend,
    info: &RequestInfo,
    input: ListObjectsInput,
) -> Result<ListObjectsOutput, ApiError> {
    let enc = Encoder::new(input.encoding_type.as_ref())?;
    let params = ListParams {
        prefix: input.prefix.clone().unwrap_or_default(),
        delimiter: input.delimiter.clone(),
        marker: input.marker.clone().filter(|m| !m.is_empty()),
        resume: None,
        max_keys: max_keys(input.max_keys)?,
    };
    let (page, owner) = run(backend, info, &input.bucket, &params)?;
    let (objects, prefixes) = contents(&page, &enc, Some(&owner));
    Ok(ListObjectsOutput {
        name: Some(input.bucket),
        prefix: Some(enc.text(&params.prefix)),
        marker: Some(enc.text(input.marker.as_deref().unwrap_or_default())),
        max_keys: Some(params.max_keys as i32),
        is_truncated: Some(page.truncated),
        next_marker: page
            .truncated
            .then(|| enc.opt(page.next_marker.as_ref()))
            .flatten(),
        delimiter: enc.opt(input.delimiter.as_ref()),
        encoding_type: input.encoding_type,
        contents: Some(objects),
        common_prefixes: Some(prefixes),
        ..Default::default()
    })
}

pub(crate) fn list_v2(
    backend: &S3Backend,
    info: &RequestInfo,
    input: ListObjectsV2Input,
) -> Result<ListObjectsV2Output, ApiError> {
    let enc = Encoder::new(input.encoding_type.as_ref())?;
    let resume = match input.continuation_token.as_deref() {
        Some(token) => Some(decode_token(token).ok_or_else(|| {
            errors::invalid_argument("The continuation token provided is incorrect")
        })?),
        None => None,
    };
    let params = ListParams {
        prefix: input.prefix.clone().unwrap_or_default(),
        delimiter: input.delimiter.clone(),
        marker: input.start_after.clone().filter(|m| !m.is_empty()),
        resume,
        max_keys: max_keys(input.max_keys)?,
    };
    let (page, owner) = run(backend, info, &input.bucket, &params)?;
    let with_owner = (input.fetch_owner == Some(true)).then_some(owner.as_str());
    let (objects, prefixes) = contents(&page, &enc, with_owner);
    Ok(ListObjectsV2Output {
        name: Some(input.bucket),
        prefix: Some(enc.text(&params.prefix)),
        max_keys: Some(params.max_keys as i32),
        key_count: Some((objects.len() + prefixes.len()) as i32),
        continuation_token: input.continuation_token,
        next_continuation_token: page
            .truncated
            .then(|| page.resume.as_deref().map(encode_token))
            .flatten(),
        is_truncated: Some(page.truncated),
        start_after: enc.opt(input.start_after.as_ref()),
        delimiter: enc.opt(input.delimiter.as_ref()),
        encoding_type: input.encoding_type,
        contents: Some(objects),
        common_prefixes: Some(prefixes),
        ..Default::default()
    })
}
