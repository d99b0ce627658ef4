//! The s3s [`S3`] trait over [`S3Backend`]: each operation takes the verified caller from the
//! request, runs its handler, records its event (management or data), and answers.
//! Operations not listed here answer s3s's `NotImplemented`.

use s3s::dto::*;
use s3s::{S3, S3Request, S3Response, S3Result};
use serde_json::{Value, json};
use trailroom_audit::CallContext;
use trailroom_protocol::ApiError;

use crate::calls::{ObjectCall, RequestInfo};
use crate::errors::to_s3_error;
use crate::service::{S3Backend, request_info};
use crate::{buckets, list_ops, objects};

impl S3Backend {
    /// Records a management call's event and turns its result into the s3s answer.
    async fn finish<T>(
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

    fn bucket_call(
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

    async fn get_bucket_acl(
        &self,
        req: S3Request<GetBucketAclInput>,
    ) -> S3Result<S3Response<GetBucketAclOutput>> {
        let info = request_info(&req)?;
        let ctx = self.bucket_call(
            &info,
            "GetBucketAcl",
            true,
            &req.input.bucket,
            json!({"acl": ""}),
        );
        let result = buckets::acl(self, &info, &req.input.bucket);
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
}
