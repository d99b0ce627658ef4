//! Resource policies as services store them (bucket policies, SNS topic policies): policy text in,
//! verdict out, with the statement checks every service's Put operation shares. The services'
//! own rules (S3's resource and action checks, SNS's messages) stay with them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{Context, Policy, PolicyKind, Request, Verdict, resource_policy_allows};

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
/// such as `aws:SourceArn`). A policy that is not valid allows nothing.
pub fn allows(
    policy: &str,
    principal_service: &str,
    action: &str,
    resource_arn: &str,
    context: &BTreeMap<String, String>,
) -> bool {
    let principal = crate::Principal {
        service: Some(principal_service.to_owned()),
        ..crate::Principal::default()
    };
    let context: Context = context.iter().map(|(k, v)| (k, v.clone())).collect();
    resource_policy_allows(policy, &principal, action, resource_arn, &context)
}

/// The verdict of a bucket or topic policy (text) on `principal` doing `action` on
/// `resource_arn`; text that is not a valid policy applies to nothing.
pub fn evaluate_text(
    policy: &str,
    principal: &PolicyPrincipal<'_>,
    action: &str,
    resource_arn: &str,
    context: &BTreeMap<String, String>,
) -> Decision {
    let Ok(policy) = Policy::parse(policy) else {
        return Decision::NotApplicable;
    };
    let principal = match principal {
        PolicyPrincipal::Service(service) => crate::Principal {
            service: Some((*service).to_owned()),
            ..crate::Principal::default()
        },
        PolicyPrincipal::Aws { arns, account } => crate::Principal {
            account: (*account).to_owned(),
            arns: arns.to_vec(),
            ..crate::Principal::default()
        },
    };
    let context: Context = context.iter().map(|(k, v)| (k, v.clone())).collect();
    let request = Request {
        principal: &principal,
        action,
        resource: resource_arn,
        context: &context,
    };
    match policy.evaluate(PolicyKind::Resource, &request) {
        Verdict::Allow => Decision::Allow,
        Verdict::Deny => Decision::Deny,
        Verdict::NotApplicable => Decision::NotApplicable,
    }
}

/// The `Statement` entries (one object or an array of them).
pub fn statements(policy: &Value) -> Vec<&Value> {
    match policy.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    }
}

/// A string or an array of strings, as policy elements are written.
pub fn strings(value: &Value) -> impl Iterator<Item = &str> {
    let items: Vec<&str> = match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    items.into_iter()
}

/// Checks what every resource policy statement needs (an object with `Effect`, a principal and
/// an action); the error is the service's message without its prefix.
pub fn validate_statement(statement: &Value) -> Result<(), String> {
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

/// Condition keys that, with a fixed value, confine a statement granting `*` to known
/// principals or sources: such a statement does not make a policy public (S3's rule).
const CONFINING_KEYS: &[&str] = &[
    "aws:sourceip",
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalservicename",
    "aws:userid",
    "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
];

/// Whether a bucket (or topic) policy is public as S3 judges it: an `Allow` statement for
/// anyone (`"*"`, `{"AWS": "*"}`, or a `NotPrincipal`) that no fixed-value condition on a
/// confining key (`aws:SourceArn`, `aws:PrincipalOrgID`, a source address range other than
/// everything, …) narrows down. Text that is not a policy is not public.
pub fn is_public(policy: &str) -> bool {
    let Ok(policy) = Policy::parse(policy) else {
        return false;
    };
    policy.statements.iter().any(|statement| {
        let anyone = statement
            .principal
            .as_ref()
            .is_some_and(|p| p.anyone || p.negated);
        let confined = statement.conditions.iter().any(|condition| {
            let key = condition.key.to_ascii_lowercase();
            !condition.negated
                && CONFINING_KEYS.contains(&key.as_str())
                && !condition.values.is_empty()
                && condition.values.iter().all(|value| {
                    let everything = key == "aws:sourceip" && value.ends_with("/0");
                    !value.contains('*') && !everything
                })
        });
        statement.effect == crate::Effect::Allow && anyone && !confined
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wildcard_match;

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
    fn public_policies_grant_anyone_without_a_confining_condition() {
        let anyone = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
        assert!(is_public(anyone));
        let aws_star = anyone.replace(r#""Principal":"*""#, r#""Principal":{"AWS":"*"}"#);
        assert!(is_public(&aws_star));
        let org = anyone.replace(
            r#""Resource""#,
            r#""Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc1234567"}},"Resource""#,
        );
        assert!(!is_public(&org));
        let wide = anyone.replace(
            r#""Resource""#,
            r#""Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}},"Resource""#,
        );
        assert!(is_public(&wide));
        let like = anyone.replace(
            r#""Resource""#,
            r#""Condition":{"StringLike":{"aws:SourceArn":"*"}},"Resource""#,
        );
        assert!(is_public(&like));
        let account = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"*"}]}"#;
        assert!(!is_public(account));
        let service = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"*"}]}"#;
        assert!(!is_public(service));
        let deny = anyone.replace("Allow", "Deny");
        assert!(!is_public(&deny));
        assert!(!is_public("not a policy"));
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
        let policy = serde_json::json!({"Statement": {
            "Effect": "Allow", "Principal": {"AWS": ["111122223333", "arn:aws:iam::444455556666:user/bob"]},
            "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}})
        .to_string();
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
            evaluate_text(
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
}
