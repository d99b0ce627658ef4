//! Bucket ACLs and policy status. A bucket's ACL is its owner's `FULL_CONTROL` until a PutBucketAcl
//! sets another; a bucket with `BucketOwnerEnforced` ownership (every new bucket) accepts only
//! ACLs that grant the owner alone, as S3 does. GetBucketPolicyStatus says whether the policy is
//! public by S3's rule.

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result};
use trailroom_protocol::ApiError;

use super::settings::acls_disabled;
use super::stored::StoredAcl;
use super::{Sub, stored};
use crate::buckets::owner;
use crate::errors;
use crate::service::{OwnedBucket, S3Backend, request_info};
use trailroom_policy::resource::is_public;

pub(crate) const ACL: Sub = Sub {
    key: "acl",
    root: "AccessControlPolicy",
    get: "s3:GetBucketAcl",
    put: "s3:PutBucketAcl",
};
const POLICY_STATUS: Sub = Sub {
    key: "policyStatus",
    root: "PolicyStatus",
    get: "s3:GetBucketPolicyStatus",
    put: "s3:GetBucketPolicyStatus",
};

/// The owner's `FULL_CONTROL` grant.
fn owner_full_control(account: &str) -> Grant {
    let owner = owner(account);
    Grant {
        grantee: Some(Grantee {
            display_name: owner.display_name,
            email_address: None,
            id: owner.id,
            type_: Type::from_static(Type::CANONICAL_USER),
            uri: None,
        }),
        permission: Some(Permission::from_static(Permission::FULL_CONTROL)),
    }
}

/// The grants of a canned ACL (`private`, `public-read`, …) on a bucket of `account`.
fn canned(acl: &str, account: &str) -> Result<Vec<Grant>, ApiError> {
    let group = |uri: &str, permission: &'static str| Grant {
        grantee: Some(Grantee {
            display_name: None,
            email_address: None,
            id: None,
            type_: Type::from_static(Type::GROUP),
            uri: Some(uri.to_owned()),
        }),
        permission: Some(Permission::from_static(permission)),
    };
    const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
    const AUTHENTICATED: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
    const LOG_DELIVERY: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";
    let mut grants = vec![owner_full_control(account)];
    match acl {
        "private" | "bucket-owner-full-control" | "bucket-owner-read" => {}
        "public-read" => grants.push(group(ALL_USERS, Permission::READ)),
        "public-read-write" => {
            grants.push(group(ALL_USERS, Permission::READ));
            grants.push(group(ALL_USERS, Permission::WRITE));
        }
        "authenticated-read" => grants.push(group(AUTHENTICATED, Permission::READ)),
        "log-delivery-write" => {
            grants.push(group(LOG_DELIVERY, Permission::WRITE));
            grants.push(group(LOG_DELIVERY, Permission::READ_ACP));
        }
        _ => {
            return Err(errors::invalid_argument(format!(
                "Invalid canned ACL: {acl}"
            )));
        }
    }
    Ok(grants)
}

/// The bucket's ACL as stored, or its owner's `FULL_CONTROL`.
fn acl_of(bucket: &OwnedBucket) -> AccessControlPolicy {
    stored::<StoredAcl>(bucket, ACL)
        .map(AccessControlPolicy::from)
        .unwrap_or_else(|| AccessControlPolicy {
            grants: Some(vec![owner_full_control(&bucket.owner)]),
            owner: Some(owner(&bucket.owner)),
        })
}

pub(crate) async fn get_acl(
    backend: &S3Backend,
    req: S3Request<GetBucketAclInput>,
) -> S3Result<S3Response<GetBucketAclOutput>> {
    let info = request_info(&req)?;
    let ctx = backend.config_call(&info, "GetBucketAcl", true, &req.input.bucket, ACL, None);
    let result = backend
        .owned_bucket(&info, &req.input.bucket, ACL.get)
        .map(|bucket| {
            let acl = acl_of(&bucket);
            GetBucketAclOutput {
                grants: acl.grants,
                owner: acl.owner,
            }
        });
    backend.finish(&ctx, &info, result).await
}

/// Whether `grants` give the owner alone (what a bucket without ACLs accepts).
fn owner_only(grants: &[Grant], account: &str) -> bool {
    let owner_id = owner(account).id;
    grants.iter().all(|g| {
        g.grantee
            .as_ref()
            .is_some_and(|grantee| grantee.id == owner_id)
            && g.permission
                .as_ref()
                .is_some_and(|p| p.as_str() == Permission::FULL_CONTROL)
    })
}

pub(crate) async fn put_acl(
    backend: &S3Backend,
    req: S3Request<PutBucketAclInput>,
) -> S3Result<S3Response<PutBucketAclOutput>> {
    let info = request_info(&req)?;
    let input = &req.input;
    let bucket_name = input.bucket.clone();
    let owner_account = backend
        .bucket(&bucket_name)
        .map(|b| b.owner)
        .unwrap_or_default();
    let policy = match (&input.acl, &input.access_control_policy) {
        (Some(acl), _) => canned(acl.as_str(), &owner_account).map(|grants| AccessControlPolicy {
            grants: Some(grants),
            owner: Some(owner(&owner_account)),
        }),
        (None, Some(policy)) => Ok(policy.clone()),
        (None, None) => Err(errors::malformed_xml()),
    };
    let recorded = policy
        .as_ref()
        .ok()
        .and_then(|p| serde_json::to_value(StoredAcl::from(p)).ok());
    let ctx = backend.config_call(&info, "PutBucketAcl", false, &bucket_name, ACL, recorded);
    let result = match policy {
        Ok(policy) => {
            let grants = policy.grants.clone().unwrap_or_default();
            let check = move |bucket: &OwnedBucket| match acls_disabled(bucket)
                && !owner_only(&grants, &bucket.owner)
            {
                true => Err(ApiError::client(
                    "AccessControlListNotSupported",
                    "The bucket does not allow ACLs",
                )),
                false => Ok(()),
            };
            backend
                .write_config(
                    &ctx,
                    &info,
                    &bucket_name,
                    ACL.put,
                    ACL,
                    Some(StoredAcl::from(&policy)),
                    check,
                )
                .await
        }
        Err(err) => Err(err),
    };
    backend
        .finish(&ctx, &info, result.map(|()| PutBucketAclOutput::default()))
        .await
}

pub(crate) async fn get_policy_status(
    backend: &S3Backend,
    req: S3Request<GetBucketPolicyStatusInput>,
) -> S3Result<S3Response<GetBucketPolicyStatusOutput>> {
    let info = request_info(&req)?;
    let ctx = backend.config_call(
        &info,
        "GetBucketPolicyStatus",
        true,
        &req.input.bucket,
        POLICY_STATUS,
        None,
    );
    let result = backend
        .owned_bucket(&info, &req.input.bucket, POLICY_STATUS.get)
        .and_then(|bucket| {
            let policy = bucket
                .record
                .policy
                .ok_or_else(errors::no_such_bucket_policy)?;
            Ok(GetBucketPolicyStatusOutput {
                policy_status: Some(PolicyStatus {
                    is_public: Some(is_public(&policy)),
                }),
            })
        });
    backend.finish(&ctx, &info, result).await
}
