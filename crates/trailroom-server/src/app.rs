//! Application state, the router, and serving with graceful shutdown.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use trailroom_a4b::A4bService;
use trailroom_audit::{Clock, SystemClock};
use trailroom_cloudtrail::CloudTrailService;
use trailroom_store::Store;
use trailroom_store_sqlite::SqliteStore;

use crate::bootstrap::{ensure_accounts, ensure_organizations};
use crate::config::Config;
use crate::front_door;
use crate::trail_destinations::ServerDestinations;

/// Everything a request handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The configuration.
    pub config: Arc<Config>,
    /// Alexa for Business.
    pub a4b: Arc<A4bService>,
    /// CloudTrail.
    pub cloudtrail: Arc<CloudTrailService>,
    /// Signed-in console sessions.
    pub sessions: Arc<crate::console::Sessions>,
    /// S3 buckets and objects.
    pub s3: trailroom_s3::S3Endpoint,
    /// Whose ID tokens `AssumeRoleWithWebIdentity` trusts.
    pub web_identity: Arc<trailroom_iam::federation::WebIdentityTrust>,
    /// Trail delivery (started by [`serve`]).
    pub delivery: Arc<crate::delivery::Delivery>,
    /// What `/metrics` reports.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// HTTPS, when configured.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// The self-signed certificate written for clients to trust, when one was generated.
    pub tls_certificate: Option<std::path::PathBuf>,
}

impl AppState {
    /// Opens the data directory (creating it), migrates the store, ensures the configured accounts.
    pub async fn open(config: Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create data dir {}", config.data_dir.display()))?;
        let path = config.data_dir.join("trailroom.db");
        let store: Arc<dyn Store> = SqliteStore::open(&path)
            .with_context(|| format!("cannot open store {}", path.display()))?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        ensure_accounts(store.as_ref(), &config.bootstrap_accounts(), clock.now_ms())
            .await
            .context("cannot create the configured accounts")?;
        ensure_organizations(store.as_ref(), &config.organizations, clock.now_ms())
            .await
            .context("cannot define the configured organizations")?;
        let s3 = trailroom_s3::S3Endpoint::new(
            store.clone(),
            clock.clone(),
            &config.data_dir,
            config.recording,
            config.authorization,
        )
        .context("cannot open the S3 object directory")?
        .with_base_domains(config.s3_base_domains.clone());
        let mut issuer_keys = Vec::new();
        for issuer in &config.oidc_issuers {
            issuer_keys.extend(issuer.keys()?);
        }
        let web_identity = Arc::new(trailroom_iam::federation::WebIdentityTrust {
            keys: issuer_keys,
            test_idp: config.test_identity_provider,
        });
        let (tls, tls_certificate) = match config.tls() {
            Some(source) => {
                let (acceptor, written) = crate::tls::acceptor(&source, &config.data_dir)?;
                (Some(acceptor), written)
            }
            None => (None, None),
        };
        let delivery: Arc<crate::delivery::Delivery> = Arc::default();
        let metrics = Arc::new(crate::metrics::Metrics::new(
            store.clone(),
            delivery.clone(),
            clock.clone(),
        ));
        Ok(Self {
            s3,
            delivery,
            metrics,
            tls,
            tls_certificate,
            web_identity,
            store,
            clock,
            a4b: Arc::new(A4bService {
                public_url: config.base_url(),
            }),
            cloudtrail: Arc::new(CloudTrailService {
                retention_days: config.event_retention_days,
                lookup_rate: config
                    .lookup_events_rate_limit
                    .map(trailroom_cloudtrail::RateLimit::new),
                destinations: Arc::new(ServerDestinations {
                    external_buckets: config
                        .external_buckets
                        .iter()
                        .map(|b| b.bucket.clone())
                        .collect(),
                }),
                ..CloudTrailService::default()
            }),
            sessions: Arc::default(),
            config: Arc::new(config),
        })
    }
}

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

async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

/// Serves until `shutdown` resolves; in-flight calls finish, then the store flushes and closes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = state.store.clone();
    let pruner = tokio::spawn(crate::retention::prune_forever(state.clone()));
    state.delivery.start(&state).await?;
    let delivery = tokio::spawn(crate::delivery::deliver_forever(state.clone()));
    let limits = crate::listener::Limits {
        max_connections: crate::listener::Limits::max_connections(state.config.max_connections),
        header_timeout: state.config.header_timeout,
    };
    let tls = state.tls.clone();
    crate::listener::serve(listener, router(state), limits, tls, shutdown).await;
    pruner.abort();
    delivery.abort();
    store.shutdown();
    Ok(())
}
