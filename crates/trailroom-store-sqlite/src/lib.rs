//! The embedded default store: one SQLite file in the data directory.
//!
//! Owns: opening the database (WAL, `synchronous=FULL` so a commit is on disk before anyone is told
//! about it), schema migrations embedded in the binary, the writer thread that group-commits
//! [`trailroom_store::WriteJob`]s, and a small pool of reader connections.
//!
//! Knows nothing about what the documents mean.

mod checkpointer;
mod events;
mod migrate;
mod reader;
mod txn;
mod writer;

use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};

use rusqlite::Connection;
use rusqlite::config::DbConfig;
use trailroom_store::{ReadTxn, Store, StoreError, StoreResult, WriteJob};

use crate::txn::SqliteTxn;
pub use crate::writer::Indexing;
use crate::writer::WriterMsg;

/// A [`Store`] on an SQLite database file.
pub struct SqliteStore {
    jobs: Mutex<Option<mpsc::Sender<WriterMsg>>>,
    counters: Arc<trailroom_store::WriterCounters>,
    readers: reader::ReaderPool,
    checkpointer: Mutex<checkpointer::Checkpointer>,
}

impl SqliteStore {
    /// Opens (creating and migrating as needed) the database at `path` and starts its writer.
    pub fn open(path: &Path) -> StoreResult<Arc<Self>> {
        Self::open_with(path, Indexing::Background)
    }

    /// [`Self::open`] with a choice of when journal events are indexed.
    pub fn open_with(path: &Path, indexing: Indexing) -> StoreResult<Arc<Self>> {
        let mut conn = open_connection(path)?;
        migrate::run(&mut conn)?;
        conn.execute_batch(&format!(
            "PRAGMA wal_autocheckpoint = {}",
            checkpointer::WRITER_BACKSTOP_PAGES
        ))
        .map_err(backend)?;
        let checkpointer = checkpointer::Checkpointer::spawn(path)?;
        let counters = Arc::new(trailroom_store::WriterCounters::default());
        let jobs = writer::spawn(conn, counters.clone(), indexing)?;
        Ok(Arc::new(Self {
            jobs: Mutex::new(Some(jobs)),
            counters,
            readers: reader::ReaderPool::new(path.to_owned()),
            checkpointer: Mutex::new(checkpointer),
        }))
    }
}

impl Store for SqliteStore {
    fn writer_stats(&self) -> trailroom_store::WriterStats {
        self.counters.snapshot()
    }

    fn submit(&self, job: WriteJob) {
        let sender = self.jobs.lock().expect("writer handle poisoned").clone();
        let refused = match sender {
            Some(sender) => sender.send(WriterMsg::Job(job)).err().map(|e| e.0),
            None => Some(WriterMsg::Job(job)),
        };
        // The writer is gone: tell the job its work was not stored.
        if let Some(WriterMsg::Job(job)) = refused {
            writer::refuse(job);
        }
    }

    fn with_reader(&self, f: &mut dyn FnMut(&dyn ReadTxn)) -> StoreResult<()> {
        self.readers.with(|conn| {
            run_cached(conn, "BEGIN").map_err(backend)?;
            f(&SqliteTxn::reader(conn));
            run_cached(conn, "COMMIT").map_err(backend)
        })
    }

    fn settle(&self) {
        let sender = self.jobs.lock().expect("writer handle poisoned").clone();
        if let Some(sender) = sender {
            let (done_tx, done_rx) = mpsc::channel();
            if sender.send(WriterMsg::Settle(done_tx)).is_ok() {
                let _ = done_rx.recv();
            }
        }
    }

    fn shutdown(&self) {
        // Stopped first: the writer's last act is a full checkpoint of its own.
        self.checkpointer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .stop();
        let sender = self.jobs.lock().expect("writer handle poisoned").take();
        if let Some(sender) = sender {
            let (done_tx, done_rx) = mpsc::channel();
            if sender.send(WriterMsg::Stop(done_tx)).is_ok() {
                let _ = done_rx.recv();
            }
        }
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Statements each connection keeps prepared: more than the store uses, so none is parsed again
/// (rusqlite keeps 16 by default, fewer than the writer's statements).
const STATEMENT_CACHE: usize = 256;

/// Makes prepared statements reusable as they are: a cache big enough for every statement, and
/// the query planner stability guarantee. Without the guarantee SQLite looks at bound values while
/// planning (`col = ?` terms outside the chosen index, LIMIT) and then plans the statement again
/// whenever a value changes: every read of documents was parsed and planned anew, a fifth of the
/// server's time in DescribeTrails.
pub(crate) fn keep_statements(conn: &Connection) -> StoreResult<()> {
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map_err(backend)?;
    Ok(())
}

/// Opens a connection with the pragmas every connection needs. `temp_store = MEMORY` keeps each
/// job's savepoint sub-journal off disk: as a file it was a sixth of the writer's time under load
/// (BENCHMARKS.md).
pub(crate) fn open_connection(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path).map_err(backend)?;
    keep_statements(&conn)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(backend)?;
    Ok(conn)
}

/// Runs a statement without results, kept prepared (BEGIN and COMMIT run for every call).
pub(crate) fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// Wraps a database error.
/// Wraps a database error. A full disk is unavailability, not a fault: the call may be retried
/// and succeeds once space is freed.
pub(crate) fn backend(err: rusqlite::Error) -> StoreError {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => StoreError::Unavailable(err.to_string()),
        _ => StoreError::Backend(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::Strategy;

    fn open_temp() -> (tempfile::TempDir, Arc<SqliteStore>) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("trailroom.db")).unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn conformance_documents() {
        let (_dir, store) = open_temp();
        trailroom_store::testsuite::documents(store.as_ref()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn conformance_followers_miss_nothing_with_two_stores_on_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trailroom.db");
        let nodes: Vec<Arc<dyn Store>> = vec![
            SqliteStore::open(&path).unwrap(),
            SqliteStore::open(&path).unwrap(),
        ];
        trailroom_store::testsuite::followers_miss_nothing(&nodes).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn conformance_writes_are_serialized_with_two_stores_on_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trailroom.db");
        let nodes: Vec<Arc<dyn Store>> = vec![
            SqliteStore::open(&path).unwrap(),
            SqliteStore::open(&path).unwrap(),
        ];
        trailroom_store::testsuite::writes_are_serialized_across_nodes(&nodes).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn conformance_leases_with_two_stores_on_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trailroom.db");
        let nodes: Vec<Arc<dyn Store>> = vec![
            SqliteStore::open(&path).unwrap(),
            SqliteStore::open(&path).unwrap(),
        ];
        trailroom_store::testsuite::leases_pass_between_nodes(&nodes).await;
        trailroom_store::testsuite::one_holder_among_racers(&nodes).await;
    }

    #[tokio::test]
    async fn conformance_failed_work_is_undone() {
        let (_dir, store) = open_temp();
        trailroom_store::testsuite::failed_work_is_undone(store.as_ref()).await;
    }

    #[tokio::test]
    async fn conformance_events() {
        let (_dir, store) = open_temp();
        trailroom_store::testsuite::events(store.as_ref()).await;
    }

    #[tokio::test]
    async fn conformance_events_in_the_journal_only() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            SqliteStore::open_with(&dir.path().join("trailroom.db"), Indexing::OnSettle).unwrap();
        trailroom_store::testsuite::events(store.as_ref()).await;
    }

    #[tokio::test]
    async fn conformance_log_walk_and_removal() {
        let (_dir, store) = open_temp();
        trailroom_store::testsuite::log_walk_and_removal(store.as_ref()).await;
        let dir = tempfile::tempdir().unwrap();
        let store =
            SqliteStore::open_with(&dir.path().join("trailroom.db"), Indexing::OnSettle).unwrap();
        trailroom_store::testsuite::log_walk_and_removal(store.as_ref()).await;
    }

    #[tokio::test]
    async fn conformance_events_match_a_model_across_journal_and_log() {
        use trailroom_store::testsuite::EventStep::{Append, Prune, Settle};
        let plans: [&[_]; 4] = [
            &[Append(40)],
            &[Append(17), Settle, Append(23)],
            &[
                Append(5),
                Settle,
                Append(9),
                Settle,
                Append(1),
                Append(12),
                Prune(4),
            ],
            &[
                Append(30),
                Prune(6),
                Settle,
                Append(11),
                Prune(8),
                Append(3),
            ],
        ];
        for plan in plans {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("trailroom.db");
            let store = SqliteStore::open_with(&path, Indexing::OnSettle).unwrap();
            trailroom_store::testsuite::events_match_a_model(store.as_ref(), plan).await;
            store.shutdown();
            drop(store);
            // The writer's own schedule (moving when idle) answers the same.
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open(&dir.path().join("trailroom.db")).unwrap();
            trailroom_store::testsuite::events_match_a_model(store.as_ref(), plan).await;
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// Any interleaving of appends, moves to the indexed log and pruning reads like one list.
        #[test]
        fn events_match_a_model_for_any_interleaving(
            steps in proptest::collection::vec(
                proptest::prop_oneof![
                    (1usize..30).prop_map(trailroom_store::testsuite::EventStep::Append),
                    proptest::strategy::Just(trailroom_store::testsuite::EventStep::Settle),
                    (0i64..14).prop_map(trailroom_store::testsuite::EventStep::Prune),
                ],
                1..8,
            )
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let dir = tempfile::tempdir().unwrap();
            let store =
                SqliteStore::open_with(&dir.path().join("trailroom.db"), Indexing::OnSettle)
                    .unwrap();
            runtime.block_on(trailroom_store::testsuite::events_match_a_model(
                store.as_ref(),
                &steps,
            ));
        }
    }

    #[tokio::test]
    async fn conformance_clear_all() {
        let (_dir, store) = open_temp();
        trailroom_store::testsuite::clear_all(store.as_ref()).await;
    }

    #[tokio::test]
    async fn conformance_many_concurrent_writers() {
        let (_dir, store) = open_temp();
        trailroom_store::testsuite::many_concurrent_writers(store.clone()).await;
    }

    #[tokio::test]
    async fn data_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trailroom.db");
        let store = SqliteStore::open(&path).unwrap();
        trailroom_store::testsuite::write_marker(store.as_ref()).await;
        store.shutdown();
        drop(store);
        let store = SqliteStore::open(&path).unwrap();
        trailroom_store::testsuite::check_marker(store.as_ref());
    }

    #[tokio::test]
    async fn journal_events_survive_a_restart_and_move_to_the_indexed_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trailroom.db");
        let store = SqliteStore::open_with(&path, Indexing::OnSettle).unwrap();
        let seqs = trailroom_store::write(store.as_ref(), |tx| {
            (0..5)
                .map(|i| tx.append_event(&journal_event(i)))
                .collect::<StoreResult<Vec<_>>>()
        })
        .await
        .unwrap()
        .unwrap();
        store.shutdown();
        drop(store);
        let tables = |path: &Path| {
            let conn = Connection::open(path).unwrap();
            let count = |table: &str| {
                conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
                    r.get::<_, i64>(0)
                })
                .unwrap()
            };
            (count("event_journal"), count("event_log"))
        };
        assert_eq!(tables(&path), (5, 0), "shut down before moving");
        let store = SqliteStore::open(&path).unwrap();
        store.settle();
        assert_eq!(tables(&path), (0, 5), "moved by the writer");
        let found = trailroom_store::read(store.as_ref(), |tx| {
            tx.events_after("111111111111", None, 0, 10).unwrap()
        })
        .unwrap();
        let found_seqs: Vec<i64> = found.iter().map(|e| e.seq).collect();
        assert_eq!(found_seqs, seqs, "positions kept");
        assert_eq!(found[4].record_json, journal_event(4).record_json);
        assert_eq!(found[4].resources, journal_event(4).resources);
    }

    fn journal_event(i: i64) -> trailroom_store::EventRow {
        trailroom_store::EventRow {
            seq: 0,
            event_id: format!("e-{i}"),
            account_id: "111111111111".into(),
            region: "us-east-1".into(),
            event_time_ms: 1_000 + i,
            event_name: "CreateRoom".into(),
            event_source: "a4b.amazonaws.com".into(),
            username: None,
            access_key_id: Some("AKIA1".into()),
            read_only: false,
            category: "Management".into(),
            resources: vec![("AWS::A4B::Room".into(), format!("room-{i}"))],
            record_json: format!("{{\"n\":{i}}}"),
        }
    }

    #[tokio::test]
    async fn submit_after_shutdown_reports_unavailable() {
        let (_dir, store) = open_temp();
        store.shutdown();
        let result = trailroom_store::write(store.as_ref(), |_| Ok::<_, ()>(())).await;
        assert!(matches!(result, Err(StoreError::Unavailable(_))));
    }

    #[tokio::test]
    async fn events_of_the_first_schema_move_to_the_compact_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trailroom.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(include_str!("../migrations/0001_init.sql"))
                .unwrap();
            conn.execute_batch(
                "PRAGMA user_version = 1;
                 INSERT INTO events VALUES (41, 'e-41', '111111111111', 'us-east-1', 5,
                   'CreateRoom', 'a4b.amazonaws.com', 'alice', 'AKIA1', 0, 'Management', '{\"a\":1}');
                 INSERT INTO event_resources VALUES (41, '111111111111', 'us-east-1', 5,
                   'AWS::A4B::Room', 'arn:room');",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let moved = trailroom_store::read(store.as_ref(), |tx| {
            tx.events_after("111111111111", None, 0, 10).unwrap()
        })
        .unwrap();
        assert_eq!(moved.len(), 1);
        let event = &moved[0];
        assert_eq!((event.seq, event.event_id.as_str()), (41, "e-41"));
        assert_eq!(event.username.as_deref(), Some("alice"));
        assert_eq!(event.record_json, "{\"a\":1}");
        assert_eq!(
            event.resources,
            [("AWS::A4B::Room".to_owned(), "arn:room".to_owned())]
        );
        // Positions go on after the moved ones.
        let last =
            trailroom_store::read(store.as_ref(), |tx| tx.last_event_seq().unwrap()).unwrap();
        assert_eq!(last, 41);
        let next = trailroom_store::EventRow {
            seq: 0,
            ..event.clone()
        };
        trailroom_store::write(store.as_ref(), move |tx| tx.append_event(&next))
            .await
            .unwrap()
            .unwrap();
        let last =
            trailroom_store::read(store.as_ref(), |tx| tx.last_event_seq().unwrap()).unwrap();
        assert_eq!(last, 42);
    }
}
