//! Embedded schema migrations, applied in order and tracked with SQLite's `user_version`.

use rusqlite::Connection;
use trailroom_store::StoreResult;

use crate::backend;

/// Every migration, in order. Never edit a released one: append a new file.
const MIGRATIONS: &[&str] = &[include_str!("../migrations/0001_init.sql")];

/// Brings the schema up to date inside one transaction.
pub(crate) fn run(conn: &mut Connection) -> StoreResult<()> {
    let current: usize = conn
        .query_row("PRAGMA user_version", [], |row| row.get::<_, i64>(0))
        .map_err(backend)? as usize;
    if current >= MIGRATIONS.len() {
        return Ok(());
    }
    let tx = conn.transaction().map_err(backend)?;
    for sql in &MIGRATIONS[current..] {
        tx.execute_batch(sql).map_err(backend)?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {}", MIGRATIONS.len()))
        .map_err(backend)?;
    tx.commit().map_err(backend)
}
