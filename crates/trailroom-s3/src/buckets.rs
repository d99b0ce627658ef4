//! Bucket-level operations (management events): create, delete, head, list, location, ACL, policy.

use std::collections::BTreeMap;

use s3s::dto::{
    Bucket, BucketLocationConstraint, CreateBucketInput, CreateBucketOutput,
    GetBucketLocationOutput, HeadBucketOutput, ListBucketsOutput, Owner, Timestamp,
};
use trailroom_audit::{CallContext, store_failure};
use trailroom_model::Empty;
use trailroom_protocol::{ApiError, StatusCode};

use crate::calls::RequestInfo;
use crate::errors;
use crate::names::{LocationError, bucket_region, is_valid_bucket_name};
use crate::policy::validate_bucket_policy;
use crate::records::{BUCKET_KIND, BucketRecord, OBJECT_KIND, bucket_arn, canonical_user_id};
use crate::service::{OwnedBucket, S3Backend, authorize, authorize_account, find_bucket};

/// What CreateBucket did.
pub(crate) enum Created {
    /// A new bucket.
    New,
    /// The caller already owned it (us-east-1 answers 200 for legacy compatibility).
    AlreadyOwned,
}

impl trailroom_model::Audit for Created {
    fn to_audit_json(&self) -> serde_json::Value {
        serde_json::Value::Null
    }
}

pub(crate) async fn create(
    backend: &S3Backend,
    ctx: &CallContext,
    info: &RequestInfo,
    input: CreateBucketInput,
) -> Result<CreateBucketOutput, ApiError> {
    let name = input.bucket;
    if !is_valid_bucket_name(&name) {
        return Err(errors::invalid_bucket_name());
    }
    authorize_account(backend, info, "s3:CreateBucket", &bucket_arn(&name))?;
    let constraint = input
        .create_bucket_configuration
        .and_then(|c| c.location_constraint)
        .map(|c| c.as_str().to_owned());
    let region = bucket_region(constraint.as_deref(), &info.region)
        .map_err(|e| location_error(e, constraint.as_deref()))?;
    let record = BucketRecord {
        name: name.clone(),
        region,
        created_ms: backend.now_ms(),
        policy: None,
        config: new_bucket_defaults(),
    };
    let account = info.account().to_owned();
    let signing_region = info.region.clone();
    ctx.write(move |txn| {
        if let Some(existing) = find_bucket(txn, &record.name)? {
            return match existing.owner == account {
                true if signing_region == "us-east-1" => Ok(Created::AlreadyOwned),
                true => Err(errors::bucket_already_owned_by_you()),
                false => Err(errors::bucket_already_exists()),
            };
        }
        txn.put(&record.to_doc(&account).map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(Created::New)
    })
    .await?;
    Ok(CreateBucketOutput {
        location: Some(format!("/{name}")),
    })
}

/// What S3 sets on every new bucket since April 2023: all public access blocked and ACLs off
/// (`BucketOwnerEnforced`).
fn new_bucket_defaults() -> BTreeMap<String, serde_json::Value> {
    use crate::bucket_config::settings::{
        OWNERSHIP_CONTROLS, PUBLIC_ACCESS_BLOCK, all_blocked, owner_enforced,
    };
    let mut config = BTreeMap::new();
    for (sub, value) in [
        (PUBLIC_ACCESS_BLOCK, serde_json::to_value(all_blocked())),
        (
            OWNERSHIP_CONTROLS,
            serde_json::to_value(crate::bucket_config::stored::StoredOwnership::from(
                &owner_enforced(),
            )),
        ),
    ] {
        if let Ok(value) = value {
            config.insert(sub.key.to_owned(), value);
        }
    }
    config
}

fn location_error(err: LocationError, constraint: Option<&str>) -> ApiError {
    match err {
        LocationError::Invalid => ApiError::client(
            "InvalidLocationConstraint",
            "The specified location-constraint is not valid",
        ),
        LocationError::Illegal => ApiError::client(
            "IllegalLocationConstraintException",
            format!(
                "The {} location constraint is incompatible for the region specific endpoint this \
                 request was sent to.",
                constraint.unwrap_or("unspecified")
            ),
        ),
    }
}

/// The bucket, if the caller may perform `action` on it.
fn authorized(
    backend: &S3Backend,
    info: &RequestInfo,
    name: &str,
    action: &str,
) -> Result<OwnedBucket, ApiError> {
    let bucket = backend.bucket(name)?;
    authorize(
        backend,
        info,
        &bucket,
        action,
        &bucket_arn(name),
        &BTreeMap::new(),
    )?;
    Ok(bucket)
}

pub(crate) async fn delete(
    backend: &S3Backend,
    ctx: &CallContext,
    info: &RequestInfo,
    name: &str,
) -> Result<(), ApiError> {
    let bucket = authorized(backend, info, name, "s3:DeleteBucket")?;
    let owner = bucket.owner.clone();
    let id = name.to_owned();
    ctx.write(move |txn| {
        let objects = txn
            .list_children_after(&owner, OBJECT_KIND, &id, "", 1)
            .map_err(store_failure)?;
        if !objects.is_empty() {
            return Err(errors::bucket_not_empty());
        }
        // Uploads in progress go with the bucket (their part files with its directory).
        let uploads = txn
            .list_children(&owner, crate::multipart::UPLOAD_KIND, &id)
            .map_err(store_failure)?;
        for upload in uploads {
            txn.delete(&owner, crate::multipart::UPLOAD_KIND, &upload.id)
                .map_err(store_failure)?;
        }
        txn.delete(&owner, BUCKET_KIND, &id)
            .map_err(store_failure)?;
        Ok(Empty {})
    })
    .await?;
    backend.blobs.remove_bucket(name).await;
    Ok(())
}

pub(crate) fn head(
    backend: &S3Backend,
    info: &RequestInfo,
    name: &str,
) -> Result<HeadBucketOutput, ApiError> {
    let bucket = authorized(backend, info, name, "s3:ListBucket")?;
    Ok(HeadBucketOutput {
        bucket_region: Some(bucket.record.region),
        ..Default::default()
    })
}

pub(crate) fn list(backend: &S3Backend, info: &RequestInfo) -> Result<ListBucketsOutput, ApiError> {
    authorize_account(backend, info, "s3:ListAllMyBuckets", "*")?;
    let account = info.account().to_owned();
    let docs = backend.read(|txn| txn.list(&account, BUCKET_KIND).map_err(store_failure))?;
    let buckets = docs
        .iter()
        .filter_map(|doc| doc.decode::<BucketRecord>().ok())
        .map(|b| Bucket {
            name: Some(b.name),
            creation_date: Some(timestamp(b.created_ms)),
            bucket_region: Some(b.region),
        })
        .collect();
    Ok(ListBucketsOutput {
        buckets: Some(buckets),
        owner: Some(owner(&account)),
        ..Default::default()
    })
}

pub(crate) fn location(
    backend: &S3Backend,
    info: &RequestInfo,
    name: &str,
) -> Result<GetBucketLocationOutput, ApiError> {
    let bucket = authorized(backend, info, name, "s3:GetBucketLocation")?;
    // us-east-1 is the empty constraint, as S3 answers.
    let region = bucket.record.region;
    Ok(GetBucketLocationOutput {
        location_constraint: (region != "us-east-1")
            .then(|| BucketLocationConstraint::from(region)),
    })
}

pub(crate) async fn put_policy(
    backend: &S3Backend,
    ctx: &CallContext,
    info: &RequestInfo,
    name: &str,
    policy: String,
) -> Result<(), ApiError> {
    let bucket = backend.owned_bucket(info, name, "s3:PutBucketPolicy")?;
    validate_bucket_policy(&policy, name).map_err(errors::malformed_policy)?;
    let account_blocks = backend
        .read(|txn| crate::control::account_block(txn, &bucket.owner))?
        .is_some_and(|b| b.block_public_policy);
    let blocks_public = account_blocks
        || crate::bucket_config::settings::public_access_block(&bucket)
            .and_then(|b| b.block_public_policy)
            .unwrap_or(false);
    if blocks_public && trailroom_policy::resource::is_public(&policy) {
        return Err(errors::access_denied_because(format!(
            "User: {} is not authorized to perform: s3:PutBucketPolicy on resource: \"{}\" \
             because public policies are blocked by the BlockPublicPolicy block public access \
             setting.",
            info.caller.principal.arn(),
            bucket_arn(name)
        )));
    }
    set_policy(ctx, bucket, Some(policy)).await
}

pub(crate) fn get_policy(
    backend: &S3Backend,
    info: &RequestInfo,
    name: &str,
) -> Result<String, ApiError> {
    let bucket = backend.owned_bucket(info, name, "s3:GetBucketPolicy")?;
    bucket
        .record
        .policy
        .ok_or_else(errors::no_such_bucket_policy)
}

pub(crate) async fn delete_policy(
    backend: &S3Backend,
    ctx: &CallContext,
    info: &RequestInfo,
    name: &str,
) -> Result<(), ApiError> {
    let bucket = backend.owned_bucket(info, name, "s3:DeleteBucketPolicy")?;
    set_policy(ctx, bucket, None).await
}

/// Rewrites the bucket document with `policy`, re-reading it inside the write so a concurrent
/// delete is not undone.
async fn set_policy(
    ctx: &CallContext,
    bucket: OwnedBucket,
    policy: Option<String>,
) -> Result<(), ApiError> {
    ctx.write(move |txn| {
        let mut current = find_bucket(txn, &bucket.record.name)?
            .filter(|b| b.owner == bucket.owner)
            .ok_or_else(errors::no_such_bucket)?;
        current.record.policy = policy;
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

/// The `Owner` element for an account.
pub(crate) fn owner(account: &str) -> Owner {
    Owner {
        display_name: Some(account.to_owned()),
        id: Some(canonical_user_id(account)),
    }
}

pub(crate) fn timestamp(ms: i64) -> Timestamp {
    let ms = u64::try_from(ms).unwrap_or_default();
    Timestamp::from(std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms))
}

/// `204 No Content`, the status of DeleteBucket and the policy writes.
pub(crate) const NO_CONTENT: StatusCode = StatusCode::NO_CONTENT;
