//! Objects of this server's buckets read straight from the store and the blobs: what
//! `trailroom validate` checks and what Lake imports read (the `ObjectSource` port).

use trailroom_delivery::validate::{Object, ObjectSource};
use trailroom_s3::records::object_id;
use trailroom_s3::{BUCKET_KIND, BlobStore, OBJECT_KIND, ObjectRecord};
use trailroom_store::Store;

/// Objects of this server's buckets.
pub struct LocalObjects<'a> {
    /// The store holding the buckets' object records.
    pub store: &'a dyn Store,
    /// Where the objects' bytes are.
    pub blobs: &'a BlobStore,
}

impl LocalObjects<'_> {
    fn owner(&self, bucket: &str) -> Result<String, String> {
        trailroom_store::read(self.store, |txn| txn.find_by_id(BUCKET_KIND, bucket))
            .and_then(|found| found)
            .map_err(|e| e.to_string())?
            .map(|doc| doc.account)
            .ok_or_else(|| format!("no bucket {bucket}"))
    }
}

impl ObjectSource for LocalObjects<'_> {
    fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, String> {
        let owner = self.owner(bucket)?;
        let docs = trailroom_store::read(self.store, |txn| {
            txn.list_children(&owner, OBJECT_KIND, bucket)
        })
        .and_then(|found| found)
        .map_err(|e| e.to_string())?;
        let mut keys: Vec<String> = docs
            .iter()
            .filter_map(|d| d.decode::<ObjectRecord>().ok())
            .map(|o| o.key)
            .filter(|k| k.starts_with(prefix))
            .collect();
        keys.sort();
        Ok(keys)
    }

    fn get(&self, bucket: &str, key: &str) -> Result<Option<Object>, String> {
        let owner = self.owner(bucket)?;
        let doc = trailroom_store::read(self.store, |txn| {
            txn.get(&owner, OBJECT_KIND, &object_id(bucket, key))
        })
        .and_then(|found| found)
        .map_err(|e| e.to_string())?;
        let Some(record) = doc
            .map(|d| d.decode::<ObjectRecord>())
            .transpose()
            .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        let bytes = self
            .blobs
            .read_blocking(bucket, &record.blob)
            .map_err(|e| format!("cannot read {bucket}/{key}: {e}"))?;
        Ok(Some((
            bytes.to_vec(),
            record.metadata.into_iter().collect(),
        )))
    }
}
