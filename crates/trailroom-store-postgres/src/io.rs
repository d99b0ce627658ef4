//! The store's own runtime: one thread that drives the connections' sockets, so that blocking
//! callers on any thread (the server's async workers, the writer thread, tests) can wait for a
//! query without needing a runtime of their own.

use std::future::Future;

use trailroom_store::{StoreError, StoreResult};

/// The runtime connections live on.
pub(crate) struct Io {
    runtime: Option<tokio::runtime::Runtime>,
}

impl Io {
    pub(crate) fn start() -> StoreResult<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("trailroom-postgres")
            .enable_all()
            .build()
            .map_err(|e| {
                StoreError::Backend(format!("cannot start the PostgreSQL runtime: {e}"))
            })?;
        Ok(Self {
            runtime: Some(runtime),
        })
    }

    /// Waits on this thread for `fut`. Inside the runtime's context, so that connections opened
    /// on the way are driven by its thread and its timers work; unconstrained, because on a
    /// thread that is running a task of another runtime, tokio's resources would otherwise charge
    /// that task's cooperative budget and, once it is spent, wait for the task to yield, which it
    /// cannot do while blocked here.
    pub(crate) fn wait<F: Future>(&self, fut: F) -> F::Output {
        let _context = self.runtime.as_ref().map(|rt| rt.enter());
        futures_executor::block_on(tokio::task::unconstrained(fut))
    }
}

impl Drop for Io {
    fn drop(&mut self) {
        // A runtime may be dropped from async code (a store dropped in a handler or a test):
        // let its thread wind down on its own rather than block here.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
