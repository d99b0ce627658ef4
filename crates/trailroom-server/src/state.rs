//! The application state: everything a request handler can reach, and opening it from a
//! configuration (data directory, store, accounts, services).

use std::sync::Arc;

use anyhow::Context as _;
use trailroom_a4b::A4bService;
use trailroom_audit::{Clock, SystemClock};
use trailroom_cloudtrail::CloudTrailService;
use trailroom_store::Store;

use crate::bootstrap::{ensure_accounts, ensure_organizations};
use crate::config::Config;
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
    /// This node's leases on work done once per cluster.
    pub leases: Arc<trailroom_store::Leases>,
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
        let store = crate::store_choice::open_for_server(&config)?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        ensure_accounts(store.as_ref(), &config.bootstrap_accounts(), clock.now_ms())
            .await
            .context("cannot create the configured accounts")?;
        ensure_organizations(store.as_ref(), &config.organizations, clock.now_ms())
            .await
            .context("cannot define the configured organizations")?;
        let blobs = match config.blobs.s3_bucket()? {
            None => trailroom_s3::BlobStore::new(&config.data_dir),
            Some(bucket) => trailroom_s3::BlobStore::remote(
                crate::delivery::external_store(&bucket)?,
                &config.blobs.prefix,
            ),
        };
        let archive = crate::archive::reader(&blobs);
        let s3 = trailroom_s3::S3Endpoint::new(
            store.clone(),
            clock.clone(),
            blobs,
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
        let lake_path = config.data_dir.join("lake.db");
        let lake = trailroom_lake::Lake::open(&lake_path, trailroom_lake::Limits::default())
            .with_context(|| format!("cannot open the lake database {}", lake_path.display()))?;
        let delivery: Arc<crate::delivery::Delivery> = Arc::default();
        let lease_clock = clock.clone();
        let leases = Arc::new(trailroom_store::Leases::new(
            store.clone(),
            config.node_name(),
            config.cluster.lease_ttl.as_millis() as i64,
            Arc::new(move || lease_clock.now_ms()),
        ));
        let metrics = Arc::new(crate::metrics::Metrics::new(
            store.clone(),
            delivery.clone(),
            leases.clone(),
            clock.clone(),
        ));
        Ok(Self {
            s3,
            delivery,
            leases,
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
                lake: Some(lake),
                archive: Some(archive),
                ..CloudTrailService::default()
            }),
            sessions: Arc::default(),
            config: Arc::new(config),
        })
    }
}
