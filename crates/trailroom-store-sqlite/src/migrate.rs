//! Embedded schema migrations, applied in order and tracked with SQLite's `user_version`. Before
//! migrating an existing database, a copy of it is kept beside it (`trailroom.db.v<N>.bak`); a
//! database from a newer trailroom is refused rather than misread.

use rusqlite::Connection;
use trailroom_store::{StoreError, StoreResult};

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
    Migration {
        sql: include_str!("../migrations/0003_event_journal.sql"),
        then: None,
    },
];

/// Brings the schema up to date inside one transaction.
pub(crate) fn run(conn: &mut Connection) -> StoreResult<()> {
    let current: usize = conn
        .query_row("PRAGMA user_version", [], |row| row.get::<_, i64>(0))
        .map_err(backend)? as usize;
    let latest = MIGRATIONS.len();
    if current > latest {
        return Err(newer_schema(current, latest));
    }
    if current == latest {
        return Ok(());
    }
    let backup = match current {
        0 => None,
        _ => Some(keep_copy(conn, current)?),
    };
    let tx = conn.transaction().map_err(backend)?;
    for migration in &MIGRATIONS[current..] {
        tx.execute_batch(migration.sql).map_err(backend)?;
        if let Some(then) = migration.then {
            then(&tx)?;
        }
    }
    tx.execute_batch(&format!("PRAGMA user_version = {latest}"))
        .map_err(backend)?;
    tx.commit().map_err(backend)?;
    match backup {
        Some(backup) => tracing::info!(
            from = current, to = latest, backup = %backup,
            "migrated the database schema; the previous database is kept as the backup"
        ),
        None => tracing::info!(version = latest, "created the database schema"),
    }
    Ok(())
}

fn newer_schema(found: usize, latest: usize) -> StoreError {
    StoreError::Backend(format!(
        "the database has schema version {found}, newer than the {latest} this trailroom \
         ({}) understands: it was written by a newer trailroom; run that one, or a data \
         directory of this version",
        env!("CARGO_PKG_VERSION")
    ))
}

/// Writes a consistent copy of the database beside it, as it is before migrating from
/// `version`; returns its path. An in-memory database has nothing to copy.
fn keep_copy(conn: &Connection, version: usize) -> StoreResult<String> {
    let Some(path) = conn.path().filter(|p| !p.is_empty()).map(str::to_owned) else {
        return Ok(String::new());
    };
    let backup = format!("{path}.v{version}.bak");
    let _ = std::fs::remove_file(&backup);
    conn.execute("VACUUM INTO ?1", [&backup]).map_err(backend)?;
    Ok(backup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_schema_is_refused_and_an_older_one_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trailroom.db");
        let mut conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0].sql).unwrap();
        conn.execute_batch("PRAGMA user_version = 1").unwrap();
        run(&mut conn).unwrap();
        let backup = dir.path().join("trailroom.db.v1.bak");
        let old = Connection::open(&backup).unwrap();
        let version: i64 = old
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 1, "the backup is the database as it was");
        conn.execute_batch(&format!("PRAGMA user_version = {}", MIGRATIONS.len() + 1))
            .unwrap();
        let err = run(&mut conn).unwrap_err().to_string();
        assert!(
            err.contains(&format!("schema version {}", MIGRATIONS.len() + 1)),
            "{err}"
        );
        assert!(
            err.contains(&format!("newer than the {}", MIGRATIONS.len())),
            "{err}"
        );
    }
}
