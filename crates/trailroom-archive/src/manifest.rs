//! Manifests: one per segment, chained like CloudTrail's digest files. A manifest names its
//! segment's object, SHA-256, size, positions and times, and the previous manifest (object and
//! signature); it is signed with the archive key over the SHA-256 of its own JSON without the
//! signature, so changing any field, the segment, or the order of the chain is detected.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::ArchiveError;
use crate::signing::{SIGNATURE_ALGORITHM, SigningKey};

/// What a manifest (and the catalog) says of its segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentInfo {
    /// The segment's object (its name in the object store's archive space).
    pub object: String,
    /// Lowercase hex SHA-256 of the segment's bytes.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Number of events.
    pub events: u64,
    /// Position of its first event.
    pub first_position: i64,
    /// Position of its last event.
    pub last_position: i64,
    /// Oldest `eventTime`, ms.
    pub oldest_event_ms: i64,
    /// Newest `eventTime`, ms.
    pub newest_event_ms: i64,
}

/// The manifest before the one it follows, as a later manifest names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviousManifest {
    /// Its object.
    pub object: String,
    /// Its signature, lowercase hex.
    pub signature: String,
}

/// One link of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Format version.
    pub version: String,
    /// 1 for the first segment, then one more per segment.
    pub sequence: u64,
    /// When it was written, ms.
    pub created_ms: i64,
    /// Its segment.
    pub segment: SegmentInfo,
    /// The manifest before, for every one but the first.
    pub previous: Option<PreviousManifest>,
    /// Fingerprint of the key that signed it.
    pub public_key_fingerprint: String,
    /// `SHA256withRSA`.
    pub signature_algorithm: String,
    /// Signature of [`Manifest::signed_bytes`], lowercase hex.
    #[serde(default)]
    pub signature: String,
}

/// The version written now.
pub const VERSION: &str = "1";

impl Manifest {
    /// What the signature covers: the SHA-256 of the manifest's JSON with an empty signature.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let unsigned = Manifest {
            signature: String::new(),
            ..self.clone()
        };
        let json = serde_json::to_vec(&unsigned).unwrap_or_default();
        Sha256::digest(json).to_vec()
    }

    /// A signed manifest for `segment` after `previous`.
    pub fn signed(
        sequence: u64,
        created_ms: i64,
        segment: SegmentInfo,
        previous: Option<PreviousManifest>,
        key: &SigningKey,
    ) -> Result<Self, ArchiveError> {
        let mut manifest = Manifest {
            version: VERSION.to_owned(),
            sequence,
            created_ms,
            segment,
            previous,
            public_key_fingerprint: key.fingerprint.clone(),
            signature_algorithm: SIGNATURE_ALGORITHM.to_owned(),
            signature: String::new(),
        };
        manifest.signature = hex::encode(key.sign(&manifest.signed_bytes())?);
        Ok(manifest)
    }

    /// Whether `key` signed this manifest as it stands.
    pub fn signed_by(&self, key: &SigningKey) -> bool {
        let Ok(signature) = hex::decode(&self.signature) else {
            return false;
        };
        key.fingerprint == self.public_key_fingerprint
            && key.verifies(&self.signed_bytes(), &signature)
    }

    /// The object's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// A manifest from its object's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ArchiveError> {
        serde_json::from_slice(bytes)
            .map_err(|e| ArchiveError::Manifest(format!("not a manifest: {e}")))
    }
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> SegmentInfo {
        SegmentInfo {
            object: "ab/cd".into(),
            sha256: sha256_hex(b"segment"),
            bytes: 7,
            events: 2,
            first_position: 10,
            last_position: 11,
            oldest_event_ms: 1,
            newest_event_ms: 2,
        }
    }

    #[test]
    fn a_signed_manifest_verifies_and_any_change_breaks_it() {
        let key = SigningKey::generate(0).unwrap();
        let manifest = Manifest::signed(1, 5, info(), None, &key).unwrap();
        let parsed = Manifest::from_bytes(&manifest.to_bytes()).unwrap();
        assert!(parsed.signed_by(&key));
        let mut changed = parsed.clone();
        changed.segment.events = 3;
        assert!(!changed.signed_by(&key));
        let mut reordered = parsed.clone();
        reordered.sequence = 2;
        assert!(!reordered.signed_by(&key));
        let other = SigningKey::generate(0).unwrap();
        assert!(!parsed.signed_by(&other));
    }
}
