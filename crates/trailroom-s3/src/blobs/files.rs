//! Object bytes as files under `<data_dir>/s3/<bucket>/<shard>/<blob>` (the default backend).
//!
//! Every write goes to a new, uniquely named file: written under `.tmp/`, fsynced, renamed into
//! place, and its directory fsynced, before the object's document (which names the file) is
//! committed. A crash at any point leaves either the old document with its old file or the new
//! document with its complete new file; at worst an unreferenced file remains. Replaced and
//! deleted files are removed after the commit that stopped referencing them.
//!
//! Knows nothing about documents, S3 semantics or HTTP.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::{check_blob, check_bucket, new_blob_name};

/// The directory tree holding object bytes.
#[derive(Debug, Clone)]
pub struct FileBlobs {
    root: PathBuf,
}

impl FileBlobs {
    /// The blob tree of a data directory (`<data_dir>/s3`). Creates nothing yet.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("s3"),
        }
    }

    /// Removes every blob (the test API's reset, after the object records are gone).
    pub fn clear(&self) -> io::Result<()> {
        match fs::remove_dir_all(&self.root) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        }
    }

    /// Removes temporary files a crash left behind. Call once at start, before serving.
    pub fn clean_temporary(&self) -> io::Result<()> {
        match fs::read_dir(self.tmp_dir()) {
            Ok(entries) => {
                for entry in entries.flatten() {
                    let _ = fs::remove_file(entry.path());
                }
                Ok(())
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Stores `bytes` durably as a new file of `bucket`; returns its blob name.
    pub async fn write(&self, bucket: &str, bytes: Bytes) -> io::Result<String> {
        let this = self.clone();
        let bucket = bucket.to_owned();
        blocking(move || this.write_sync(&bucket, &bytes)).await
    }

    /// Stores the concatenation of `parts` (blobs of `bucket`, in order) durably as a new file;
    /// returns its blob name. For completing multipart uploads: the parts are copied, never held
    /// in memory together.
    pub async fn concat(&self, bucket: &str, parts: Vec<String>) -> io::Result<String> {
        let this = self.clone();
        let bucket = bucket.to_owned();
        blocking(move || {
            let paths = parts
                .iter()
                .map(|blob| this.blob_path(&bucket, blob))
                .collect::<io::Result<Vec<_>>>()?;
            this.write_with(&bucket, |file| {
                for path in &paths {
                    io::copy(&mut File::open(path)?, file)?;
                }
                Ok(())
            })
        })
        .await
    }

    /// The bytes of a blob, or of `range` of it.
    pub async fn read(
        &self,
        bucket: &str,
        blob: &str,
        range: Option<Range<u64>>,
    ) -> io::Result<Bytes> {
        let path = self.blob_path(bucket, blob)?;
        blocking(move || read_range(&path, range)).await
    }

    /// The bytes of a blob, read on the calling thread.
    pub fn read_sync(&self, bucket: &str, blob: &str) -> io::Result<Bytes> {
        read_range(&self.blob_path(bucket, blob)?, None)
    }

    /// Removes a blob; a missing file is not an error.
    pub async fn remove(&self, bucket: &str, blob: &str) {
        let Ok(path) = self.blob_path(bucket, blob) else {
            return;
        };
        let _ = blocking(move || ignore_missing(fs::remove_file(&path))).await;
    }

    /// Removes a bucket's whole directory.
    pub async fn remove_bucket(&self, bucket: &str) {
        let Ok(dir) = self.bucket_dir(bucket) else {
            return;
        };
        let _ = blocking(move || ignore_missing(fs::remove_dir_all(&dir))).await;
    }

    fn write_sync(&self, bucket: &str, bytes: &[u8]) -> io::Result<String> {
        self.write_with(bucket, |file| file.write_all(bytes))
    }

    /// A new blob whose bytes `fill` writes: to a temporary file, fsynced, renamed into place.
    fn write_with(
        &self,
        bucket: &str,
        fill: impl FnOnce(&mut File) -> io::Result<()>,
    ) -> io::Result<String> {
        let blob = new_blob_name();
        let id = blob.rsplit('/').next().unwrap_or_default().to_owned();
        let tmp_dir = self.tmp_dir();
        fs::create_dir_all(&tmp_dir)?;
        let tmp = tmp_dir.join(&id);
        let written = File::create(&tmp).and_then(|mut file| {
            fill(&mut file)?;
            file.sync_all()
        });
        if let Err(err) = written {
            // A full disk leaves no half-written file behind.
            let _ = fs::remove_file(&tmp);
            return Err(err);
        }
        let target = self.blob_path(bucket, &blob)?;
        let shard = target.parent().unwrap_or(&self.root).to_path_buf();
        let new_dirs = !shard.exists();
        if let Err(err) = fs::create_dir_all(&shard).and_then(|()| fs::rename(&tmp, &target)) {
            let _ = fs::remove_file(&tmp);
            return Err(err);
        }
        sync_dir(&shard)?;
        if new_dirs {
            // The shard (and perhaps the bucket directory) are new: their entries must be durable too.
            sync_dir(&self.bucket_dir(bucket)?)?;
            sync_dir(&self.root)?;
        }
        Ok(blob)
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join(".tmp")
    }

    /// A bucket's directory; refuses names that could leave the tree.
    fn bucket_dir(&self, bucket: &str) -> io::Result<PathBuf> {
        check_bucket(bucket)?;
        Ok(self.root.join(bucket))
    }

    fn blob_path(&self, bucket: &str, blob: &str) -> io::Result<PathBuf> {
        check_blob(blob)?;
        Ok(self.bucket_dir(bucket)?.join(blob))
    }
}

fn read_range(path: &Path, range: Option<Range<u64>>) -> io::Result<Bytes> {
    let mut file = File::open(path)?;
    let Some(range) = range else {
        let mut out = Vec::new();
        file.read_to_end(&mut out)?;
        return Ok(out.into());
    };
    file.seek(SeekFrom::Start(range.start))?;
    let len = usize::try_from(range.end.saturating_sub(range.start))
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "range too large"))?;
    let mut out = vec![0; len];
    file.read_exact(&mut out)?;
    Ok(out.into())
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn ignore_missing(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| io::Error::other(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn write_read_range_remove() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FileBlobs::new(dir.path());
        let name = blobs
            .write("b", Bytes::from_static(b"hello world"))
            .await
            .unwrap();
        assert_eq!(blobs.read("b", &name, None).await.unwrap(), "hello world");
        assert_eq!(blobs.read("b", &name, Some(6..11)).await.unwrap(), "world");
        let other = blobs.write("b", Bytes::from_static(b"x")).await.unwrap();
        assert_ne!(name, other);
        blobs.remove("b", &name).await;
        assert!(blobs.read("b", &name, None).await.is_err());
        blobs.remove_bucket("b").await;
        assert!(blobs.read("b", &other, None).await.is_err());
        assert!(
            fs::read_dir(dir.path().join("s3/.tmp"))
                .unwrap()
                .next()
                .is_none()
        );
    }

    #[tokio::test]
    async fn names_cannot_escape_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FileBlobs::new(dir.path());
        assert!(blobs.read("..", "ab/cd", None).await.is_err());
        assert!(blobs.read("b", "../../etc/passwd", None).await.is_err());
        assert!(blobs.write("a/b", Bytes::new()).await.is_err());
    }
}
