//! `trailroom events lookup|tail`: Event history in a terminal, read straight from a data
//! directory or the server's PostgreSQL store (the server may be running: the store allows
//! readers beside its writer); `lookup` also reads archived segments kept in the data directory. An
//! operator tool with the same trust as the database file, so it needs no credentials and its
//! reads are not themselves recorded.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, SecondsFormat, Utc};
use trailroom_store::{EventQuery, EventRow, LookupKey, Store};

/// What `events lookup` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Aligned columns, as the console's Event history.
    Table,
    /// `{"Records":[…]}` with the full records.
    Json,
}

/// Which events, from the command line (`events lookup` and `events tail`).
#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Data directory of the server.
    #[arg(long, env = "TRAILROOM_DATA_DIR", default_value = "data")]
    pub data_dir: std::path::PathBuf,
    /// The server's PostgreSQL store (`postgres://…`), when it keeps its events there rather
    /// than in the data directory.
    #[arg(long, env = "TRAILROOM_STORE")]
    pub store: Option<String>,
    /// Account whose events to show.
    #[arg(long, default_value = trailroom_identity::DEFAULT_ACCOUNT_ID)]
    pub account: String,
    /// Region whose events to show.
    #[arg(long, default_value = "us-east-1", value_parser = known_region)]
    pub region: String,
    /// One lookup attribute as Key=Value (EventId, EventName, EventSource, Username,
    /// AccessKeyId, ReadOnly, ResourceType, ResourceName).
    #[arg(long)]
    pub attribute: Option<String>,
}

/// A lookup's filter, range, size and format, from the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct LookupArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Only events at or after this time: RFC 3339, a date (UTC), or an age such as `1h`.
    #[arg(long, value_parser = crate::cli::time::parse_time)]
    pub start: Option<DateTime<Utc>>,
    /// Only events at or before this time: RFC 3339, a date (UTC), or an age such as `10m`.
    #[arg(long, value_parser = crate::cli::time::parse_time)]
    pub end: Option<DateTime<Utc>>,
    /// Most events to print.
    #[arg(long, default_value_t = 50)]
    pub max: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

/// A region of the partition.
fn known_region(text: &str) -> Result<String, String> {
    match trailroom_protocol::regions::is_known(text) {
        true => Ok(text.to_owned()),
        false => Err(format!("{text:?} is not a region of the aws partition")),
    }
}

/// Parses `Key=Value` into a lookup key.
pub fn parse_attribute(text: &str) -> anyhow::Result<LookupKey> {
    let (key, value) = text
        .split_once('=')
        .context("attribute must be Key=Value")?;
    LookupKey::parse(key, value).map_err(|e| anyhow::anyhow!("{e}"))
}

fn open(filter: &FilterArgs) -> anyhow::Result<Arc<dyn Store>> {
    crate::store_choice::open_for_command(&filter.data_dir, filter.store.as_deref(), true)
}

/// `events lookup`: newest first, paging through the store (and the archive's segments in the
/// data directory) until `max` events are printed.
pub async fn lookup(args: &LookupArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let filter = &args.filter;
    let store = open(filter)?;
    let key = filter
        .attribute
        .as_deref()
        .map(parse_attribute)
        .transpose()?;
    let mut query = EventQuery {
        account_id: filter.account.clone(),
        region: filter.region.clone(),
        key,
        start_ms: args.start.map_or(0, |t| t.timestamp_millis()),
        end_ms: args.end.map_or(i64::MAX, |t| t.timestamp_millis()),
        before: None,
        category: "Management".into(),
        limit: 500,
    };
    let archive = crate::archive::reader(&trailroom_s3::BlobStore::new(&filter.data_dir));
    let mut events = Vec::new();
    while events.len() < args.max {
        let (live, segments) = trailroom_store::read(store.as_ref(), |txn| {
            Ok::<_, trailroom_store::StoreError>((
                txn.lookup_events(&query)?,
                trailroom_archive::catalog::entries(txn)?,
            ))
        })??;
        let page = archive.lookup_with_live(live, &segments, &query).await?;
        let Some(last) = page.last() else { break };
        query.before = Some((last.event_time_ms, last.seq));
        events.extend(page);
    }
    events.truncate(args.max);
    store.shutdown();
    match args.output {
        Output::Table => print_table(&events, out),
        Output::Json => print_json(&events, out),
    }
}

/// `events tail`: prints events as they are recorded, oldest first, until interrupted.
pub fn tail(args: &FilterArgs, poll: Duration, out: &mut impl Write) -> anyhow::Result<()> {
    let store = open(args)?;
    let key = args.attribute.as_deref().map(parse_attribute).transpose()?;
    let total = trailroom_store::read(store.as_ref(), |txn| txn.count_events())??;
    // Start from the end of the log: show only what happens from now on.
    let mut after = latest_seq(store.as_ref(), &args.account, total)?;
    writeln!(out, "{}", header())?;
    loop {
        let events = trailroom_store::read(store.as_ref(), |txn| {
            txn.events_after(&args.account, Some(&args.region), after, 500)
        })??;
        for event in &events {
            after = event.seq;
            if key.as_ref().is_none_or(|k| k.matches(event)) {
                writeln!(out, "{}", row(event))?;
            }
        }
        out.flush()?;
        if events.is_empty() {
            std::thread::sleep(poll);
        }
    }
}

fn latest_seq(store: &dyn Store, account: &str, total: u64) -> anyhow::Result<i64> {
    let mut after = (total as i64 - 1000).max(0);
    loop {
        let batch =
            trailroom_store::read(store, |txn| txn.events_after(account, None, after, 1000))??;
        match batch.last() {
            Some(last) => after = last.seq,
            None => return Ok(after),
        }
    }
}

fn header() -> String {
    format!(
        "{:<20}  {:<32}  {:<20}  {:<28}  {:<24}  RESOURCE NAME",
        "EVENT TIME", "EVENT NAME", "USER NAME", "EVENT SOURCE", "RESOURCE TYPE"
    )
}

fn row(event: &EventRow) -> String {
    let time = DateTime::from_timestamp_millis(event.event_time_ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default();
    let types: Vec<&str> = event.resources.iter().map(|r| r.0.as_str()).collect();
    let names: Vec<&str> = event.resources.iter().map(|r| r.1.as_str()).collect();
    let failed = serde_json::from_str::<serde_json::Value>(&event.record_json)
        .ok()
        .and_then(|r| {
            r.get("errorCode")
                .and_then(|c| c.as_str())
                .map(|c| format!(" [{c}]"))
        })
        .unwrap_or_default();
    format!(
        "{time:<20}  {:<32}  {:<20}  {:<28}  {:<24}  {}",
        terminal_safe(&format!("{}{failed}", event.event_name)),
        terminal_safe(event.username.as_deref().unwrap_or("-")),
        terminal_safe(&event.event_source),
        terminal_safe(&types.join(",")),
        terminal_safe(&names.join(","))
    )
}

/// `text` with what a terminal would act on escaped: control characters (ESC sequences, CR,
/// backspace) and the invisible direction and width marks that reorder what is shown. Callers
/// put anything in resource names and user agents; the table must show it, not run it.
fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match unsafe_char(c) {
            true => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            false => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

fn print_table(events: &[EventRow], out: &mut impl Write) -> anyhow::Result<()> {
    writeln!(out, "{}", header())?;
    for event in events {
        writeln!(out, "{}", row(event))?;
    }
    Ok(())
}

fn print_json(events: &[EventRow], out: &mut impl Write) -> anyhow::Result<()> {
    let records: Vec<serde_json::Value> = events
        .iter()
        .filter_map(|e| serde_json::from_str(&e.record_json).ok())
        .collect();
    serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "Records": records }))?;
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_cannot_drive_the_terminal() {
        assert_eq!(terminal_safe("plain room/abc"), "plain room/abc");
        let hostile = "room/abc\u{1b}[2J\u{1b}[31mFAKE\rspoofed\u{202e}txt";
        let safe = terminal_safe(hostile);
        assert!(
            !safe.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{safe}"
        );
        assert_eq!(
            safe,
            "room/abc\\u{1b}[2J\\u{1b}[31mFAKE\\u{d}spoofed\\u{202e}txt"
        );
    }

    #[test]
    fn attributes_parse() {
        assert_eq!(
            parse_attribute("EventName=CreateRoom").unwrap(),
            LookupKey::EventName("CreateRoom".into())
        );
        assert_eq!(
            parse_attribute("ReadOnly=false").unwrap(),
            LookupKey::ReadOnly(false)
        );
        assert!(parse_attribute("ReadOnly=maybe").is_err());
        assert!(parse_attribute("Color=red").is_err());
        assert!(parse_attribute("EventName").is_err());
    }
}
