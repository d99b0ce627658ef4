//! `PutAuditEvents` (the `cloudtrail-data` service): events from outside AWS, sent to a
//! channel, go into each of its event data stores as AWS keeps them, `{"eventData": <the event>,
//! "metadata": {"ingestionTime", "channelARN"}}`, queried as `eventData.eventName` and so on.
//!
//! Each event is checked on its own (its checksum, that it is JSON, the fields AWS requires, its
//! `eventTime`, the recipient account); the ones that fail are answered in `failed` with AWS's
//! error codes and the rest go in. A store takes a channel's events through a feed whose cursor
//! counts them, in one lake transaction with the append, so a retried request is never
//! half-stored.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use trailroom_audit::{CallContext, store_failure};
use trailroom_lake::{Lake, LakeError, LakeEvent, import_seq};
use trailroom_protocol::ApiError;

use super::channels::{CHANNEL_KIND, CHANNEL_RESOURCE_TYPE, ChannelRecord, find_channel};
use super::lake_error;

/// Most events per request.
pub const MAX_EVENTS: usize = 100;

/// One event of a request (`auditEvents[]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// The sender's id for the event.
    pub id: String,
    /// The event, as JSON text.
    pub event_data: String,
    /// SHA-256 (hex) of `eventData`, when the sender gives one.
    #[serde(default)]
    pub event_data_checksum: Option<String>,
}

/// An event that went in.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    /// The sender's id.
    pub id: String,
    /// The id CloudTrail gave it.
    #[serde(rename = "eventID")]
    pub event_id: String,
}

/// An event that did not.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Refused {
    /// The sender's id.
    pub id: String,
    /// AWS's code (`InvalidChecksum`, `InvalidData`, `FieldNotFound`, `InvalidRecipient`).
    pub error_code: String,
    /// Why.
    pub error_message: String,
}

/// The answer: `{"successful": [...], "failed": [...]}`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PutAuditEventsOutput {
    /// Events that went in.
    pub successful: Vec<Accepted>,
    /// Events that did not.
    pub failed: Vec<Refused>,
}

impl trailroom_model::Audit for PutAuditEventsOutput {
    fn to_audit_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

fn refuse(id: &str, code: &str, message: impl Into<String>) -> Refused {
    Refused {
        id: id.to_owned(),
        error_code: code.to_owned(),
        error_message: message.into(),
    }
}

/// The fields AWS requires of an event's data.
const REQUIRED: &[&str] = &["version", "eventSource", "eventName", "eventTime", "UID"];

/// Checks one event; its record and `eventTime` (ms) when it goes in.
fn checked(event: &AuditEvent, owner: &str) -> Result<(Value, i64), Refused> {
    if let Some(sum) = &event.event_data_checksum {
        let actual = hex::encode(Sha256::digest(event.event_data.as_bytes()));
        if !sum.eq_ignore_ascii_case(&actual) {
            return Err(refuse(
                &event.id,
                "InvalidChecksum",
                "eventDataChecksum does not match eventData.",
            ));
        }
    }
    let data: Value = serde_json::from_str(&event.event_data).map_err(|e| {
        refuse(
            &event.id,
            "InvalidData",
            format!("eventData is not JSON: {e}"),
        )
    })?;
    if !data.is_object() {
        return Err(refuse(
            &event.id,
            "InvalidData",
            "eventData is not a JSON object.",
        ));
    }
    for field in REQUIRED {
        if data.get(field).is_none_or(Value::is_null) {
            return Err(refuse(
                &event.id,
                "FieldNotFound",
                format!("eventData has no {field}."),
            ));
        }
    }
    let identity = data.get("userIdentity");
    for field in ["type", "principalId"] {
        if identity
            .and_then(|i| i.get(field))
            .is_none_or(Value::is_null)
        {
            return Err(refuse(
                &event.id,
                "FieldNotFound",
                format!("eventData has no userIdentity.{field}."),
            ));
        }
    }
    let time = data["eventTime"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| {
            refuse(
                &event.id,
                "InvalidData",
                "eventTime is not an ISO 8601 time.",
            )
        })?;
    if let Some(recipient) = data.get("recipientAccountId").and_then(Value::as_str)
        && recipient != owner
    {
        return Err(refuse(
            &event.id,
            "InvalidRecipient",
            format!("recipientAccountId must be the channel owner's account, {owner}."),
        ));
    }
    Ok((data, time))
}

/// Stores `events` through the channel `channel_arn`; `now_iso` is the ingestion time.
pub async fn put_audit_events(
    ctx: &CallContext,
    lake: &Lake,
    channel_arn: &str,
    events: Vec<AuditEvent>,
    now_iso: &str,
) -> Result<PutAuditEventsOutput, ApiError> {
    if events.is_empty() || events.len() > MAX_EVENTS {
        return Err(ApiError::validation(format!(
            "auditEvents must hold 1 to {MAX_EVENTS} events; it holds {}.",
            events.len()
        )));
    }
    let mut ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(ApiError::client(
            "DuplicatedAuditEventId",
            "Two or more events of the request have the same id.",
        ));
    }
    let channel = channel_for(ctx, channel_arn)?;
    ctx.add_resource(CHANNEL_RESOURCE_TYPE, channel.arn.clone());
    let mut output = PutAuditEventsOutput::default();
    let mut records = Vec::new();
    for event in &events {
        match checked(event, &channel.account_id) {
            Ok((data, time_ms)) => {
                let event_id = uuid::Uuid::new_v4().to_string();
                let record = json!({
                    "eventData": data,
                    "metadata": {"ingestionTime": now_iso, "channelARN": channel.arn},
                    "eventID": event_id,
                    "eventCategory": super::ACTIVITY_AUDIT_LOG,
                });
                records.push((record.to_string(), time_ms));
                output.successful.push(Accepted {
                    id: event.id.clone(),
                    event_id,
                });
            }
            Err(refused) => output.failed.push(refused),
        }
    }
    for store in &channel.destinations {
        let id = store.rsplit('/').next().unwrap_or_default();
        append(lake, &channel, id, &records).map_err(lake_error)?;
    }
    record_ingestion(ctx, &channel, output).await
}

/// The channel named by ARN or id: the caller's own.
fn channel_for(ctx: &CallContext, arn: &str) -> Result<ChannelRecord, ApiError> {
    let arn = match arn.starts_with("arn:") {
        true => arn.to_owned(),
        false => format!(
            "arn:aws:cloudtrail:{}:{}:channel/{arn}",
            ctx.region(),
            ctx.account_id()
        ),
    };
    let arn = arn.as_str();
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let valid = parts.len() == 6 && parts[2] == "cloudtrail" && parts[5].starts_with("channel/");
    if !valid {
        return Err(ApiError::client(
            "InvalidChannelARN",
            format!("The channel ARN is not valid: {arn}"),
        ));
    }
    if parts[4] != ctx.account_id() {
        return Err(ApiError::client(
            "ChannelInsufficientPermission",
            "The caller's account must own the channel.",
        ));
    }
    ctx.read(|txn| find_channel(txn, ctx.account_id(), parts[3], arn))
        .map_err(|err| match err.code() {
            "ChannelNotFoundException" => ApiError::client("ChannelNotFound", err.message()),
            _ => err,
        })
}

/// Appends `records` to one store through the channel's feed for it.
fn append(
    lake: &Lake,
    channel: &ChannelRecord,
    store: &str,
    records: &[(String, i64)],
) -> Result<(), LakeError> {
    if records.is_empty() {
        return Ok(());
    }
    let key = lake.import_key(&format!("channel:{}", channel.id()))?;
    let feed = format!("channel/{}/{store}", channel.id());
    loop {
        let from = lake.cursor(&feed)?.unwrap_or(0);
        let events: Vec<LakeEvent> = records
            .iter()
            .enumerate()
            .map(|(i, (record, time_ms))| {
                let n = from + i as i64;
                LakeEvent {
                    seq: import_seq(key, n >> 20, n & ((1 << 20) - 1)).unwrap_or(i64::MIN + n),
                    time_ms: *time_ms,
                    record_json: record.clone(),
                }
            })
            .collect();
        match lake.ingest(store, &feed, from, from + records.len() as i64, &events) {
            Err(LakeError::CursorMoved(_)) => continue,
            other => return other,
        }
    }
}

/// Keeps GetChannel's `IngestionStatus`, in the call's own write (its event too).
async fn record_ingestion(
    ctx: &CallContext,
    channel: &ChannelRecord,
    output: PutAuditEventsOutput,
) -> Result<PutAuditEventsOutput, ApiError> {
    let (account, arn, now) = (
        channel.account_id.clone(),
        channel.arn.clone(),
        ctx.now_ms(),
    );
    let last_success = output.successful.last().map(|a| a.event_id.clone());
    let failure = output.failed.last().map(|f| f.error_code.clone());
    ctx.write(move |tx| {
        let Some(doc) = tx
            .get(&account, CHANNEL_KIND, &arn)
            .map_err(store_failure)?
        else {
            return Ok(output);
        };
        let mut channel: ChannelRecord = doc.decode().map_err(store_failure)?;
        channel.ingestion.attempt_ms = Some(now);
        channel.ingestion.attempt_event_id = last_success.clone();
        if last_success.is_some() {
            channel.ingestion.success_ms = Some(now);
            channel.ingestion.success_event_id = last_success;
        }
        channel.ingestion.error_code = failure;
        tx.put(&channel.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(output)
    })
    .await
}
