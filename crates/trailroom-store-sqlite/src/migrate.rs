//! Embedded schema migrations, applied in order and tracked with SQLite's `user_version`.

use rusqlite::Connection;
use trailroom_store::StoreResult;

use crate::backend;

/// A schema change: its SQL, then the data it moves (if any), in the same transaction.
struct Migration {
    sql: &'static str,
    then: Option<fn(&Connection) -> StoreResult<()>>,
}

/// Every migration, in order. Never edit a released one: append a new one.
const MIGRATIONS: &[Migration] = &[
    Migration {
        sql: include_str!("../migrations/0001_init.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("../migrations/0002_compact_events.sql"),
        then: Some(crate::events::copy_legacy),
    },
];

/// Brings the schema up to date inside one transaction.
pub(crate) fn run(conn: &mut Connection) -> StoreResult<()> {
    let current: usize = conn
        .query_row("PRAGMA user_version", [], |row| row.get::<_, i64>(0))
        .map_err(backend)? as usize;
    if current >= MIGRATIONS.len() {
        return Ok(());
    }
    let tx = conn.transaction().map_err(backend)?;
    for migration in &MIGRATIONS[current..] {
        tx.execute_batch(migration.sql).map_err(backend)?;
        if let Some(then) = migration.then {
            then(&tx)?;
        }
    }
    tx.execute_batch(&format!("PRAGMA user_version = {}", MIGRATIONS.len()))
        .map_err(backend)?;
    tx.commit().map_err(backend)
}
