//! The runtimes connections live on. Readers share the store's own runtime, one thread that
//! drives their sockets, so that blocking callers on any thread (the server's async workers,
//! tests) can wait for a query without a runtime of their own. The writer has a runtime of its
//! own that only its thread runs: its connection is driven by the thread that waits on it, so a
//! statement costs no hand-over between threads (which would lengthen every write transaction,
//! and all nodes' write transactions run one after another).

use std::future::Future;

use trailroom_store::{StoreError, StoreResult};

/// The runtime connections live on.
pub(crate) struct Io {
    runtime: Option<tokio::runtime::Runtime>,
    /// Driven by the waiting thread itself (the writer's), not by a thread of its own.
    on_caller: bool,
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
            on_caller: false,
        })
    }

    /// A runtime that only the one thread waiting on it runs (the writer's): connections opened
    /// through it are driven while that thread waits for a statement.
    pub(crate) fn on_caller() -> StoreResult<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                StoreError::Backend(format!("cannot start the PostgreSQL writer's runtime: {e}"))
            })?;
        Ok(Self {
            runtime: Some(runtime),
            on_caller: true,
        })
    }

    /// Waits on this thread for `fut`. Inside the runtime's context, so that connections opened
    /// on the way are driven by its thread and its timers work; unconstrained, because on a
    /// thread that is running a task of another runtime, tokio's resources would otherwise charge
    /// that task's cooperative budget and, once it is spent, wait for the task to yield, which it
    /// cannot do while blocked here.
    pub(crate) fn wait<F: Future>(&self, fut: F) -> F::Output {
        if let Some(runtime) = self.runtime.as_ref().filter(|_| self.on_caller) {
            return runtime.block_on(fut);
        }
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
