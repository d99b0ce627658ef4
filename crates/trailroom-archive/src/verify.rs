//! Verification of the whole archive, from the catalog outwards: every manifest is signed by the
//! archive key and names the one before it (object and signature); every segment's bytes match
//! its manifest's SHA-256 and size and hold the events it claims, positions increasing across
//! the chain; the catalog agrees with the manifests. What does not hold is reported per segment.

use trailroom_store::{Store, StoreError};

use crate::catalog::{self, CatalogEntry};
use crate::manifest::{Manifest, PreviousManifest, sha256_hex};
use crate::signing::{self, SigningKey};
use crate::{ArchiveError, SegmentObjects, segment};

/// What verification found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Segments checked.
    pub segments: usize,
    /// Events the valid segments hold.
    pub events: u64,
    /// One line per problem; empty when the archive is intact.
    pub problems: Vec<String>,
}

impl Report {
    /// Whether nothing was wrong.
    pub fn valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks every segment and manifest the catalog lists.
pub async fn verify(
    store: &dyn Store,
    objects: &dyn SegmentObjects,
) -> Result<Report, ArchiveError> {
    let (entries, keys) = trailroom_store::read(store, |txn| {
        let keys: Vec<SigningKey> = signing::current(txn)?.into_iter().collect();
        Ok::<_, StoreError>((catalog::entries(txn)?, keys))
    })??;
    let mut report = Report::default();
    let mut previous: Option<(&CatalogEntry, i64)> = None;
    for (index, entry) in entries.iter().enumerate() {
        report.segments += 1;
        let problems = check_entry(store, objects, entry, index, previous, &keys).await;
        if problems.is_empty() {
            report.events += entry.segment.events;
        }
        report.problems.extend(
            problems
                .into_iter()
                .map(|p| format!("segment {} ({}): {p}", entry.sequence, entry.segment.object)),
        );
        previous = Some((entry, entry.segment.last_position));
    }
    Ok(report)
}

/// The problems of one catalog entry, its manifest and its segment.
async fn check_entry(
    store: &dyn Store,
    objects: &dyn SegmentObjects,
    entry: &CatalogEntry,
    index: usize,
    previous: Option<(&CatalogEntry, i64)>,
    keys: &[SigningKey],
) -> Vec<String> {
    let mut problems = Vec::new();
    if entry.sequence != index as u64 + 1 {
        problems.push(format!(
            "is number {} of the chain, not {}",
            index + 1,
            entry.sequence
        ));
    }
    let manifest = match objects.get(&entry.manifest_object).await {
        Ok(bytes) => match Manifest::from_bytes(&bytes) {
            Ok(manifest) => manifest,
            Err(err) => return vec![format!("manifest {}: {err}", entry.manifest_object)],
        },
        Err(err) => {
            return vec![format!(
                "manifest {} cannot be read: {err}",
                entry.manifest_object
            )];
        }
    };
    let key = match keys
        .iter()
        .find(|k| k.fingerprint == manifest.public_key_fingerprint)
    {
        Some(key) => Some(key.clone()),
        None => trailroom_store::read(store, |txn| {
            signing::find(txn, &manifest.public_key_fingerprint)
        })
        .ok()
        .and_then(Result::ok)
        .flatten(),
    };
    match key {
        Some(key) if manifest.signed_by(&key) => {}
        Some(_) => problems.push("the manifest's signature is not valid".into()),
        None => problems.push(format!(
            "the manifest names key {}, which the archive does not have",
            manifest.public_key_fingerprint
        )),
    }
    if manifest.signature != entry.manifest_signature
        || manifest.sequence != entry.sequence
        || manifest.segment != entry.segment
    {
        problems.push("the catalog and the manifest disagree".into());
    }
    let expected_previous = previous.map(|(p, _)| PreviousManifest {
        object: p.manifest_object.clone(),
        signature: p.manifest_signature.clone(),
    });
    if manifest.previous != expected_previous {
        problems.push("the manifest does not name the one before it".into());
    }
    problems.extend(check_segment(objects, &manifest, previous.map(|(_, last)| last)).await);
    problems
}

/// The problems of a segment's bytes and events against its manifest.
async fn check_segment(
    objects: &dyn SegmentObjects,
    manifest: &Manifest,
    previous_last: Option<i64>,
) -> Vec<String> {
    let info = &manifest.segment;
    let bytes = match objects.get(&info.object).await {
        Ok(bytes) => bytes,
        Err(err) => return vec![format!("the segment cannot be read: {err}")],
    };
    if sha256_hex(&bytes) != info.sha256 || bytes.len() as u64 != info.bytes {
        return vec!["the segment's bytes do not match the manifest's SHA-256".into()];
    }
    let events = match segment::decode(bytes) {
        Ok(events) => events,
        Err(err) => return vec![format!("the segment cannot be read: {err}")],
    };
    let mut problems = Vec::new();
    let increasing = events.windows(2).all(|w| w[0].seq < w[1].seq);
    if events.len() as u64 != info.events
        || !increasing
        || events.first().map(|e| e.seq) != Some(info.first_position)
        || events.last().map(|e| e.seq) != Some(info.last_position)
    {
        problems.push("the segment's events are not the ones the manifest lists".into());
    }
    if previous_last.is_some_and(|last| info.first_position <= last) {
        problems.push("the segment's positions overlap the segment before".into());
    }
    problems
}
