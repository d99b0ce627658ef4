//! Schema migrations, embedded in the binary and applied in order. Several nodes may start at
//! once: an advisory lock held for the migrating transaction lets one of them migrate while the
//! others wait, then find nothing left to do.
//!
//! Text columns use the "C" collation: ids and names sort by bytes, as the store's contract (and
//! SQLite) order them, whatever the database's default collation is.

use tokio_postgres::Client;
use trailroom_store::{StoreError, StoreResult};

use crate::error::pg_error;

/// Key of the advisory lock migrations hold ("trailroom" in ASCII, truncated).
const MIGRATION_LOCK: i64 = 0x7472_6169_6c72_6f6f;

/// The migrations, oldest first; a migration's version is its position plus one.
const MIGRATIONS: &[&str] = &[
    // 1: documents, the event log, its lookup indexes and the position counter.
    r#"
    CREATE TABLE docs (
        account text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        name text COLLATE "C",
        parent text COLLATE "C",
        body text NOT NULL,
        PRIMARY KEY (account, kind, id)
    );
    CREATE UNIQUE INDEX docs_name ON docs (account, kind, name) WHERE name IS NOT NULL;
    CREATE INDEX docs_children ON docs (account, kind, parent, id) WHERE parent IS NOT NULL;
    CREATE INDEX docs_by_id ON docs (kind, id);

    -- The last position handed out and how many events are stored. Appending updates this one
    -- row, so whoever appends holds its lock until commit: positions are in commit order, and a
    -- reader following the log past a position never finds an earlier one committed later.
    CREATE TABLE event_counter (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        last_seq bigint NOT NULL,
        live bigint NOT NULL
    );
    INSERT INTO event_counter VALUES (true, 0, 0);

    CREATE TABLE events (
        seq bigint PRIMARY KEY,
        event_id text COLLATE "C" NOT NULL,
        account_id text COLLATE "C" NOT NULL,
        region text COLLATE "C" NOT NULL,
        event_time_ms bigint NOT NULL,
        event_name text COLLATE "C" NOT NULL,
        event_source text COLLATE "C" NOT NULL,
        username text COLLATE "C",
        access_key_id text COLLATE "C",
        read_only boolean NOT NULL,
        category text COLLATE "C" NOT NULL,
        resource_types text[] NOT NULL,
        resource_names text[] NOT NULL,
        record_json text NOT NULL
    );
    -- Event history: one index per lookup attribute, newest first within a stream.
    CREATE INDEX events_recent ON events (account_id, region, category, event_time_ms, seq);
    CREATE INDEX events_by_name ON events (account_id, region, category, event_name, event_time_ms, seq);
    CREATE INDEX events_by_source ON events (account_id, region, category, event_source, event_time_ms, seq);
    CREATE INDEX events_by_user ON events (account_id, region, category, username, event_time_ms, seq)
        WHERE username IS NOT NULL;
    CREATE INDEX events_by_key ON events (account_id, region, category, access_key_id, event_time_ms, seq)
        WHERE access_key_id IS NOT NULL;
    CREATE INDEX events_by_read_only ON events (account_id, region, category, read_only, event_time_ms, seq);
    CREATE INDEX events_by_id ON events (account_id, region, category, event_id, event_time_ms, seq);
    -- Following the log (delivery, Lake ingestion), and retention.
    CREATE INDEX events_follow ON events (account_id, seq);
    CREATE INDEX events_follow_region ON events (account_id, region, seq);
    CREATE INDEX events_by_time ON events (event_time_ms);

    -- Resource types ('T') and names ('N') of each event, one row per distinct value.
    CREATE TABLE event_resources (
        account_id text COLLATE "C" NOT NULL,
        region text COLLATE "C" NOT NULL,
        category text COLLATE "C" NOT NULL,
        attr "char" NOT NULL,
        value text COLLATE "C" NOT NULL,
        event_time_ms bigint NOT NULL,
        seq bigint NOT NULL,
        PRIMARY KEY (account_id, region, category, attr, value, event_time_ms, seq)
    );
    CREATE INDEX event_resources_seq ON event_resources (seq);
    "#,
];

/// Applies every migration the database has not seen, in one transaction.
pub(crate) async fn migrate(client: &mut Client) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(pg_error)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(pg_error)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .await
    .map_err(pg_error)?;
    let row = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .await
        .map_err(pg_error)?;
    let current: i32 = row.get(0);
    let known = i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX);
    if current > known {
        return Err(StoreError::Backend(format!(
            "the database's schema (version {current}) is newer than this build knows ({known})"
        )));
    }
    for (version, sql) in (1..).zip(MIGRATIONS).skip(current as usize) {
        tx.batch_execute(sql).await.map_err(pg_error)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&version],
        )
        .await
        .map_err(pg_error)?;
        tracing::info!(version, "PostgreSQL schema migrated");
    }
    tx.commit().await.map_err(pg_error)
}
