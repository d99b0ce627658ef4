//! The PostgreSQL store: the [`Store`] traits over one PostgreSQL database that several trailroom
//! nodes may share.
//!
//! Owns: connecting (a pool of connections, `deadpool-postgres` over `tokio-postgres`), schema
//! migrations run once however many nodes start together ([`schema`]), the writer thread that
//! group-commits [`WriteJob`]s ([`writer`]), and the SQL of documents and events ([`txn`],
//! [`events`]).
//!
//! The traits are blocking, like SQLite's: the driver's futures are polled on the calling thread
//! while the store's own small runtime ([`io::Io`]) drives the readers' sockets (the writer's
//! own thread drives its connection), so a call blocks its thread for one round trip to the
//! database, as an SQLite read blocks it for a page read.
//!
//! Knows nothing about what the documents mean.

mod error;
mod events;
mod io;
mod schema;
mod txn;
mod writer;

use std::str::FromStr;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use trailroom_store::{ReadTxn, Store, StoreError, StoreResult, WriteJob, WriterCounters};

use crate::error::{pg_error, pool_error};
use crate::io::Io;
use crate::txn::{Batch, PgTxn};
use crate::writer::WriterMsg;

/// How a [`PostgresStore`] connects.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// Most connections open at once (readers and the writer).
    pub max_connections: usize,
    /// Longest wait for a free connection, or for a new one to open, before a call is answered
    /// as unavailable.
    pub wait: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            wait: Duration::from_secs(5),
        }
    }
}

/// A [`Store`] on a PostgreSQL database.
pub struct PostgresStore {
    io: Arc<Io>,
    pool: Pool,
    jobs: Mutex<Option<mpsc::Sender<WriterMsg>>>,
    counters: Arc<WriterCounters>,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`), migrates its schema
    /// and starts the writer.
    pub fn open(url: &str, options: &PostgresOptions) -> StoreResult<Arc<Self>> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Backend(format!("invalid PostgreSQL URL: {e}")))?;
        let io = Arc::new(Io::start()?);
        // Readers share the pool; the writer keeps one connection of its own.
        let readers = options.max_connections.max(2) - 1;
        let pool = connection_pool(&config, readers, options)?;
        {
            let mut conn = io.wait(pool.get()).map_err(pool_error)?;
            io.wait(schema::migrate(&mut conn))?;
        }
        let counters = Arc::new(WriterCounters::default());
        let writer_pool = connection_pool(&config, 1, options)?;
        let jobs = writer::spawn(Io::on_caller()?, writer_pool, counters.clone())?;
        Ok(Arc::new(Self {
            io,
            pool,
            jobs: Mutex::new(Some(jobs)),
            counters,
        }))
    }
}

/// A pool of at most `size` connections to the database `config` names.
fn connection_pool(
    config: &tokio_postgres::Config,
    size: usize,
    options: &PostgresOptions,
) -> StoreResult<Pool> {
    let manager = Manager::from_config(
        config.clone(),
        tokio_postgres::NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .wait_timeout(Some(options.wait))
        .create_timeout(Some(options.wait))
        .build()
        .map_err(|e| StoreError::Backend(format!("cannot build the connection pool: {e}")))
}

impl Store for PostgresStore {
    fn writer_stats(&self) -> trailroom_store::WriterStats {
        self.counters.snapshot()
    }

    fn submit(&self, job: WriteJob) {
        let sender = self.jobs.lock().expect("writer handle poisoned").clone();
        let refused = match sender {
            Some(sender) => sender.send(WriterMsg::Job(job)).err().map(|e| e.0),
            None => Some(WriterMsg::Job(job)),
        };
        if let Some(WriterMsg::Job(job)) = refused {
            writer::refuse(job, StoreError::Unavailable("store is shut down".into()));
        }
    }

    fn with_reader(&self, f: &mut dyn FnMut(&dyn ReadTxn)) -> StoreResult<()> {
        let conn = self.io.wait(self.pool.get()).map_err(pool_error)?;
        // One snapshot for everything `f` reads, begun with its first read.
        let snapshot = Batch::default();
        snapshot.queue("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY".into());
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            f(&PgTxn::reader(&self.io, &conn, &snapshot))
        }));
        if let Err(panic) = read {
            // Its snapshot may still be open: never hand it to another reader.
            drop(deadpool_postgres::Object::take(conn));
            std::panic::resume_unwind(panic);
        }
        let ended = match (snapshot.lost(), snapshot.take_pending()) {
            (Some(err), _) => Err(err),
            // Nothing was read: the snapshot was never begun.
            (None, Some(_)) => Ok(()),
            (None, None) => self.io.wait(conn.batch_execute("COMMIT")).map_err(pg_error),
        };
        if ended.as_ref().is_err_and(error::connection_lost) {
            // Not back into the pool: a later reader would only find it broken.
            drop(deadpool_postgres::Object::take(conn));
        }
        ended
    }

    fn shutdown(&self) {
        let sender = self.jobs.lock().expect("writer handle poisoned").take();
        if let Some(sender) = sender {
            let (done_tx, done_rx) = mpsc::channel();
            if sender.send(WriterMsg::Stop(done_tx)).is_ok() {
                let _ = done_rx.recv();
            }
        }
        self.pool.close();
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests;
