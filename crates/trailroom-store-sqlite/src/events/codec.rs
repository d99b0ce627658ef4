//! How a record and an event id are stored. A record is about a kilobyte of JSON that shares most
//! of its keys and many values with every other one, so it is compressed against a dictionary:
//! codec 2 (written today) is zstd at level 3 with a dictionary trained by zstd's dictionary
//! builder over about 7,000 records trailroom wrote (the bench loader's mix of 21 A4B, STS, IAM and
//! CloudTrail operations by root, IAM users and role sessions, and the server's own records of
//! every bench workload): about 2 µs and 100–150 bytes per record, with a checksum. Codec 1 (deflate against a
//! preset dictionary of record pieces, 14–19 µs and 135–220 bytes) is still read. The id is kept as
//! 16 bytes when it is a UUID.

use std::cell::RefCell;
use std::sync::OnceLock;

use flate2::{Decompress, FlushDecompress, Status};
use rusqlite::types::{Value, ValueRef};
use trailroom_store::{StoreError, StoreResult};
use zstd::dict::{DecoderDictionary, EncoderDictionary};

/// The record as given (for rows that cannot be compressed).
pub(crate) const PLAIN: i64 = 0;
/// Raw deflate with [`DEFLATE_DICTIONARY`] (rows written before codec 2).
pub(crate) const DEFLATE_DICTIONARY_1: i64 = 1;
/// zstd with [`ZSTD_DICTIONARY`].
pub(crate) const ZSTD_DICTIONARY_2: i64 = 2;

/// The preset dictionary of codec 1. Never change it: stored rows depend on its exact bytes.
const DEFLATE_DICTIONARY: &[u8] = include_bytes!("record_dictionary.txt");
/// The trained dictionary of codec 2. Never change it: a better one needs a new codec number.
const ZSTD_DICTIONARY: &[u8] = include_bytes!("record_dictionary.zstd");
/// zstd's level for codec 2: its speed at level 1 with a better ratio (measured on records).
const ZSTD_LEVEL: i32 = 3;
/// No record is larger (the audit layer caps records far below it): a frame that claims more is
/// corrupt.
const MAX_RECORD_BYTES: u64 = 16 << 20;

fn encoder_dictionary() -> &'static EncoderDictionary<'static> {
    static DICTIONARY: OnceLock<EncoderDictionary<'static>> = OnceLock::new();
    DICTIONARY.get_or_init(|| EncoderDictionary::copy(ZSTD_DICTIONARY, ZSTD_LEVEL))
}

fn decoder_dictionary() -> &'static DecoderDictionary<'static> {
    static DICTIONARY: OnceLock<DecoderDictionary<'static>> = OnceLock::new();
    DICTIONARY.get_or_init(|| DecoderDictionary::copy(ZSTD_DICTIONARY))
}

thread_local! {
    static COMPRESS: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESS: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
    static INFLATE: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Backend(format!("corrupt event record: {what}"))
}

/// Encodes `record`; returns (codec, bytes).
pub(crate) fn encode(record: &str) -> (i64, Vec<u8>) {
    let compressed = COMPRESS.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut compressor =
                zstd::bulk::Compressor::with_prepared_dictionary(encoder_dictionary()).ok()?;
            // Four bytes per record: a damaged row is reported instead of read as another record.
            compressor.include_checksum(true).ok()?;
            *slot = Some(compressor);
        }
        slot.as_mut()?.compress(record.as_bytes()).ok()
    });
    match compressed {
        Some(bytes) => (ZSTD_DICTIONARY_2, bytes),
        None => (PLAIN, record.as_bytes().to_vec()),
    }
}

/// Decodes a stored record.
pub(crate) fn decode(codec: i64, bytes: &[u8]) -> StoreResult<String> {
    let plain = match codec {
        PLAIN => bytes.to_vec(),
        DEFLATE_DICTIONARY_1 => inflate(bytes)?,
        ZSTD_DICTIONARY_2 => unzstd(bytes)?,
        other => return Err(corrupt(&format!("unknown codec {other}"))),
    };
    String::from_utf8(plain).map_err(|_| corrupt("not UTF-8"))
}

fn unzstd(bytes: &[u8]) -> StoreResult<Vec<u8>> {
    let size = match zstd::zstd_safe::get_frame_content_size(bytes) {
        Ok(Some(size)) if size <= MAX_RECORD_BYTES => size as usize,
        _ => return Err(corrupt("bad zstd frame")),
    };
    DECOMPRESS.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(
                zstd::bulk::Decompressor::with_prepared_dictionary(decoder_dictionary())
                    .map_err(|_| corrupt("dictionary refused"))?,
            );
        }
        let decompressor = slot.as_mut().expect("set above");
        let plain = decompressor
            .decompress(bytes, size)
            .map_err(|_| corrupt("bad zstd frame"))?;
        match plain.len() == size {
            true => Ok(plain),
            false => Err(corrupt("truncated zstd frame")),
        }
    })
}

fn inflate(bytes: &[u8]) -> StoreResult<Vec<u8>> {
    INFLATE.with(|cell| {
        let mut decompress = cell.borrow_mut();
        decompress.reset(false);
        decompress
            .set_dictionary(DEFLATE_DICTIONARY)
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
        assert_eq!(codec, ZSTD_DICTIONARY_2);
        assert!(bytes.len() * 5 < record.len(), "{} bytes", bytes.len());
        assert_eq!(decode(codec, &bytes).unwrap(), record);
        assert_eq!(decode(PLAIN, b"{}").unwrap(), "{}");
        for cut in [1, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                decode(ZSTD_DICTIONARY_2, &bytes[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0xff;
        assert!(
            decode(ZSTD_DICTIONARY_2, &flipped).is_err_and(|e| e.to_string().contains("corrupt"))
        );
        assert!(decode(7, b"").is_err());
        // Rows of codec 1 (deflate with its preset dictionary) still read.
        let deflated = deflate_with_preset_dictionary(record);
        assert_eq!(decode(DEFLATE_DICTIONARY_1, &deflated).unwrap(), record);
        assert!(decode(DEFLATE_DICTIONARY_1, &deflated[..deflated.len() / 2]).is_err());
    }

    /// What codec 1 wrote: raw deflate at level 6 against the preset dictionary.
    fn deflate_with_preset_dictionary(record: &str) -> Vec<u8> {
        use flate2::{Compress, Compression, FlushCompress};
        let mut compress = Compress::new(Compression::new(6), false);
        compress.set_dictionary(DEFLATE_DICTIONARY).unwrap();
        let mut out = Vec::with_capacity(record.len() + 64);
        compress
            .compress_vec(record.as_bytes(), &mut out, FlushCompress::Finish)
            .unwrap();
        out
    }

    fn fnv1a(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    #[test]
    fn the_dictionaries_never_change() {
        // Stored rows depend on these exact bytes: a changed dictionary needs a new codec.
        assert_eq!(
            (DEFLATE_DICTIONARY.len(), fnv1a(DEFLATE_DICTIONARY)),
            (4171, 4_231_986_621_906_152_368)
        );
        assert_eq!(
            (ZSTD_DICTIONARY.len(), fnv1a(ZSTD_DICTIONARY)),
            (16384, ZSTD_DICTIONARY_FNV1A)
        );
    }

    const ZSTD_DICTIONARY_FNV1A: u64 = 5_952_905_575_623_887_410;

    proptest::proptest! {
        /// Whatever a row holds, decoding answers (a record or an error) and never panics; what
        /// was encoded comes back.
        #[test]
        fn decoding_any_bytes_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600), codec in 0i64..4) {
            let _ = decode(codec, &bytes);
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let (codec, encoded) = encode(&text);
            proptest::prop_assert_eq!(decode(codec, &encoded).unwrap(), text);
        }
    }

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
