//! The console's Query view: the calls the AWS console's CloudTrail Lake editor makes
//! (ListEventDataStores, StartQuery, GetQueryResults), each recorded and authorized like any
//! other call, and the results of a finished query as a CSV download.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use trailroom_model::Audit as _;
use trailroom_model::cloudtrail::{
    CloudTrail as _, GetQueryResultsRequest, ListEventDataStoresRequest, Operation,
    StartQueryRequest,
};
use trailroom_protocol::ApiError;

use super::download::csv_field;
use super::{api_error, console_call, default_region, known_region, session};
use crate::state::AppState;

/// Runs one recorded, authorized console call of an API operation: its response is recorded as
/// the API records it (`responseElements` of a write) and answered as the API renders it.
pub(super) async fn call<T: serde::Serialize + trailroom_model::Audit>(
    ctx: &trailroom_audit::CallContext,
    parameters: Value,
    run: impl std::future::Future<Output = Result<T, ApiError>>,
) -> Result<Value, ApiError> {
    ctx.set_request_parameters(parameters.clone());
    let result = match ctx.check_authorized(Some(&parameters)) {
        Ok(()) => run.await,
        Err(denied) => Err(denied),
    };
    ctx.finish(result.as_ref().map(|r| r.to_audit_json()))
        .await?;
    result.map(|r| serde_json::to_value(r).unwrap_or_default())
}

/// The signed-in caller of a Lake view's call in `region` (a region of the partition), or the
/// answer refusing it.
pub(super) fn signed_in_for(
    state: &AppState,
    headers: &HeaderMap,
    region: &str,
) -> Result<trailroom_identity::Caller, Box<Response>> {
    let caller = session::signed_in(state, headers)?;
    known_region(region).map_err(|err| Box::new(api_error(&err)))?;
    Ok(caller)
}

/// Rows per page the view shows.
const PAGE: i32 = 50;

/// Which region the view works in.
#[derive(Debug, Deserialize)]
pub(crate) struct Region {
    #[serde(default = "default_region")]
    region: String,
}

/// A query to start.
#[derive(Debug, Deserialize)]
pub(crate) struct Start {
    #[serde(default = "default_region")]
    region: String,
    statement: String,
}

/// A page of a query's results.
#[derive(Debug, Deserialize)]
pub(crate) struct Results {
    #[serde(default = "default_region")]
    pub(super) region: String,
    pub(super) id: String,
    pub(super) token: Option<String>,
}

/// `GET /console/api/lake/stores`: the region's event data stores.
pub(crate) async fn stores(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<Region>,
) -> Response {
    let caller = match signed_in_for(&state, &headers, &q.region) {
        Ok(caller) => caller,
        Err(refused) => return *refused,
    };
    let ctx = console_call(
        &state,
        caller,
        &q.region,
        peer,
        &headers,
        Operation::ListEventDataStores,
    );
    let request = ListEventDataStoresRequest::default();
    let parameters = request.to_audit_json();
    match call(
        &ctx,
        parameters,
        state.cloudtrail.list_event_data_stores(&ctx, request),
    )
    .await
    {
        Ok(listed) => Json(json!({ "stores": listed["EventDataStores"] })).into_response(),
        Err(err) => api_error(&err),
    }
}

/// `POST /console/api/lake/queries`: starts a query; answers its id.
pub(crate) async fn start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(body): Json<Start>,
) -> Response {
    let caller = match signed_in_for(&state, &headers, &body.region) {
        Ok(caller) => caller,
        Err(refused) => return *refused,
    };
    let ctx = console_call(
        &state,
        caller,
        &body.region,
        peer,
        &headers,
        Operation::StartQuery,
    );
    let request = StartQueryRequest {
        query_statement: Some(body.statement),
        ..StartQueryRequest::default()
    };
    let parameters = request.to_audit_json();
    match call(
        &ctx,
        parameters,
        state.cloudtrail.start_query(&ctx, request),
    )
    .await
    {
        Ok(started) => Json(json!({ "queryId": started["QueryId"] })).into_response(),
        Err(err) => api_error(&err),
    }
}

pub(super) async fn results_page(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    q: &Results,
    max: i32,
) -> Result<Value, ApiError> {
    let caller = session::signed_in(state, headers).map_err(|_| {
        ApiError::new(
            "SignedOut",
            axum::http::StatusCode::UNAUTHORIZED,
            "Sign in again.",
        )
    })?;
    known_region(&q.region)?;
    let ctx = console_call(
        state,
        caller,
        &q.region,
        peer,
        headers,
        Operation::GetQueryResults,
    );
    let request = GetQueryResultsRequest {
        query_id: Some(q.id.clone()),
        next_token: q.token.clone().filter(|t| !t.is_empty()),
        max_query_results: Some(max),
        ..GetQueryResultsRequest::default()
    };
    let parameters = request.to_audit_json();
    call(
        &ctx,
        parameters,
        state.cloudtrail.get_query_results(&ctx, request),
    )
    .await
}

/// A GetQueryResults page's rows as lists of `[column, value]`.
pub(super) fn result_rows(page: &Value) -> Vec<Vec<(String, Value)>> {
    page["QueryResultRows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            row.as_array()
                .into_iter()
                .flatten()
                .filter_map(|cell| cell.as_object()?.iter().next())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .collect()
}

/// `GET /console/api/lake/results`: a page of results with the query's status and statistics;
/// rows as lists of `[column, value]` (a null value is absent from its row).
pub(crate) async fn results(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<Results>,
) -> Response {
    match results_page(&state, peer, &headers, &q, PAGE).await {
        Ok(page) => Json(json!({
            "status": page["QueryStatus"],
            "statistics": page["QueryStatistics"],
            "error": page["ErrorMessage"],
            "rows": result_rows(&page),
            "nextToken": page["NextToken"],
        }))
        .into_response(),
        Err(err) if err.code() == "SignedOut" => (
            axum::http::StatusCode::UNAUTHORIZED,
            Json(json!({"code": "SignedOut"})),
        )
            .into_response(),
        Err(err) => api_error(&err),
    }
}

/// `GET /console/api/lake/csv`: every result row of a finished query as CSV, columns in the
/// order they first appear.
pub(crate) async fn csv(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(mut q): Query<Results>,
) -> Response {
    let mut columns: Vec<String> = Vec::new();
    let mut rows: Vec<BTreeMap<String, String>> = Vec::new();
    q.token = None;
    loop {
        let page = match results_page(&state, peer, &headers, &q, 1000).await {
            Ok(page) => page,
            Err(err) => return api_error(&err),
        };
        for row in page["QueryResultRows"].as_array().into_iter().flatten() {
            let mut values = BTreeMap::new();
            for (column, value) in row
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|cell| cell.as_object()?.iter().next())
            {
                if !columns.contains(column) {
                    columns.push(column.clone());
                }
                values.insert(
                    column.clone(),
                    value.as_str().unwrap_or_default().to_owned(),
                );
            }
            rows.push(values);
        }
        match page["NextToken"].as_str() {
            Some(token) => q.token = Some(token.to_owned()),
            None => break,
        }
    }
    let mut out = columns
        .iter()
        .map(|c| csv_field(c))
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for row in rows {
        let line: Vec<String> = columns
            .iter()
            .map(|c| csv_field(row.get(c).map(String::as_str).unwrap_or_default()))
            .collect();
        out += &(line.join(",") + "\n");
    }
    let mut response = out.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(disposition) = HeaderValue::from_str(&format!(
        "attachment; filename=\"query-{}.csv\"",
        q.id.replace('"', "")
    )) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}
