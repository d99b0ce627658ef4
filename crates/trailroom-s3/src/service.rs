//! The backend s3s calls: shared state, bucket lookup, and who may do what to a bucket.

use std::collections::BTreeMap;
use std::sync::Arc;

use s3s::{S3Error, S3Request};
use trailroom_audit::{Clock, store_failure};
use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, Store};

use crate::blobs::BlobStore;
use crate::calls::{Recorder, RequestInfo};
use crate::errors;
use crate::records::{BUCKET_KIND, BucketRecord};
use trailroom_authz::{Access, CallFacts, Refused};
use trailroom_policy::resource::{Decision, PolicyPrincipal, evaluate_text};

/// The S3 implementation behind s3s: buckets and object metadata in the store, bytes in files.
#[derive(Clone)]
pub struct S3Backend {
    pub(crate) recorder: Recorder,
    pub(crate) blobs: BlobStore,
    /// Whether calls are decided by IAM policies (else only by bucket policies).
    pub(crate) authorization: bool,
}

impl S3Backend {
    /// A backend over `store`, keeping object bytes in `blobs`. Removes temporary files an
    /// earlier crash left behind.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        blobs: BlobStore,
        recording: bool,
        authorization: bool,
    ) -> std::io::Result<Self> {
        blobs.clean_temporary()?;
        Ok(Self {
            recorder: Recorder {
                store,
                clock,
                recording,
            },
            blobs,
            authorization,
        })
    }

    pub(crate) fn store(&self) -> &dyn Store {
        self.recorder.store.as_ref()
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.recorder.clock.now_ms()
    }

    /// Reads from the store, mapping store failures to S3's internal error.
    pub(crate) fn read<R>(
        &self,
        mut work: impl FnMut(&dyn ReadTxn) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        trailroom_store::read(self.store(), &mut work).map_err(store_failure)?
    }

    /// The bucket named `name`, whoever owns it.
    pub(crate) fn bucket(&self, name: &str) -> Result<OwnedBucket, ApiError> {
        self.read(|txn| find_bucket(txn, name))?
            .ok_or_else(errors::no_such_bucket)
    }
}

/// A bucket and the account that owns it.
#[derive(Debug, Clone)]
pub(crate) struct OwnedBucket {
    pub owner: String,
    pub record: BucketRecord,
}

/// The bucket with this globally unique name, as stored (for other services' checks).
pub fn bucket_named(txn: &dyn ReadTxn, name: &str) -> Result<Option<BucketRecord>, ApiError> {
    Ok(find_bucket(txn, name)?.map(|owned| owned.record))
}

/// Looks a bucket up by its globally unique name.
pub(crate) fn find_bucket(txn: &dyn ReadTxn, name: &str) -> Result<Option<OwnedBucket>, ApiError> {
    let Some(doc) = txn.find_by_id(BUCKET_KIND, name).map_err(store_failure)? else {
        return Ok(None);
    };
    let record = doc.decode::<BucketRecord>().map_err(store_failure)?;
    Ok(Some(OwnedBucket {
        owner: doc.account,
        record,
    }))
}

/// Whether the caller may do `action` on `resource` of `bucket`: with authorization on, its IAM
/// policies and the bucket policy decide (the bucket's account against the caller's, as AWS
/// does); off, the owner's account may do anything and another only what the bucket policy allows.
pub(crate) fn authorize(
    backend: &S3Backend,
    info: &RequestInfo,
    bucket: &OwnedBucket,
    action: &str,
    resource: &str,
    context: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    if backend.authorization {
        let tags = crate::bucket_config::settings::bucket_tags(bucket);
        let mut access = Access::new(action, resource)
            .owned_by(bucket.owner.clone())
            .with_resource_tags(tags.iter().map(|(k, v)| (k, v)));
        access.resource_policy = bucket.record.policy.clone();
        for (key, value) in context {
            access = access.with(key, value.clone());
        }
        return check_access(backend, info, &access);
    }
    let account = info.account();
    let arns = info.caller.principal.policy_arns();
    let principal = PolicyPrincipal::Aws {
        arns: &arns,
        account,
    };
    let decision = bucket
        .record
        .policy
        .as_deref()
        .map_or(Decision::NotApplicable, |p| {
            evaluate_text(p, &principal, action, resource, context)
        });
    match decision {
        Decision::Deny => Err(errors::access_denied()),
        Decision::Allow => Ok(()),
        Decision::NotApplicable if bucket.owner == account => Ok(()),
        Decision::NotApplicable => Err(errors::access_denied()),
    }
}

/// Whether the caller may do an action on no bucket (`s3:ListAllMyBuckets`, `s3:CreateBucket`).
pub(crate) fn authorize_account(
    backend: &S3Backend,
    info: &RequestInfo,
    action: &str,
    resource: &str,
) -> Result<(), ApiError> {
    match backend.authorization {
        true => check_access(backend, info, &Access::new(action, resource)),
        false => Ok(()),
    }
}

fn check_access(backend: &S3Backend, info: &RequestInfo, access: &Access) -> Result<(), ApiError> {
    let facts = CallFacts {
        caller: &info.caller,
        region: &info.region,
        source_ip: &info.source_ip,
        secure: false,
        now_ms: backend.now_ms(),
    };
    trailroom_authz::check(backend.store(), &facts, std::slice::from_ref(access)).map_err(
        |refused| match refused {
            Refused::Denied(denied) => errors::access_denied_because(denied.message()),
            Refused::Failed(err) => err,
        },
    )
}

/// Only the owning account manages a bucket's policy, whatever the policy says.
pub(crate) fn require_owner(info: &RequestInfo, bucket: &OwnedBucket) -> Result<(), ApiError> {
    if bucket.owner == info.account() {
        Ok(())
    } else {
        Err(errors::access_denied())
    }
}

/// Set by the first handler step of every implemented operation: the call reached a handler,
/// which records its event. When it stays unset, [`crate::endpoint`] records the call itself.
#[derive(Debug, Clone, Default)]
pub(crate) struct Handled(pub Arc<std::sync::atomic::AtomicBool>);

/// The verified caller the server attached to the request; without one the request is anonymous,
/// which this endpoint refuses. Marks the request [`Handled`].
pub(crate) fn request_info<T>(req: &S3Request<T>) -> Result<RequestInfo, S3Error> {
    if let Some(handled) = req.extensions.get::<Handled>() {
        handled.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
    req.extensions.get::<RequestInfo>().cloned().ok_or_else(|| {
        let mut err = S3Error::with_message(s3s::S3ErrorCode::AccessDenied, "Access Denied");
        err.set_status_code(http::StatusCode::FORBIDDEN);
        err
    })
}
