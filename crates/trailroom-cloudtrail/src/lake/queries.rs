//! StartQuery, DescribeQuery, GetQueryResults, ListQueries, CancelQuery. A query may read the
//! caller's live stores of the calling region; before it starts, their feeds catch up with the
//! event log, so every event recorded before StartQuery is in its answer.

use std::collections::BTreeMap;
use std::sync::Arc;

use trailroom_audit::CallContext;
use trailroom_lake::{Lake, LakeError, QueryInfo, QuerySpec, QueryStatus};
use trailroom_model::Timestamp;
use trailroom_model::cloudtrail::{
    CancelQueryRequest, CancelQueryResponse, DescribeQueryRequest, DescribeQueryResponse,
    GetQueryResultsRequest, GetQueryResultsResponse, ListQueriesRequest, ListQueriesResponse,
    Query, QueryStatistics, QueryStatisticsForDescribeQuery, StartQueryRequest, StartQueryResponse,
};
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

use super::dashboards::dashboards_in;
use super::dashboards::widgets::{fill, refresh_values};
use super::feed::FeedSources;
use super::generate::generated;
use super::record::{EdsStatus, EventDataStoreRecord, eds_arn};
use super::{
    EDS_RESOURCE_TYPE, StoreRef, administered_stores, feed, lake_error, page, page_offset,
};
use crate::trails::{BucketView, required};

/// How far back ListQueries looks by default (AWS keeps queries seven days).
const LIST_WINDOW_MS: i64 = 7 * 24 * 3600 * 1000;

fn invalid_parameter(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidParameterException", message)
}

/// The statement StartQuery runs: `QueryStatement`, or the query `QueryAlias` names (one
/// GenerateQuery made, or a dashboard widget's); `QueryParameters` fill a widget's `?`
/// placeholders in order (a widget without them gets its own parameters with a refresh's
/// defaults).
fn statement_to_run(ctx: &CallContext, input: &StartQueryRequest) -> Result<String, ApiError> {
    let given = input.query_parameters.clone();
    let (statement, parameters, values) = match (&input.query_statement, &input.query_alias) {
        (Some(_), Some(_)) => {
            return Err(invalid_parameter(
                "Specify QueryStatement or QueryAlias, not both.",
            ));
        }
        (None, None) => return Err(invalid_parameter("QueryStatement is required.")),
        (Some(statement), None) => (statement.clone(), given.unwrap_or_default(), None),
        (None, Some(alias)) => {
            let generated = ctx.read(|txn| generated(txn, ctx.account_id(), alias))?;
            if let Some(query) = generated {
                return Ok(query.statement);
            }
            let widget = ctx
                .read(|txn| dashboards_in(txn, ctx.account_id(), ctx.region()))?
                .into_iter()
                .flat_map(|d| d.widgets)
                .find(|w| w.alias == *alias)
                .ok_or_else(|| {
                    invalid_parameter(format!("No dashboard widget has the QueryAlias {alias}."))
                })?;
            match given {
                Some(literals) => (widget.statement, literals, None),
                None => (
                    widget.statement,
                    widget.parameters,
                    Some(refresh_values(BTreeMap::new(), ctx.now_ms())),
                ),
            }
        }
    };
    if parameters.is_empty() {
        return Ok(statement);
    }
    let values = values.unwrap_or_default();
    fill(&statement, &parameters, &values)
        .map_err(|m| ApiError::client("InvalidQueryStatementException", m))
}

/// StartQuery.
pub(crate) fn start_query(
    ctx: &CallContext,
    input: StartQueryRequest,
    lake: &Arc<Lake>,
    sources: FeedSources<'_>,
) -> Result<StartQueryResponse, ApiError> {
    let statement = statement_to_run(ctx, &input)?;
    let delivery_uri = input.delivery_s3_uri.clone();
    if let Some(uri) = &delivery_uri {
        let (bucket, _) = super::results_delivery::parse_uri(uri).ok_or_else(|| {
            ApiError::client(
                "InvalidS3BucketNameException",
                format!("DeliveryS3Uri must be s3://bucket[/prefix]: {uri}"),
            )
        })?;
        let view = ctx.read(|txn| sources.neighbours.bucket(txn, &bucket))?;
        match view {
            BucketView::Missing => {
                return Err(ApiError::client(
                    "S3BucketDoesNotExistException",
                    format!("S3 bucket {bucket} does not exist."),
                ));
            }
            BucketView::External => {
                return Err(ApiError::client(
                    "UnsupportedOperationException",
                    format!(
                        "Query results are delivered to this server's buckets; {bucket} is external."
                    ),
                ));
            }
            BucketView::Local { .. } => {}
        }
    }
    // Another account's stores are read when their resource policy lets this caller (the
    // authorization before this handler checked it against each store the SQL names).
    let owner = input
        .event_data_store_owner_account_id
        .clone()
        .unwrap_or_else(|| ctx.account_id().to_owned());
    let now = ctx.now_ms();
    let stores = ctx.read(|txn| {
        let mut stores = region_stores(txn, &owner, ctx.region(), now)?;
        if owner == ctx.account_id() {
            stores.extend(administered_stores(txn, &owner, ctx.region(), now)?);
        }
        feed::feed(txn, lake, &stores, sources).map_err(|e| lake_failure(&e))?;
        Ok(stores)
    })?;
    let spec = QuerySpec {
        account: ctx.account_id().to_owned(),
        region: ctx.region().to_owned(),
        statement,
        now_ms: now,
        delivery_uri,
        alias: input.query_alias.clone(),
        refresh: None,
    };
    let info = lake
        .start_query(spec, &mut |name| resolve(&stores, name))
        .map_err(lake_error)?;
    for id in &info.stores {
        ctx.add_resource(
            EDS_RESOURCE_TYPE,
            eds_arn(ctx.region(), ctx.account_id(), id),
        );
    }
    Ok(StartQueryResponse {
        query_id: Some(info.id),
        event_data_store_owner_account_id: input.event_data_store_owner_account_id,
    })
}

fn lake_failure(err: &feed::FeedError) -> ApiError {
    tracing::error!(error = %err, "cannot feed event data stores");
    ApiError::internal()
}

/// `account`'s live stores in `region`.
pub(crate) fn region_stores(
    txn: &dyn ReadTxn,
    account: &str,
    region: &str,
    now_ms: i64,
) -> Result<Vec<EventDataStoreRecord>, ApiError> {
    let stores = feed::live_stores(txn, now_ms).map_err(|e| lake_failure(&e))?;
    Ok(stores
        .into_iter()
        .filter(|s| s.account_id == account && s.home_region == region)
        .collect())
}

/// [`region_stores`], caught up with the event log: a query over them sees every event recorded
/// before it started.
pub(crate) fn fed_stores(
    txn: &dyn ReadTxn,
    lake: &Lake,
    account: &str,
    region: &str,
    now_ms: i64,
    sources: FeedSources<'_>,
) -> Result<Vec<EventDataStoreRecord>, ApiError> {
    let stores = region_stores(txn, account, region, now_ms)?;
    feed::feed(txn, lake, &stores, sources).map_err(|e| lake_failure(&e))?;
    Ok(stores)
}

/// The store a table name names among `stores` (by id, any case, or ARN); refused when it is
/// pending deletion. StartQuery and dashboard widgets resolve their tables with it.
pub(crate) fn resolve(stores: &[EventDataStoreRecord], name: &str) -> Result<String, LakeError> {
    let store = stores
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(name) || s.arn == name)
        .ok_or_else(|| LakeError::StoreNotFound(name.to_owned()))?;
    match store.status {
        EdsStatus::PendingDeletion => Err(LakeError::StoreInactive(store.arn.clone())),
        _ => Ok(store.id.clone()),
    }
}

/// The query DescribeQuery names: by `QueryId`, or the latest of a `QueryAlias` (in the
/// dashboard refresh `RefreshId`, when given).
fn described(
    lake: &Lake,
    ctx: &CallContext,
    input: &DescribeQueryRequest,
) -> Result<QueryInfo, ApiError> {
    let account = ctx.account_id();
    match (&input.query_id, &input.query_alias, &input.refresh_id) {
        (Some(id), None, None) => lake.describe(account, id).map_err(lake_error),
        (None, Some(alias), refresh) => lake
            .describe_alias(account, ctx.region(), alias, refresh.as_deref())
            .map_err(|_| {
                ApiError::client(
                    "QueryIdNotFoundException",
                    match refresh {
                        Some(refresh) => {
                            format!("No query of {alias} ran in the refresh {refresh}.")
                        }
                        None => format!("No query of {alias} has run."),
                    },
                )
            }),
        (None, None, _) => Err(invalid_parameter(
            "Specify the QueryId or the QueryAlias of the query.",
        )),
        (Some(_), _, _) => Err(invalid_parameter(
            "Specify the QueryId, or the QueryAlias (and RefreshId), not both.",
        )),
    }
}

/// DescribeQuery.
pub(crate) fn describe_query(
    ctx: &CallContext,
    input: DescribeQueryRequest,
    lake: &Lake,
) -> Result<DescribeQueryResponse, ApiError> {
    let info = described(lake, ctx, &input)?;
    let prompt = match &info.alias {
        Some(alias) => ctx
            .read(|txn| generated(txn, ctx.account_id(), alias))?
            .map(|g| g.prompt),
        None => None,
    };
    name_stores(ctx, &info);
    Ok(DescribeQueryResponse {
        query_id: Some(info.id.clone()),
        query_string: Some(info.statement.clone()),
        query_status: Some(info.status.as_str().to_owned()),
        query_statistics: Some(QueryStatisticsForDescribeQuery {
            events_matched: Some(info.events_matched),
            events_scanned: Some(info.events_scanned),
            bytes_scanned: Some(info.bytes_scanned),
            execution_time_in_millis: Some(info.execution_ms.clamp(0, i32::MAX as i64) as i32),
            creation_time: Some(Timestamp::from_epoch_millis(info.created_ms)),
        }),
        error_message: info.error.clone(),
        delivery_s3_uri: info.delivery_uri.clone(),
        delivery_status: info.delivery_status.clone(),
        prompt,
        ..DescribeQueryResponse::default()
    })
}

/// GetQueryResults: a page of rows, each a list of one-entry maps in column order.
pub(crate) fn get_query_results(
    ctx: &CallContext,
    input: GetQueryResultsRequest,
    lake: &Lake,
) -> Result<GetQueryResultsResponse, ApiError> {
    let id = required(input.query_id, "QueryId")?;
    let offset = page_offset(input.next_token.as_deref())? as i64;
    let limit = input.max_query_results.map_or(1000, i64::from);
    let page = lake
        .results(ctx.account_id(), &id, offset, limit)
        .map_err(lake_error)?;
    name_stores(ctx, &page.info);
    let rows: Vec<Vec<BTreeMap<String, String>>> = page
        .rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|(column, value)| BTreeMap::from([(column, value)]))
                .collect()
        })
        .collect();
    let finished = page.info.status == QueryStatus::Finished;
    Ok(GetQueryResultsResponse {
        query_status: Some(page.info.status.as_str().to_owned()),
        query_statistics: Some(QueryStatistics {
            results_count: finished.then_some(rows.len() as i32),
            total_results_count: finished
                .then_some(page.info.results_count.clamp(0, i32::MAX as i64) as i32),
            bytes_scanned: Some(page.info.bytes_scanned),
        }),
        query_result_rows: finished.then_some(rows),
        next_token: page.next.map(|n| format!("page-{n}")),
        error_message: page.info.error.clone(),
    })
}

/// ListQueries: the account's queries over a store in a time range, newest first.
pub(crate) fn list_queries(
    ctx: &CallContext,
    input: ListQueriesRequest,
    lake: &Lake,
) -> Result<ListQueriesResponse, ApiError> {
    let target = StoreRef::parse(&required(input.event_data_store, "EventDataStore")?, ctx)?;
    let store = ctx.read(|txn| target.find(txn, ctx.now_ms()))?;
    ctx.add_resource(EDS_RESOURCE_TYPE, store.arn.clone());
    let now = ctx.now_ms();
    let since = input
        .start_time
        .map_or(now - LIST_WINDOW_MS, Timestamp::epoch_millis);
    let until = input.end_time.map_or(now, Timestamp::epoch_millis);
    if since > until {
        return Err(ApiError::client(
            "InvalidDateRangeException",
            "The start time must be before the end time.",
        ));
    }
    let status = match input.query_status.as_deref() {
        None => None,
        Some(name) => Some(QueryStatus::parse(name).ok_or_else(|| {
            ApiError::client(
                "InvalidQueryStatusException",
                format!("{name} is not a query status."),
            )
        })?),
    };
    let queries = lake
        .list_queries(ctx.account_id(), &store.id, since, until, status)
        .map_err(lake_error)?;
    let (page, next_token) = page(
        &queries,
        input.next_token.as_deref(),
        input.max_results,
        1000,
    )?;
    Ok(ListQueriesResponse {
        queries: Some(
            page.iter()
                .map(|q| Query {
                    query_id: Some(q.id.clone()),
                    query_status: Some(q.status.as_str().to_owned()),
                    creation_time: Some(Timestamp::from_epoch_millis(q.created_ms)),
                })
                .collect(),
        ),
        next_token,
    })
}

/// CancelQuery.
pub(crate) fn cancel_query(
    ctx: &CallContext,
    input: CancelQueryRequest,
    lake: &Lake,
) -> Result<CancelQueryResponse, ApiError> {
    let id = required(input.query_id, "QueryId")?;
    let info = lake.cancel(ctx.account_id(), &id).map_err(lake_error)?;
    name_stores(ctx, &info);
    Ok(CancelQueryResponse {
        query_id: Some(info.id),
        query_status: Some(info.status.as_str().to_owned()),
        event_data_store_owner_account_id: input.event_data_store_owner_account_id,
    })
}

/// Names the stores a query read as the call's resources.
fn name_stores(ctx: &CallContext, info: &QueryInfo) {
    for id in &info.stores {
        ctx.add_resource(
            EDS_RESOURCE_TYPE,
            eds_arn(ctx.region(), ctx.account_id(), id),
        );
    }
}
