//! Many writers at once: every write lands, each event once.

use std::sync::Arc;

use super::documents::doc;
use crate::{Store, read, write};

/// Hundreds of concurrent writers all land (group commit), none lost.
pub async fn many_concurrent_writers(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for i in 0..300 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let d = doc(
                "333333333333",
                &format!("id-{i:04}"),
                Some(&format!("name-{i}")),
            );
            write(store.as_ref(), move |tx| tx.put(&d))
                .await
                .unwrap()
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let n = read(store.as_ref(), |tx| {
        tx.list("333333333333", "thing").unwrap().len()
    })
    .unwrap();
    assert_eq!(n, 300);
}
