//! The cryptographic steps of SigV4: SHA-256 of payloads and canonical requests,
//! the string to sign, the derived signing key, and the final HMAC, compared in
//! constant time.
//!
//! Kept apart from the canonicalisation so the only code that ever touches a
//! secret key is in this file. Derived signing keys are cached per secret, date,
//! region and service (they change once a day per key; deriving one is four HMACs,
//! repeated on every request otherwise), in a small map that is emptied when full.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::parse::{Authorization, CredentialScope};

type HmacSha256 = Hmac<Sha256>;

/// The algorithm name, in the header, the query and the string to sign.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Lower-case hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// An HMAC-SHA256 keyed with `key`, fed `data`.
fn mac(key: &[u8], data: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m
}

/// Most derived keys kept; past it the cache starts again empty.
const CACHED_KEYS: usize = 1024;

type KeyCache = std::collections::HashMap<String, [u8; 32]>;

static SIGNING_KEYS: std::sync::Mutex<Option<KeyCache>> = std::sync::Mutex::new(None);

/// The signing key of `secret` in `scope`, derived once per day, region and service.
fn signing_key(secret: &str, scope: &CredentialScope) -> [u8; 32] {
    let id = format!(
        "{secret}\n{}\n{}\n{}",
        scope.date, scope.region, scope.service
    );
    let mut cache = SIGNING_KEYS.lock().unwrap_or_else(|p| p.into_inner());
    let cache = cache.get_or_insert_with(KeyCache::new);
    if let Some(key) = cache.get(&id) {
        return *key;
    }
    let key = derive_signing_key(secret, scope);
    if cache.len() >= CACHED_KEYS {
        cache.clear();
    }
    cache.insert(id, key);
    key
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
fn derive_signing_key(secret: &str, scope: &CredentialScope) -> [u8; 32] {
    let k = format!("AWS4{secret}");
    let k = mac(k.as_bytes(), scope.date.as_bytes())
        .finalize()
        .into_bytes();
    let k = mac(&k, scope.region.as_bytes()).finalize().into_bytes();
    let k = mac(&k, scope.service.as_bytes()).finalize().into_bytes();
    mac(&k, b"aws4_request").finalize().into_bytes().into()
}

/// `AWS4-HMAC-SHA256\n<time>\n<scope>\n<hex(sha256(canonical request))>`.
pub(crate) fn string_to_sign(amz_date: &str, scope: &CredentialScope, canonical: &[u8]) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{}\n{}",
        scope.to_scope_string(),
        sha256_hex(canonical)
    )
}

/// The signature of a canonical request, as raw bytes.
pub(crate) fn signature(
    secret: &str,
    amz_date: &str,
    scope: &CredentialScope,
    canonical: &[u8],
) -> Vec<u8> {
    let sts = string_to_sign(amz_date, scope, canonical);
    mac(&signing_key(secret, scope), sts.as_bytes())
        .finalize()
        .into_bytes()
        .to_vec()
}

/// Whether `auth.signature` is the signature of `canonical`, compared in constant time.
pub(crate) fn signature_matches(secret: &str, auth: &Authorization, canonical: &[u8]) -> bool {
    let sts = string_to_sign(&auth.amz_date, &auth.scope, canonical);
    let mac = mac(&signing_key(secret, &auth.scope), sts.as_bytes());
    mac.verify_slice(&auth.signature).is_ok()
}

/// Whether `expected` is the HMAC of `string_to_sign` under the signing key of `scope`
/// (chained signatures of aws-chunked uploads), compared in constant time.
pub(crate) fn chained_signature_matches(
    secret: &str,
    scope: &CredentialScope,
    string_to_sign: &str,
    expected: &[u8],
) -> bool {
    mac(&signing_key(secret, scope), string_to_sign.as_bytes())
        .verify_slice(expected)
        .is_ok()
}

/// The hex HMAC of `string_to_sign` under the signing key of `scope` (for test signers).
#[cfg(test)]
pub(crate) fn chained_signature(
    secret: &str,
    scope: &CredentialScope,
    string_to_sign: &str,
) -> String {
    hex::encode(
        mac(&signing_key(secret, scope), string_to_sign.as_bytes())
            .finalize()
            .into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signing-key example from AWS's SigV4 documentation.
    #[test]
    fn derived_key_matches_aws_docs() {
        let scope = CredentialScope {
            date: "20150830".into(),
            region: "us-east-1".into(),
            service: "iam".into(),
        };
        let key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", &scope);
        assert_eq!(
            hex::encode(key),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
    }

    /// A cached key is the key derived afresh, for every secret and scope, also after the cache
    /// filled up and started again.
    #[test]
    fn cached_keys_are_the_derived_ones() {
        let scope = |date: &str, service: &str| CredentialScope {
            date: date.into(),
            region: "eu-west-1".into(),
            service: service.into(),
        };
        for round in 0..2 {
            for i in 0..CACHED_KEYS + 10 {
                let secret = format!("secret-{}", i % 700);
                let scope = scope(&format!("2026{:04}", i % 13), ["s3", "sts"][i % 2]);
                let key = signing_key(&secret, &scope);
                assert_eq!(
                    key,
                    derive_signing_key(&secret, &scope),
                    "round {round}, {i}"
                );
            }
        }
        let a = signing_key("a", &scope("20260101", "s3"));
        assert_ne!(a, signing_key("b", &scope("20260101", "s3")));
        assert_ne!(a, signing_key("a", &scope("20260102", "s3")));
        assert_ne!(a, signing_key("a", &scope("20260101", "sts")));
    }

    #[test]
    fn empty_body_hash() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
