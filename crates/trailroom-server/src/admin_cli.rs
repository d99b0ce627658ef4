//! `trailroom admin …`, `trailroom accounts …` and `trailroom organizations …`: operator commands on a data directory (the
//! server may be running). The same A4B admin actions as `POST /admin/a4b/<action>`, for people
//! at a shell; like the admin API they record no CloudTrail event.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use trailroom_a4b::admin::{AdminCtx, actions, run};
use trailroom_store::Store;
use trailroom_store_sqlite::SqliteStore;

use crate::bootstrap::{ensure_accounts, ensure_organizations};
use crate::config::{AccountConfig, OrganizationConfig};

/// Opens the store of a data directory (creating it).
pub(crate) fn open(data_dir: &Path) -> anyhow::Result<Arc<SqliteStore>> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let path = data_dir.join("trailroom.db");
    SqliteStore::open(&path).with_context(|| format!("cannot open {}", path.display()))
}

/// Prints every A4B admin action with its description.
pub fn list_actions(out: &mut impl std::io::Write) -> anyhow::Result<()> {
    for action in actions() {
        writeln!(out, "{:<28} {}", action.name, action.about)?;
    }
    Ok(())
}

/// Runs A4B admin action `name` with JSON `args` for `account`; prints the JSON result.
pub async fn run_action(
    data_dir: &Path,
    account: &str,
    name: &str,
    args: &str,
    now_ms: i64,
    out: &mut impl std::io::Write,
) -> anyhow::Result<()> {
    let args: serde_json::Value =
        serde_json::from_str(args).context("--json is not a JSON object")?;
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
    let store = open(data_dir)?;
    let result = ensure_organizations(store.as_ref(), std::slice::from_ref(&org), now_ms).await;
    store.shutdown();
    result.context("cannot define the organization")?;
    Ok(writeln!(out, "{}", org.organization_id())?)
}
