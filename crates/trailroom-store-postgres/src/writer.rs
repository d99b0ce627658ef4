//! The writer thread: takes every job that is waiting, runs them in one transaction on one
//! connection (each in its own savepoint), commits once, then tells each job how the commit went.
//!
//! A lost connection fails the batch it was carrying (nothing of it is reported committed) and
//! the next batch opens a new one, so the node recovers by itself when the database returns.

use std::sync::{Arc, mpsc};
use std::thread;

use deadpool_postgres::{Object, Pool};
use trailroom_store::batch::{refuse_all, run_jobs};
use trailroom_store::{StoreError, StoreResult, WriteJob, WriterCounters};

use crate::error::{connection_lost, pg_error, pool_error};
use crate::io::Io;
use crate::txn::{Batch, PgTxn};

/// Messages to the writer.
pub(crate) enum WriterMsg {
    /// Run this job in the next batch.
    Job(WriteJob),
    /// Finish what is queued, then stop and acknowledge.
    Stop(mpsc::Sender<()>),
}

/// Upper bound on jobs per transaction, so one batch cannot hold the position lock for long.
const MAX_BATCH: usize = 1024;

/// Starts the writer thread.
pub(crate) fn spawn(
    io: Io,
    pool: Pool,
    counters: Arc<WriterCounters>,
) -> StoreResult<mpsc::Sender<WriterMsg>> {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name("trailroom-pg-writer".into())
        .spawn(move || run(&io, &pool, &rx, &counters))
        .map_err(|e| StoreError::Backend(format!("cannot start writer: {e}")))?;
    Ok(tx)
}

/// Completes a job that no database will run with `err`.
pub(crate) use trailroom_store::batch::refuse;

fn run(io: &Io, pool: &Pool, rx: &mpsc::Receiver<WriterMsg>, counters: &WriterCounters) {
    let mut conn: Option<Object> = None;
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
            if commit_batch(io, pool, &mut conn, batch) {
                counters.committed(jobs, started.elapsed());
            }
        }
        if let Some(ack) = stop {
            while let Ok(msg) = rx.try_recv() {
                match msg {
                    WriterMsg::Job(job) => {
                        refuse(job, StoreError::Unavailable("store is shut down".into()))
                    }
                    WriterMsg::Stop(ack) => drop(ack.send(())),
                }
            }
            let _ = ack.send(());
            return;
        }
    }
}

/// Runs the batch in one transaction and completes its jobs; returns whether it committed.
fn commit_batch(io: &Io, pool: &Pool, conn: &mut Option<Object>, batch: Vec<WriteJob>) -> bool {
    if conn.as_ref().is_none_or(|c| c.is_closed()) {
        *conn = None;
        match io.wait(pool.get()) {
            Ok(fresh) => *conn = Some(fresh),
            Err(err) => {
                let err = pool_error(err);
                tracing::error!(error = %err, "the writer cannot reach PostgreSQL");
                refuse_all(batch, &err);
                return false;
            }
        }
    }
    let Some(client) = conn.as_ref() else {
        return false;
    };
    // The counter row is the cluster's write lock: taken first, held to commit, so write
    // transactions of every node run one after another and a job's reads see every earlier
    // commit (read-modify-write is safe across nodes, as with SQLite's one writer). Appends take
    // this lock anyway, so it costs no concurrency the positions did not already cost.
    let begin = "BEGIN; SELECT 1 FROM event_counter FOR UPDATE";
    if let Err(err) = io.wait(client.batch_execute(begin)).map_err(pg_error) {
        tracing::error!(error = %err, "cannot begin a write transaction");
        refuse_all(batch, &err);
        discard(conn);
        return false;
    }
    let state = Batch::default();
    let completions = run_jobs(batch, || PgTxn::writer(io, client, &state));
    let committed = match (state.lost(), state.aborted.get()) {
        (Some(lost), _) => Err(lost),
        (None, true) => Err(StoreError::Backend(
            "a statement failed outside any nested unit; the batch was rolled back".into(),
        )),
        (None, false) => {
            // Releases still queued go out with the commit.
            let commit = match state.take_pending() {
                Some(queued) => format!("{queued}; COMMIT"),
                None => "COMMIT".to_owned(),
            };
            io.wait(client.batch_execute(&commit)).map_err(pg_error)
        }
    };
    if let Err(err) = &committed {
        tracing::error!(error = %err, "group commit failed");
        if connection_lost(err) {
            discard(conn);
        } else {
            let _ = io.wait(client.batch_execute("ROLLBACK"));
        }
    }
    let ok = committed.is_ok();
    for completion in completions {
        completion(committed.clone());
    }
    ok
}

/// Drops the writer's connection for good: it is not handed back to the pool.
fn discard(conn: &mut Option<Object>) {
    if let Some(object) = conn.take() {
        drop(Object::take(object));
    }
}
