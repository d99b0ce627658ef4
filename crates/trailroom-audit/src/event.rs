//! The one builder of stored events: every management event (through [`crate::CallContext`]) and
//! every data event (S3 object calls, SNS Publish, through [`data_event`]) becomes its CloudTrail
//! record and its Event history row here, with the same size rules (`errorCode`, `errorMessage`
//! and `userAgent` cut at 1 KB, `requestParameters` and `responseElements` capped at 100 KB).

use serde_json::Value;
use trailroom_protocol::ApiError;
use trailroom_store::EventRow;

use crate::call_info::{CallInfo, Resource};
use crate::record::{
    Record, RecordResource, cap_100k, format_event_time, new_event_id, truncate_1k,
};
use crate::{EVENT_VERSION, user_identity};

/// CloudTrail's event categories as trailroom stores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Control-plane calls; Event history shows them.
    Management,
    /// Calls on data (objects, messages); only trails that select them deliver them.
    Data,
}

impl Category {
    fn name(self) -> &'static str {
        match self {
            Self::Management => "Management",
            Self::Data => "Data",
        }
    }
}

/// Everything one event is made of besides the call's fixed facts.
pub struct EventParts<'a> {
    /// The call's fixed facts (caller, region, source, name, readOnly).
    pub info: &'a CallInfo,
    /// Which kind of event.
    pub category: Category,
    /// When the call was received.
    pub now_ms: i64,
    /// `requestParameters` (an empty object is written as null).
    pub request_parameters: Value,
    /// `responseElements`, as decided by the caller (null when not logged).
    pub response_elements: Value,
    /// The error returned to the client, if any.
    pub error: Option<&'a ApiError>,
    /// `resources`.
    pub resources: &'a [Resource],
    /// The account owning the resources, when not the caller's.
    pub resource_account: Option<&'a str>,
    /// `additionalEventData` of a console sign-in (which makes it `AwsConsoleSignIn`).
    pub sign_in: Option<Value>,
}

/// The stored row (with its rendered record) of one event.
pub fn event_row(parts: EventParts<'_>) -> EventRow {
    let info = parts.info;
    let account = info.caller.principal.account_id().to_owned();
    let owner = parts.resource_account.unwrap_or(&account).to_owned();
    let error = parts.error;
    let record = Record {
        event_version: EVENT_VERSION,
        user_identity: user_identity(&info.caller),
        event_time: format_event_time(parts.now_ms),
        event_source: info.event_source.clone(),
        event_name: info.event_name.clone(),
        aws_region: info.region.clone(),
        source_ip_address: info.source_ip.clone(),
        user_agent: truncate_1k(info.user_agent.clone()),
        error_code: error
            .filter(|e| !e.code().is_empty())
            .map(|e| truncate_1k(e.code().to_owned())),
        error_message: error.map(|e| truncate_1k(e.message().to_owned())),
        request_parameters: cap_100k(non_empty(parts.request_parameters)),
        response_elements: cap_100k(parts.response_elements),
        event_type: match parts.sign_in {
            Some(_) => "AwsConsoleSignIn",
            None => "AwsApiCall",
        },
        additional_event_data: parts.sign_in,
        request_id: info.request_id.clone(),
        event_id: new_event_id(parts.now_ms),
        read_only: info.read_only,
        resources: parts
            .resources
            .iter()
            .map(|r| RecordResource {
                arn: r.name.clone(),
                account_id: owner.clone(),
                resource_type: r.resource_type.clone(),
            })
            .collect(),
        management_event: parts.category == Category::Management,
        recipient_account_id: account.clone(),
        event_category: parts.category.name(),
        tls_details: info.tls_details.clone(),
    };
    EventRow {
        seq: 0,
        event_id: record.event_id.clone(),
        account_id: account,
        region: info.region.clone(),
        event_time_ms: parts.now_ms,
        event_name: info.event_name.clone(),
        event_source: info.event_source.clone(),
        username: Some(info.caller.principal.display_name()),
        access_key_id: Some(info.caller.access_key_id.clone()).filter(|key| !key.is_empty()),
        read_only: info.read_only,
        category: parts.category.name().into(),
        resources: parts
            .resources
            .iter()
            .map(|r| (r.resource_type.clone(), r.name.clone()))
            .collect(),
        record_json: serde_json::to_string(&record).unwrap_or_default(),
    }
}

/// A data event of any service (S3 object calls, SNS Publish): a CloudTrail record like a
/// management event's, but `eventCategory: "Data"` and `managementEvent: false`, stored in the
/// `Data` category so Event history leaves it out.
pub struct DataEvent<'a> {
    /// The call's fixed facts (caller, region, source, name, readOnly).
    pub info: &'a CallInfo,
    /// `requestParameters`.
    pub request_parameters: Value,
    /// `responseElements` of a successful call.
    pub response_elements: Value,
    /// `resources`.
    pub resources: &'a [Resource],
    /// The account owning the resources, when not the caller's.
    pub resource_account: Option<&'a str>,
}

/// The stored row of a data event; `outcome` is the error returned to the client, if any.
pub fn data_event(event: &DataEvent<'_>, outcome: Result<(), &ApiError>, now_ms: i64) -> EventRow {
    let error = outcome.err();
    event_row(EventParts {
        info: event.info,
        category: Category::Data,
        now_ms,
        request_parameters: event.request_parameters.clone(),
        response_elements: match error {
            None => event.response_elements.clone(),
            Some(_) => Value::Null,
        },
        error,
        resources: event.resources,
        resource_account: event.resource_account,
        sign_in: None,
    })
}

/// An empty object means "no parameters" / "no response body": CloudTrail writes null.
pub(crate) fn non_empty(value: Value) -> Value {
    match value {
        Value::Object(map) if map.is_empty() => Value::Null,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use trailroom_identity::{Caller, Principal};

    use super::*;

    fn info(event_name: &str) -> CallInfo {
        CallInfo {
            caller: Caller {
                principal: Principal::Root {
                    account_id: "123456789012".into(),
                },
                access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
                session: None,
                invoked_by: None,
            },
            region: "us-east-1".into(),
            request_id: "req".into(),
            source_ip: "127.0.0.1".into(),
            user_agent: "u".repeat(2_000),
            event_source: "s3.amazonaws.com".into(),
            event_name: event_name.into(),
            read_only: false,
            log_response: true,
            tls_details: None,
            named_resources: None,
        }
    }

    fn record(row: &EventRow) -> Value {
        serde_json::from_str(&row.record_json).unwrap()
    }

    #[test]
    fn data_events_follow_the_size_rules_of_management_events() {
        let info = info("PutObject");
        let error = ApiError::client("E".repeat(2_000), "m".repeat(2_000));
        let huge = serde_json::json!({ "bucketName": "b", "key": "k".repeat(200_000) });
        let event = DataEvent {
            info: &info,
            request_parameters: huge,
            response_elements: Value::Null,
            resources: &[],
            resource_account: None,
        };
        let data = record(&data_event(&event, Err(&error), 1_000));
        let management = record(&event_row(EventParts {
            info: &info,
            category: Category::Management,
            now_ms: 1_000,
            request_parameters: event.request_parameters.clone(),
            response_elements: Value::Null,
            error: Some(&error),
            resources: &[],
            resource_account: None,
            sign_in: None,
        }));
        for field in [
            "errorCode",
            "errorMessage",
            "userAgent",
            "requestParameters",
        ] {
            assert_eq!(data[field], management[field], "{field}");
        }
        assert!(data["errorCode"].as_str().unwrap().len() <= 1_024);
        assert!(data["requestParameters"].to_string().len() < 110_000);
        assert_eq!(
            (
                data["eventCategory"].as_str(),
                data["managementEvent"].as_bool()
            ),
            (Some("Data"), Some(false))
        );
        assert_eq!(
            (
                management["eventCategory"].as_str(),
                management["managementEvent"].as_bool()
            ),
            (Some("Management"), Some(true))
        );
    }
}
