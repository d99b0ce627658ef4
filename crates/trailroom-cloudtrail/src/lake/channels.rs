//! Channels: CreateChannel, GetChannel, ListChannels, UpdateChannel, DeleteChannel. A channel
//! carries events from outside AWS (`PutAuditEvents`, [`super::audit_events`]) into event data
//! stores made for them (advanced selector `eventCategory = ActivityAuditLog`).
//!
//! Stored as `ct_channel` documents: account = owner, id = ARN
//! (`arn:aws:cloudtrail:<region>:<account>:channel/<uuid>`), name = `<region>/<name>`; body
//! [`ChannelRecord`].

use serde::{Deserialize, Serialize};
use trailroom_audit::{CallContext, store_failure};
use trailroom_model::Timestamp;
use trailroom_model::cloudtrail::{
    Channel, CreateChannelRequest, CreateChannelResponse, DeleteChannelRequest,
    DeleteChannelResponse, Destination, GetChannelRequest, GetChannelResponse, IngestionStatus,
    ListChannelsRequest, ListChannelsResponse, UpdateChannelRequest, UpdateChannelResponse,
};
use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, WriteTxn};

use super::page;
use super::record::{EDS_KIND, EdsStatus, EventDataStoreRecord};
use crate::trails::{TagRecord, checked_tags, required, tags_to_wire};

/// Document kind of channels.
pub const CHANNEL_KIND: &str = "ct_channel";
/// `resources[].type` of a channel a call names.
pub const CHANNEL_RESOURCE_TYPE: &str = "AWS::CloudTrail::Channel";
/// Channels per account and region.
pub const MAX_CHANNELS_PER_REGION: usize = 10;

/// What the latest `PutAuditEvents` did (GetChannel's `IngestionStatus`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IngestionRecord {
    /// Latest success, ms.
    pub success_ms: Option<i64>,
    /// The event id of the latest success.
    pub success_event_id: Option<String>,
    /// The error code of the latest failure.
    pub error_code: Option<String>,
    /// Latest attempt, ms.
    pub attempt_ms: Option<i64>,
    /// The event id of the latest attempt.
    pub attempt_event_id: Option<String>,
}

/// A channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChannelRecord {
    /// `Name`.
    pub name: String,
    /// `ChannelArn`.
    pub arn: String,
    /// The owner.
    pub account_id: String,
    /// Its region.
    pub home_region: String,
    /// `Source`: `Custom` or a partner's source name.
    pub source: String,
    /// The ARNs of the event data stores it delivers to.
    pub destinations: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<TagRecord>,
    /// Created, ms.
    pub created_ms: i64,
    /// What the latest PutAuditEvents did.
    #[serde(default)]
    pub ingestion: IngestionRecord,
}

impl ChannelRecord {
    /// The stored document.
    pub fn to_doc(&self) -> trailroom_store::StoreResult<trailroom_store::Doc> {
        Ok(
            trailroom_store::Doc::new(&self.account_id, CHANNEL_KIND, &self.arn, self)?
                .with_name(format!("{}/{}", self.home_region, self.name)),
        )
    }

    /// The id (the ARN's last part).
    pub fn id(&self) -> &str {
        self.arn.rsplit('/').next().unwrap_or_default()
    }

    fn wire_destinations(&self) -> Vec<Destination> {
        self.destinations
            .iter()
            .map(|arn| Destination {
                type_: Some("EVENT_DATA_STORE".into()),
                location: Some(arn.clone()),
            })
            .collect()
    }
}

fn not_found(name: &str) -> ApiError {
    ApiError::client(
        "ChannelNotFoundException",
        format!("The channel {name} was not found."),
    )
}

/// The channel a request names by ARN or id, in the caller's account and region.
pub(crate) fn find_channel(
    txn: &dyn ReadTxn,
    account: &str,
    region: &str,
    name: &str,
) -> Result<ChannelRecord, ApiError> {
    let arn = match name.starts_with("arn:") {
        true => {
            let parts: Vec<&str> = name.splitn(6, ':').collect();
            let valid = parts.len() == 6
                && parts[2] == "cloudtrail"
                && parts[5].starts_with("channel/")
                && parts[4].len() == 12;
            if !valid {
                return Err(ApiError::client(
                    "ChannelARNInvalidException",
                    format!("The channel ARN is not valid: {name}"),
                ));
            }
            if parts[4] != account || parts[3] != region {
                return Err(not_found(name));
            }
            name.to_owned()
        }
        false => format!("arn:aws:cloudtrail:{region}:{account}:channel/{name}"),
    };
    txn.get(account, CHANNEL_KIND, &arn)
        .map_err(store_failure)?
        .map(|doc| doc.decode())
        .transpose()
        .map_err(store_failure)?
        .ok_or_else(|| not_found(name))
}

/// The destinations' store ARNs, each a live store of the caller made for events from outside
/// AWS.
fn checked_destinations(
    txn: &dyn ReadTxn,
    ctx_account: &str,
    ctx_region: &str,
    destinations: &[Destination],
    now_ms: i64,
) -> Result<Vec<String>, ApiError> {
    if destinations.is_empty() || destinations.len() > 200 {
        return Err(ApiError::client(
            "InvalidParameterException",
            "A channel needs 1 to 200 destinations.",
        ));
    }
    let mut arns = Vec::new();
    for destination in destinations {
        if destination.type_.as_deref() != Some("EVENT_DATA_STORE") {
            return Err(ApiError::client(
                "InvalidParameterException",
                "Destinations of type EVENT_DATA_STORE are supported here.",
            ));
        }
        let location = destination.location.clone().unwrap_or_default();
        let store = store_at(txn, ctx_account, ctx_region, &location, now_ms)?;
        if !store.takes_activity_audit_log() {
            return Err(ApiError::client(
                "InvalidEventDataStoreCategoryException",
                format!(
                    "The event data store {} does not take ActivityAuditLog events.",
                    store.arn
                ),
            ));
        }
        if store.status == EdsStatus::PendingDeletion {
            return Err(ApiError::client(
                "InactiveEventDataStoreException",
                format!("The event data store {} is pending deletion.", store.arn),
            ));
        }
        if !arns.contains(&store.arn) {
            arns.push(store.arn);
        }
    }
    Ok(arns)
}

fn store_at(
    txn: &dyn ReadTxn,
    account: &str,
    region: &str,
    location: &str,
    now_ms: i64,
) -> Result<EventDataStoreRecord, ApiError> {
    let arn = match location.starts_with("arn:") {
        true => location.to_owned(),
        false => super::eds_arn(region, account, location),
    };
    txn.get(account, EDS_KIND, &arn)
        .map_err(store_failure)?
        .map(|doc| doc.decode::<EventDataStoreRecord>())
        .transpose()
        .map_err(store_failure)?
        .filter(|s| !s.is_gone(now_ms))
        .ok_or_else(|| super::not_found(location))
}

fn channels_in(
    txn: &dyn ReadTxn,
    account: &str,
    region: &str,
) -> Result<Vec<ChannelRecord>, ApiError> {
    let mut out: Vec<ChannelRecord> = txn
        .list(account, CHANNEL_KIND)
        .map_err(store_failure)?
        .iter()
        .map(|d| d.decode::<ChannelRecord>().map_err(store_failure))
        .collect::<Result<_, _>>()?;
    out.retain(|c| c.home_region == region);
    out.sort_by(|a, b| a.created_ms.cmp(&b.created_ms).then(a.arn.cmp(&b.arn)));
    Ok(out)
}

/// Whether a channel of `account` delivers to the store `arn`.
pub(crate) fn store_has_channel(
    txn: &dyn ReadTxn,
    account: &str,
    arn: &str,
) -> Result<bool, ApiError> {
    Ok(txn
        .list(account, CHANNEL_KIND)
        .map_err(store_failure)?
        .iter()
        .filter_map(|d| d.decode::<ChannelRecord>().ok())
        .any(|c| c.destinations.iter().any(|d| d == arn)))
}

fn claim_name(tx: &mut dyn WriteTxn, channel: &ChannelRecord) -> Result<(), ApiError> {
    let doc_name = format!("{}/{}", channel.home_region, channel.name);
    match tx
        .get_by_name(&channel.account_id, CHANNEL_KIND, &doc_name)
        .map_err(store_failure)?
    {
        Some(doc) if doc.id != channel.arn => Err(ApiError::client(
            "ChannelAlreadyExistsException",
            format!("A channel named {} already exists.", channel.name),
        )),
        _ => Ok(()),
    }
}

/// CreateChannel.
pub(crate) async fn create_channel(
    ctx: &CallContext,
    input: CreateChannelRequest,
) -> Result<CreateChannelResponse, ApiError> {
    let name = required(input.name, "Name")?;
    let source = required(input.source, "Source")?;
    let valid_source = !source.is_empty()
        && source
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !valid_source {
        return Err(ApiError::client(
            "InvalidSourceException",
            format!("The source {source} is not valid: Custom or a partner's source name."),
        ));
    }
    let tags = checked_tags(&[], input.tags.as_deref().unwrap_or_default())?;
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    let arn = format!(
        "arn:aws:cloudtrail:{region}:{account}:channel/{}",
        uuid::Uuid::new_v4()
    );
    ctx.add_resource(CHANNEL_RESOURCE_TYPE, arn.clone());
    let destinations = input.destinations.unwrap_or_default();
    ctx.write(move |tx| {
        let destinations = checked_destinations(&*tx, &account, &region, &destinations, now)?;
        if channels_in(&*tx, &account, &region)?.len() >= MAX_CHANNELS_PER_REGION {
            return Err(ApiError::client(
                "ChannelMaxLimitExceededException",
                format!("This account has {MAX_CHANNELS_PER_REGION} channels in {region}."),
            ));
        }
        let channel = ChannelRecord {
            name,
            arn,
            account_id: account,
            home_region: region,
            source,
            destinations,
            tags,
            created_ms: now,
            ingestion: IngestionRecord::default(),
        };
        claim_name(tx, &channel)?;
        tx.put(&channel.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(CreateChannelResponse {
            channel_arn: Some(channel.arn.clone()),
            name: Some(channel.name.clone()),
            source: Some(channel.source.clone()),
            destinations: Some(channel.wire_destinations()),
            tags: Some(tags_to_wire(&channel.tags)),
        })
    })
    .await
}

/// GetChannel.
pub(crate) fn get_channel(
    ctx: &CallContext,
    input: GetChannelRequest,
) -> Result<GetChannelResponse, ApiError> {
    let name = required(input.channel, "Channel")?;
    let channel = ctx.read(|txn| find_channel(txn, ctx.account_id(), ctx.region(), &name))?;
    ctx.add_resource(CHANNEL_RESOURCE_TYPE, channel.arn.clone());
    let at = |ms: Option<i64>| ms.map(Timestamp::from_epoch_millis);
    let ingestion = &channel.ingestion;
    Ok(GetChannelResponse {
        channel_arn: Some(channel.arn.clone()),
        name: Some(channel.name.clone()),
        source: Some(channel.source.clone()),
        source_config: None,
        destinations: Some(channel.wire_destinations()),
        ingestion_status: Some(IngestionStatus {
            latest_ingestion_success_time: at(ingestion.success_ms),
            latest_ingestion_success_event_id: ingestion.success_event_id.clone(),
            latest_ingestion_error_code: ingestion.error_code.clone(),
            latest_ingestion_attempt_time: at(ingestion.attempt_ms),
            latest_ingestion_attempt_event_id: ingestion.attempt_event_id.clone(),
        }),
    })
}

/// ListChannels.
pub(crate) fn list_channels(
    ctx: &CallContext,
    input: ListChannelsRequest,
) -> Result<ListChannelsResponse, ApiError> {
    let channels = ctx.read(|txn| channels_in(txn, ctx.account_id(), ctx.region()))?;
    let (page, next_token) = page(
        &channels,
        input.next_token.as_deref(),
        input.max_results,
        1000,
    )?;
    Ok(ListChannelsResponse {
        channels: Some(
            page.iter()
                .map(|c| Channel {
                    channel_arn: Some(c.arn.clone()),
                    name: Some(c.name.clone()),
                })
                .collect(),
        ),
        next_token,
    })
}

/// UpdateChannel: a new name and/or destinations.
pub(crate) async fn update_channel(
    ctx: &CallContext,
    input: UpdateChannelRequest,
) -> Result<UpdateChannelResponse, ApiError> {
    let name = required(input.channel, "Channel")?;
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    let call = ctx.clone();
    ctx.write(move |tx| {
        let mut channel = find_channel(&*tx, &account, &region, &name)?;
        call.add_resource(CHANNEL_RESOURCE_TYPE, channel.arn.clone());
        if let Some(destinations) = &input.destinations {
            channel.destinations =
                checked_destinations(&*tx, &account, &region, destinations, now)?;
        }
        if let Some(new_name) = input.name {
            channel.name = new_name;
            claim_name(tx, &channel)?;
        }
        tx.put(&channel.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(UpdateChannelResponse {
            channel_arn: Some(channel.arn.clone()),
            name: Some(channel.name.clone()),
            source: Some(channel.source.clone()),
            destinations: Some(channel.wire_destinations()),
        })
    })
    .await
}

/// DeleteChannel.
pub(crate) async fn delete_channel(
    ctx: &CallContext,
    input: DeleteChannelRequest,
) -> Result<DeleteChannelResponse, ApiError> {
    let name = required(input.channel, "Channel")?;
    let (account, region) = (ctx.account_id().to_owned(), ctx.region().to_owned());
    let call = ctx.clone();
    ctx.write(move |tx| {
        let channel = find_channel(&*tx, &account, &region, &name)?;
        call.add_resource(CHANNEL_RESOURCE_TYPE, channel.arn.clone());
        tx.delete(&account, CHANNEL_KIND, &channel.arn)
            .map_err(store_failure)?;
        Ok(DeleteChannelResponse {})
    })
    .await
}
