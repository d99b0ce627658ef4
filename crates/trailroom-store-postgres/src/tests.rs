//! The conformance suite against PostgreSQL, each test on a fresh database; and what only a
//! shared database shows: two stores (two nodes) appending at once while a reader follows the log.
//!
//! The server is `TRAILROOM_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/postgres`,
//! where `.ci/run` starts one); a database is created per test and dropped after it.

use std::sync::Arc;

use proptest::prelude::Strategy;
use trailroom_store::{Doc, Store, testsuite};

use super::*;

/// A database that exists for one test.
struct TestDb {
    admin: String,
    name: String,
    url: String,
}

impl TestDb {
    async fn create() -> Self {
        let admin = std::env::var("TRAILROOM_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("trailroom_test_{}", uuid::Uuid::new_v4().simple());
        run_admin(&admin, &format!("CREATE DATABASE {name}")).await;
        let config = tokio_postgres::Config::from_str(&admin).unwrap();
        let url = format!(
            "postgres://{}@{}:{}/{name}",
            config.get_user().unwrap_or("postgres"),
            host(&config),
            config.get_ports().first().copied().unwrap_or(5432),
        );
        Self { admin, name, url }
    }

    fn open(&self) -> Arc<PostgresStore> {
        PostgresStore::open(&self.url, &PostgresOptions::default()).unwrap()
    }

    async fn drop_database(self) {
        run_admin(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        )
        .await;
    }
}

fn host(config: &tokio_postgres::Config) -> String {
    match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        _ => "127.0.0.1".into(),
    }
}

async fn run_admin(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {url} (TRAILROOM_TEST_POSTGRES): {e}"));
    let driver = tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap();
    drop(client);
    let _ = driver.await;
}

#[tokio::test]
async fn conformance_documents() {
    let db = TestDb::create().await;
    let store = db.open();
    testsuite::documents(store.as_ref()).await;
    testsuite::failed_work_is_undone(store.as_ref()).await;
    testsuite::clear_all(store.as_ref()).await;
    drop(store);
    db.drop_database().await;
}

#[tokio::test]
async fn conformance_events() {
    let db = TestDb::create().await;
    let store = db.open();
    testsuite::events(store.as_ref()).await;
    drop(store);
    db.drop_database().await;
}

#[tokio::test]
async fn conformance_log_walk_and_removal() {
    let db = TestDb::create().await;
    let store = db.open();
    testsuite::log_walk_and_removal(store.as_ref()).await;
    drop(store);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_many_concurrent_writers() {
    let db = TestDb::create().await;
    let store = db.open();
    testsuite::many_concurrent_writers(store.clone()).await;
    drop(store);
    db.drop_database().await;
}

#[tokio::test]
async fn conformance_durability_across_reopen() {
    let db = TestDb::create().await;
    let store = db.open();
    testsuite::write_marker(store.as_ref()).await;
    store.shutdown();
    drop(store);
    let reopened = db.open();
    testsuite::check_marker(reopened.as_ref());
    drop(reopened);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_positions_follow_commit_order_across_nodes() {
    let db = TestDb::create().await;
    let nodes: Vec<Arc<dyn Store>> = vec![db.open(), db.open()];
    testsuite::followers_miss_nothing(&nodes).await;
    drop(nodes);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_writes_are_serialized_across_nodes() {
    let db = TestDb::create().await;
    let nodes: Vec<Arc<dyn Store>> = vec![db.open(), db.open(), db.open()];
    testsuite::writes_are_serialized_across_nodes(&nodes).await;
    drop(nodes);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_leases_across_nodes() {
    let db = TestDb::create().await;
    let nodes: Vec<Arc<dyn Store>> = vec![db.open(), db.open(), db.open()];
    testsuite::leases_pass_between_nodes(&nodes).await;
    testsuite::one_holder_among_racers(&nodes).await;
    drop(nodes);
    db.drop_database().await;
}

/// A reader that panics inside its snapshot does not hand that snapshot to the next reader: with
/// one reader connection, a later read still sees a later write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_reader_leaves_no_snapshot_behind() {
    let db = TestDb::create().await;
    let options = PostgresOptions {
        max_connections: 2,
        ..PostgresOptions::default()
    };
    let store: Arc<dyn Store> = PostgresStore::open(&db.url, &options).unwrap();
    let put = |id: &'static str| {
        let store = store.clone();
        async move {
            let doc = Doc::new("111111111111", "thing", id, &serde_json::json!({})).unwrap();
            trailroom_store::write(store.as_ref(), move |tx| tx.put(&doc))
                .await
                .unwrap()
                .unwrap();
        }
    };
    put("before").await;
    let reader = store.clone();
    let panicked = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = trailroom_store::read(reader.as_ref(), |tx| {
                assert_eq!(tx.list("111111111111", "thing").unwrap().len(), 1);
                panic!("the reader fails inside its snapshot");
            });
        }))
        .is_err()
    })
    .await
    .unwrap();
    assert!(panicked);
    put("after").await;
    let seen = trailroom_store::read(store.as_ref(), |tx| {
        tx.list("111111111111", "thing").unwrap().len()
    })
    .unwrap();
    assert_eq!(seen, 2, "a later reader got the panicked reader's snapshot");
    drop(store);
    db.drop_database().await;
}

#[tokio::test]
async fn migrating_twice_changes_nothing() {
    let db = TestDb::create().await;
    // Two nodes starting on one database: the second finds the schema current.
    let first = db.open();
    let second = db.open();
    testsuite::write_marker(first.as_ref()).await;
    testsuite::check_marker(second.as_ref());
    drop((first, second));
    db.drop_database().await;
}

#[tokio::test]
async fn an_unreachable_database_is_unavailability() {
    let options = PostgresOptions {
        wait: std::time::Duration::from_millis(500),
        ..PostgresOptions::default()
    };
    // Nothing listens on port 1.
    let err = PostgresStore::open("postgres://postgres@127.0.0.1:1/none", &options)
        .err()
        .expect("no database there");
    assert!(
        matches!(err, trailroom_store::StoreError::Unavailable(_)),
        "{err:?}"
    );
}

fn event_steps() -> impl Strategy<Value = Vec<testsuite::EventStep>> {
    use proptest::prelude::*;
    prop::collection::vec(
        prop_oneof![
            (1usize..20).prop_map(testsuite::EventStep::Append),
            (0i64..14).prop_map(testsuite::EventStep::Prune),
        ],
        1..8,
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 8, ..Default::default() })]

    /// Any sequence of appends and prunes leaves every lookup answering as a plain list would.
    #[test]
    fn lookups_match_a_model(steps in event_steps()) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let db = TestDb::create().await;
            let store = db.open();
            testsuite::events_match_a_model(store.as_ref(), &steps).await;
            drop(store);
            db.drop_database().await;
        });
    }
}

fn thing(id: &str, name: Option<&str>) -> trailroom_store::Doc {
    trailroom_store::Doc {
        account: "111111111111".into(),
        kind: "thing".into(),
        id: id.into(),
        name: name.map(Into::into),
        parent: None,
        body: serde_json::json!({ "id": id }),
    }
}

fn exists(store: &dyn Store, id: &str) -> bool {
    trailroom_store::read(store, |tx| {
        tx.get("111111111111", "thing", id).unwrap().is_some()
    })
    .unwrap()
}

/// Savepoints go out with the statements after them: a unit rolled back after writing undoes
/// exactly its writes, units that ran nothing cost nothing, and work around them is kept.
#[tokio::test]
async fn nested_units_keep_and_undo_exactly_their_own_writes() {
    use trailroom_store::{StoreError, write};
    let db = TestDb::create().await;
    let store = db.open();
    write(store.as_ref(), |tx| {
        tx.put(&thing("before", None))?;
        tx.begin_nested()?;
        tx.put(&thing("undone", None))?;
        tx.begin_nested()?;
        tx.put(&thing("undone-deeper", None))?;
        tx.commit_nested()?;
        tx.rollback_nested()?;
        tx.begin_nested()?;
        tx.commit_nested()?;
        tx.begin_nested()?;
        tx.rollback_nested()?;
        tx.begin_nested()?;
        tx.put(&thing("kept", None))?;
        tx.commit_nested()?;
        tx.put(&thing("after", None))?;
        Ok::<_, StoreError>(())
    })
    .await
    .unwrap()
    .unwrap();
    for (id, expected) in [
        ("before", true),
        ("undone", false),
        ("undone-deeper", false),
        ("kept", true),
        ("after", true),
    ] {
        assert_eq!(exists(store.as_ref(), id), expected, "{id}");
    }
    drop(store);
    db.drop_database().await;
}

/// A job that meets a taken name and carries on keeps the rest of its work (the name is checked
/// before the insert, so the refusal does not abort the transaction), and the jobs batched with
/// it commit too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_name_spares_the_rest_of_the_job_and_the_batch() {
    use trailroom_store::{StoreError, write};
    let db = TestDb::create().await;
    let store = db.open();
    write(store.as_ref(), |tx| tx.put(&thing("holder", Some("taken"))))
        .await
        .unwrap()
        .unwrap();
    let carrying_on = write(store.as_ref(), |tx| {
        tx.put(&thing("first", None))?;
        let refused = tx.put(&thing("clash", Some("taken")));
        assert_eq!(refused, Err(StoreError::AlreadyExists("taken".into())));
        tx.put(&thing("last", None))
    });
    let neighbour = write(store.as_ref(), |tx| tx.put(&thing("neighbour", None)));
    let (carrying_on, neighbour) = tokio::join!(carrying_on, neighbour);
    carrying_on.unwrap().unwrap();
    neighbour.unwrap().unwrap();
    for (id, expected) in [
        ("holder", true),
        ("first", true),
        ("clash", false),
        ("last", true),
        ("neighbour", true),
    ] {
        assert_eq!(exists(store.as_ref(), id), expected, "{id}");
    }
    drop(store);
    db.drop_database().await;
}
