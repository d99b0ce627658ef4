//! `trailroom validate`: log file integrity validation of a trail delivering to this server's
//! buckets, read straight from a data directory, with the verdicts of
//! `aws cloudtrail validate-logs` and a progress bar.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use trailroom_cloudtrail::trails::{TRAIL_KIND, TrailRecord};
use trailroom_delivery::validate::{ObjectSource, PublicKeys, Report, Request, validate};

use crate::local_objects::LocalObjects;
use trailroom_s3::BlobStore;
use trailroom_store::Store;

/// Arguments of `trailroom validate`.
#[derive(Debug, Clone, clap::Args)]
pub struct ValidateArgs {
    /// The trail: its ARN, or its name (in --account and --region).
    #[arg(long, alias = "trail-arn")]
    pub trail: String,
    /// Account of a trail given by name.
    #[arg(long, default_value = trailroom_identity::DEFAULT_ACCOUNT_ID)]
    pub account: String,
    /// Start of the range: RFC 3339, a date (UTC), or an age such as `2h`.
    #[arg(long, value_parser = crate::cli::time::parse_time)]
    pub start_time: DateTime<Utc>,
    /// End of the range (same forms); now when omitted.
    #[arg(long, value_parser = crate::cli::time::parse_time)]
    pub end_time: Option<DateTime<Utc>>,
    /// Region whose files to check; the trail's home region when omitted (and where a trail
    /// given by name lives: us-east-1 when omitted).
    #[arg(long)]
    pub region: Option<String>,
    /// Print every valid file too.
    #[arg(long)]
    pub verbose: bool,
    /// Data directory of the server.
    #[arg(long, env = "TRAILROOM_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
}

/// The trail owner's signing keys.
struct Keys<'a> {
    store: &'a dyn Store,
    account: String,
    region: String,
}

impl PublicKeys for Keys<'_> {
    fn public_key(&self, fingerprint: &str) -> Option<Vec<u8>> {
        let keys = trailroom_store::read(self.store, |txn| {
            trailroom_cloudtrail::keys::region_keys(txn, &self.account, &self.region)
        })
        .ok()?
        .ok()?;
        keys.into_iter()
            .find(|k| k.fingerprint == fingerprint)
            .map(|k| k.public_key_der)
    }
}

fn open(data_dir: &Path) -> anyhow::Result<std::sync::Arc<dyn trailroom_store::Store>> {
    crate::store_choice::open_for_command(data_dir, None, true)
}

/// A trail's ARN from a name (in `account` and `region`, us-east-1 when unset) or an ARN.
pub fn trail_arn_of(trail: &str, account: &str, region: Option<&str>) -> String {
    match trail.starts_with("arn:") {
        true => trail.to_owned(),
        false => {
            trailroom_cloudtrail::trails::trail_arn(region.unwrap_or("us-east-1"), account, trail)
        }
    }
}

/// The trail `trail_arn` as stored.
pub fn load_trail(store: &dyn Store, trail_arn: &str) -> anyhow::Result<TrailRecord> {
    let account = trail_arn
        .split(':')
        .nth(4)
        .context("not a trail ARN")?
        .to_owned();
    let trail = trailroom_store::read(store, |txn| txn.get(&account, TRAIL_KIND, trail_arn))??
        .with_context(|| format!("A trail could not be found for {trail_arn}"))?
        .decode()?;
    Ok(trail)
}

/// Validates the files `trail` delivered for `region` (its home region when unset) between
/// `start_ms` and `end_ms`, reading this server's buckets (their objects in `blobs`); `progress` sees each
/// digest checked.
pub fn validate_trail(
    store: &dyn Store,
    blobs: &BlobStore,
    trail: &TrailRecord,
    region: Option<&str>,
    start_ms: i64,
    end_ms: i64,
    progress: impl FnMut(&str),
) -> anyhow::Result<Report> {
    let account = trail
        .trail_arn
        .split(':')
        .nth(4)
        .context("not a trail ARN")?
        .to_owned();
    let region = region.unwrap_or(&trail.home_region).to_owned();
    let request = Request {
        bucket: &trail.s3_bucket_name,
        prefix: trail.s3_key_prefix.as_deref(),
        org_id: None,
        account: &account,
        region: &region,
        trail_name: &trail.name,
        home_region: &trail.home_region,
        start_ms,
        end_ms,
    };
    let objects = LocalObjects { store, blobs };
    let keys = Keys {
        store,
        account: account.clone(),
        region: region.clone(),
    };
    validate(&objects, &keys, &request, progress).map_err(anyhow::Error::msg)
}

/// The log files (not digests) a trail's bucket holds under its prefix, newest first.
pub fn log_files(
    store: &dyn Store,
    blobs: &BlobStore,
    trail: &TrailRecord,
) -> anyhow::Result<Vec<String>> {
    let objects = LocalObjects { store, blobs };
    let prefix = match &trail.s3_key_prefix {
        Some(prefix) => format!("{prefix}/AWSLogs/"),
        None => "AWSLogs/".to_owned(),
    };
    let mut keys: Vec<String> = objects
        .list(&trail.s3_bucket_name, &prefix)
        .map_err(anyhow::Error::msg)?
        .into_iter()
        .filter(|k| k.contains("/CloudTrail/") && k.ends_with(".json.gz"))
        .collect();
    // Keys end in `_<yyyymmddThhmmZ>_<unique>.json.gz`: newest first by that time.
    keys.sort_by_cached_key(|k| {
        std::cmp::Reverse(k.rsplit('_').nth(1).unwrap_or_default().to_owned())
    });
    Ok(keys)
}

/// The records of one delivered log file of `trail`.
pub fn log_file_records(
    store: &dyn Store,
    blobs: &BlobStore,
    trail: &TrailRecord,
    key: &str,
) -> anyhow::Result<serde_json::Value> {
    let objects = LocalObjects { store, blobs };
    let (gzipped, _) = objects
        .get(&trail.s3_bucket_name, key)
        .map_err(anyhow::Error::msg)?
        .with_context(|| format!("no file {key}"))?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzipped[..]), &mut text)
        .context("the file is not gzipped JSON")?;
    Ok(serde_json::from_str(&text)?)
}

/// Validates and prints; returns whether everything was valid.
pub fn run(args: &ValidateArgs, out: &mut impl Write) -> anyhow::Result<bool> {
    let store = open(&args.data_dir)?;
    let trail_arn = trail_arn_of(&args.trail, &args.account, args.region.as_deref());
    let trail = load_trail(store.as_ref(), &trail_arn)?;
    let end = args.end_time.unwrap_or_else(crate::cli::time::now);
    writeln!(
        out,
        "Validating log files for trail {} between {} and {}\n",
        trail_arn,
        args.start_time.format("%Y-%m-%dT%H:%M:%SZ"),
        end.format("%Y-%m-%dT%H:%M:%SZ")
    )?;
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(indicatif::ProgressStyle::with_template(
        "{spinner} {pos} digest files checked {msg}",
    )?);
    // A data directory's object files (a server keeping its objects on S3 is validated from its
    // console, or with `aws cloudtrail validate-logs`).
    let blobs = BlobStore::new(&args.data_dir);
    let report = validate_trail(
        store.as_ref(),
        &blobs,
        &trail,
        args.region.as_deref(),
        args.start_time.timestamp_millis(),
        end.timestamp_millis(),
        |key| {
            bar.inc(1);
            bar.set_message(key.rsplit('/').next().unwrap_or_default().to_owned());
        },
    )?;
    bar.finish_and_clear();
    for verdict in &report.verdicts {
        match &verdict.problem {
            Some(problem) => eprintln!(
                "{}\t{}\tINVALID: {problem}\n",
                verdict.kind, verdict.location
            ),
            None if args.verbose => writeln!(out, "{}\t{}\tvalid", verdict.kind, verdict.location)?,
            None => {}
        }
    }
    if report.verdicts.is_empty() {
        writeln!(out, "No digests found")?;
    }
    for line in report.summary() {
        writeln!(out, "{line}")?;
    }
    store.shutdown();
    Ok(report.is_valid())
}
