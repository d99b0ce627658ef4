//! Documents: put, get, unique names, lists by kind and parent, deletes; a failed write
//! leaves nothing; clear_all empties the store.

use serde_json::json;

use super::events::event;
use crate::{Doc, DocKey, Store, StoreError, read, write};

pub(super) fn doc(account: &str, id: &str, name: Option<&str>) -> Doc {
    Doc {
        account: account.into(),
        kind: "thing".into(),
        id: id.into(),
        name: name.map(Into::into),
        parent: Some("p1".into()),
        body: json!({ "id": id, "n": 1 }),
    }
}

/// Puts, reads back, lists, renames, enforces unique names per account, deletes.
pub async fn documents(store: &dyn Store) {
    let d1 = doc("111111111111", "a", Some("alpha"));
    let d2 = doc("111111111111", "b", Some("beta"));
    let other_account = doc("222222222222", "c", Some("alpha"));
    let (a, b, c) = (d1.clone(), d2.clone(), other_account.clone());
    write(store, move |tx| {
        tx.put(&a)?;
        tx.put(&b)?;
        tx.put(&c)
    })
    .await
    .unwrap()
    .unwrap();

    let (got, by_name, listed, children, global) = read(store, |tx| {
        (
            tx.get("111111111111", "thing", "a").unwrap(),
            tx.get_by_name("111111111111", "thing", "beta").unwrap(),
            tx.list("111111111111", "thing").unwrap(),
            tx.list_children("111111111111", "thing", "p1").unwrap(),
            tx.find_by_id("thing", "c").unwrap(),
        )
    })
    .unwrap();
    let every_account = read(store, |tx| tx.list_kind("thing").unwrap()).unwrap();
    assert_eq!(
        every_account,
        vec![d1.clone(), d2.clone(), other_account.clone()]
    );
    assert!(
        read(store, |tx| tx.list_kind("nothing").unwrap())
            .unwrap()
            .is_empty()
    );
    assert_eq!(got, Some(d1.clone()));
    assert_eq!(by_name, Some(d2.clone()));
    assert_eq!(listed, vec![d1.clone(), d2.clone()]);
    let keys = read(store, |tx| tx.list_keys("111111111111", "thing").unwrap()).unwrap();
    assert_eq!(
        keys,
        vec![DocKey::of(d1.clone()), DocKey::of(d2.clone())],
        "keys of the account's documents, in id order, with names and parents"
    );
    assert_eq!(children.len(), 2);
    let paged = read(store, |tx| {
        (
            tx.list_children_after("111111111111", "thing", "p1", "", 1)
                .unwrap(),
            tx.list_children_after("111111111111", "thing", "p1", "a", 10)
                .unwrap(),
            tx.list_children_after("111111111111", "thing", "p2", "", 10)
                .unwrap(),
        )
    })
    .unwrap();
    assert_eq!(paged, (vec![d1.clone()], vec![d2.clone()], vec![]));
    assert_eq!(global.map(|d| d.account), Some("222222222222".to_owned()));

    let clash = doc("111111111111", "z", Some("alpha"));
    let result = write(store, move |tx| tx.put(&clash)).await.unwrap();
    assert!(matches!(result, Err(StoreError::AlreadyExists(name)) if name == "alpha"));

    let deleted = write(store, |tx| tx.delete("111111111111", "thing", "a"))
        .await
        .unwrap();
    assert_eq!(deleted, Ok(true));
    let again = write(store, |tx| tx.delete("111111111111", "thing", "a"))
        .await
        .unwrap();
    assert_eq!(again, Ok(false));
    // The freed name can be taken again.
    let reuse = doc("111111111111", "z", Some("alpha"));
    write(store, move |tx| tx.put(&reuse))
        .await
        .unwrap()
        .unwrap();
}

/// Work that returns an error leaves nothing behind, and does not disturb other work.
pub async fn failed_work_is_undone(store: &dyn Store) {
    let d = doc("111111111111", "x", None);
    let result = write(store, move |tx| {
        tx.put(&d)?;
        Err::<(), _>(StoreError::Backend("handler said no".into()))
    })
    .await
    .unwrap();
    assert!(result.is_err());
    let found = read(store, |tx| tx.get("111111111111", "thing", "x").unwrap()).unwrap();
    assert_eq!(found, None);
}

/// `clear_all` leaves no document and no event of any account, and positions keep growing.
pub async fn clear_all(store: &dyn Store) {
    let before = write(store, |tx| {
        tx.put(&doc("111111111111", "a", Some("named")))?;
        tx.put(&doc("222222222222", "b", None))?;
        tx.append_event(&event(1, "CreateRoom", "room-1"))
    })
    .await
    .unwrap()
    .unwrap();
    write(store, |tx| tx.clear_all()).await.unwrap().unwrap();
    read(store, |tx| {
        assert_eq!(tx.list("111111111111", "thing").unwrap(), vec![]);
        assert_eq!(tx.get("222222222222", "thing", "b").unwrap(), None);
        assert_eq!(tx.count_events().unwrap(), 0);
    })
    .unwrap();
    let after = write(store, |tx| {
        // The name of a cleared document is free again.
        tx.put(&doc("111111111111", "c", Some("named")))?;
        tx.append_event(&event(2, "CreateRoom", "room-2"))
    })
    .await
    .unwrap()
    .unwrap();
    assert!(after > before);
}
