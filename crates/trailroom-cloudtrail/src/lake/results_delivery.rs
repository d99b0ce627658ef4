//! Query results delivered to S3 (StartQuery's `DeliveryS3Uri`), as CloudTrail writes them:
//! `<prefix>/AWSLogs/<account>/CloudTrail-Lake/Query/<yyyy>/<mm>/<dd>/<query id>/result_1.csv.gz`
//! (a header row, then every row; gzipped) and, beside it, `result_sign.json`: each file's
//! SHA-256, and an RSA signature (SHA256withRSA, hex) of the hashes joined by spaces, made with
//! the region's digest signing key, whose fingerprint the sign file names.
//!
//! Building the objects is here; writing them into the bucket (as the CloudTrail service
//! principal, under the bucket's policy) is the server's.

use std::io::Write as _;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::json;
use sha2::{Digest, Sha256};
use trailroom_lake::{Lake, LakeError, QueryInfo, QueryStatus};

use crate::keys::{KeyError, SigningKey, sign};

/// Rows read from the lake per page while the CSV is written.
const PAGE: i64 = 1000;

/// `s3://bucket[/prefix]` as (bucket, prefix without slashes at its ends).
pub fn parse_uri(uri: &str) -> Option<(String, String)> {
    let rest = uri.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then(|| (bucket.to_owned(), prefix.trim_matches('/').to_owned()))
}

/// The objects a finished query's delivery writes.
#[derive(Debug, Clone)]
pub struct ResultObjects {
    /// The bucket.
    pub bucket: String,
    /// The result files, then the sign file: (key, bytes).
    pub objects: Vec<(String, Vec<u8>)>,
}

/// Why results could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// The lake failed.
    #[error(transparent)]
    Lake(#[from] LakeError),
    /// Signing failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The query has no usable `DeliveryS3Uri`.
    #[error("query {0} has no delivery location")]
    NoLocation(String),
}

/// The folder of a query's results.
fn folder(info: &QueryInfo, prefix: &str) -> String {
    let done_ms = info.finished_ms.unwrap_or(info.created_ms);
    let day = chrono::DateTime::from_timestamp_millis(done_ms)
        .unwrap_or_default()
        .format("%Y/%m/%d");
    let lead = match prefix.is_empty() {
        true => String::new(),
        false => format!("{prefix}/"),
    };
    format!(
        "{lead}AWSLogs/{}/CloudTrail-Lake/Query/{day}/{}",
        info.account, info.id
    )
}

/// A CSV field, quoted when it must be (RFC 4180).
fn csv_field(value: &str) -> String {
    match value.contains([',', '"', '\n', '\r']) {
        true => format!("\"{}\"", value.replace('"', "\"\"")),
        false => value.to_owned(),
    }
}

/// Every result row of a finished query as CSV: a header of the columns in the order they first
/// appear, then one line per row (a null is an empty field).
fn results_csv(lake: &Lake, info: &QueryInfo) -> Result<String, LakeError> {
    let mut rows = Vec::new();
    let mut offset = 0;
    loop {
        let page = lake.results(&info.account, &info.id, offset, PAGE)?;
        rows.extend(page.rows);
        match page.next {
            Some(next) => offset = next,
            None => break,
        }
    }
    let mut columns: Vec<String> = Vec::new();
    for row in &rows {
        for (column, _) in row {
            if !columns.contains(column) {
                columns.push(column.clone());
            }
        }
    }
    let mut out = columns
        .iter()
        .map(|c| csv_field(c))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for row in &rows {
        let line: Vec<String> = columns
            .iter()
            .map(|c| {
                let value = row.iter().find(|(k, _)| k == c).map(|(_, v)| v.as_str());
                csv_field(value.unwrap_or_default())
            })
            .collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    Ok(out)
}

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(text.as_bytes());
    encoder.finish().unwrap_or_default()
}

/// The result files and sign file of a finished query, signed with `key` (the query region's).
pub fn result_objects(
    lake: &Lake,
    info: &QueryInfo,
    key: &SigningKey,
) -> Result<ResultObjects, ResultsError> {
    let (bucket, prefix) = info
        .delivery_uri
        .as_deref()
        .and_then(parse_uri)
        .ok_or_else(|| ResultsError::NoLocation(info.id.clone()))?;
    let folder = folder(info, &prefix);
    let body = gzip(&results_csv(lake, info)?);
    let hash = hex::encode(Sha256::digest(&body));
    let signature = hex::encode(sign(key, hash.as_bytes())?);
    let done_ms = info.finished_ms.unwrap_or(info.created_ms);
    let sign_file = json!({
        "version": "1.0",
        "region": info.region,
        "files": [{"fileHashValue": hash, "fileName": "result_1.csv.gz"}],
        "hashAlgorithm": "SHA-256",
        "signatureAlgorithm": "SHA256withRSA",
        "queryCompleteTime": chrono::DateTime::from_timestamp_millis(done_ms)
            .unwrap_or_default()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        "hashSignature": signature,
        "publicKeyFingerprint": key.fingerprint,
    });
    Ok(ResultObjects {
        bucket,
        objects: vec![
            (format!("{folder}/result_1.csv.gz"), body),
            (
                format!("{folder}/result_sign.json"),
                serde_json::to_vec_pretty(&sign_file).unwrap_or_default(),
            ),
        ],
    })
}

/// The `DeliveryStatus` of a query that stopped without results to deliver.
pub fn undeliverable_status(status: QueryStatus) -> Option<&'static str> {
    match status {
        QueryStatus::Finished | QueryStatus::Queued | QueryStatus::Running => None,
        QueryStatus::Cancelled => Some("CANCELLED"),
        QueryStatus::Failed | QueryStatus::TimedOut => Some("FAILED"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_and_csv_fields() {
        assert_eq!(
            parse_uri("s3://bucket/some/prefix/"),
            Some(("bucket".into(), "some/prefix".into()))
        );
        assert_eq!(
            parse_uri("s3://bucket"),
            Some(("bucket".into(), String::new()))
        );
        assert_eq!(parse_uri("https://bucket"), None);
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
