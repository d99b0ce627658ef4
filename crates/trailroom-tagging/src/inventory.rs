//! The taggable resources of an account in a region, gathered from the services that own them,
//! and the one way to change a resource's tags: through its owning service's rules, so tags set
//! through either door are the same tags.

use std::collections::BTreeMap;

use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, WriteTxn};

/// A resource and its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// The resource's ARN.
    pub arn: String,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
}

/// The services whose resources the tagging API covers here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    CloudTrail,
    S3,
    Sns,
    A4b,
}

impl Owner {
    fn of(arn: &str) -> Option<Self> {
        match arn.split(':').nth(2)? {
            "cloudtrail" => Some(Self::CloudTrail),
            "s3" => Some(Self::S3),
            "sns" => Some(Self::Sns),
            "a4b" => Some(Self::A4b),
            _ => None,
        }
    }

    /// The IAM action that changes a resource's tags through the owning service.
    pub(crate) fn tag_action(self, adding: bool) -> &'static str {
        match (self, adding) {
            (Self::CloudTrail, true) => "cloudtrail:AddTags",
            (Self::CloudTrail, false) => "cloudtrail:RemoveTags",
            (Self::S3, _) => "s3:PutBucketTagging",
            (Self::Sns, true) => "sns:TagResource",
            (Self::Sns, false) => "sns:UntagResource",
            (Self::A4b, true) => "a4b:TagResource",
            (Self::A4b, false) => "a4b:UntagResource",
        }
    }
}

/// `service` and `service:type` of an ARN, as `ResourceTypeFilters` name them
/// (`cloudtrail:trail`, `s3:bucket`, `sns:topic`, `a4b:room`, …).
pub fn resource_type(arn: &str) -> (String, String) {
    let mut parts = arn.splitn(6, ':');
    let service = parts.nth(2).unwrap_or_default().to_owned();
    let resource = parts.nth(2).unwrap_or_default();
    let kind = match resource.split_once('/') {
        Some((kind, _)) => kind,
        None if service == "s3" => "bucket",
        None if service == "sns" => "topic",
        None => resource,
    };
    let full = format!("{service}:{kind}");
    (service, full)
}

/// Every resource of `account` in `region` the tagging API covers, with its tags, by ARN.
pub fn resources(
    txn: &dyn ReadTxn,
    account: &str,
    region: &str,
) -> Result<Vec<Resource>, ApiError> {
    let mut all = Vec::new();
    all.extend(trailroom_cloudtrail::trails::trails_with_tags(
        txn, account, region,
    )?);
    all.extend(trailroom_s3::buckets_with_tags(txn, account, region)?);
    all.extend(trailroom_sns::tags::topics_with_tags(txn, account, region)?);
    all.extend(trailroom_a4b::resources_with_tags(txn, account, region)?);
    let mut resources: Vec<Resource> = all
        .into_iter()
        .map(|(arn, tags)| Resource { arn, tags })
        .collect();
    resources.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(resources)
}

/// Why a resource's tags could not be changed, as `FailedResourcesMap` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The HTTP status the owning service answered (or would have).
    pub status: u16,
    /// `InvalidParameterException` or `InternalServiceException`.
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
}

impl Failure {
    pub(crate) fn from_api(err: &ApiError) -> Self {
        let status = err.status().as_u16();
        Self {
            status,
            code: if status >= 500 {
                "InternalServiceException"
            } else {
                "InvalidParameterException"
            },
            message: format!("{}: {}", err.code(), err.message()),
        }
    }

    pub(crate) fn invalid(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            code: "InvalidParameterException",
            message: message.into(),
        }
    }
}

/// The IAM action that changes the tags of `arn`, if the tagging API covers its service.
pub(crate) fn tag_action(arn: &str, adding: bool) -> Option<&'static str> {
    Owner::of(arn).map(|owner| owner.tag_action(adding))
}

/// The current tags of `arn` (of `account`, in `region`), if it exists.
pub(crate) fn tags_of(
    txn: &dyn ReadTxn,
    account: &str,
    region: &str,
    arn: &str,
) -> Result<Option<BTreeMap<String, String>>, ApiError> {
    Ok(resources(txn, account, region)?
        .into_iter()
        .find(|r| r.arn == arn)
        .map(|r| r.tags))
}

/// Adds `add` and removes `remove` on `arn` through its owning service's rules.
pub(crate) fn change(
    txn: &mut dyn WriteTxn,
    account: &str,
    region: &str,
    arn: &str,
    add: &BTreeMap<String, String>,
    remove: &[String],
) -> Result<(), Failure> {
    let owner = Owner::of(arn)
        .ok_or_else(|| Failure::invalid(400, format!("Unsupported resource type: {arn}")))?;
    let in_scope = arn
        .split(':')
        .nth(4)
        .is_some_and(|a| a == account || owner == Owner::S3)
        && arn
            .split(':')
            .nth(3)
            .is_some_and(|r| r == region || owner == Owner::S3);
    if !in_scope {
        return Err(Failure::invalid(
            404,
            format!("{arn} is not a resource of account {account} in {region}"),
        ));
    }
    if owner == Owner::S3
        && tags_of(&*txn, account, region, arn)
            .ok()
            .flatten()
            .is_none()
    {
        return Err(Failure::invalid(
            404,
            format!("NoSuchBucket: {arn} is not a bucket of account {account} in {region}"),
        ));
    }
    let result = match owner {
        Owner::CloudTrail => {
            trailroom_cloudtrail::trails::change_trail_tags(txn, account, region, arn, add, remove)
        }
        Owner::S3 => trailroom_s3::change_bucket_tags(txn, account, arn, add, remove),
        Owner::Sns => trailroom_sns::tags::apply_tags(txn, arn, add, remove)
            .map(|_| ())
            .map_err(ApiError::from),
        Owner::A4b => trailroom_a4b::change_tags(txn, account, arn, add, remove),
    };
    result.map_err(|err| Failure::from_api(&err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_types_from_arns() {
        let cases = [
            ("arn:aws:cloudtrail:us-east-1:1:trail/t", "cloudtrail:trail"),
            ("arn:aws:s3:::bucket", "s3:bucket"),
            ("arn:aws:sns:us-east-1:1:topic", "sns:topic"),
            ("arn:aws:a4b:us-east-1:1:room/abc/def", "a4b:room"),
            ("arn:aws:a4b:us-east-1:1:skill-group/abc", "a4b:skill-group"),
        ];
        for (arn, expected) in cases {
            assert_eq!(resource_type(arn).1, expected, "{arn}");
        }
        assert_eq!(resource_type("arn:aws:s3:::bucket").0, "s3");
    }

    #[test]
    fn tag_actions_follow_the_owner() {
        assert_eq!(
            tag_action("arn:aws:cloudtrail:us-east-1:1:trail/t", false),
            Some("cloudtrail:RemoveTags")
        );
        assert_eq!(
            tag_action("arn:aws:s3:::b", false),
            Some("s3:PutBucketTagging")
        );
        assert_eq!(tag_action("arn:aws:ec2:us-east-1:1:instance/i", true), None);
    }
}
