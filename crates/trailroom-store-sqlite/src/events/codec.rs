//! How a record and an event id are stored: the record deflated against a preset dictionary of
//! common CloudTrail record pieces (codec 1; a record is about a kilobyte of JSON that shares
//! most of its keys and many values with every other one), the id as 16 bytes when it is a UUID.

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use rusqlite::types::{Value, ValueRef};
use trailroom_store::{StoreError, StoreResult};

/// The record as given (for rows that cannot be compressed).
pub(crate) const PLAIN: i64 = 0;
/// Raw deflate with [`DICTIONARY`].
pub(crate) const DEFLATE_DICTIONARY_1: i64 = 1;

/// The preset dictionary of codec 1. Never change it: stored rows depend on its exact bytes.
const DICTIONARY: &[u8] = include_bytes!("record_dictionary.txt");

thread_local! {
    static COMPRESS: RefCell<Compress> = RefCell::new(Compress::new(Compression::new(6), false));
    static DECOMPRESS: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Backend(format!("corrupt event record: {what}"))
}

/// Encodes `record`; returns (codec, bytes).
pub(crate) fn encode(record: &str) -> (i64, Vec<u8>) {
    let compressed = COMPRESS.with(|cell| {
        let mut compress = cell.borrow_mut();
        compress.reset();
        compress.set_dictionary(DICTIONARY).ok()?;
        let mut out = Vec::with_capacity(record.len() + 64);
        match compress.compress_vec(record.as_bytes(), &mut out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => Some(out),
            _ => None,
        }
    });
    match compressed {
        Some(bytes) => (DEFLATE_DICTIONARY_1, bytes),
        None => (PLAIN, record.as_bytes().to_vec()),
    }
}

/// Decodes a stored record.
pub(crate) fn decode(codec: i64, bytes: &[u8]) -> StoreResult<String> {
    let plain = match codec {
        PLAIN => bytes.to_vec(),
        DEFLATE_DICTIONARY_1 => inflate(bytes)?,
        other => return Err(corrupt(&format!("unknown codec {other}"))),
    };
    String::from_utf8(plain).map_err(|_| corrupt("not UTF-8"))
}

fn inflate(bytes: &[u8]) -> StoreResult<Vec<u8>> {
    DECOMPRESS.with(|cell| {
        let mut decompress = cell.borrow_mut();
        decompress.reset(false);
        decompress
            .set_dictionary(DICTIONARY)
            .map_err(|_| corrupt("dictionary refused"))?;
        let mut out = Vec::with_capacity(bytes.len() * 4 + 256);
        loop {
            let consumed = decompress.total_in() as usize;
            let status = decompress
                .decompress_vec(&bytes[consumed..], &mut out, FlushDecompress::Finish)
                .map_err(|_| corrupt("bad deflate stream"))?;
            match status {
                Status::StreamEnd => return Ok(out),
                _ if out.len() == out.capacity() => out.reserve(out.capacity()),
                _ if decompress.total_in() as usize >= bytes.len() => {
                    return Err(corrupt("truncated deflate stream"));
                }
                _ => {}
            }
        }
    })
}

/// The stored form of an event id: 16 bytes for a UUID, the text otherwise.
pub(crate) fn id_value(event_id: &str) -> Value {
    match uuid_bytes(event_id) {
        Some(bytes) => Value::Blob(bytes.to_vec()),
        None => Value::Text(event_id.to_owned()),
    }
}

/// The event id of a stored id.
pub(crate) fn id_text(value: ValueRef<'_>) -> StoreResult<String> {
    match value {
        ValueRef::Blob(bytes) if bytes.len() == 16 => Ok(uuid_text(bytes)),
        ValueRef::Text(text) => String::from_utf8(text.to_vec()).map_err(|_| corrupt("event id")),
        _ => Err(corrupt("event id")),
    }
}

/// `8-4-4-4-12` lowercase hex digits to 16 bytes; `None` for anything else (upper case included,
/// so that the text comes back exactly as given).
fn uuid_bytes(text: &str) -> Option<[u8; 16]> {
    let bytes = text.as_bytes();
    if bytes.len() != 36 || [8, 13, 18, 23].iter().any(|&i| bytes[i] != b'-') {
        return None;
    }
    let mut out = [0u8; 16];
    let mut digits = bytes.iter().filter(|&&b| b != b'-');
    for byte in &mut out {
        let high = hex_digit(*digits.next()?)?;
        let low = hex_digit(*digits.next()?)?;
        *byte = high << 4 | low;
    }
    Some(out)
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

fn uuid_text(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[usize::from(byte >> 4)] as char);
        out.push(HEX[usize::from(byte & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_shrink() {
        let record = r#"{"eventVersion":"1.10","userIdentity":{"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012","accessKeyId":"AKIAIOSFODNN7EXAMPLE"},"eventTime":"2026-11-27T07:07:14Z","eventSource":"a4b.amazonaws.com","eventName":"GetRoom","awsRegion":"us-east-1","sourceIPAddress":"127.0.0.1","userAgent":"Boto3/1.34.110 md/Botocore#1.34.110 ua/2.0 os/linux#6.18.44-fc-v669 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython cfg/retry-mode#standard Botocore/1.34.110","requestParameters":{"roomArn":"arn:aws:a4b:us-east-1:123456789012:room/1fd162ee33d329d823bbd9da5f76541e/0a6a1c5e7c2f4c0d9f1e2d3c4b5a6978"},"responseElements":null,"requestID":"d2b232c6-0229-4ce1-9153-657d54222314","eventID":"2421172a-d63e-4a7a-ab0e-4466bfe20c1a","readOnly":true,"resources":[{"ARN":"arn:aws:a4b:us-east-1:123456789012:room/1fd162ee33d329d823bbd9da5f76541e/0a6a1c5e7c2f4c0d9f1e2d3c4b5a6978","accountId":"123456789012","type":"AWS::A4B::Room"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"}"#;
        let (codec, bytes) = encode(record);
        assert_eq!(codec, DEFLATE_DICTIONARY_1);
        assert!(bytes.len() * 4 < record.len(), "{} bytes", bytes.len());
        assert_eq!(decode(codec, &bytes).unwrap(), record);
        assert_eq!(decode(PLAIN, b"{}").unwrap(), "{}");
        assert!(decode(DEFLATE_DICTIONARY_1, &bytes[..bytes.len() / 2]).is_err());
        assert!(decode(7, b"").is_err());
    }

    #[test]
    fn the_dictionary_never_changes() {
        // Stored rows depend on these exact bytes: a changed dictionary needs a new codec.
        let fnv1a = DICTIONARY.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
        assert_eq!((DICTIONARY.len(), fnv1a), (4171, DICTIONARY_FNV1A));
    }

    const DICTIONARY_FNV1A: u64 = 4_231_986_621_906_152_368;

    #[test]
    fn uuids_are_sixteen_bytes_and_come_back_as_given() {
        let id = "2421172a-d63e-4a7a-ab0e-4466bfe20c1a";
        let Value::Blob(bytes) = id_value(id) else {
            panic!("a UUID is stored as bytes");
        };
        assert_eq!(id_text(ValueRef::Blob(&bytes)).unwrap(), id);
        for other in ["2421172A-D63E-4A7A-AB0E-4466BFE20C1A", "e-1", ""] {
            assert_eq!(id_value(other), Value::Text(other.to_owned()));
            assert_eq!(id_text(ValueRef::Text(other.as_bytes())).unwrap(), other);
        }
    }
}
