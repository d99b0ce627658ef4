//! CloudTrail Lake's engine: the events each event data store holds, and SQL over them.
//!
//! Owns the lake database (`lake.db` in the data directory, SQLite): each store's copy of the
//! events it ingested ([`ingest`]: appended with the feed's cursor in one transaction, so each
//! event is ingested exactly once), queries and their results ([`query`]), and the translation
//! of CloudTrail Lake's SQL to SQLite ([`sql`], with the functions Trino has and SQLite lacks in
//! [`udf`]).
//!
//! Knows nothing of the CloudTrail API: which events a store takes, who may read it and what its
//! errors are called is `trailroom-cloudtrail`'s business; it hands the lake events and a
//! resolver for table names.

pub mod ingest;
pub mod query;
pub mod schema;
pub mod sql;
pub mod udf;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

pub use ingest::{LakeEvent, import_seq};
pub use query::{QueryInfo, QueryPage, QuerySpec, QueryStatus};

/// What the lake refuses or fails at.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    /// The statement is not SQL the lake runs.
    #[error("{0}")]
    InvalidStatement(String),
    /// A table names no event data store the caller may read.
    #[error("Event data store {0} was not found.")]
    StoreNotFound(String),
    /// A table names a store that is not active.
    #[error("Event data store {0} is not active.")]
    StoreInactive(String),
    /// No query with this id (for this account).
    #[error("Query {0} was not found.")]
    QueryNotFound(String),
    /// The query is no longer queued or running.
    #[error("Query {0} is not queued or running.")]
    QueryInactive(String),
    /// Too many queries queued or running for the account.
    #[error("You have reached the maximum number of concurrent queries ({0}).")]
    TooManyQueries(usize),
    /// The feed's cursor moved under it (another ingester): nothing was written.
    #[error("feed {0} moved while ingesting")]
    CursorMoved(String),
    /// The lake database failed.
    #[error("lake database: {0}")]
    Database(#[from] rusqlite::Error),
}

/// How many queries may be queued or running per account, and how long one may run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Queued or running queries per account (AWS: 10).
    pub concurrent_queries: usize,
    /// How long a query runs before it is stopped as `TIMED_OUT`.
    pub query_timeout: Duration,
    /// How long results are kept (AWS: 7 days).
    pub results_kept: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            concurrent_queries: 10,
            query_timeout: Duration::from_secs(3600),
            results_kept: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// The lake database.
pub struct Lake {
    path: PathBuf,
    writer: Mutex<Connection>,
    running: Mutex<HashMap<String, Arc<AtomicBool>>>,
    limits: Limits,
}

impl std::fmt::Debug for Lake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lake").field("path", &self.path).finish()
    }
}

/// Columns added to `lake_query` after its first release, with their types: a lake made before
/// them gets them here.
const LATER_QUERY_COLUMNS: [(&str, &str); 2] = [("alias", "TEXT"), ("refresh", "TEXT")];

fn add_missing_columns(conn: &Connection) -> Result<(), LakeError> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('lake_query')")?;
    let present: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for (name, kind) in LATER_QUERY_COLUMNS {
        if !present.iter().any(|p| p == name) {
            conn.execute_batch(&format!("ALTER TABLE lake_query ADD COLUMN {name} {kind}"))?;
        }
    }
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS lake_query_alias ON lake_query (account, alias, created_ms)",
    )?;
    Ok(())
}

impl Lake {
    /// Opens (creating) the lake database at `path`. Queries left queued or running by an
    /// earlier process are marked failed: their runner is gone.
    pub fn open(path: &Path, limits: Limits) -> Result<Arc<Self>, LakeError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "wal")?;
        conn.pragma_update(None, "synchronous", "normal")?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.execute_batch(&schema::migration())?;
        add_missing_columns(&conn)?;
        conn.execute(
            "UPDATE lake_query SET status = 'FAILED', error = 'The server stopped while the \
             query ran.' WHERE status IN ('QUEUED', 'RUNNING')",
            [],
        )?;
        Ok(Arc::new(Self {
            path: path.to_owned(),
            writer: Mutex::new(conn),
            running: Mutex::default(),
            limits,
        }))
    }

    /// The limits this lake enforces.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new connection for one query (reads only, once its views are made).
    fn query_connection(&self) -> Result<Connection, LakeError> {
        let conn = Connection::open(&self.path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        Ok(conn)
    }

    /// Forgets every store's events and every query: a fresh data directory's lake.
    pub fn reset(&self) -> Result<(), LakeError> {
        for flag in self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        self.writer().execute_batch(
            "DELETE FROM lake_event; DELETE FROM lake_store; DELETE FROM lake_cursor; \
             DELETE FROM lake_query; DELETE FROM lake_result;",
        )?;
        Ok(())
    }
}
