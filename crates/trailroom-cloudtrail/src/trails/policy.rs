//! A small resource-policy evaluator: does a bucket or topic policy let a service principal
//! (CloudTrail) perform one action on one resource?
//!
//! Covers what CloudTrail's destination checks need: `Effect`, `Principal`/`NotPrincipal`
//! (`"*"`, `{"Service": …}`, `{"AWS": "*"}`), `Action`/`NotAction` with wildcards
//! (case-insensitive), `Resource`/`NotResource` with wildcards, and `Condition` with the string,
//! ARN, `Bool` and `Null` operators (with `…IfExists` and `ForAnyValue:`/`ForAllValues:`).
//! An explicit `Deny` wins. An `Allow` whose condition this evaluator cannot judge does not count;
//! a `Deny` whose condition it cannot judge does, so doubtful policies are refused rather than
//! accepted.

use serde_json::Value;

/// What is asked.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Service principal, e.g. `cloudtrail.amazonaws.com`.
    pub service: &'a str,
    /// Action, e.g. `s3:PutObject`.
    pub action: &'a str,
    /// Resource ARN (a literal; a `*` in it only matches a `*` or wildcard in the policy).
    pub resource: &'a str,
    /// Condition context: `(key, value)`, keys compared case-insensitively.
    pub context: &'a [(&'a str, &'a str)],
}

/// Whether `policy` (JSON text) allows `request` and does not deny it. Unreadable policies allow
/// nothing.
pub fn allows(policy: &str, request: &Request<'_>) -> bool {
    let Ok(document) = serde_json::from_str::<Value>(policy) else {
        return false;
    };
    let statements: Vec<&Value> = match document.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => return false,
    };
    let mut allowed = false;
    for statement in statements {
        match statement.get("Effect").and_then(Value::as_str) {
            Some("Deny") if applies(statement, request, Effect::Deny) => return false,
            Some("Allow") if applies(statement, request, Effect::Allow) => allowed = true,
            _ => {}
        }
    }
    allowed
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

fn applies(statement: &Value, request: &Request<'_>, effect: Effect) -> bool {
    principal_matches(statement, request.service)
        && listed(statement, "Action", "NotAction", |p| {
            wildcard(p, request.action, true)
        })
        && listed(statement, "Resource", "NotResource", |p| {
            wildcard(p, request.resource, false)
        })
        && conditions_hold(statement.get("Condition"), request.context, effect)
}

/// `key` (any pattern matches) or `not_key` (no pattern matches); neither present: no match.
fn listed(statement: &Value, key: &str, not_key: &str, matches: impl Fn(&str) -> bool) -> bool {
    if let Some(patterns) = statement.get(key) {
        strings(patterns).iter().any(|p| matches(p))
    } else if let Some(patterns) = statement.get(not_key) {
        !strings(patterns).iter().any(|p| matches(p))
    } else {
        false
    }
}

fn principal_matches(statement: &Value, service: &str) -> bool {
    if let Some(principal) = statement.get("Principal") {
        names_service(principal, service)
    } else if let Some(principal) = statement.get("NotPrincipal") {
        !names_service(principal, service)
    } else {
        false
    }
}

/// `"*"`, `{"AWS": "*"}` (everyone), or `{"Service": …}` naming the service.
fn names_service(principal: &Value, service: &str) -> bool {
    match principal {
        Value::String(s) => s == "*",
        Value::Object(map) => {
            let everyone = map
                .get("AWS")
                .is_some_and(|v| strings(v).iter().any(|s| s == "*"));
            let named = map
                .get("Service")
                .is_some_and(|v| strings(v).iter().any(|s| s.eq_ignore_ascii_case(service)));
            everyone || named
        }
        _ => false,
    }
}

/// A string or a list of strings (numbers and booleans as text), else nothing.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(scalar).collect(),
        other => scalar(other).into_iter().collect(),
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Every operator block holds. Blocks the evaluator cannot judge count as failing for an Allow
/// and as holding for a Deny.
fn conditions_hold(condition: Option<&Value>, context: &[(&str, &str)], effect: Effect) -> bool {
    let Some(condition) = condition else {
        return true;
    };
    let Some(blocks) = condition.as_object() else {
        return effect == Effect::Deny;
    };
    blocks.iter().all(|(operator, keys)| {
        let Some(keys) = keys.as_object() else {
            return effect == Effect::Deny;
        };
        keys.iter().all(|(key, expected)| {
            evaluate(operator, lookup(context, key), &strings(expected))
                .unwrap_or(effect == Effect::Deny)
        })
    })
}

fn lookup<'a>(context: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| *v)
}

/// One operator on one key; `None` when the operator is unknown.
fn evaluate(operator: &str, actual: Option<&str>, expected: &[String]) -> Option<bool> {
    let operator = operator
        .strip_prefix("ForAnyValue:")
        .or_else(|| operator.strip_prefix("ForAllValues:"))
        .unwrap_or(operator);
    let (operator, if_exists) = match operator.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (operator, false),
    };
    if operator == "Null" {
        let wants_absent = expected.iter().any(|v| v == "true");
        return Some(actual.is_none() == wants_absent);
    }
    let (negated, test): (bool, fn(&str, &str) -> bool) = match operator {
        "StringEquals" | "ArnEquals" => (false, |p, v| p == v),
        "StringNotEquals" | "ArnNotEquals" => (true, |p, v| p == v),
        "StringEqualsIgnoreCase" => (false, |p, v| p.eq_ignore_ascii_case(v)),
        "StringNotEqualsIgnoreCase" => (true, |p, v| p.eq_ignore_ascii_case(v)),
        "StringLike" | "ArnLike" => (false, |p, v| wildcard(p, v, false)),
        "StringNotLike" | "ArnNotLike" => (true, |p, v| wildcard(p, v, false)),
        "Bool" => (false, |p, v| p.eq_ignore_ascii_case(v)),
        _ => return None,
    };
    // A missing key satisfies only negated operators and `…IfExists`.
    let Some(actual) = actual else {
        return Some(negated || if_exists);
    };
    let any = expected.iter().any(|pattern| test(pattern, actual));
    Some(any != negated)
}

/// `*` (any run) and `?` (any one character) matching of a whole string.
pub(crate) fn wildcard(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let fold = |s: &str| -> Vec<char> {
        match ignore_case {
            true => s.to_lowercase().chars().collect(),
            false => s.chars().collect(),
        }
    };
    let (p, t) = (fold(pattern), fold(text));
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was and how much text it has taken so far, for backtracking.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((star_pi, star_ti)) = star {
            pi = star_pi + 1;
            ti = star_ti + 1;
            star = Some((star_pi, star_ti + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRAIL: &str = "arn:aws:cloudtrail:us-east-1:123456789012:trail/t1";

    fn put(resource: &str) -> Request<'_> {
        Request {
            service: "cloudtrail.amazonaws.com",
            action: "s3:PutObject",
            resource,
            context: &[
                ("aws:SourceArn", TRAIL),
                ("aws:SourceAccount", "123456789012"),
                ("s3:x-amz-acl", "bucket-owner-full-control"),
            ],
        }
    }

    /// AWS's documented CloudTrail bucket policy (section 3.4).
    fn documented(resource: &str, source_arn: &str) -> String {
        serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::b1",
             "Condition": {"StringEquals": {"aws:SourceArn": source_arn}}},
            {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": resource,
             "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                            "aws:SourceArn": source_arn}}}]})
        .to_string()
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("s3:*", "s3:PutObject", false));
        assert!(wildcard("S3:put*", "s3:PutObject", true));
        assert!(!wildcard("S3:put*", "s3:PutObject", false));
        assert!(wildcard(
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/AWSLogs/1/*",
            false
        ));
        assert!(wildcard("a?c*d", "abcxxd", false));
        assert!(wildcard("*", "", false));
        assert!(!wildcard(
            "arn:aws:s3:::b/x/*",
            "arn:aws:s3:::b/AWSLogs/1/*",
            false
        ));
        assert!(wildcard("*a*b", "xaxxab", false));
        assert!(!wildcard("*a*b", "xaxxa", false));
    }

    #[test]
    fn documented_policy_allows_with_and_without_the_source_condition() {
        let wanted = "arn:aws:s3:::b1/AWSLogs/123456789012/*";
        let policy = documented(wanted, TRAIL);
        assert!(allows(&policy, &put(wanted)));
        let acl = Request {
            action: "s3:GetBucketAcl",
            resource: "arn:aws:s3:::b1",
            ..put(wanted)
        };
        assert!(allows(&policy, &acl));
        let other_trail = documented(
            wanted,
            "arn:aws:cloudtrail:us-east-1:123456789012:trail/other",
        );
        assert!(
            !allows(&other_trail, &put(wanted)),
            "SourceArn condition must match"
        );
        let prefixed = "arn:aws:s3:::b1/logs/AWSLogs/123456789012/*";
        assert!(
            !allows(&policy, &put(prefixed)),
            "resource must cover the prefix"
        );
        let broad = documented("arn:aws:s3:::b1/*", TRAIL);
        assert!(allows(&broad, &put(prefixed)));
    }

    #[test]
    fn principals_actions_and_denies() {
        let wanted = "arn:aws:s3:::b1/AWSLogs/123456789012/*";
        let policy = |statements: Value| serde_json::json!({"Statement": statements}).to_string();
        let allow_all = serde_json::json!({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"});
        assert!(allows(
            &policy(serde_json::json!([allow_all.clone()])),
            &put(wanted)
        ));
        let other_service = serde_json::json!({"Effect": "Allow",
            "Principal": {"Service": ["config.amazonaws.com"]}, "Action": "*", "Resource": "*"});
        assert!(!allows(
            &policy(serde_json::json!([other_service])),
            &put(wanted)
        ));
        let wrong_action = serde_json::json!({"Effect": "Allow", "Principal": "*",
            "Action": ["s3:GetObject"], "Resource": "*"});
        assert!(!allows(
            &policy(serde_json::json!([wrong_action])),
            &put(wanted)
        ));
        let deny = serde_json::json!({"Effect": "Deny", "Principal": {"AWS": "*"},
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b1/*"});
        assert!(!allows(
            &policy(serde_json::json!([allow_all.clone(), deny])),
            &put(wanted)
        ));
        let deny_if_not_account = serde_json::json!({"Effect": "Deny", "Principal": "*",
            "Action": "s3:*", "Resource": "*",
            "Condition": {"StringNotEquals": {"AWS:SourceAccount": "123456789012"}}});
        assert!(allows(
            &policy(serde_json::json!([allow_all.clone(), deny_if_not_account])),
            &put(wanted)
        ));
        let unknown_operator = serde_json::json!({"Effect": "Allow", "Principal": "*",
            "Action": "s3:*", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}});
        assert!(!allows(
            &policy(serde_json::json!([unknown_operator])),
            &put(wanted)
        ));
        let like = serde_json::json!({"Effect": "Allow", "Principal": "*", "Action": "s3:Put*",
            "Resource": "*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:123456789012:trail/*"},
                                           "StringEqualsIfExists": {"aws:Missing": "x"}}});
        assert!(allows(&policy(serde_json::json!([like])), &put(wanted)));
        assert!(!allows("not json", &put(wanted)));
        assert!(!allows("{}", &put(wanted)));
    }
}
