//! Conformance suite: behaviour every [`Store`] backend must show. Each backend's tests call these
//! functions on a fresh store, so SQLite and later backends are held to the same contract.

use std::sync::Arc;

use serde_json::json;

use crate::{Doc, DocKey, EventQuery, EventRow, LookupKey, Store, StoreError, read, write};

fn doc(account: &str, id: &str, name: Option<&str>) -> Doc {
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

fn event(seq_hint: i64, name: &str, resource: &str) -> EventRow {
    EventRow {
        seq: 0,
        event_id: format!("00000000-0000-0000-0000-{seq_hint:012}"),
        account_id: "111111111111".into(),
        region: "us-east-1".into(),
        event_time_ms: 1_700_000_000_000 + seq_hint * 1000,
        event_name: name.into(),
        event_source: "a4b.amazonaws.com".into(),
        username: Some("alice".into()),
        access_key_id: Some("AKIAEXAMPLE".into()),
        read_only: name.starts_with("Get"),
        category: "Management".into(),
        resources: vec![("AWS::A4B::Room".into(), resource.into())],
        record_json: json!({ "eventName": name }).to_string(),
    }
}

/// Events come back newest first, filtered by each attribute, paged by position.
pub async fn events(store: &dyn Store) {
    write(store, |tx| {
        for i in 0..10 {
            let name = if i % 2 == 0 { "CreateRoom" } else { "GetRoom" };
            tx.append_event(&event(i, name, &format!("room-{}", i % 3)))?;
        }
        Ok::<_, StoreError>(())
    })
    .await
    .unwrap()
    .unwrap();

    let base = EventQuery {
        account_id: "111111111111".into(),
        region: "us-east-1".into(),
        key: None,
        start_ms: 0,
        end_ms: i64::MAX,
        before: None,
        category: "Management".into(),
        limit: 50,
    };
    let lookup = |q: EventQuery| read(store, move |tx| tx.lookup_events(&q).unwrap()).unwrap();

    let all = lookup(base.clone());
    assert_eq!(all.len(), 10);
    assert!(
        all.windows(2)
            .all(|w| w[0].event_time_ms > w[1].event_time_ms)
    );
    assert_eq!(
        all[0].resources,
        vec![("AWS::A4B::Room".to_owned(), "room-0".to_owned())]
    );

    let creates = lookup(EventQuery {
        key: Some(LookupKey::EventName("CreateRoom".into())),
        ..base.clone()
    });
    assert_eq!(creates.len(), 5);
    let reads = lookup(EventQuery {
        key: Some(LookupKey::ReadOnly(true)),
        ..base.clone()
    });
    assert_eq!(reads.len(), 5);
    let by_resource = lookup(EventQuery {
        key: Some(LookupKey::ResourceName("room-1".into())),
        ..base.clone()
    });
    assert_eq!(by_resource.len(), 3);
    let by_type = lookup(EventQuery {
        key: Some(LookupKey::ResourceType("AWS::A4B::Room".into())),
        ..base.clone()
    });
    assert_eq!(by_type.len(), 10);
    let other_region = lookup(EventQuery {
        region: "eu-west-1".into(),
        ..base.clone()
    });
    assert!(other_region.is_empty());

    // Paging: three pages of four, no gap, no duplicate.
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = lookup(EventQuery {
            limit: 4,
            before,
            ..base.clone()
        });
        if page.is_empty() {
            break;
        }
        before = page.last().map(|e| (e.event_time_ms, e.seq));
        seen.extend(page.into_iter().map(|e| e.event_id));
    }
    let expected: Vec<_> = all.iter().map(|e| e.event_id.clone()).collect();
    assert_eq!(seen, expected);

    let total = read(store, |tx| tx.count_events().unwrap()).unwrap();
    assert_eq!(total, 10);
    let newest = all.iter().map(|e| e.seq).max().unwrap();
    let last = read(store, |tx| tx.last_event_seq().unwrap()).unwrap();
    assert_eq!(last, newest);

    // Following the log: oldest first after a position, all regions or one.
    let first = read(store, |tx| {
        tx.events_after("111111111111", None, 0, 4).unwrap()
    })
    .unwrap();
    assert_eq!(first.len(), 4);
    assert!(first.windows(2).all(|w| w[0].seq < w[1].seq));
    let rest = read(store, |tx| {
        tx.events_after("111111111111", Some("us-east-1"), first[3].seq, 50)
            .unwrap()
    })
    .unwrap();
    assert_eq!(rest.len(), 6);
    let elsewhere = read(store, |tx| {
        tx.events_after("111111111111", Some("eu-west-1"), 0, 50)
            .unwrap()
    })
    .unwrap();
    assert!(elsewhere.is_empty());

    // Retention: events older than the cut-off go, with their resources.
    let cutoff = 1_700_000_000_000 + 3 * 1000;
    let pruned = write(store, move |tx| tx.prune_events(cutoff, 100))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pruned, 3);
    let left = lookup(base.clone());
    assert_eq!(left.len(), 7);
    assert!(left.iter().all(|e| e.event_time_ms >= cutoff));
    let by_type = lookup(EventQuery {
        key: Some(LookupKey::ResourceType("AWS::A4B::Room".into())),
        ..base.clone()
    });
    assert_eq!(by_type.len(), 7);
}

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
