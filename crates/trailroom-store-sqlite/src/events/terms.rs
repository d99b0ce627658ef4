//! Interned strings: each stream (account, region, category) and each repeated string (event
//! name, source, user name, access key, resource type and name) is stored once and referred to
//! by its number. Numbers are never reused or renumbered.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, ToSql, params};
use trailroom_store::{StoreError, StoreResult};

use crate::backend;

/// The number of `term`, made when `create` and missing.
pub(crate) fn term_id(conn: &Connection, term: &str, create: bool) -> StoreResult<Option<i64>> {
    find_or_insert(
        conn,
        "SELECT id FROM event_terms WHERE term = ?1",
        "INSERT INTO event_terms (term) VALUES (?1)",
        params![term],
        create,
    )
}

/// The number of a stream, made when `create` and missing.
pub(crate) fn stream_id(
    conn: &Connection,
    account: &str,
    region: &str,
    category: &str,
    create: bool,
) -> StoreResult<Option<i64>> {
    find_or_insert(
        conn,
        "SELECT id FROM event_streams WHERE account = ?1 AND region = ?2 AND category = ?3",
        "INSERT INTO event_streams (account, region, category) VALUES (?1, ?2, ?3)",
        params![account, region, category],
        create,
    )
}

/// The id `find` selects for `args`; when there is none and `create`, the id of the row `insert`
/// adds with the same `args`.
fn find_or_insert(
    conn: &Connection,
    find: &str,
    insert: &str,
    args: &[&dyn ToSql],
    create: bool,
) -> StoreResult<Option<i64>> {
    let found = conn
        .prepare_cached(find)
        .and_then(|mut stmt| stmt.query_row(args, |r| r.get(0)).optional())
        .map_err(backend)?;
    if found.is_some() || !create {
        return Ok(found);
    }
    conn.prepare_cached(insert)
        .and_then(|mut stmt| stmt.execute(args))
        .map_err(backend)?;
    Ok(Some(conn.last_insert_rowid()))
}

/// Finds (or makes) the numbers of strings and streams while rows are written, asking the
/// database once per distinct string: the writer moves journal rows in batches that share most of
/// them.
pub(crate) struct Interner<'c> {
    conn: &'c Connection,
    terms: HashMap<String, i64>,
    streams: HashMap<(String, String, String), i64>,
}

impl<'c> Interner<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Self {
        Self {
            conn,
            terms: HashMap::new(),
            streams: HashMap::new(),
        }
    }

    /// The number of `term`, made when missing.
    pub(crate) fn term(&mut self, term: &str) -> StoreResult<i64> {
        if let Some(id) = self.terms.get(term) {
            return Ok(*id);
        }
        let id = term_id(self.conn, term, true)?.unwrap_or_default();
        self.terms.insert(term.to_owned(), id);
        Ok(id)
    }

    /// The number of the stream (account, region, category), made when missing.
    pub(crate) fn stream(
        &mut self,
        account: &str,
        region: &str,
        category: &str,
    ) -> StoreResult<i64> {
        let key = (account.to_owned(), region.to_owned(), category.to_owned());
        if let Some(id) = self.streams.get(&key) {
            return Ok(*id);
        }
        let id = stream_id(self.conn, account, region, category, true)?.unwrap_or_default();
        self.streams.insert(key, id);
        Ok(id)
    }
}

/// A stream's parts.
#[derive(Debug, Clone)]
pub(crate) struct Stream {
    pub account: String,
    pub region: String,
    pub category: String,
}

/// Turns numbers back into strings for the rows of one read, asking the database once per
/// distinct number.
pub(crate) struct Resolver<'c> {
    conn: &'c Connection,
    terms: HashMap<i64, String>,
    streams: HashMap<i64, Stream>,
}

impl<'c> Resolver<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Self {
        Self {
            conn,
            terms: HashMap::new(),
            streams: HashMap::new(),
        }
    }

    /// The string of term `id`.
    pub(crate) fn term(&mut self, id: i64) -> StoreResult<String> {
        if let Some(term) = self.terms.get(&id) {
            return Ok(term.clone());
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT term FROM event_terms WHERE id = ?1")
            .map_err(backend)?;
        let term: String = stmt
            .query_row([id], |r| r.get(0))
            .optional()
            .map_err(backend)?
            .ok_or_else(|| StoreError::Backend(format!("unknown event term {id}")))?;
        self.terms.insert(id, term.clone());
        Ok(term)
    }

    /// The optional string of an optional term.
    pub(crate) fn maybe_term(&mut self, id: Option<i64>) -> StoreResult<Option<String>> {
        id.map(|id| self.term(id)).transpose()
    }

    /// The parts of stream `id`.
    pub(crate) fn stream(&mut self, id: i64) -> StoreResult<Stream> {
        if let Some(stream) = self.streams.get(&id) {
            return Ok(stream.clone());
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT account, region, category FROM event_streams WHERE id = ?1")
            .map_err(backend)?;
        let stream = stmt
            .query_row([id], |r| {
                Ok(Stream {
                    account: r.get(0)?,
                    region: r.get(1)?,
                    category: r.get(2)?,
                })
            })
            .optional()
            .map_err(backend)?
            .ok_or_else(|| StoreError::Backend(format!("unknown event stream {id}")))?;
        self.streams.insert(id, stream.clone());
        Ok(stream)
    }
}
