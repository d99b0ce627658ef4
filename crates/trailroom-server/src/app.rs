//! The router and serving with graceful shutdown (the state it serves is [`crate::state`]).

use std::future::Future;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::front_door;
use crate::state::AppState;

/// CORS for browser-based SDK clients: preflights answered for the configured origins, any
/// method, the request's own headers (a wildcard would not cover `Authorization`), every
/// response header readable. Never with credentials, so the console's cookie stays its own.
fn cors(origins: &[String]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowHeaders, AllowOrigin, Any, CorsLayer};
    let allow_origin = match origins.iter().any(|o| o == "*") {
        true => AllowOrigin::any(),
        false => AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| http::HeaderValue::from_str(o).ok()),
        ),
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods(Any)
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(Any)
        .max_age(std::time::Duration::from_secs(3600))
}

/// The router: health, then every AWS request through the front door.
pub fn router(state: AppState) -> Router {
    let cors = (!state.config.cors_allowed_origins.is_empty())
        .then(|| cors(&state.config.cors_allowed_origins));
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(crate::metrics::scrape))
        .route("/admin/a4b/{action}", post(crate::admin_api::handle))
        .route(
            "/a4b/reports/{account}/{schedule}/{file}",
            get(crate::reports::download),
        )
        .route(
            trailroom_sns::SIGNING_CERT_PATH,
            get(crate::sns_api::signing_cert),
        )
        .merge(crate::console::routes())
        .merge(crate::test_api::routes(state.config.test_api_enabled()))
        .fallback(front_door::handle)
        .layer(tower::util::option_layer(cors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::request_log::log_request,
        ))
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// `GET /health`: up, and this node's role: its name and the once-per-cluster work it holds
/// the lease of (trails' delivery, retention, lake).
async fn health(State(state): State<AppState>) -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({
        "status": "ok",
        "node": state.leases.holder(),
        "leases": state.leases.names(),
    }))
}

/// Serves until `shutdown` resolves; in-flight calls finish, then the store flushes and closes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = state.store.clone();
    let state_leases = state.leases.clone();
    let pruner = tokio::spawn(crate::retention::prune_forever(state.clone()));
    let insights = tokio::spawn(crate::insights::watch_forever(state.clone()));
    let archiver = tokio::spawn(crate::archive::archive_forever(state.clone()));
    state.delivery.start(&state).await?;
    let delivery = tokio::spawn(crate::delivery::deliver_forever(state.clone()));
    let lake_feeder = state
        .cloudtrail
        .lake
        .clone()
        .map(|lake| tokio::spawn(crate::lake_feed::feed_forever(state.clone(), lake)));
    let limits = crate::listener::Limits {
        max_connections: crate::listener::Limits::max_connections(state.config.max_connections),
        header_timeout: state.config.header_timeout,
    };
    let tls = state.tls.clone();
    crate::listener::serve(listener, router(state), limits, tls, shutdown).await;
    pruner.abort();
    insights.abort();
    archiver.abort();
    delivery.abort();
    if let Some(feeder) = lake_feeder {
        feeder.abort();
    }
    // Another node takes this one's work over at once instead of after the leases lapse.
    if let Err(err) = state_leases.release_all().await {
        tracing::warn!(error = %err, "could not release this node's leases");
    }
    store.shutdown();
    Ok(())
}
