//! [`ReadTxn`]/[`WriteTxn`] on one pooled connection, with nested units as savepoints.
//!
//! Each statement is a round trip, so statements that need no answer of their own wait in
//! [`Batch::pending`] and go out in one pipeline with the next statement that does: a savepoint
//! with the first statement inside it (and not at all when the unit runs none), a release with
//! the next statement or the commit, a reader's `BEGIN` with its first read.
//!
//! PostgreSQL aborts a whole transaction at its first failed statement, where SQLite fails only
//! the statement. A nested unit that fails is rolled back to its savepoint, which clears that;
//! a failure outside every savepoint, or a savepoint that cannot be undone, marks the batch
//! [`Batch::aborted`] so that the writer rolls it back instead of reporting it committed
//! (PostgreSQL answers `COMMIT` of an aborted transaction with a rollback, not an error).

use std::cell::{Cell, RefCell};
use std::future::Future;

use deadpool_postgres::ClientWrapper;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use trailroom_store::{
    Doc, DocKey, EventQuery, EventRow, ReadTxn, StoreError, StoreResult, WriteTxn,
};

use crate::error::{connection_lost, is_unique_violation, pg_error};
use crate::events;
use crate::io::Io;

/// Statement parameters.
pub(crate) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// What the statements on one connection share within one transaction (the writer's batch, or
/// a reader's snapshot).
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// A statement failed where no savepoint could undo it: the transaction cannot commit.
    pub(crate) aborted: Cell<bool>,
    /// The connection was lost: every later statement fails with this at once rather than being
    /// sent to it, and the connection is not used again.
    pub(crate) lost: RefCell<Option<StoreError>>,
    /// Statements not sent yet: they go out ahead of the next one that is.
    pending: RefCell<Vec<String>>,
}

impl Batch {
    /// Queues `sql` to go out ahead of the next statement sent.
    pub(crate) fn queue(&self, sql: String) {
        self.pending.borrow_mut().push(sql);
    }

    /// Every queued statement, as one text, and none left queued.
    pub(crate) fn take_pending(&self) -> Option<String> {
        let mut pending = self.pending.borrow_mut();
        (!pending.is_empty()).then(|| std::mem::take(&mut *pending).join("; "))
    }

    /// Takes back the last queued statement when it is `sql` (not sent yet); returns whether it was.
    fn unqueue(&self, sql: &str) -> bool {
        let mut pending = self.pending.borrow_mut();
        let last = pending.last().is_some_and(|last| last == sql);
        if last {
            pending.pop();
        }
        last
    }

    /// The error that lost the connection, if it was lost.
    pub(crate) fn lost(&self) -> Option<StoreError> {
        self.lost.borrow().clone()
    }
}

/// A view of the database through one connection.
pub(crate) struct PgTxn<'c> {
    io: &'c Io,
    client: &'c ClientWrapper,
    /// What this transaction's statements share.
    batch: &'c Batch,
    /// Open savepoints; 0 outside any nested unit.
    depth: usize,
    /// The first statement that failed inside the open units, since the last rollback: a unit
    /// that would be kept after it is rolled back instead.
    failure: RefCell<Option<StoreError>>,
}

impl<'c> PgTxn<'c> {
    pub(crate) fn reader(io: &'c Io, client: &'c ClientWrapper, batch: &'c Batch) -> Self {
        Self {
            io,
            client,
            batch,
            depth: 0,
            failure: RefCell::new(None),
        }
    }

    pub(crate) fn writer(io: &'c Io, client: &'c ClientWrapper, batch: &'c Batch) -> Self {
        Self {
            io,
            client,
            batch,
            depth: 0,
            failure: RefCell::new(None),
        }
    }

    /// Runs a prepared (and cached) statement; returns its rows.
    pub(crate) fn query(&self, sql: &str, params: Params<'_>) -> StoreResult<Vec<Row>> {
        self.usable()?;
        let rows = self.send(async {
            let statement = self.client.prepare_cached(sql).await?;
            self.client.query(&statement, params).await
        });
        rows.map_err(|e| self.failed(e))
    }

    /// Sends what is queued and then `statement` in one pipeline; waits for both.
    fn send<T>(
        &self,
        statement: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, tokio_postgres::Error> {
        match self.batch.take_pending() {
            None => self.io.wait(statement),
            Some(queued) => {
                let (sent, answer) = self
                    .io
                    .wait(async { tokio::join!(self.client.batch_execute(&queued), statement) });
                sent.and(answer)
            }
        }
    }

    /// Runs a prepared (and cached) statement; returns how many rows it changed.
    pub(crate) fn execute(&self, sql: &str, params: Params<'_>) -> StoreResult<u64> {
        self.usable()?;
        let changed = self.send(async {
            let statement = self.client.prepare_cached(sql).await?;
            self.client.execute(&statement, params).await
        });
        changed.map_err(|e| self.failed(e))
    }

    /// Runs statements without parameters (savepoints, clearing).
    fn batch_execute(&self, sql: &str) -> StoreResult<()> {
        self.usable()?;
        let sql = match self.batch.take_pending() {
            Some(queued) => format!("{queued}; {sql}"),
            None => sql.to_owned(),
        };
        let done = self.io.wait(self.client.batch_execute(&sql));
        done.map_err(|e| self.failed(e))
    }

    /// Notes a failed statement: outside every savepoint it dooms the writer's transaction.
    fn failed(&self, err: tokio_postgres::Error) -> StoreError {
        if self.depth == 0 {
            self.abort_batch();
        }
        let err = self.note(pg_error(err));
        self.failure.borrow_mut().get_or_insert_with(|| err.clone());
        err
    }

    /// Remembers a lost connection.
    fn note(&self, err: StoreError) -> StoreError {
        if connection_lost(&err) {
            self.abort_batch();
            self.batch
                .lost
                .borrow_mut()
                .get_or_insert_with(|| err.clone());
        }
        err
    }

    /// Fails at once when the connection was lost.
    fn usable(&self) -> StoreResult<()> {
        match self.batch.lost() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    fn abort_batch(&self) {
        self.batch.aborted.set(true);
    }

    fn docs(&self, sql: &str, params: Params<'_>) -> StoreResult<Vec<Doc>> {
        self.query(sql, params)?.iter().map(doc_from_row).collect()
    }

    fn one_doc(&self, sql: &str, params: Params<'_>) -> StoreResult<Option<Doc>> {
        self.query(sql, params)?
            .first()
            .map(doc_from_row)
            .transpose()
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

const DOC_COLUMNS: &str = "account, kind, id, name, parent, body";

fn doc_from_row(row: &Row) -> StoreResult<Doc> {
    let text = |i: usize| row.try_get::<_, String>(i).map_err(pg_error);
    let optional = |i: usize| row.try_get::<_, Option<String>>(i).map_err(pg_error);
    let body = serde_json::from_str(&text(5)?)
        .map_err(|e| StoreError::Backend(format!("corrupt document body: {e}")))?;
    Ok(Doc {
        account: text(0)?,
        kind: text(1)?,
        id: text(2)?,
        name: optional(3)?,
        parent: optional(4)?,
        body,
    })
}

/// `usize` as a `LIMIT`.
pub(crate) fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl ReadTxn for PgTxn<'_> {
    fn get(&self, account: &str, kind: &str, id: &str) -> StoreResult<Option<Doc>> {
        self.one_doc(
            &format!("SELECT {DOC_COLUMNS} FROM docs WHERE account = $1 AND kind = $2 AND id = $3"),
            &[&account, &kind, &id],
        )
    }

    fn get_by_name(&self, account: &str, kind: &str, name: &str) -> StoreResult<Option<Doc>> {
        self.one_doc(
            &format!(
                "SELECT {DOC_COLUMNS} FROM docs WHERE account = $1 AND kind = $2 AND name = $3"
            ),
            &[&account, &kind, &name],
        )
    }

    fn find_by_id(&self, kind: &str, id: &str) -> StoreResult<Option<Doc>> {
        self.one_doc(
            &format!(
                "SELECT {DOC_COLUMNS} FROM docs WHERE kind = $1 AND id = $2 ORDER BY account LIMIT 1"
            ),
            &[&kind, &id],
        )
    }

    fn list_kind(&self, kind: &str) -> StoreResult<Vec<Doc>> {
        self.docs(
            &format!("SELECT {DOC_COLUMNS} FROM docs WHERE kind = $1 ORDER BY account, id"),
            &[&kind],
        )
    }

    fn list(&self, account: &str, kind: &str) -> StoreResult<Vec<Doc>> {
        self.docs(
            &format!("SELECT {DOC_COLUMNS} FROM docs WHERE account = $1 AND kind = $2 ORDER BY id"),
            &[&account, &kind],
        )
    }

    fn list_keys(&self, account: &str, kind: &str) -> StoreResult<Vec<DocKey>> {
        let rows = self.query(
            "SELECT id, name, parent FROM docs WHERE account = $1 AND kind = $2 ORDER BY id",
            &[&account, &kind],
        )?;
        rows.iter()
            .map(|row| {
                Ok(DocKey {
                    id: row.try_get(0).map_err(pg_error)?,
                    name: row.try_get(1).map_err(pg_error)?,
                    parent: row.try_get(2).map_err(pg_error)?,
                })
            })
            .collect()
    }

    fn list_children(&self, account: &str, kind: &str, parent: &str) -> StoreResult<Vec<Doc>> {
        self.docs(
            &format!(
                "SELECT {DOC_COLUMNS} FROM docs WHERE account = $1 AND kind = $2 AND parent = $3 \
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
        count: usize,
    ) -> StoreResult<Vec<Doc>> {
        self.docs(
            &format!(
                "SELECT {DOC_COLUMNS} FROM docs WHERE account = $1 AND kind = $2 AND parent = $3 \
                 AND id > $4 ORDER BY id LIMIT $5"
            ),
            &[&account, &kind, &parent, &after, &limit(count)],
        )
    }

    fn lookup_events(&self, query: &EventQuery) -> StoreResult<Vec<EventRow>> {
        events::lookup(self, query)
    }

    fn count_events(&self) -> StoreResult<u64> {
        events::count(self)
    }

    fn last_event_seq(&self) -> StoreResult<i64> {
        events::last_seq(self)
    }

    fn events_after(
        &self,
        account: &str,
        region: Option<&str>,
        after_seq: i64,
        count: usize,
    ) -> StoreResult<Vec<EventRow>> {
        events::after(self, account, region, after_seq, count)
    }

    fn log_after(&self, after_seq: i64, count: usize) -> StoreResult<Vec<EventRow>> {
        events::log_after(self, after_seq, count)
    }
}

impl trailroom_store::batch::JobTxn for PgTxn<'_> {
    /// A savepoint that cannot be rolled back spoils the batch.
    fn unwind_open_savepoints(&mut self) {
        while self.depth > 0 {
            if self.rollback_nested().is_err() {
                self.abort_batch();
                break;
            }
        }
    }
}

impl WriteTxn for PgTxn<'_> {
    fn put(&mut self, doc: &Doc) -> StoreResult<()> {
        self.usable()?;
        let taken = || StoreError::AlreadyExists(doc.name.clone().unwrap_or_default());
        // The name is checked in the insert itself: a refusal changes nothing and does not abort
        // the transaction. A name another node takes between the check and the insert still
        // fails, as a violation.
        let sql = "INSERT INTO docs (account, kind, id, name, parent, body) \
                   SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text \
                   WHERE $4::text IS NULL OR NOT EXISTS (SELECT 1 FROM docs \
                       WHERE account = $1 AND kind = $2 AND name = $4 AND id <> $3) \
                   ON CONFLICT (account, kind, id) DO UPDATE SET \
                   name = excluded.name, parent = excluded.parent, body = excluded.body";
        let body = doc.body.to_string();
        let params: Params<'_> = &[
            &doc.account,
            &doc.kind,
            &doc.id,
            &doc.name,
            &doc.parent,
            &body,
        ];
        let inserted = self.send(async {
            let statement = self.client.prepare_cached(sql).await?;
            self.client.execute(&statement, params).await
        });
        match inserted {
            Ok(0) => Err(taken()),
            Ok(_) => Ok(()),
            Err(err) if is_unique_violation(&err) => {
                let _ = self.failed(err);
                Err(taken())
            }
            Err(err) => Err(self.failed(err)),
        }
    }

    fn delete(&mut self, account: &str, kind: &str, id: &str) -> StoreResult<bool> {
        let deleted = self.execute(
            "DELETE FROM docs WHERE account = $1 AND kind = $2 AND id = $3",
            &[&account, &kind, &id],
        )?;
        Ok(deleted > 0)
    }

    fn append_event(&mut self, event: &EventRow) -> StoreResult<i64> {
        events::append(self, event)
    }

    fn clear_all(&mut self) -> StoreResult<()> {
        // The position counter keeps its value: a position is never handed out twice.
        self.batch_execute(
            "DELETE FROM docs; DELETE FROM event_resources; DELETE FROM events; \
             UPDATE event_counter SET live = 0;",
        )
    }

    fn prune_events(&mut self, before_ms: i64, count: usize) -> StoreResult<usize> {
        events::prune(self, before_ms, count)
    }

    fn remove_events(&mut self, seqs: &[i64]) -> StoreResult<usize> {
        events::remove(self, seqs)
    }

    fn begin_nested(&mut self) -> StoreResult<()> {
        self.usable()?;
        self.depth += 1;
        self.batch.queue(format!("SAVEPOINT sp{}", self.depth));
        Ok(())
    }

    fn commit_nested(&mut self) -> StoreResult<()> {
        let depth = self.take_depth()?;
        let savepoint = format!("SAVEPOINT sp{depth}");
        if self.batch.unqueue(&savepoint) {
            // Nothing ran inside it: nothing to keep.
            return Ok(());
        }
        let failure = self.failure.borrow().clone();
        if let Some(err) = failure {
            // A statement inside failed and the unit went on as if it had not: its work is
            // undone, so the rest of the batch can still commit.
            self.depth = depth;
            self.rollback_nested()?;
            return Err(err);
        }
        self.usable()?;
        self.batch.queue(format!("RELEASE SAVEPOINT sp{depth}"));
        Ok(())
    }

    fn rollback_nested(&mut self) -> StoreResult<()> {
        let depth = self.take_depth()?;
        if self.batch.unqueue(&format!("SAVEPOINT sp{depth}")) {
            return Ok(());
        }
        let undone = self.batch_execute(&format!(
            "ROLLBACK TO SAVEPOINT sp{depth}; RELEASE SAVEPOINT sp{depth}"
        ));
        match &undone {
            Ok(()) => *self.failure.borrow_mut() = None,
            Err(_) => self.abort_batch(),
        }
        undone
    }
}
