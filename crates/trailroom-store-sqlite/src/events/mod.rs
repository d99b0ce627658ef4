//! The audit log in SQLite: appending events, Event history lookups, following the log for
//! delivery, pruning, and moving rows of older schemas into the current one.
//!
//! Two tables hold events. A call appends its event to the [`journal`] (migration 0003): one row,
//! no secondary index, the record compressed against a trained dictionary ([`codec`]). The writer
//! moves the journal's oldest rows into the compact `event_log` in batches ([`move_to_log`]), off
//! the request path, copying the compressed record: there, rows hold numbers for every repeated
//! string ([`terms`]) and the event id as 16 bytes; `event_log_resources` holds each event's resources;
//! every lookup attribute has an index of (stream, attribute, time), the row's seq implied, so a
//! lookup walks one index newest first and stops at its limit. Reads see both tables in one
//! snapshot, so an event is found as soon as its call's commit is.

mod codec;
mod journal;
mod terms;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};
use trailroom_store::{EventQuery, EventRow, LookupKey, StoreResult};

use crate::backend;
use terms::{Interner, Resolver, stream_id, term_id};

/// Journal size (events) past which the writer moves a chunk between every two batches, even
/// while calls wait: lookups scan the journal without an index, so it must stay small.
pub(crate) const BACKLOG_HIGH: u64 = 2048;
/// Journal size from which the writer moves a chunk as soon as no call waits; a smaller journal
/// waits a moment for more events, so that moving shares its transaction among many.
pub(crate) const BACKLOG_LOW: u64 = 256;
/// Events moved per transaction (a few milliseconds of work: what a waiting call may be held).
pub(crate) const MOVE_CHUNK: usize = 256;

const COLUMNS: &str =
    "e.seq, e.stream, e.time, e.name, e.source, e.user, e.key, e.ro, e.id, e.codec, e.record";

/// A row as stored, before its numbers are resolved.
struct Stored {
    seq: i64,
    stream: i64,
    time: i64,
    name: i64,
    source: i64,
    user: Option<i64>,
    key: Option<i64>,
    read_only: bool,
    id: StoreResult<String>,
    codec: i64,
    record: Vec<u8>,
}

fn stored(row: &Row<'_>) -> rusqlite::Result<Stored> {
    Ok(Stored {
        seq: row.get(0)?,
        stream: row.get(1)?,
        time: row.get(2)?,
        name: row.get(3)?,
        source: row.get(4)?,
        user: row.get(5)?,
        key: row.get(6)?,
        read_only: row.get(7)?,
        id: codec::id_text(row.get_ref(8)?),
        codec: row.get(9)?,
        record: row.get(10)?,
    })
}

/// Appends `event` to the journal; returns its position.
pub(crate) fn append(conn: &Connection, event: &EventRow) -> StoreResult<i64> {
    journal::append(conn, event)
}

/// How many events wait in the journal (about; see [`journal::backlog`]).
pub(crate) fn backlog(conn: &Connection) -> StoreResult<u64> {
    journal::backlog(conn)
}

/// Moves the journal's oldest `limit` events into the indexed log, keeping their positions;
/// returns how many moved. Runs inside the caller's transaction.
pub(crate) fn move_to_log(conn: &Connection, limit: usize) -> StoreResult<usize> {
    let rows = journal::oldest(conn, limit)?;
    let Some(last) = rows.last().map(|row| row.event.seq) else {
        return Ok(0);
    };
    let mut interner = Interner::new(conn);
    for row in &rows {
        write_to_log(conn, &mut interner, &row.event, (row.codec, &row.record))?;
    }
    journal::remove_through(conn, last)?;
    Ok(rows.len())
}

/// Writes `event` with its encoded record `(codec, bytes)` into the indexed log at its own
/// position `event.seq` (its `record_json` is not read).
fn write_to_log(
    conn: &Connection,
    terms: &mut Interner<'_>,
    event: &EventRow,
    (codec, record): (i64, &[u8]),
) -> StoreResult<()> {
    let stream = terms.stream(&event.account_id, &event.region, &event.category)?;
    let user = event
        .username
        .as_deref()
        .map(|t| terms.term(t))
        .transpose()?;
    let key = event
        .access_key_id
        .as_deref()
        .map(|t| terms.term(t))
        .transpose()?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO event_log (seq, stream, time, name, source, user, key, ro, id, codec, \
             record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .map_err(backend)?;
    insert
        .execute(params![
            event.seq,
            stream,
            event.event_time_ms,
            terms.term(&event.event_name)?,
            terms.term(&event.event_source)?,
            user,
            key,
            event.read_only,
            codec::id_value(&event.event_id),
            codec,
            record,
        ])
        .map_err(backend)?;
    let mut resource = conn
        .prepare_cached(
            "INSERT INTO event_log_resources (seq, stream, time, type, name) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(backend)?;
    for (kind, name) in &event.resources {
        resource
            .execute(params![
                event.seq,
                stream,
                event.event_time_ms,
                terms.term(kind)?,
                terms.term(name)?
            ])
            .map_err(backend)?;
    }
    Ok(())
}

/// Event history: the events of one stream matching the query, newest first, from the journal
/// and the indexed log.
pub(crate) fn lookup(conn: &Connection, query: &EventQuery) -> StoreResult<Vec<EventRow>> {
    let recent = journal::lookup(conn, query)?;
    let indexed = lookup_indexed(conn, query)?;
    Ok(merge_newest_first(recent, indexed, query.limit))
}

/// Two lists, each newest first by (time, position), as one newest-first list of at most
/// `limit`.
fn merge_newest_first(a: Vec<EventRow>, b: Vec<EventRow>, limit: usize) -> Vec<EventRow> {
    if b.is_empty() {
        return a;
    }
    if a.is_empty() {
        return b;
    }
    let mut merged = Vec::with_capacity(limit.min(a.len() + b.len()));
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    while merged.len() < limit {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => (x.event_time_ms, x.seq) > (y.event_time_ms, y.seq),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        merged.extend(if take_a { a.next() } else { b.next() });
    }
    merged
}

/// The indexed log's events of one stream matching the query, newest first.
fn lookup_indexed(conn: &Connection, query: &EventQuery) -> StoreResult<Vec<EventRow>> {
    let Some(stream) = stream_id(
        conn,
        &query.account_id,
        &query.region,
        &query.category,
        false,
    )?
    else {
        return Ok(Vec::new());
    };
    let Some(filter) = Filter::of(conn, &query.key)? else {
        return Ok(Vec::new());
    };
    let (sql, args) = lookup_sql(stream, &filter, query);
    let rows = query_rows(conn, &sql, &args)?;
    resolve(conn, rows, ResourceFetch::PerRow)
}

/// What a lookup filters on, with the value as stored.
struct Filter {
    /// The column is one of `event_log_resources` (else of `event_log`).
    on_resources: bool,
    /// The column, when the lookup has an attribute.
    column: Option<&'static str>,
    value: Value,
}

impl Filter {
    /// The filter of `key`; `None` when its value was never stored (nothing can match).
    fn of(conn: &Connection, key: &Option<LookupKey>) -> StoreResult<Option<Self>> {
        let events = |column, value| Filter {
            on_resources: false,
            column: Some(column),
            value,
        };
        let resources = |column, value| Filter {
            on_resources: true,
            column: Some(column),
            value,
        };
        let term = |text: &str| term_id(conn, text, false);
        Ok(match key {
            None => Some(Filter {
                on_resources: false,
                column: None,
                value: Value::Null,
            }),
            Some(LookupKey::EventId(v)) => Some(events("id", codec::id_value(v))),
            Some(LookupKey::ReadOnly(v)) => Some(events("ro", Value::Integer(i64::from(*v)))),
            Some(LookupKey::EventName(v)) => term(v)?.map(|id| events("name", id.into())),
            Some(LookupKey::EventSource(v)) => term(v)?.map(|id| events("source", id.into())),
            Some(LookupKey::Username(v)) => term(v)?.map(|id| events("user", id.into())),
            Some(LookupKey::AccessKeyId(v)) => term(v)?.map(|id| events("key", id.into())),
            Some(LookupKey::ResourceType(v)) => term(v)?.map(|id| resources("type", id.into())),
            Some(LookupKey::ResourceName(v)) => term(v)?.map(|id| resources("name", id.into())),
        })
    }
}

/// The SQL of a lookup: one index walked newest first on (time, seq), stopping at the limit.
fn lookup_sql(stream: i64, filter: &Filter, query: &EventQuery) -> (String, Vec<Value>) {
    let on_events = !filter.on_resources;
    let alias = if on_events { "e" } else { "f" };
    let mut sql = match (on_events, filter.column) {
        // Without statistics SQLite would walk the time index for an EventId lookup.
        (true, Some("id")) => {
            format!("SELECT {COLUMNS} FROM event_log e INDEXED BY event_log_by_id")
        }
        (true, _) => format!("SELECT {COLUMNS} FROM event_log e"),
        (false, _) => format!(
            "SELECT DISTINCT {COLUMNS} FROM event_log_resources f JOIN event_log e ON e.seq = f.seq"
        ),
    };
    let mut args = vec![Value::Integer(stream)];
    sql.push_str(&format!(" WHERE {alias}.stream = ?1"));
    if let Some(column) = filter.column {
        args.push(filter.value.clone());
        sql.push_str(&format!(" AND {alias}.{column} = ?{}", args.len()));
    }
    sql.push_str(&page_sql(alias, query, &mut args));
    (sql, args)
}

/// The end of a lookup's SQL on table alias `alias`: the time window, the page cursor, newest
/// first by (time, position), the limit; binds its values after `args`. The plain bound on time
/// lets an index seek; the rest skips the previous page's last instant.
pub(super) fn page_sql(alias: &str, query: &EventQuery, args: &mut Vec<Value>) -> String {
    args.push(Value::Integer(query.start_ms));
    args.push(Value::Integer(query.end_ms));
    let mut sql = format!(
        " AND {alias}.time BETWEEN ?{} AND ?{}",
        args.len() - 1,
        args.len()
    );
    if let Some((time, seq)) = query.before {
        args.push(Value::Integer(time));
        args.push(Value::Integer(seq));
        let (t, s) = (args.len() - 1, args.len());
        sql.push_str(&format!(
            " AND {alias}.time <= ?{t} AND ({alias}.time < ?{t} OR {alias}.seq < ?{s})"
        ));
    }
    args.push(Value::Integer(query.limit as i64));
    sql.push_str(&format!(
        " ORDER BY {alias}.time DESC, {alias}.seq DESC LIMIT ?{}",
        args.len()
    ));
    sql
}

/// Events of `account` (one region or all) after position `after`, oldest first: the indexed
/// log's, then (every journal position being greater) the journal's.
pub(crate) fn after(
    conn: &Connection,
    account: Option<&str>,
    region: Option<&str>,
    after: i64,
    limit: usize,
) -> StoreResult<Vec<EventRow>> {
    let mut events = after_indexed(conn, account, region, after, limit)?;
    if events.len() < limit {
        let from = events.last().map_or(after, |e| e.seq);
        events.extend(journal::after(
            conn,
            account,
            region,
            from,
            limit - events.len(),
        )?);
    }
    Ok(events)
}

fn after_indexed(
    conn: &Connection,
    account: Option<&str>,
    region: Option<&str>,
    after: i64,
    limit: usize,
) -> StoreResult<Vec<EventRow>> {
    // NOT INDEXED: the rows in position order, stopping at the limit; through an index on
    // stream SQLite would sort every event of the account first.
    let sql = format!(
        "SELECT {COLUMNS} FROM event_log e NOT INDEXED WHERE e.seq > ?1 AND e.stream IN \
         (SELECT id FROM event_streams WHERE (?2 IS NULL OR account = ?2) \
         AND (?3 IS NULL OR region = ?3)) ORDER BY e.seq LIMIT ?4"
    );
    let args = [
        Value::Integer(after),
        account.map_or(Value::Null, |a| Value::Text(a.to_owned())),
        region.map_or(Value::Null, |r| Value::Text(r.to_owned())),
        Value::Integer(limit as i64),
    ];
    let rows = query_rows(conn, &sql, &args)?;
    resolve(conn, rows, ResourceFetch::Range)
}

fn query_rows(conn: &Connection, sql: &str, args: &[Value]) -> StoreResult<Vec<Stored>> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), stored)
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

/// How the resources of a set of rows are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ResourceFetch {
    /// One query per row (rows scattered over the log).
    PerRow,
    /// One query for the range the rows span (consecutive rows).
    Range,
}

/// Turns stored rows into events: strings resolved, records inflated, resources attached.
fn resolve(
    conn: &Connection,
    rows: Vec<Stored>,
    fetch: ResourceFetch,
) -> StoreResult<Vec<EventRow>> {
    let mut resolver = Resolver::new(conn);
    let mut resources = match (fetch, rows.first(), rows.last()) {
        (ResourceFetch::Range, Some(first), Some(last)) => {
            resources_between(conn, &mut resolver, first.seq, last.seq)?
        }
        _ => Vec::new(),
    }
    .into_iter()
    .peekable();
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        let stream = resolver.stream(row.stream)?;
        let mut event = EventRow {
            seq: row.seq,
            event_id: row.id?,
            account_id: stream.account,
            region: stream.region,
            event_time_ms: row.time,
            event_name: resolver.term(row.name)?,
            event_source: resolver.term(row.source)?,
            username: resolver.maybe_term(row.user)?,
            access_key_id: resolver.maybe_term(row.key)?,
            read_only: row.read_only,
            category: stream.category,
            resources: Vec::new(),
            record_json: codec::decode(row.codec, &row.record)?,
        };
        match fetch {
            ResourceFetch::PerRow => {
                event.resources = resources_between(conn, &mut resolver, row.seq, row.seq)?
                    .into_iter()
                    .map(|(_, r)| r)
                    .collect();
            }
            ResourceFetch::Range => {
                while resources.peek().is_some_and(|(seq, _)| *seq < row.seq) {
                    resources.next();
                }
                while let Some((_, r)) = resources.next_if(|(seq, _)| *seq == row.seq) {
                    event.resources.push(r);
                }
            }
        }
        events.push(event);
    }
    Ok(events)
}

/// The resources of events `first..=last`, by seq then in the order they were recorded.
fn resources_between(
    conn: &Connection,
    resolver: &mut Resolver<'_>,
    first: i64,
    last: i64,
) -> StoreResult<Vec<(i64, (String, String))>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT seq, type, name FROM event_log_resources WHERE seq BETWEEN ?1 AND ?2 \
             ORDER BY seq, rowid",
        )
        .map_err(backend)?;
    let rows: Vec<(i64, i64, i64)> = stmt
        .query_map([first, last], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(backend)?
        .collect::<rusqlite::Result<_>>()
        .map_err(backend)?;
    rows.into_iter()
        .map(|(seq, kind, name)| Ok((seq, (resolver.term(kind)?, resolver.term(name)?))))
        .collect()
}

/// Deletes up to `limit` of the oldest events recorded before `before_ms`. The oldest positions
/// are read in order (positions follow time), so no index on time alone is needed.
pub(crate) fn prune(conn: &Connection, before_ms: i64, limit: usize) -> StoreResult<usize> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT seq FROM (SELECT seq, time FROM event_log ORDER BY seq LIMIT ?2) \
             WHERE time < ?1",
        )
        .map_err(backend)?;
    let seqs: Vec<i64> = stmt
        .query_map(params![before_ms, limit as i64], |r| r.get(0))
        .map_err(backend)?
        .collect::<rusqlite::Result<_>>()
        .map_err(backend)?;
    for seq in &seqs {
        delete_indexed(conn, *seq)?;
    }
    // The journal's positions come after the log's: only once the log has nothing older left.
    if seqs.len() < limit {
        return Ok(seqs.len() + journal::prune(conn, before_ms, limit - seqs.len())?);
    }
    Ok(seqs.len())
}

/// Deletes the events at `seqs` (indexed or still in the journal); returns how many there were.
pub(crate) fn remove(conn: &Connection, seqs: &[i64]) -> StoreResult<usize> {
    let mut delete_journaled = conn
        .prepare_cached("DELETE FROM event_journal WHERE seq = ?1")
        .map_err(backend)?;
    let mut removed = 0;
    for seq in seqs {
        removed +=
            delete_indexed(conn, *seq)? + delete_journaled.execute([seq]).map_err(backend)?;
    }
    Ok(removed)
}

/// Deletes the indexed event at `seq` with its resources; returns whether it was there (0 or 1).
fn delete_indexed(conn: &Connection, seq: i64) -> StoreResult<usize> {
    let deleted = conn
        .prepare_cached("DELETE FROM event_log WHERE seq = ?1")
        .and_then(|mut stmt| stmt.execute([seq]))
        .map_err(backend)?;
    if deleted > 0 {
        conn.prepare_cached("DELETE FROM event_log_resources WHERE seq = ?1")
            .and_then(|mut stmt| stmt.execute([seq]))
            .map_err(backend)?;
    }
    Ok(deleted)
}

/// Number of stored events.
pub(crate) fn count(conn: &Connection) -> StoreResult<u64> {
    let indexed = conn
        .query_row("SELECT count(*) FROM event_log", [], |r| r.get::<_, i64>(0))
        .map_err(backend)?;
    Ok(indexed as u64 + journal::count(conn)?)
}

/// The newest position ever given (0 before the first event): later events come after it.
pub(crate) fn last_seq(conn: &Connection) -> StoreResult<i64> {
    conn.query_row(
        "SELECT max(seq) FROM sqlite_sequence WHERE name IN ('event_log', 'event_journal')",
        [],
        |r| r.get::<_, Option<i64>>(0),
    )
    .optional()
    .map(|seq| seq.flatten().unwrap_or_default())
    .map_err(backend)
}

/// Moves the rows of the first schema's `events` and `event_resources` into the compact tables,
/// keeping their positions, then drops the old tables.
pub(crate) fn copy_legacy(conn: &Connection) -> StoreResult<()> {
    let mut rows = conn
        .prepare(
            "SELECT seq, event_id, account_id, region, event_time_ms, event_name, event_source, \
             username, access_key_id, read_only, category, record FROM events ORDER BY seq",
        )
        .map_err(backend)?;
    let events = rows
        .query_map([], |r| {
            Ok(EventRow {
                seq: r.get(0)?,
                event_id: r.get(1)?,
                account_id: r.get(2)?,
                region: r.get(3)?,
                event_time_ms: r.get(4)?,
                event_name: r.get(5)?,
                event_source: r.get(6)?,
                username: r.get(7)?,
                access_key_id: r.get(8)?,
                read_only: r.get(9)?,
                category: r.get(10)?,
                resources: Vec::new(),
                record_json: r.get(11)?,
            })
        })
        .map_err(backend)?;
    let mut resources = conn
        .prepare(
            "SELECT resource_type, resource_name FROM event_resources WHERE seq = ?1 ORDER BY rowid",
        )
        .map_err(backend)?;
    let mut interner = Interner::new(conn);
    for event in events {
        let mut event = event.map_err(backend)?;
        event.resources = resources
            .query_map([event.seq], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(backend)?
            .collect::<rusqlite::Result<_>>()
            .map_err(backend)?;
        let (codec, record) = codec::encode(&event.record_json);
        write_to_log(conn, &mut interner, &event, (codec, &record))?;
    }
    conn.execute_batch("DROP TABLE event_resources; DROP TABLE events;")
        .map_err(backend)
}
