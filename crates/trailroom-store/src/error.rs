//! Storage errors, by kind. Services map kinds to their own modelled codes; anything else becomes
//! an internal failure at the wire.

/// What went wrong in the store.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// A unique name is already taken in this account and kind.
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// The store is shutting down or the writer is gone.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A lease the work depended on changed hands: another node does that work now.
    #[error("fenced: {0}")]
    Fenced(String),
    /// The backend failed (I/O, corruption, a bug).
    #[error("store failure: {0}")]
    Backend(String),
}

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;
