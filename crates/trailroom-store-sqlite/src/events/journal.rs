//! The event journal (migration 0003): where a call's event is appended on the request path, one
//! row with its attributes as plain columns, no secondary index, and the record already encoded
//! as the indexed log keeps it. The writer later moves the oldest rows into the indexed log in one
//! transaction ([`super::move_to_log`]); until then lookups and delivery read them here. The journal stays small (the writer drains it when idle
//! and whenever it passes [`super::BACKLOG_HIGH`]), so reading it without an index is a short scan.
//!
//! Every position in the journal is greater than every position in the log.

use rusqlite::types::Value;
use rusqlite::{Connection, Row, params};
use trailroom_store::{EventQuery, EventRow, LookupKey, StoreError, StoreResult};

use super::codec;
use crate::backend;

const COLUMNS: &str = "seq, account, region, category, time, name, source, user, key, ro, id, \
                       resources, codec, record";

/// A journal row: the event with its record still encoded (`record_json` empty).
pub(crate) struct Encoded {
    pub event: EventRow,
    pub codec: i64,
    pub record: Vec<u8>,
}

/// Appends `event`; returns its position.
pub(crate) fn append(conn: &Connection, event: &EventRow) -> StoreResult<i64> {
    let resources = serde_json::to_string(&event.resources)
        .map_err(|e| StoreError::Backend(format!("cannot encode resources: {e}")))?;
    let (codec, record) = codec::encode(&event.record_json);
    conn.prepare_cached(
        "INSERT INTO event_journal (account, region, category, time, name, source, user, key, \
         ro, id, resources, codec, record) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )
    .and_then(|mut insert| {
        insert.execute(params![
            event.account_id,
            event.region,
            event.category,
            event.event_time_ms,
            event.event_name,
            event.event_source,
            event.username,
            event.access_key_id,
            event.read_only,
            event.event_id,
            resources,
            codec,
            record,
        ])
    })
    .map_err(backend)?;
    Ok(conn.last_insert_rowid())
}

fn encoded(row: &Row<'_>) -> rusqlite::Result<StoreResult<Encoded>> {
    let resources: String = row.get(11)?;
    let Ok(resources) = serde_json::from_str(&resources) else {
        return Ok(Err(StoreError::Backend("corrupt journal resources".into())));
    };
    let event = EventRow {
        seq: row.get(0)?,
        account_id: row.get(1)?,
        region: row.get(2)?,
        category: row.get(3)?,
        event_time_ms: row.get(4)?,
        event_name: row.get(5)?,
        event_source: row.get(6)?,
        username: row.get(7)?,
        access_key_id: row.get(8)?,
        read_only: row.get(9)?,
        event_id: row.get(10)?,
        resources,
        record_json: String::new(),
    };
    Ok(Ok(Encoded {
        event,
        codec: row.get(12)?,
        record: row.get(13)?,
    }))
}

fn encoded_rows(conn: &Connection, sql: &str, args: &[Value]) -> StoreResult<Vec<Encoded>> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), encoded)
        .map_err(backend)?;
    rows.map(|r| r.map_err(backend).and_then(|e| e)).collect()
}

/// The rows `sql` selects, records decoded.
fn events(conn: &Connection, sql: &str, args: &[Value]) -> StoreResult<Vec<EventRow>> {
    encoded_rows(conn, sql, args)?
        .into_iter()
        .map(|row| {
            let record_json = codec::decode(row.codec, &row.record)?;
            Ok(EventRow {
                record_json,
                ..row.event
            })
        })
        .collect()
}

/// The journal's events matching an Event history query, newest first.
pub(crate) fn lookup(conn: &Connection, query: &EventQuery) -> StoreResult<Vec<EventRow>> {
    let mut args = vec![
        Value::Text(query.account_id.clone()),
        Value::Text(query.region.clone()),
        Value::Text(query.category.clone()),
    ];
    let mut sql = format!(
        "SELECT {COLUMNS} FROM event_journal j WHERE j.account = ?1 AND j.region = ?2 \
         AND j.category = ?3"
    );
    if let Some(key) = &query.key {
        let (condition, value) = condition(key);
        args.push(value);
        sql.push_str(&format!(
            " AND {}",
            condition.replace('?', &format!("?{}", args.len()))
        ));
    }
    sql.push_str(&super::page_sql("j", query, &mut args));
    events(conn, &sql, &args)
}

/// The SQL condition (one `?` for the value) and the value of a lookup attribute.
fn condition(key: &LookupKey) -> (&'static str, Value) {
    let text = |v: &String| Value::Text(v.clone());
    match key {
        LookupKey::EventId(v) => ("j.id = ?", text(v)),
        LookupKey::EventName(v) => ("j.name = ?", text(v)),
        LookupKey::EventSource(v) => ("j.source = ?", text(v)),
        LookupKey::Username(v) => ("j.user = ?", text(v)),
        LookupKey::AccessKeyId(v) => ("j.key = ?", text(v)),
        LookupKey::ReadOnly(v) => ("j.ro = ?", Value::Integer(i64::from(*v))),
        LookupKey::ResourceType(v) => (
            "EXISTS (SELECT 1 FROM json_each(j.resources) r \
             WHERE json_extract(r.value, '$[0]') = ?)",
            text(v),
        ),
        LookupKey::ResourceName(v) => (
            "EXISTS (SELECT 1 FROM json_each(j.resources) r \
             WHERE json_extract(r.value, '$[1]') = ?)",
            text(v),
        ),
    }
}

/// Journal events of `account` (or every account; one region or all) after position `after`, oldest first.
pub(crate) fn after(
    conn: &Connection,
    account: Option<&str>,
    region: Option<&str>,
    after: i64,
    limit: usize,
) -> StoreResult<Vec<EventRow>> {
    events(
        conn,
        &format!(
            "SELECT {COLUMNS} FROM event_journal WHERE seq > ?1 AND (?2 IS NULL OR account = ?2) \
             AND (?3 IS NULL OR region = ?3) ORDER BY seq LIMIT ?4"
        ),
        &[
            Value::Integer(after),
            account.map_or(Value::Null, |a| Value::Text(a.to_owned())),
            region.map_or(Value::Null, |r| Value::Text(r.to_owned())),
            Value::Integer(limit as i64),
        ],
    )
}

/// The oldest `limit` journal events, oldest first, records as stored.
pub(crate) fn oldest(conn: &Connection, limit: usize) -> StoreResult<Vec<Encoded>> {
    encoded_rows(
        conn,
        &format!("SELECT {COLUMNS} FROM event_journal ORDER BY seq LIMIT ?1"),
        &[Value::Integer(limit as i64)],
    )
}

/// Removes the journal's events up to position `last`.
pub(crate) fn remove_through(conn: &Connection, last: i64) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM event_journal WHERE seq <= ?1")
        .and_then(|mut stmt| stmt.execute([last]))
        .map(|_| ())
        .map_err(backend)
}

/// How many events wait in the journal, about (positions between its oldest and newest row; a
/// rolled-back append leaves a gap that is counted). Two seeks to the ends of the rowid B-tree:
/// SQLite answers `min` and `max` from an index only when a query asks for one of them.
pub(crate) fn backlog(conn: &Connection) -> StoreResult<u64> {
    let end = |sql: &str| {
        conn.prepare_cached(sql)
            .and_then(|mut stmt| stmt.query_row([], |r| r.get::<_, Option<i64>>(0)))
            .map_err(backend)
    };
    let oldest = end("SELECT min(seq) FROM event_journal")?;
    let newest = end("SELECT max(seq) FROM event_journal")?;
    Ok(match (oldest, newest) {
        (Some(oldest), Some(newest)) => (newest - oldest + 1).max(0) as u64,
        _ => 0,
    })
}

/// Deletes the journal's oldest events (at most `limit`) recorded before `before_ms`, in position
/// order; returns how many went.
pub(crate) fn prune(conn: &Connection, before_ms: i64, limit: usize) -> StoreResult<usize> {
    conn.prepare_cached(
        "DELETE FROM event_journal WHERE seq IN (SELECT seq FROM (SELECT seq, time FROM \
         event_journal ORDER BY seq LIMIT ?2) WHERE time < ?1)",
    )
    .and_then(|mut stmt| stmt.execute(params![before_ms, limit as i64]))
    .map_err(backend)
}

/// Number of events in the journal.
pub(crate) fn count(conn: &Connection) -> StoreResult<u64> {
    conn.query_row("SELECT count(*) FROM event_journal", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n as u64)
    .map_err(backend)
}
