//! The writer thread: takes every job that is waiting, runs them in one transaction, commits once,
//! then tells each job how the commit went. Under load, one fsync covers hundreds of calls.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, mpsc};
use std::thread;

use rusqlite::Connection;
use trailroom_store::{JobCompletion, StoreError, StoreResult, WriteJob, WriterCounters};

use crate::txn::SqliteTxn;
use crate::{backend, run_cached};

/// Messages to the writer.
pub(crate) enum WriterMsg {
    /// Run this job in the next batch.
    Job(WriteJob),
    /// Finish what is queued, then stop and acknowledge.
    Stop(mpsc::Sender<()>),
}

/// Upper bound on jobs per transaction, so one batch cannot hold the lock for long.
const MAX_BATCH: usize = 2048;

/// Starts the writer thread on `conn`.
pub(crate) fn spawn(
    conn: Connection,
    counters: Arc<WriterCounters>,
) -> StoreResult<mpsc::Sender<WriterMsg>> {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name("trailroom-writer".into())
        .spawn(move || run(conn, rx, &counters))
        .map_err(|e| StoreError::Backend(format!("cannot start writer: {e}")))?;
    Ok(tx)
}

/// Tells a job that could not be queued that nothing was stored.
pub(crate) fn refuse(job: WriteJob) {
    // The job must not touch a database: give it a transaction that refuses every call.
    let completion = job(&mut crate::txn::Refusing);
    completion(Err(StoreError::Unavailable("store is shut down".into())));
}

fn run(mut conn: Connection, rx: mpsc::Receiver<WriterMsg>, counters: &WriterCounters) {
    while let Ok(first) = rx.recv() {
        let mut batch = Vec::new();
        let mut stop = None;
        match first {
            WriterMsg::Job(job) => batch.push(job),
            WriterMsg::Stop(ack) => stop = Some(ack),
        }
        while stop.is_none() && batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(WriterMsg::Job(job)) => batch.push(job),
                Ok(WriterMsg::Stop(ack)) => stop = Some(ack),
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
    }
}

/// Runs each job in its own savepoint inside one transaction, commits, then completes them;
/// returns whether the batch committed.
fn commit_batch(conn: &mut Connection, batch: Vec<WriteJob>) -> bool {
    let completions = match run_cached(conn, "BEGIN IMMEDIATE") {
        Ok(()) => run_jobs(conn, batch),
        Err(err) => {
            let err = backend(err);
            tracing::error!(error = %err, "cannot begin a write transaction");
            fail_all(batch, err);
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

fn run_jobs(conn: &Connection, batch: Vec<WriteJob>) -> Vec<JobCompletion> {
    let mut completions = Vec::with_capacity(batch.len());
    for job in batch {
        let mut txn = SqliteTxn::writer(conn);
        // A panicking job loses only its own work: its caller sees the dropped completion.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| job(&mut txn)));
        // A job that left savepoints open (or panicked inside one) must not leak into the batch.
        txn.unwind_open_savepoints();
        match outcome {
            Ok(completion) => completions.push(completion),
            Err(_) => tracing::error!("a write job panicked; its work was rolled back"),
        }
    }
    completions
}

fn fail_all(batch: Vec<WriteJob>, err: StoreError) {
    for job in batch {
        let completion = job(&mut crate::txn::Refusing);
        completion(Err(err.clone()));
    }
}

/// Jobs sent after the stop request are refused rather than left hanging.
fn drain_after_stop(rx: &mpsc::Receiver<WriterMsg>) {
    while let Ok(msg) = rx.try_recv() {
        match msg {
            WriterMsg::Job(job) => refuse(job),
            WriterMsg::Stop(ack) => {
                let _ = ack.send(());
            }
        }
    }
}
