//! Where a trail delivers, checked up front as CloudTrail does on CreateTrail/UpdateTrail: the
//! bucket (name, existence, policy), the SNS topic (name, existence, policy), the KMS key id and
//! the CloudWatch Logs pair.
//!
//! Buckets and topics are asked of a [`Destinations`] port, which the server implements with the
//! S3 and SNS services' own readers: this crate knows nothing of how they store them. A bucket on
//! an external S3-compatible endpoint is not checked.

use std::collections::BTreeMap;

use trailroom_policy::{Context, Principal, resource_policy_allows};
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

use super::names::PARTITION;

/// A bucket as CloudTrail needs to see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BucketView {
    /// No such bucket.
    Missing,
    /// A bucket on an external S3-compatible endpoint: not checked here.
    External,
    /// A bucket of this server.
    Local {
        /// The bucket's region.
        region: String,
        /// Its bucket policy, if it has one.
        policy: Option<String>,
    },
}

/// A resource's ARN and its tags.
pub type TaggedResource = (String, BTreeMap<String, String>);

/// What CloudTrail asks of the services it delivers to, read in the caller's transaction so the
/// check and the trail's write cannot race.
pub trait Destinations: Send + Sync + std::fmt::Debug {
    /// The bucket named `name`.
    fn bucket(&self, txn: &dyn ReadTxn, name: &str) -> Result<BucketView, ApiError>;
    /// The policy of the topic `arn` (`Some("")` for a topic without one); `None` when there is
    /// no such topic.
    fn topic_policy(&self, txn: &dyn ReadTxn, arn: &str) -> Result<Option<String>, ApiError>;
    /// Every taggable resource of `account` in `region` with its tags, by ARN (what enriched
    /// events' `tagContext` reads); none where no other service is reachable.
    fn tagged_resources(
        &self,
        _txn: &dyn ReadTxn,
        _account: &str,
        _region: &str,
    ) -> Result<Vec<TaggedResource>, ApiError> {
        Ok(Vec::new())
    }
}

/// Destinations fixed in memory: what a CloudTrail service without S3 and SNS sees (every bucket
/// and topic missing unless listed), and what tests give it.
#[derive(Debug, Clone, Default)]
pub struct FixedDestinations {
    /// Buckets by name.
    pub buckets: BTreeMap<String, BucketView>,
    /// Topic policies by topic ARN.
    pub topics: BTreeMap<String, String>,
}

impl Destinations for FixedDestinations {
    fn bucket(&self, _txn: &dyn ReadTxn, name: &str) -> Result<BucketView, ApiError> {
        Ok(self
            .buckets
            .get(name)
            .cloned()
            .unwrap_or(BucketView::Missing))
    }

    fn topic_policy(&self, _txn: &dyn ReadTxn, arn: &str) -> Result<Option<String>, ApiError> {
        Ok(self.topics.get(arn).cloned())
    }
}

/// The principal CloudTrail acts as.
pub const CLOUDTRAIL_PRINCIPAL: &str = "cloudtrail.amazonaws.com";

/// The trail a destination is checked for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ForTrail<'a> {
    /// Owning account.
    pub account: &'a str,
    /// Trail ARN (`aws:SourceArn`).
    pub arn: &'a str,
    /// Organization id of an organization trail (its logs go under `AWSLogs/<org id>/`).
    pub org_id: Option<&'a str>,
}

/// What the bucket check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BucketCheck {
    /// The bucket is an external one (not checked).
    pub external: bool,
    /// The local bucket's region, when known.
    pub region: Option<String>,
}

/// DNS-compatible bucket names: 3–63 characters of lowercase letters, digits, dots and hyphens,
/// starting and ending with a letter or digit, no `..`, not an IP address.
pub(crate) fn validate_bucket_name(name: &str) -> Result<(), ApiError> {
    let bytes = name.as_bytes();
    let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-');
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let valid = (3..=63).contains(&bytes.len())
        && bytes.iter().all(allowed)
        && edge(bytes.first())
        && edge(bytes.last())
        && !name.contains("..")
        && !name.contains(".-")
        && !name.contains("-.")
        && name.parse::<std::net::Ipv4Addr>().is_err();
    match valid {
        true => Ok(()),
        false => Err(ApiError::client(
            "InvalidS3BucketNameException",
            format!("Invalid bucket name: {name}"),
        )),
    }
}

/// S3 key prefixes: at most 200 characters, no control characters, no empty path segment.
pub(crate) fn validate_prefix(prefix: &str) -> Result<(), ApiError> {
    let valid = prefix.chars().count() <= 200
        && !prefix.chars().any(char::is_control)
        && !prefix.starts_with('/')
        && !prefix.contains("//");
    match valid {
        true => Ok(()),
        false => Err(ApiError::client(
            "InvalidS3PrefixException",
            format!("Invalid S3 prefix: {prefix}"),
        )),
    }
}

/// Checks that the bucket exists and that its policy lets CloudTrail write the trail's logs.
pub(crate) fn check_bucket(
    txn: &dyn ReadTxn,
    destinations: &dyn Destinations,
    bucket: &str,
    prefix: Option<&str>,
    trail: ForTrail<'_>,
) -> Result<BucketCheck, ApiError> {
    let (region, policy) = match destinations.bucket(txn, bucket)? {
        BucketView::External => {
            return Ok(BucketCheck {
                external: true,
                region: None,
            });
        }
        BucketView::Missing => {
            return Err(ApiError::client(
                "S3BucketDoesNotExistException",
                format!("S3 bucket {bucket} does not exist!"),
            ));
        }
        BucketView::Local { region, policy } => (region, policy),
    };
    if !bucket_policy_allows(policy.as_deref().unwrap_or_default(), bucket, prefix, trail) {
        return Err(ApiError::client(
            "InsufficientS3BucketPolicyException",
            format!("Incorrect S3 bucket policy is detected for bucket: {bucket}"),
        ));
    }
    Ok(BucketCheck {
        external: false,
        region: Some(region),
    })
}

/// `s3:GetBucketAcl` on the bucket and `s3:PutObject` on `<bucket>/[<prefix>/]AWSLogs/<acct>/*`
/// (`…/AWSLogs/<org id>/<acct>/*` for an organization trail).
fn bucket_policy_allows(
    policy: &str,
    bucket: &str,
    prefix: Option<&str>,
    trail: ForTrail<'_>,
) -> bool {
    let folder = match prefix {
        Some(prefix) => format!("{prefix}/"),
        None => String::new(),
    };
    let org = trail.org_id.map(|id| format!("{id}/")).unwrap_or_default();
    let objects = format!(
        "arn:{PARTITION}:s3:::{bucket}/{folder}AWSLogs/{org}{}/*",
        trail.account
    );
    let bucket_arn = format!("arn:{PARTITION}:s3:::{bucket}");
    let mut context: Context = [
        ("aws:SourceArn", trail.arn),
        ("aws:SourceAccount", trail.account),
        ("aws:SecureTransport", "true"),
    ]
    .into_iter()
    .collect();
    let cloudtrail = cloudtrail_principal();
    let acl = resource_policy_allows(
        policy,
        &cloudtrail,
        "s3:GetBucketAcl",
        &bucket_arn,
        &context,
    );
    // Every object CloudTrail writes carries the canned ACL bucket-owner-full-control.
    context.set("s3:x-amz-acl", "bucket-owner-full-control");
    acl && resource_policy_allows(policy, &cloudtrail, "s3:PutObject", &objects, &context)
}

/// CloudTrail as a policy's `Principal` sees it.
fn cloudtrail_principal() -> Principal {
    Principal {
        service: Some(CLOUDTRAIL_PRINCIPAL.to_owned()),
        ..Principal::default()
    }
}

/// The full topic ARN for `SnsTopicName` (a name in the calling region and account, or an ARN).
pub(crate) fn sns_topic_arn(input: &str, region: &str, account: &str) -> Result<String, ApiError> {
    let invalid = || {
        ApiError::client(
            "InvalidSnsTopicNameException",
            format!("Invalid SNS topic name: {input}"),
        )
    };
    let valid_name = |name: &str| {
        (1..=256).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !input.starts_with("arn:") {
        return match valid_name(input) {
            true => Ok(format!("arn:{PARTITION}:sns:{region}:{account}:{input}")),
            false => Err(invalid()),
        };
    }
    let parts: Vec<&str> = input.split(':').collect();
    match parts.as_slice() {
        ["arn", partition, "sns", topic_region, topic_account, name]
            if !partition.is_empty()
                && !topic_region.is_empty()
                && topic_account.len() == 12
                && topic_account.bytes().all(|b| b.is_ascii_digit())
                && valid_name(name) =>
        {
            Ok(input.to_owned())
        }
        _ => Err(invalid()),
    }
}

/// Checks that the topic exists and that its policy lets CloudTrail publish to it.
pub(crate) fn check_topic(
    txn: &dyn ReadTxn,
    destinations: &dyn Destinations,
    topic_arn: &str,
    trail: ForTrail<'_>,
) -> Result<(), ApiError> {
    let insufficient = || {
        ApiError::client(
            "InsufficientSnsTopicPolicyException",
            format!("SNS Topic does not exist or the topic policy is incorrect: {topic_arn}"),
        )
    };
    let policy = destinations
        .topic_policy(txn, topic_arn)?
        .ok_or_else(insufficient)?;
    let context: Context = [
        ("aws:SourceArn", trail.arn),
        ("aws:SourceAccount", trail.account),
    ]
    .into_iter()
    .collect();
    let cloudtrail = cloudtrail_principal();
    match resource_policy_allows(&policy, &cloudtrail, "SNS:Publish", topic_arn, &context) {
        true => Ok(()),
        false => Err(insufficient()),
    }
}

/// The full ARN of a KMS key id as CloudTrail stores it: key ids and aliases of the calling
/// region and account are expanded (an alias cannot be resolved without KMS, so it is kept as
/// the alias ARN); ARNs are kept.
pub(crate) fn kms_key_arn(input: &str, region: &str, account: &str) -> Result<String, ApiError> {
    let invalid = || {
        ApiError::client(
            "InvalidKmsKeyIdException",
            format!("Invalid KmsKeyId: {input}"),
        )
    };
    let resource_ok = |resource: &str| match resource.split_once('/') {
        Some(("key", id)) => is_key_id(id),
        Some(("alias", name)) => is_alias_name(name),
        _ => false,
    };
    if let Some(rest) = input.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        return match parts.as_slice() {
            [partition, "kms", key_region, key_account, resource]
                if !partition.is_empty()
                    && !key_region.is_empty()
                    && key_account.len() == 12
                    && key_account.bytes().all(|b| b.is_ascii_digit())
                    && resource_ok(resource) =>
            {
                Ok(input.to_owned())
            }
            _ => Err(invalid()),
        };
    }
    let resource = if input.starts_with("alias/") {
        input.to_owned()
    } else {
        format!("key/{input}")
    };
    match resource_ok(&resource) {
        true => Ok(format!("arn:{PARTITION}:kms:{region}:{account}:{resource}")),
        false => Err(invalid()),
    }
}

/// The region of a KMS ARN produced by [`kms_key_arn`].
pub(crate) fn kms_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3)
}

/// A key id: a UUID, or a multi-Region key id (`mrk-` and 32 hex digits).
fn is_key_id(id: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(rest) = id.strip_prefix("mrk-") {
        return hex(rest, 32);
    }
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5 && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| hex(g, n))
}

fn is_alias_name(name: &str) -> bool {
    (1..=250).contains(&name.len())
        && !name.starts_with("aws/")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-'))
}

/// The CloudWatch Logs pair: both or neither, each a well-formed ARN.
pub(crate) fn check_cloudwatch(group: Option<&str>, role: Option<&str>) -> Result<(), ApiError> {
    let group_error = |m: String| ApiError::client("InvalidCloudWatchLogsLogGroupArnException", m);
    let role_error = |m: String| ApiError::client("InvalidCloudWatchLogsRoleArnException", m);
    match (group, role) {
        (None, None) => Ok(()),
        (Some(_), None) => Err(role_error(
            "You must specify a role ARN for the log group.".into(),
        )),
        (None, Some(_)) => Err(group_error(
            "You must specify a log group ARN for the role.".into(),
        )),
        (Some(group), Some(role)) => {
            let group_parts: Vec<&str> = group.split(':').collect();
            let group_ok = matches!(group_parts.as_slice(),
                ["arn", _, "logs", region, account, "log-group", name, ..]
                    if !region.is_empty() && account.len() == 12 && !name.is_empty());
            if !group_ok {
                return Err(group_error(format!("Invalid log group ARN: {group}")));
            }
            let role_parts: Vec<&str> = role.splitn(6, ':').collect();
            let role_ok = matches!(role_parts.as_slice(),
                ["arn", _, "iam", "", account, resource]
                    if account.len() == 12 && resource.starts_with("role/") && resource.len() > 5);
            if !role_ok {
                return Err(role_error(format!("Invalid role ARN: {role}")));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_and_prefixes() {
        for good in ["abc", "my-bucket.logs", "a1b", &"a".repeat(63)] {
            assert!(validate_bucket_name(good).is_ok(), "{good}");
        }
        for bad in [
            "ab",
            "My-Bucket",
            "-abc",
            "abc-",
            "a..b",
            "a.-b",
            "192.168.1.1",
            "a_b",
            &"a".repeat(64),
        ] {
            assert_eq!(
                validate_bucket_name(bad).unwrap_err().code(),
                "InvalidS3BucketNameException",
                "{bad}"
            );
        }
        assert!(validate_prefix("logs/prod").is_ok());
        for bad in ["/logs", "a//b", &"p".repeat(201), "a\nb"] {
            assert_eq!(
                validate_prefix(bad).unwrap_err().code(),
                "InvalidS3PrefixException"
            );
        }
    }

    #[test]
    fn topics_and_keys_become_full_arns() {
        assert_eq!(
            sns_topic_arn("alerts", "eu-west-1", "123456789012").unwrap(),
            "arn:aws:sns:eu-west-1:123456789012:alerts"
        );
        let arn = "arn:aws:sns:us-east-1:210987654321:other_topic";
        assert_eq!(
            sns_topic_arn(arn, "eu-west-1", "123456789012").unwrap(),
            arn
        );
        for bad in [
            "",
            "a b",
            "arn:aws:sns:us-east-1:1:t",
            "arn:aws:sqs:us-east-1:123456789012:q",
        ] {
            assert_eq!(
                sns_topic_arn(bad, "r", "123456789012").unwrap_err().code(),
                "InvalidSnsTopicNameException"
            );
        }
        let id = "12345678-1234-1234-1234-123456789012";
        assert_eq!(
            kms_key_arn(id, "us-east-2", "123456789012").unwrap(),
            format!("arn:aws:kms:us-east-2:123456789012:key/{id}")
        );
        assert_eq!(
            kms_key_arn("alias/MyAlias", "us-east-2", "123456789012").unwrap(),
            "arn:aws:kms:us-east-2:123456789012:alias/MyAlias"
        );
        let key_arn = format!("arn:aws:kms:us-west-2:123456789012:key/{id}");
        assert_eq!(
            kms_key_arn(&key_arn, "us-east-2", "123456789012").unwrap(),
            key_arn
        );
        assert_eq!(kms_region(&key_arn), Some("us-west-2"));
        for bad in [
            "nope",
            "alias/",
            "arn:aws:kms:us-east-1:123456789012:key/zzz",
            "12345678-1234",
        ] {
            assert_eq!(
                kms_key_arn(bad, "r", "123456789012").unwrap_err().code(),
                "InvalidKmsKeyIdException",
                "{bad}"
            );
        }
    }

    #[test]
    fn cloudwatch_pair() {
        let group = "arn:aws:logs:us-east-1:123456789012:log-group:CloudTrail/logs:*";
        let role = "arn:aws:iam::123456789012:role/CloudTrail_CloudWatchLogs_Role";
        assert!(check_cloudwatch(None, None).is_ok());
        assert!(check_cloudwatch(Some(group), Some(role)).is_ok());
        assert_eq!(
            check_cloudwatch(Some(group), None).unwrap_err().code(),
            "InvalidCloudWatchLogsRoleArnException"
        );
        assert_eq!(
            check_cloudwatch(None, Some(role)).unwrap_err().code(),
            "InvalidCloudWatchLogsLogGroupArnException"
        );
        assert_eq!(
            check_cloudwatch(Some("x"), Some(role)).unwrap_err().code(),
            "InvalidCloudWatchLogsLogGroupArnException"
        );
        assert_eq!(
            check_cloudwatch(Some(group), Some("arn:aws:iam::123456789012:user/u"))
                .unwrap_err()
                .code(),
            "InvalidCloudWatchLogsRoleArnException"
        );
    }
}
