//! Resource policies (bucket policies, SNS topic policies): validation and evaluation.
//!
//! The evaluator follows IAM's rules for a single resource policy: a statement applies when its
//! principal, action, resource and conditions all match; an applicable `Deny` wins over any
//! `Allow`; nothing applicable means not allowed. Actions match case-insensitively, resources and
//! condition values with `*`/`?` wildcards where the operator allows them. Condition keys are
//! looked up case-insensitively in the request context (`aws:SourceArn`, `s3:x-amz-acl`, …).
//!
//! Knows nothing about buckets, topics or storage: callers pass the policy text.

use std::collections::BTreeMap;

use serde_json::Value;

/// Who is asking, as a policy's `Principal` sees it.
#[derive(Debug, Clone, Copy)]
pub enum PolicyPrincipal<'a> {
    /// An AWS service principal such as `cloudtrail.amazonaws.com`.
    Service(&'a str),
    /// An IAM principal: the ARNs it answers to and its account.
    Aws {
        /// ARNs naming the principal (user ARN, assumed-role ARN and role ARN, …).
        arns: &'a [String],
        /// Its 12-digit account.
        account: &'a str,
    },
}

/// The outcome of evaluating one policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An applicable statement allows and none denies.
    Allow,
    /// An applicable statement denies.
    Deny,
    /// No statement applies.
    NotApplicable,
}

/// Whether `policy` allows `principal_service` (e.g. `cloudtrail.amazonaws.com`) to perform
/// `action` (e.g. `s3:PutObject`) on `resource_arn`, given the request `context` (condition keys
/// such as `aws:SourceArn`). A policy that is not valid JSON allows nothing.
pub fn allows(
    policy: &str,
    principal_service: &str,
    action: &str,
    resource_arn: &str,
    context: &BTreeMap<String, String>,
) -> bool {
    let principal = PolicyPrincipal::Service(principal_service);
    evaluate_text(policy, &principal, action, resource_arn, context) == Decision::Allow
}

/// [`evaluate`] on policy text; unparsable text applies to nothing.
pub fn evaluate_text(
    policy: &str,
    principal: &PolicyPrincipal<'_>,
    action: &str,
    resource_arn: &str,
    context: &BTreeMap<String, String>,
) -> Decision {
    match serde_json::from_str::<Value>(policy) {
        Ok(value) => evaluate(&value, principal, action, resource_arn, context),
        Err(_) => Decision::NotApplicable,
    }
}

/// Evaluates a parsed policy document.
pub fn evaluate(
    policy: &Value,
    principal: &PolicyPrincipal<'_>,
    action: &str,
    resource_arn: &str,
    context: &BTreeMap<String, String>,
) -> Decision {
    let context: BTreeMap<String, &str> = context
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str()))
        .collect();
    let mut decision = Decision::NotApplicable;
    for statement in statements(policy) {
        if !applies(statement, principal, action, resource_arn, &context) {
            continue;
        }
        match statement.get("Effect").and_then(Value::as_str) {
            Some("Deny") => return Decision::Deny,
            Some("Allow") => decision = Decision::Allow,
            _ => {}
        }
    }
    decision
}

/// The `Statement` entries (one object or an array of them).
fn statements(policy: &Value) -> Vec<&Value> {
    match policy.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    }
}

fn applies(
    statement: &Value,
    principal: &PolicyPrincipal<'_>,
    action: &str,
    resource: &str,
    context: &BTreeMap<String, &str>,
) -> bool {
    let principal_ok = match (statement.get("Principal"), statement.get("NotPrincipal")) {
        (Some(p), _) => principal_matches(p, principal),
        (None, Some(p)) => !principal_matches(p, principal),
        (None, None) => false,
    };
    let action_ok = match (statement.get("Action"), statement.get("NotAction")) {
        (Some(a), _) => strings(a)
            .any(|p| wildcard_match(&p.to_ascii_lowercase(), &action.to_ascii_lowercase())),
        (None, Some(a)) => !strings(a)
            .any(|p| wildcard_match(&p.to_ascii_lowercase(), &action.to_ascii_lowercase())),
        (None, None) => false,
    };
    let resource_ok = match (statement.get("Resource"), statement.get("NotResource")) {
        (Some(r), _) => strings(r).any(|p| wildcard_match(p, resource)),
        (None, Some(r)) => !strings(r).any(|p| wildcard_match(p, resource)),
        // A resource policy may leave the resource implicit: it is the resource it is attached to.
        (None, None) => true,
    };
    principal_ok
        && action_ok
        && resource_ok
        && statement
            .get("Condition")
            .is_none_or(|c| conditions_hold(c, context))
}

/// A string or an array of strings, as policy elements are written.
fn strings(value: &Value) -> impl Iterator<Item = &str> {
    let items: Vec<&str> = match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    items.into_iter()
}

fn principal_matches(element: &Value, principal: &PolicyPrincipal<'_>) -> bool {
    if element.as_str() == Some("*") {
        return true;
    }
    match principal {
        PolicyPrincipal::Service(service) => element
            .get("Service")
            .is_some_and(|s| strings(s).any(|v| v.eq_ignore_ascii_case(service))),
        PolicyPrincipal::Aws { arns, account } => element.get("AWS").is_some_and(|a| {
            strings(a).any(|v| {
                v == "*"
                    || v == *account
                    || v == format!("arn:aws:iam::{account}:root")
                    || arns.iter().any(|arn| arn == v)
            })
        }),
    }
}

/// Every operator block must hold; within a block every key must hold.
fn conditions_hold(conditions: &Value, context: &BTreeMap<String, &str>) -> bool {
    let Some(blocks) = conditions.as_object() else {
        return false;
    };
    blocks.iter().all(|(operator, block)| {
        block.as_object().is_some_and(|keys| {
            keys.iter().all(|(key, expected)| {
                let actual = context.get(&key.to_ascii_lowercase()).copied();
                condition_holds(operator, actual, expected)
            })
        })
    })
}

fn condition_holds(operator: &str, actual: Option<&str>, expected: &Value) -> bool {
    let operator = operator
        .strip_prefix("ForAnyValue:")
        .or_else(|| operator.strip_prefix("ForAllValues:"))
        .unwrap_or(operator);
    let (base, if_exists) = match operator.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (operator, false),
    };
    let values: Vec<String> = match expected {
        Value::Array(items) => items.iter().map(scalar_text).collect(),
        other => vec![scalar_text(other)],
    };
    if base == "Null" {
        let wants_absent = values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return wants_absent == actual.is_none();
    }
    let negated = base.contains("Not");
    let Some(actual) = actual else {
        // A missing key fails positive operators and satisfies negated ones.
        return if_exists || negated;
    };
    let any = |test: &dyn Fn(&str) -> bool| values.iter().any(|v| test(v));
    match base {
        "StringEquals" => any(&|v| v == actual),
        "StringNotEquals" => !any(&|v| v == actual),
        "StringEqualsIgnoreCase" => any(&|v| v.eq_ignore_ascii_case(actual)),
        "StringNotEqualsIgnoreCase" => !any(&|v| v.eq_ignore_ascii_case(actual)),
        "StringLike" | "ArnLike" | "ArnEquals" => any(&|v| wildcard_match(v, actual)),
        "StringNotLike" | "ArnNotLike" | "ArnNotEquals" => !any(&|v| wildcard_match(v, actual)),
        "Bool" => any(&|v| v.eq_ignore_ascii_case(actual)),
        "NumericEquals" => numeric(actual, &values, |a, b| a == b),
        "NumericNotEquals" => !numeric(actual, &values, |a, b| a == b),
        "NumericLessThan" => numeric(actual, &values, |a, b| a < b),
        "NumericLessThanEquals" => numeric(actual, &values, |a, b| a <= b),
        "NumericGreaterThan" => numeric(actual, &values, |a, b| a > b),
        "NumericGreaterThanEquals" => numeric(actual, &values, |a, b| a >= b),
        // Operators not modelled here never match, so they can only withhold an Allow.
        _ => false,
    }
}

fn numeric(actual: &str, values: &[String], test: fn(f64, f64) -> bool) -> bool {
    let Ok(actual) = actual.parse::<f64>() else {
        return false;
    };
    values
        .iter()
        .filter_map(|v| v.parse::<f64>().ok())
        .any(|v| test(actual, v))
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Glob matching with `*` (any run, also empty) and `?` (one character).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

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

/// Checks an SNS topic policy's structure; the error is the `InvalidParameter` message.
pub fn validate_topic_policy(text: &str) -> Result<(), String> {
    let policy: Value = serde_json::from_str(text)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| "Invalid parameter: Policy Error: null".to_owned())?;
    let statements = statements(&policy);
    if statements.is_empty() {
        return Err("Invalid parameter: Policy Error: Missing required field Statement".into());
    }
    for statement in statements {
        validate_common(statement).map_err(|m| format!("Invalid parameter: Policy Error: {m}"))?;
    }
    Ok(())
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

fn validate_common(statement: &Value) -> Result<(), String> {
    if !statement.is_object() {
        return Err("Statement is not an object".into());
    }
    match statement.get("Effect").and_then(Value::as_str) {
        Some("Allow" | "Deny") => {}
        Some(other) => return Err(format!("Invalid effect: {other}")),
        None => return Err("Missing required field Effect".into()),
    }
    if statement.get("Principal").is_none() && statement.get("NotPrincipal").is_none() {
        return Err("Missing required field Principal".into());
    }
    if statement.get("Action").is_none() && statement.get("NotAction").is_none() {
        return Err("Missing required field Action".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRAIL: &str = "arn:aws:cloudtrail:us-east-1:123456789012:trail/t";

    fn cloudtrail_policy() -> String {
        serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::logs",
             "Condition": {"StringEquals": {"aws:SourceArn": TRAIL}}},
            {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/AWSLogs/123456789012/*",
             "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                            "aws:SourceArn": TRAIL}}}]})
        .to_string()
    }

    fn ctx(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn cloudtrail_policy_allows_exactly_what_it_says() {
        let policy = cloudtrail_policy();
        let good = ctx(&[
            ("aws:SourceArn", TRAIL),
            ("s3:x-amz-acl", "bucket-owner-full-control"),
        ]);
        let key = "arn:aws:s3:::logs/AWSLogs/123456789012/CloudTrail/x.json.gz";
        let svc = "cloudtrail.amazonaws.com";
        assert!(allows(&policy, svc, "s3:PutObject", key, &good));
        assert!(allows(&policy, svc, "S3:putobject", key, &good));
        assert!(allows(
            &policy,
            svc,
            "s3:GetBucketAcl",
            "arn:aws:s3:::logs",
            &good
        ));
        // Wrong service, wrong account path, wrong trail, missing ACL, wrong action.
        assert!(!allows(
            &policy,
            "sns.amazonaws.com",
            "s3:PutObject",
            key,
            &good
        ));
        let other = "arn:aws:s3:::logs/AWSLogs/999999999999/x";
        assert!(!allows(&policy, svc, "s3:PutObject", other, &good));
        let bad_trail = ctx(&[
            ("aws:SourceArn", "arn:x"),
            ("s3:x-amz-acl", "bucket-owner-full-control"),
        ]);
        assert!(!allows(&policy, svc, "s3:PutObject", key, &bad_trail));
        assert!(!allows(
            &policy,
            svc,
            "s3:PutObject",
            key,
            &ctx(&[("aws:SourceArn", TRAIL)])
        ));
        assert!(!allows(&policy, svc, "s3:DeleteObject", key, &good));
        assert!(!allows("not json", svc, "s3:PutObject", key, &good));
    }

    #[test]
    fn deny_wins_and_negated_conditions() {
        let policy = serde_json::json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:SourceAccount": "1"}}}]})
        .to_string();
        let svc = "x.amazonaws.com";
        assert!(allows(
            &policy,
            svc,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            &ctx(&[])
        ));
        assert!(!allows(
            &policy,
            svc,
            "s3:DeleteObject",
            "arn:aws:s3:::b/k",
            &ctx(&[])
        ));
        assert!(allows(
            &policy,
            svc,
            "s3:DeleteObject",
            "arn:aws:s3:::b/k",
            &ctx(&[("aws:sourceaccount", "1")])
        ));
    }

    #[test]
    fn aws_principals() {
        let policy: Value = serde_json::json!({"Statement": {
            "Effect": "Allow", "Principal": {"AWS": ["111122223333", "arn:aws:iam::444455556666:user/bob"]},
            "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}});
        let arns = vec!["arn:aws:iam::111122223333:user/alice".to_owned()];
        let alice = PolicyPrincipal::Aws {
            arns: &arns,
            account: "111122223333",
        };
        let bob_arns = vec!["arn:aws:iam::444455556666:user/bob".to_owned()];
        let bob = PolicyPrincipal::Aws {
            arns: &bob_arns,
            account: "444455556666",
        };
        let eve = PolicyPrincipal::Aws {
            arns: &[],
            account: "777788889999",
        };
        let get = |p| {
            evaluate(
                &policy,
                p,
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                &BTreeMap::new(),
            )
        };
        assert_eq!(get(&alice), Decision::Allow);
        assert_eq!(get(&bob), Decision::Allow);
        assert_eq!(get(&eve), Decision::NotApplicable);
        assert_eq!(
            get(&PolicyPrincipal::Service("s3.amazonaws.com")),
            Decision::NotApplicable
        );
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("a*c", "abbbc"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("a*d", "abc"));
        assert!(wildcard_match(
            "arn:aws:s3:::b/AWSLogs/*",
            "arn:aws:s3:::b/AWSLogs/1/x"
        ));
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
        assert!(
            validate_topic_policy(
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"SNS:Publish"}]}"#
            )
            .is_ok()
        );
        assert!(validate_topic_policy("nope").is_err());
    }
}
