//! A log file's bytes: `{"Records":[…]}` made from the stored records verbatim (never
//! re-serialized, so the hash covers exactly what was recorded), gzipped as a single member.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use trailroom_store::EventRow;

/// A built log file.
#[derive(Debug, Clone)]
pub struct LogFile {
    /// Gzipped bytes to store.
    pub gzipped: Vec<u8>,
    /// Lowercase hex SHA-256 of the uncompressed bytes (the digest's `hashValue`).
    pub sha256_hex: String,
    /// Earliest `eventTime` in the file, ms.
    pub oldest_ms: i64,
    /// Latest `eventTime` in the file, ms.
    pub newest_ms: i64,
    /// Number of records.
    pub records: usize,
}

/// Builds the file for `events` (at least one).
pub fn build(events: &[EventRow]) -> std::io::Result<LogFile> {
    let mut plain = Vec::with_capacity(
        events
            .iter()
            .map(|e| e.record_json.len() + 1)
            .sum::<usize>()
            + 16,
    );
    plain.extend_from_slice(b"{\"Records\":[");
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            plain.push(b',');
        }
        plain.extend_from_slice(event.record_json.as_bytes());
    }
    plain.extend_from_slice(b"]}");
    let sha256_hex = hex::encode(Sha256::digest(&plain));
    Ok(LogFile {
        gzipped: gzip(&plain)?,
        sha256_hex,
        oldest_ms: events
            .iter()
            .map(|e| e.event_time_ms)
            .min()
            .unwrap_or_default(),
        newest_ms: events
            .iter()
            .map(|e| e.event_time_ms)
            .max()
            .unwrap_or_default(),
        records: events.len(),
    })
}

/// One gzip member, nothing appended (validate-logs rejects trailing data). The fastest level:
/// CloudTrail's JSON is repetitive enough to shrink about tenfold anyway, and delivery is
/// bounded by compression otherwise.
pub fn gzip(plain: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(
        Vec::with_capacity(plain.len() / 8 + 64),
        Compression::fast(),
    );
    encoder.write_all(plain)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn event(seq: i64, time: i64) -> EventRow {
        EventRow {
            seq,
            event_id: format!("id-{seq}"),
            account_id: "111111111111".into(),
            region: "us-east-1".into(),
            event_time_ms: time,
            event_name: "CreateRoom".into(),
            event_source: "a4b.amazonaws.com".into(),
            username: None,
            access_key_id: None,
            read_only: false,
            category: "Management".into(),
            resources: vec![],
            record_json: format!("{{\"eventID\":\"id-{seq}\",\"n\":{seq}}}"),
        }
    }

    #[test]
    fn records_round_trip_through_gzip_and_hash_the_plain_bytes() {
        let file = build(&[event(1, 2000), event(2, 1000)]).unwrap();
        let mut plain = String::new();
        flate2::read::GzDecoder::new(&file.gzipped[..])
            .read_to_string(&mut plain)
            .unwrap();
        assert_eq!(
            plain,
            r#"{"Records":[{"eventID":"id-1","n":1},{"eventID":"id-2","n":2}]}"#
        );
        let parsed: serde_json::Value = serde_json::from_str(&plain).unwrap();
        assert_eq!(parsed["Records"].as_array().unwrap().len(), 2);
        assert_eq!(
            file.sha256_hex,
            hex::encode(Sha256::digest(plain.as_bytes()))
        );
        assert_eq!(
            (file.oldest_ms, file.newest_ms, file.records),
            (1000, 2000, 2)
        );
    }
}
