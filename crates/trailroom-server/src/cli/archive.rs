//! `trailroom archive verify`: the long-term archive checked from its catalog outwards (every
//! manifest's signature and link to the one before, every segment's SHA-256 and events), read
//! from a data directory and the blob store its configuration names.

use std::io::Write;
use std::path::PathBuf;

use trailroom_s3::BlobStore;

use crate::archive::ArchiveObjects;
use crate::config::Config;

/// Arguments of `trailroom archive verify`.
#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    /// Data directory of the server.
    #[arg(long, env = "TRAILROOM_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The server's configuration file, when its store or blobs are configured there
    /// (`[store]`, `[blobs]`).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// Verifies and prints; returns whether the archive is intact.
pub async fn verify(args: &VerifyArgs, out: &mut impl Write) -> anyhow::Result<bool> {
    let config = Config::load(args.config.as_deref(), |name| std::env::var(name).ok())?;
    let store =
        crate::store_choice::open_for_command(&args.data_dir, config.store.url.as_deref(), true)?;
    let blobs = match config.blobs.s3_bucket()? {
        None => BlobStore::new(&args.data_dir),
        Some(bucket) => BlobStore::remote(
            crate::delivery::external_store(&bucket)?,
            &config.blobs.prefix,
        ),
    };
    let report = trailroom_archive::verify(store.as_ref(), &ArchiveObjects { blobs }).await?;
    for problem in &report.problems {
        writeln!(out, "INVALID: {problem}")?;
    }
    writeln!(
        out,
        "{} segments checked, {} events in valid segments, {} problems",
        report.segments,
        report.events,
        report.problems.len()
    )?;
    store.shutdown();
    Ok(report.valid())
}
