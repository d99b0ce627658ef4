//! [`ReadTxn`]/[`WriteTxn`] on an SQLite connection, with nested units as savepoints.

use rusqlite::{Connection, OptionalExtension, Row, params};
use trailroom_store::{
    Doc, DocKey, EventQuery, EventRow, ReadTxn, StoreError, StoreResult, WriteTxn,
};

use crate::{backend, events};

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

    fn list_keys(&self, account: &str, kind: &str) -> StoreResult<Vec<DocKey>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, name, parent FROM docs WHERE account = ?1 AND kind = ?2 ORDER BY id",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![account, kind], |row| {
                Ok(DocKey {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    parent: row.get(2)?,
                })
            })
            .map_err(backend)?;
        rows.map(|r| r.map_err(backend)).collect()
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
        events::lookup(self.conn, query)
    }

    fn events_after(
        &self,
        account: &str,
        region: Option<&str>,
        after_seq: i64,
        limit: usize,
    ) -> StoreResult<Vec<EventRow>> {
        events::after(self.conn, Some(account), region, after_seq, limit)
    }

    fn log_after(&self, after_seq: i64, limit: usize) -> StoreResult<Vec<EventRow>> {
        events::after(self.conn, None, None, after_seq, limit)
    }

    fn count_events(&self) -> StoreResult<u64> {
        events::count(self.conn)
    }

    fn last_event_seq(&self) -> StoreResult<i64> {
        events::last_seq(self.conn)
    }
}

impl trailroom_store::batch::JobTxn for SqliteTxn<'_> {
    fn unwind_open_savepoints(&mut self) {
        while self.depth > 0 {
            if self.rollback_nested().is_err() {
                break;
            }
        }
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

    fn append_event(&mut self, event: &EventRow) -> StoreResult<i64> {
        events::append(self.conn, event)
    }

    fn clear_all(&mut self) -> StoreResult<()> {
        // The term and stream dictionaries stay: the writer may hold their ids, and an unused
        // entry costs nothing.
        self.conn
            .execute_batch(
                "DELETE FROM docs; DELETE FROM event_journal; DELETE FROM event_log_resources; \
                 DELETE FROM event_log;",
            )
            .map_err(backend)
    }

    fn prune_events(&mut self, before_ms: i64, limit: usize) -> StoreResult<usize> {
        events::prune(self.conn, before_ms, limit)
    }

    fn remove_events(&mut self, seqs: &[i64]) -> StoreResult<usize> {
        events::remove(self.conn, seqs)
    }

    fn begin_nested(&mut self) -> StoreResult<()> {
        self.depth += 1;
        self.run_cached(&format!("SAVEPOINT sp{}", self.depth))
    }

    fn commit_nested(&mut self) -> StoreResult<()> {
        let depth = self.take_depth()?;
        self.run_cached(&format!("RELEASE sp{depth}"))
    }

    fn rollback_nested(&mut self) -> StoreResult<()> {
        let depth = self.take_depth()?;
        self.run_cached(&format!("ROLLBACK TO sp{depth}"))?;
        self.run_cached(&format!("RELEASE sp{depth}"))
    }
}

impl SqliteTxn<'_> {
    /// Savepoint statements run once or twice per job: kept prepared rather than parsed each time.
    fn run_cached(&self, sql: &str) -> StoreResult<()> {
        crate::run_cached(self.conn, sql).map_err(backend)
    }

    fn take_depth(&mut self) -> StoreResult<usize> {
        if self.depth == 0 {
            return Err(StoreError::Backend("no nested unit is open".into()));
        }
        let depth = self.depth;
        self.depth -= 1;
        Ok(depth)
    }
}
