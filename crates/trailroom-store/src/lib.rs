//! Storage abstraction for trailroom.
//!
//! Owns: the shapes that are stored (JSON [`Doc`]uments keyed by account, kind and id, and
//! [`EventRow`]s of the audit log), the [`Store`] trait every backend implements, and the async
//! helpers that services use to run a unit of work on the store's single writer.
//!
//! Why one writer: every acknowledged mutation and its audit event must be durable before the
//! response. Backends run submitted [`WriteJob`]s one after another on one connection, each inside a
//! savepoint, and commit many of them in one transaction ("group commit"), so an fsync is shared by
//! every call in the batch. A job is told whether its batch committed only after the commit.
//!
//! Knows nothing about A4B, CloudTrail, HTTP or any particular database.

pub mod batch;
mod doc;
mod error;
mod event;
mod job;
pub mod lease;
mod refusing;
#[cfg(feature = "testsuite")]
pub mod testsuite;

pub use doc::{Doc, DocKey};
pub use error::{StoreError, StoreResult};
pub use event::{EventQuery, EventRow, LookupKey, LookupKeyError};
pub use job::{JobCompletion, WriteJob, read, submit, write};
pub use lease::{Fence, Leases};
pub use refusing::Refusing;

/// Read access to the stored state: documents and events.
///
/// Methods are blocking but short (indexed point lookups and range scans on an embedded or nearby
/// database), so async callers may call them directly.
pub trait ReadTxn {
    /// The document `(account, kind, id)`, if it exists.
    fn get(&self, account: &str, kind: &str, id: &str) -> StoreResult<Option<Doc>>;
    /// The document of `kind` in `account` whose unique name is `name`.
    fn get_by_name(&self, account: &str, kind: &str, name: &str) -> StoreResult<Option<Doc>>;
    /// The document of `kind` with `id` in whichever account holds it (ids that are globally
    /// unique, such as access key ids).
    fn find_by_id(&self, kind: &str, id: &str) -> StoreResult<Option<Doc>>;
    /// Every document of `kind` in every account, ordered by account, then id: for background
    /// work that serves all accounts (such as CloudTrail log delivery).
    fn list_kind(&self, kind: &str) -> StoreResult<Vec<Doc>>;
    /// Every document of `kind` in `account`, ordered by id.
    fn list(&self, account: &str, kind: &str) -> StoreResult<Vec<Doc>>;
    /// The keys (id, name, parent) of every document of `kind` in `account`, ordered by id,
    /// without their bodies: searches filter, sort and count on these, then read one page of
    /// documents. Backends should override this default, which reads every body.
    fn list_keys(&self, account: &str, kind: &str) -> StoreResult<Vec<DocKey>> {
        Ok(self
            .list(account, kind)?
            .into_iter()
            .map(DocKey::of)
            .collect())
    }
    /// Every document of `kind` whose `parent` is `parent`, ordered by id.
    fn list_children(&self, account: &str, kind: &str, parent: &str) -> StoreResult<Vec<Doc>>;
    /// At most `limit` documents of `kind` whose `parent` is `parent` and whose id sorts strictly
    /// after `after` (byte order), ordered by id: for paging large child sets such as S3 objects.
    /// Backends should override this default, which reads every child.
    fn list_children_after(
        &self,
        account: &str,
        kind: &str,
        parent: &str,
        after: &str,
        limit: usize,
    ) -> StoreResult<Vec<Doc>> {
        let mut docs = self.list_children(account, kind, parent)?;
        docs.retain(|d| d.id.as_str() > after);
        docs.truncate(limit);
        Ok(docs)
    }
    /// Events matching `query`, newest first.
    fn lookup_events(&self, query: &EventQuery) -> StoreResult<Vec<EventRow>>;
    /// Number of stored events (all accounts).
    fn count_events(&self) -> StoreResult<u64>;
    /// Position of the newest stored event (0 when there is none): later events are after it.
    fn last_event_seq(&self) -> StoreResult<i64>;
    /// Events of `account` (all regions when `region` is `None`) stored after position
    /// `after_seq`, oldest first: for following the log as it grows.
    fn events_after(
        &self,
        account: &str,
        region: Option<&str>,
        after_seq: i64,
        limit: usize,
    ) -> StoreResult<Vec<EventRow>>;
    /// Events of every account stored after position `after_seq`, oldest first: the whole log
    /// in position order (the archiver's walk).
    fn log_after(&self, after_seq: i64, limit: usize) -> StoreResult<Vec<EventRow>>;
}

/// Read and write access inside the writer's transaction.
pub trait WriteTxn: ReadTxn {
    /// Inserts or replaces a document. A `name` already used by another document of the same
    /// account and kind fails with [`StoreError::AlreadyExists`].
    fn put(&mut self, doc: &Doc) -> StoreResult<()>;
    /// Deletes a document; returns whether it existed.
    fn delete(&mut self, account: &str, kind: &str, id: &str) -> StoreResult<bool>;
    /// Appends an audit event; returns its position (greater than every earlier one's).
    fn append_event(&mut self, event: &EventRow) -> StoreResult<i64>;
    /// Deletes every document and event of every account: the state of a fresh data directory.
    /// Event positions keep growing afterwards (a position is never reused).
    fn clear_all(&mut self) -> StoreResult<()>;
    /// Deletes at most `limit` events older than `before_ms`; returns how many went.
    fn prune_events(&mut self, before_ms: i64, limit: usize) -> StoreResult<usize>;
    /// Deletes the events at positions `seqs` (of any account); returns how many were stored.
    /// The archiver's commit: events it has put in a segment leave the live log.
    fn remove_events(&mut self, seqs: &[i64]) -> StoreResult<usize>;
    /// Starts a nested unit that can be undone alone (a savepoint).
    fn begin_nested(&mut self) -> StoreResult<()>;
    /// Keeps the writes of the innermost nested unit.
    fn commit_nested(&mut self) -> StoreResult<()>;
    /// Undoes the writes of the innermost nested unit.
    fn rollback_nested(&mut self) -> StoreResult<()>;
}

/// What the writer has done since the store was opened (for metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WriterStats {
    /// Group transactions committed.
    pub commits: u64,
    /// Jobs in them (the sum of batch sizes).
    pub jobs: u64,
    /// Time spent running and committing them, in seconds.
    pub busy_seconds: f64,
}

/// Counters a writer thread keeps; read without stopping it.
#[derive(Debug, Default)]
pub struct WriterCounters {
    commits: std::sync::atomic::AtomicU64,
    jobs: std::sync::atomic::AtomicU64,
    busy_nanos: std::sync::atomic::AtomicU64,
}

impl WriterCounters {
    /// Counts one committed batch of `jobs` that took `busy`.
    pub fn committed(&self, jobs: usize, busy: std::time::Duration) {
        use std::sync::atomic::Ordering::Relaxed;
        self.commits.fetch_add(1, Relaxed);
        self.jobs.fetch_add(jobs as u64, Relaxed);
        let nanos = u64::try_from(busy.as_nanos()).unwrap_or(u64::MAX);
        self.busy_nanos.fetch_add(nanos, Relaxed);
    }

    /// The counts so far.
    pub fn snapshot(&self) -> WriterStats {
        use std::sync::atomic::Ordering::Relaxed;
        WriterStats {
            commits: self.commits.load(Relaxed),
            jobs: self.jobs.load(Relaxed),
            busy_seconds: self.busy_nanos.load(Relaxed) as f64 / 1e9,
        }
    }
}

/// A storage backend.
pub trait Store: Send + Sync + 'static {
    /// What the writer has done so far (zeros where a backend does not count).
    fn writer_stats(&self) -> WriterStats {
        WriterStats::default()
    }
    /// Queues a job for the writer. The job runs inside a group transaction; its completion is
    /// called once that transaction has committed (or failed to).
    fn submit(&self, job: WriteJob);
    /// Runs `f` against a consistent read view.
    fn with_reader(&self, f: &mut dyn FnMut(&dyn ReadTxn)) -> StoreResult<()>;
    /// Waits until every job submitted so far is committed, then stops accepting work.
    fn shutdown(&self);
    /// Waits until what the backend does after commits, off the request path, has caught up
    /// with every job submitted so far (SQLite: moving journal events into the indexed log).
    /// Nothing visible depends on it: reads see committed work either way.
    fn settle(&self) {}
}
