//! Bucket naming rules and location constraints, as S3 enforces them at CreateBucket.

/// Whether `name` follows S3's general-purpose bucket naming rules: 3-63 characters of lower-case
/// letters, digits, dots and hyphens, starting and ending with a letter or digit, no `..`, not an
/// IPv4 address, and none of the reserved prefixes and suffixes.
pub fn is_valid_bucket_name(name: &str) -> bool {
    const RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
    const RESERVED_SUFFIXES: [&str; 4] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3"];
    let bytes = name.as_bytes();
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (3..=63).contains(&name.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
        && edge_ok(bytes.first())
        && edge_ok(bytes.last())
        && !name.contains("..")
        && name.parse::<std::net::Ipv4Addr>().is_err()
        && !RESERVED_PREFIXES.iter().any(|p| name.starts_with(p))
        && !RESERVED_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Why a location constraint was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocationError {
    /// `InvalidLocationConstraint`: not a region, or the explicit `us-east-1`.
    Invalid,
    /// `IllegalLocationConstraintException`: the constraint does not fit the endpoint's region.
    Illegal,
}

/// The region a new bucket lives in, from its `LocationConstraint` and the region the request was
/// signed for. As in S3: no constraint means `us-east-1` and is only accepted there; `EU` is the
/// legacy name of `eu-west-1`; the us-east-1 endpoint accepts any region; other endpoints only
/// their own.
pub fn bucket_region(
    constraint: Option<&str>,
    signing_region: &str,
) -> Result<String, LocationError> {
    let Some(constraint) = constraint.filter(|c| !c.is_empty()) else {
        return if signing_region == "us-east-1" {
            Ok("us-east-1".into())
        } else {
            Err(LocationError::Illegal)
        };
    };
    let region = if constraint == "EU" {
        "eu-west-1"
    } else {
        constraint
    };
    if region == "us-east-1" || !trailroom_protocol::regions::is_known(region) {
        return Err(LocationError::Invalid);
    }
    if signing_region != "us-east-1" && signing_region != region {
        return Err(LocationError::Illegal);
    }
    Ok(region.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        for ok in ["abc", "my-bucket.logs", "a1b", &"a".repeat(63)] {
            assert!(is_valid_bucket_name(ok), "{ok}");
        }
        for bad in [
            "ab",
            "Abc",
            "-abc",
            "abc-",
            "a..b",
            "192.168.1.1",
            "xn--abc",
            "abc-s3alias",
            "a_b",
            &"a".repeat(64),
        ] {
            assert!(!is_valid_bucket_name(bad), "{bad}");
        }
    }

    #[test]
    fn regions_follow_the_endpoint_rules() {
        assert_eq!(bucket_region(None, "us-east-1").unwrap(), "us-east-1");
        assert_eq!(
            bucket_region(None, "eu-west-1"),
            Err(LocationError::Illegal)
        );
        assert_eq!(
            bucket_region(Some("eu-west-1"), "us-east-1").unwrap(),
            "eu-west-1"
        );
        assert_eq!(bucket_region(Some("EU"), "eu-west-1").unwrap(), "eu-west-1");
        assert_eq!(
            bucket_region(Some("us-west-2"), "us-west-2").unwrap(),
            "us-west-2"
        );
        assert_eq!(
            bucket_region(Some("us-west-2"), "eu-west-1"),
            Err(LocationError::Illegal)
        );
        assert_eq!(
            bucket_region(Some("us-east-1"), "us-east-1"),
            Err(LocationError::Invalid)
        );
        assert_eq!(
            bucket_region(Some("moon"), "us-east-1"),
            Err(LocationError::Invalid)
        );
        // Another partition's region is no region here.
        assert_eq!(
            bucket_region(Some("us-gov-west-1"), "us-east-1"),
            Err(LocationError::Invalid)
        );
    }
}
