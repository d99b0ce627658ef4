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

/// Every management event of the first account in us-east-1, a page of 50.
fn every_event_query() -> EventQuery {
    EventQuery {
        account_id: "111111111111".into(),
        region: "us-east-1".into(),
        key: None,
        start_ms: 0,
        end_ms: i64::MAX,
        before: None,
        category: "Management".into(),
        limit: 50,
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

    let base = every_event_query();
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

/// The whole log in position order (every account), and removal of chosen positions: what the
/// archiver reads and then takes out of the live log.
pub async fn log_walk_and_removal(store: &dyn Store) {
    let positions = write(store, |tx| {
        let mut seqs = Vec::new();
        for i in 0..8 {
            let mut e = event(i, "CreateRoom", &format!("room-{i}"));
            if i % 2 == 1 {
                e.account_id = "222222222222".into();
                e.region = "eu-west-1".into();
            }
            seqs.push(tx.append_event(&e)?);
        }
        Ok::<_, StoreError>(seqs)
    })
    .await
    .unwrap()
    .unwrap();
    let walk = |after: i64, limit: usize| {
        read(store, move |tx| tx.log_after(after, limit).unwrap())
            .unwrap()
            .into_iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>()
    };
    assert_eq!(walk(0, 3), positions[..3]);
    assert_eq!(walk(positions[2], 100), positions[3..]);
    assert!(walk(positions[7], 100).is_empty());

    // Removing chosen positions (and one that is not stored) takes exactly those out, whether
    // the backend has indexed them yet or not.
    let remove = |doomed: Vec<i64>| write(store, move |tx| tx.remove_events(&doomed));
    assert_eq!(
        remove(vec![positions[0], positions[1]])
            .await
            .unwrap()
            .unwrap(),
        2
    );
    store.settle();
    assert_eq!(walk(0, 100), positions[2..], "the same walk once indexed");
    let removed = remove(vec![positions[4], 1_000_000_000])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(removed, 1);
    let kept: Vec<i64> = [2, 3, 5, 6, 7].iter().map(|&i| positions[i]).collect();
    assert_eq!(walk(0, 100), kept);
    assert_eq!(read(store, |tx| tx.count_events().unwrap()).unwrap(), 5);
    let base = every_event_query();
    let names = |key: Option<LookupKey>| {
        let q = EventQuery {
            key,
            ..base.clone()
        };
        read(store, move |tx| tx.lookup_events(&q).unwrap())
            .unwrap()
            .into_iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>()
    };
    assert_eq!(names(None), vec![positions[6], positions[2]]);
    assert_eq!(
        names(Some(LookupKey::ResourceName("room-0".into()))),
        Vec::<i64>::new(),
        "a removed event's resources go with it"
    );
    let after = read(store, move |tx| {
        tx.events_after("222222222222", None, 0, 100).unwrap()
    })
    .unwrap();
    assert_eq!(
        after.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![positions[3], positions[5], positions[7]]
    );
    // Positions are never reused after a removal.
    let next = write(store, |tx| tx.append_event(&event(9, "GetRoom", "room-9")))
        .await
        .unwrap()
        .unwrap();
    assert!(next > positions[7]);
}

/// One step of [`events_match_a_model`]: append a batch of events, or let the backend finish its
/// work after commits ([`Store::settle`]).
#[derive(Debug, Clone)]
pub enum EventStep {
    /// Appends this many events in one write job.
    Append(usize),
    /// [`Store::settle`].
    Settle,
    /// Prunes every event older than this many seconds past the first event's time.
    Prune(i64),
}

/// The `n`th event of [`events_match_a_model`]: times go back and forth (so an event can be
/// older than events stored before it), attributes repeat with different periods.
fn model_event(n: usize) -> EventRow {
    let i = n as i64;
    EventRow {
        seq: 0,
        event_id: format!("{n:08x}-0000-7000-8000-000000000000"),
        account_id: "111111111111".into(),
        region: ["us-east-1", "eu-west-1"][n % 5 / 4].into(),
        event_time_ms: 1_700_000_000_000 + ((i * 7) % 13) * 1000 + i,
        event_name: ["CreateRoom", "GetRoom", "DeleteRoom"][n % 3].into(),
        event_source: ["a4b.amazonaws.com", "sts.amazonaws.com"][n % 2].into(),
        username: (!n.is_multiple_of(4)).then(|| ["alice", "bob", "carol"][n % 3].into()),
        access_key_id: (!n.is_multiple_of(6)).then(|| format!("AKIA{}", n % 2)),
        read_only: n % 3 == 1,
        category: ["Management", "Data"][usize::from(n % 7 == 6)].into(),
        resources: (0..n % 3)
            .map(|r| (format!("AWS::A4B::T{r}"), format!("res-{}", (n + r) % 5)))
            .collect(),
        record_json: json!({ "n": n }).to_string(),
    }
}

/// Runs `steps`, then checks every Event history lookup (each attribute, paged by three, within
/// a time window) and following the log (by four) against an in-memory model: whatever a backend
/// does after commits, reads answer as if every event were in one ordered list.
pub async fn events_match_a_model(store: &dyn Store, steps: &[EventStep]) {
    let mut model: Vec<EventRow> = Vec::new();
    let mut next = 0;
    for step in steps {
        match step {
            EventStep::Append(count) => {
                let batch: Vec<EventRow> = (next..next + count).map(model_event).collect();
                next += count;
                let seqs = write(store, move |tx| {
                    batch
                        .iter()
                        .map(|e| tx.append_event(e).map(|seq| (seq, e.clone())))
                        .collect::<Result<Vec<_>, _>>()
                })
                .await
                .unwrap()
                .unwrap();
                for (seq, event) in seqs {
                    assert!(model.last().is_none_or(|last| last.seq < seq));
                    model.push(EventRow { seq, ..event });
                }
            }
            EventStep::Settle => store.settle(),
            EventStep::Prune(secs) => {
                let cutoff = 1_700_000_000_000 + secs * 1000;
                let pruned = write(store, move |tx| tx.prune_events(cutoff, 1000))
                    .await
                    .unwrap()
                    .unwrap();
                // The limit is above the number of events: every older event goes.
                let before = model.len();
                model.retain(|e| e.event_time_ms >= cutoff);
                assert_eq!(pruned, before - model.len(), "pruned");
            }
        }
    }
    check_against_model(store, &model, next);
}

fn check_against_model(store: &dyn Store, model: &[EventRow], appended: usize) {
    let count = read(store, |tx| tx.count_events().unwrap()).unwrap();
    assert_eq!(count, model.len() as u64);
    let mut keys = vec![None];
    for n in 0..appended.min(12) {
        let e = model_event(n);
        keys.extend(
            [
                LookupKey::EventId(e.event_id.clone()),
                LookupKey::EventName(e.event_name.clone()),
                LookupKey::EventSource(e.event_source.clone()),
                LookupKey::ReadOnly(e.read_only),
            ]
            .map(Some),
        );
        keys.extend(e.username.map(|v| Some(LookupKey::Username(v))));
        keys.extend(e.access_key_id.map(|v| Some(LookupKey::AccessKeyId(v))));
        for (t, r) in e.resources {
            keys.push(Some(LookupKey::ResourceType(t)));
            keys.push(Some(LookupKey::ResourceName(r)));
        }
    }
    keys.push(Some(LookupKey::EventName("NeverCalled".into())));
    let windows = [(0, i64::MAX), (1_700_000_003_000, 1_700_000_009_500)];
    for key in keys {
        for (start_ms, end_ms) in windows {
            for (region, category) in [("us-east-1", "Management"), ("eu-west-1", "Data")] {
                let query = EventQuery {
                    account_id: "111111111111".into(),
                    region: region.into(),
                    key: key.clone(),
                    start_ms,
                    end_ms,
                    before: None,
                    category: category.into(),
                    limit: 3,
                };
                let mut expected: Vec<&EventRow> = model
                    .iter()
                    .filter(|e| e.region == region && e.category == category)
                    .filter(|e| (start_ms..=end_ms).contains(&e.event_time_ms))
                    .filter(|e| key.as_ref().is_none_or(|k| k.matches(e)))
                    .collect();
                expected.sort_by_key(|e| std::cmp::Reverse((e.event_time_ms, e.seq)));
                let found = all_pages(store, query);
                let expected: Vec<EventRow> = expected.into_iter().cloned().collect();
                assert_eq!(found, expected, "lookup {key:?} in {region} {category}");
            }
        }
    }
    let mut followed = Vec::new();
    let mut after = 0;
    loop {
        let page = read(store, |tx| {
            tx.events_after("111111111111", None, after, 4).unwrap()
        })
        .unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        followed.extend(page);
    }
    assert_eq!(followed, model, "following the log");
    let eu: Vec<EventRow> = model
        .iter()
        .filter(|e| e.region == "eu-west-1")
        .cloned()
        .collect();
    let followed_eu = read(store, |tx| {
        tx.events_after("111111111111", Some("eu-west-1"), 0, 1000)
            .unwrap()
    })
    .unwrap();
    assert_eq!(followed_eu, eu);
    let last = read(store, |tx| tx.last_event_seq().unwrap()).unwrap();
    assert!(model.last().is_none_or(|e| e.seq <= last));
}

/// Every page of `query` (its `limit` per page), following the `before` cursor.
fn all_pages(store: &dyn Store, mut query: EventQuery) -> Vec<EventRow> {
    let mut found = Vec::new();
    loop {
        let q = query.clone();
        let page = read(store, move |tx| tx.lookup_events(&q).unwrap()).unwrap();
        let Some(last) = page.last() else {
            return found;
        };
        query.before = Some((last.event_time_ms, last.seq));
        found.extend(page);
    }
}
