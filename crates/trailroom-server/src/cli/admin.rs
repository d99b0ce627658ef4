//! `trailroom admin …`, `trailroom accounts …` and `trailroom organizations …`: operator
//! commands on a data directory. The same A4B admin actions as `POST /admin/a4b/<action>`, for
//! people at a shell; like the admin API they record no CloudTrail event. A data directory a
//! running server holds is never written behind its back: admin actions go through that
//! server's admin API, the other commands refuse and say which server to stop.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use trailroom_a4b::admin::{AdminCtx, actions, run};

use crate::bootstrap::{ensure_accounts, ensure_organizations};
use crate::cli::admin_client::RootKey;
use crate::config::{AccountConfig, OrganizationConfig};
use crate::data_dir::{DataDirLock, RunningServer};

/// Where an admin action runs.
#[derive(Debug, Clone)]
pub enum Target {
    /// A data directory: locally when no server holds it, else through that server.
    DataDir(std::path::PathBuf),
    /// A server, through its admin API.
    Endpoint(String),
}

/// Locks `data_dir` for a command that writes it, or refuses naming the server that holds it.
fn lock_for_change(data_dir: &Path, command: &str) -> anyhow::Result<DataDirLock> {
    match DataDirLock::acquire_or_holder(data_dir)? {
        Ok(lock) => Ok(lock),
        Err(RunningServer { text, .. }) => bail!(
            "data dir {} is in use by {text}: `{command}` changes the data directory and \
             cannot while a server runs on it; stop the server first (or declare it in the \
             config file the server reads at start)",
            data_dir.display()
        ),
    }
}

/// Opens the store of a data directory (creating it).
pub(crate) fn open(data_dir: &Path) -> anyhow::Result<Arc<dyn trailroom_store::Store>> {
    crate::store_choice::open_for_command(data_dir, None, false)
}

/// Prints every A4B admin action with its description.
pub fn list_actions(out: &mut impl std::io::Write) -> anyhow::Result<()> {
    for action in actions() {
        writeln!(out, "{:<28} {}", action.name, action.about)?;
    }
    Ok(())
}

/// Runs A4B admin action `name` with JSON `args` for `account` (locally) or for the account of
/// `key` (through a server); prints the JSON result.
pub async fn run_action(
    target: &Target,
    account: &str,
    key: &RootKey,
    name: &str,
    args: &str,
    now_ms: i64,
    out: &mut impl std::io::Write,
) -> anyhow::Result<()> {
    if !actions().any(|action| action.name == name) {
        let known: Vec<&str> = actions().map(|action| action.name).collect();
        bail!(
            "no admin action named {name}; the actions are: {}",
            known.join(", ")
        );
    }
    let args: serde_json::Value =
        serde_json::from_str(args).context("--json is not a JSON object")?;
    let data_dir = match target {
        Target::Endpoint(endpoint) => {
            let value = crate::cli::admin_client::run_action(endpoint, key, name, &args).await?;
            return Ok(writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?);
        }
        Target::DataDir(dir) => dir,
    };
    let _lock = match DataDirLock::acquire_or_holder(data_dir)? {
        Ok(lock) => lock,
        Err(RunningServer { url: Some(url), .. }) => {
            let value = crate::cli::admin_client::run_action(&url, key, name, &args).await?;
            return Ok(writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?);
        }
        Err(RunningServer { text, url: None }) => {
            bail!(
                "data dir {} is in use by {text}, which names no URL",
                data_dir.display()
            )
        }
    };
    let store = open(data_dir)?;
    let ctx = AdminCtx {
        account: account.to_owned(),
        region: trailroom_a4b::REGION.into(),
        now_ms,
    };
    let result = run(store.clone(), ctx, name, args).await;
    store.shutdown();
    match result {
        Ok(value) => Ok(writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?),
        Err(err) => bail!("{}: {}", err.code(), err.message()),
    }
}

/// Creates an account with a root key (idempotent for the same key).
pub async fn add_account(
    data_dir: &Path,
    account: AccountConfig,
    now_ms: i64,
) -> anyhow::Result<()> {
    if account.id.len() != 12 || !account.id.bytes().all(|b| b.is_ascii_digit()) {
        bail!("account id {:?} is not 12 digits", account.id);
    }
    let _lock = lock_for_change(data_dir, "trailroom accounts add")?;
    let store = open(data_dir)?;
    let result = ensure_accounts(store.as_ref(), &[account], now_ms).await;
    store.shutdown();
    result.context("cannot create the account")
}

/// Defines (or redefines) an organization; prints its id.
pub async fn define_organization(
    data_dir: &Path,
    org: OrganizationConfig,
    now_ms: i64,
    out: &mut impl std::io::Write,
) -> anyhow::Result<()> {
    org.check()?;
    let _lock = lock_for_change(data_dir, "trailroom organizations create")?;
    let store = open(data_dir)?;
    let result = ensure_organizations(store.as_ref(), std::slice::from_ref(&org), now_ms).await;
    store.shutdown();
    result.context("cannot define the organization")?;
    Ok(writeln!(out, "{}", org.organization_id())?)
}
