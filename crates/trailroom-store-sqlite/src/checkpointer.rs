//! The checkpointer thread: copies committed WAL pages back into the database file on its own
//! connection, a few times a second, so the writer never spends its time checkpointing (it was a
//! fifth of the writer's time under load). The writer keeps a high automatic-checkpoint
//! threshold only as a backstop.

use std::path::Path;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use trailroom_store::{StoreError, StoreResult};

/// How often the WAL is checkpointed.
const INTERVAL: Duration = Duration::from_millis(250);
/// WAL pages after which the writer checkpoints itself (about 64 MiB).
pub(crate) const WRITER_BACKSTOP_PAGES: u32 = 16_384;

/// Handle of the running checkpointer; stops it when told to (or when dropped).
pub(crate) struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path`.
    pub(crate) fn spawn(path: &Path) -> StoreResult<Self> {
        let conn = crate::open_connection(path)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = thread::Builder::new()
            .name("trailroom-checkpointer".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                    if let Err(err) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)") {
                        tracing::warn!(error = %err, "WAL checkpoint failed");
                    }
                }
            })
            .map_err(|e| StoreError::Backend(format!("cannot start checkpointer: {e}")))?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops the thread and waits for it.
    pub(crate) fn stop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}
