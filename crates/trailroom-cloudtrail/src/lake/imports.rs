//! Imports: StartImport, GetImport, ListImports, ListImportFailures, StopImport, and the worker
//! that copies CloudTrail log files (`{"Records": [...]}`, gzipped, CloudTrail's key layout)
//! from a bucket of this server into an event data store.
//!
//! Stored as `ct_lake_import` documents (account = owner, id = import id; body
//! [`ImportRecord`]). The worker takes each import's files in key order; each file goes into the
//! lake with the import's cursor moved past it in one lake transaction (so a file is imported
//! once, whatever stops the worker), its events numbered below every event-log position
//! ([`trailroom_lake::import_seq`]). A file that cannot be read, unzipped or parsed is recorded
//! as a failure and the import goes on. Imported events keep their records as they are in the
//! file; they are searchable by SQL, not in Event history, as in AWS.

use std::io::Read as _;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use trailroom_audit::{CallContext, store_failure};
use trailroom_delivery::validate::ObjectSource;
use trailroom_lake::{Lake, LakeError, LakeEvent, import_seq};
use trailroom_model::Timestamp;
use trailroom_model::cloudtrail::{
    GetImportRequest, GetImportResponse, ImportFailureListItem, ImportSource, ImportStatistics,
    ImportsListItem, ListImportFailuresRequest, ListImportFailuresResponse, ListImportsRequest,
    ListImportsResponse, S3ImportSource, StartImportRequest, StartImportResponse,
    StopImportRequest, StopImportResponse,
};
use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, Store, StoreError};

use super::record::EdsStatus;
use super::{EDS_RESOURCE_TYPE, StoreRef, page};
use crate::trails::required;

/// Document kind of imports.
pub const IMPORT_KIND: &str = "ct_lake_import";

/// Where an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportStatus {
    /// Accepted; no file read yet.
    Initializing,
    /// Reading files.
    InProgress,
    /// Stopped by a failure that ends it (the bucket cannot be listed).
    Failed,
    /// Stopped by StopImport.
    Stopped,
    /// Every file read.
    Completed,
}

impl ImportStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Initializing => "INITIALIZING",
            Self::InProgress => "IN_PROGRESS",
            Self::Failed => "FAILED",
            Self::Stopped => "STOPPED",
            Self::Completed => "COMPLETED",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [
            Self::Initializing,
            Self::InProgress,
            Self::Failed,
            Self::Stopped,
            Self::Completed,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }

    fn is_running(self) -> bool {
        matches!(self, Self::Initializing | Self::InProgress)
    }
}

/// A file that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImportFailure {
    /// `s3://bucket/key`.
    pub location: String,
    /// What went wrong, as a kind.
    pub error_type: String,
    /// What went wrong.
    pub error_message: String,
    /// When, ms.
    pub at_ms: i64,
}

/// An import (document `ct_lake_import`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImportRecord {
    /// `ImportId`.
    pub id: String,
    /// The owner.
    pub account_id: String,
    /// The destination store's ARN.
    pub destination: String,
    /// The destination store's id.
    pub store_id: String,
    /// `S3LocationUri`.
    pub location: String,
    /// `S3BucketRegion`.
    pub bucket_region: String,
    /// `S3BucketAccessRoleArn`.
    pub role_arn: String,
    /// `StartEventTime`, ms.
    pub start_ms: Option<i64>,
    /// `EndEventTime`, ms.
    pub end_ms: Option<i64>,
    /// `ImportStatus`.
    pub status: ImportStatus,
    /// `CreatedTimestamp`, ms.
    pub created_ms: i64,
    /// `UpdatedTimestamp`, ms.
    pub updated_ms: i64,
    /// `PrefixesFound`: the folders holding log files.
    pub prefixes_found: i64,
    /// `PrefixesCompleted`.
    pub prefixes_completed: i64,
    /// `FilesCompleted`.
    pub files_completed: i64,
    /// `EventsCompleted`.
    pub events_completed: i64,
    /// The files that failed.
    #[serde(default)]
    pub failures: Vec<ImportFailure>,
}

impl ImportRecord {
    fn to_doc(&self) -> Result<trailroom_store::Doc, StoreError> {
        trailroom_store::Doc::new(&self.account_id, IMPORT_KIND, &self.id, self)
    }

    fn source(&self) -> ImportSource {
        ImportSource {
            s3: Some(S3ImportSource {
                s3_location_uri: Some(self.location.clone()),
                s3_bucket_region: Some(self.bucket_region.clone()),
                s3_bucket_access_role_arn: Some(self.role_arn.clone()),
            }),
        }
    }

    fn statistics(&self) -> ImportStatistics {
        ImportStatistics {
            prefixes_found: Some(self.prefixes_found),
            prefixes_completed: Some(self.prefixes_completed),
            files_completed: Some(self.files_completed),
            events_completed: Some(self.events_completed),
            failed_entries: Some(self.failures.len() as i64),
        }
    }

    /// `s3://bucket/prefix` as (bucket, prefix).
    fn bucket_and_prefix(&self) -> Option<(String, String)> {
        parse_location(&self.location)
    }
}

fn parse_location(uri: &str) -> Option<(String, String)> {
    let rest = uri.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then(|| (bucket.to_owned(), prefix.to_owned()))
}

fn import_not_found(id: &str) -> ApiError {
    ApiError::client(
        "ImportNotFoundException",
        format!("The import {id} was not found."),
    )
}

fn find(txn: &dyn ReadTxn, account: &str, id: &str) -> Result<ImportRecord, ApiError> {
    txn.get(account, IMPORT_KIND, id)
        .map_err(store_failure)?
        .map(|doc| doc.decode())
        .transpose()
        .map_err(store_failure)?
        .ok_or_else(|| import_not_found(id))
}

macro_rules! import_response {
    ($ty:ident, $r:expr) => {{
        let r = $r;
        // Some response shapes have exactly these members, others more.
        #[allow(clippy::needless_update)]
        let response = $ty {
            import_id: Some(r.id.clone()),
            destinations: Some(vec![r.destination.clone()]),
            import_source: Some(r.source()),
            start_event_time: r.start_ms.map(Timestamp::from_epoch_millis),
            end_event_time: r.end_ms.map(Timestamp::from_epoch_millis),
            import_status: Some(r.status.as_str().to_owned()),
            created_timestamp: Some(Timestamp::from_epoch_millis(r.created_ms)),
            updated_timestamp: Some(Timestamp::from_epoch_millis(r.updated_ms)),
            ..$ty::default()
        };
        response
    }};
}

/// StartImport: a new import, or (with `ImportId`) a stopped or failed one started again.
pub(crate) async fn start_import(
    ctx: &CallContext,
    input: StartImportRequest,
) -> Result<StartImportResponse, ApiError> {
    let (account, now) = (ctx.account_id().to_owned(), ctx.now_ms());
    if let Some(id) = input.import_id {
        return ctx
            .write(move |tx| {
                let mut record = find(&*tx, &account, &id)?;
                if record.status.is_running() || record.status == ImportStatus::Completed {
                    return Err(ApiError::client(
                        "InvalidParameterException",
                        format!("The import {id} is {}.", record.status.as_str()),
                    ));
                }
                record.status = ImportStatus::Initializing;
                record.updated_ms = now;
                tx.put(&record.to_doc().map_err(store_failure)?)
                    .map_err(store_failure)?;
                Ok(import_response!(StartImportResponse, &record))
            })
            .await;
    }
    let destinations = input.destinations.unwrap_or_default();
    let [destination] = destinations.as_slice() else {
        return Err(ApiError::client(
            "InvalidParameterException",
            "Name exactly one destination event data store.",
        ));
    };
    let target = StoreRef::parse(destination, ctx)?;
    ctx.add_resource(EDS_RESOURCE_TYPE, target.arn.clone());
    let s3 = input
        .import_source
        .and_then(|s| s.s3)
        .ok_or_else(|| invalid_source("ImportSource needs S3."))?;
    let location = s3.s3_location_uri.unwrap_or_default();
    if parse_location(&location).is_none() {
        return Err(invalid_source(&format!(
            "S3LocationUri must be s3://bucket/prefix: {location}"
        )));
    }
    let record = ImportRecord {
        id: uuid::Uuid::new_v4().to_string(),
        account_id: account.clone(),
        destination: target.arn.clone(),
        store_id: target.arn.rsplit('/').next().unwrap_or_default().to_owned(),
        location,
        bucket_region: s3.s3_bucket_region.unwrap_or_default(),
        role_arn: s3.s3_bucket_access_role_arn.unwrap_or_default(),
        start_ms: input.start_event_time.map(Timestamp::epoch_millis),
        end_ms: input.end_event_time.map(Timestamp::epoch_millis),
        status: ImportStatus::Initializing,
        created_ms: now,
        updated_ms: now,
        prefixes_found: 0,
        prefixes_completed: 0,
        files_completed: 0,
        events_completed: 0,
        failures: Vec::new(),
    };
    if let (Some(start), Some(end)) = (record.start_ms, record.end_ms)
        && start > end
    {
        return Err(ApiError::client(
            "InvalidParameterException",
            "StartEventTime must be before EndEventTime.",
        ));
    }
    ctx.write(move |tx| {
        let store = target.find(&*tx, now)?;
        if store.status == EdsStatus::PendingDeletion {
            return Err(ApiError::client(
                "InactiveEventDataStoreException",
                format!("The event data store {} is pending deletion.", store.arn),
            ));
        }
        let ongoing = tx
            .list(&account, IMPORT_KIND)
            .map_err(store_failure)?
            .into_iter()
            .filter_map(|d| d.decode::<ImportRecord>().ok())
            .any(|i| i.status.is_running());
        if ongoing {
            return Err(ApiError::client(
                "AccountHasOngoingImportException",
                "This account already has an import in progress.",
            ));
        }
        tx.put(&record.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(import_response!(StartImportResponse, &record))
    })
    .await
}

fn invalid_source(message: &str) -> ApiError {
    ApiError::client("InvalidImportSourceException", message)
}

/// GetImport.
pub(crate) fn get_import(
    ctx: &CallContext,
    input: GetImportRequest,
) -> Result<GetImportResponse, ApiError> {
    let id = required(input.import_id, "ImportId")?;
    let record = ctx.read(|txn| find(txn, ctx.account_id(), &id))?;
    ctx.add_resource(EDS_RESOURCE_TYPE, record.destination.clone());
    let mut response = import_response!(GetImportResponse, &record);
    response.import_statistics = Some(record.statistics());
    Ok(response)
}

/// StopImport.
pub(crate) async fn stop_import(
    ctx: &CallContext,
    input: StopImportRequest,
) -> Result<StopImportResponse, ApiError> {
    let id = required(input.import_id, "ImportId")?;
    let (account, now) = (ctx.account_id().to_owned(), ctx.now_ms());
    ctx.write(move |tx| {
        let mut record = find(&*tx, &account, &id)?;
        if record.status.is_running() {
            record.status = ImportStatus::Stopped;
            record.updated_ms = now;
            tx.put(&record.to_doc().map_err(store_failure)?)
                .map_err(store_failure)?;
        }
        let mut response = import_response!(StopImportResponse, &record);
        response.import_statistics = Some(record.statistics());
        Ok(response)
    })
    .await
}

/// ListImports: the account's imports, newest first.
pub(crate) fn list_imports(
    ctx: &CallContext,
    input: ListImportsRequest,
) -> Result<ListImportsResponse, ApiError> {
    let destination = input
        .destination
        .as_deref()
        .map(|d| StoreRef::parse(d, ctx).map(|r| r.arn))
        .transpose()?;
    let status = input
        .import_status
        .as_deref()
        .map(|s| {
            ImportStatus::parse(s).ok_or_else(|| {
                ApiError::client(
                    "InvalidParameterException",
                    format!("No import status {s}."),
                )
            })
        })
        .transpose()?;
    let mut imports: Vec<ImportRecord> = ctx.read(|txn| {
        let docs = txn
            .list(ctx.account_id(), IMPORT_KIND)
            .map_err(store_failure)?;
        docs.iter()
            .map(|d| d.decode::<ImportRecord>().map_err(store_failure))
            .collect()
    })?;
    imports.retain(|i| {
        destination.as_ref().is_none_or(|d| *d == i.destination)
            && status.is_none_or(|s| s == i.status)
    });
    imports.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(a.id.cmp(&b.id)));
    let (page, next_token) = page(
        &imports,
        input.next_token.as_deref(),
        input.max_results,
        1000,
    )?;
    Ok(ListImportsResponse {
        imports: Some(
            page.iter()
                .map(|i| ImportsListItem {
                    import_id: Some(i.id.clone()),
                    import_status: Some(i.status.as_str().to_owned()),
                    destinations: Some(vec![i.destination.clone()]),
                    created_timestamp: Some(Timestamp::from_epoch_millis(i.created_ms)),
                    updated_timestamp: Some(Timestamp::from_epoch_millis(i.updated_ms)),
                })
                .collect(),
        ),
        next_token,
    })
}

/// ListImportFailures.
pub(crate) fn list_import_failures(
    ctx: &CallContext,
    input: ListImportFailuresRequest,
) -> Result<ListImportFailuresResponse, ApiError> {
    let id = required(input.import_id, "ImportId")?;
    let record = ctx.read(|txn| find(txn, ctx.account_id(), &id))?;
    let (page, next_token) = page(
        &record.failures,
        input.next_token.as_deref(),
        input.max_results,
        1000,
    )?;
    Ok(ListImportFailuresResponse {
        failures: Some(
            page.iter()
                .map(|f| ImportFailureListItem {
                    location: Some(f.location.clone()),
                    status: Some("FAILED".into()),
                    error_type: Some(f.error_type.clone()),
                    error_message: Some(f.error_message.clone()),
                    last_updated_time: Some(Timestamp::from_epoch_millis(f.at_ms)),
                })
                .collect(),
        ),
        next_token,
    })
}

/// What stops the import worker (an import's own failures are recorded in it instead).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The lake failed.
    #[error(transparent)]
    Lake(#[from] LakeError),
}

/// Files a worker round reads per import before it writes progress.
const FILES_PER_ROUND: usize = 50;

/// Runs every import in progress a step further: up to [`FILES_PER_ROUND`] files each.
pub async fn run_imports(
    store: &dyn Store,
    lake: &Lake,
    objects: &(dyn ObjectSource + Sync),
    now_ms: i64,
) -> Result<usize, ImportError> {
    let running: Vec<ImportRecord> = trailroom_store::read(store, |txn| {
        txn.list_kind(IMPORT_KIND)?
            .iter()
            .map(|d| d.decode::<ImportRecord>())
            .collect::<Result<Vec<_>, _>>()
    })??
    .into_iter()
    .filter(|i| i.status.is_running())
    .collect();
    let mut files = 0;
    for import in running {
        files += step(store, lake, objects, import, now_ms).await?;
    }
    Ok(files)
}

/// What one round did to an import, written back unless StopImport came first.
struct Progress {
    files: i64,
    events: i64,
    prefixes_found: i64,
    prefixes_completed: i64,
    failures: Vec<ImportFailure>,
    status: ImportStatus,
}

async fn step(
    store: &dyn Store,
    lake: &Lake,
    objects: &(dyn ObjectSource + Sync),
    import: ImportRecord,
    now_ms: i64,
) -> Result<usize, ImportError> {
    let progress = read_files(lake, objects, &import, now_ms)?;
    let done = progress.files as usize;
    let (account, id) = (import.account_id.clone(), import.id.clone());
    trailroom_store::write(store, move |tx| {
        let Some(doc) = tx.get(&account, IMPORT_KIND, &id)? else {
            return Ok(());
        };
        let mut record: ImportRecord = doc.decode()?;
        record.files_completed += progress.files;
        record.events_completed += progress.events;
        record.prefixes_found = progress.prefixes_found;
        record.prefixes_completed = progress.prefixes_completed;
        record.failures.extend(progress.failures);
        if record.status.is_running() {
            record.status = progress.status;
        }
        record.updated_ms = now_ms;
        tx.put(&record.to_doc()?)
    })
    .await??;
    Ok(done)
}

/// Reads the next files of an import into the lake.
fn read_files(
    lake: &Lake,
    objects: &dyn ObjectSource,
    import: &ImportRecord,
    now_ms: i64,
) -> Result<Progress, ImportError> {
    let mut progress = Progress {
        files: 0,
        events: 0,
        prefixes_found: import.prefixes_found,
        prefixes_completed: import.prefixes_completed,
        failures: Vec::new(),
        status: ImportStatus::InProgress,
    };
    let Some((bucket, prefix)) = import.bucket_and_prefix() else {
        progress.status = ImportStatus::Failed;
        return Ok(progress);
    };
    let keys = match objects.list(&bucket, &prefix) {
        Ok(keys) => log_files(keys),
        Err(message) => {
            progress.failures.push(ImportFailure {
                location: import.location.clone(),
                error_type: "AccessDenied".into(),
                error_message: message,
                at_ms: now_ms,
            });
            progress.status = ImportStatus::Failed;
            return Ok(progress);
        }
    };
    let folders = |keys: &[String]| {
        let mut dirs: Vec<&str> = keys
            .iter()
            .map(|k| k.rsplit_once('/').map_or("", |p| p.0))
            .collect();
        dirs.dedup();
        dirs.len() as i64
    };
    progress.prefixes_found = folders(&keys);
    let feed = format!("import/{}", import.id);
    let import_key = lake.import_key(&import.id)?;
    let mut next = lake.cursor(&feed)?.unwrap_or(0);
    for (index, key) in keys
        .iter()
        .enumerate()
        .skip(next as usize)
        .take(FILES_PER_ROUND)
    {
        let location = format!("s3://{bucket}/{key}");
        let events = match read_log_file(objects, &bucket, key) {
            Ok(records) => events_of(records, import, import_key, index as i64),
            Err((error_type, message)) => Err((error_type, message)),
        };
        let events = events.unwrap_or_else(|(error_type, error_message)| {
            progress.failures.push(ImportFailure {
                location,
                error_type,
                error_message,
                at_ms: now_ms,
            });
            Vec::new()
        });
        match lake.ingest(&import.store_id, &feed, next, next + 1, &events) {
            Ok(()) => {}
            Err(LakeError::CursorMoved(_)) => return Ok(progress),
            Err(e) => return Err(e.into()),
        }
        next += 1;
        progress.files += 1;
        progress.events += events.len() as i64;
    }
    progress.prefixes_completed = folders(&keys[..next as usize]);
    if next as usize >= keys.len() {
        progress.prefixes_completed = progress.prefixes_found;
        progress.status = ImportStatus::Completed;
    }
    Ok(progress)
}

/// CloudTrail log files among `keys` (digest files and anything else left out), in key order.
fn log_files(mut keys: Vec<String>) -> Vec<String> {
    keys.retain(|k| k.ends_with(".json.gz") && !k.contains("/CloudTrail-Digest/"));
    keys.sort();
    keys
}

type FileError = (String, String);

fn read_log_file(
    objects: &dyn ObjectSource,
    bucket: &str,
    key: &str,
) -> Result<Vec<Value>, FileError> {
    let (bytes, _) = objects
        .get(bucket, key)
        .map_err(|e| ("AccessDenied".to_owned(), e))?
        .ok_or_else(|| ("NoSuchKey".to_owned(), format!("{key} no longer exists")))?;
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(bytes.as_slice())
        .read_to_string(&mut text)
        .map_err(|e| {
            (
                "InvalidFile".to_owned(),
                format!("not a gzipped text file: {e}"),
            )
        })?;
    let document: Value = serde_json::from_str(&text)
        .map_err(|e| ("InvalidFile".to_owned(), format!("not JSON: {e}")))?;
    match document.get("Records") {
        Some(Value::Array(records)) => Ok(records.clone()),
        _ => Err((
            "InvalidFile".to_owned(),
            "no Records array: not a CloudTrail log file".to_owned(),
        )),
    }
}

/// The lake events of a file's records inside the import's time range.
fn events_of(
    records: Vec<Value>,
    import: &ImportRecord,
    import_key: i64,
    file: i64,
) -> Result<Vec<LakeEvent>, FileError> {
    let mut events = Vec::new();
    for (index, record) in records.into_iter().enumerate() {
        let time_ms = record
            .get("eventTime")
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| {
                (
                    "InvalidFile".to_owned(),
                    format!("record {index} has no valid eventTime"),
                )
            })?;
        if import.start_ms.is_some_and(|s| time_ms < s)
            || import.end_ms.is_some_and(|e| time_ms > e)
        {
            continue;
        }
        let seq = import_seq(import_key, file, index as i64).ok_or_else(|| {
            (
                "InvalidFile".to_owned(),
                "too many records or files".to_owned(),
            )
        })?;
        events.push(LakeEvent {
            seq,
            time_ms,
            record_json: record.to_string(),
        });
    }
    Ok(events)
}
