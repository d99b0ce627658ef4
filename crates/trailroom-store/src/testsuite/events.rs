//! The event log: appends get increasing positions, every Event history lookup attribute
//! finds its events, newest first, within time bounds and from a cursor.

use serde_json::json;

use crate::{EventQuery, EventRow, LookupKey, Store, StoreError, read, write};

pub(super) fn event(seq_hint: i64, name: &str, resource: &str) -> EventRow {
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
