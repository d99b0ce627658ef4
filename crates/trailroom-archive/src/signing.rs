//! The archive's signing key: one RSA-2048 key pair for the whole archive, made by the first
//! archiving pass and kept in the store (documents of kind [`KEY_KIND`] in the cluster account,
//! id = fingerprint), so manifests signed long ago stay verifiable. Signatures are
//! RSASSA-PKCS1-v1_5 with SHA-256, as CloudTrail's digest files use.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use trailroom_store::lease::CLUSTER_ACCOUNT;
use trailroom_store::{Doc, ReadTxn, StoreResult, WriteTxn};

use crate::ArchiveError;

/// Document kind of [`SigningKey`]s.
pub const KEY_KIND: &str = "archive_signing_key";
/// What manifests name as their signature algorithm.
pub const SIGNATURE_ALGORITHM: &str = "SHA256withRSA";

/// A key pair as stored.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SigningKey {
    /// Lowercase hex SHA-256 of the public key's DER.
    pub fingerprint: String,
    /// Base64 PKCS#8 DER of the private key.
    private_key_pkcs8: String,
    /// Base64 PKCS#1 `RSAPublicKey` DER.
    pub public_key_der: String,
    /// When it was made, ms since the epoch.
    pub created_ms: i64,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new key pair.
    pub fn generate(now_ms: i64) -> Result<Self, ArchiveError> {
        let failed = |_| ArchiveError::Signing("could not generate a key".into());
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(failed)?;
        let private = pair.as_der().map_err(failed)?;
        let public = pair.public_key().as_ref().to_vec();
        Ok(Self {
            fingerprint: hex::encode(Sha256::digest(&public)),
            private_key_pkcs8: STANDARD.encode(private.as_ref()),
            public_key_der: STANDARD.encode(&public),
            created_ms: now_ms,
        })
    }

    /// The signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, ArchiveError> {
        let corrupt = || ArchiveError::Signing(format!("key {} is damaged", self.fingerprint));
        let der = STANDARD
            .decode(&self.private_key_pkcs8)
            .map_err(|_| corrupt())?;
        let pair = KeyPair::from_pkcs8(&der).map_err(|_| corrupt())?;
        let mut signature = vec![0; pair.public_modulus_len()];
        pair.sign(
            &signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            message,
            &mut signature,
        )
        .map_err(|_| ArchiveError::Signing("signing failed".into()))?;
        Ok(signature)
    }

    /// Whether `signature` signs `message` under this key.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(public) = STANDARD.decode(&self.public_key_der) else {
            return false;
        };
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, public)
            .verify(message, signature)
            .is_ok()
    }
}

/// The key with `fingerprint`.
pub fn find(txn: &dyn ReadTxn, fingerprint: &str) -> StoreResult<Option<SigningKey>> {
    txn.get(CLUSTER_ACCOUNT, KEY_KIND, fingerprint)?
        .map(|doc| doc.decode())
        .transpose()
}

/// The key manifests are signed with: the oldest stored one.
pub fn current(txn: &dyn ReadTxn) -> StoreResult<Option<SigningKey>> {
    let mut keys: Vec<SigningKey> = txn
        .list(CLUSTER_ACCOUNT, KEY_KIND)?
        .iter()
        .map(Doc::decode)
        .collect::<StoreResult<_>>()?;
    keys.sort_by(|a, b| (a.created_ms, &a.fingerprint).cmp(&(b.created_ms, &b.fingerprint)));
    Ok(keys.into_iter().next())
}

/// The current key, or `candidate` stored as the first one.
pub fn install(tx: &mut dyn WriteTxn, candidate: SigningKey) -> StoreResult<SigningKey> {
    if let Some(existing) = current(&*tx)? {
        return Ok(existing);
    }
    tx.put(&Doc::new(
        CLUSTER_ACCOUNT,
        KEY_KIND,
        &candidate.fingerprint,
        &candidate,
    )?)?;
    Ok(candidate)
}
