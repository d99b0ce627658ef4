//! The objects Lake imports read: a configured external bucket's through its S3-compatible
//! endpoint (`[[external_buckets]]`, the same endpoints trails deliver to), every other bucket's
//! from this server (`local_objects`). The import worker's port is synchronous, so the external
//! reads block the worker's thread (`block_in_place`) while they run.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::TryStreamExt as _;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _};
use trailroom_delivery::validate::{Object, ObjectSource};

use crate::local_objects::LocalObjects;

/// Objects of this server's buckets and of the external ones.
pub struct ImportObjects<'a> {
    /// This server's buckets.
    pub local: LocalObjects<'a>,
    /// External buckets by name.
    pub external: &'a BTreeMap<String, Arc<dyn ObjectStore>>,
}

fn blocking<T>(work: impl std::future::Future<Output = T>) -> T {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(work))
}

/// The directory `prefix` lies in, as object_store lists by whole path segments.
fn listing_root(prefix: &str) -> Option<Path> {
    let dir = prefix.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("");
    (!dir.is_empty()).then(|| Path::from(dir))
}

impl ObjectSource for ImportObjects<'_> {
    fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, String> {
        let Some(store) = self.external.get(bucket) else {
            return self.local.list(bucket, prefix);
        };
        let root = listing_root(prefix);
        let metas: Vec<object_store::ObjectMeta> =
            blocking(store.list(root.as_ref()).try_collect())
                .map_err(|e| format!("cannot list {bucket}: {e}"))?;
        let mut keys: Vec<String> = metas
            .into_iter()
            .map(|m| m.location.to_string())
            .filter(|k| k.starts_with(prefix))
            .collect();
        keys.sort();
        Ok(keys)
    }

    fn get(&self, bucket: &str, key: &str) -> Result<Option<Object>, String> {
        let Some(store) = self.external.get(bucket) else {
            return self.local.get(bucket, key);
        };
        let fetched = blocking(async {
            let found = store.get(&Path::from(key)).await?;
            let metadata: Vec<(String, String)> = found
                .attributes
                .iter()
                .filter_map(|(attribute, value)| match attribute {
                    object_store::Attribute::Metadata(name) => {
                        Some((name.to_string(), value.to_string()))
                    }
                    _ => None,
                })
                .collect();
            let bytes = found.bytes().await?;
            Ok::<_, object_store::Error>((bytes.to_vec(), metadata))
        });
        match fetched {
            Ok(object) => Ok(Some(object)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(format!("cannot read {bucket}/{key}: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_start_at_the_prefix_directory() {
        assert_eq!(listing_root("AWSLogs/"), Some(Path::from("AWSLogs")));
        assert_eq!(
            listing_root("AWSLogs/123456789012/CloudTrail/us-east"),
            Some(Path::from("AWSLogs/123456789012/CloudTrail"))
        );
        assert_eq!(listing_root("AWSLogs"), None);
        assert_eq!(listing_root(""), None);
    }
}
