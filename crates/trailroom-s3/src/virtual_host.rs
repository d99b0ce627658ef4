//! Virtual-hosted-style requests (`BUCKET.localhost:4570/key`, `BUCKET.s3.<base>/key`), turned
//! into the path-style form the rest of the endpoint serves (`/BUCKET/key`) once their signature
//! has been checked against what the client sent.
//!
//! A host is read against the configured base domains (`localhost` by default): the base itself
//! and `s3.<base>` are path-style; `<bucket>.s3.<base>` and `<bucket>.<base>` name a bucket. Any
//! other host (an IP address, another name) is path-style, as a custom endpoint is. A host that
//! names something that cannot be a bucket is refused with `InvalidBucketName` rather than
//! answered about another bucket.

use http::Uri;
use trailroom_protocol::ApiError;

use crate::errors;
use crate::names::is_valid_bucket_name;

/// The bucket a `Host` header names under one of `bases`, if it names one.
pub fn bucket_of_host(host: &str, bases: &[String]) -> Result<Option<String>, ApiError> {
    let host = host_without_port(host).to_ascii_lowercase();
    for base in bases {
        let base = base.trim_matches('.').to_ascii_lowercase();
        let s3_base = format!("s3.{base}");
        if host == base || host == s3_base {
            return Ok(None);
        }
        let bucket = host
            .strip_suffix(&format!(".{s3_base}"))
            .or_else(|| host.strip_suffix(&format!(".{base}")));
        if let Some(bucket) = bucket {
            return match is_valid_bucket_name(bucket) {
                true => Ok(Some(bucket.to_owned())),
                false => Err(errors::invalid_bucket_name()),
            };
        }
    }
    Ok(None)
}

/// `name:4570` → `name`; `[::1]:4570` → `[::1]`.
fn host_without_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// The path-style form of `uri` for `bucket`: `/bucket` + the path, query kept.
pub fn path_style(uri: &Uri, bucket: &str) -> Result<Uri, ApiError> {
    let path = uri.path();
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let rest = if path == "/" { "" } else { path };
    format!("/{bucket}{rest}{query}")
        .parse()
        .map_err(|_| errors::invalid_argument("The request URI is not valid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bases() -> Vec<String> {
        vec!["localhost".into(), "example.test".into()]
    }

    #[test]
    fn hosts_name_buckets_under_the_base_domains() {
        let of = |host: &str| bucket_of_host(host, &bases()).unwrap();
        assert_eq!(of("logs.localhost:4570"), Some("logs".into()));
        assert_eq!(of("logs.s3.localhost"), Some("logs".into()));
        assert_eq!(
            of("my.dotted.bucket.localhost:1"),
            Some("my.dotted.bucket".into())
        );
        assert_eq!(of("logs.s3.example.test"), Some("logs".into()));
        assert_eq!(of("localhost:4570"), None);
        assert_eq!(of("s3.localhost"), None);
        assert_eq!(of("127.0.0.1:4570"), None);
        assert_eq!(of("[::1]:4570"), None);
        assert_eq!(of("elsewhere.example.com"), None);
        assert_eq!(of("LOGS.LocalHost"), Some("logs".into()));
    }

    #[test]
    fn what_cannot_be_a_bucket_is_refused() {
        assert_eq!(
            bucket_of_host("a_b.localhost", &bases())
                .unwrap_err()
                .code(),
            "InvalidBucketName"
        );
        assert!(bucket_of_host("x.localhost", &bases()).is_err());
    }

    #[test]
    fn paths_gain_the_bucket() {
        let uri: Uri = "/key/with%20space?tagging".parse().unwrap();
        assert_eq!(
            path_style(&uri, "logs").unwrap().to_string(),
            "/logs/key/with%20space?tagging"
        );
        let root: Uri = "/?list-type=2".parse().unwrap();
        assert_eq!(
            path_style(&root, "logs").unwrap().to_string(),
            "/logs?list-type=2"
        );
    }
}
