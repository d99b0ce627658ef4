//! How S3 calls are recorded.
//!
//! Bucket-level calls are CloudTrail *management* events, recorded through a [`CallContext`] like
//! every other service's calls. Object-level calls (and ListObjects) are *data* events
//! (`eventCategory: "Data"`, `managementEvent: false`): [`object_call`] builds their row, and the
//! object handlers append it in the same store write as the object's document (or alone, for reads
//! and failures), before the response. Event history never shows them (it reads the `Management`
//! category); trail delivery must pick them only for trails whose selectors ask for data events.

use std::sync::Arc;

use serde_json::{Value, json};
use trailroom_audit::{CallContext, CallInfo, Clock, DataEvent, Resource, data_event};
use trailroom_identity::Caller;
use trailroom_protocol::ApiError;
use trailroom_store::{EventRow, Store};

use crate::records::{bucket_arn, object_arn};

/// `eventSource` of S3 events.
pub const EVENT_SOURCE: &str = "s3.amazonaws.com";

/// Who made an S3 request and how. The server puts it in the request's extensions after
/// verifying the signature; a request without it is anonymous and is refused.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// The verified caller.
    pub caller: Caller,
    /// Region of the signature's credential scope.
    pub region: String,
    /// The request id returned as `x-amz-request-id`.
    pub request_id: String,
    /// `sourceIPAddress`.
    pub source_ip: String,
    /// `User-Agent`.
    pub user_agent: String,
    /// The `Host` header (S3 records it in `requestParameters`).
    pub host: String,
    /// Whether the signature came in the query string (a presigned URL).
    pub presigned: bool,
    /// `tlsDetails` when the request came over TLS.
    pub tls_details: Option<Value>,
}

impl RequestInfo {
    /// The caller's account.
    pub fn account(&self) -> &str {
        self.caller.principal.account_id()
    }

    /// The audit facts of a call with this name.
    pub fn call_info(&self, event_name: &str, read_only: bool) -> CallInfo {
        CallInfo {
            caller: self.caller.clone(),
            region: self.region.clone(),
            request_id: self.request_id.clone(),
            source_ip: self.source_ip.clone(),
            user_agent: self.user_agent.clone(),
            event_source: EVENT_SOURCE.into(),
            event_name: event_name.into(),
            read_only,
            // S3 management events carry no responseElements.
            log_response: false,
            tls_details: self.tls_details.clone(),
            named_resources: None,
        }
    }
}

/// What the recorder needs besides the request.
#[derive(Clone)]
pub(crate) struct Recorder {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub recording: bool,
}

impl Recorder {
    /// The context of a bucket-level (management) call on `bucket` (none for ListBuckets).
    pub fn management(
        &self,
        info: &RequestInfo,
        event_name: &str,
        read_only: bool,
        bucket: Option<&str>,
        extra: Value,
    ) -> CallContext {
        let ctx = CallContext::new(
            info.call_info(event_name, read_only),
            self.store.clone(),
            self.clock.clone(),
            self.recording,
        );
        ctx.set_request_parameters(request_parameters(info, bucket, None, extra));
        if let Some(bucket) = bucket {
            ctx.add_resource("AWS::S3::Bucket", bucket_arn(bucket));
        }
        ctx
    }

    /// Appends a data event on its own (reads, and calls that failed before writing).
    pub async fn record(&self, row: Option<EventRow>) -> Result<(), ApiError> {
        let Some(row) = row else {
            return Ok(());
        };
        trailroom_store::write(self.store.as_ref(), move |txn| txn.append_event(&row))
            .await
            .map_err(trailroom_audit::store_failure)?
            .map(|_| ())
            .map_err(trailroom_audit::store_failure)
    }

    /// The row of an object-level call when recording is on.
    pub fn data_row(
        &self,
        info: &RequestInfo,
        call: &ObjectCall,
        outcome: Result<(), &ApiError>,
    ) -> Option<EventRow> {
        self.recording
            .then(|| object_call(info, call, outcome, self.clock.now_ms()))
    }
}

/// An object-level call, as its data event describes it.
#[derive(Debug, Clone)]
pub struct ObjectCall {
    /// `eventName` (`PutObject`, `GetObject`, `ListObjects`, …).
    pub event_name: String,
    /// `readOnly`.
    pub read_only: bool,
    /// The bucket.
    pub bucket: String,
    /// The key, for calls on one object.
    pub key: Option<String>,
    /// The bucket owner's account (the resources' `accountId`); the caller's when unknown.
    pub bucket_owner: Option<String>,
    /// Further `requestParameters` members.
    pub extra: Value,
}

/// The data event of an object-level call: the hook through which every S3 object call is
/// recorded. `outcome` is `Err` with the error returned to the client for failed calls.
pub fn object_call(
    info: &RequestInfo,
    call: &ObjectCall,
    outcome: Result<(), &ApiError>,
    now_ms: i64,
) -> EventRow {
    let mut resources = Vec::new();
    if let Some(key) = &call.key {
        resources.push(Resource {
            resource_type: "AWS::S3::Object".into(),
            name: object_arn(&call.bucket, key),
        });
    }
    resources.push(Resource {
        resource_type: "AWS::S3::Bucket".into(),
        name: bucket_arn(&call.bucket),
    });
    let params = request_parameters(
        info,
        Some(&call.bucket),
        call.key.as_deref(),
        call.extra.clone(),
    );
    let event = DataEvent {
        info: &info.call_info(&call.event_name, call.read_only),
        request_parameters: params,
        response_elements: Value::Null,
        resources: &resources,
        resource_account: call.bucket_owner.as_deref(),
    };
    data_event(&event, outcome, now_ms)
}

/// S3's `requestParameters`: `bucketName`, `Host`, `key` when there is one, then `extra`.
fn request_parameters(
    info: &RequestInfo,
    bucket: Option<&str>,
    key: Option<&str>,
    extra: Value,
) -> Value {
    let mut params = json!({});
    if let Some(bucket) = bucket {
        params["bucketName"] = bucket.into();
    }
    params["Host"] = info.host.clone().into();
    if let Some(key) = key {
        params["key"] = key.into();
    }
    if let Value::Object(extra) = extra {
        for (k, v) in extra {
            params[k] = v;
        }
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailroom_identity::Principal;

    fn info() -> RequestInfo {
        RequestInfo {
            caller: Caller {
                principal: Principal::Root {
                    account_id: "123456789012".into(),
                },
                access_key_id: "AKIAEXAMPLE".into(),
                session: None,
                invoked_by: None,
            },
            region: "us-east-1".into(),
            request_id: "req".into(),
            source_ip: "127.0.0.1".into(),
            user_agent: "ua".into(),
            host: "127.0.0.1:4570".into(),
            presigned: false,
            tls_details: None,
        }
    }

    #[test]
    fn object_calls_are_data_events() {
        let call = ObjectCall {
            event_name: "GetObject".into(),
            read_only: true,
            bucket: "b".into(),
            key: Some("k/1".into()),
            bucket_owner: None,
            extra: json!({}),
        };
        let row = object_call(&info(), &call, Ok(()), 1_700_000_000_000);
        assert_eq!(row.category, "Data");
        let record: Value = serde_json::from_str(&row.record_json).unwrap();
        assert_eq!(record["eventCategory"], "Data");
        assert_eq!(record["managementEvent"], false);
        assert_eq!(
            record["requestParameters"],
            json!({"bucketName": "b", "Host": "127.0.0.1:4570", "key": "k/1"})
        );
        assert_eq!(record["resources"][0]["type"], "AWS::S3::Object");
        assert_eq!(record["resources"][1]["ARN"], "arn:aws:s3:::b");
        let failed = object_call(&info(), &call, Err(&crate::errors::no_such_key()), 0);
        let record: Value = serde_json::from_str(&failed.record_json).unwrap();
        assert_eq!(record["errorCode"], "NoSuchKey");
    }
}
