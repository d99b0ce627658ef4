//! Opening the store a server keeps its state and events in: `trailroom.db` in the data
//! directory, or the PostgreSQL database `[store] url` (`--store`) names.
//!
//! A server on PostgreSQL notes the URL in its data directory (`store-url`, readable by its owner
//! only, as the database file would be), so the operator commands given that data directory
//! (`events`, `validate`, `admin`, `accounts`, `idp`) open the same store without being told.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use trailroom_store::Store;
use trailroom_store_postgres::{PostgresOptions, PostgresStore};
use trailroom_store_sqlite::SqliteStore;

use crate::config::{Config, StoreChoice};

/// The file naming a data directory's PostgreSQL store.
const REMEMBERED: &str = "store-url";

/// Opens the configured store for `serve`, and notes the choice in the data directory.
pub fn open_for_server(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let choice = config.store.choice()?;
    remember(&config.data_dir, &choice)?;
    let defaults = PostgresOptions::default();
    let options = PostgresOptions {
        max_connections: config
            .store
            .max_connections
            .unwrap_or(defaults.max_connections),
        ..defaults
    };
    open(&config.data_dir, &choice, &options)
}

/// Opens the store of `data_dir` for an operator command: the one `explicit` names (a flag or
/// `TRAILROOM_STORE`), else the one its server noted, else its SQLite file; with `must_exist`,
/// a data directory without a database is an error rather than a new empty store.
pub fn open_for_command(
    data_dir: &Path,
    explicit: Option<&str>,
    must_exist: bool,
) -> anyhow::Result<Arc<dyn Store>> {
    let url = match explicit {
        Some(url) => Some(url.to_owned()),
        None => std::env::var("TRAILROOM_STORE")
            .ok()
            .or(remembered(data_dir)?),
    };
    let choice = crate::config::StoreConfig {
        url,
        max_connections: None,
    }
    .choice()?;
    if choice == StoreChoice::Sqlite && must_exist && !sqlite_path(data_dir).is_file() {
        bail!(
            "no trailroom database at {}",
            sqlite_path(data_dir).display()
        );
    }
    let options = PostgresOptions {
        max_connections: 2,
        ..PostgresOptions::default()
    };
    open(data_dir, &choice, &options)
}

fn open(
    data_dir: &Path,
    choice: &StoreChoice,
    options: &PostgresOptions,
) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match choice {
        StoreChoice::Sqlite => {
            std::fs::create_dir_all(data_dir)
                .with_context(|| format!("cannot create {}", data_dir.display()))?;
            let path = sqlite_path(data_dir);
            SqliteStore::open(&path)
                .with_context(|| format!("cannot open store {}", path.display()))?
        }
        // The URL is not repeated in errors: it may hold a password.
        StoreChoice::Postgres(url) => {
            PostgresStore::open(url, options).context("cannot open the PostgreSQL store")?
        }
    })
}

fn sqlite_path(data_dir: &Path) -> PathBuf {
    data_dir.join("trailroom.db")
}

/// Notes (or, on SQLite, forgets) the data directory's PostgreSQL store.
fn remember(data_dir: &Path, choice: &StoreChoice) -> anyhow::Result<()> {
    let path = data_dir.join(REMEMBERED);
    match choice {
        StoreChoice::Sqlite => match std::fs::remove_file(&path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                Err(err).with_context(|| format!("cannot remove {}", path.display()))
            }
            _ => Ok(()),
        },
        StoreChoice::Postgres(url) => {
            use std::io::Write as _;
            use std::os::unix::fs::OpenOptionsExt as _;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            file.write_all(url.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))
        }
    }
}

fn remembered(data_dir: &Path) -> anyhow::Result<Option<String>> {
    let path = data_dir.join(REMEMBERED);
    match std::fs::read_to_string(&path) {
        Ok(url) => Ok(Some(url.trim().to_owned())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}
