//! Queries: started (translated, then run on their own thread and connection), described,
//! paged, listed and cancelled. A query reads the stores' views on a connection that can only
//! read; a progress handler stops it when it is cancelled or runs past the timeout. Its rows
//! are kept in `lake_result` as `[[column, value], …]` (a null value is left out, as a string
//! cannot say null) until [`Lake::forget_queries_before`] drops them.
//!
//! Statistics: `EventsScanned` and `BytesScanned` are what the stores read held when the query
//! ran; `EventsMatched` is the number of result rows.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::sql::{self, Translation};
use crate::{Lake, LakeError, udf};

/// Where a query is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStatus {
    /// Accepted, not yet running.
    Queued,
    /// Running.
    Running,
    /// Done; results are kept.
    Finished,
    /// Failed; `error` says why.
    Failed,
    /// Cancelled by CancelQuery.
    Cancelled,
    /// Ran past the timeout.
    TimedOut,
}

impl QueryStatus {
    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "QUEUED",
            Self::Running => "RUNNING",
            Self::Finished => "FINISHED",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
            Self::TimedOut => "TIMED_OUT",
        }
    }

    /// The status called `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Running,
            Self::Finished,
            Self::Failed,
            Self::Cancelled,
            Self::TimedOut,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }

    /// Whether the query may still change.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

/// A query to start.
#[derive(Debug, Clone, Default)]
pub struct QuerySpec {
    /// The account running it.
    pub account: String,
    /// The region it runs in.
    pub region: String,
    /// The SQL.
    pub statement: String,
    /// When it starts (ms since the epoch): `now()` in the query.
    pub now_ms: i64,
    /// `DeliveryS3Uri`, kept for DescribeQuery.
    pub delivery_uri: Option<String>,
    /// `QueryAlias`: the dashboard widget whose query this is.
    pub alias: Option<String>,
    /// `RefreshId`: the dashboard refresh that started it.
    pub refresh: Option<String>,
}

/// What is known about a query.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryInfo {
    /// `QueryId`.
    pub id: String,
    /// The account that ran it.
    pub account: String,
    /// The region it ran in.
    pub region: String,
    /// The stores it reads.
    pub stores: Vec<String>,
    /// `QueryString`.
    pub statement: String,
    /// `QueryStatus`.
    pub status: QueryStatus,
    /// `CreationTime`, ms.
    pub created_ms: i64,
    /// When it stopped, ms (its creation plus its execution time: the lake reads no clock).
    pub finished_ms: Option<i64>,
    /// `ErrorMessage`.
    pub error: Option<String>,
    /// `ResultsCount` / `TotalResultsCount`.
    pub results_count: i64,
    /// `EventsScanned`.
    pub events_scanned: i64,
    /// `BytesScanned`.
    pub bytes_scanned: i64,
    /// `EventsMatched`.
    pub events_matched: i64,
    /// `ExecutionTimeInMillis`.
    pub execution_ms: i64,
    /// `DeliveryS3Uri`.
    pub delivery_uri: Option<String>,
    /// `DeliveryStatus`.
    pub delivery_status: Option<String>,
    /// `QueryAlias`, for a dashboard widget's query.
    pub alias: Option<String>,
    /// `RefreshId`, for a query a dashboard refresh started.
    pub refresh: Option<String>,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPage {
    /// The query.
    pub info: QueryInfo,
    /// Rows: `(column, value)` in column order, nulls left out.
    pub rows: Vec<Vec<(String, String)>>,
    /// The offset of the next page, when there is one.
    pub next: Option<i64>,
}

const COLUMNS: &str = "id, account, stores, statement, status, created_ms, finished_ms, error, \
                       results_count, events_scanned, bytes_scanned, events_matched, \
                       execution_ms, delivery_uri, delivery_status, region, alias, refresh";

fn info_from_row(row: &Row<'_>) -> rusqlite::Result<QueryInfo> {
    let stores: String = row.get(2)?;
    let status: String = row.get(4)?;
    Ok(QueryInfo {
        id: row.get(0)?,
        account: row.get(1)?,
        stores: serde_json::from_str(&stores).unwrap_or_default(),
        statement: row.get(3)?,
        status: QueryStatus::parse(&status).unwrap_or(QueryStatus::Failed),
        created_ms: row.get(5)?,
        finished_ms: row.get(6)?,
        error: row.get(7)?,
        results_count: row.get(8)?,
        events_scanned: row.get(9)?,
        bytes_scanned: row.get(10)?,
        events_matched: row.get(11)?,
        execution_ms: row.get(12)?,
        delivery_uri: row.get(13)?,
        delivery_status: row.get(14)?,
        region: row.get(15)?,
        alias: row.get(16)?,
        refresh: row.get(17)?,
    })
}

fn count_active(conn: &Connection, account: &str) -> Result<usize, LakeError> {
    let active: i64 = conn.query_row(
        "SELECT count(*) FROM lake_query WHERE account = ?1 AND status IN ('QUEUED', 'RUNNING')",
        [account],
        |r| r.get(0),
    )?;
    Ok(active as usize)
}

/// Rows written per transaction while a query produces them.
const RESULT_CHUNK: usize = 1000;
/// Virtual machine steps between checks for cancellation and the timeout.
const PROGRESS_STEPS: i32 = 20_000;

impl Lake {
    /// Translates and starts a query; `resolve` maps each table name to a store the caller may
    /// read. Returns it queued (it runs on its own thread).
    pub fn start_query(
        self: &Arc<Self>,
        spec: QuerySpec,
        resolve: &mut dyn FnMut(&str) -> Result<String, LakeError>,
    ) -> Result<QueryInfo, LakeError> {
        let translation = sql::translate(&spec.statement, resolve)?;
        let id = uuid::Uuid::new_v4().to_string();
        let stores: Vec<String> = translation.views.iter().map(|(_, s)| s.clone()).collect();
        {
            let conn = self.writer();
            if count_active(&conn, &spec.account)? >= self.limits.concurrent_queries {
                return Err(LakeError::TooManyQueries(self.limits.concurrent_queries));
            }
            conn.execute(
                "INSERT INTO lake_query (id, account, stores, statement, status, created_ms, \
                 delivery_uri, delivery_status, region, alias, refresh) VALUES (?1, ?2, ?3, ?4, \
                 'QUEUED', ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    id,
                    spec.account,
                    serde_json::to_string(&stores).unwrap_or_default(),
                    spec.statement,
                    spec.now_ms,
                    spec.delivery_uri,
                    spec.delivery_uri.as_ref().map(|_| "PENDING"),
                    spec.region,
                    spec.alias,
                    spec.refresh,
                ],
            )?;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.running_queries().insert(id.clone(), cancel.clone());
        let lake = self.clone();
        let (query_id, now_ms) = (id.clone(), spec.now_ms);
        let spawned = std::thread::Builder::new()
            .name("lake-query".to_owned())
            .spawn(move || lake.run(&query_id, &translation, &cancel, now_ms));
        if let Err(e) = spawned {
            self.finish(&id, QueryStatus::Failed, Some(&e.to_string()), 0, 0)?;
        }
        self.describe(&spec.account, &id)
    }

    /// Records a query that could not start (a dashboard widget CloudTrail may not run) as
    /// `FAILED` with `message`, so DescribeQuery by its alias and refresh says why.
    pub fn fail_query(&self, spec: QuerySpec, message: &str) -> Result<QueryInfo, LakeError> {
        let id = uuid::Uuid::new_v4().to_string();
        self.writer().execute(
            "INSERT INTO lake_query (id, account, stores, statement, status, created_ms, \
             finished_ms, error, region, alias, refresh) VALUES (?1, ?2, '[]', ?3, 'FAILED', ?4, \
             ?4, ?5, ?6, ?7, ?8)",
            params![
                id,
                spec.account,
                spec.statement,
                spec.now_ms,
                message,
                spec.region,
                spec.alias,
                spec.refresh,
            ],
        )?;
        self.describe(&spec.account, &id)
    }

    /// How many of `account`'s queries are queued or running.
    pub fn active_queries(&self, account: &str) -> Result<usize, LakeError> {
        count_active(&self.writer(), account)
    }

    fn running_queries(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Arc<AtomicBool>>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn run(&self, id: &str, translation: &Translation, cancel: &Arc<AtomicBool>, now_ms: i64) {
        let started = Instant::now();
        let outcome = self.execute(id, translation, cancel, now_ms, started);
        let elapsed = started.elapsed().as_millis() as i64;
        let result = match outcome {
            Ok(rows) => self.finish(id, QueryStatus::Finished, None, rows, elapsed),
            Err(err) => {
                let interrupted = matches!(
                    &err,
                    LakeError::Database(rusqlite::Error::SqliteFailure(e, _))
                        if e.code == rusqlite::ErrorCode::OperationInterrupted
                );
                let (status, message) = match (interrupted, cancel.load(Ordering::SeqCst)) {
                    (true, true) => (QueryStatus::Cancelled, None),
                    (true, false) => (
                        QueryStatus::TimedOut,
                        Some("The query ran longer than its time limit.".to_owned()),
                    ),
                    _ => (QueryStatus::Failed, Some(failure_message(&err))),
                };
                self.finish(id, status, message.as_deref(), 0, elapsed)
            }
        };
        if let Err(e) = result {
            tracing::error!(query = id, error = %e, "cannot record a query's end");
        }
        self.running_queries().remove(id);
    }

    fn execute(
        &self,
        id: &str,
        translation: &Translation,
        cancel: &Arc<AtomicBool>,
        now_ms: i64,
        started: Instant,
    ) -> Result<i64, LakeError> {
        self.writer().execute(
            "UPDATE lake_query SET status = 'RUNNING' WHERE id = ?1 AND status = 'QUEUED'",
            [id],
        )?;
        let mut conn = self.query_connection()?;
        let now = chrono::DateTime::from_timestamp_millis(now_ms)
            .unwrap_or_default()
            .naive_utc();
        udf::register(&conn, now)?;
        for (view, store) in &translation.views {
            // A store that has ingested nothing has no key yet: its view is empty.
            let key = crate::ingest::store_key(&conn, store, false)?.unwrap_or(-1);
            conn.execute_batch(&format!(
                "CREATE TEMP VIEW \"{view}\" AS {}",
                crate::schema::projection(key)
            ))?;
        }
        conn.pragma_update(None, "query_only", true)?;
        let timeout = self.limits.query_timeout;
        let stop = cancel.clone();
        conn.progress_handler(
            PROGRESS_STEPS,
            Some(move || stop.load(Ordering::SeqCst) || started.elapsed() > timeout),
        )?;
        let rows = self.stream_rows(id, &mut conn, &translation.sql, cancel)?;
        let (events, bytes) = translation
            .views
            .iter()
            .try_fold((0, 0), |acc, (_, store)| {
                self.store_size(store)
                    .map(|s| (acc.0 + s.events, acc.1 + s.bytes))
            })?;
        self.writer().execute(
            "UPDATE lake_query SET events_scanned = ?2, bytes_scanned = ?3 WHERE id = ?1",
            params![id, events, bytes],
        )?;
        Ok(rows)
    }

    fn stream_rows(
        &self,
        id: &str,
        conn: &mut Connection,
        sql: &str,
        cancel: &AtomicBool,
    ) -> Result<i64, LakeError> {
        let mut stmt = conn.prepare(sql)?;
        let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let mut as_text = conn.prepare("SELECT json(?1)")?;
        let mut rows = stmt.query([])?;
        let mut chunk: Vec<String> = Vec::with_capacity(RESULT_CHUNK);
        let mut written = 0i64;
        while let Some(row) = rows.next()? {
            if cancel.load(Ordering::SeqCst) {
                return Err(LakeError::Database(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERRUPT),
                    None,
                )));
            }
            let cells: Vec<serde_json::Value> = names
                .iter()
                .enumerate()
                .filter_map(|(i, name)| {
                    render(row.get_ref(i).ok()?, &mut as_text).map(|v| serde_json::json!([name, v]))
                })
                .collect();
            chunk.push(serde_json::Value::Array(cells).to_string());
            if chunk.len() == RESULT_CHUNK {
                written = self.write_results(id, written, &mut chunk)?;
            }
        }
        self.write_results(id, written, &mut chunk)
    }

    fn write_results(
        &self,
        id: &str,
        from: i64,
        chunk: &mut Vec<String>,
    ) -> Result<i64, LakeError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO lake_result (query, row, cells) VALUES (?1, ?2, ?3)",
            )?;
            for (i, cells) in chunk.iter().enumerate() {
                insert.execute(params![id, from + i as i64, cells])?;
            }
        }
        tx.commit()?;
        let next = from + chunk.len() as i64;
        chunk.clear();
        Ok(next)
    }

    fn finish(
        &self,
        id: &str,
        status: QueryStatus,
        error: Option<&str>,
        rows: i64,
        elapsed_ms: i64,
    ) -> Result<(), LakeError> {
        let conn = self.writer();
        conn.execute(
            "UPDATE lake_query SET status = ?2, error = ?3, results_count = ?4, \
             events_matched = ?4, execution_ms = ?5, finished_ms = created_ms + ?5 \
             WHERE id = ?1 AND status IN ('QUEUED', 'RUNNING')",
            params![id, status.as_str(), error, rows, elapsed_ms],
        )?;
        if status != QueryStatus::Finished {
            conn.execute("DELETE FROM lake_result WHERE query = ?1", [id])?;
        }
        Ok(())
    }

    /// The query `id` of `account`.
    pub fn describe(&self, account: &str, id: &str) -> Result<QueryInfo, LakeError> {
        self.writer()
            .query_row(
                &format!("SELECT {COLUMNS} FROM lake_query WHERE id = ?1 AND account = ?2"),
                [id, account],
                info_from_row,
            )
            .optional()?
            .ok_or_else(|| LakeError::QueryNotFound(id.to_owned()))
    }

    /// The latest query of `account` in `region` with `alias` (of the dashboard refresh
    /// `refresh`, when given).
    pub fn describe_alias(
        &self,
        account: &str,
        region: &str,
        alias: &str,
        refresh: Option<&str>,
    ) -> Result<QueryInfo, LakeError> {
        self.writer()
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM lake_query WHERE account = ?1 AND region = ?4 AND \
                     alias = ?2 AND (?3 IS NULL OR refresh = ?3) ORDER BY created_ms DESC, rowid \
                     DESC LIMIT 1"
                ),
                params![account, alias, refresh, region],
                info_from_row,
            )
            .optional()?
            .ok_or_else(|| LakeError::QueryNotFound(alias.to_owned()))
    }

    /// The queries a dashboard refresh started, oldest first.
    pub fn refresh_queries(
        &self,
        account: &str,
        refresh: &str,
    ) -> Result<Vec<QueryInfo>, LakeError> {
        let conn = self.writer();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM lake_query WHERE account = ?1 AND refresh = ?2 ORDER BY \
             created_ms, rowid"
        ))?;
        let rows = stmt.query_map([account, refresh], info_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Up to `limit` result rows of a query from `offset` (rows only once it has finished).
    pub fn results(
        &self,
        account: &str,
        id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<QueryPage, LakeError> {
        let info = self.describe(account, id)?;
        if info.status != QueryStatus::Finished {
            return Ok(QueryPage {
                info,
                rows: Vec::new(),
                next: None,
            });
        }
        let conn = self.writer();
        let mut stmt = conn.prepare_cached(
            "SELECT cells FROM lake_result WHERE query = ?1 AND row >= ?2 ORDER BY row LIMIT ?3",
        )?;
        let rows: Vec<Vec<(String, String)>> = stmt
            .query_map(params![id, offset, limit], |r| r.get::<_, String>(0))?
            .map(|cells| cells.map(|c| parse_cells(&c)))
            .collect::<Result<_, _>>()?;
        let end = offset + rows.len() as i64;
        let next = (end < info.results_count).then_some(end);
        Ok(QueryPage { info, rows, next })
    }

    /// The account's queries over `store` created in `[since_ms, until_ms]`, newest first.
    pub fn list_queries(
        &self,
        account: &str,
        store: &str,
        since_ms: i64,
        until_ms: i64,
        status: Option<QueryStatus>,
    ) -> Result<Vec<QueryInfo>, LakeError> {
        let conn = self.writer();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM lake_query WHERE account = ?1 AND created_ms BETWEEN ?2 AND ?3 \
             AND EXISTS (SELECT 1 FROM json_each(stores) WHERE value = ?4) \
             AND (?5 IS NULL OR status = ?5) ORDER BY created_ms DESC, id"
        ))?;
        let rows = stmt.query_map(
            params![
                account,
                since_ms,
                until_ms,
                store,
                status.map(QueryStatus::as_str)
            ],
            info_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Cancels a queued or running query.
    pub fn cancel(&self, account: &str, id: &str) -> Result<QueryInfo, LakeError> {
        let info = self.describe(account, id)?;
        if !info.status.is_active() {
            return Err(LakeError::QueryInactive(id.to_owned()));
        }
        if let Some(flag) = self.running_queries().get(id) {
            flag.store(true, Ordering::SeqCst);
        }
        self.finish(id, QueryStatus::Cancelled, None, 0, 0)?;
        self.describe(account, id)
    }

    /// Queries that stopped with their results still to deliver (`DeliveryStatus` `PENDING`).
    pub fn pending_deliveries(&self) -> Result<Vec<QueryInfo>, LakeError> {
        let conn = self.writer();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM lake_query WHERE delivery_status = 'PENDING' AND status NOT IN \
             ('QUEUED', 'RUNNING') ORDER BY created_ms"
        ))?;
        let rows = stmt.query_map([], info_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records how a query's results were delivered.
    pub fn set_delivery_status(&self, id: &str, status: &str) -> Result<(), LakeError> {
        self.writer().execute(
            "UPDATE lake_query SET delivery_status = ?2 WHERE id = ?1",
            params![id, status],
        )?;
        Ok(())
    }

    /// Drops queries (and their results) created before `before_ms`.
    pub fn forget_queries_before(&self, before_ms: i64) -> Result<usize, LakeError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM lake_result WHERE query IN (SELECT id FROM lake_query WHERE created_ms \
             < ?1 AND status NOT IN ('QUEUED', 'RUNNING'))",
            [before_ms],
        )?;
        let gone = tx.execute(
            "DELETE FROM lake_query WHERE created_ms < ?1 AND status NOT IN ('QUEUED', 'RUNNING')",
            [before_ms],
        )?;
        tx.commit()?;
        Ok(gone)
    }
}

/// A value as Lake shows it: every value a string; `None` for null. Blobs are the JSONB of
/// nested columns, shown as JSON text (`as_text` is `SELECT json(?1)`).
fn render(value: ValueRef<'_>, as_text: &mut rusqlite::Statement<'_>) -> Option<String> {
    match value {
        ValueRef::Blob(blob) => as_text
            .query_row([blob], |r| r.get::<_, String>(0))
            .ok()
            .or_else(|| Some(String::from_utf8_lossy(blob).into_owned())),
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => {
            Some(format!("{f:.1}"))
        }
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

fn parse_cells(text: &str) -> Vec<(String, String)> {
    let cells: Vec<(String, String)> = serde_json::from_str(text).unwrap_or_default();
    cells
}

/// A failure as the query's `ErrorMessage`.
fn failure_message(err: &LakeError) -> String {
    match err {
        LakeError::Database(rusqlite::Error::SqliteFailure(_, Some(message))) => message.clone(),
        LakeError::Database(rusqlite::Error::UserFunctionError(e)) => e.to_string(),
        other => other.to_string(),
    }
}
