//! The test identity provider of a data directory: one RSA-2048 key with a self-signed
//! certificate, made on first need and kept as a document, that mints OIDC ID tokens (for any
//! issuer the operator names) and signs SAML responses. STS trusts it as it trusts the keys of
//! configured issuers, so `trailroom idp …` can stand in for GitHub Actions, an Okta tenant or
//! any other provider in tests.
//!
//! Stored as the document (account `""`, kind [`KIND`], id [`ID`]): the data directory's, not
//! an account's.

use std::fmt;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};
use trailroom_store::{Doc, ReadTxn, Store, StoreError, StoreResult, WriteTxn};

use crate::oidc::TrustedKey;
use crate::saml::{self, ResponseSpec};

/// Document kind of the test identity provider's key.
pub const KIND: &str = "test_idp_key";
/// Its id.
pub const ID: &str = "default";

/// The key pair, its certificate and its key id.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestIdp {
    /// `kid` of tokens and of the JWKS entry: hex of the first 8 bytes of SHA-256 of the public
    /// key.
    pub key_id: String,
    /// PKCS#8 DER of the private key, base64.
    pub private_key_pkcs8: String,
    /// Self-signed certificate of the public key, DER, base64.
    pub certificate: String,
    /// When the key was made, ms since the epoch.
    pub created_ms: i64,
}

impl fmt::Debug for TestIdp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestIdp")
            .field("key_id", &self.key_id)
            .field("created_ms", &self.created_ms)
            .finish_non_exhaustive()
    }
}

/// Why the test identity provider could not act.
#[derive(Debug, thiserror::Error)]
pub enum IdpError {
    /// Key or certificate generation failed.
    #[error("cannot make the test identity provider's key: {0}")]
    Generate(String),
    /// The stored key cannot be used.
    #[error("the stored test identity provider key is unusable")]
    Corrupt,
    /// Signing failed.
    #[error("signing failed: {0}")]
    Sign(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl TestIdp {
    /// A fresh key and certificate. CPU-heavy (a fraction of a second): call it outside the
    /// store's writer.
    pub fn generate(now_ms: i64) -> Result<Self, IdpError> {
        let failed = |e: &dyn fmt::Display| IdpError::Generate(e.to_string());
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|e| failed(&e))?;
        let pkcs8 = AsDer::<Pkcs8V1Der<'static>>::as_der(&pair).map_err(|e| failed(&e))?;
        let cert_key = rcgen::KeyPair::try_from(pkcs8.as_ref()).map_err(|e| failed(&e))?;
        let mut params = rcgen::CertificateParams::new(vec!["idp.trailroom.test".to_owned()])
            .map_err(|e| failed(&e))?;
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            "trailroom test identity provider",
        );
        let certificate = params.self_signed(&cert_key).map_err(|e| failed(&e))?;
        let digest = Sha256::digest(pair.public_key().as_ref());
        Ok(Self {
            key_id: hex::encode(&digest[..8]),
            private_key_pkcs8: STANDARD.encode(pkcs8.as_ref()),
            certificate: STANDARD.encode(certificate.der()),
            created_ms: now_ms,
        })
    }

    /// The stored key, if one was made.
    pub fn load(txn: &dyn ReadTxn) -> StoreResult<Option<Self>> {
        txn.get("", KIND, ID)?.map(|d| d.decode()).transpose()
    }

    /// Stores `candidate` unless a key appeared meanwhile; returns the key to use.
    pub fn install(tx: &mut dyn WriteTxn, candidate: Self) -> StoreResult<Self> {
        if let Some(existing) = Self::load(&*tx)? {
            return Ok(existing);
        }
        tx.put(&Doc::new("", KIND, ID, &candidate)?)?;
        Ok(candidate)
    }

    /// The data directory's key, made and stored on first need.
    pub async fn ensure(store: &dyn Store, now_ms: i64) -> Result<Self, IdpError> {
        if let Some(found) = trailroom_store::read(store, Self::load)?? {
            return Ok(found);
        }
        let candidate = Self::generate(now_ms)?;
        Ok(trailroom_store::write(store, move |tx| Self::install(tx, candidate)).await??)
    }

    fn pkcs8(&self) -> Result<Vec<u8>, IdpError> {
        STANDARD
            .decode(&self.private_key_pkcs8)
            .map_err(|_| IdpError::Corrupt)
    }

    /// DER of the self-signed certificate.
    pub fn certificate_der(&self) -> Vec<u8> {
        STANDARD.decode(&self.certificate).unwrap_or_default()
    }

    /// The public key as a JWK (`kty`, `kid`, `use`, `alg`, `n`, `e`).
    pub fn jwk(&self) -> Value {
        let Some(pair) = self
            .pkcs8()
            .ok()
            .and_then(|der| KeyPair::from_pkcs8(&der).ok())
        else {
            return Value::Null;
        };
        let public = pair.public_key();
        json!({
            "kty": "RSA",
            "kid": self.key_id,
            "use": "sig",
            "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        })
    }

    /// `{"keys": [jwk]}`: what an issuer publishes at its `jwks_uri`.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk()] })
    }

    /// The key as STS trusts it: for tokens of any issuer.
    pub fn trusted_key(&self) -> TrustedKey {
        let public = self
            .pkcs8()
            .ok()
            .and_then(|der| KeyPair::from_pkcs8(&der).ok())
            .map(|pair| pair.public_key().as_ref().to_vec())
            .unwrap_or_default();
        TrustedKey {
            issuer: None,
            key_id: Some(self.key_id.clone()),
            key: DecodingKey::from_rsa_der(&public),
        }
    }

    /// An RS256 ID token with `claims`, signed by this key.
    pub fn mint_token(&self, claims: &Map<String, Value>) -> Result<String, IdpError> {
        let pem = pem_of("PRIVATE KEY", &self.pkcs8()?);
        let key = EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| IdpError::Corrupt)?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.key_id.clone());
        jsonwebtoken::encode(&header, claims, &key).map_err(|e| IdpError::Sign(e.to_string()))
    }

    /// A SAML metadata document for `entity_id` with this key's certificate: what
    /// `CreateSAMLProvider` takes.
    pub fn saml_metadata(&self, entity_id: &str) -> String {
        saml::metadata_document(entity_id, &self.certificate_der())
    }

    /// A SAML response for `spec`, issued at `now_ms`, its assertion signed by this key; base64,
    /// as `AssumeRoleWithSAML`'s `SAMLAssertion` takes it.
    pub fn sign_saml_response(&self, spec: &ResponseSpec, now_ms: i64) -> Result<String, IdpError> {
        let template = saml::response_template(spec, now_ms, &self.certificate_der());
        let pem = pem_of("PRIVATE KEY", &self.pkcs8()?);
        let key = bergshamra_keys::loader::load_rsa_private_pem(pem.as_bytes())
            .map_err(|_| IdpError::Corrupt)?;
        let mut keys = bergshamra_keys::KeysManager::new();
        keys.add_key(key);
        let ctx = bergshamra_dsig::DsigContext::new(keys);
        let signed = bergshamra_dsig::sign::sign(&ctx, &template)
            .map_err(|e| IdpError::Sign(e.to_string()))?;
        Ok(STANDARD.encode(signed))
    }
}

/// PEM armour of DER bytes.
fn pem_of(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwk_has_the_public_parts_and_round_trips_through_serde() {
        let idp = TestIdp::generate(1).unwrap();
        let jwk = idp.jwk();
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["kid"], idp.key_id.as_str());
        assert_eq!(jwk["e"], "AQAB");
        let back: TestIdp = serde_json::from_value(serde_json::to_value(&idp).unwrap()).unwrap();
        assert_eq!(back, idp);
        assert!(!format!("{idp:?}").contains(&idp.private_key_pkcs8));
    }
}
