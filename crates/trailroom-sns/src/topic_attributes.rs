//! The topic attributes SNS documents for CreateTopic and SetTopicAttributes: which exist, which
//! only FIFO (or only standard) topics take, which are fixed at creation, and what values each
//! accepts. Values are kept as given; GetTopicAttributes returns them.

use trailroom_protocol::ApiError;

use crate::output::invalid_parameter;

/// Protocols with delivery-status feedback attributes (`<P>SuccessFeedbackRoleArn`, …).
const FEEDBACK_PROTOCOLS: [&str; 5] = ["Application", "HTTP", "Firehose", "Lambda", "SQS"];

/// Which topics an attribute applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applies {
    Any,
    FifoOnly,
}

/// The attributes with fixed names (the feedback ones are matched by [`feedback_kind`]).
const NAMED: [(&str, Applies); 10] = [
    ("Policy", Applies::Any),
    ("DisplayName", Applies::Any),
    ("DeliveryPolicy", Applies::Any),
    ("KmsMasterKeyId", Applies::Any),
    ("SignatureVersion", Applies::Any),
    ("TracingConfig", Applies::Any),
    ("FifoTopic", Applies::FifoOnly),
    ("ContentBasedDeduplication", Applies::FifoOnly),
    ("ArchivePolicy", Applies::FifoOnly),
    ("FifoThroughputScope", Applies::FifoOnly),
];

/// The kind of a delivery-status attribute name, if it is one.
fn feedback_kind(name: &str) -> Option<&'static str> {
    let rest = FEEDBACK_PROTOCOLS
        .iter()
        .find_map(|p| name.strip_prefix(p))?;
    [
        "SuccessFeedbackRoleArn",
        "SuccessFeedbackSampleRate",
        "FailureFeedbackRoleArn",
    ]
    .into_iter()
    .find(|kind| *kind == rest)
}

/// Whether `name` is an attribute of a topic at all.
fn applies(name: &str) -> Option<Applies> {
    if feedback_kind(name).is_some() {
        return Some(Applies::Any);
    }
    NAMED.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
}

/// Whether a CreateTopic's attributes ask for a FIFO topic.
pub(crate) fn asks_for_fifo(attributes: &std::collections::BTreeMap<String, String>) -> bool {
    attributes
        .get("FifoTopic")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Checks one attribute for a topic that is (or will be) FIFO when `fifo`. `creating` allows
/// `FifoTopic`, which cannot change afterwards.
pub(crate) fn check(name: &str, value: &str, fifo: bool, creating: bool) -> Result<(), ApiError> {
    let Some(applies) = applies(name) else {
        return Err(invalid_parameter("AttributeName"));
    };
    if name == "FifoTopic" && !creating {
        return Err(invalid_parameter("AttributeName"));
    }
    if applies == Applies::FifoOnly && !fifo && !(name == "FifoTopic" && creating) {
        return Err(invalid_parameter(&format!(
            "Attributes Reason: {name} is only valid for FIFO topics"
        )));
    }
    check_value(name, value, fifo)
}

fn check_value(name: &str, value: &str, fifo: bool) -> Result<(), ApiError> {
    let bad = |reason: &str| Err(invalid_parameter(&format!("{name}: {reason}")));
    match name {
        "Policy" => {
            validate_topic_policy(value).map_err(|m| ApiError::client("InvalidParameter", m))
        }
        "DeliveryPolicy" | "ArchivePolicy" if !is_json_object(value) && !value.is_empty() => {
            bad("failed to parse JSON")
        }
        "ArchivePolicy" => check_archive_policy(value),
        "DisplayName" if value.chars().count() > 100 => bad("must be at most 100 characters"),
        "SignatureVersion" if !matches!(value, "1" | "2") => bad("must be 1 or 2"),
        "TracingConfig" if !matches!(value, "PassThrough" | "Active") => {
            bad("must be PassThrough or Active")
        }
        "TracingConfig" if value == "Active" && fifo => {
            bad("Active tracing is not supported on FIFO topics")
        }
        "FifoTopic" | "ContentBasedDeduplication"
            if !value.eq_ignore_ascii_case("true") && !value.eq_ignore_ascii_case("false") =>
        {
            bad("must be true or false")
        }
        "FifoThroughputScope" if !matches!(value, "Topic" | "MessageGroup") => {
            bad("must be Topic or MessageGroup")
        }
        _ if feedback_kind(name) == Some("SuccessFeedbackSampleRate")
            && !value.parse::<u8>().is_ok_and(|rate| rate <= 100) =>
        {
            bad("must be an integer from 0 to 100")
        }
        _ if feedback_kind(name).is_some_and(|k| k.ends_with("RoleArn"))
            && !value.is_empty()
            && !value.starts_with("arn:") =>
        {
            bad("must be an IAM role ARN")
        }
        _ => Ok(()),
    }
}

fn is_json_object(value: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(value).is_ok_and(|v| v.is_object())
}

/// `{"MessageRetentionPeriod": "1".."365"}` (a string or a number), or empty to stop archiving.
fn check_archive_policy(value: &str) -> Result<(), ApiError> {
    if value.is_empty() {
        return Ok(());
    }
    let policy: serde_json::Value = serde_json::from_str(value).unwrap_or_default();
    let days = match &policy["MessageRetentionPeriod"] {
        serde_json::Value::String(s) => s.parse::<u32>().ok(),
        serde_json::Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        _ => None,
    };
    match days {
        Some(1..=365) => Ok(()),
        _ => Err(invalid_parameter(
            "ArchivePolicy: MessageRetentionPeriod must be between 1 and 365 days",
        )),
    }
}

/// A data protection policy: a JSON object with `Name`, `Version` and a `Statement` list.
pub(crate) fn check_data_protection_policy(value: &str) -> Result<(), ApiError> {
    let policy: serde_json::Value = serde_json::from_str(value).unwrap_or_default();
    let valid = policy["Name"].is_string()
        && policy["Version"].is_string()
        && policy["Statement"]
            .as_array()
            .is_some_and(|s| !s.is_empty());
    if valid && value.len() <= 30_720 {
        Ok(())
    } else {
        Err(invalid_parameter(
            "DataProtectionPolicy: the policy must be a JSON object with Name, Version and a \
             non-empty Statement list, at most 30,720 characters",
        ))
    }
}

/// Checks an SNS topic policy's structure as SetTopicAttributes does; the error is the
/// `InvalidParameter` message.
pub fn validate_topic_policy(text: &str) -> Result<(), String> {
    let policy: serde_json::Value = serde_json::from_str(text)
        .ok()
        .filter(serde_json::Value::is_object)
        .ok_or_else(|| "Invalid parameter: Policy Error: null".to_owned())?;
    let statements = trailroom_policy::resource::statements(&policy);
    if statements.is_empty() {
        return Err("Invalid parameter: Policy Error: Missing required field Statement".into());
    }
    for statement in statements {
        trailroom_policy::resource::validate_statement(statement)
            .map_err(|m| format!("Invalid parameter: Policy Error: {m}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_attribute_is_known() {
        for name in [
            "Policy",
            "DisplayName",
            "DeliveryPolicy",
            "KmsMasterKeyId",
            "SignatureVersion",
            "TracingConfig",
            "HTTPSuccessFeedbackRoleArn",
            "SQSSuccessFeedbackSampleRate",
            "LambdaFailureFeedbackRoleArn",
            "FirehoseSuccessFeedbackRoleArn",
            "ApplicationFailureFeedbackRoleArn",
        ] {
            assert!(applies(name).is_some(), "{name}");
        }
        assert_eq!(applies("HTTPFailureFeedbackSampleRate"), None);
        assert_eq!(applies("Bogus"), None);
    }

    #[test]
    fn fifo_attributes_need_a_fifo_topic() {
        assert!(check("ContentBasedDeduplication", "true", false, true).is_err());
        assert!(check("ContentBasedDeduplication", "true", true, false).is_ok());
        assert!(check("FifoTopic", "true", false, true).is_ok());
        assert!(check("FifoTopic", "true", true, false).is_err());
        assert!(check("FifoThroughputScope", "MessageGroup", true, false).is_ok());
        assert!(check("FifoThroughputScope", "Queue", true, false).is_err());
    }

    #[test]
    fn values_are_checked() {
        assert!(check("SignatureVersion", "2", false, false).is_ok());
        assert!(check("SignatureVersion", "3", false, false).is_err());
        assert!(check("TracingConfig", "Active", false, false).is_ok());
        assert!(check("TracingConfig", "Active", true, false).is_err());
        assert!(check("HTTPSuccessFeedbackSampleRate", "100", false, false).is_ok());
        assert!(check("HTTPSuccessFeedbackSampleRate", "101", false, false).is_err());
        assert!(check("DeliveryPolicy", "{", false, false).is_err());
        assert!(
            check(
                "ArchivePolicy",
                r#"{"MessageRetentionPeriod":"30"}"#,
                true,
                false
            )
            .is_ok()
        );
        assert!(
            check(
                "ArchivePolicy",
                r#"{"MessageRetentionPeriod":"0"}"#,
                true,
                false
            )
            .is_err()
        );
        assert!(check("DisplayName", &"x".repeat(101), false, false).is_err());
    }

    #[test]
    fn data_protection_policies_are_checked() {
        let good = r#"{"Name":"p","Version":"2021-06-01","Statement":[{"Sid":"s"}]}"#;
        assert!(check_data_protection_policy(good).is_ok());
        assert!(check_data_protection_policy("{}").is_err());
        assert!(check_data_protection_policy("nope").is_err());
    }
}
