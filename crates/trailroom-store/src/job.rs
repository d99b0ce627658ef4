//! Write jobs for the single writer, and the async helpers services call.

use tokio::sync::oneshot;

use crate::{ReadTxn, Store, StoreError, StoreResult, WriteTxn};

/// Called with the outcome of the transaction that carried a job.
pub type JobCompletion = Box<dyn FnOnce(StoreResult<()>) + Send>;

/// A unit of work run by the writer. It returns the completion to call after the commit.
pub type WriteJob = Box<dyn FnOnce(&mut dyn WriteTxn) -> JobCompletion + Send>;

/// Runs `work` on the writer inside its own savepoint and waits until its transaction committed.
///
/// When `work` returns `Err`, its writes are undone but the batch still commits; the error is
/// returned to the caller. When the commit itself fails, the caller gets the store error.
pub async fn write<R, E>(
    store: &dyn Store,
    work: impl FnOnce(&mut dyn WriteTxn) -> Result<R, E> + Send + 'static,
) -> Result<Result<R, E>, StoreError>
where
    R: Send + 'static,
    E: Send + 'static,
{
    submit(store, work).await
}

/// Like [`write`], but the job is queued before this returns (jobs of one store commit in the
/// order they were queued), for a caller that must not wait for it: a job queued before a
/// response is sent commits before any job the client's next request queues on this node.
pub fn submit<R, E>(
    store: &dyn Store,
    work: impl FnOnce(&mut dyn WriteTxn) -> Result<R, E> + Send + 'static,
) -> impl std::future::Future<Output = Result<Result<R, E>, StoreError>> + Send + 'static
where
    R: Send + 'static,
    E: Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    store.submit(Box::new(move |txn: &mut dyn WriteTxn| {
        let outcome = run_nested(txn, work);
        Box::new(move |committed: StoreResult<()>| {
            let _ = tx.send(committed.and(outcome));
        })
    }));
    async move {
        rx.await
            .map_err(|_| StoreError::Unavailable("writer stopped".into()))?
    }
}

/// Runs `work` in a savepoint, keeping its writes only when it succeeds.
fn run_nested<R, E>(
    txn: &mut dyn WriteTxn,
    work: impl FnOnce(&mut dyn WriteTxn) -> Result<R, E>,
) -> StoreResult<Result<R, E>> {
    txn.begin_nested()?;
    let result = work(txn);
    match result {
        Ok(_) => txn.commit_nested()?,
        Err(_) => txn.rollback_nested()?,
    }
    Ok(result)
}

/// Runs a read-only closure against a consistent view and returns its result.
pub fn read<R>(store: &dyn Store, mut work: impl FnMut(&dyn ReadTxn) -> R) -> StoreResult<R> {
    let mut out = None;
    store.with_reader(&mut |txn| out = Some(work(txn)))?;
    out.ok_or_else(|| StoreError::Backend("reader did not run".into()))
}
