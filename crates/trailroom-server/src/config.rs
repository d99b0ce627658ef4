//! Configuration: a TOML file, overridden by environment variables, overridden by flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use trailroom_identity::{DEFAULT_ACCOUNT_ID, DEFAULT_ROOT_ACCESS_KEY_ID, DEFAULT_ROOT_SECRET_KEY};

/// Everything the server can be told.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory holding the database and everything else the server keeps.
    pub data_dir: PathBuf,
    /// Create account 123456789012 with AWS's documented example root keys on first start.
    pub default_account: bool,
    /// Root access key id of the default account.
    pub root_access_key_id: String,
    /// Root secret access key of the default account. Never logged.
    pub root_secret_access_key: String,
    /// Further accounts to create on start (idempotent).
    pub accounts: Vec<AccountConfig>,
    /// Organizations: accounts grouped under a management account, for organization trails.
    pub organizations: Vec<OrganizationConfig>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Record every call as a CloudTrail event. Turn off only to measure what recording costs.
    pub recording: bool,
    /// Decide every call with the caller's IAM policies, as AWS does (the root user may do
    /// everything in its account). Off: every valid key may do everything.
    pub authorization: bool,
    /// Days Event history keeps events; older ones are pruned in the background.
    pub event_retention_days: i64,
    /// Seconds between two pruning passes.
    pub prune_interval_secs: u64,
    /// LookupEvents requests per second per account and region (AWS allows 2); unset: no limit.
    pub lookup_events_rate_limit: Option<f64>,
    /// How often trails deliver log files (CloudTrail: about every 5 minutes).
    #[serde(with = "humantime_serde")]
    pub delivery_interval: std::time::Duration,
    /// Length of a digest period (CloudTrail: one hour).
    #[serde(with = "humantime_serde")]
    pub digest_interval: std::time::Duration,
    /// The period CloudTrail Insights counts calls in (a minute).
    #[serde(with = "humantime_serde")]
    pub insights_period: std::time::Duration,
    /// Periods Insights watches an account before an Insight can start (an hour's worth).
    pub insights_baseline_periods: u32,
    /// Buckets on external S3-compatible endpoints that trails may deliver to.
    pub external_buckets: Vec<ExternalBucket>,
    /// Where state and the event log are kept (`[store]`): SQLite in the data directory, or a
    /// PostgreSQL database several nodes may share.
    pub store: StoreConfig,
    /// Where the bytes of objects in this server's buckets are kept (`[blobs]`).
    pub blobs: BlobsConfig,
    /// How this node works with others on one PostgreSQL store (`[cluster]`).
    pub cluster: ClusterConfig,
    /// The long-term event archive (`[archive]`).
    pub archive: ArchiveConfig,
    /// Base URL clients reach this server at, for links it hands out (report downloads).
    /// Unset: `http://<listen address>`.
    pub public_url: Option<String>,
    /// Header carrying the client address when the server sits behind a trusted proxy (for
    /// example `x-forwarded-for`). Unset: the peer address is used.
    pub trusted_proxy_header: Option<String>,
    /// Most connections open at once. Unset: what the process's file-descriptor limit allows,
    /// less a reserve for the store and files. At the limit the longest-idle connection is
    /// closed to make room.
    pub max_connections: Option<usize>,
    /// How long a connection may take to send a request's headers, and stay idle between two
    /// requests, before it is closed.
    #[serde(with = "humantime_serde")]
    pub header_timeout: std::time::Duration,
    /// Longest pause while a request body is being received (answered `RequestTimeout`).
    #[serde(with = "humantime_serde")]
    pub body_timeout: std::time::Duration,
    /// Trust the data directory's test identity provider (`trailroom idp …`) to sign ID tokens
    /// of any issuer for `AssumeRoleWithWebIdentity`. Its SAML certificate is trusted only by
    /// the SAML providers created with its metadata.
    pub test_identity_provider: bool,
    /// Domains whose subdomains name S3 buckets (virtual-hosted style): `BUCKET.<domain>` and
    /// `BUCKET.s3.<domain>`. `*.localhost` resolves to the loopback address in browsers, curl
    /// and systemd-resolved.
    pub s3_base_domains: Vec<String>,
    /// OpenID Connect issuers whose keys `AssumeRoleWithWebIdentity` trusts (AWS fetches them
    /// from the issuer; here they are configured).
    pub oidc_issuers: Vec<OidcIssuer>,
    /// Serve HTTPS with this certificate chain (PEM); needs `tls_key`.
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate generated at start for localhost (written to
    /// `<data dir>/tls/self-signed.pem`).
    pub tls_self_signed: bool,
    /// Origins browsers may call from (CORS); `["*"]` (the default) lets any page call, without
    /// credentials; empty turns CORS off.
    pub cors_allowed_origins: Vec<String>,
    /// The unauthenticated test API (`/_trailroom/reset`, `/_trailroom/deliver`,
    /// `/_trailroom/events` and LocalStack's and MiniStack's reset paths). Unset: on when the
    /// server listens on a loopback address only.
    pub test_api: Option<bool>,
}

/// An OpenID Connect issuer and the JSON Web Key Set its tokens are signed with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcIssuer {
    /// `iss` of its tokens, e.g. `https://token.actions.githubusercontent.com`.
    pub issuer: String,
    /// A file holding its JWKS (`{"keys": [...]}`, what its `jwks_uri` serves).
    pub jwks_file: PathBuf,
}

impl OidcIssuer {
    /// The issuer's keys, read from its JWKS file.
    pub fn keys(&self) -> Result<Vec<trailroom_federation::oidc::TrustedKey>, ConfigError> {
        let text = std::fs::read_to_string(&self.jwks_file).map_err(|cause| ConfigError::Read {
            path: self.jwks_file.clone(),
            cause,
        })?;
        trailroom_federation::oidc::keys_from_jwks(&self.issuer, &text).map_err(|e| {
            ConfigError::Invalid(format!(
                "JWKS file {} of issuer {}: {e}",
                self.jwks_file.display(),
                self.issuer
            ))
        })
    }
}

/// A bucket on an external S3-compatible endpoint that trails may deliver to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalBucket {
    /// Bucket name, as given to CreateTrail.
    pub bucket: String,
    /// Endpoint URL, e.g. `http://127.0.0.1:5000`.
    pub endpoint: String,
    /// Region of the bucket.
    #[serde(default = "default_region")]
    pub region: String,
    /// Access key id for the endpoint.
    pub access_key_id: String,
    /// Secret access key for the endpoint. Never logged.
    pub secret_access_key: String,
    /// Path-style addressing (`endpoint/bucket/key`), as most self-hosted endpoints want.
    #[serde(default = "yes")]
    pub path_style: bool,
}

/// This node among others sharing one store: work done once per cluster (a trail's delivery,
/// retention pruning, Lake imports and scheduled refreshes) is done by whichever node holds its
/// lease, and taken over by another within `lease_ttl` of the holder's death.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterConfig {
    /// This node's name in leases, unique among running nodes and kept across restarts (a
    /// restarted node takes its leases back at once). Unset: the host name and the data
    /// directory's path, which only one running process may use.
    pub node_name: Option<String>,
    /// How long a lease lasts unless its holder renews it: the longest a dead node's work waits
    /// for another node to take it over.
    #[serde(with = "humantime_serde")]
    pub lease_ttl: std::time::Duration,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self {
            node_name: None,
            lease_ttl: std::time::Duration::from_secs(30),
        }
    }
}

/// The long-term archive: events older than `after` leave the live log in Parquet segments on
/// the object store (`[blobs]`), chained by signed manifests; Event history reads both.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveConfig {
    /// Age at which events are archived (`"30d"`, `"12h"`). Unset: nothing is archived (segments
    /// archived before are still read).
    #[serde(with = "humantime_serde")]
    pub after: Option<std::time::Duration>,
    /// How often the archiver looks for events old enough.
    #[serde(with = "humantime_serde")]
    pub interval: std::time::Duration,
    /// Most events per segment.
    pub segment_events: usize,
}

impl Default for ArchiveConfig {
    fn default() -> Self {
        Self {
            after: None,
            interval: std::time::Duration::from_secs(3600),
            segment_events: 100_000,
        }
    }
}

/// Where state and the event log are kept: unset `url`, SQLite in the data directory (the
/// default); `postgres://user[:password]@host[:port]/database`, that PostgreSQL database.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// The PostgreSQL URL; unset for SQLite. Never logged (it may hold a password).
    pub url: Option<String>,
    /// Most PostgreSQL connections this node opens (default 16).
    pub max_connections: Option<usize>,
}

/// The store a [`StoreConfig`] names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreChoice {
    /// `trailroom.db` in the data directory.
    Sqlite,
    /// A PostgreSQL database at this URL.
    Postgres(String),
}

impl StoreConfig {
    /// Which store the configuration names.
    pub fn choice(&self) -> Result<StoreChoice, ConfigError> {
        match self.url.as_deref().map(str::trim) {
            None | Some("") | Some("sqlite") => Ok(StoreChoice::Sqlite),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(StoreChoice::Postgres(url.to_owned()))
            }
            Some(_) => Err(ConfigError::Invalid(
                "store must be a postgres:// or postgresql:// URL, or unset for SQLite in the \
                 data directory"
                    .into(),
            )),
        }
    }
}

/// Where object bytes are kept: files under the data directory (`backend = "files"`, the
/// default), or objects of an S3-compatible store (`backend = "s3"` with its endpoint, bucket and
/// credentials; `prefix` keeps them under a key prefix) while their metadata stays in the store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobsConfig {
    /// `files` or `s3`.
    #[serde(default = "files")]
    pub backend: String,
    /// The S3 endpoint URL (`s3`).
    pub endpoint: Option<String>,
    /// The bucket that holds the objects (`s3`).
    pub bucket: Option<String>,
    /// Its region.
    #[serde(default = "default_region")]
    pub region: String,
    /// Access key id for the endpoint.
    pub access_key_id: Option<String>,
    /// Secret access key for the endpoint. Never logged.
    pub secret_access_key: Option<String>,
    /// Path-style addressing.
    #[serde(default = "yes")]
    pub path_style: bool,
    /// Key prefix of every object.
    #[serde(default)]
    pub prefix: String,
}

fn files() -> String {
    "files".into()
}

impl Default for BlobsConfig {
    fn default() -> Self {
        Self {
            backend: files(),
            endpoint: None,
            bucket: None,
            region: default_region(),
            access_key_id: None,
            secret_access_key: None,
            path_style: true,
            prefix: String::new(),
        }
    }
}

impl BlobsConfig {
    /// The S3 bucket the blobs live in, when the backend is `s3`; `None` for files.
    pub fn s3_bucket(&self) -> anyhow::Result<Option<ExternalBucket>> {
        let missing = |field: &str| anyhow::anyhow!("[blobs] backend = \"s3\" needs {field}");
        match self.backend.as_str() {
            "files" => Ok(None),
            "s3" => Ok(Some(ExternalBucket {
                bucket: self.bucket.clone().ok_or_else(|| missing("bucket"))?,
                endpoint: self.endpoint.clone().ok_or_else(|| missing("endpoint"))?,
                region: self.region.clone(),
                access_key_id: self
                    .access_key_id
                    .clone()
                    .ok_or_else(|| missing("access_key_id"))?,
                secret_access_key: self
                    .secret_access_key
                    .clone()
                    .ok_or_else(|| missing("secret_access_key"))?,
                path_style: self.path_style,
            })),
            other => anyhow::bail!("[blobs] backend must be \"files\" or \"s3\", not {other:?}"),
        }
    }
}

fn default_region() -> String {
    "us-east-1".into()
}

fn yes() -> bool {
    true
}

/// An account to create at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// 12-digit account id.
    pub id: String,
    /// Root access key id.
    pub root_access_key_id: String,
    /// Root secret access key. Never logged.
    pub root_secret_access_key: String,
}

/// An organization to define on start (idempotent; accounts it no longer lists leave it).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationConfig {
    /// Organization id (`o-` + 10 to 32 lowercase letters or digits); derived from the
    /// management account when unset.
    #[serde(default)]
    pub id: Option<String>,
    /// The management account: the one that can create organization trails.
    pub management_account: String,
    /// Member accounts.
    #[serde(default)]
    pub member_accounts: Vec<String>,
}

impl OrganizationConfig {
    /// The organization id: configured or derived.
    pub fn organization_id(&self) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| trailroom_organizations::derive_id(&self.management_account))
    }

    /// Rejects bad ids and accounts.
    pub fn check(&self) -> Result<(), ConfigError> {
        let id = self.organization_id();
        if !trailroom_organizations::is_valid_id(&id) {
            return Err(ConfigError::Invalid(format!(
                "organization id {id:?} is not o- followed by 10 to 32 lowercase letters or digits"
            )));
        }
        for account in std::iter::once(&self.management_account).chain(&self.member_accounts) {
            check_account_id(account)?;
        }
        Ok(())
    }
}

fn check_account_id(id: &str) -> Result<(), ConfigError> {
    match id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        true => Ok(()),
        false => Err(ConfigError::Invalid(format!(
            "account id {id:?} is not 12 digits"
        ))),
    }
}

/// A listen address: `host:port`, `localhost:port`, or a bare port (on 127.0.0.1).
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    if let Some(port) = text.strip_prefix("localhost:")
        && let Ok(port) = port.parse::<u16>()
    {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.parse()
        .map_err(|_| format!("{text:?} is not a port or host:port (such as 4570 or 0.0.0.0:4570)"))
}

/// Port the server listens on by default.
pub const DEFAULT_PORT: u16 = 4570;

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            data_dir: PathBuf::from("data"),
            default_account: true,
            root_access_key_id: DEFAULT_ROOT_ACCESS_KEY_ID.into(),
            root_secret_access_key: DEFAULT_ROOT_SECRET_KEY.into(),
            accounts: Vec::new(),
            organizations: Vec::new(),
            max_body_bytes: 8 * 1024 * 1024,
            recording: true,
            authorization: true,
            event_retention_days: 90,
            prune_interval_secs: 3600,
            lookup_events_rate_limit: None,
            trusted_proxy_header: None,
            public_url: None,
            external_buckets: Vec::new(),
            blobs: BlobsConfig::default(),
            cluster: ClusterConfig::default(),
            archive: ArchiveConfig::default(),
            store: StoreConfig::default(),
            delivery_interval: std::time::Duration::from_secs(300),
            digest_interval: std::time::Duration::from_secs(3600),
            insights_period: std::time::Duration::from_secs(60),
            insights_baseline_periods: 60,
            max_connections: None,
            header_timeout: std::time::Duration::from_secs(20),
            body_timeout: std::time::Duration::from_secs(20),
            test_identity_provider: true,
            s3_base_domains: vec!["localhost".into()],
            oidc_issuers: Vec::new(),
            test_api: None,
            tls_cert: None,
            tls_key: None,
            tls_self_signed: false,
            cors_allowed_origins: vec!["*".into()],
        }
    }
}

impl Config {
    /// This node's name in leases: `[cluster] node_name`, or the host name and the data
    /// directory's absolute path.
    pub fn node_name(&self) -> String {
        if let Some(name) = &self.cluster.node_name {
            return name.clone();
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_else(|_| "localhost".to_owned());
        let dir = std::fs::canonicalize(&self.data_dir).unwrap_or_else(|_| self.data_dir.clone());
        format!("{host}:{}", dir.display())
    }

    /// Where the TLS certificate comes from, when HTTPS is on.
    pub fn tls(&self) -> Option<crate::tls::TlsSource> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(crate::tls::TlsSource::Files {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ if self.tls_self_signed => Some(crate::tls::TlsSource::SelfSigned),
            _ => None,
        }
    }

    /// `https` when TLS is on, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls().is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The base URL for links this server hands out: `public_url`, else `<scheme>://<listen>`.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("{}://{}", self.scheme(), self.listen),
        }
    }

    /// Whether the test API is served (see [`Config::test_api`]).
    pub fn test_api_enabled(&self) -> bool {
        self.test_api
            .unwrap_or_else(|| self.listen.ip().is_loopback())
    }
}

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {cause}")]
    Read {
        path: PathBuf,
        /// Shown in the message only (not as a source too, so it is printed once).
        cause: std::io::Error,
    },
    /// The file is not valid configuration.
    #[error("invalid config file {path}: {cause}")]
    Parse {
        path: PathBuf,
        /// Shown in the message only.
        cause: Box<toml::de::Error>,
    },
    /// An environment variable has a bad value.
    #[error("invalid value for {name}: {value}")]
    Env { name: &'static str, value: String },
    /// A value breaks a rule.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads `path` (if given), then applies `TRAILROOM_*` variables from `env`.
    pub fn load(
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut config = match path {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        config.apply_env(env)?;
        config.check()?;
        Ok(config)
    }

    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|cause| ConfigError::Read {
            path: path.to_owned(),
            cause,
        })?;
        toml::from_str(&text).map_err(|cause| ConfigError::Parse {
            path: path.to_owned(),
            cause: Box::new(cause),
        })
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(value) = env("TRAILROOM_LISTEN") {
            self.listen = parse_listen(&value).map_err(|_| ConfigError::Env {
                name: "TRAILROOM_LISTEN",
                value,
            })?;
        }
        if let Some(value) = env("TRAILROOM_STORE") {
            self.store.url = Some(value);
        }
        if let Some(value) = env("TRAILROOM_DATA_DIR") {
            self.data_dir = PathBuf::from(value);
        }
        if let Some(value) = env("TRAILROOM_ROOT_ACCESS_KEY_ID") {
            self.root_access_key_id = value;
        }
        if let Some(value) = env("TRAILROOM_ROOT_SECRET_ACCESS_KEY") {
            self.root_secret_access_key = value;
        }
        Ok(())
    }

    /// Rejects values the server cannot work with.
    pub fn check(&self) -> Result<(), ConfigError> {
        self.store.choice()?;
        for account in &self.accounts {
            check_account_id(&account.id)?;
        }
        let mut grouped = std::collections::BTreeSet::new();
        for org in &self.organizations {
            org.check()?;
            for account in std::iter::once(&org.management_account).chain(&org.member_accounts) {
                if !grouped.insert(account) {
                    return Err(ConfigError::Invalid(format!(
                        "account {account} is listed in more than one organization (or twice)"
                    )));
                }
            }
        }
        if self.event_retention_days < 1 {
            return Err(ConfigError::Invalid(
                "event_retention_days must be at least 1".into(),
            ));
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err(ConfigError::Invalid(
                "tls_cert and tls_key go together (--tls-cert and --tls-key)".into(),
            ));
        }
        if self
            .lookup_events_rate_limit
            .is_some_and(|r| r.is_nan() || r <= 0.0)
        {
            return Err(ConfigError::Invalid(
                "lookup_events_rate_limit must be positive".into(),
            ));
        }
        if let Some(after) = self.archive.after
            && after.as_millis()
                >= u128::from(self.event_retention_days.unsigned_abs()) * 86_400_000
        {
            return Err(ConfigError::Invalid(
                "archive.after must be shorter than event_retention_days (older events are pruned, not archived)"
                    .into(),
            ));
        }
        if self.archive.interval < std::time::Duration::from_secs(1)
            || self.archive.segment_events == 0
        {
            return Err(ConfigError::Invalid(
                "archive.interval must be at least 1s and archive.segment_events at least 1".into(),
            ));
        }
        if self.delivery_interval < std::time::Duration::from_secs(1) {
            return Err(ConfigError::Invalid(
                "delivery_interval must be at least 1s".into(),
            ));
        }
        if self.insights_period < std::time::Duration::from_secs(1) {
            return Err(ConfigError::Invalid(
                "insights_period must be at least 1s".into(),
            ));
        }
        if self.digest_interval < std::time::Duration::from_secs(1) {
            return Err(ConfigError::Invalid(
                "digest_interval must be at least 1s".into(),
            ));
        }
        for issuer in &self.oidc_issuers {
            if !issuer.issuer.starts_with("https://") {
                return Err(ConfigError::Invalid(format!(
                    "OIDC issuer {} must begin with https://",
                    issuer.issuer
                )));
            }
        }
        if self.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "max_body_bytes must be at least 1024".into(),
            ));
        }
        Ok(())
    }

    /// The accounts to ensure at start: the default one (unless turned off) and the listed ones.
    pub fn bootstrap_accounts(&self) -> Vec<AccountConfig> {
        let mut accounts = Vec::new();
        if self.default_account {
            accounts.push(AccountConfig {
                id: DEFAULT_ACCOUNT_ID.into(),
                root_access_key_id: self.root_access_key_id.clone(),
                root_secret_access_key: self.root_secret_access_key.clone(),
            });
        }
        accounts.extend(self.accounts.iter().cloned());
        accounts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_takes_a_port_or_an_address() {
        assert_eq!(parse_listen("4571").unwrap().to_string(), "127.0.0.1:4571");
        assert_eq!(
            parse_listen("localhost:4572").unwrap().to_string(),
            "127.0.0.1:4572"
        );
        assert_eq!(
            parse_listen("0.0.0.0:4573").unwrap().to_string(),
            "0.0.0.0:4573"
        );
        assert!(parse_listen("somewhere").is_err());
    }

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trailroom.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\ndata_dir = \"/tmp/x\"\ndelivery_interval = \"2s\"\n",
        )
        .unwrap();
        let env = |name: &str| (name == "TRAILROOM_DATA_DIR").then(|| "/tmp/y".to_owned());
        let config = Config::load(Some(&path), env).unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.data_dir, PathBuf::from("/tmp/y"));
        assert!(config.default_account);
        assert_eq!(config.delivery_interval, std::time::Duration::from_secs(2));
        assert_eq!(config.digest_interval, std::time::Duration::from_secs(3600));
    }

    #[test]
    fn unknown_keys_and_bad_accounts_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "lisen = \"127.0.0.1:9000\"\n").unwrap();
        assert!(matches!(
            Config::load(Some(&path), |_| None),
            Err(ConfigError::Parse { .. })
        ));
        std::fs::write(
            &path,
            "[[accounts]]\nid = \"12\"\nroot_access_key_id = \"AKIA\"\nroot_secret_access_key = \"s\"\n",
        )
        .unwrap();
        assert!(matches!(
            Config::load(Some(&path), |_| None),
            Err(ConfigError::Invalid(_))
        ));
    }

    #[test]
    fn organizations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("org.toml");
        std::fs::write(
            &path,
            "[[organizations]]\nmanagement_account = \"123456789012\"\n\
             member_accounts = [\"111122223333\"]\n",
        )
        .unwrap();
        let config = Config::load(Some(&path), |_| None).unwrap();
        let org = &config.organizations[0];
        assert!(trailroom_organizations::is_valid_id(&org.organization_id()));
        for bad in [
            "[[organizations]]\nid = \"o-BAD\"\nmanagement_account = \"123456789012\"\n",
            "[[organizations]]\nmanagement_account = \"1234\"\n",
            "[[organizations]]\nmanagement_account = \"123456789012\"\n\
             member_accounts = [\"123456789012\"]\n",
        ] {
            std::fs::write(&path, bad).unwrap();
            assert!(
                matches!(
                    Config::load(Some(&path), |_| None),
                    Err(ConfigError::Invalid(_))
                ),
                "{bad}"
            );
        }
    }
}
