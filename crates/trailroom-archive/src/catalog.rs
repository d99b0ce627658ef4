//! The catalog: one document per segment (kind [`SEGMENT_KIND`] in the cluster account, id =
//! the zero-padded sequence, so listing returns the chain in order), written in the same
//! transaction that takes the segment's events out of the live log. It holds what the manifest
//! says, the manifest's object and signature, and the (account, region) streams the segment
//! holds, so lookups skip segments that cannot match.

use serde::{Deserialize, Serialize};
use trailroom_store::lease::CLUSTER_ACCOUNT;
use trailroom_store::{Doc, ReadTxn, StoreResult, WriteTxn};

use crate::manifest::SegmentInfo;

/// Document kind of [`CatalogEntry`]s.
pub const SEGMENT_KIND: &str = "archive_segment";

/// One archived segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogEntry {
    /// Its place in the chain (1 for the first).
    pub sequence: u64,
    /// The segment, as its manifest describes it.
    pub segment: SegmentInfo,
    /// The manifest's object.
    pub manifest_object: String,
    /// The manifest's signature, lowercase hex.
    pub manifest_signature: String,
    /// `account/region` of every event stream the segment holds, sorted.
    pub streams: Vec<String>,
}

impl CatalogEntry {
    /// Whether the segment may hold events of `account` in `region`.
    pub fn holds_stream(&self, account: &str, region: &str) -> bool {
        self.streams
            .binary_search(&stream_name(account, region))
            .is_ok()
    }
}

/// How a stream is named in [`CatalogEntry::streams`].
pub fn stream_name(account: &str, region: &str) -> String {
    format!("{account}/{region}")
}

fn id(sequence: u64) -> String {
    format!("{sequence:012}")
}

/// Every segment, in chain order.
pub fn entries(txn: &dyn ReadTxn) -> StoreResult<Vec<CatalogEntry>> {
    let mut entries: Vec<CatalogEntry> = txn
        .list(CLUSTER_ACCOUNT, SEGMENT_KIND)?
        .iter()
        .map(Doc::decode)
        .collect::<StoreResult<_>>()?;
    entries.sort_by_key(|e| e.sequence);
    Ok(entries)
}

/// The newest segment.
pub fn last(txn: &dyn ReadTxn) -> StoreResult<Option<CatalogEntry>> {
    Ok(entries(txn)?.pop())
}

/// Adds `entry`.
pub fn add(tx: &mut dyn WriteTxn, entry: &CatalogEntry) -> StoreResult<()> {
    tx.put(&Doc::new(
        CLUSTER_ACCOUNT,
        SEGMENT_KIND,
        &id(entry.sequence),
        entry,
    )?)
}
