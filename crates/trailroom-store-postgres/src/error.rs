//! PostgreSQL failures as store errors: a lost or refused connection is unavailability (the call
//! may be retried once the database is back); anything else is a backend fault.

use tokio_postgres::error::SqlState;
use trailroom_store::StoreError;

/// Wraps a driver error.
pub(crate) fn pg_error(err: tokio_postgres::Error) -> StoreError {
    match err.as_db_error() {
        Some(db) if unavailable(db.code()) => StoreError::Unavailable(db.to_string()),
        Some(db) => StoreError::Backend(db.to_string()),
        None if err.is_closed() || io_source(&err) => StoreError::Unavailable(err.to_string()),
        None => StoreError::Backend(err.to_string()),
    }
}

/// Wraps a failure to get a connection from the pool (none free in time, or the database
/// refused a new one).
pub(crate) fn pool_error(err: deadpool_postgres::PoolError) -> StoreError {
    StoreError::Unavailable(format!("PostgreSQL: {err}"))
}

/// Whether `err` is a unique-constraint violation.
pub(crate) fn is_unique_violation(err: &tokio_postgres::Error) -> bool {
    err.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// Connection exceptions (class 08), insufficient resources (53), and the server going away or
/// starting (57P01–57P03).
fn unavailable(code: &SqlState) -> bool {
    let code = code.code();
    code.starts_with("08") || code.starts_with("53") || matches!(code, "57P01" | "57P02" | "57P03")
}

fn io_source(err: &tokio_postgres::Error) -> bool {
    std::error::Error::source(err).is_some_and(|s| s.is::<std::io::Error>())
}

/// Whether the error leaves the connection unusable (so the writer should open another).
pub(crate) fn connection_lost(err: &StoreError) -> bool {
    matches!(err, StoreError::Unavailable(_))
}
