//! Trail names, trail ARNs, and the regions this server knows.

use trailroom_protocol::ApiError;

pub use trailroom_protocol::regions::{PARTITION, REGIONS};

/// `arn:aws:cloudtrail:<region>:<account>:trail/<name>`.
pub fn trail_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:{PARTITION}:cloudtrail:{region}:{account}:trail/{name}")
}

/// A trail named by the caller: a plain name or a trail ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TrailRef {
    /// A valid trail name.
    Name(String),
    /// A well-formed trail ARN, split up.
    Arn(TrailArn),
}

/// The parts of a trail ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrailArn {
    /// The ARN exactly as given.
    pub text: String,
    /// Its region (the trail's home region).
    pub region: String,
    /// Its account.
    pub account: String,
    /// The trail name.
    pub name: String,
}

impl TrailRef {
    /// Reads a `Name`/`TrailName` member: ARNs start with `arn:`, anything else must be a valid
    /// trail name.
    pub(crate) fn parse(input: &str) -> Result<Self, ApiError> {
        if input.starts_with("arn:") {
            parse_trail_arn(input).map(Self::Arn)
        } else {
            validate_trail_name(input)?;
            Ok(Self::Name(input.to_owned()))
        }
    }
}

/// Splits a trail ARN; anything else is `CloudTrailARNInvalidException`.
pub(crate) fn parse_trail_arn(arn: &str) -> Result<TrailArn, ApiError> {
    let invalid = || {
        ApiError::client(
            "CloudTrailARNInvalidException",
            format!(
                "{arn} is not a valid trail ARN. The format of a trail ARN is: \
                 arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail"
            ),
        )
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(invalid());
    };
    let name = resource.strip_prefix("trail/").ok_or_else(invalid)?;
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if partition.is_empty() || *service != "cloudtrail" || !account_ok || !region_ok {
        return Err(invalid());
    }
    if check_name(name).is_err() {
        return Err(invalid());
    }
    Ok(TrailArn {
        text: arn.to_owned(),
        region: (*region).to_owned(),
        account: (*account).to_owned(),
        name: name.to_owned(),
    })
}

/// AWS's trail naming rules, as `InvalidTrailNameException`.
pub(crate) fn validate_trail_name(name: &str) -> Result<(), ApiError> {
    check_name(name).map_err(|message| ApiError::client("InvalidTrailNameException", message))
}

/// The first rule `name` breaks, worded as AWS words it.
fn check_name(name: &str) -> Result<(), String> {
    let length = name.chars().count();
    if length < 3 {
        return Err(format!(
            "Trail name too short. Minimum allowed length: 3 characters. Specified name length: {length} characters."
        ));
    }
    if length > 128 {
        return Err(format!(
            "Trail name too long. Maximum allowed length: 128 characters. Specified name length: {length} characters."
        ));
    }
    let punctuation = |b: u8| matches!(b, b'.' | b'_' | b'-');
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || punctuation(b))
    {
        return Err(
            "Trail name or ARN can only contain uppercase letters, lowercase letters, \
                    numbers, periods (.), hyphens (-), and underscores (_)."
                .into(),
        );
    }
    let bytes = name.as_bytes();
    if !bytes[0].is_ascii_alphanumeric() {
        return Err("Trail name must starts with a letter or number.".into());
    }
    if !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
        return Err("Trail name must ends with a letter or number.".into());
    }
    if bytes
        .windows(2)
        .any(|pair| punctuation(pair[0]) && punctuation(pair[1]))
    {
        return Err("Trail name cannot contain adjacent periods, underscores or hyphens.".into());
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err("Trail name cannot be formatted as an IP address.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(name: &str) -> String {
        let err = validate_trail_name(name).unwrap_err();
        assert_eq!(err.code(), "InvalidTrailNameException", "{name}");
        err.message().to_owned()
    }

    #[test]
    fn names_follow_aws_rules() {
        for good in [
            "abc",
            "My.Trail_1-x",
            "a1b",
            &"a".repeat(128),
            "1.2.3",
            "10.0.0.1a",
        ] {
            assert!(validate_trail_name(good).is_ok(), "{good}");
        }
        assert!(rejected("ab").contains("too short"));
        assert!(rejected(&"a".repeat(129)).contains("too long"));
        assert!(rejected("-abc").contains("starts with"));
        assert!(rejected("abc_").contains("ends with"));
        assert!(rejected("my-_name").contains("adjacent"));
        assert!(rejected("my--name").contains("adjacent"));
        assert!(rejected("my..name").contains("adjacent"));
        assert!(rejected("my name").contains("can only contain"));
        assert!(rejected("trail/x").contains("can only contain"));
        assert!(rejected("émile").contains("can only contain"));
        assert!(rejected("192.168.5.4").contains("IP address"));
    }

    #[test]
    fn arns_and_names_are_told_apart() {
        let arn = "arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail";
        let TrailRef::Arn(parts) = TrailRef::parse(arn).unwrap() else {
            panic!("not an ARN")
        };
        assert_eq!(
            (parts.region.as_str(), parts.account.as_str()),
            ("us-east-2", "123456789012")
        );
        assert_eq!(parts.name, "MyTrail");
        assert_eq!(
            TrailRef::parse("MyTrail").unwrap(),
            TrailRef::Name("MyTrail".into())
        );
        for bad in [
            "arn:aws:cloudtrail:us-east-2:123456789012:trail/",
            "arn:aws:cloudtrail:us-east-2:12345:trail/MyTrail",
            "arn:aws:s3:us-east-2:123456789012:trail/MyTrail",
            "arn:aws:cloudtrail:us-east-2:123456789012:eventdatastore/x",
            "arn:aws:cloudtrail:us-east-2:123456789012:trail/a--b",
            "arn:aws:cloudtrail",
        ] {
            let err = TrailRef::parse(bad).unwrap_err();
            assert_eq!(err.code(), "CloudTrailARNInvalidException", "{bad}");
        }
        assert_eq!(
            trail_arn("eu-west-1", "123456789012", "t1"),
            "arn:aws:cloudtrail:eu-west-1:123456789012:trail/t1"
        );
        assert!(REGIONS.contains(&"us-east-1") && REGIONS.windows(2).all(|w| w[0] < w[1]));
    }
}
