//! What is written survives closing and reopening the store.

use super::documents::doc;
use crate::{Store, read, write};

/// Writes a marker that [`check_marker`] finds after the store is reopened.
pub async fn write_marker(store: &dyn Store) {
    let d = doc("444444444444", "marker", Some("marker"));
    write(store, move |tx| tx.put(&d)).await.unwrap().unwrap();
}

/// Checks the marker of [`write_marker`] survived.
pub fn check_marker(store: &dyn Store) {
    let found = read(store, |tx| {
        tx.get("444444444444", "thing", "marker").unwrap()
    })
    .unwrap();
    assert!(found.is_some(), "marker lost across reopen");
}
