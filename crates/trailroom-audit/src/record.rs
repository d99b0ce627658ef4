//! The CloudTrail record, in the field order real records use.

use chrono::{DateTime, SecondsFormat};
use serde::Serialize;
use serde_json::Value;

/// One entry of `resources`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordResource {
    /// The resource ARN (upper-case key, as CloudTrail spells it).
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Account owning the resource.
    #[serde(rename = "accountId")]
    pub account_id: String,
    /// `AWS::<Service>::<Type>`.
    #[serde(rename = "type")]
    pub resource_type: String,
}

/// A management event record (`eventType` `AwsApiCall`, or `AwsConsoleSignIn` for sign-ins).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub event_version: &'static str,
    pub user_identity: Value,
    pub event_time: String,
    pub event_source: String,
    pub event_name: String,
    pub aws_region: String,
    #[serde(rename = "sourceIPAddress")]
    pub source_ip_address: String,
    pub user_agent: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    pub request_parameters: Value,
    pub response_elements: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_event_data: Option<Value>,
    #[serde(rename = "requestID")]
    pub request_id: String,
    #[serde(rename = "eventID")]
    pub event_id: String,
    pub read_only: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<RecordResource>,
    pub event_type: &'static str,
    pub management_event: bool,
    pub recipient_account_id: String,
    pub event_category: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_details: Option<Value>,
}

/// `eventTime`: UTC, whole seconds, literal `Z` (`2017-11-13T10:00:02Z`).
pub fn format_event_time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A fresh `eventID` for an event at `time_ms`: a UUID whose leading bits are the time (UUIDv7)
/// and the rest random. Ids that grow with time land at the end of the store's event-id index,
/// instead of on a random page of it for every event.
pub fn new_event_id(time_ms: i64) -> String {
    let ms = time_ms.max(0) as u64;
    let time =
        uuid::Timestamp::from_unix(uuid::NoContext, ms / 1000, (ms % 1000) as u32 * 1_000_000);
    uuid::Uuid::new_v7(time).to_string()
}

/// CloudTrail truncates these fields at 1 KB.
pub fn truncate_1k(mut text: String) -> String {
    const LIMIT: usize = 1024;
    if text.len() > LIMIT {
        let mut cut = LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// `requestParameters`/`responseElements` above 100 KB are omitted, as CloudTrail does.
pub fn cap_100k(value: Value) -> Value {
    const LIMIT: usize = 100 * 1024;
    match &value {
        Value::Null => value,
        _ if value.to_string().len() > LIMIT => Value::Null,
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_uuids_ordered_by_time() {
        let early = new_event_id(1_510_567_202_123);
        let late = new_event_id(1_510_567_202_124);
        let again = new_event_id(1_510_567_202_123);
        for id in [&early, &late, &again] {
            assert_eq!(uuid::Uuid::parse_str(id).unwrap().to_string(), *id);
        }
        assert!(early < late && again < late);
        assert_ne!(early, again);
    }

    #[test]
    fn event_time_has_seconds_and_z() {
        assert_eq!(format_event_time(1_510_567_202_123), "2017-11-13T10:00:02Z");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let long = "é".repeat(600);
        let cut = truncate_1k(long);
        assert!(cut.len() <= 1024);
        assert!(cut.chars().all(|c| c == 'é'));
    }

    #[test]
    fn oversized_parameters_are_omitted() {
        let big = Value::String("x".repeat(200 * 1024));
        assert_eq!(cap_100k(big), Value::Null);
        assert_eq!(
            cap_100k(serde_json::json!({"a": 1})),
            serde_json::json!({"a": 1})
        );
    }
}
