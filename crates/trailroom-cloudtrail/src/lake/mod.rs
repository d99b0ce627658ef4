//! CloudTrail Lake: event data stores ([`stores`]), the feed that fills them from the event log
//! ([`feed`]), imports of CloudTrail log files ([`imports`]) and SQL queries over them
//! ([`queries`]), on the engine in `trailroom-lake`.
//!
//! # Stored documents
//!
//! **`ct_event_data_store`** ([`EventDataStoreRecord`]): account = owner, id = ARN
//! (`arn:aws:cloudtrail:<region>:<account>:eventdatastore/<uuid>`), name = `<region>/<name>`.
//! Body, PascalCase: `Name`, `Arn`, `Id`, `AccountId`, `HomeRegion`, `Status` (`Created`,
//! `Enabled`, `StoppedIngestion`, `PendingDeletion`), `StatusBeforeDeletion`, `Selectors`
//! (advanced selectors as trails store them), `MultiRegion`, `Organization`, `RetentionDays`,
//! `TerminationProtection`, `BillingMode`, `KmsKeyId`, `Tags`, `ResourcePolicy`, `CreatedMs`, `UpdatedMs`,
//! `DeletedMs`, `Windows` (`[{"AfterSeq", "UptoSeq"}]`: the positions the store ingests, opened
//! before the call that starts ingestion and closed at the call that stops it). A store whose
//! pending deletion began seven days ago is gone: calls no longer find it, its name is free and
//! the feeder drops its events.
//!
//! The lake's own database holds the stores' events, feed cursors, queries and results.

pub mod audit_events;
pub mod channels;
pub mod dashboards;
mod delegated;
pub mod enrich;
mod event_config;
mod federation;
pub mod feed;
pub mod generate;
pub mod imports;
mod policies;
mod queries;
mod record;
pub mod results_delivery;
pub mod samples;
mod stores;
#[cfg(test)]
mod tests;

use trailroom_audit::{CallContext, store_failure};
use trailroom_lake::LakeError;
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

pub(crate) use channels::{
    create_channel, delete_channel, get_channel, list_channels, update_channel,
};
pub(crate) use dashboards::refresh::start_dashboard_refresh;
pub(crate) use dashboards::{
    create_dashboard, delete_dashboard, get_dashboard, list_dashboards, update_dashboard,
};
pub(crate) use delegated::{administered_stores, administers};
pub(crate) use event_config::{get_event_configuration, put_event_configuration};
pub(crate) use federation::{disable_federation, enable_federation};
pub(crate) use generate::generate_query;
pub(crate) use imports::{
    get_import, list_import_failures, list_imports, start_import, stop_import,
};
pub(crate) use policies::{delete_resource_policy, get_resource_policy, put_resource_policy};
pub(crate) use queries::{
    cancel_query, describe_query, get_query_results, list_queries, start_query,
};
pub use record::{
    ACTIVITY_AUDIT_LOG, EDS_KIND, EdsStatus, EventDataStoreRecord, IngestionWindow,
    PENDING_DELETION_MS, eds_arn,
};
pub(crate) use samples::search_sample_queries;
pub use stores::MAX_STORES_PER_REGION;
pub(crate) use stores::{
    create_event_data_store, delete_event_data_store, get_event_data_store, list_event_data_stores,
    restore_event_data_store, start_ingestion, stop_ingestion, update_event_data_store,
};

/// `resources[].type` of an event data store a call names.
pub const EDS_RESOURCE_TYPE: &str = "AWS::CloudTrail::EventDataStore";

/// An event data store named by a request: its ARN, or its id in the caller's account and
/// region.
#[derive(Debug, Clone)]
pub(crate) struct StoreRef {
    /// The ARN it names.
    pub arn: String,
    account: String,
}

impl StoreRef {
    /// Reads `text` as an ARN or an id.
    pub fn parse(text: &str, ctx: &CallContext) -> Result<Self, ApiError> {
        let invalid = || {
            ApiError::client(
                "EventDataStoreARNInvalidException",
                format!("The specified event data store ARN is not valid: {text}"),
            )
        };
        let is_id =
            |id: &str| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if let Some(rest) = text.strip_prefix("arn:") {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            let [partition, "cloudtrail", region, account, resource] = parts.as_slice() else {
                return Err(invalid());
            };
            let id = resource
                .strip_prefix("eventdatastore/")
                .ok_or_else(invalid)?;
            if !partition.starts_with("aws")
                || region.is_empty()
                || account.len() != 12
                || !account.chars().all(|c| c.is_ascii_digit())
                || !is_id(id)
            {
                return Err(invalid());
            }
            return Ok(Self {
                arn: text.to_owned(),
                account: (*account).to_owned(),
            });
        }
        if !is_id(text) {
            return Err(invalid());
        }
        Ok(Self {
            arn: eds_arn(ctx.region(), ctx.account_id(), text),
            account: ctx.account_id().to_owned(),
        })
    }

    /// The store, unless it does not exist or is gone.
    pub fn find(&self, txn: &dyn ReadTxn, now_ms: i64) -> Result<EventDataStoreRecord, ApiError> {
        let record: Option<EventDataStoreRecord> = txn
            .get(&self.account, EDS_KIND, &self.arn)
            .map_err(store_failure)?
            .map(|doc| doc.decode())
            .transpose()
            .map_err(store_failure)?;
        record
            .filter(|r| !r.is_gone(now_ms))
            .ok_or_else(|| not_found(&self.arn))
    }
}

/// `EventDataStoreNotFoundException`.
pub fn not_found(name: &str) -> ApiError {
    ApiError::client(
        "EventDataStoreNotFoundException",
        format!("The specified event data store {name} was not found."),
    )
}

/// The lake's errors on the wire.
pub(crate) fn lake_error(err: LakeError) -> ApiError {
    let code = match &err {
        LakeError::InvalidStatement(_) => "InvalidQueryStatementException",
        LakeError::StoreNotFound(name) => return not_found(name),
        LakeError::StoreInactive(_) => "InactiveEventDataStoreException",
        LakeError::QueryNotFound(_) => "QueryIdNotFoundException",
        LakeError::QueryInactive(_) => "InactiveQueryException",
        LakeError::TooManyQueries(_) => "MaxConcurrentQueriesException",
        LakeError::CursorMoved(_) | LakeError::Database(_) => {
            tracing::error!(error = %err, "lake failure");
            return ApiError::internal();
        }
    };
    ApiError::client(code, err.to_string())
}

/// The offset an opaque page token (`page-<n>`) stands for; no token is the first page.
pub(crate) fn page_offset(token: Option<&str>) -> Result<usize, ApiError> {
    match token {
        None => Ok(0),
        Some(token) => token
            .strip_prefix("page-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                ApiError::client(
                    "InvalidNextTokenException",
                    "The pagination token is not valid.",
                )
            }),
    }
}

/// One page of `items` from an offset token (`page-<n>`), at most `max` (1–`limit`,
/// default `limit`) long, and the next page's token.
pub(crate) fn page<'a, T>(
    items: &'a [T],
    token: Option<&str>,
    max: Option<i32>,
    limit: usize,
) -> Result<(&'a [T], Option<String>), ApiError> {
    let start = page_offset(token)?;
    if start > items.len() {
        return Err(ApiError::client(
            "InvalidNextTokenException",
            "The pagination token is not valid.",
        ));
    }
    let size = max.map_or(limit, |m| m.clamp(1, limit as i32) as usize);
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| format!("page-{end}"));
    Ok((&items[start..end], next))
}
