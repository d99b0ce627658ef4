//! Object bytes, apart from the object records that name them: files under the data directory
//! ([`files`], the default) or objects of an S3-compatible store ([`remote`], configured under
//! `[blobs]`). Either way every write makes a new, uniquely named blob that is complete before
//! the record naming it is committed, and replaced or deleted blobs are removed after the commit
//! that stopped naming them: a crash leaves at worst an unreferenced blob.
//!
//! Knows nothing about documents, S3 semantics or HTTP.

mod files;
mod remote;

use std::io;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

/// Where object bytes are kept.
#[derive(Debug, Clone)]
pub struct BlobStore {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Files(files::FileBlobs),
    Remote(remote::RemoteBlobs),
}

/// A new blob's name: `<2 hex>/<32 hex>`.
fn new_blob_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{}/{id}", &id[..2])
}

/// Refuses bucket names that could leave the blob tree.
fn check_bucket(bucket: &str) -> io::Result<()> {
    match bucket.is_empty() || bucket.starts_with('.') || bucket.contains(['/', '\\']) {
        true => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "bad bucket name",
        )),
        false => Ok(()),
    }
}

/// Refuses blob names that are not ours (`hex/hex`).
fn check_blob(blob: &str) -> io::Result<()> {
    let safe = blob.len() <= 64
        && !blob.starts_with('/')
        && blob.bytes().all(|b| b.is_ascii_hexdigit() || b == b'/');
    match safe {
        true => Ok(()),
        false => Err(io::Error::new(io::ErrorKind::InvalidInput, "bad blob name")),
    }
}

impl BlobStore {
    /// Blobs as files of a data directory (`<data_dir>/s3`). Creates nothing yet.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            backend: Backend::Files(files::FileBlobs::new(data_dir)),
        }
    }

    /// Blobs as objects of `store` under `prefix`.
    pub fn remote(store: Arc<dyn object_store::ObjectStore>, prefix: &str) -> Self {
        Self {
            backend: Backend::Remote(remote::RemoteBlobs::new(store, prefix)),
        }
    }

    /// Removes every blob (the test API's reset, after the object records are gone).
    pub async fn clear(&self) -> io::Result<()> {
        match &self.backend {
            Backend::Files(files) => files.clear(),
            Backend::Remote(remote) => remote.clear().await,
        }
    }

    /// Removes temporary files a crash left behind (files only: a remote write is one request).
    /// Call once at start, before serving.
    pub fn clean_temporary(&self) -> io::Result<()> {
        match &self.backend {
            Backend::Files(files) => files.clean_temporary(),
            Backend::Remote(_) => Ok(()),
        }
    }

    /// Stores `bytes` durably as a new blob of `bucket`; returns its name.
    pub async fn write(&self, bucket: &str, bytes: Bytes) -> io::Result<String> {
        match &self.backend {
            Backend::Files(files) => files.write(bucket, bytes).await,
            Backend::Remote(remote) => remote.write(bucket, bytes).await,
        }
    }

    /// Stores the concatenation of `parts` (blobs of `bucket`, in order) durably as a new blob;
    /// returns its name. For completing multipart uploads: the parts are copied, never held in
    /// memory together.
    pub async fn concat(&self, bucket: &str, parts: Vec<String>) -> io::Result<String> {
        match &self.backend {
            Backend::Files(files) => files.concat(bucket, parts).await,
            Backend::Remote(remote) => remote.concat(bucket, parts).await,
        }
    }

    /// The bytes of a blob, or of `range` of it.
    pub async fn read(
        &self,
        bucket: &str,
        blob: &str,
        range: Option<Range<u64>>,
    ) -> io::Result<Bytes> {
        match &self.backend {
            Backend::Files(files) => files.read(bucket, blob, range).await,
            Backend::Remote(remote) => remote.read(bucket, blob, range).await,
        }
    }

    /// The bytes of a blob, for synchronous readers (validation, imports). Needs a Tokio
    /// runtime to exist; a remote read runs on a scoped thread of its own, so this may be
    /// called from any thread of the runtime.
    pub fn read_blocking(&self, bucket: &str, blob: &str) -> io::Result<Bytes> {
        match &self.backend {
            Backend::Files(files) => files.read_sync(bucket, blob),
            Backend::Remote(remote) => {
                let handle = tokio::runtime::Handle::try_current().map_err(io::Error::other)?;
                std::thread::scope(|scope| {
                    scope
                        .spawn(|| handle.block_on(remote.read(bucket, blob, None)))
                        .join()
                        .unwrap_or_else(|_| Err(io::Error::other("the read panicked")))
                })
            }
        }
    }

    /// Removes a blob; a missing one is not an error.
    pub async fn remove(&self, bucket: &str, blob: &str) {
        match &self.backend {
            Backend::Files(files) => files.remove(bucket, blob).await,
            Backend::Remote(remote) => remote.remove(bucket, blob).await,
        }
    }

    /// Removes all of a bucket's blobs.
    pub async fn remove_bucket(&self, bucket: &str) {
        match &self.backend {
            Backend::Files(files) => files.remove_bucket(bucket).await,
            Backend::Remote(remote) => remote.remove_bucket(bucket).await,
        }
    }
}
