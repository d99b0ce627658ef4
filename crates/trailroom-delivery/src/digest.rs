//! Digest files (cloudtrail.md §4.3–4.5): the hourly, signed list of the log files delivered in
//! the hour, chained to the previous digest, so `aws cloudtrail validate-logs` can prove nothing was
//! edited, deleted or moved.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::keys::iso_seconds;
use crate::logfile::gzip;

/// The private key a digest is signed with.
pub trait DigestKey: Send + Sync {
    /// Lowercase hex MD5 of the key's PKCS#1 DER public key.
    fn fingerprint(&self) -> String;
    /// RSASSA-PKCS1-v1_5 / SHA-256 signature of `message`.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String>;
}

/// A log file listed in a digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DigestLogFile {
    /// Bucket holding the file.
    #[serde(rename = "s3Bucket")]
    pub s3_bucket: String,
    /// Its key.
    #[serde(rename = "s3Object")]
    pub s3_object: String,
    /// Lowercase hex SHA-256 of its uncompressed bytes.
    pub hash_value: String,
    /// Always `SHA-256`.
    pub hash_algorithm: String,
    /// Latest event in it.
    pub newest_event_time: String,
    /// Earliest event in it.
    pub oldest_event_time: String,
}

/// The previous link of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousDigest {
    /// Bucket of the previous digest.
    pub bucket: String,
    /// Its key.
    pub key: String,
    /// Lowercase hex SHA-256 of its uncompressed bytes.
    pub hash_hex: String,
    /// Its hex signature (its `x-amz-meta-signature`).
    pub signature_hex: String,
}

/// The digest body, in AWS's field order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DigestBody<'a> {
    aws_account_id: &'a str,
    digest_start_time: String,
    digest_end_time: String,
    #[serde(rename = "digestS3Bucket")]
    digest_s3_bucket: &'a str,
    #[serde(rename = "digestS3Object")]
    digest_s3_object: &'a str,
    digest_public_key_fingerprint: String,
    digest_signature_algorithm: &'static str,
    newest_event_time: Option<String>,
    oldest_event_time: Option<String>,
    #[serde(rename = "previousDigestS3Bucket")]
    previous_digest_s3_bucket: Option<&'a str>,
    #[serde(rename = "previousDigestS3Object")]
    previous_digest_s3_object: Option<&'a str>,
    previous_digest_hash_value: Option<&'a str>,
    previous_digest_hash_algorithm: Option<&'static str>,
    previous_digest_signature: Option<&'a str>,
    log_files: &'a [DigestLogFile],
}

/// What a digest covers.
#[derive(Debug, Clone)]
pub struct DigestInput<'a> {
    /// Account of the files.
    pub account: &'a str,
    /// Region the digest covers (whose key signs it).
    pub region: &'a str,
    /// Window start, ms.
    pub start_ms: i64,
    /// Window end, ms (also in the key).
    pub end_ms: i64,
    /// Bucket the digest goes to.
    pub bucket: &'a str,
    /// Its key.
    pub key: &'a str,
    /// Files delivered in the window.
    pub log_files: &'a [DigestLogFile],
    /// Newest and oldest event times over the files, ms.
    pub event_range: Option<(i64, i64)>,
    /// The previous digest of the chain, `None` when the chain (re)starts.
    pub previous: Option<&'a PreviousDigest>,
}

/// A built, signed digest.
#[derive(Debug, Clone)]
pub struct BuiltDigest {
    /// Gzipped body.
    pub gzipped: Vec<u8>,
    /// Object metadata: `signature` and `signature-algorithm`.
    pub metadata: Vec<(String, String)>,
    /// The link the next digest chains to.
    pub link: PreviousDigest,
}

/// `digestEndTime\nbucket/key\nhex(sha256(body))\nprevious signature or "null"`, no trailing newline.
pub fn string_to_sign(
    end: &str,
    bucket: &str,
    key: &str,
    body_sha256_hex: &str,
    previous: Option<&str>,
) -> String {
    format!(
        "{end}\n{bucket}/{key}\n{body_sha256_hex}\n{}",
        previous.unwrap_or("null")
    )
}

/// Builds and signs a digest.
pub fn build(input: &DigestInput<'_>, key: &dyn DigestKey) -> Result<BuiltDigest, String> {
    let fingerprint = key.fingerprint();
    let end = iso_seconds(input.end_ms);
    let body = DigestBody {
        aws_account_id: input.account,
        digest_start_time: iso_seconds(input.start_ms),
        digest_end_time: end.clone(),
        digest_s3_bucket: input.bucket,
        digest_s3_object: input.key,
        digest_public_key_fingerprint: fingerprint.clone(),
        digest_signature_algorithm: "SHA256withRSA",
        newest_event_time: input.event_range.map(|(newest, _)| iso_seconds(newest)),
        oldest_event_time: input.event_range.map(|(_, oldest)| iso_seconds(oldest)),
        previous_digest_s3_bucket: input.previous.map(|p| p.bucket.as_str()),
        previous_digest_s3_object: input.previous.map(|p| p.key.as_str()),
        previous_digest_hash_value: input.previous.map(|p| p.hash_hex.as_str()),
        previous_digest_hash_algorithm: input.previous.map(|_| "SHA-256"),
        previous_digest_signature: input.previous.map(|p| p.signature_hex.as_str()),
        log_files: input.log_files,
    };
    let plain = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
    let hash_hex = hex::encode(Sha256::digest(&plain));
    let message = string_to_sign(
        &end,
        input.bucket,
        input.key,
        &hash_hex,
        body.previous_digest_signature,
    );
    let signature = key.sign(message.as_bytes())?;
    let signature_hex = hex::encode(signature);
    Ok(BuiltDigest {
        gzipped: gzip(&plain).map_err(|e| e.to_string())?,
        metadata: vec![
            ("signature".into(), signature_hex.clone()),
            ("signature-algorithm".into(), "SHA256withRSA".into()),
        ],
        link: PreviousDigest {
            bucket: input.bucket.to_owned(),
            key: input.key.to_owned(),
            hash_hex,
            signature_hex,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testkit::HashSigner as FakeSigner;

    #[test]
    fn string_to_sign_uses_literal_null_for_a_chain_start() {
        assert_eq!(
            string_to_sign("2015-08-17T15:01:31Z", "b", "k.json.gz", "ab", None),
            "2015-08-17T15:01:31Z\nb/k.json.gz\nab\nnull"
        );
    }

    #[test]
    fn empty_hours_have_null_times_and_all_previous_fields_null_at_chain_start() {
        let input = DigestInput {
            account: "111111111111",
            region: "us-east-1",
            start_ms: 0,
            end_ms: 3_600_000,
            bucket: "b",
            key: "k",
            log_files: &[],
            event_range: None,
            previous: None,
        };
        let built = build(&input, &FakeSigner).unwrap();
        let mut plain = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&built.gzipped[..]),
            &mut plain,
        )
        .unwrap();
        let body: serde_json::Value = serde_json::from_str(&plain).unwrap();
        let keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys[..4],
            [
                "awsAccountId",
                "digestStartTime",
                "digestEndTime",
                "digestS3Bucket"
            ]
        );
        assert_eq!(body["digestEndTime"], "1970-01-01T01:00:00Z");
        assert!(body["newestEventTime"].is_null() && body["oldestEventTime"].is_null());
        for field in [
            "previousDigestS3Bucket",
            "previousDigestS3Object",
            "previousDigestHashValue",
            "previousDigestHashAlgorithm",
            "previousDigestSignature",
        ] {
            assert!(body[field].is_null(), "{field}");
        }
        assert_eq!(body["logFiles"], serde_json::json!([]));
        assert_eq!(
            built.link.hash_hex,
            hex::encode(Sha256::digest(plain.as_bytes()))
        );
        let expected = Sha256::digest(
            string_to_sign("1970-01-01T01:00:00Z", "b", "k", &built.link.hash_hex, None).as_bytes(),
        );
        assert_eq!(built.link.signature_hex, hex::encode(expected));
        assert_eq!(
            built.metadata[1],
            ("signature-algorithm".to_owned(), "SHA256withRSA".to_owned())
        );
    }

    #[test]
    fn chained_digests_carry_the_previous_link() {
        let previous = PreviousDigest {
            bucket: "b".into(),
            key: "old".into(),
            hash_hex: "aa".into(),
            signature_hex: "bb".into(),
        };
        let input = DigestInput {
            account: "1",
            region: "r",
            start_ms: 0,
            end_ms: 1000,
            bucket: "b",
            key: "new",
            log_files: &[],
            event_range: None,
            previous: Some(&previous),
        };
        let built = build(&input, &FakeSigner).unwrap();
        let mut plain = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&built.gzipped[..]),
            &mut plain,
        )
        .unwrap();
        let body: serde_json::Value = serde_json::from_str(&plain).unwrap();
        assert_eq!(body["previousDigestSignature"], "bb");
        assert_eq!(body["previousDigestHashAlgorithm"], "SHA-256");
        let expected = string_to_sign(
            "1970-01-01T00:00:01Z",
            "b",
            "new",
            &built.link.hash_hex,
            Some("bb"),
        );
        assert_eq!(
            built.link.signature_hex,
            hex::encode(Sha256::digest(expected.as_bytes()))
        );
    }
}
