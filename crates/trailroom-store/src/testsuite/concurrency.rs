//! Many writers at once: every write lands, each event once; followers of the log miss nothing.

use std::sync::Arc;

use super::documents::doc;
use super::events::event;
use crate::{EventRow, Store, read, write};

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

/// Several stores on one database (several nodes) append at once while a reader follows the log
/// from its last position, as delivery does: it must see every event exactly once, in position
/// order. A position taken before commit (a plain sequence) fails this: a follower can read past
/// a position whose transaction commits a moment later, and never see that event.
pub async fn followers_miss_nothing(nodes: &[Arc<dyn Store>]) {
    use std::sync::atomic::{AtomicBool, Ordering};

    const ACCOUNT: &str = "555555555555";
    let done = Arc::new(AtomicBool::new(false));
    let follower = {
        let nodes = nodes.to_vec();
        let done = done.clone();
        tokio::task::spawn_blocking(move || {
            let mut seen = Vec::new();
            let mut after = 0;
            for round in 0.. {
                let finished = done.load(Ordering::SeqCst);
                let node = &nodes[round % nodes.len()];
                let page = read(node.as_ref(), |tx| {
                    tx.events_after(ACCOUNT, None, after, 64).unwrap()
                })
                .unwrap();
                if let Some(last) = page.last() {
                    after = last.seq;
                } else if finished {
                    return seen;
                }
                seen.extend(page);
            }
            unreachable!()
        })
    };
    let mut writers = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        for w in 0..8 {
            let node = node.clone();
            writers.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..25 {
                    let events: Vec<EventRow> = (0..1 + i % 3)
                        .map(|k| EventRow {
                            event_id: format!("{n}-{w}-{i}-{k}"),
                            account_id: ACCOUNT.into(),
                            ..event(i as i64, "CreateRoom", "room")
                        })
                        .collect();
                    ids.extend(events.iter().map(|e| e.event_id.clone()));
                    write(node.as_ref(), move |tx| {
                        events.iter().try_for_each(|e| tx.append_event(e).map(drop))
                    })
                    .await
                    .unwrap()
                    .unwrap();
                }
                ids
            }));
        }
    }
    let mut appended = Vec::new();
    for writer in writers {
        appended.extend(writer.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let seen = follower.await.unwrap();
    assert!(
        seen.windows(2).all(|w| w[0].seq < w[1].seq),
        "positions increase along the log"
    );
    let mut seen_ids: Vec<String> = seen.into_iter().map(|e| e.event_id).collect();
    seen_ids.sort();
    appended.sort();
    assert_eq!(seen_ids.len(), appended.len(), "every event followed once");
    assert_eq!(seen_ids, appended);
}

/// Several stores on one database change one document at once, each change reading the document
/// and writing it back in its write job: no change is lost. Write transactions of every node are
/// serialized (SQLite's one writer; PostgreSQL's write lock taken at `BEGIN`), which is what lets
/// read-modify-write jobs, leases among them, be written plainly.
pub async fn writes_are_serialized_across_nodes(nodes: &[Arc<dyn Store>]) {
    const ACCOUNT: &str = "666666666666";
    const PER_TASK: usize = 20;
    let mut tasks = Vec::new();
    for node in nodes {
        for _ in 0..6 {
            let node = node.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..PER_TASK {
                    write(node.as_ref(), |tx| {
                        let count = tx
                            .get(ACCOUNT, "counter", "c")?
                            .map_or(0, |d| d.body["n"].as_u64().unwrap_or(0));
                        let next = crate::Doc::new(
                            ACCOUNT,
                            "counter",
                            "c",
                            &serde_json::json!({ "n": count + 1 }),
                        )?;
                        tx.put(&next)
                    })
                    .await
                    .unwrap()
                    .unwrap();
                }
            }));
        }
    }
    let expected = tasks.len() * PER_TASK;
    for task in tasks {
        task.await.unwrap();
    }
    for node in nodes {
        let n = read(node.as_ref(), |tx| {
            tx.get(ACCOUNT, "counter", "c").unwrap().unwrap().body["n"]
                .as_u64()
                .unwrap()
        })
        .unwrap();
        assert_eq!(n as usize, expected, "a read-modify-write was lost");
    }
}
