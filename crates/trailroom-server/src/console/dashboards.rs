//! The console's Dashboards view: the calls the AWS console's dashboard page makes
//! (ListDashboards, GetDashboard, StartDashboardRefresh, and for each widget DescribeQuery by
//! alias and refresh then GetQueryResults), each recorded and authorized like any other call.
//! The browser draws each widget from its rows.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use trailroom_identity::Caller;
use trailroom_model::Audit as _;
use trailroom_model::cloudtrail::{
    CloudTrail as _, DescribeQueryRequest, GetDashboardRequest, ListDashboardsRequest, Operation,
    StartDashboardRefreshRequest,
};
use trailroom_protocol::ApiError;

use super::lake::{Results, call, result_rows, results_page, signed_in_for};
use super::{api_error, console_call, default_region};
use crate::state::AppState;

/// Which region the view works in, and which dashboard.
#[derive(Debug, Deserialize)]
pub(crate) struct Named {
    #[serde(default = "default_region")]
    region: String,
    #[serde(default)]
    id: Option<String>,
}

/// A refresh to start: the dashboard and its parameter values (`$EventDataStoreId$`, …).
#[derive(Debug, Deserialize)]
pub(crate) struct Refresh {
    #[serde(default = "default_region")]
    region: String,
    id: String,
    #[serde(default)]
    values: BTreeMap<String, String>,
}

/// A widget's query in a refresh.
#[derive(Debug, Deserialize)]
pub(crate) struct WidgetQuery {
    #[serde(default = "default_region")]
    region: String,
    alias: String,
    refresh: String,
}

/// `GET /console/api/lake/dashboards`: the region's dashboards; with `id`, that dashboard.
pub(crate) async fn dashboards(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<Named>,
) -> Response {
    let caller = match signed_in_for(&state, &headers, &q.region) {
        Ok(caller) => caller,
        Err(refused) => return *refused,
    };
    let answer = match q.id {
        None => {
            let ctx = console_call(
                &state,
                caller,
                &q.region,
                peer,
                &headers,
                Operation::ListDashboards,
            );
            let request = ListDashboardsRequest::default();
            call(
                &ctx,
                request.to_audit_json(),
                state.cloudtrail.list_dashboards(&ctx, request),
            )
            .await
        }
        Some(id) => {
            let ctx = console_call(
                &state,
                caller,
                &q.region,
                peer,
                &headers,
                Operation::GetDashboard,
            );
            let request = GetDashboardRequest {
                dashboard_id: Some(id),
            };
            call(
                &ctx,
                request.to_audit_json(),
                state.cloudtrail.get_dashboard(&ctx, request),
            )
            .await
        }
    };
    match answer {
        Ok(body) => Json(body).into_response(),
        Err(err) => api_error(&err),
    }
}

/// `POST /console/api/lake/refresh`: starts a refresh; answers its id.
pub(crate) async fn refresh(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(body): Json<Refresh>,
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
        Operation::StartDashboardRefresh,
    );
    let request = StartDashboardRefreshRequest {
        dashboard_id: Some(body.id),
        query_parameter_values: (!body.values.is_empty()).then_some(body.values),
    };
    match call(
        &ctx,
        request.to_audit_json(),
        state.cloudtrail.start_dashboard_refresh(&ctx, request),
    )
    .await
    {
        Ok(started) => Json(json!({ "refreshId": started["RefreshId"] })).into_response(),
        Err(err) => api_error(&err),
    }
}

async fn describe_widget(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    caller: Caller,
    q: &WidgetQuery,
) -> Result<Value, ApiError> {
    let ctx = console_call(
        state,
        caller,
        &q.region,
        peer,
        headers,
        Operation::DescribeQuery,
    );
    let request = DescribeQueryRequest {
        query_alias: Some(q.alias.clone()),
        refresh_id: Some(q.refresh.clone()),
        ..DescribeQueryRequest::default()
    };
    call(
        &ctx,
        request.to_audit_json(),
        state.cloudtrail.describe_query(&ctx, request),
    )
    .await
}

/// `GET /console/api/lake/widget`: a widget's query in a refresh: its status, and once it has
/// finished its rows (up to 1,000) as lists of `[column, value]`.
pub(crate) async fn widget(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<WidgetQuery>,
) -> Response {
    let caller = match signed_in_for(&state, &headers, &q.region) {
        Ok(caller) => caller,
        Err(refused) => return *refused,
    };
    let described = match describe_widget(&state, peer, &headers, caller, &q).await {
        Ok(described) => described,
        Err(err) => return api_error(&err),
    };
    let status = described["QueryStatus"].as_str().unwrap_or_default();
    if status != "FINISHED" {
        return Json(json!({ "status": status, "error": described["ErrorMessage"] }))
            .into_response();
    }
    let results = Results {
        region: q.region.clone(),
        id: described["QueryId"].as_str().unwrap_or_default().to_owned(),
        token: None,
    };
    match results_page(&state, peer, &headers, &results, 1000).await {
        Ok(page) => Json(json!({ "status": status, "rows": result_rows(&page) })).into_response(),
        Err(err) => api_error(&err),
    }
}
