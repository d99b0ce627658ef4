//! The long-term event archive. Events older than a configured age leave the live log in runs
//! of consecutive positions, each run one immutable Parquet segment ([`segment`]) on the object
//! store, chained by signed manifests ([`manifest`], signed with the archive's key:
//! [`signing`]) and listed in the store's catalog ([`catalog`]) in the same transaction that
//! removes the events ([`archiver`]). Event history reads the live log and the segments as one
//! ([`lookup`]); [`verify`] checks the whole chain.
//!
//! Knows the store and an object port ([`SegmentObjects`]); nothing of HTTP, S3 or CloudTrail's
//! API.

pub mod archiver;
pub mod catalog;
pub mod lookup;
pub mod manifest;
pub mod segment;
pub mod signing;
pub mod verify;

use bytes::Bytes;

pub use archiver::{Archived, Pass, archive_once, remove_archived, write_segment};
pub use catalog::CatalogEntry;
pub use lookup::{ArchiveReader, merge};
pub use verify::{Report, verify};

/// What stops archiving or reading the archive.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] trailroom_store::StoreError),
    /// The object store failed.
    #[error("archive object store: {0}")]
    Objects(#[from] std::io::Error),
    /// A segment could not be written or read.
    #[error("segment: {0}")]
    Segment(String),
    /// A manifest could not be read.
    #[error("manifest: {0}")]
    Manifest(String),
    /// The archive key failed.
    #[error("archive key: {0}")]
    Signing(String),
    /// Another pass added a segment first (a former lease holder): nothing was changed.
    #[error("the archive chain moved during the pass")]
    ChainMoved,
}

/// Where segments and manifests are kept: immutable objects under names the store chooses.
#[async_trait::async_trait]
pub trait SegmentObjects: Send + Sync {
    /// Stores `bytes` durably as a new object; returns its name.
    async fn put(&self, bytes: Bytes) -> std::io::Result<String>;
    /// The bytes of the object `name`.
    async fn get(&self, name: &str) -> std::io::Result<Bytes>;
    /// The bytes of the object `name`, for synchronous readers (the Lake feed, which reads the
    /// log inside a store snapshot); callable from any thread of the runtime.
    fn get_blocking(&self, name: &str) -> std::io::Result<Bytes>;
}
