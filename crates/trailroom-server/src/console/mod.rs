//! The web console at `/console`: sign in with an access key pair, then Event history as AWS's
//! console shows it (filter by one attribute and a time range, open an event's JSON record,
//! download the results as CSV or JSON).
//!
//! The pages are static files compiled into the binary, so nothing is built at install time. The
//! browser never signs requests: signing in checks the key pair once and returns a session cookie;
//! the console's lookups then run as that caller and are recorded as `LookupEvents` events, as the
//! AWS console's are.

mod dashboards;
mod download;
mod lake;
mod session;
mod views;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use trailroom_audit::CallContext;
use trailroom_model::Timestamp;
use trailroom_model::cloudtrail::{LookupAttribute, LookupEventsRequest, LookupEventsResponse};
use trailroom_protocol::ApiError;

use crate::pipeline::{Arrival, CallFacts, Denial, call_context};
use crate::state::AppState;
pub use session::Sessions;

/// Routes under `/console`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(|| async { asset("index.html") }))
        .route("/console/", get(|| async { asset("index.html") }))
        .route("/console/app.js", get(|| async { asset("app.js") }))
        .route(
            "/console/dashboards.js",
            get(|| async { asset("dashboards.js") }),
        )
        .route("/console/style.css", get(|| async { asset("style.css") }))
        .route("/console/api/login", post(session::login))
        .route("/console/api/logout", post(session::logout))
        .route("/console/api/session", get(session::current))
        .route("/console/api/events", get(events))
        .route("/console/api/download", get(download::download))
        .route("/console/api/trails", get(views::trails))
        .route("/console/api/overview", get(views::overview))
        .route("/console/api/files", get(views::files))
        .route("/console/api/file", get(views::file))
        .route("/console/api/validate", get(views::validate))
        .route("/console/api/lake/stores", get(lake::stores))
        .route("/console/api/lake/queries", post(lake::start))
        .route("/console/api/lake/results", get(lake::results))
        .route("/console/api/lake/csv", get(lake::csv))
        .route("/console/api/lake/dashboards", get(dashboards::dashboards))
        .route("/console/api/lake/refresh", post(dashboards::refresh))
        .route("/console/api/lake/widget", get(dashboards::widget))
        .layer(axum::middleware::map_response(security_headers))
}

/// What every console answer carries: its own scripts and styles only, never framed, never
/// sniffed as another type, no referrer.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn asset(name: &str) -> Response {
    let (body, kind): (&'static str, &str) = match name {
        "index.html" => (
            include_str!("assets/index.html"),
            "text/html; charset=utf-8",
        ),
        "app.js" => (
            include_str!("assets/app.js"),
            "text/javascript; charset=utf-8",
        ),
        "dashboards.js" => (
            include_str!("assets/dashboards.js"),
            "text/javascript; charset=utf-8",
        ),
        "style.css" => (include_str!("assets/style.css"), "text/css; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(kind))],
        body,
    )
        .into_response()
}

/// The filter of an Event history view, as query parameters.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Filter {
    /// Lookup attribute key (`EventName`, `ReadOnly`, …); empty for none.
    #[serde(default)]
    attribute: String,
    /// Its value.
    #[serde(default)]
    value: String,
    /// Start of the range, epoch ms.
    start: Option<i64>,
    /// End of the range, epoch ms.
    end: Option<i64>,
    /// Region to look in.
    #[serde(default = "default_region")]
    region: String,
    /// Page size (1-50).
    max: Option<i32>,
    /// Token of the page to show.
    token: Option<String>,
}

/// Refuses a region the partition does not have (nothing is recorded there).
pub(crate) fn known_region(region: &str) -> Result<(), ApiError> {
    match trailroom_protocol::regions::is_known(region) {
        true => Ok(()),
        false => Err(ApiError::client(
            "InvalidParameterValueException",
            "The region is not a region of the aws partition.",
        )),
    }
}

pub(crate) fn default_region() -> String {
    "us-east-1".into()
}

impl Filter {
    /// Refuses a region the partition does not have (nothing is recorded there).
    pub(crate) fn check_region(&self) -> Result<(), ApiError> {
        known_region(&self.region)
    }

    fn request(&self) -> LookupEventsRequest {
        let attributes = (!self.attribute.is_empty()).then(|| {
            vec![LookupAttribute {
                attribute_key: Some(self.attribute.clone()),
                attribute_value: Some(self.value.clone()),
            }]
        });
        LookupEventsRequest {
            lookup_attributes: attributes,
            start_time: self.start.map(Timestamp::from_epoch_millis),
            end_time: self.end.map(Timestamp::from_epoch_millis),
            event_category: None,
            max_results: self.max,
            next_token: self.token.clone().filter(|t| !t.is_empty()),
        }
    }
}

/// A `LookupEvents` call made by the console for the signed-in caller.
pub(crate) fn lookup_context(
    state: &AppState,
    caller: trailroom_identity::Caller,
    region: &str,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> CallContext {
    console_call(
        state,
        caller,
        region,
        peer,
        headers,
        trailroom_model::cloudtrail::Operation::LookupEvents,
    )
}

/// A CloudTrail call the console makes for the signed-in caller: recorded as the AWS console's
/// are, and authorized like any other call (the caller needs `cloudtrail:<Operation>`).
pub(crate) fn console_call(
    state: &AppState,
    caller: trailroom_identity::Caller,
    region: &str,
    peer: SocketAddr,
    headers: &HeaderMap,
    op: trailroom_model::cloudtrail::Operation,
) -> CallContext {
    let info = Arrival::new(state, headers, peer, None).call_info(
        caller,
        region.to_owned(),
        CallFacts {
            event_source: trailroom_model::cloudtrail::EVENT_SOURCE.into(),
            event_name: op.name().into(),
            read_only: op.read_only(),
            log_response: !op.read_only(),
            named_resources: None,
        },
    );
    let ctx = call_context(state, info);
    if state.config.authorization {
        ctx.set_authorizer(std::sync::Arc::new(move |ctx, parameters| {
            let accesses = trailroom_cloudtrail::access::accesses(
                op,
                parameters,
                ctx.region(),
                ctx.account_id(),
            );
            trailroom_authz::check_call(ctx, &accesses).map_err(|r| Denial::REST_JSON.refuse(r))
        }));
    }
    ctx
}

/// Runs one lookup page and records it.
pub(crate) async fn lookup_page(
    ctx: &CallContext,
    state: &AppState,
    filter: &Filter,
) -> Result<LookupEventsResponse, ApiError> {
    let request = filter.request();
    let parameters = trailroom_model::Audit::to_audit_json(&request);
    ctx.set_request_parameters(parameters.clone());
    // The same LookupEvents as the API's: its throttle, when configured, counts console pages too.
    let result = match ctx.check_authorized(Some(&parameters)) {
        Ok(()) => {
            use trailroom_model::cloudtrail::CloudTrail as _;
            state.cloudtrail.lookup_events(ctx, request).await
        }
        Err(err) => Err(err),
    };
    ctx.finish(result.as_ref().map(|_| serde_json::Value::Null))
        .await?;
    result
}

async fn events(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> Response {
    let caller = match session::signed_in(&state, &headers) {
        Ok(caller) => caller,
        Err(refused) => return *refused,
    };
    if let Err(err) = filter.check_region() {
        return api_error(&err);
    }
    let ctx = lookup_context(&state, caller, &filter.region, peer, &headers);
    match lookup_page(&ctx, &state, &filter).await {
        Ok(page) => axum::Json(page_json(page)).into_response(),
        Err(err) => api_error(&err),
    }
}

/// The page as the console script reads it.
fn page_json(page: LookupEventsResponse) -> serde_json::Value {
    let events: Vec<serde_json::Value> = page
        .events
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            let record: serde_json::Value =
                e.cloud_trail_event.as_deref().and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default();
            let resources = e.resources.unwrap_or_default();
            serde_json::json!({
                "eventId": e.event_id,
                "eventName": e.event_name,
                "eventTime": e.event_time.map(|t| t.epoch_millis()),
                "username": e.username,
                "eventSource": e.event_source,
                "readOnly": e.read_only,
                "accessKeyId": e.access_key_id,
                "resourceTypes": resources.iter().filter_map(|r| r.resource_type.clone()).collect::<Vec<_>>(),
                "resourceNames": resources.iter().filter_map(|r| r.resource_name.clone()).collect::<Vec<_>>(),
                "record": record,
            })
        })
        .collect();
    serde_json::json!({ "events": events, "nextToken": page.next_token })
}

pub(crate) fn api_error(err: &ApiError) -> Response {
    let body = serde_json::json!({ "code": err.code(), "message": err.message() });
    (err.status(), axum::Json(body)).into_response()
}
