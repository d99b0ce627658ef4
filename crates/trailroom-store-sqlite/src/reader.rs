//! A pool of read-only connections; WAL lets them read while the writer writes.

use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags};
use trailroom_store::StoreResult;

use crate::backend;

/// Idle reader connections, opened on demand.
pub(crate) struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

/// How many idle readers to keep.
const MAX_IDLE: usize = 16;

impl ReaderPool {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` on a reader connection, returning the connection to the pool afterwards.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&Connection) -> StoreResult<R>) -> StoreResult<R> {
        let conn = match self.idle.lock().expect("reader pool poisoned").pop() {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = f(&conn);
        if result.is_err() {
            // Leave no half-open read transaction behind.
            let _ = conn.execute_batch("ROLLBACK");
        }
        let mut idle = self.idle.lock().expect("reader pool poisoned");
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        result
    }

    fn open(&self) -> StoreResult<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(backend)?;
        crate::keep_statements(&conn)?;
        conn.execute_batch("PRAGMA busy_timeout = 5000;")
            .map_err(backend)?;
        Ok(conn)
    }
}
