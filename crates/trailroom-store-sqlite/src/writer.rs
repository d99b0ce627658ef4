//! The writer thread: takes every job that is waiting, runs them in one transaction, commits once,
//! then tells each job how the commit went. Under load, one fsync covers hundreds of calls.
//!
//! Between batches it moves events from the journal into the indexed log
//! ([`crate::events::move_to_log`]) in chunks, while no job waits, so calls do not wait on
//! indexing unless the journal outgrows what a lookup should scan ([`events::BACKLOG_HIGH`]).

use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use rusqlite::Connection;
use trailroom_store::batch::{self, refuse_all, run_jobs};
use trailroom_store::{StoreError, StoreResult, WriteJob, WriterCounters};

use crate::txn::SqliteTxn;
use crate::{backend, events, run_cached};

/// Messages to the writer.
pub(crate) enum WriterMsg {
    /// Run this job in the next batch.
    Job(WriteJob),
    /// Finish what is queued, then stop and acknowledge.
    Stop(mpsc::Sender<()>),
    /// Move every journal event into the indexed log, then acknowledge.
    Settle(mpsc::Sender<()>),
}

/// When the writer moves journal events into the indexed log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indexing {
    /// When idle, and when the journal grows past [`events::BACKLOG_HIGH`] (the server's way).
    Background,
    /// Only when asked ([`crate::SqliteStore::settle`]): for tests of lookups over the journal.
    OnSettle,
}

/// Upper bound on jobs per transaction, so one batch cannot hold the lock for long.
const MAX_BATCH: usize = 2048;

/// Starts the writer thread on `conn`.
pub(crate) fn spawn(
    conn: Connection,
    counters: Arc<WriterCounters>,
    indexing: Indexing,
) -> StoreResult<mpsc::Sender<WriterMsg>> {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name("trailroom-writer".into())
        .spawn(move || run(conn, rx, &counters, indexing))
        .map_err(|e| StoreError::Backend(format!("cannot start writer: {e}")))?;
    Ok(tx)
}

/// Tells a job that could not be queued that nothing was stored.
pub(crate) fn refuse(job: WriteJob) {
    batch::refuse(job, StoreError::Unavailable("store is shut down".into()));
}

fn run(
    mut conn: Connection,
    rx: mpsc::Receiver<WriterMsg>,
    counters: &WriterCounters,
    indexing: Indexing,
) {
    let mut next = match indexing {
        Indexing::Background => index_between_batches(&conn, &rx),
        Indexing::OnSettle => None,
    };
    loop {
        let first = match next.take() {
            Some(msg) => msg,
            None => match rx.recv() {
                Ok(msg) => msg,
                Err(_) => return,
            },
        };
        let mut batch = Vec::new();
        let mut stop = None;
        match first {
            WriterMsg::Job(job) => batch.push(job),
            WriterMsg::Stop(ack) => stop = Some(ack),
            WriterMsg::Settle(ack) => settle(&conn, ack),
        }
        while stop.is_none() && batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(WriterMsg::Job(job)) => batch.push(job),
                Ok(WriterMsg::Stop(ack)) => stop = Some(ack),
                Ok(WriterMsg::Settle(ack)) => {
                    // Settling covers what was committed before it: commit the batch first.
                    next = Some(WriterMsg::Settle(ack));
                    break;
                }
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            let started = std::time::Instant::now();
            let jobs = batch.len();
            if commit_batch(&mut conn, batch) {
                counters.committed(jobs, started.elapsed());
            }
        }
        if let Some(ack) = stop {
            drain_after_stop(&rx);
            let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
            let _ = ack.send(());
            return;
        }
        if indexing == Indexing::Background && next.is_none() {
            next = index_between_batches(&conn, &rx);
        }
    }
}

/// Moves journal events into the indexed log between batches; returns the message that ended
/// it, if one came. Calls go first: below [`events::BACKLOG_HIGH`] a chunk moves only while no
/// message waits, and a journal under [`events::BACKLOG_LOW`] waits [`IDLE`] for more events
/// first (moving one call's event in its own transaction would cost more than the call). Past
/// the high mark, one chunk moves between every two batches.
fn index_between_batches(conn: &Connection, rx: &mpsc::Receiver<WriterMsg>) -> Option<WriterMsg> {
    loop {
        let backlog = match events::backlog(conn) {
            Ok(0) => return None,
            Ok(n) => n,
            Err(err) => {
                tracing::error!(error = %err, "cannot read the event journal");
                return None;
            }
        };
        if backlog >= events::BACKLOG_HIGH {
            let moved = move_chunk(conn);
            match rx.try_recv() {
                Ok(msg) => return Some(msg),
                Err(_) if moved.is_err() => return None,
                Err(_) => continue,
            }
        }
        let wait = match backlog >= events::BACKLOG_LOW {
            true => Duration::ZERO,
            false => IDLE,
        };
        match rx.recv_timeout(wait) {
            Ok(msg) => return Some(msg),
            Err(RecvTimeoutError::Disconnected) => return None,
            Err(RecvTimeoutError::Timeout) => {
                if move_chunk(conn).is_err() {
                    return None;
                }
            }
        }
    }
}

/// How long a small journal waits for more events before it is moved anyway.
const IDLE: Duration = Duration::from_millis(50);

/// Moves every journal event into the indexed log, then acknowledges.
fn settle(conn: &Connection, ack: mpsc::Sender<()>) {
    while matches!(events::backlog(conn), Ok(n) if n > 0) {
        if move_chunk(conn).is_err() {
            break;
        }
    }
    let _ = ack.send(());
}

/// One transaction moving the journal's oldest [`events::MOVE_CHUNK`] events. It commits
/// without its own fsync (`synchronous=NORMAL`): it only moves events that are already durable,
/// and the next call's commit syncs the log past it; lost on a power cut, it is simply done again.
fn move_chunk(conn: &Connection) -> StoreResult<usize> {
    let moved = (|| {
        conn.execute_batch("PRAGMA synchronous = NORMAL")
            .map_err(backend)?;
        run_cached(conn, "BEGIN IMMEDIATE").map_err(backend)?;
        let moved = events::move_to_log(conn, events::MOVE_CHUNK);
        match moved {
            Ok(n) => run_cached(conn, "COMMIT").map_err(backend).map(|()| n),
            Err(err) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(err)
            }
        }
    })();
    let restored = conn
        .execute_batch("PRAGMA synchronous = FULL")
        .map_err(backend);
    if let Some(err) = moved.as_ref().err().or(restored.as_ref().err()) {
        tracing::error!(error = %err, "cannot move events from the journal to the indexed log");
    }
    restored?;
    moved
}

/// Runs each job in its own savepoint inside one transaction, commits, then completes them;
/// returns whether the batch committed.
fn commit_batch(conn: &mut Connection, batch: Vec<WriteJob>) -> bool {
    let completions = match run_cached(conn, "BEGIN IMMEDIATE") {
        Ok(()) => run_jobs(batch, || SqliteTxn::writer(conn)),
        Err(err) => {
            let err = backend(err);
            tracing::error!(error = %err, "cannot begin a write transaction");
            refuse_all(batch, &err);
            return false;
        }
    };
    let committed = run_cached(conn, "COMMIT").map_err(backend);
    if let Err(err) = &committed {
        tracing::error!(error = %err, "group commit failed");
        let _ = conn.execute_batch("ROLLBACK");
    }
    let ok = committed.is_ok();
    for completion in completions {
        completion(committed.clone());
    }
    ok
}

/// Jobs sent after the stop request are refused rather than left hanging.
fn drain_after_stop(rx: &mpsc::Receiver<WriterMsg>) {
    while let Ok(msg) = rx.try_recv() {
        match msg {
            WriterMsg::Job(job) => refuse(job),
            WriterMsg::Stop(ack) | WriterMsg::Settle(ack) => {
                let _ = ack.send(());
            }
        }
    }
}
