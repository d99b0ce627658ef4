//! The s3s [`S3`] trait over [`S3Backend`]: each operation takes the verified caller from the
//! request, runs its handler, records its event (management or data), and answers.
//! Operations not listed here answer s3s's `NotImplemented`.

use s3s::dto::*;
use s3s::{S3, S3Request, S3Response, S3Result};
use serde_json::{Value, json};
use trailroom_audit::CallContext;
use trailroom_protocol::ApiError;

use crate::bucket_config::{acl, listings, settings};
use crate::calls::{ObjectCall, RequestInfo};
use crate::errors::to_s3_error;
use crate::service::{S3Backend, request_info};
use crate::{buckets, list_ops, multipart, objects};

impl S3Backend {
    /// Records a management call's event and turns its result into the s3s answer.
    pub(crate) async fn finish<T>(
        &self,
        ctx: &CallContext,
        info: &RequestInfo,
        result: Result<T, ApiError>,
    ) -> S3Result<S3Response<T>> {
        let recorded = ctx.finish(result.as_ref().map(|_| Value::Null)).await;
        match (result, recorded) {
            (Ok(output), Ok(())) => Ok(S3Response::new(output)),
            (Err(err), _) | (_, Err(err)) => Err(to_s3_error(&err, &info.request_id)),
        }
    }

    /// Records an object call's data event unless its handler committed it with its write
    /// (`written` for a successful write), and turns the result into the s3s answer.
    async fn finish_data<T>(
        &self,
        info: &RequestInfo,
        call: &ObjectCall,
        written: bool,
        result: Result<T, ApiError>,
    ) -> S3Result<S3Response<T>> {
        let recorded = match (&result, written) {
            (Ok(_), true) => Ok(()),
            (outcome, _) => {
                let outcome = outcome.as_ref().map(|_| ());
                self.recorder
                    .record(self.recorder.data_row(info, call, outcome))
                    .await
            }
        };
        match (result, recorded) {
            (Ok(output), Ok(())) => Ok(S3Response::new(output)),
            (Err(err), _) | (_, Err(err)) => Err(to_s3_error(&err, &info.request_id)),
        }
    }

    pub(crate) fn bucket_call(
        &self,
        info: &RequestInfo,
        name: &str,
        read_only: bool,
        bucket: &str,
        extra: Value,
    ) -> CallContext {
        self.recorder
            .management(info, name, read_only, Some(bucket), extra)
    }
}

fn object_call(
    name: &'static str,
    read_only: bool,
    bucket: &str,
    key: Option<&str>,
    extra: Value,
) -> ObjectCall {
    ObjectCall {
        event_name: name.to_owned(),
        read_only,
        bucket: bucket.to_owned(),
        key: key.map(str::to_owned),
        bucket_owner: None,
        extra,
    }
}

/// Drops `null` members, so optional request parameters are simply absent.
fn compact(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).collect())
        }
        other => other,
    }
}

#[async_trait::async_trait]
impl S3 for S3Backend {
    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        let info = request_info(&req)?;
        let extra = match req
            .input
            .create_bucket_configuration
            .as_ref()
            .and_then(|c| c.location_constraint.as_ref())
        {
            Some(c) => json!({"CreateBucketConfiguration": {
                "LocationConstraint": c.as_str(), "xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"}}),
            None => json!({}),
        };
        let ctx = self.bucket_call(&info, "CreateBucket", false, &req.input.bucket, extra);
        let result = buckets::create(self, &ctx, &info, req.input).await;
        self.finish(&ctx, &info, result).await
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        let info = request_info(&req)?;
        let ctx = self.bucket_call(&info, "DeleteBucket", false, &req.input.bucket, json!({}));
        let result = buckets::delete(self, &ctx, &info, &req.input.bucket).await;
        self.finish(&ctx, &info, result.map(|()| DeleteBucketOutput {}))
            .await
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        let info = request_info(&req)?;
        let ctx = self.bucket_call(&info, "HeadBucket", true, &req.input.bucket, json!({}));
        let result = buckets::head(self, &info, &req.input.bucket);
        self.finish(&ctx, &info, result).await
    }

    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        let info = request_info(&req)?;
        let ctx = self
            .recorder
            .management(&info, "ListBuckets", true, None, json!({}));
        let result = buckets::list(self, &info);
        self.finish(&ctx, &info, result).await
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        let info = request_info(&req)?;
        let ctx = self.bucket_call(
            &info,
            "GetBucketLocation",
            true,
            &req.input.bucket,
            json!({"location": ""}),
        );
        let result = buckets::location(self, &info, &req.input.bucket);
        self.finish(&ctx, &info, result).await
    }

    async fn put_bucket_policy(
        &self,
        req: S3Request<PutBucketPolicyInput>,
    ) -> S3Result<S3Response<PutBucketPolicyOutput>> {
        let info = request_info(&req)?;
        let parsed = serde_json::from_str::<Value>(&req.input.policy).unwrap_or(Value::Null);
        let extra = compact(json!({"bucketPolicy": parsed, "policy": ""}));
        let ctx = self.bucket_call(&info, "PutBucketPolicy", false, &req.input.bucket, extra);
        let result =
            buckets::put_policy(self, &ctx, &info, &req.input.bucket, req.input.policy).await;
        let mut response = self
            .finish(&ctx, &info, result.map(|()| PutBucketPolicyOutput {}))
            .await?;
        response.status = Some(buckets::NO_CONTENT);
        Ok(response)
    }

    async fn get_bucket_policy(
        &self,
        req: S3Request<GetBucketPolicyInput>,
    ) -> S3Result<S3Response<GetBucketPolicyOutput>> {
        let info = request_info(&req)?;
        let ctx = self.bucket_call(
            &info,
            "GetBucketPolicy",
            true,
            &req.input.bucket,
            json!({"policy": ""}),
        );
        let result = buckets::get_policy(self, &info, &req.input.bucket).map(|policy| {
            GetBucketPolicyOutput {
                policy: Some(policy),
            }
        });
        self.finish(&ctx, &info, result).await
    }

    async fn delete_bucket_policy(
        &self,
        req: S3Request<DeleteBucketPolicyInput>,
    ) -> S3Result<S3Response<DeleteBucketPolicyOutput>> {
        let info = request_info(&req)?;
        let ctx = self.bucket_call(
            &info,
            "DeleteBucketPolicy",
            false,
            &req.input.bucket,
            json!({"policy": ""}),
        );
        let result = buckets::delete_policy(self, &ctx, &info, &req.input.bucket).await;
        let mut response = self
            .finish(&ctx, &info, result.map(|()| DeleteBucketPolicyOutput {}))
            .await?;
        response.status = Some(buckets::NO_CONTENT);
        Ok(response)
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        let info = request_info(&req)?;
        let i = &req.input;
        let extra = compact(
            json!({"prefix": i.prefix, "delimiter": i.delimiter, "marker": i.marker,
            "max-keys": i.max_keys, "encoding-type": i.encoding_type.as_ref().map(|e| e.as_str())}),
        );
        let call = object_call("ListObjects", true, &i.bucket, None, extra);
        let result = list_ops::list_v1(self, &info, req.input);
        self.finish_data(&info, &call, false, result).await
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let info = request_info(&req)?;
        let i = &req.input;
        let extra = compact(
            json!({"list-type": 2, "prefix": i.prefix, "delimiter": i.delimiter,
            "start-after": i.start_after, "max-keys": i.max_keys,
            "encoding-type": i.encoding_type.as_ref().map(|e| e.as_str())}),
        );
        let call = object_call("ListObjects", true, &i.bucket, None, extra);
        let result = list_ops::list_v2(self, &info, req.input);
        self.finish_data(&info, &call, false, result).await
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        let info = request_info(&req)?;
        let extra = compact(json!({"x-amz-acl": req.input.acl.as_ref().map(|a| a.as_str())}));
        let call = object_call(
            "PutObject",
            false,
            &req.input.bucket,
            Some(&req.input.key),
            extra,
        );
        let event = || self.recorder.data_row(&info, &call, Ok(()));
        let result = objects::put(self, &info, req.input, event).await;
        self.finish_data(&info, &call, true, result).await
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let info = request_info(&req)?;
        let call = object_call(
            "GetObject",
            true,
            &req.input.bucket,
            Some(&req.input.key),
            json!({}),
        );
        let result = objects::get(self, &info, req.input).await;
        self.finish_data(&info, &call, false, result).await
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        let info = request_info(&req)?;
        let call = object_call(
            "HeadObject",
            true,
            &req.input.bucket,
            Some(&req.input.key),
            json!({}),
        );
        let result = objects::head(self, &info, &req.input);
        self.finish_data(&info, &call, false, result).await
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        let info = request_info(&req)?;
        let call = object_call(
            "DeleteObject",
            false,
            &req.input.bucket,
            Some(&req.input.key),
            json!({}),
        );
        let event = || self.recorder.data_row(&info, &call, Ok(()));
        let result = objects::delete(self, &info, &req.input.bucket, &req.input.key, event).await;
        self.finish_data(
            &info,
            &call,
            true,
            result.map(|()| DeleteObjectOutput::default()),
        )
        .await
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let info = request_info(&req)?;
        let call = object_call(
            "DeleteObjects",
            false,
            &req.input.bucket,
            None,
            json!({"delete": ""}),
        );
        let event = || self.recorder.data_row(&info, &call, Ok(()));
        let result = objects::delete_many(self, &info, req.input, event).await;
        self.finish_data(&info, &call, true, result).await
    }

    async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        let info = request_info(&req)?;
        let source = match &req.input.copy_source {
            CopySource::Bucket { bucket, key, .. } => format!("{bucket}/{key}"),
            _ => String::new(),
        };
        let extra = json!({"x-amz-copy-source": source});
        let call = object_call(
            "CopyObject",
            false,
            &req.input.bucket,
            Some(&req.input.key),
            extra,
        );
        let event = || self.recorder.data_row(&info, &call, Ok(()));
        let result = objects::copy(self, &info, req.input, event).await;
        self.finish_data(&info, &call, true, result).await
    }

    // ---- multipart uploads (multipart) -----------------------------------------------------

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let info = request_info(&req)?;
        let extra = json!({"uploads": ""});
        let call = object_call(
            "CreateMultipartUpload",
            false,
            &req.input.bucket,
            Some(&req.input.key),
            extra,
        );
        let event = self.recorder.data_row(&info, &call, Ok(()));
        let result = multipart::create(self, &info, req.input, event).await;
        self.finish_data(&info, &call, true, result).await
    }

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        let info = request_info(&req)?;
        let extra = json!({"partNumber": req.input.part_number, "uploadId": req.input.upload_id});
        let call = object_call(
            "UploadPart",
            false,
            &req.input.bucket,
            Some(&req.input.key),
            extra,
        );
        let event = self.recorder.data_row(&info, &call, Ok(()));
        let result = multipart::upload_part(self, &info, req.input, event).await;
        self.finish_data(&info, &call, true, result).await
    }

    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        let info = request_info(&req)?;
        let source = match &req.input.copy_source {
            CopySource::Bucket { bucket, key, .. } => format!("{bucket}/{key}"),
            _ => String::new(),
        };
        let extra = json!({"partNumber": req.input.part_number, "uploadId": req.input.upload_id,
            "x-amz-copy-source": source});
        let call = object_call(
            "UploadPartCopy",
            false,
            &req.input.bucket,
            Some(&req.input.key),
            extra,
        );
        let event = self.recorder.data_row(&info, &call, Ok(()));
        let result = multipart::upload_part_copy(self, &info, req.input, event).await;
        self.finish_data(&info, &call, true, result).await
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let info = request_info(&req)?;
        let extra = json!({"uploadId": req.input.upload_id});
        let call = object_call(
            "CompleteMultipartUpload",
            false,
            &req.input.bucket,
            Some(&req.input.key),
            extra,
        );
        let event = self.recorder.data_row(&info, &call, Ok(()));
        let result = multipart::complete(self, &info, req.input, event).await;
        self.finish_data(&info, &call, true, result).await
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let info = request_info(&req)?;
        let extra = json!({"uploadId": req.input.upload_id});
        let call = object_call(
            "AbortMultipartUpload",
            false,
            &req.input.bucket,
            Some(&req.input.key),
            extra,
        );
        let event = self.recorder.data_row(&info, &call, Ok(()));
        let result = multipart::abort(self, &info, req.input, event).await;
        let mut response = self.finish_data(&info, &call, true, result).await?;
        response.status = Some(buckets::NO_CONTENT);
        Ok(response)
    }

    async fn list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        let info = request_info(&req)?;
        let extra = json!({"uploadId": req.input.upload_id});
        let call = object_call(
            "ListParts",
            true,
            &req.input.bucket,
            Some(&req.input.key),
            extra,
        );
        let result = multipart::list_parts(self, &info, req.input);
        self.finish_data(&info, &call, false, result).await
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        let info = request_info(&req)?;
        let extra = compact(json!({"uploads": "", "prefix": req.input.prefix}));
        let ctx = self.bucket_call(
            &info,
            "ListMultipartUploads",
            true,
            &req.input.bucket,
            extra,
        );
        let result = multipart::list_uploads(self, &info, req.input);
        self.finish(&ctx, &info, result).await
    }

    // ---- bucket configuration (bucket_config) ----------------------------------------------

    async fn get_bucket_tagging(
        &self,
        req: S3Request<GetBucketTaggingInput>,
    ) -> S3Result<S3Response<GetBucketTaggingOutput>> {
        settings::get_tagging(self, req).await
    }

    async fn put_bucket_tagging(
        &self,
        req: S3Request<PutBucketTaggingInput>,
    ) -> S3Result<S3Response<PutBucketTaggingOutput>> {
        settings::put_tagging(self, req).await
    }

    async fn delete_bucket_tagging(
        &self,
        req: S3Request<DeleteBucketTaggingInput>,
    ) -> S3Result<S3Response<DeleteBucketTaggingOutput>> {
        settings::delete_tagging(self, req).await
    }

    async fn get_bucket_versioning(
        &self,
        req: S3Request<GetBucketVersioningInput>,
    ) -> S3Result<S3Response<GetBucketVersioningOutput>> {
        settings::get_versioning(self, req).await
    }

    async fn put_bucket_versioning(
        &self,
        req: S3Request<PutBucketVersioningInput>,
    ) -> S3Result<S3Response<PutBucketVersioningOutput>> {
        settings::put_versioning(self, req).await
    }

    async fn get_bucket_encryption(
        &self,
        req: S3Request<GetBucketEncryptionInput>,
    ) -> S3Result<S3Response<GetBucketEncryptionOutput>> {
        settings::get_encryption(self, req).await
    }

    async fn put_bucket_encryption(
        &self,
        req: S3Request<PutBucketEncryptionInput>,
    ) -> S3Result<S3Response<PutBucketEncryptionOutput>> {
        settings::put_encryption(self, req).await
    }

    async fn delete_bucket_encryption(
        &self,
        req: S3Request<DeleteBucketEncryptionInput>,
    ) -> S3Result<S3Response<DeleteBucketEncryptionOutput>> {
        settings::delete_encryption(self, req).await
    }

    async fn get_public_access_block(
        &self,
        req: S3Request<GetPublicAccessBlockInput>,
    ) -> S3Result<S3Response<GetPublicAccessBlockOutput>> {
        settings::get_public_access_block(self, req).await
    }

    async fn put_public_access_block(
        &self,
        req: S3Request<PutPublicAccessBlockInput>,
    ) -> S3Result<S3Response<PutPublicAccessBlockOutput>> {
        settings::put_public_access_block(self, req).await
    }

    async fn delete_public_access_block(
        &self,
        req: S3Request<DeletePublicAccessBlockInput>,
    ) -> S3Result<S3Response<DeletePublicAccessBlockOutput>> {
        settings::delete_public_access_block(self, req).await
    }

    async fn get_bucket_ownership_controls(
        &self,
        req: S3Request<GetBucketOwnershipControlsInput>,
    ) -> S3Result<S3Response<GetBucketOwnershipControlsOutput>> {
        settings::get_ownership_controls(self, req).await
    }

    async fn put_bucket_ownership_controls(
        &self,
        req: S3Request<PutBucketOwnershipControlsInput>,
    ) -> S3Result<S3Response<PutBucketOwnershipControlsOutput>> {
        settings::put_ownership_controls(self, req).await
    }

    async fn delete_bucket_ownership_controls(
        &self,
        req: S3Request<DeleteBucketOwnershipControlsInput>,
    ) -> S3Result<S3Response<DeleteBucketOwnershipControlsOutput>> {
        settings::delete_ownership_controls(self, req).await
    }

    async fn get_bucket_lifecycle_configuration(
        &self,
        req: S3Request<GetBucketLifecycleConfigurationInput>,
    ) -> S3Result<S3Response<GetBucketLifecycleConfigurationOutput>> {
        settings::get_lifecycle(self, req).await
    }

    async fn put_bucket_lifecycle_configuration(
        &self,
        req: S3Request<PutBucketLifecycleConfigurationInput>,
    ) -> S3Result<S3Response<PutBucketLifecycleConfigurationOutput>> {
        settings::put_lifecycle(self, req).await
    }

    async fn delete_bucket_lifecycle(
        &self,
        req: S3Request<DeleteBucketLifecycleInput>,
    ) -> S3Result<S3Response<DeleteBucketLifecycleOutput>> {
        settings::delete_lifecycle(self, req).await
    }

    async fn get_bucket_logging(
        &self,
        req: S3Request<GetBucketLoggingInput>,
    ) -> S3Result<S3Response<GetBucketLoggingOutput>> {
        settings::get_logging(self, req).await
    }

    async fn put_bucket_logging(
        &self,
        req: S3Request<PutBucketLoggingInput>,
    ) -> S3Result<S3Response<PutBucketLoggingOutput>> {
        settings::put_logging(self, req).await
    }

    async fn get_bucket_replication(
        &self,
        req: S3Request<GetBucketReplicationInput>,
    ) -> S3Result<S3Response<GetBucketReplicationOutput>> {
        settings::get_replication(self, req).await
    }

    async fn put_bucket_replication(
        &self,
        req: S3Request<PutBucketReplicationInput>,
    ) -> S3Result<S3Response<PutBucketReplicationOutput>> {
        settings::put_replication(self, req).await
    }

    async fn delete_bucket_replication(
        &self,
        req: S3Request<DeleteBucketReplicationInput>,
    ) -> S3Result<S3Response<DeleteBucketReplicationOutput>> {
        settings::delete_replication(self, req).await
    }

    async fn get_bucket_notification_configuration(
        &self,
        req: S3Request<GetBucketNotificationConfigurationInput>,
    ) -> S3Result<S3Response<GetBucketNotificationConfigurationOutput>> {
        settings::get_notification(self, req).await
    }

    async fn put_bucket_notification_configuration(
        &self,
        req: S3Request<PutBucketNotificationConfigurationInput>,
    ) -> S3Result<S3Response<PutBucketNotificationConfigurationOutput>> {
        settings::put_notification(self, req).await
    }

    async fn get_object_lock_configuration(
        &self,
        req: S3Request<GetObjectLockConfigurationInput>,
    ) -> S3Result<S3Response<GetObjectLockConfigurationOutput>> {
        settings::get_object_lock(self, req).await
    }

    async fn put_object_lock_configuration(
        &self,
        req: S3Request<PutObjectLockConfigurationInput>,
    ) -> S3Result<S3Response<PutObjectLockConfigurationOutput>> {
        settings::put_object_lock(self, req).await
    }

    async fn get_bucket_cors(
        &self,
        req: S3Request<GetBucketCorsInput>,
    ) -> S3Result<S3Response<GetBucketCorsOutput>> {
        settings::get_cors(self, req).await
    }

    async fn put_bucket_cors(
        &self,
        req: S3Request<PutBucketCorsInput>,
    ) -> S3Result<S3Response<PutBucketCorsOutput>> {
        settings::put_cors(self, req).await
    }

    async fn delete_bucket_cors(
        &self,
        req: S3Request<DeleteBucketCorsInput>,
    ) -> S3Result<S3Response<DeleteBucketCorsOutput>> {
        settings::delete_cors(self, req).await
    }

    async fn get_bucket_website(
        &self,
        req: S3Request<GetBucketWebsiteInput>,
    ) -> S3Result<S3Response<GetBucketWebsiteOutput>> {
        settings::get_website(self, req).await
    }

    async fn put_bucket_website(
        &self,
        req: S3Request<PutBucketWebsiteInput>,
    ) -> S3Result<S3Response<PutBucketWebsiteOutput>> {
        settings::put_website(self, req).await
    }

    async fn delete_bucket_website(
        &self,
        req: S3Request<DeleteBucketWebsiteInput>,
    ) -> S3Result<S3Response<DeleteBucketWebsiteOutput>> {
        settings::delete_website(self, req).await
    }

    async fn get_bucket_request_payment(
        &self,
        req: S3Request<GetBucketRequestPaymentInput>,
    ) -> S3Result<S3Response<GetBucketRequestPaymentOutput>> {
        settings::get_request_payment(self, req).await
    }

    async fn put_bucket_request_payment(
        &self,
        req: S3Request<PutBucketRequestPaymentInput>,
    ) -> S3Result<S3Response<PutBucketRequestPaymentOutput>> {
        settings::put_request_payment(self, req).await
    }

    async fn get_bucket_accelerate_configuration(
        &self,
        req: S3Request<GetBucketAccelerateConfigurationInput>,
    ) -> S3Result<S3Response<GetBucketAccelerateConfigurationOutput>> {
        settings::get_accelerate(self, req).await
    }

    async fn put_bucket_accelerate_configuration(
        &self,
        req: S3Request<PutBucketAccelerateConfigurationInput>,
    ) -> S3Result<S3Response<PutBucketAccelerateConfigurationOutput>> {
        settings::put_accelerate(self, req).await
    }

    async fn get_bucket_acl(
        &self,
        req: S3Request<GetBucketAclInput>,
    ) -> S3Result<S3Response<GetBucketAclOutput>> {
        acl::get_acl(self, req).await
    }

    async fn put_bucket_acl(
        &self,
        req: S3Request<PutBucketAclInput>,
    ) -> S3Result<S3Response<PutBucketAclOutput>> {
        acl::put_acl(self, req).await
    }

    async fn get_bucket_policy_status(
        &self,
        req: S3Request<GetBucketPolicyStatusInput>,
    ) -> S3Result<S3Response<GetBucketPolicyStatusOutput>> {
        acl::get_policy_status(self, req).await
    }

    async fn put_bucket_analytics_configuration(
        &self,
        req: S3Request<PutBucketAnalyticsConfigurationInput>,
    ) -> S3Result<S3Response<PutBucketAnalyticsConfigurationOutput>> {
        listings::put_analytics(self, req).await
    }

    async fn get_bucket_analytics_configuration(
        &self,
        req: S3Request<GetBucketAnalyticsConfigurationInput>,
    ) -> S3Result<S3Response<GetBucketAnalyticsConfigurationOutput>> {
        listings::get_analytics(self, req).await
    }

    async fn delete_bucket_analytics_configuration(
        &self,
        req: S3Request<DeleteBucketAnalyticsConfigurationInput>,
    ) -> S3Result<S3Response<DeleteBucketAnalyticsConfigurationOutput>> {
        listings::delete_analytics(self, req).await
    }

    async fn list_bucket_analytics_configurations(
        &self,
        req: S3Request<ListBucketAnalyticsConfigurationsInput>,
    ) -> S3Result<S3Response<ListBucketAnalyticsConfigurationsOutput>> {
        listings::list_analytics(self, req).await
    }

    async fn put_bucket_metrics_configuration(
        &self,
        req: S3Request<PutBucketMetricsConfigurationInput>,
    ) -> S3Result<S3Response<PutBucketMetricsConfigurationOutput>> {
        listings::put_metrics(self, req).await
    }

    async fn get_bucket_metrics_configuration(
        &self,
        req: S3Request<GetBucketMetricsConfigurationInput>,
    ) -> S3Result<S3Response<GetBucketMetricsConfigurationOutput>> {
        listings::get_metrics(self, req).await
    }

    async fn delete_bucket_metrics_configuration(
        &self,
        req: S3Request<DeleteBucketMetricsConfigurationInput>,
    ) -> S3Result<S3Response<DeleteBucketMetricsConfigurationOutput>> {
        listings::delete_metrics(self, req).await
    }

    async fn list_bucket_metrics_configurations(
        &self,
        req: S3Request<ListBucketMetricsConfigurationsInput>,
    ) -> S3Result<S3Response<ListBucketMetricsConfigurationsOutput>> {
        listings::list_metrics(self, req).await
    }

    async fn put_bucket_inventory_configuration(
        &self,
        req: S3Request<PutBucketInventoryConfigurationInput>,
    ) -> S3Result<S3Response<PutBucketInventoryConfigurationOutput>> {
        listings::put_inventory(self, req).await
    }

    async fn get_bucket_inventory_configuration(
        &self,
        req: S3Request<GetBucketInventoryConfigurationInput>,
    ) -> S3Result<S3Response<GetBucketInventoryConfigurationOutput>> {
        listings::get_inventory(self, req).await
    }

    async fn delete_bucket_inventory_configuration(
        &self,
        req: S3Request<DeleteBucketInventoryConfigurationInput>,
    ) -> S3Result<S3Response<DeleteBucketInventoryConfigurationOutput>> {
        listings::delete_inventory(self, req).await
    }

    async fn list_bucket_inventory_configurations(
        &self,
        req: S3Request<ListBucketInventoryConfigurationsInput>,
    ) -> S3Result<S3Response<ListBucketInventoryConfigurationsOutput>> {
        listings::list_inventory(self, req).await
    }

    async fn put_bucket_intelligent_tiering_configuration(
        &self,
        req: S3Request<PutBucketIntelligentTieringConfigurationInput>,
    ) -> S3Result<S3Response<PutBucketIntelligentTieringConfigurationOutput>> {
        listings::put_intelligent_tiering(self, req).await
    }

    async fn get_bucket_intelligent_tiering_configuration(
        &self,
        req: S3Request<GetBucketIntelligentTieringConfigurationInput>,
    ) -> S3Result<S3Response<GetBucketIntelligentTieringConfigurationOutput>> {
        listings::get_intelligent_tiering(self, req).await
    }

    async fn delete_bucket_intelligent_tiering_configuration(
        &self,
        req: S3Request<DeleteBucketIntelligentTieringConfigurationInput>,
    ) -> S3Result<S3Response<DeleteBucketIntelligentTieringConfigurationOutput>> {
        listings::delete_intelligent_tiering(self, req).await
    }

    async fn list_bucket_intelligent_tiering_configurations(
        &self,
        req: S3Request<ListBucketIntelligentTieringConfigurationsInput>,
    ) -> S3Result<S3Response<ListBucketIntelligentTieringConfigurationsOutput>> {
        listings::list_intelligent_tiering(self, req).await
    }
}
