//! Object bytes as objects of an S3-compatible store (`[blobs] backend = "s3"`): blob `b` of
//! bucket `x` is the object `<prefix>x/b`. A write is one PUT (a multipart upload for the
//! concatenation that completes a multipart upload here), complete when it returns, so the
//! record naming it is committed after its bytes are stored, as with files.

use std::io;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt as _;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, WriteMultipart};

use super::{check_blob, check_bucket, new_blob_name};

/// Concurrent part uploads a concatenation keeps in flight.
const PARTS_IN_FLIGHT: usize = 4;

/// Blobs in an object store, under a key prefix.
#[derive(Debug, Clone)]
pub struct RemoteBlobs {
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

fn io_error(err: object_store::Error) -> io::Error {
    match err {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, err),
        other => io::Error::other(other),
    }
}

impl RemoteBlobs {
    /// Blobs under `prefix` (empty, or ending in `/`) of `store`.
    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str) -> Self {
        let prefix = match prefix.trim_matches('/') {
            "" => String::new(),
            trimmed => format!("{trimmed}/"),
        };
        Self { store, prefix }
    }

    fn bucket_path(&self, bucket: &str) -> io::Result<Path> {
        check_bucket(bucket)?;
        Ok(Path::from(format!("{}{bucket}", self.prefix)))
    }

    fn blob_path(&self, bucket: &str, blob: &str) -> io::Result<Path> {
        check_bucket(bucket)?;
        check_blob(blob)?;
        Ok(Path::from(format!("{}{bucket}/{blob}", self.prefix)))
    }

    /// Stores `bytes` as a new blob of `bucket`; returns its name.
    pub async fn write(&self, bucket: &str, bytes: Bytes) -> io::Result<String> {
        let blob = new_blob_name();
        let path = self.blob_path(bucket, &blob)?;
        self.store
            .put(&path, bytes.into())
            .await
            .map_err(io_error)?;
        Ok(blob)
    }

    /// Stores the concatenation of `parts` as a new blob, streaming each part through a
    /// multipart upload (never holding them together in memory).
    pub async fn concat(&self, bucket: &str, parts: Vec<String>) -> io::Result<String> {
        let blob = new_blob_name();
        let path = self.blob_path(bucket, &blob)?;
        let upload = self.store.put_multipart(&path).await.map_err(io_error)?;
        let mut writer = WriteMultipart::new(upload);
        for part in &parts {
            let source = self.blob_path(bucket, part)?;
            let mut chunks = self
                .store
                .get(&source)
                .await
                .map_err(io_error)?
                .into_stream();
            while let Some(chunk) = chunks.next().await {
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(io_error)?;
                writer.write(&chunk.map_err(io_error)?);
            }
        }
        writer.finish().await.map_err(io_error)?;
        Ok(blob)
    }

    /// The bytes of a blob, or of `range` of it.
    pub async fn read(
        &self,
        bucket: &str,
        blob: &str,
        range: Option<Range<u64>>,
    ) -> io::Result<Bytes> {
        let path = self.blob_path(bucket, blob)?;
        match range {
            Some(range) if range.is_empty() => Ok(Bytes::new()),
            Some(range) => self.store.get_range(&path, range).await.map_err(io_error),
            None => {
                let found = self.store.get(&path).await.map_err(io_error)?;
                found.bytes().await.map_err(io_error)
            }
        }
    }

    /// Removes a blob; a missing one is not an error.
    pub async fn remove(&self, bucket: &str, blob: &str) {
        if let Ok(path) = self.blob_path(bucket, blob) {
            let _ = self.store.delete(&path).await;
        }
    }

    /// Removes every blob under `path` (or under the prefix, when `None`).
    async fn remove_under(&self, path: Option<Path>) -> io::Result<()> {
        let root = path.or_else(|| {
            let trimmed = self.prefix.trim_end_matches('/');
            (!trimmed.is_empty()).then(|| Path::from(trimmed))
        });
        let mut listed = self.store.list(root.as_ref());
        let mut first_error = None;
        while let Some(meta) = listed.next().await {
            let outcome = match meta {
                Ok(meta) => self.store.delete(&meta.location).await,
                Err(err) => Err(err),
            };
            if let Err(err) = outcome {
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(()), |e| Err(io_error(e)))
    }

    /// Removes a bucket's blobs.
    pub async fn remove_bucket(&self, bucket: &str) {
        if let Ok(path) = self.bucket_path(bucket) {
            let _ = self.remove_under(Some(path)).await;
        }
    }

    /// Removes every blob under the prefix.
    pub async fn clear(&self) -> io::Result<()> {
        self.remove_under(None).await
    }
}

#[cfg(test)]
mod tests {
    use object_store::memory::InMemory;

    use super::*;

    #[tokio::test]
    async fn write_read_concat_remove() {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let blobs = RemoteBlobs::new(store.clone(), "objects/");
        let a = blobs
            .write("b", Bytes::from_static(b"hello "))
            .await
            .unwrap();
        let b = blobs
            .write("b", Bytes::from_static(b"world"))
            .await
            .unwrap();
        assert_eq!(blobs.read("b", &a, None).await.unwrap(), "hello ");
        assert_eq!(blobs.read("b", &b, Some(1..3)).await.unwrap(), "or");
        let whole = blobs.concat("b", vec![a.clone(), b.clone()]).await.unwrap();
        assert_eq!(blobs.read("b", &whole, None).await.unwrap(), "hello world");
        let key = Path::from(format!("objects/b/{whole}"));
        assert!(store.head(&key).await.is_ok(), "kept under the prefix");
        blobs.remove("b", &a).await;
        assert_eq!(
            blobs.read("b", &a, None).await.unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        let other = blobs.write("c", Bytes::from_static(b"x")).await.unwrap();
        blobs.remove_bucket("b").await;
        assert!(blobs.read("b", &whole, None).await.is_err());
        assert_eq!(blobs.read("c", &other, None).await.unwrap(), "x");
        blobs.clear().await.unwrap();
        assert!(blobs.read("c", &other, None).await.is_err());
    }

    #[tokio::test]
    async fn names_cannot_leave_the_prefix() {
        let blobs = RemoteBlobs::new(Arc::new(InMemory::new()), "");
        assert!(blobs.read("..", "ab/cd", None).await.is_err());
        assert!(blobs.read("b", "../x", None).await.is_err());
        assert!(blobs.write("a/b", Bytes::new()).await.is_err());
    }
}
