//! Digest signing keys: one RSA-2048 key pair at a time per account and region, created on
//! first need and replaced when its validity ends; `ListPublicKeys`; and the signature the
//! digest writer puts in `x-amz-meta-signature` (RSASSA-PKCS1-v1_5 with SHA-256).
//!
//! Stored as documents of kind [`SIGNING_KEY_KIND`]: account = owner, id = fingerprint,
//! parent = region. Body, PascalCase: `Fingerprint` (lowercase hex MD5 of the public key DER),
//! `AccountId`, `Region`, `PrivateKeyPkcs8` (base64 PKCS#8 DER), `PublicKeyDer` (base64 PKCS#1
//! `RSAPublicKey` DER, what `ListPublicKeys` returns and `validate-logs` loads),
//! `ValidityStartMs`, `ValidityEndMs` (ms since the epoch). Keys are never deleted, so digests
//! signed long ago stay verifiable.
//!
//! Knows nothing about digests themselves: it signs the bytes it is given.

use std::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest as _, Md5};
use serde::{Deserialize, Serialize};
use trailroom_audit::{CallContext, store_failure};
use trailroom_model::Timestamp;
use trailroom_model::cloudtrail::{ListPublicKeysRequest, ListPublicKeysResponse, PublicKey};
use trailroom_protocol::ApiError;
use trailroom_store::{Doc, ReadTxn, Store, StoreError, StoreResult, WriteTxn};

/// Document kind of [`SigningKey`]s.
pub const SIGNING_KEY_KIND: &str = "ct_signing_key";
/// How long a key signs digests unless configured otherwise: 30 days, as in AWS's samples.
pub const DEFAULT_KEY_VALIDITY_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// `digestSignatureAlgorithm` and `x-amz-meta-signature-algorithm`.
pub const SIGNATURE_ALGORITHM: &str = "SHA256withRSA";

/// A signing key pair with its validity window.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SigningKey {
    /// Lowercase hex MD5 of [`Self::public_key_der`] (`digestPublicKeyFingerprint`).
    pub fingerprint: String,
    /// Owning account.
    pub account_id: String,
    /// The region whose digests this key signs.
    pub region: String,
    /// PKCS#8 DER of the private key.
    #[serde(with = "base64_bytes")]
    pub private_key_pkcs8: Vec<u8>,
    /// PKCS#1 `RSAPublicKey` DER of the public key.
    #[serde(with = "base64_bytes")]
    pub public_key_der: Vec<u8>,
    /// Start of validity, ms since the epoch.
    pub validity_start_ms: i64,
    /// End of validity, ms since the epoch (exclusive).
    pub validity_end_ms: i64,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("fingerprint", &self.fingerprint)
            .field("account_id", &self.account_id)
            .field("region", &self.region)
            .field("validity_start_ms", &self.validity_start_ms)
            .field("validity_end_ms", &self.validity_end_ms)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Whether the key signs at `now_ms`.
    pub fn valid_at(&self, now_ms: i64) -> bool {
        self.validity_start_ms <= now_ms && now_ms < self.validity_end_ms
    }

    /// Whether the validity window meets `[start_ms, end_ms]` (both inclusive).
    pub fn overlaps(&self, start_ms: i64, end_ms: i64) -> bool {
        self.validity_start_ms <= end_ms && start_ms <= self.validity_end_ms
    }

    fn to_doc(&self) -> StoreResult<Doc> {
        Ok(
            Doc::new(&self.account_id, SIGNING_KEY_KIND, &self.fingerprint, self)?
                .with_parent(&self.region),
        )
    }
}

/// Why a key could not be made or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The crypto library could not generate a key pair.
    #[error("RSA key generation failed")]
    Generate,
    /// A stored private key could not be loaded.
    #[error("stored signing key {0} cannot be loaded")]
    Corrupt(String),
    /// Signing failed.
    #[error("signing failed")]
    Sign,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Lowercase hex MD5 of a public key's DER bytes, as CloudTrail's `Fingerprint`.
pub fn fingerprint(public_key_der: &[u8]) -> String {
    hex::encode(Md5::digest(public_key_der))
}

/// A fresh RSA-2048 key valid from `now_ms` (down to the second) for `validity_ms`. CPU-heavy
/// (a fraction of a second): call it outside the store's writer.
pub fn generate_key(
    account: &str,
    region: &str,
    now_ms: i64,
    validity_ms: i64,
) -> Result<SigningKey, KeyError> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?;
    let private_key_pkcs8 = pair
        .as_der()
        .map_err(|_| KeyError::Generate)?
        .as_ref()
        .to_vec();
    let public_key_der = pair.public_key().as_ref().to_vec();
    // Whole seconds, as AWS's validity times are.
    let start = now_ms - now_ms.rem_euclid(1000);
    Ok(SigningKey {
        fingerprint: fingerprint(&public_key_der),
        account_id: account.to_owned(),
        region: region.to_owned(),
        private_key_pkcs8,
        public_key_der,
        validity_start_ms: start,
        validity_end_ms: start.saturating_add(validity_ms.max(1000)),
    })
}

/// Every key of the account and region, oldest first.
pub fn region_keys(txn: &dyn ReadTxn, account: &str, region: &str) -> StoreResult<Vec<SigningKey>> {
    let mut keys = txn
        .list_children(account, SIGNING_KEY_KIND, region)?
        .iter()
        .map(Doc::decode)
        .collect::<StoreResult<Vec<SigningKey>>>()?;
    keys.sort_by_key(|k| (k.validity_start_ms, k.fingerprint.clone()));
    Ok(keys)
}

/// The key that signs at `now_ms` (the newest valid one), if any.
pub fn find_current_key(
    txn: &dyn ReadTxn,
    account: &str,
    region: &str,
    now_ms: i64,
) -> StoreResult<Option<SigningKey>> {
    Ok(region_keys(txn, account, region)?
        .into_iter()
        .rfind(|k| k.valid_at(now_ms)))
}

/// Stores `candidate` unless a key valid at `now_ms` appeared meanwhile; returns the key to use.
pub fn install_key(
    tx: &mut dyn WriteTxn,
    candidate: SigningKey,
    now_ms: i64,
) -> StoreResult<SigningKey> {
    if let Some(existing) =
        find_current_key(&*tx, &candidate.account_id, &candidate.region, now_ms)?
    {
        return Ok(existing);
    }
    tx.put(&candidate.to_doc()?)?;
    Ok(candidate)
}

/// The key to sign digests of `account` in `region` at `now_ms`, made (and stored) when none is
/// valid. For the digest writer.
pub async fn current_signing_key(
    store: &dyn Store,
    account: &str,
    region: &str,
    now_ms: i64,
    validity_ms: i64,
) -> Result<SigningKey, KeyError> {
    let found =
        trailroom_store::read(store, |txn| find_current_key(txn, account, region, now_ms))??;
    if let Some(key) = found {
        return Ok(key);
    }
    let candidate = generate_key(account, region, now_ms, validity_ms)?;
    let installed =
        trailroom_store::write(store, move |tx| install_key(tx, candidate, now_ms)).await??;
    Ok(installed)
}

/// RSASSA-PKCS1-v1_5 SHA-256 signature of `message` (256 bytes for RSA-2048).
pub fn sign(key: &SigningKey, message: &[u8]) -> Result<Vec<u8>, KeyError> {
    let pair = KeyPair::from_pkcs8(&key.private_key_pkcs8)
        .map_err(|_| KeyError::Corrupt(key.fingerprint.clone()))?;
    let mut signature = vec![0; pair.public_modulus_len()];
    pair.sign(
        &signature::RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        message,
        &mut signature,
    )
    .map_err(|_| KeyError::Sign)?;
    Ok(signature)
}

/// Whether `signature` is a valid signature of `message` under the PKCS#1 DER public key.
pub fn verify(public_key_der: &[u8], message: &[u8], signature: &[u8]) -> bool {
    UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, public_key_der)
        .verify(message, signature)
        .is_ok()
}

/// ListPublicKeys: the keys of the calling account and region whose validity meets
/// `[StartTime, EndTime]` (each defaulting to now). When the range reaches the present, a
/// current key is made if none exists, so the answer is never empty for a range digests could
/// have been signed in.
pub(crate) async fn list_public_keys(
    ctx: &CallContext,
    input: ListPublicKeysRequest,
    validity_ms: i64,
) -> Result<ListPublicKeysResponse, ApiError> {
    let now = ctx.now_ms();
    let start = input.start_time.map_or(now, Timestamp::epoch_millis);
    let end = input.end_time.map_or(now, Timestamp::epoch_millis);
    if start > end {
        return Err(ApiError::client(
            "InvalidTimeRangeException",
            "Start time must be before end time.",
        ));
    }
    let (account, region) = (ctx.account_id().to_owned(), ctx.region().to_owned());
    let needs_current = start <= now && now <= end;
    let current =
        ctx.read(|txn| find_current_key(txn, &account, &region, now).map_err(store_failure))?;
    if current.is_some() || !needs_current {
        let keys = ctx.read(|txn| region_keys(txn, &account, &region).map_err(store_failure))?;
        return Ok(public_keys(&keys, start, end));
    }
    // Generating takes a moment of CPU; it happens once per account, region and validity period.
    let candidate =
        generate_key(&account, &region, now, validity_ms).map_err(|_| ApiError::internal())?;
    ctx.write(move |tx| {
        install_key(tx, candidate, now).map_err(store_failure)?;
        let keys = region_keys(&*tx, &account, &region).map_err(store_failure)?;
        Ok(public_keys(&keys, start, end))
    })
    .await
}

fn public_keys(keys: &[SigningKey], start: i64, end: i64) -> ListPublicKeysResponse {
    let list = keys
        .iter()
        .filter(|k| k.overlaps(start, end))
        .map(|k| PublicKey {
            value: Some(STANDARD.encode(&k.public_key_der)),
            validity_start_time: Some(Timestamp::from_epoch_millis(k.validity_start_ms)),
            validity_end_time: Some(Timestamp::from_epoch_millis(k.validity_end_ms)),
            fingerprint: Some(k.fingerprint.clone()),
        })
        .collect();
    ListPublicKeysResponse {
        public_key_list: Some(list),
        next_token: None,
    }
}

/// Byte fields stored as base64 text.
mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first key of AWS's documented `list-public-keys` sample response.
    const AWS_SAMPLE_KEY: &str = "MIIBCgKCAQEAn11L2YZ9h7onug2ILi1MWyHiMRsTQjfWE+pHVRLk1QjfWhirG+lpOa8NrwQ/r7Ah5bNL6HepznOU9XTDSfmmnP97mqyc7z/upfZdS/AHhYcGaz7n6Wc/RRBU6VmiPCrAUojuSk6/GjvA8iOPFsYDuBtviXarvuLPlrT9kAd4Lb+rFfR5peEgBEkhlzc5HuWO7S0y+KunqxX6jQBnXGMtxmPBPP0FylgWGNdFtks/4YSKcgqwH0YDcawP9GGGDAeCIqPWIXDLG1jOjRRzWfCmD0iJUkz8vTsn4hq/5ZxRFE7UBAUiVcGbdnDdvVfhF9C3dQiDq3k7adQIziLT0cShgQIDAQAB";

    #[test]
    fn fingerprint_is_md5_of_the_der() {
        let der = STANDARD.decode(AWS_SAMPLE_KEY).unwrap();
        assert_eq!(fingerprint(&der), "8eba5db5bea9b640d1c96a77256fe7f2");
        assert_eq!(fingerprint(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn generated_keys_sign_and_verify_with_their_pkcs1_public_key() {
        let key =
            generate_key("123456789012", "us-east-1", 1_000, DEFAULT_KEY_VALIDITY_MS).unwrap();
        assert_eq!(key.fingerprint, fingerprint(&key.public_key_der));
        assert_eq!(key.fingerprint.len(), 32);
        // PKCS#1 RSAPublicKey DER of a 2048-bit key: 270 bytes, base64 "MIIBCgKCAQEA…".
        assert_eq!(key.public_key_der.len(), 270);
        assert!(
            STANDARD
                .encode(&key.public_key_der)
                .starts_with("MIIBCgKCAQEA")
        );
        let message = b"2015-08-17T15:01:31Z\nbucket/key\nabc\nnull";
        let signature = sign(&key, message).unwrap();
        assert_eq!(signature.len(), 256);
        assert!(verify(&key.public_key_der, message, &signature));
        assert!(!verify(&key.public_key_der, b"tampered", &signature));
        let other =
            generate_key("123456789012", "us-east-1", 1_000, DEFAULT_KEY_VALIDITY_MS).unwrap();
        assert!(!verify(&other.public_key_der, message, &signature));
        // PKCS#1 v1.5 is deterministic: the same key signs the same bytes the same way.
        assert_eq!(sign(&key, message).unwrap(), signature);
    }

    #[test]
    fn validity_windows() {
        let mut key = generate_key("123456789012", "eu-west-1", 1_700, 5_000).unwrap();
        assert_eq!(
            (key.validity_start_ms, key.validity_end_ms),
            (1_000, 6_000),
            "whole seconds"
        );
        assert!(key.valid_at(1_000) && key.valid_at(5_999));
        assert!(!key.valid_at(6_000) && !key.valid_at(999));
        assert!(key.overlaps(0, 1_000) && key.overlaps(6_000, 9_000));
        assert!(!key.overlaps(6_001, 9_000) && !key.overlaps(0, 999));
        let stored = serde_json::to_value(&key).unwrap();
        assert_eq!(stored["PublicKeyDer"], STANDARD.encode(&key.public_key_der));
        assert_eq!(serde_json::from_value::<SigningKey>(stored).unwrap(), key);
        key.private_key_pkcs8 = vec![1, 2, 3];
        assert!(matches!(sign(&key, b"x"), Err(KeyError::Corrupt(_))));
        assert!(
            !format!("{key:?}").contains("private"),
            "Debug never shows the private key"
        );
    }
}
