//! `trailroom`: the command line. `serve` runs the server; other commands manage a data directory.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use trailroom_server::cli::events::{self as events_cli, LookupArgs};
use trailroom_server::cli::{admin as admin_cli, time as cli_time};
use trailroom_server::{AppState, Config, serve};

/// A request allocates and frees hundreds of small blocks across the runtime's threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "trailroom",
    version,
    about = "Alexa for Business with CloudTrail-grade audit logging, self-hosted"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log lines as plain text or as one JSON object each (to stderr).
    #[arg(
        long,
        global = true,
        env = "TRAILROOM_LOG_FORMAT",
        default_value = "text"
    )]
    log_format: LogFormat,
    /// What to log: a level (`info`, `debug`, …) or a filter such as
    /// `info,trailroom::request=warn`. Every request is one `info` line of `trailroom::request`.
    #[arg(long, global = true, env = "TRAILROOM_LOG", default_value = "info")]
    log_level: String,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Event history in the terminal, read from a data directory.
    #[command(subcommand)]
    Events(EventsCommand),
    /// Operator actions on a data directory (no public API creates these things).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Accounts of a data directory.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Organizations of a data directory (for organization trails).
    #[command(subcommand)]
    Organizations(OrganizationsCommand),
    /// The test identity provider: OIDC ID tokens and SAML responses for
    /// AssumeRoleWithWebIdentity and AssumeRoleWithSAML, and what registers it in IAM.
    #[command(subcommand)]
    Idp(trailroom_server::cli::idp::IdpCommand),
    /// Log file integrity validation of a trail delivering to this server's buckets (the checks
    /// of `aws cloudtrail validate-logs`, without the AWS CLI). Exits 1 when something is invalid.
    Validate(trailroom_server::cli::validate::ValidateArgs),
    /// The long-term event archive.
    #[command(subcommand)]
    Archive(ArchiveCommand),
}

#[derive(Subcommand)]
enum ArchiveCommand {
    /// Checks every segment and signed manifest of the archive. Exits 1 when something is
    /// invalid.
    Verify(trailroom_server::cli::archive::VerifyArgs),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Alexa for Business admin actions (import devices, register gateways, …).
    A4b {
        /// The action; omit to list them all.
        action: Option<String>,
        /// Arguments as a JSON object, e.g. '{"DeviceName": "Echo", ...}'.
        #[arg(long, default_value = "{}")]
        json: String,
        /// Account to act for (on a data directory no server holds; through a server, the
        /// account is the root key's).
        #[arg(long, default_value = trailroom_identity::DEFAULT_ACCOUNT_ID)]
        account: String,
        /// Data directory of the server. When a server holds it, the action goes through that
        /// server's admin API.
        #[arg(
            long,
            env = "TRAILROOM_DATA_DIR",
            default_value = "data",
            conflicts_with = "endpoint"
        )]
        data_dir: PathBuf,
        /// A running server to act through (its admin API), e.g. http://127.0.0.1:4570.
        #[arg(long, env = "TRAILROOM_ENDPOINT")]
        endpoint: Option<String>,
        /// Root access key id of the account, to sign admin API calls (default: the default
        /// account's).
        #[arg(long, env = "AWS_ACCESS_KEY_ID", default_value = trailroom_identity::DEFAULT_ROOT_ACCESS_KEY_ID)]
        access_key_id: String,
        /// Root secret access key of the account.
        #[arg(long, env = "AWS_SECRET_ACCESS_KEY", default_value = trailroom_identity::DEFAULT_ROOT_SECRET_KEY, hide_default_value = true)]
        secret_access_key: String,
    },
}

#[derive(Subcommand)]
enum AccountsCommand {
    /// Creates an account with a root access key.
    Add {
        /// 12-digit account id.
        #[arg(long)]
        id: String,
        /// Root access key id.
        #[arg(long)]
        access_key_id: String,
        /// Root secret access key.
        #[arg(long)]
        secret_access_key: String,
        /// Data directory of the server.
        #[arg(long, env = "TRAILROOM_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum OrganizationsCommand {
    /// Groups accounts into an organization (or redefines one); prints its id.
    Create {
        /// The management account, which can create organization trails.
        #[arg(long)]
        management_account: String,
        /// A member account (repeat for several).
        #[arg(long = "member-account")]
        member_accounts: Vec<String>,
        /// Organization id (`o-` + 10 to 32 lowercase letters or digits); derived when unset.
        #[arg(long)]
        id: Option<String>,
        /// Data directory of the server.
        #[arg(long, env = "TRAILROOM_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum EventsCommand {
    /// Print recorded events, newest first.
    Lookup(LookupArgs),
    /// Follow events as they are recorded.
    Tail {
        #[command(flatten)]
        args: trailroom_server::cli::events::FilterArgs,
        /// How often to look for new events, in milliseconds.
        #[arg(long, default_value_t = 500)]
        poll_ms: u64,
    },
}

/// The environment `serve` reads besides its flags' own variables.
const SERVE_ENVIRONMENT: &str = "Environment (flags win over it; it wins over the config file):
  TRAILROOM_CONFIG                  the config file (--config)
  TRAILROOM_LISTEN                  address or port to listen on (--listen)
  TRAILROOM_DATA_DIR                data directory (--data-dir; every command reads it)
  TRAILROOM_ROOT_ACCESS_KEY_ID      root access key id of the default account
  TRAILROOM_ROOT_SECRET_ACCESS_KEY  its secret access key
  TRAILROOM_LOG                     what to log (--log-level)
  TRAILROOM_LOG_FORMAT              text or json (--log-format)";

#[derive(clap::Args)]
#[command(after_help = SERVE_ENVIRONMENT)]
struct ServeArgs {
    /// Configuration file (TOML).
    #[arg(long, env = "TRAILROOM_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on: a port (on 127.0.0.1) or host:port (default 127.0.0.1:4570).
    #[arg(long, env = "TRAILROOM_LISTEN", value_parser = trailroom_server::config::parse_listen)]
    listen: Option<std::net::SocketAddr>,
    /// Data directory (default ./data).
    #[arg(long, env = "TRAILROOM_DATA_DIR", conflicts_with = "ephemeral")]
    data_dir: Option<PathBuf>,
    /// Keep state and the event log in this PostgreSQL database
    /// (`postgres://user@host:port/db`) instead of SQLite in the data directory.
    #[arg(long, env = "TRAILROOM_STORE")]
    store: Option<String>,
    /// Keep all state in a temporary data directory, removed when the server stops.
    #[arg(long)]
    ephemeral: bool,
    /// How often trails deliver log files, e.g. `2s`, `5m` (default 5m).
    #[arg(long, value_parser = humantime::parse_duration)]
    delivery_interval: Option<std::time::Duration>,
    /// Length of a digest period, e.g. `20s`, `1h` (default 1h).
    #[arg(long, value_parser = humantime::parse_duration)]
    digest_interval: Option<std::time::Duration>,
    /// Serve HTTPS with this certificate chain (PEM file); needs --tls-key.
    #[arg(long, requires = "tls_key", conflicts_with = "tls")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM file) of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// `self-signed`: serve HTTPS with a certificate generated for localhost, written to
    /// <data dir>/tls/self-signed.pem for clients to trust.
    #[arg(long, value_parser = ["self-signed"])]
    tls: Option<String>,
}

/// Log lines the buffer holds before logging waits for the writer thread: a few hundred
/// milliseconds of request lines at full load.
const LOG_BUFFER_LINES: usize = 4096;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = EnvFilter::try_new(&cli.log_level)
        .with_context(|| format!("--log-level {:?} is not a level or filter", cli.log_level))?;
    // Lines go to stderr through a buffer a background thread drains (one request line each
    // would otherwise be a write per request); never dropped: a full buffer makes logging wait.
    // The guard flushes what is left when main returns. The buffer's slots are allocated up
    // front: the default 128,000 lines were 4 MB of idle memory.
    let (writer, flush_on_exit) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_BUFFER_LINES)
        .lossy(false)
        .finish(std::io::stderr());
    let logs = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().with_current_span(true).init(),
    }
    match cli.command {
        Command::Serve(args) => run_server(args).await,
        Command::Events(EventsCommand::Lookup(args)) => {
            events_cli::lookup(&args, &mut std::io::stdout().lock()).await
        }
        Command::Events(EventsCommand::Tail { args, poll_ms }) => events_cli::tail(
            &args,
            std::time::Duration::from_millis(poll_ms),
            &mut std::io::stdout().lock(),
        ),
        Command::Admin(AdminCommand::A4b { action: None, .. }) => {
            admin_cli::list_actions(&mut std::io::stdout().lock())
        }
        Command::Admin(AdminCommand::A4b {
            action: Some(action),
            json,
            account,
            data_dir,
            endpoint,
            access_key_id,
            secret_access_key,
        }) => {
            let now = cli_time::now_ms();
            let target = match endpoint {
                Some(endpoint) => admin_cli::Target::Endpoint(endpoint),
                None => admin_cli::Target::DataDir(data_dir),
            };
            let key = trailroom_server::cli::admin_client::RootKey {
                access_key_id,
                secret_access_key,
            };
            let mut out = std::io::stdout().lock();
            admin_cli::run_action(&target, &account, &key, &action, &json, now, &mut out).await
        }
        Command::Idp(command) => {
            let now = cli_time::now_ms();
            trailroom_server::cli::idp::run(command, now, &mut std::io::stdout().lock()).await
        }
        Command::Archive(ArchiveCommand::Verify(args)) => {
            let valid =
                trailroom_server::cli::archive::verify(&args, &mut std::io::stdout().lock())
                    .await?;
            if !valid {
                drop(flush_on_exit);
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Validate(args) => {
            let valid = trailroom_server::cli::validate::run(&args, &mut std::io::stdout().lock())?;
            if !valid {
                drop(flush_on_exit);
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Accounts(AccountsCommand::Add {
            id,
            access_key_id,
            secret_access_key,
            data_dir,
        }) => {
            let account = trailroom_server::config::AccountConfig {
                id,
                root_access_key_id: access_key_id,
                root_secret_access_key: secret_access_key,
            };
            admin_cli::add_account(&data_dir, account, cli_time::now_ms()).await
        }
        Command::Organizations(OrganizationsCommand::Create {
            management_account,
            member_accounts,
            id,
            data_dir,
        }) => {
            let org = trailroom_server::config::OrganizationConfig {
                id,
                management_account,
                member_accounts,
            };
            let now = cli_time::now_ms();
            admin_cli::define_organization(&data_dir, org, now, &mut std::io::stdout().lock()).await
        }
    }
}

async fn run_server(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = Config::load(args.config.as_deref(), |name| std::env::var(name).ok())?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(dir) = args.data_dir {
        config.data_dir = dir;
    }
    if let Some(url) = args.store {
        config.store.url = Some(url);
    }
    let ephemeral = ephemeral_dir(args.ephemeral)?;
    if let Some(dir) = &ephemeral {
        config.data_dir = dir.path().to_path_buf();
    }
    if let Some(interval) = args.delivery_interval {
        config.delivery_interval = interval;
    }
    if let Some(interval) = args.digest_interval {
        config.digest_interval = interval;
    }
    if let (Some(cert), Some(key)) = (args.tls_cert, args.tls_key) {
        config.tls_cert = Some(cert);
        config.tls_key = Some(key);
    }
    if args.tls.is_some() {
        config.tls_self_signed = true;
    }
    config.check()?;
    let mut lock = trailroom_server::data_dir::DataDirLock::acquire(&config.data_dir)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    let url = format!("{}://{address}", config.scheme());
    lock.describe(&url)?;
    config.listen = address;
    let default_account = config
        .default_account
        .then(|| config.root_access_key_id.clone());
    let state = AppState::open(config).await?;
    tracing::info!(%address, "trailroom serving");
    println!("trailroom listening on {url}");
    if let Some(key) = default_account {
        println!("default account 123456789012, root access key {key}");
        if key == trailroom_identity::DEFAULT_ROOT_ACCESS_KEY_ID {
            println!(
                "root secret key {}",
                trailroom_identity::DEFAULT_ROOT_SECRET_KEY
            );
        }
    }
    if let Some(pem) = &state.tls_certificate {
        println!(
            "TLS certificate {} (self-signed for localhost: trust it with --ca-bundle)",
            pem.display()
        );
    }
    if let Some(dir) = &ephemeral {
        println!(
            "data directory {} (temporary: removed on exit)",
            dir.path().display()
        );
    }
    let served = serve(listener, state, shutdown_signal()).await;
    drop(lock);
    if let Some(dir) = ephemeral {
        // Store connections may still be closing (SQLite removes its -wal/-shm files then):
        // retry until the directory is gone rather than leave it behind.
        for _ in 0..50 {
            match std::fs::remove_dir_all(dir.path()) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                _ => break,
            }
        }
        drop(dir);
    }
    served
}

/// With `--ephemeral`, a fresh temporary data directory, removed when dropped.
fn ephemeral_dir(ephemeral: bool) -> anyhow::Result<Option<tempfile::TempDir>> {
    if !ephemeral {
        return Ok(None);
    }
    let dir = tempfile::Builder::new()
        .prefix("trailroom-")
        .tempdir()
        .context("cannot create a temporary data directory")?;
    Ok(Some(dir))
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight calls");
}
