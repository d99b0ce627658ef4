//! The configuration subresources that are plain documents: tagging, versioning, default
//! encryption, public access block, ownership controls, lifecycle, logging, replication,
//! notification, object lock, CORS, website, request payment and transfer acceleration. Each
//! answers an unconfigured bucket as S3 does (an error such as `NoSuchTagSet`, an empty
//! document, or S3's default: SSE-S3 encryption, the bucket owner paying), and checks what S3
//! checks before storing (tags, a logging target that exists, versioning before replication or
//! object lock).

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result};
use trailroom_protocol::ApiError;

use super::stored::{StoredLogging, StoredOwnership};
use super::{NO_CONTENT, Sub, not_found, stored};
use crate::errors;
use crate::service::{OwnedBucket, S3Backend, request_info};

pub(crate) const TAGGING: Sub = Sub {
    key: "tagging",
    root: "Tagging",
    get: "s3:GetBucketTagging",
    put: "s3:PutBucketTagging",
};
pub(crate) const VERSIONING: Sub = Sub {
    key: "versioning",
    root: "VersioningConfiguration",
    get: "s3:GetBucketVersioning",
    put: "s3:PutBucketVersioning",
};
pub(crate) const ENCRYPTION: Sub = Sub {
    key: "encryption",
    root: "ServerSideEncryptionConfiguration",
    get: "s3:GetEncryptionConfiguration",
    put: "s3:PutEncryptionConfiguration",
};
pub(crate) const PUBLIC_ACCESS_BLOCK: Sub = Sub {
    key: "publicAccessBlock",
    root: "PublicAccessBlockConfiguration",
    get: "s3:GetBucketPublicAccessBlock",
    put: "s3:PutBucketPublicAccessBlock",
};
pub(crate) const OWNERSHIP_CONTROLS: Sub = Sub {
    key: "ownershipControls",
    root: "OwnershipControls",
    get: "s3:GetBucketOwnershipControls",
    put: "s3:PutBucketOwnershipControls",
};
pub(crate) const LIFECYCLE: Sub = Sub {
    key: "lifecycle",
    root: "LifecycleConfiguration",
    get: "s3:GetLifecycleConfiguration",
    put: "s3:PutLifecycleConfiguration",
};
pub(crate) const LOGGING: Sub = Sub {
    key: "logging",
    root: "BucketLoggingStatus",
    get: "s3:GetBucketLogging",
    put: "s3:PutBucketLogging",
};
pub(crate) const REPLICATION: Sub = Sub {
    key: "replication",
    root: "ReplicationConfiguration",
    get: "s3:GetReplicationConfiguration",
    put: "s3:PutReplicationConfiguration",
};
pub(crate) const NOTIFICATION: Sub = Sub {
    key: "notification",
    root: "NotificationConfiguration",
    get: "s3:GetBucketNotification",
    put: "s3:PutBucketNotification",
};
pub(crate) const OBJECT_LOCK: Sub = Sub {
    key: "object-lock",
    root: "ObjectLockConfiguration",
    get: "s3:GetBucketObjectLockConfiguration",
    put: "s3:PutBucketObjectLockConfiguration",
};
pub(crate) const CORS: Sub = Sub {
    key: "cors",
    root: "CORSConfiguration",
    get: "s3:GetBucketCORS",
    put: "s3:PutBucketCORS",
};
pub(crate) const WEBSITE: Sub = Sub {
    key: "website",
    root: "WebsiteConfiguration",
    get: "s3:GetBucketWebsite",
    put: "s3:PutBucketWebsite",
};
pub(crate) const REQUEST_PAYMENT: Sub = Sub {
    key: "requestPayment",
    root: "RequestPaymentConfiguration",
    get: "s3:GetBucketRequestPayment",
    put: "s3:PutBucketRequestPayment",
};
pub(crate) const ACCELERATE: Sub = Sub {
    key: "accelerate",
    root: "AccelerateConfiguration",
    get: "s3:GetAccelerateConfiguration",
    put: "s3:PutAccelerateConfiguration",
};

/// A read: the stored document (type `$stored`) turned into the answer by `$answer`.
macro_rules! reader {
    ($name:ident, $input:ty => $output:ty, $event:literal, $sub:expr, $stored:ty, $answer:expr) => {
        pub(crate) async fn $name(
            backend: &S3Backend,
            req: S3Request<$input>,
        ) -> S3Result<S3Response<$output>> {
            let info = request_info(&req)?;
            let bucket = &req.input.bucket;
            let ctx = backend.config_call(&info, $event, true, bucket, $sub, None);
            let answer: fn(Option<$stored>) -> Result<$output, ApiError> = $answer;
            let result = backend
                .read_config::<$stored>(&info, bucket, $sub)
                .and_then(|(_, stored)| answer(stored));
            backend.finish(&ctx, &info, result).await
        }
    };
}

/// A write (`Some` document) or delete (`None`), checked by `$check` against the bucket.
macro_rules! writer {
    (
        $name:ident, $input:ty => $output:expr, $event:literal, $sub:expr, $action:expr,
        $status:expr, |$backend:ident, $req:ident| $document:expr, $check:expr
    ) => {
        pub(crate) async fn $name(
            $backend: &S3Backend,
            $req: S3Request<$input>,
        ) -> S3Result<S3Response<<$input as Output>::Output>> {
            let info = request_info(&$req)?;
            let bucket = $req.input.bucket.clone();
            let document: Result<Option<_>, ApiError> = $document;
            let recorded = document
                .as_ref()
                .ok()
                .and_then(|d| d.as_ref())
                .and_then(|d| serde_json::to_value(d).ok());
            let ctx = $backend.config_call(&info, $event, false, &bucket, $sub, recorded);
            let result = match document {
                Ok(document) => {
                    $backend
                        .write_config(&ctx, &info, &bucket, $action, $sub, document, $check)
                        .await
                }
                Err(err) => Err(err),
            };
            let mut response = $backend
                .finish(&ctx, &info, result.map(|()| $output))
                .await?;
            if let Some(status) = $status {
                response.status = Some(status);
            }
            Ok(response)
        }
    };
}

/// The output type of an input's operation, so the writer macro names it once.
pub(crate) trait Output {
    type Output;
}

macro_rules! outputs {
    ($($input:ty => $output:ty),* $(,)?) => {
        $(impl Output for $input { type Output = $output; })*
    };
}

outputs! {
    PutBucketTaggingInput => PutBucketTaggingOutput,
    DeleteBucketTaggingInput => DeleteBucketTaggingOutput,
    PutBucketVersioningInput => PutBucketVersioningOutput,
    PutBucketEncryptionInput => PutBucketEncryptionOutput,
    DeleteBucketEncryptionInput => DeleteBucketEncryptionOutput,
    PutPublicAccessBlockInput => PutPublicAccessBlockOutput,
    DeletePublicAccessBlockInput => DeletePublicAccessBlockOutput,
    PutBucketOwnershipControlsInput => PutBucketOwnershipControlsOutput,
    DeleteBucketOwnershipControlsInput => DeleteBucketOwnershipControlsOutput,
    PutBucketLifecycleConfigurationInput => PutBucketLifecycleConfigurationOutput,
    DeleteBucketLifecycleInput => DeleteBucketLifecycleOutput,
    PutBucketLoggingInput => PutBucketLoggingOutput,
    PutBucketReplicationInput => PutBucketReplicationOutput,
    DeleteBucketReplicationInput => DeleteBucketReplicationOutput,
    PutBucketNotificationConfigurationInput => PutBucketNotificationConfigurationOutput,
    PutObjectLockConfigurationInput => PutObjectLockConfigurationOutput,
    PutBucketCorsInput => PutBucketCorsOutput,
    DeleteBucketCorsInput => DeleteBucketCorsOutput,
    PutBucketWebsiteInput => PutBucketWebsiteOutput,
    DeleteBucketWebsiteInput => DeleteBucketWebsiteOutput,
    PutBucketRequestPaymentInput => PutBucketRequestPaymentOutput,
    PutBucketAccelerateConfigurationInput => PutBucketAccelerateConfigurationOutput,
}

fn no_check(_: &OwnedBucket) -> Result<(), ApiError> {
    Ok(())
}

fn deleted<T>() -> Result<Option<T>, ApiError> {
    Ok(None)
}

// ---- tagging --------------------------------------------------------------------------------

/// S3's tag rules: at most 50, keys 1-128 and values up to 256 characters, unique keys, no
/// `aws:` prefix.
pub(super) fn check_tags(tags: &[Tag]) -> Result<(), ApiError> {
    let invalid = |m: &str| ApiError::client("InvalidTag", m);
    if tags.len() > 50 {
        return Err(invalid("Object tags cannot be greater than 50"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for tag in tags {
        let key = tag.key.as_deref().unwrap_or_default();
        let value = tag.value.as_deref().unwrap_or_default();
        if key.is_empty() || key.chars().count() > 128 || value.chars().count() > 256 {
            return Err(invalid("The TagKey you have provided is invalid"));
        }
        if key.starts_with("aws:") {
            return Err(invalid("Your TagKey cannot be prefixed with aws:"));
        }
        if !seen.insert(key) {
            return Err(invalid("Cannot provide multiple Tags with the same key"));
        }
    }
    Ok(())
}

reader!(get_tagging, GetBucketTaggingInput => GetBucketTaggingOutput, "GetBucketTagging",
TAGGING, Tagging, |tagging| {
    tagging
        .map(|t| GetBucketTaggingOutput { tag_set: t.tag_set })
        .ok_or_else(|| not_found("NoSuchTagSet", "The TagSet does not exist"))
});

writer!(put_tagging, PutBucketTaggingInput => PutBucketTaggingOutput {}, "PutBucketTagging",
    TAGGING, TAGGING.put, Some(NO_CONTENT), |_backend, req| {
        check_tags(&req.input.tagging.tag_set).map(|()| Some(req.input.tagging.clone()))
    }, no_check);

writer!(delete_tagging, DeleteBucketTaggingInput => DeleteBucketTaggingOutput {},
    "DeleteBucketTagging", TAGGING, TAGGING.put, Some(NO_CONTENT), |_backend, req| deleted::<Tagging>(),
    no_check);

/// The bucket's tags (for `aws:ResourceTag/*` and the tagging API).
pub(crate) fn bucket_tags(bucket: &OwnedBucket) -> Vec<(String, String)> {
    stored::<Tagging>(bucket, TAGGING)
        .map(|t| {
            t.tag_set
                .into_iter()
                .map(|tag| (tag.key.unwrap_or_default(), tag.value.unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default()
}

// ---- versioning -----------------------------------------------------------------------------

reader!(get_versioning, GetBucketVersioningInput => GetBucketVersioningOutput,
"GetBucketVersioning", VERSIONING, VersioningConfiguration, |versioning| {
    let versioning = versioning.unwrap_or_default();
    Ok(GetBucketVersioningOutput {
        status: versioning.status,
        mfa_delete: versioning
            .mfa_delete
            .map(|m| MFADeleteStatus::from(m.as_str().to_owned())),
    })
});

writer!(put_versioning, PutBucketVersioningInput => PutBucketVersioningOutput {},
    "PutBucketVersioning", VERSIONING, VERSIONING.put, None, |_backend, req| {
        Ok(Some(req.input.versioning_configuration.clone()))
    }, no_check);

fn versioning_enabled(bucket: &OwnedBucket) -> bool {
    stored::<VersioningConfiguration>(bucket, VERSIONING)
        .and_then(|v| v.status)
        .is_some_and(|s| s.as_str() == BucketVersioningStatus::ENABLED)
}

// ---- default encryption ---------------------------------------------------------------------

/// SSE-S3: every bucket's default encryption since January 2023.
pub(crate) fn default_encryption() -> ServerSideEncryptionConfiguration {
    ServerSideEncryptionConfiguration {
        rules: vec![ServerSideEncryptionRule {
            apply_server_side_encryption_by_default: Some(ServerSideEncryptionByDefault {
                kms_master_key_id: None,
                sse_algorithm: ServerSideEncryption::from_static(ServerSideEncryption::AES256),
            }),
            bucket_key_enabled: Some(false),
        }],
    }
}

reader!(get_encryption, GetBucketEncryptionInput => GetBucketEncryptionOutput,
"GetBucketEncryption", ENCRYPTION, ServerSideEncryptionConfiguration, |encryption| {
    Ok(GetBucketEncryptionOutput {
        server_side_encryption_configuration: Some(
            encryption.unwrap_or_else(default_encryption),
        ),
    })
});

writer!(put_encryption, PutBucketEncryptionInput => PutBucketEncryptionOutput {},
    "PutBucketEncryption", ENCRYPTION, ENCRYPTION.put, None, |_backend, req| {
        let configuration = req.input.server_side_encryption_configuration.clone();
        match configuration.rules.is_empty() {
            true => Err(errors::malformed_xml()),
            false => Ok(Some(configuration)),
        }
    }, no_check);

writer!(delete_encryption, DeleteBucketEncryptionInput => DeleteBucketEncryptionOutput {},
    "DeleteBucketEncryption", ENCRYPTION, ENCRYPTION.put, Some(NO_CONTENT),
    |_backend, req| deleted::<ServerSideEncryptionConfiguration>(), no_check);

// ---- public access block --------------------------------------------------------------------

/// All four settings on: what S3 sets on every new bucket since April 2023.
pub(crate) fn all_blocked() -> PublicAccessBlockConfiguration {
    PublicAccessBlockConfiguration {
        block_public_acls: Some(true),
        block_public_policy: Some(true),
        ignore_public_acls: Some(true),
        restrict_public_buckets: Some(true),
    }
}

/// The bucket's public access block, if set.
pub(crate) fn public_access_block(bucket: &OwnedBucket) -> Option<PublicAccessBlockConfiguration> {
    stored(bucket, PUBLIC_ACCESS_BLOCK)
}

reader!(get_public_access_block, GetPublicAccessBlockInput => GetPublicAccessBlockOutput,
"GetBucketPublicAccessBlock", PUBLIC_ACCESS_BLOCK, PublicAccessBlockConfiguration, |block| {
    block
        .map(|b| GetPublicAccessBlockOutput {
            public_access_block_configuration: Some(b),
        })
        .ok_or_else(|| {
            not_found(
                "NoSuchPublicAccessBlockConfiguration",
                "The public access block configuration was not found",
            )
        })
});

writer!(put_public_access_block, PutPublicAccessBlockInput => PutPublicAccessBlockOutput {},
    "PutBucketPublicAccessBlock", PUBLIC_ACCESS_BLOCK, PUBLIC_ACCESS_BLOCK.put, None, |_backend, req| {
        Ok(Some(req.input.public_access_block_configuration.clone()))
    }, no_check);

writer!(delete_public_access_block, DeletePublicAccessBlockInput => DeletePublicAccessBlockOutput {},
    "DeleteBucketPublicAccessBlock", PUBLIC_ACCESS_BLOCK, PUBLIC_ACCESS_BLOCK.put,
    Some(NO_CONTENT), |_backend, req| deleted::<PublicAccessBlockConfiguration>(), no_check);

// ---- ownership controls ---------------------------------------------------------------------

/// `BucketOwnerEnforced`: ACLs off, what S3 sets on every new bucket since April 2023.
pub(crate) fn owner_enforced() -> OwnershipControls {
    OwnershipControls {
        rules: vec![OwnershipControlsRule {
            object_ownership: ObjectOwnership::from_static(ObjectOwnership::BUCKET_OWNER_ENFORCED),
        }],
    }
}

/// Whether the bucket refuses ACLs (`BucketOwnerEnforced`).
pub(crate) fn acls_disabled(bucket: &OwnedBucket) -> bool {
    stored::<StoredOwnership>(bucket, OWNERSHIP_CONTROLS).is_some_and(|o| {
        o.rules
            .iter()
            .any(|r| r == ObjectOwnership::BUCKET_OWNER_ENFORCED)
    })
}

reader!(get_ownership_controls, GetBucketOwnershipControlsInput => GetBucketOwnershipControlsOutput,
"GetBucketOwnershipControls", OWNERSHIP_CONTROLS, StoredOwnership, |controls| {
    controls
        .map(|c| GetBucketOwnershipControlsOutput {
            ownership_controls: Some(c.into()),
        })
        .ok_or_else(|| {
            not_found(
                "OwnershipControlsNotFoundError",
                "The bucket ownership controls were not found",
            )
        })
});

writer!(put_ownership_controls, PutBucketOwnershipControlsInput => PutBucketOwnershipControlsOutput {},
    "PutBucketOwnershipControls", OWNERSHIP_CONTROLS, OWNERSHIP_CONTROLS.put, None, |_backend, req| {
        let controls = &req.input.ownership_controls;
        match controls.rules.len() {
            1 => Ok(Some(StoredOwnership::from(controls))),
            _ => Err(errors::malformed_xml()),
        }
    }, no_check);

writer!(delete_ownership_controls, DeleteBucketOwnershipControlsInput => DeleteBucketOwnershipControlsOutput {},
    "DeleteBucketOwnershipControls", OWNERSHIP_CONTROLS, OWNERSHIP_CONTROLS.put,
    Some(NO_CONTENT), |_backend, req| deleted::<StoredOwnership>(), no_check);

// ---- lifecycle ------------------------------------------------------------------------------

reader!(get_lifecycle, GetBucketLifecycleConfigurationInput => GetBucketLifecycleConfigurationOutput,
"GetBucketLifecycle", LIFECYCLE, BucketLifecycleConfiguration, |lifecycle| {
    lifecycle
        .map(|l| GetBucketLifecycleConfigurationOutput {
            rules: Some(l.rules),
            transition_default_minimum_object_size: None,
        })
        .ok_or_else(|| {
            not_found(
                "NoSuchLifecycleConfiguration",
                "The lifecycle configuration does not exist",
            )
        })
});

writer!(put_lifecycle, PutBucketLifecycleConfigurationInput => PutBucketLifecycleConfigurationOutput::default(),
    "PutBucketLifecycle", LIFECYCLE, LIFECYCLE.put, None, |_backend, req| {
        match req.input.lifecycle_configuration.clone() {
            Some(lifecycle) if !lifecycle.rules.is_empty() => Ok(Some(lifecycle)),
            _ => Err(errors::malformed_xml()),
        }
    }, no_check);

writer!(delete_lifecycle, DeleteBucketLifecycleInput => DeleteBucketLifecycleOutput {},
    "DeleteBucketLifecycle", LIFECYCLE, LIFECYCLE.put, Some(NO_CONTENT),
    |_backend, req| deleted::<BucketLifecycleConfiguration>(), no_check);

// ---- logging --------------------------------------------------------------------------------

reader!(get_logging, GetBucketLoggingInput => GetBucketLoggingOutput, "GetBucketLogging",
LOGGING, StoredLogging, |status| {
    Ok(GetBucketLoggingOutput {
        logging_enabled: status.and_then(StoredLogging::enabled),
    })
});

writer!(put_logging, PutBucketLoggingInput => PutBucketLoggingOutput {}, "PutBucketLogging",
    LOGGING, LOGGING.put, None, |backend, req| {
        let status = StoredLogging::from(&req.input.bucket_logging_status);
        match status.target_bucket.as_ref().is_some_and(|t| backend.bucket(t).is_err()) {
            // S3 checks that logs can be delivered where they are sent.
            true => Err(ApiError::client(
                "InvalidTargetBucketForLogging",
                "The target bucket for logging does not exist",
            )),
            false => Ok(Some(status)),
        }
    }, no_check);

// ---- replication and object lock (both need versioning) -------------------------------------

fn needs_versioning(what: &'static str) -> impl Fn(&OwnedBucket) -> Result<(), ApiError> {
    move |bucket| match versioning_enabled(bucket) {
        true => Ok(()),
        false => Err(ApiError::client(
            "InvalidRequest",
            format!("Versioning must be 'Enabled' on the bucket to apply a {what} configuration"),
        )),
    }
}

reader!(get_replication, GetBucketReplicationInput => GetBucketReplicationOutput,
"GetBucketReplication", REPLICATION, ReplicationConfiguration, |replication| {
    replication
        .map(|r| GetBucketReplicationOutput {
            replication_configuration: Some(r),
        })
        .ok_or_else(|| {
            not_found(
                "ReplicationConfigurationNotFoundError",
                "The replication configuration was not found",
            )
        })
});

writer!(put_replication, PutBucketReplicationInput => PutBucketReplicationOutput {},
    "PutBucketReplication", REPLICATION, REPLICATION.put, None, |_backend, req| {
        Ok(Some(req.input.replication_configuration.clone()))
    }, needs_versioning("replication"));

writer!(delete_replication, DeleteBucketReplicationInput => DeleteBucketReplicationOutput {},
    "DeleteBucketReplication", REPLICATION, REPLICATION.put, Some(NO_CONTENT),
    |_backend, req| deleted::<ReplicationConfiguration>(), no_check);

reader!(get_object_lock, GetObjectLockConfigurationInput => GetObjectLockConfigurationOutput,
"GetObjectLockConfiguration", OBJECT_LOCK, ObjectLockConfiguration, |lock| {
    lock.map(|l| GetObjectLockConfigurationOutput {
        object_lock_configuration: Some(l),
    })
    .ok_or_else(|| {
        not_found(
            "ObjectLockConfigurationNotFoundError",
            "Object Lock configuration does not exist for this bucket",
        )
    })
});

writer!(put_object_lock, PutObjectLockConfigurationInput => PutObjectLockConfigurationOutput::default(),
    "PutObjectLockConfiguration", OBJECT_LOCK, OBJECT_LOCK.put, None, |_backend, req| {
        req.input
            .object_lock_configuration
            .clone()
            .map(Some)
            .ok_or_else(errors::malformed_xml)
    }, needs_versioning("Object Lock"));

// ---- notification ---------------------------------------------------------------------------

reader!(get_notification, GetBucketNotificationConfigurationInput => GetBucketNotificationConfigurationOutput,
"GetBucketNotification", NOTIFICATION, NotificationConfiguration, |notification| {
    let n = notification.unwrap_or_default();
    Ok(GetBucketNotificationConfigurationOutput {
        event_bridge_configuration: n.event_bridge_configuration,
        lambda_function_configurations: n.lambda_function_configurations,
        queue_configurations: n.queue_configurations,
        topic_configurations: n.topic_configurations,
    })
});

writer!(put_notification, PutBucketNotificationConfigurationInput => PutBucketNotificationConfigurationOutput {},
    "PutBucketNotification", NOTIFICATION, NOTIFICATION.put, None, |_backend, req| {
        Ok(Some(req.input.notification_configuration.clone()))
    }, no_check);

// ---- CORS and website -----------------------------------------------------------------------

reader!(get_cors, GetBucketCorsInput => GetBucketCorsOutput, "GetBucketCors", CORS,
CORSConfiguration, |cors| {
    cors.map(|c| GetBucketCorsOutput {
        cors_rules: Some(c.cors_rules),
    })
    .ok_or_else(|| not_found("NoSuchCORSConfiguration", "The CORS configuration does not exist"))
});

writer!(put_cors, PutBucketCorsInput => PutBucketCorsOutput {}, "PutBucketCors", CORS, CORS.put,
    None, |_backend, req| {
        let cors = req.input.cors_configuration.clone();
        match cors.cors_rules.is_empty() || cors.cors_rules.len() > 100 {
            true => Err(errors::malformed_xml()),
            false => Ok(Some(cors)),
        }
    }, no_check);

writer!(delete_cors, DeleteBucketCorsInput => DeleteBucketCorsOutput {}, "DeleteBucketCors", CORS,
    CORS.put, Some(NO_CONTENT), |_backend, req| deleted::<CORSConfiguration>(), no_check);

reader!(get_website, GetBucketWebsiteInput => GetBucketWebsiteOutput, "GetBucketWebsite",
WEBSITE, WebsiteConfiguration, |website| {
    website
        .map(|w| GetBucketWebsiteOutput {
            error_document: w.error_document,
            index_document: w.index_document,
            redirect_all_requests_to: w.redirect_all_requests_to,
            routing_rules: w.routing_rules,
        })
        .ok_or_else(|| {
            not_found(
                "NoSuchWebsiteConfiguration",
                "The specified bucket does not have a website configuration",
            )
        })
});

writer!(put_website, PutBucketWebsiteInput => PutBucketWebsiteOutput {}, "PutBucketWebsite",
    WEBSITE, WEBSITE.put, None, |_backend, req| {
        let website = req.input.website_configuration.clone();
        match website.index_document.is_some() || website.redirect_all_requests_to.is_some() {
            true => Ok(Some(website)),
            false => Err(errors::malformed_xml()),
        }
    }, no_check);

writer!(delete_website, DeleteBucketWebsiteInput => DeleteBucketWebsiteOutput {},
    "DeleteBucketWebsite", WEBSITE, "s3:DeleteBucketWebsite", Some(NO_CONTENT),
    |_backend, req| deleted::<WebsiteConfiguration>(), no_check);

// ---- request payment and acceleration -------------------------------------------------------

reader!(get_request_payment, GetBucketRequestPaymentInput => GetBucketRequestPaymentOutput,
"GetBucketRequestPayment", REQUEST_PAYMENT, RequestPaymentConfiguration, |payment| {
    Ok(GetBucketRequestPaymentOutput {
        payer: Some(
            payment
                .map(|p| p.payer)
                .unwrap_or_else(|| Payer::from_static(Payer::BUCKET_OWNER)),
        ),
    })
});

writer!(put_request_payment, PutBucketRequestPaymentInput => PutBucketRequestPaymentOutput {},
    "PutBucketRequestPayment", REQUEST_PAYMENT, REQUEST_PAYMENT.put, None, |_backend, req| {
        Ok(Some(req.input.request_payment_configuration.clone()))
    }, no_check);

reader!(get_accelerate, GetBucketAccelerateConfigurationInput => GetBucketAccelerateConfigurationOutput,
"GetBucketAccelerateConfiguration", ACCELERATE, AccelerateConfiguration, |accelerate| {
    Ok(GetBucketAccelerateConfigurationOutput {
        request_charged: None,
        status: accelerate.and_then(|a| a.status),
    })
});

writer!(put_accelerate, PutBucketAccelerateConfigurationInput => PutBucketAccelerateConfigurationOutput {},
    "PutBucketAccelerateConfiguration", ACCELERATE, ACCELERATE.put, None, |_backend, req| {
        // Transfer acceleration needs a bucket name usable as a DNS label.
        match req.input.bucket.contains('.') {
            true => Err(ApiError::client(
                "InvalidRequest",
                "S3 Transfer Acceleration is not supported for buckets with periods (.) in their names",
            )),
            false => Ok(Some(req.input.accelerate_configuration.clone())),
        }
    }, no_check);
