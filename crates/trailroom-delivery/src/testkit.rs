//! In-memory stand-ins for delivery's ports, shared by the tests of this crate and of the crates
//! that drive the worker (feature `testkit`): a bucket that is both the worker's sink and the
//! validator's object source, with injectable failures; an RSA digest key with its public half;
//! and a cheap hash "signer" for tests that never validate.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use sha2::{Digest, Sha256};

use crate::digest::DigestKey;
use crate::validate::{ObjectSource, PublicKeys};
use crate::{DigestKeys, SinkError, Sinks, Target};

/// A stored object: body and metadata.
pub type Object = (Vec<u8>, Vec<(String, String)>);

/// A bucket in memory. Clones share the same objects.
#[derive(Debug, Default, Clone)]
pub struct MemoryBucket {
    /// Objects by key.
    pub objects: Arc<Mutex<BTreeMap<String, Object>>>,
    /// Every notification sent, in order.
    pub notifications: Arc<Mutex<Vec<String>>>,
    /// This many next puts fail without writing (`ServiceUnavailable`).
    pub failing_puts: Arc<AtomicUsize>,
    /// This many next puts write, then report a failure (the answer was lost).
    pub ghost_puts: Arc<AtomicUsize>,
    /// The next put fails with `NoSuchBucket` (a destination that went away).
    pub missing_once: Arc<AtomicBool>,
}

impl MemoryBucket {
    /// A copy of every object.
    pub fn snapshot(&self) -> BTreeMap<String, Object> {
        self.objects
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The notifications sent so far.
    pub fn sent(&self) -> Vec<String> {
        self.notifications
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Takes one from `counter` when it is not zero.
fn take_one(counter: &AtomicUsize) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

fn failure(code: &str, message: &str) -> SinkError {
    SinkError {
        code: code.into(),
        message: message.into(),
    }
}

#[async_trait::async_trait]
impl Sinks for MemoryBucket {
    /// Stores the object. A key is written again only by a retry, which must write the same
    /// bytes: anything else is a delivery bug, and panics.
    async fn put(
        &self,
        _: &Target,
        key: &str,
        body: Vec<u8>,
        metadata: &[(String, String)],
    ) -> Result<(), SinkError> {
        if self.missing_once.swap(false, Ordering::SeqCst) {
            return Err(failure("NoSuchBucket", "gone"));
        }
        if take_one(&self.failing_puts) {
            return Err(failure("ServiceUnavailable", "injected"));
        }
        let mut objects = self.objects.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((before, _)) = objects.get(key) {
            assert_eq!(before, &body, "{key} rewritten with other bytes");
        }
        objects.insert(key.to_owned(), (body, metadata.to_vec()));
        match take_one(&self.ghost_puts) {
            true => Err(failure("ServiceUnavailable", "injected")),
            false => Ok(()),
        }
    }

    async fn notify(&self, _: &Target, _: &str, message: String) -> Result<(), SinkError> {
        self.notifications
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(message);
        Ok(())
    }
}

impl ObjectSource for MemoryBucket {
    fn list(&self, _: &str, prefix: &str) -> Result<Vec<String>, String> {
        let objects = self.objects.lock().unwrap_or_else(|p| p.into_inner());
        Ok(objects
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }

    fn get(&self, _: &str, key: &str) -> Result<Option<Object>, String> {
        let objects = self.objects.lock().unwrap_or_else(|p| p.into_inner());
        Ok(objects.get(key).cloned())
    }
}

/// One 2048-bit RSA key per test process (making one per test would dominate the run), signing
/// digests as CloudTrail does and answering for its public half.
#[derive(Debug, Clone)]
pub struct RsaDigestKey {
    pair: Arc<RsaKeyPair>,
}

impl RsaDigestKey {
    /// The fingerprint digests name.
    pub const FINGERPRINT: &'static str = "0123456789abcdef0123456789abcdef";

    /// The process's key.
    pub fn shared() -> Self {
        static PAIR: OnceLock<Arc<RsaKeyPair>> = OnceLock::new();
        let pair = PAIR
            .get_or_init(|| Arc::new(RsaKeyPair::generate(KeySize::Rsa2048).expect("an RSA key")));
        Self { pair: pair.clone() }
    }
}

impl DigestKey for RsaDigestKey {
    fn fingerprint(&self) -> String {
        Self::FINGERPRINT.into()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|e| e.to_string())?;
        Ok(signature)
    }
}

#[async_trait::async_trait]
impl DigestKeys for RsaDigestKey {
    async fn key(&self, _: &str, _: &str, _: i64) -> Result<Box<dyn DigestKey>, String> {
        Ok(Box::new(self.clone()))
    }
}

impl PublicKeys for RsaDigestKey {
    fn public_key(&self, fingerprint: &str) -> Option<Vec<u8>> {
        (fingerprint == Self::FINGERPRINT).then(|| self.pair.public_key().as_ref().to_vec())
    }
}

/// A "signature" that is the SHA-256 of the message: cheap, for tests that never validate.
#[derive(Debug, Clone, Copy, Default)]
pub struct HashSigner;

impl DigestKey for HashSigner {
    fn fingerprint(&self) -> String {
        "00112233445566778899aabbccddeeff".into()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        Ok(Sha256::digest(message).to_vec())
    }
}

#[async_trait::async_trait]
impl DigestKeys for HashSigner {
    async fn key(&self, _: &str, _: &str, _: i64) -> Result<Box<dyn DigestKey>, String> {
        Ok(Box::new(HashSigner))
    }
}
