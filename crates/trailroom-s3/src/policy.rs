//! Bucket policies as PutBucketPolicy accepts them: the statement checks shared by every
//! resource policy (`trailroom_policy::resource`) plus S3's own rules (actions `s3:*`, resources
//! inside the bucket) and messages. Evaluating a policy is `trailroom_policy::resource`'s.

use serde_json::Value;
use trailroom_policy::resource::{statements, strings, validate_statement as validate_common};
use trailroom_policy::wildcard_match;

/// Checks a bucket policy as PutBucketPolicy does; the error is the `MalformedPolicy` message.
pub fn validate_bucket_policy(text: &str, bucket: &str) -> Result<(), String> {
    let policy: Value = serde_json::from_str(text)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| "Policies must be valid JSON and the first byte must be '{'".to_owned())?;
    let statements = statements(&policy);
    if statements.is_empty() {
        return Err("Missing required field Statement".into());
    }
    statements
        .into_iter()
        .try_for_each(|s| validate_statement(s, bucket, "s3:"))
}

fn validate_statement(statement: &Value, bucket: &str, service_prefix: &str) -> Result<(), String> {
    validate_common(statement)?;
    let actions = statement
        .get("Action")
        .or_else(|| statement.get("NotAction"));
    let valid_action = |a: &str| a == "*" || a.to_ascii_lowercase().starts_with(service_prefix);
    if actions.is_some_and(|a| !strings(a).all(valid_action) || strings(a).next().is_none()) {
        return Err("Policy has invalid action".into());
    }
    let resources = statement
        .get("Resource")
        .or_else(|| statement.get("NotResource"))
        .ok_or_else(|| "Missing required field Resource".to_owned())?;
    let arn = format!("arn:aws:s3:::{bucket}");
    let in_bucket = |r: &str| {
        wildcard_match(r, &arn)
            || r.starts_with(&format!("{arn}/"))
            || wildcard_match(r, &format!("{arn}/x"))
    };
    if strings(resources).next().is_none() || !strings(resources).all(in_bucket) {
        return Err("Policy has invalid resource".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CloudTrail's write grant on bucket `logs`.
    fn cloudtrail_policy() -> String {
        serde_json::json!({"Statement": [{"Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::logs/AWSLogs/123456789012/*"}]})
        .to_string()
    }

    #[test]
    fn bucket_policy_validation() {
        assert!(validate_bucket_policy(&cloudtrail_policy(), "logs").is_ok());
        assert_eq!(
            validate_bucket_policy(&cloudtrail_policy(), "other").unwrap_err(),
            "Policy has invalid resource"
        );
        assert!(
            validate_bucket_policy("[]", "b")
                .unwrap_err()
                .contains("valid JSON")
        );
        let no_principal =
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#;
        assert_eq!(
            validate_bucket_policy(no_principal, "b").unwrap_err(),
            "Missing required field Principal"
        );
        let bad_effect = r#"{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#;
        assert_eq!(
            validate_bucket_policy(bad_effect, "b").unwrap_err(),
            "Invalid effect: Maybe"
        );
        let bad_action = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"arn:aws:s3:::b"}]}"#;
        assert_eq!(
            validate_bucket_policy(bad_action, "b").unwrap_err(),
            "Policy has invalid action"
        );
    }
}
