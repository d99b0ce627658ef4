//! [`ReadTxn`]/[`WriteTxn`] on an SQLite connection, with nested units as savepoints.

use rusqlite::{Connection, OptionalExtension, Row, params};
use trailroom_store::{
    Doc, EventQuery, EventRow, LookupKey, ReadTxn, StoreError, StoreResult, WriteTxn,
};

use crate::backend;

/// A view of the database through one connection.
pub(crate) struct SqliteTxn<'c> {
    conn: &'c Connection,
    /// Open savepoints; 0 outside any nested unit.
    depth: usize,
}

impl<'c> SqliteTxn<'c> {
    pub(crate) fn reader(conn: &'c Connection) -> Self {
        Self { conn, depth: 0 }
    }

    pub(crate) fn writer(conn: &'c Connection) -> Self {
        Self { conn, depth: 0 }
    }

    /// Rolls back any savepoint a job left open.
    pub(crate) fn unwind_open_savepoints(&mut self) {
        while self.depth > 0 {
            if self.rollback_nested().is_err() {
                break;
            }
        }
    }

    fn docs(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> StoreResult<Vec<Doc>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(backend)?;
        let rows = stmt.query_map(args, doc_from_row).map_err(backend)?;
        rows.map(|r| r.map_err(backend).and_then(|d| d)).collect()
    }

    fn one_doc(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> StoreResult<Option<Doc>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(backend)?;
        let found = stmt
            .query_row(args, doc_from_row)
            .optional()
            .map_err(backend)?;
        found.transpose()
    }

    fn resources_of(&self, seq: i64) -> StoreResult<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT resource_type, resource_name FROM event_resources WHERE seq = ?1 \
                 ORDER BY rowid",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map([seq], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(backend)?;
        rows.map(|r| r.map_err(backend)).collect()
    }
}

const DOC_COLUMNS: &str = "account, kind, id, name, parent, body";

fn doc_from_row(row: &Row<'_>) -> rusqlite::Result<StoreResult<Doc>> {
    let body: String = row.get(5)?;
    let doc = serde_json::from_str(&body)
        .map_err(|e| StoreError::Backend(format!("corrupt document body: {e}")))
        .map(|body| Doc {
            account: row.get(0).unwrap_or_default(),
            kind: row.get(1).unwrap_or_default(),
            id: row.get(2).unwrap_or_default(),
            name: row.get(3).unwrap_or_default(),
            parent: row.get(4).unwrap_or_default(),
            body,
        });
    Ok(doc)
}

const EVENT_COLUMNS: &str = "e.seq, e.event_id, e.account_id, e.region, e.event_time_ms, \
    e.event_name, e.event_source, e.username, e.access_key_id, e.read_only, e.category, e.record";

fn event_from_row(row: &Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        seq: row.get(0)?,
        event_id: row.get(1)?,
        account_id: row.get(2)?,
        region: row.get(3)?,
        event_time_ms: row.get(4)?,
        event_name: row.get(5)?,
        event_source: row.get(6)?,
        username: row.get(7)?,
        access_key_id: row.get(8)?,
        read_only: row.get(9)?,
        category: row.get(10)?,
        resources: Vec::new(),
        record_json: row.get(11)?,
    })
}

/// The table, filter column and value an event lookup uses.
fn lookup_filter(
    key: &Option<LookupKey>,
) -> (&'static str, Option<&'static str>, rusqlite::types::Value) {
    use rusqlite::types::Value;
    match key {
        None => ("events", None, Value::Null),
        Some(LookupKey::EventId(v)) => ("events", Some("event_id"), Value::Text(v.clone())),
        Some(LookupKey::EventName(v)) => ("events", Some("event_name"), Value::Text(v.clone())),
        Some(LookupKey::EventSource(v)) => ("events", Some("event_source"), Value::Text(v.clone())),
        Some(LookupKey::Username(v)) => ("events", Some("username"), Value::Text(v.clone())),
        Some(LookupKey::AccessKeyId(v)) => {
            ("events", Some("access_key_id"), Value::Text(v.clone()))
        }
        Some(LookupKey::ReadOnly(v)) => ("events", Some("read_only"), Value::Integer(*v as i64)),
        Some(LookupKey::ResourceType(v)) => (
            "event_resources",
            Some("resource_type"),
            Value::Text(v.clone()),
        ),
        Some(LookupKey::ResourceName(v)) => (
            "event_resources",
            Some("resource_name"),
            Value::Text(v.clone()),
        ),
    }
}

/// Builds the SQL of an event lookup: newest first on (time, seq), filtered on one column.
fn lookup_sql(query: &EventQuery) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let (table, column, value) = lookup_filter(&query.key);
    let mut sql = if table == "events" {
        // Without statistics SQLite prefers the time index for an EventId lookup and scans every
        // event of the region (seconds at 1M events); the id index finds the one row directly.
        let index = match query.key {
            Some(LookupKey::EventId(_)) => " INDEXED BY events_by_id",
            _ => "",
        };
        format!(
            "SELECT {EVENT_COLUMNS} FROM events e{index} WHERE e.account_id = ?1 AND e.region = ?2"
        )
    } else {
        format!(
            "SELECT DISTINCT {EVENT_COLUMNS} FROM event_resources f JOIN events e ON e.seq = f.seq \
             WHERE f.account_id = ?1 AND f.region = ?2"
        )
    };
    let alias = if table == "events" { "e" } else { "f" };
    let mut args = vec![
        Value::Text(query.account_id.clone()),
        Value::Text(query.region.clone()),
    ];
    if let Some(column) = column {
        args.push(value);
        sql.push_str(&format!(" AND {alias}.{column} = ?{}", args.len()));
    }
    args.push(Value::Text(query.category.clone()));
    sql.push_str(&format!(" AND e.category = ?{}", args.len()));
    args.push(Value::Integer(query.start_ms));
    args.push(Value::Integer(query.end_ms));
    sql.push_str(&format!(
        " AND {alias}.event_time_ms BETWEEN ?{} AND ?{}",
        args.len() - 1,
        args.len()
    ));
    if let Some((time, seq)) = query.before {
        args.push(Value::Integer(time));
        args.push(Value::Integer(seq));
        sql.push_str(&format!(
            " AND ({alias}.event_time_ms, {alias}.seq) < (?{}, ?{})",
            args.len() - 1,
            args.len()
        ));
    }
    args.push(Value::Integer(query.limit as i64));
    // Ordering by the filtered table's own columns (equal to the event's) lets SQLite walk the
    // index newest first and stop at the limit; ordering by `e.` sorted every matching resource
    // row first (25 s for ResourceType at 1M events).
    sql.push_str(&format!(
        " ORDER BY {alias}.event_time_ms DESC, {alias}.seq DESC LIMIT ?{}",
        args.len()
    ));
    (sql, args)
}

impl ReadTxn for SqliteTxn<'_> {
    fn get(&self, account: &str, kind: &str, id: &str) -> StoreResult<Option<Doc>> {
        self.one_doc(
            &format!("SELECT {DOC_COLUMNS} FROM docs WHERE account = ?1 AND kind = ?2 AND id = ?3"),
            &[&account, &kind, &id],
        )
    }

    fn get_by_name(&self, account: &str, kind: &str, name: &str) -> StoreResult<Option<Doc>> {
        self.one_doc(
            &format!(
                "SELECT {DOC_COLUMNS} FROM docs WHERE account = ?1 AND kind = ?2 AND name = ?3"
            ),
            &[&account, &kind, &name],
        )
    }

    fn find_by_id(&self, kind: &str, id: &str) -> StoreResult<Option<Doc>> {
        self.one_doc(
            &format!("SELECT {DOC_COLUMNS} FROM docs WHERE kind = ?1 AND id = ?2 LIMIT 1"),
            &[&kind, &id],
        )
    }

    fn list_kind(&self, kind: &str) -> StoreResult<Vec<Doc>> {
        self.docs(
            &format!("SELECT {DOC_COLUMNS} FROM docs WHERE kind = ?1 ORDER BY account, id"),
            &[&kind],
        )
    }

    fn list(&self, account: &str, kind: &str) -> StoreResult<Vec<Doc>> {
        self.docs(
            &format!("SELECT {DOC_COLUMNS} FROM docs WHERE account = ?1 AND kind = ?2 ORDER BY id"),
            &[&account, &kind],
        )
    }

    fn list_children(&self, account: &str, kind: &str, parent: &str) -> StoreResult<Vec<Doc>> {
        self.docs(
            &format!(
                "SELECT {DOC_COLUMNS} FROM docs WHERE account = ?1 AND kind = ?2 AND parent = ?3 \
                 ORDER BY id"
            ),
            &[&account, &kind, &parent],
        )
    }

    fn list_children_after(
        &self,
        account: &str,
        kind: &str,
        parent: &str,
        after: &str,
        limit: usize,
    ) -> StoreResult<Vec<Doc>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.docs(
            &format!(
                "SELECT {DOC_COLUMNS} FROM docs WHERE account = ?1 AND kind = ?2 AND parent = ?3 \
                 AND id > ?4 ORDER BY id LIMIT ?5"
            ),
            &[&account, &kind, &parent, &after, &limit],
        )
    }

    fn lookup_events(&self, query: &EventQuery) -> StoreResult<Vec<EventRow>> {
        let (sql, args) = lookup_sql(query);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(backend)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), event_from_row)
            .map_err(backend)?;
        let mut events: Vec<EventRow> = rows.collect::<rusqlite::Result<_>>().map_err(backend)?;
        for event in &mut events {
            event.resources = self.resources_of(event.seq)?;
        }
        Ok(events)
    }

    fn events_after(
        &self,
        account: &str,
        region: Option<&str>,
        after_seq: i64,
        limit: usize,
    ) -> StoreResult<Vec<EventRow>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events e WHERE e.account_id = ?1 \
             AND (?2 IS NULL OR e.region = ?2) AND e.seq > ?3 ORDER BY e.seq LIMIT ?4"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(backend)?;
        let rows = stmt
            .query_map(
                params![account, region, after_seq, limit as i64],
                event_from_row,
            )
            .map_err(backend)?;
        let mut events: Vec<EventRow> = rows.collect::<rusqlite::Result<_>>().map_err(backend)?;
        for event in &mut events {
            event.resources = self.resources_of(event.seq)?;
        }
        Ok(events)
    }

    fn count_events(&self) -> StoreResult<u64> {
        self.conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(backend)
    }

    fn last_event_seq(&self) -> StoreResult<i64> {
        self.conn
            .query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))
            .map_err(backend)
    }
}

impl WriteTxn for SqliteTxn<'_> {
    fn put(&mut self, doc: &Doc) -> StoreResult<()> {
        let body = doc.body.to_string();
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO docs (account, kind, id, name, parent, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (account, kind, id) DO UPDATE SET \
                 name = excluded.name, parent = excluded.parent, body = excluded.body",
            )
            .map_err(backend)?;
        match stmt.execute(params![
            doc.account,
            doc.kind,
            doc.id,
            doc.name,
            doc.parent,
            body
        ]) {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(StoreError::AlreadyExists(
                    doc.name.clone().unwrap_or_default(),
                ))
            }
            Err(e) => Err(backend(e)),
        }
    }

    fn delete(&mut self, account: &str, kind: &str, id: &str) -> StoreResult<bool> {
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM docs WHERE account = ?1 AND kind = ?2 AND id = ?3")
            .map_err(backend)?;
        Ok(stmt.execute(params![account, kind, id]).map_err(backend)? > 0)
    }

    fn append_event(&mut self, event: &EventRow) -> StoreResult<()> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO events (event_id, account_id, region, event_time_ms, event_name, \
                 event_source, username, access_key_id, read_only, category, record) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .map_err(backend)?;
        stmt.execute(params![
            event.event_id,
            event.account_id,
            event.region,
            event.event_time_ms,
            event.event_name,
            event.event_source,
            event.username,
            event.access_key_id,
            event.read_only,
            event.category,
            event.record_json,
        ])
        .map_err(backend)?;
        let seq = self.conn.last_insert_rowid();
        let mut res = self
            .conn
            .prepare_cached(
                "INSERT INTO event_resources (seq, account_id, region, event_time_ms, \
                 resource_type, resource_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(backend)?;
        for (kind, name) in &event.resources {
            res.execute(params![
                seq,
                event.account_id,
                event.region,
                event.event_time_ms,
                kind,
                name
            ])
            .map_err(backend)?;
        }
        Ok(())
    }

    fn prune_events(&mut self, before_ms: i64, limit: usize) -> StoreResult<usize> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq FROM events WHERE event_time_ms < ?1 ORDER BY event_time_ms LIMIT ?2",
            )
            .map_err(backend)?;
        let seqs: Vec<i64> = stmt
            .query_map(params![before_ms, limit as i64], |r| r.get(0))
            .map_err(backend)?
            .collect::<rusqlite::Result<_>>()
            .map_err(backend)?;
        let mut delete_event = self
            .conn
            .prepare_cached("DELETE FROM events WHERE seq = ?1")
            .map_err(backend)?;
        let mut delete_resources = self
            .conn
            .prepare_cached("DELETE FROM event_resources WHERE seq = ?1")
            .map_err(backend)?;
        for seq in &seqs {
            delete_event.execute([seq]).map_err(backend)?;
            delete_resources.execute([seq]).map_err(backend)?;
        }
        Ok(seqs.len())
    }

    fn begin_nested(&mut self) -> StoreResult<()> {
        self.depth += 1;
        self.conn
            .execute_batch(&format!("SAVEPOINT sp{}", self.depth))
            .map_err(backend)
    }

    fn commit_nested(&mut self) -> StoreResult<()> {
        let depth = self.take_depth()?;
        self.conn
            .execute_batch(&format!("RELEASE sp{depth}"))
            .map_err(backend)
    }

    fn rollback_nested(&mut self) -> StoreResult<()> {
        let depth = self.take_depth()?;
        self.conn
            .execute_batch(&format!("ROLLBACK TO sp{depth}; RELEASE sp{depth}"))
            .map_err(backend)
    }
}

impl SqliteTxn<'_> {
    fn take_depth(&mut self) -> StoreResult<usize> {
        if self.depth == 0 {
            return Err(StoreError::Backend("no nested unit is open".into()));
        }
        let depth = self.depth;
        self.depth -= 1;
        Ok(depth)
    }
}

/// A transaction that refuses everything: handed to jobs that arrive after shutdown.
pub(crate) struct Refusing;

fn refused<T>() -> StoreResult<T> {
    Err(StoreError::Unavailable("store is shut down".into()))
}

impl ReadTxn for Refusing {
    fn get(&self, _: &str, _: &str, _: &str) -> StoreResult<Option<Doc>> {
        refused()
    }
    fn get_by_name(&self, _: &str, _: &str, _: &str) -> StoreResult<Option<Doc>> {
        refused()
    }
    fn find_by_id(&self, _: &str, _: &str) -> StoreResult<Option<Doc>> {
        refused()
    }
    fn list_kind(&self, _: &str) -> StoreResult<Vec<Doc>> {
        refused()
    }
    fn list(&self, _: &str, _: &str) -> StoreResult<Vec<Doc>> {
        refused()
    }
    fn list_children(&self, _: &str, _: &str, _: &str) -> StoreResult<Vec<Doc>> {
        refused()
    }
    fn lookup_events(&self, _: &EventQuery) -> StoreResult<Vec<EventRow>> {
        refused()
    }
    fn count_events(&self) -> StoreResult<u64> {
        refused()
    }
    fn last_event_seq(&self) -> StoreResult<i64> {
        refused()
    }
    fn events_after(
        &self,
        _: &str,
        _: Option<&str>,
        _: i64,
        _: usize,
    ) -> StoreResult<Vec<EventRow>> {
        refused()
    }
}

impl WriteTxn for Refusing {
    fn put(&mut self, _: &Doc) -> StoreResult<()> {
        refused()
    }
    fn delete(&mut self, _: &str, _: &str, _: &str) -> StoreResult<bool> {
        refused()
    }
    fn append_event(&mut self, _: &EventRow) -> StoreResult<()> {
        refused()
    }
    fn prune_events(&mut self, _: i64, _: usize) -> StoreResult<usize> {
        refused()
    }
    fn begin_nested(&mut self) -> StoreResult<()> {
        refused()
    }
    fn commit_nested(&mut self) -> StoreResult<()> {
        refused()
    }
    fn rollback_nested(&mut self) -> StoreResult<()> {
        refused()
    }
}
