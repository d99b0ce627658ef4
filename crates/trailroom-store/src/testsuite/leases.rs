//! Leases across nodes: one holder at a time, taken over once lapsed with a higher token, and a
//! former holder's fenced writes undone.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::lease::{self, Leases};
use crate::{Doc, Store, StoreError, read, write};

const TTL: i64 = 10_000;

fn leases(store: &Arc<dyn Store>, holder: &str, clock: &Arc<AtomicI64>) -> Leases {
    let clock = clock.clone();
    Leases::new(
        store.clone(),
        holder.to_owned(),
        TTL,
        Arc::new(move || clock.load(Ordering::SeqCst)),
    )
}

/// Two nodes: the first holder keeps the lease while it renews; the other takes it over only
/// once it lapsed, with a higher token; the first holder's fenced write is then undone.
pub async fn leases_pass_between_nodes(nodes: &[Arc<dyn Store>]) {
    let clock = Arc::new(AtomicI64::new(1_000_000));
    let a = leases(&nodes[0], "node-a", &clock);
    let b = leases(&nodes[1 % nodes.len()], "node-b", &clock);
    let first = a
        .hold("delivery/x")
        .await
        .unwrap()
        .expect("a free lease is taken");
    assert_eq!(first.token, 1);
    assert_eq!(b.hold("delivery/x").await.unwrap(), None);
    // Renewed once half its time is gone, so it never lapses while its holder lives.
    clock.fetch_add(TTL * 3 / 4, Ordering::SeqCst);
    let renewed = a.hold("delivery/x").await.unwrap().expect("renewed");
    assert_eq!(renewed.token, 1);
    assert!(renewed.expires_ms > first.expires_ms);
    clock.fetch_add(TTL * 3 / 4, Ordering::SeqCst);
    assert_eq!(
        b.hold("delivery/x").await.unwrap(),
        None,
        "renewed lease lapsed"
    );
    assert_eq!(b.names(), Vec::<String>::new());
    // The holder stops renewing: once lapsed, the other node takes over.
    clock.fetch_add(TTL + 1, Ordering::SeqCst);
    let taken = b
        .hold("delivery/x")
        .await
        .unwrap()
        .expect("lapsed lease taken");
    assert_eq!(taken.token, 2);
    assert_eq!(b.names(), vec!["delivery/x".to_owned()]);
    // The former holder still has its old fence; a write it makes under it is undone.
    let stale = a.held("delivery/x").unwrap();
    let outcome = write(nodes[0].as_ref(), move |tx| {
        let doc = Doc::new(
            "777777777777",
            "cursor",
            "x",
            &serde_json::json!({ "at": 1 }),
        )?;
        tx.put(&doc)?;
        lease::check(&*tx, &stale)
    })
    .await
    .unwrap();
    assert!(matches!(outcome, Err(StoreError::Fenced(_))), "{outcome:?}");
    let kept = read(nodes[0].as_ref(), |tx| {
        tx.get("777777777777", "cursor", "x").unwrap()
    })
    .unwrap();
    assert_eq!(kept, None, "a fenced write was kept");
    // Released on shutdown: the other node takes it at once, with a higher token again.
    b.release_all().await.unwrap();
    let back = a
        .hold("delivery/x")
        .await
        .unwrap()
        .expect("released lease taken");
    assert_eq!(back.token, 3);
    let listed = read(nodes[0].as_ref(), |tx| lease::all(tx).unwrap()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].1.holder, "node-a");
    // Node a restarts (a new process under the same name): it takes its lease back at once,
    // with a higher token, and the former process's fence no longer holds.
    let restarted = leases(&nodes[0], "node-a", &clock);
    let again = restarted
        .hold("delivery/x")
        .await
        .unwrap()
        .expect("restarted node");
    assert_eq!(again.token, 4);
    let former = a.held("delivery/x").unwrap();
    let refused = read(nodes[0].as_ref(), |tx| lease::check(tx, &former)).unwrap();
    assert!(matches!(refused, Err(StoreError::Fenced(_))), "{refused:?}");
}

/// Many nodes race for one lapsed lease at once: exactly one wins.
pub async fn one_holder_among_racers(nodes: &[Arc<dyn Store>]) {
    let clock = Arc::new(AtomicI64::new(5_000_000));
    let mut tasks = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        for k in 0..8 {
            let contender = leases(node, &format!("node-{n}-{k}"), &clock);
            tasks.push(tokio::spawn(async move {
                contender.hold("retention").await.unwrap().is_some()
            }));
        }
    }
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.unwrap());
    }
    assert_eq!(winners, 1);
}
