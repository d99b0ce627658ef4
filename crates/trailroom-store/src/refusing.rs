//! A transaction that refuses every call: what a job is given when no database can run it, so it
//! completes (with the error) without touching one.

use crate::{Doc, EventQuery, EventRow, ReadTxn, StoreError, StoreResult, WriteTxn};

/// A transaction that refuses everything with one error: handed to jobs that arrive after
/// shutdown, or whose batch could not begin.
pub struct Refusing(pub StoreError);

impl Refusing {
    /// Refuses because the store is shut down.
    pub fn shut_down() -> Self {
        Self(StoreError::Unavailable("store is shut down".into()))
    }

    fn refused<T>(&self) -> StoreResult<T> {
        Err(self.0.clone())
    }
}

impl ReadTxn for Refusing {
    fn get(&self, _: &str, _: &str, _: &str) -> StoreResult<Option<Doc>> {
        self.refused()
    }
    fn get_by_name(&self, _: &str, _: &str, _: &str) -> StoreResult<Option<Doc>> {
        self.refused()
    }
    fn find_by_id(&self, _: &str, _: &str) -> StoreResult<Option<Doc>> {
        self.refused()
    }
    fn list_kind(&self, _: &str) -> StoreResult<Vec<Doc>> {
        self.refused()
    }
    fn list(&self, _: &str, _: &str) -> StoreResult<Vec<Doc>> {
        self.refused()
    }
    fn list_children(&self, _: &str, _: &str, _: &str) -> StoreResult<Vec<Doc>> {
        self.refused()
    }
    fn lookup_events(&self, _: &EventQuery) -> StoreResult<Vec<EventRow>> {
        self.refused()
    }
    fn count_events(&self) -> StoreResult<u64> {
        self.refused()
    }
    fn last_event_seq(&self) -> StoreResult<i64> {
        self.refused()
    }
    fn events_after(
        &self,
        _: &str,
        _: Option<&str>,
        _: i64,
        _: usize,
    ) -> StoreResult<Vec<EventRow>> {
        self.refused()
    }
    fn log_after(&self, _: i64, _: usize) -> StoreResult<Vec<EventRow>> {
        self.refused()
    }
}

impl WriteTxn for Refusing {
    fn put(&mut self, _: &Doc) -> StoreResult<()> {
        self.refused()
    }
    fn delete(&mut self, _: &str, _: &str, _: &str) -> StoreResult<bool> {
        self.refused()
    }
    fn append_event(&mut self, _: &EventRow) -> StoreResult<i64> {
        self.refused()
    }
    fn clear_all(&mut self) -> StoreResult<()> {
        self.refused()
    }
    fn prune_events(&mut self, _: i64, _: usize) -> StoreResult<usize> {
        self.refused()
    }
    fn remove_events(&mut self, _: &[i64]) -> StoreResult<usize> {
        self.refused()
    }
    fn begin_nested(&mut self) -> StoreResult<()> {
        self.refused()
    }
    fn commit_nested(&mut self) -> StoreResult<()> {
        self.refused()
    }
    fn rollback_nested(&mut self) -> StoreResult<()> {
        self.refused()
    }
}
