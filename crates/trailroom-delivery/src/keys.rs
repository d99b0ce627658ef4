//! Object keys in CloudTrail's layout (cloudtrail.md §3.1, §4.2). Pure functions: the same inputs
//! always give the same key, which is what makes a retried delivery land on the same object.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// `[<prefix>/]AWSLogs/[<org>/]<account>/` — the tree every file of an account lives under.
fn account_root(prefix: Option<&str>, org_id: Option<&str>, account: &str) -> String {
    let mut key = String::new();
    if let Some(prefix) = prefix
        .map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty())
    {
        key.push_str(prefix);
        key.push('/');
    }
    key.push_str("AWSLogs/");
    if let Some(org) = org_id {
        key.push_str(org);
        key.push('/');
    }
    key.push_str(account);
    key.push('/');
    key
}

fn utc(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// 16 letters and digits derived from `seed`: looks like AWS's random suffix, but a retry of the
/// same batch computes the same one.
pub fn unique16(seed: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    Sha256::digest(seed.as_bytes())
        .iter()
        .take(16)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// A UUID-shaped id derived from `seed`: records a retried write rebuilds get the same ids.
pub fn uuid_from(seed: &str) -> String {
    let h = hex::encode(&Sha256::digest(seed.as_bytes())[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Where the components of a key come from.
#[derive(Debug, Clone, Copy)]
pub struct Location<'a> {
    /// Trail's `S3KeyPrefix`.
    pub prefix: Option<&'a str>,
    /// Organization id for organization trails.
    pub org_id: Option<&'a str>,
    /// Account whose events the file holds.
    pub account: &'a str,
    /// Region the events happened in.
    pub region: &'a str,
}

/// `…/CloudTrail/<region>/<YYYY>/<MM>/<DD>/<acct>_CloudTrail_<region>_<YYYYMMDD>T<HHmm>Z_<u16>.json.gz`,
/// dated by delivery time at minute precision.
pub fn log_key(at: Location<'_>, delivered_ms: i64, unique: &str) -> String {
    log_key_in("CloudTrail", at, delivered_ms, unique)
}

/// [`log_key`] in another folder: `CloudTrail-Insight` for Insights events,
/// `CloudTrail-Aggregated` for aggregated data events (dated by the newest window's end).
pub fn log_key_in(folder: &str, at: Location<'_>, delivered_ms: i64, unique: &str) -> String {
    let t = utc(delivered_ms);
    format!(
        "{}{folder}/{region}/{}/{account}_{folder}_{region}_{}_{unique}.json.gz",
        account_root(at.prefix, at.org_id, at.account),
        t.format("%Y/%m/%d"),
        t.format("%Y%m%dT%H%MZ"),
        region = at.region,
        account = at.account,
    )
}

/// `…/CloudTrail-Digest/<region>/<YYYY>/<MM>/<DD>/<acct>_CloudTrail-Digest_<region>_<trail>_<home>_<YYYYMMDDTHHMMSSZ>.json.gz`,
/// dated by the digest's end time at second precision.
pub fn digest_key(at: Location<'_>, trail_name: &str, home_region: &str, end_ms: i64) -> String {
    let t = utc(end_ms);
    format!(
        "{}CloudTrail-Digest/{region}/{}/{account}_CloudTrail-Digest_{region}_{trail_name}_{home_region}_{}.json.gz",
        account_root(at.prefix, at.org_id, at.account),
        t.format("%Y/%m/%d"),
        t.format("%Y%m%dT%H%M%SZ"),
        region = at.region,
        account = at.account,
    )
}

/// `YYYY-MM-DDTHH:MM:SSZ`, as digests write times.
pub fn iso_seconds(ms: i64) -> String {
    utc(ms).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUG_1_2015_0210: i64 = 1_438_395_000_000; // 2015-08-01T02:10:00Z

    #[test]
    fn log_keys_match_the_documented_example() {
        let at = Location {
            prefix: None,
            org_id: None,
            account: "111122223333",
            region: "us-east-2",
        };
        assert_eq!(
            log_key(at, AUG_1_2015_0210 + 59_000, "Mu0KsOhtH1ar15ZZ"),
            "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz"
        );
        let at = Location {
            prefix: Some("logs/"),
            org_id: Some("o-abc123defg"),
            ..at
        };
        assert!(
            log_key(at, AUG_1_2015_0210, "x")
                .starts_with("logs/AWSLogs/o-abc123defg/111122223333/CloudTrail/")
        );
    }

    #[test]
    fn digest_keys_end_with_the_second_precision_timestamp() {
        let at = Location {
            prefix: Some("p"),
            org_id: None,
            account: "111122223333",
            region: "us-east-1",
        };
        let key = digest_key(at, "my-trail", "us-east-1", 1_439_823_691_000);
        assert_eq!(
            key,
            "p/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2015/08/17/111122223333_CloudTrail-Digest_us-east-1_my-trail_us-east-1_20150817T150131Z.json.gz"
        );
        // The CLI reads the timestamp by position: characters [-24:-8].
        assert_eq!(&key[key.len() - 24..key.len() - 8], "20150817T150131Z");
    }

    #[test]
    fn unique_suffixes_are_stable_alphanumeric() {
        let a = unique16("trail|acct|region|1|9");
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(a, unique16("trail|acct|region|1|9"));
        assert_ne!(a, unique16("trail|acct|region|1|10"));
    }
}
