//! Log file integrity validation without the AWS CLI: the same walk `aws cloudtrail validate-logs`
//! makes (cloudtrail.md §4.7) — list the trail's digests in the range, follow the chain from the
//! newest, check each digest's location, key and signature, then each listed log file's hash —
//! with the same verdicts.

use std::io::Read;

use sha2::{Digest, Sha256};

use crate::digest::string_to_sign;
use crate::keys::{Location, digest_key};

/// An object's bytes and its `x-amz-meta-*` metadata.
pub type Object = (Vec<u8>, Vec<(String, String)>);

/// Reads objects of the trail's bucket.
pub trait ObjectSource {
    /// Keys under `prefix`, ascending.
    fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, String>;
    /// An object's bytes and `x-amz-meta-*` metadata; `Ok(None)` when it does not exist.
    fn get(&self, bucket: &str, key: &str) -> Result<Option<Object>, String>;
}

/// Finds public keys (PKCS#1 DER) by fingerprint.
pub trait PublicKeys {
    /// The key with `fingerprint`, if any.
    fn public_key(&self, fingerprint: &str) -> Option<Vec<u8>>;
}

/// What to validate.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Bucket holding the trail's files.
    pub bucket: &'a str,
    /// Trail's `S3KeyPrefix`.
    pub prefix: Option<&'a str>,
    /// Organization id for organization trails.
    pub org_id: Option<&'a str>,
    /// Account whose files are checked.
    pub account: &'a str,
    /// Region whose files are checked.
    pub region: &'a str,
    /// Trail name.
    pub trail_name: &'a str,
    /// Trail home region.
    pub home_region: &'a str,
    /// Range start, ms.
    pub start_ms: i64,
    /// Range end, ms.
    pub end_ms: i64,
}

/// One verdict line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `Digest file` or `Log file`.
    pub kind: &'static str,
    /// `s3://bucket/key`.
    pub location: String,
    /// `None` when valid, else the reason (`not found`, `hash value doesn't match`, …).
    pub problem: Option<String>,
}

/// The outcome of a validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Every digest and log file checked, in order.
    pub verdicts: Vec<Verdict>,
}

impl Report {
    fn count(&self, kind: &str, valid: bool) -> usize {
        self.verdicts
            .iter()
            .filter(|v| v.kind == kind && v.problem.is_none() == valid)
            .count()
    }

    /// Whether nothing was invalid.
    pub fn is_valid(&self) -> bool {
        self.verdicts.iter().all(|v| v.problem.is_none())
    }

    /// The CLI's summary lines (`3/3 digest files valid`, …).
    pub fn summary(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (kind, label) in [("Digest file", "digest files"), ("Log file", "log files")] {
            let (ok, bad) = (self.count(kind, true), self.count(kind, false));
            let total = ok + bad;
            if total > 0 {
                let mut line = format!("{ok}/{total} {label} valid");
                if bad > 0 {
                    line.push_str(&format!(", {bad}/{total} {label} INVALID"));
                }
                lines.push(line);
            }
        }
        lines
    }
}

/// Validates the digests (and their log files) of `request`. `progress` is told each digest.
pub fn validate(
    source: &dyn ObjectSource,
    keys: &dyn PublicKeys,
    request: &Request<'_>,
    mut progress: impl FnMut(&str),
) -> Result<Report, String> {
    let location = Location {
        prefix: request.prefix,
        org_id: request.org_id,
        account: request.account,
        region: request.region,
    };
    // Every digest key of the trail sorts by its end time; keep those of the range (plus an hour).
    let first = digest_key(
        location,
        request.trail_name,
        request.home_region,
        request.start_ms,
    );
    let last = digest_key(
        location,
        request.trail_name,
        request.home_region,
        request.end_ms + 3_600_000,
    );
    let folder =
        &first[..first.find("CloudTrail-Digest/").unwrap_or(0) + "CloudTrail-Digest/".len()];
    let marker = format!("_{}_{}_", request.trail_name, request.home_region);
    let mut listed: Vec<String> = source
        .list(request.bucket, &format!("{folder}{}/", request.region))?
        .into_iter()
        .filter(|k| k.contains(&marker) && k.ends_with(".json.gz"))
        .filter(|k| timestamp(k) >= timestamp(&first) && timestamp(k) <= timestamp(&last))
        .collect();
    listed.sort_by(|a, b| timestamp(a).cmp(timestamp(b)));
    let mut report = Report::default();
    let mut next = listed.last().cloned();
    while let Some(key) = next.take() {
        progress(&key);
        let followed = check_digest(source, keys, request.bucket, &key, &mut report);
        next = match followed {
            Some(previous) => Some(previous),
            None => listed
                .iter()
                .rev()
                .find(|k| timestamp(k) < timestamp(&key))
                .cloned(),
        };
    }
    Ok(report)
}

/// The `YYYYMMDDTHHMMSSZ` a digest key ends with.
fn timestamp(key: &str) -> &str {
    key.len()
        .checked_sub(24)
        .map_or("", |start| &key[start..key.len() - 8])
}

/// Checks one digest and its log files; returns the previous digest's key to follow, if any.
fn check_digest(
    source: &dyn ObjectSource,
    keys: &dyn PublicKeys,
    bucket: &str,
    key: &str,
    report: &mut Report,
) -> Option<String> {
    let location = format!("s3://{bucket}/{key}");
    let mut verdict = |problem: Option<String>| {
        report.verdicts.push(Verdict {
            kind: "Digest file",
            location: location.clone(),
            problem,
        });
    };
    let (bytes, metadata) = match source.get(bucket, key) {
        Ok(Some(found)) => found,
        Ok(None) => {
            verdict(Some("not found".into()));
            return None;
        }
        Err(err) => {
            verdict(Some(err));
            return None;
        }
    };
    let Some((plain, body)) = gunzip(&bytes).and_then(|p| {
        serde_json::from_slice::<serde_json::Value>(&p)
            .ok()
            .map(|b| (p, b))
    }) else {
        verdict(Some("invalid format".into()));
        return None;
    };
    let text = |name: &str| body.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let meta = |name: &str| {
        metadata
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let required = [
        "digestPublicKeyFingerprint",
        "digestS3Bucket",
        "digestS3Object",
        "digestEndTime",
        "digestStartTime",
    ];
    if required.iter().any(|f| text(f).is_none()) || body.get("previousDigestSignature").is_none() {
        verdict(Some("invalid format".into()));
        return None;
    }
    if text("digestS3Bucket").as_deref() != Some(bucket)
        || text("digestS3Object").as_deref() != Some(key)
    {
        verdict(Some("has been moved from its original location".into()));
        return None;
    }
    let fingerprint = text("digestPublicKeyFingerprint").unwrap_or_default();
    let Some(public_key) = keys.public_key(&fingerprint) else {
        verdict(Some(format!(
            "public key not found for fingerprint {fingerprint}"
        )));
        return None;
    };
    let message = string_to_sign(
        &text("digestEndTime").unwrap_or_default(),
        bucket,
        key,
        &hex::encode(Sha256::digest(&plain)),
        text("previousDigestSignature").as_deref(),
    );
    let signature = meta("signature").and_then(|s| hex::decode(s).ok());
    let signed = signature.is_some_and(|sig| verify(&public_key, message.as_bytes(), &sig))
        && meta("signature-algorithm").is_some();
    if !signed {
        verdict(Some("signature verification failed".into()));
        return None;
    }
    verdict(None);
    for file in body
        .get("logFiles")
        .and_then(|f| f.as_array())
        .into_iter()
        .flatten()
    {
        check_log(source, file, report);
    }
    text("previousDigestS3Object")
}

fn check_log(source: &dyn ObjectSource, file: &serde_json::Value, report: &mut Report) {
    let field = |name: &str| file.get(name).and_then(|v| v.as_str()).unwrap_or_default();
    let (bucket, key) = (field("s3Bucket"), field("s3Object"));
    let problem = match source.get(bucket, key) {
        Ok(None) => Some("not found".to_owned()),
        Err(_) => Some("invalid format".to_owned()),
        Ok(Some((bytes, _))) => match gunzip(&bytes) {
            None => Some("invalid format".to_owned()),
            Some(plain) if hex::encode(Sha256::digest(&plain)) != field("hashValue") => {
                Some("hash value doesn't match".to_owned())
            }
            Some(_) => None,
        },
    };
    report.verdicts.push(Verdict {
        kind: "Log file",
        location: format!("s3://{bucket}/{key}"),
        problem,
    });
}

/// The uncompressed bytes of a single-member gzip, `None` for anything else (including data after
/// the end of the stream, which the newest CLI rejects).
fn gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut decoder = flate2::bufread::GzDecoder::new(bytes);
    let mut plain = Vec::new();
    decoder.read_to_end(&mut plain).ok()?;
    decoder.into_inner().is_empty().then_some(plain)
}

/// RSASSA-PKCS1-v1_5 / SHA-256 with a PKCS#1 DER public key.
fn verify(public_key_der: &[u8], message: &[u8], signature: &[u8]) -> bool {
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public_key_der)
        .verify(message, signature)
        .is_ok()
}
