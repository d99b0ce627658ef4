//! Resource-based policies judged for a service principal, as a trail's destination checks and
//! deliveries do (`resource_policy_allows`): AWS's documented CloudTrail bucket policy with and
//! without its `aws:SourceArn` condition, principals, actions, explicit denies, conditions.

use serde_json::{Value, json};
use trailroom_policy::{Context, Principal, resource_policy_allows};

const TRAIL: &str = "arn:aws:cloudtrail:us-east-1:123456789012:trail/t1";
const WANTED: &str = "arn:aws:s3:::b1/AWSLogs/123456789012/*";

fn cloudtrail() -> Principal {
    Principal {
        service: Some("cloudtrail.amazonaws.com".into()),
        ..Principal::default()
    }
}

fn context() -> Context {
    [
        ("aws:SourceArn", TRAIL),
        ("aws:SourceAccount", "123456789012"),
        ("s3:x-amz-acl", "bucket-owner-full-control"),
    ]
    .into_iter()
    .collect()
}

fn put(policy: &str, resource: &str) -> bool {
    resource_policy_allows(policy, &cloudtrail(), "s3:PutObject", resource, &context())
}

/// AWS's documented CloudTrail bucket policy.
fn documented(resource: &str, source_arn: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [
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
fn the_documented_policy_with_and_without_the_source_condition() {
    let policy = documented(WANTED, TRAIL);
    assert!(put(&policy, WANTED));
    assert!(resource_policy_allows(
        &policy,
        &cloudtrail(),
        "s3:GetBucketAcl",
        "arn:aws:s3:::b1",
        &context()
    ));
    let other_trail = documented(
        WANTED,
        "arn:aws:cloudtrail:us-east-1:123456789012:trail/other",
    );
    assert!(!put(&other_trail, WANTED), "SourceArn condition must match");
    let prefixed = "arn:aws:s3:::b1/logs/AWSLogs/123456789012/*";
    assert!(!put(&policy, prefixed), "resource must cover the prefix");
    assert!(put(&documented("arn:aws:s3:::b1/*", TRAIL), prefixed));
}

#[test]
fn principals_actions_denies_and_conditions() {
    let policy = |statements: Value| json!({"Statement": statements}).to_string();
    let allow_all = json!({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"});
    assert!(put(&policy(json!([allow_all.clone()])), WANTED));
    let other_service = json!({"Effect": "Allow",
        "Principal": {"Service": ["config.amazonaws.com"]}, "Action": "*", "Resource": "*"});
    assert!(!put(&policy(json!([other_service])), WANTED));
    let wrong_action = json!({"Effect": "Allow", "Principal": "*",
        "Action": ["s3:GetObject"], "Resource": "*"});
    assert!(!put(&policy(json!([wrong_action])), WANTED));
    let deny = json!({"Effect": "Deny", "Principal": {"AWS": "*"},
        "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b1/*"});
    assert!(!put(&policy(json!([allow_all.clone(), deny])), WANTED));
    let deny_if_not_account = json!({"Effect": "Deny", "Principal": "*",
        "Action": "s3:*", "Resource": "*",
        "Condition": {"StringNotEquals": {"AWS:SourceAccount": "123456789012"}}});
    assert!(put(
        &policy(json!([allow_all.clone(), deny_if_not_account])),
        WANTED
    ));
    let unknown_key = json!({"Effect": "Allow", "Principal": "*",
        "Action": "s3:*", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}});
    assert!(!put(&policy(json!([unknown_key])), WANTED));
    let like = json!({"Effect": "Allow", "Principal": "*", "Action": "s3:Put*",
        "Resource": "*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:123456789012:trail/*"},
                                       "StringEqualsIfExists": {"aws:Missing": "x"}}});
    assert!(put(&policy(json!([like])), WANTED));
    assert!(!put("not json", WANTED));
    assert!(!put("{}", WANTED));
}
