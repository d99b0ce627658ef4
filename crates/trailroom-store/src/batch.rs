//! What every writer does with a batch of jobs, whatever its database: each job runs on the
//! batch's transaction in turn, a panicking job loses only its own work (its savepoints are
//! unwound and its caller sees the dropped completion), and jobs no database will run are
//! completed with the error instead of left hanging.

use std::panic::{self, AssertUnwindSafe};

use crate::{JobCompletion, Refusing, StoreError, WriteJob, WriteTxn};

/// A writer's transaction that can roll back the savepoints a job left open.
pub trait JobTxn: WriteTxn {
    /// Rolls back every savepoint still open.
    fn unwind_open_savepoints(&mut self);
}

/// Runs `batch`, each job on a transaction `txn` makes; returns the completions of the jobs that
/// did not panic, to call once the batch's outcome is known.
pub fn run_jobs<T: JobTxn>(batch: Vec<WriteJob>, mut txn: impl FnMut() -> T) -> Vec<JobCompletion> {
    let mut completions = Vec::with_capacity(batch.len());
    for job in batch {
        let mut txn = txn();
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

/// Completes a job that no database will run with `err` (it is given a transaction that
/// refuses every call).
pub fn refuse(job: WriteJob, err: StoreError) {
    let completion = job(&mut Refusing(err.clone()));
    completion(Err(err));
}

/// [`refuse`]s every job of `batch`.
pub fn refuse_all(batch: Vec<WriteJob>, err: &StoreError) {
    for job in batch {
        refuse(job, err.clone());
    }
}
