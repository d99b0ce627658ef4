//! The audit log in PostgreSQL: appending (position, row and resources in one statement), Event
//! history lookups newest first on one index per attribute, following the log by position, and
//! retention.

use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use trailroom_store::{EventQuery, EventRow, LookupKey, StoreResult};

use crate::error::pg_error;
use crate::txn::{PgTxn, limit};

const COLUMNS: &str = "seq, event_id, account_id, region, event_time_ms, event_name, \
    event_source, username, access_key_id, read_only, category, resource_types, resource_names, \
    record_json";

/// Takes the next position (locking the counter until commit), stores the row and its distinct
/// resource types and names; one round trip.
const APPEND: &str = "
    WITH position AS (
        UPDATE event_counter SET last_seq = last_seq + 1, live = live + 1 RETURNING last_seq
    ), stored AS (
        INSERT INTO events (seq, event_id, account_id, region, event_time_ms, event_name,
            event_source, username, access_key_id, read_only, category, resource_types,
            resource_names, record_json)
        SELECT last_seq, $1::text, $2::text, $3::text, $4::bigint, $5::text, $6::text, $7::text,
            $8::text, $9::boolean, $10::text, $11::text[], $12::text[], $13::text
        FROM position
        RETURNING seq
    ), resources AS (
        INSERT INTO event_resources (account_id, region, category, attr, value, event_time_ms, seq)
        SELECT DISTINCT $2, $3, $10, r.attr, r.value, $4, stored.seq
        FROM stored, (
            SELECT 'T'::\"char\" AS attr, unnest($11) AS value
            UNION ALL SELECT 'N'::\"char\", unnest($12)
        ) AS r
    )
    SELECT seq FROM stored";

/// Appends `event`; returns its position.
pub(crate) fn append(txn: &PgTxn<'_>, event: &EventRow) -> StoreResult<i64> {
    let (types, names): (Vec<&str>, Vec<&str>) = event
        .resources
        .iter()
        .map(|(t, n)| (t.as_str(), n.as_str()))
        .unzip();
    let rows = txn.query(
        APPEND,
        &[
            &event.event_id,
            &event.account_id,
            &event.region,
            &event.event_time_ms,
            &event.event_name,
            &event.event_source,
            &event.username,
            &event.access_key_id,
            &event.read_only,
            &event.category,
            &types,
            &names,
            &event.record_json,
        ],
    )?;
    rows.first()
        .map(|row| row.try_get(0).map_err(pg_error))
        .unwrap_or_else(|| Err(trailroom_store::StoreError::Backend("no position".into())))
}

/// The stream, time bounds and cursor of a lookup, as conditions on `events` ($1–$7).
const WINDOW: &str = "account_id = $1 AND region = $2 AND category = $3 \
    AND event_time_ms BETWEEN $4 AND $5 AND (event_time_ms, seq) < ($6, $7)";

/// [`WINDOW`] on `event_resources r`.
const RESOURCE_WINDOW: &str = "r.account_id = $1 AND r.region = $2 AND r.category = $3 \
    AND r.event_time_ms BETWEEN $4 AND $5 AND (r.event_time_ms, r.seq) < ($6, $7)";

/// A parameter of a statement.
type Param<'a> = &'a (dyn ToSql + Sync);

/// Event history: newest first, within the query's time bounds, before its cursor.
pub(crate) fn lookup(txn: &PgTxn<'_>, query: &EventQuery) -> StoreResult<Vec<EventRow>> {
    let (before_time, before_seq) = query.before.unwrap_or((i64::MAX, i64::MAX));
    let count = limit(query.limit);
    let mut params: Vec<Param<'_>> = vec![
        &query.account_id,
        &query.region,
        &query.category,
        &query.start_ms,
        &query.end_ms,
        &before_time,
        &before_seq,
        &count,
    ];
    let (column, value): (&str, Param<'_>) = match &query.key {
        None => {
            let sql = format!(
                "SELECT {COLUMNS} FROM events WHERE {WINDOW} \
                 ORDER BY event_time_ms DESC, seq DESC LIMIT $8"
            );
            return rows(txn.query(&sql, &params)?);
        }
        Some(LookupKey::EventId(v)) => ("event_id", v),
        Some(LookupKey::EventName(v)) => ("event_name", v),
        Some(LookupKey::EventSource(v)) => ("event_source", v),
        Some(LookupKey::Username(v)) => ("username", v),
        Some(LookupKey::AccessKeyId(v)) => ("access_key_id", v),
        Some(LookupKey::ReadOnly(v)) => ("read_only", v),
        Some(LookupKey::ResourceType(v)) => return by_resource(txn, params, TYPE, v),
        Some(LookupKey::ResourceName(v)) => return by_resource(txn, params, NAME, v),
    };
    params.push(value);
    // An event id names one event: sorted as expressions, so that the planner reads its index
    // instead of walking the stream's newest-first index and filtering (it rates both alike).
    let order = match column {
        "event_id" => "event_time_ms + 0 DESC, seq + 0 DESC",
        _ => "event_time_ms DESC, seq DESC",
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM events WHERE {WINDOW} AND {column} = $9 ORDER BY {order} LIMIT $8"
    );
    rows(txn.query(&sql, &params)?)
}

/// `event_resources.attr` of a resource type, and of a resource name.
const TYPE: i8 = b'T' as i8;
const NAME: i8 = b'N' as i8;

/// A lookup by resource type or name: walks the resources' index newest first.
fn by_resource<'a>(
    txn: &PgTxn<'_>,
    params: Vec<Param<'a>>,
    attr: i8,
    value: &'a String,
) -> StoreResult<Vec<EventRow>> {
    let mut params: Vec<Param<'_>> = params;
    params.push(&attr);
    params.push(value);
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("e.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns} FROM event_resources r JOIN events e ON e.seq = r.seq \
         WHERE {RESOURCE_WINDOW} AND r.attr = $9 AND r.value = $10 \
         ORDER BY r.event_time_ms DESC, r.seq DESC LIMIT $8"
    );
    rows(txn.query(&sql, &params)?)
}

/// Events of `account` (one region or all) after position `after_seq`, oldest first.
pub(crate) fn after(
    txn: &PgTxn<'_>,
    account: &str,
    region: Option<&str>,
    after_seq: i64,
    count: usize,
) -> StoreResult<Vec<EventRow>> {
    let count = limit(count);
    let found = match region {
        None => txn.query(
            &format!(
                "SELECT {COLUMNS} FROM events WHERE account_id = $1 AND seq > $2 \
                 ORDER BY seq LIMIT $3"
            ),
            &[&account, &after_seq, &count],
        )?,
        Some(region) => txn.query(
            &format!(
                "SELECT {COLUMNS} FROM events WHERE account_id = $1 AND region = $2 \
                 AND seq > $3 ORDER BY seq LIMIT $4"
            ),
            &[&account, &region, &after_seq, &count],
        )?,
    };
    rows(found)
}

/// Events of every account after position `after_seq`, oldest first.
pub(crate) fn log_after(
    txn: &PgTxn<'_>,
    after_seq: i64,
    count: usize,
) -> StoreResult<Vec<EventRow>> {
    rows(txn.query(
        &format!("SELECT {COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2"),
        &[&after_seq, &limit(count)],
    )?)
}

/// Deletes the events at `seqs` with their resources; returns how many there were.
pub(crate) fn remove(txn: &PgTxn<'_>, seqs: &[i64]) -> StoreResult<usize> {
    let rows = txn.query(
        "WITH gone AS (
             DELETE FROM events WHERE seq = ANY($1) RETURNING seq
         ), resources AS (
             DELETE FROM event_resources r USING gone g WHERE r.seq = g.seq
         ), counted AS (
             UPDATE event_counter SET live = live - (SELECT count(*) FROM gone)
         )
         SELECT count(*) FROM gone",
        &[&seqs],
    )?;
    let removed: i64 = first(&rows)?;
    Ok(usize::try_from(removed).unwrap_or(0))
}

/// How many events are stored.
pub(crate) fn count(txn: &PgTxn<'_>) -> StoreResult<u64> {
    let rows = txn.query("SELECT live FROM event_counter", &[])?;
    let live: i64 = first(&rows)?;
    Ok(u64::try_from(live).unwrap_or(0))
}

/// The last position handed out (committed, or this transaction's own).
pub(crate) fn last_seq(txn: &PgTxn<'_>) -> StoreResult<i64> {
    let rows = txn.query("SELECT last_seq FROM event_counter", &[])?;
    first(&rows)
}

/// Deletes at most `count` events older than `before_ms`, oldest first, with their resources.
pub(crate) fn prune(txn: &PgTxn<'_>, before_ms: i64, count: usize) -> StoreResult<usize> {
    let rows = txn.query(
        "WITH doomed AS (
             SELECT seq FROM events WHERE event_time_ms < $1 ORDER BY event_time_ms LIMIT $2
         ), gone AS (
             DELETE FROM events e USING doomed d WHERE e.seq = d.seq RETURNING e.seq
         ), resources AS (
             DELETE FROM event_resources r USING gone g WHERE r.seq = g.seq
         ), counted AS (
             UPDATE event_counter SET live = live - (SELECT count(*) FROM gone)
         )
         SELECT count(*) FROM gone",
        &[&before_ms, &limit(count)],
    )?;
    let pruned: i64 = first(&rows)?;
    Ok(usize::try_from(pruned).unwrap_or(0))
}

fn first<T: for<'r> tokio_postgres::types::FromSql<'r>>(rows: &[Row]) -> StoreResult<T> {
    let row = rows
        .first()
        .ok_or_else(|| trailroom_store::StoreError::Backend("no row".into()))?;
    row.try_get(0).map_err(pg_error)
}

fn rows(rows: Vec<Row>) -> StoreResult<Vec<EventRow>> {
    rows.iter().map(event_from_row).collect()
}

fn event_from_row(row: &Row) -> StoreResult<EventRow> {
    let types: Vec<String> = row.try_get(11).map_err(pg_error)?;
    let names: Vec<String> = row.try_get(12).map_err(pg_error)?;
    Ok(EventRow {
        seq: row.try_get(0).map_err(pg_error)?,
        event_id: row.try_get(1).map_err(pg_error)?,
        account_id: row.try_get(2).map_err(pg_error)?,
        region: row.try_get(3).map_err(pg_error)?,
        event_time_ms: row.try_get(4).map_err(pg_error)?,
        event_name: row.try_get(5).map_err(pg_error)?,
        event_source: row.try_get(6).map_err(pg_error)?,
        username: row.try_get(7).map_err(pg_error)?,
        access_key_id: row.try_get(8).map_err(pg_error)?,
        read_only: row.try_get(9).map_err(pg_error)?,
        category: row.try_get(10).map_err(pg_error)?,
        resources: types.into_iter().zip(names).collect(),
        record_json: row.try_get(13).map_err(pg_error)?,
    })
}
