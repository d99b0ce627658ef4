//! Devices: Echo devices imported by the admin surface and AVS devices registered by OEMs
//! (a4b.md §2.6), their room (at most 10 devices per room) and network profile, syncs, events and
//! voice-history deletion. A DEREGISTERED (reset) device refuses most operations with
//! `DeviceNotRegisteredException`; it can still be read, listed and deleted.

mod admin;

mod register;
mod search;

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

use crate::arn::ResourceType;
use crate::records::devices::DeviceRecord;
use crate::records::devices::{TYPE, check_room_capacity, in_room, network_profile_info};
use crate::records::rooms::RoomRecord;
use crate::support::errors::{invalid, limit_exceeded, required};
use crate::support::records;
use crate::support::records::Record;
use crate::support::search::{binding, page};
use crate::support::tags;

pub(crate) use admin::ADMIN;
pub(crate) use register::register_avs_device;
pub(crate) use search::search_devices;

/// DeleteDeviceUsageData may run once per device per day [M].
const USAGE_DELETION_INTERVAL_MS: i64 = 24 * 60 * 60 * 1000;
pub(crate) async fn get_device(
    ctx: &CallContext,
    input: GetDeviceRequest,
) -> Result<GetDeviceResponse, ApiError> {
    let arn = required(input.device_arn, "deviceArn")?;
    let record = ctx.read(|txn| DeviceRecord::require(txn, ctx.account_id(), &arn))?;
    Ok(GetDeviceResponse {
        device: Some(record.device),
    })
}

pub(crate) async fn update_device(
    ctx: &CallContext,
    input: UpdateDeviceRequest,
) -> Result<UpdateDeviceResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = required(input.device_arn, "deviceArn")?;
    ctx.write(move |tx| {
        let mut record = DeviceRecord::require(tx, &account, &arn)?;
        record.ensure_registered()?;
        // DeviceName is the only member UpdateDevice changes.
        if let Some(name) = input.device_name {
            record.device.device_name = Some(name);
            record.save(tx, &account)?;
        }
        Ok(UpdateDeviceResponse {})
    })
    .await
}

pub(crate) async fn delete_device(
    ctx: &CallContext,
    input: DeleteDeviceRequest,
) -> Result<DeleteDeviceResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = required(input.device_arn, "deviceArn")?;
    ctx.write(move |tx| {
        // Room and network links, events and the ResolveRoom mapping live in the record.
        DeviceRecord::require(tx, &account, &arn)?;
        records::delete(tx, &account, TYPE, &arn)?;
        tags::forget(tx, &account, &arn)?;
        Ok(DeleteDeviceResponse {})
    })
    .await
}

pub(crate) async fn associate_device_with_room(
    ctx: &CallContext,
    input: AssociateDeviceWithRoomRequest,
) -> Result<AssociateDeviceWithRoomResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = required(input.device_arn, "deviceArn")?;
    let room = required(input.room_arn, "roomArn")?;
    let now_ms = ctx.now_ms();
    ctx.write(move |tx| {
        let mut record = DeviceRecord::require(tx, &account, &arn)?;
        record.ensure_registered()?;
        RoomRecord::require(tx, &account, &room)?;
        if record.room() == Some(room.as_str()) {
            return Ok(AssociateDeviceWithRoomResponse {});
        }
        check_room_capacity(tx, &account, &room, &arn)?;
        record.move_to_room(Some(room), now_ms);
        record.save(tx, &account)?;
        Ok(AssociateDeviceWithRoomResponse {})
    })
    .await
}

pub(crate) async fn disassociate_device_from_room(
    ctx: &CallContext,
    input: DisassociateDeviceFromRoomRequest,
) -> Result<DisassociateDeviceFromRoomResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = required(input.device_arn, "deviceArn")?;
    let now_ms = ctx.now_ms();
    let audit = ctx.clone();
    ctx.write(move |tx| {
        let mut record = DeviceRecord::require(tx, &account, &arn)?;
        record.ensure_registered()?;
        // A device in no room is already where the caller wants it.
        if let Some(room) = record.device.room_arn.clone() {
            if let Some(kind) = ResourceType::Room.cloudtrail_type() {
                audit.add_resource(kind, room);
            }
            record.move_to_room(None, now_ms);
            record.save(tx, &account)?;
        }
        Ok(DisassociateDeviceFromRoomResponse {})
    })
    .await
}

pub(crate) async fn associate_device_with_network_profile(
    ctx: &CallContext,
    input: AssociateDeviceWithNetworkProfileRequest,
) -> Result<AssociateDeviceWithNetworkProfileResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = required(input.device_arn, "deviceArn")?;
    let profile_arn = required(input.network_profile_arn, "networkProfileArn")?;
    let now_ms = ctx.now_ms();
    ctx.write(move |tx| {
        let mut record = DeviceRecord::require(tx, &account, &arn)?;
        record.ensure_registered()?;
        let profile = NetworkProfile::require(tx, &account, &profile_arn)?;
        let current = record
            .device
            .network_profile_info
            .as_ref()
            .and_then(|i| i.network_profile_arn.as_deref());
        if current == Some(profile_arn.as_str()) {
            return Ok(AssociateDeviceWithNetworkProfileResponse {});
        }
        record.device.network_profile_info = Some(network_profile_info(&profile, now_ms));
        record.settings_changed("NETWORK_PROFILE", now_ms);
        record.save(tx, &account)?;
        Ok(AssociateDeviceWithNetworkProfileResponse {})
    })
    .await
}

pub(crate) async fn start_device_sync(
    ctx: &CallContext,
    input: StartDeviceSyncRequest,
) -> Result<StartDeviceSyncResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let features = required(input.features, "features")?;
    if features.is_empty() {
        return Err(invalid("Features must name at least one feature to sync."));
    }
    if input.device_arn.is_none() && input.room_arn.is_none() {
        return Err(invalid("Either RoomArn or DeviceArn is required."));
    }
    let now_ms = ctx.now_ms();
    ctx.write(move |tx| {
        let mut targets = Vec::new();
        if let Some(arn) = &input.device_arn {
            let record = DeviceRecord::require(tx, &account, arn)?;
            record.ensure_registered()?;
            targets.push(record);
        }
        if let Some(room) = &input.room_arn {
            RoomRecord::require(tx, &account, room)?;
            // A room sync reaches the devices that can take it; reset ones are skipped.
            let devices = in_room(tx, &account, room)?;
            let more = devices
                .into_iter()
                .filter(|d| d.is_registered() && Some(d.arn()) != input.device_arn.as_deref());
            targets.extend(more);
        }
        for mut record in targets {
            record.sync(&features, now_ms);
            record.save(tx, &account)?;
        }
        Ok(StartDeviceSyncResponse {})
    })
    .await
}

pub(crate) async fn list_device_events(
    ctx: &CallContext,
    input: ListDeviceEventsRequest,
) -> Result<ListDeviceEventsResponse, ApiError> {
    let arn = required(input.device_arn, "deviceArn")?;
    let record = ctx.read(|txn| DeviceRecord::require(txn, ctx.account_id(), &arn))?;
    let events = record.recent_events(input.event_type.as_deref(), ctx.now_ms());
    let bound = binding(&(&arn, &input.event_type));
    let (events, next_token) = page(
        events,
        input.max_results,
        50,
        input.next_token.as_deref(),
        &bound,
    )?;
    Ok(ListDeviceEventsResponse {
        device_events: Some(events),
        next_token,
    })
}

pub(crate) async fn delete_device_usage_data(
    ctx: &CallContext,
    input: DeleteDeviceUsageDataRequest,
) -> Result<DeleteDeviceUsageDataResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = required(input.device_arn, "deviceArn")?;
    let now_ms = ctx.now_ms();
    ctx.write(move |tx| {
        let mut record = DeviceRecord::require(tx, &account, &arn)?;
        record.ensure_registered()?;
        if record
            .usage_data_deleted_ms
            .is_some_and(|last| now_ms - last < USAGE_DELETION_INTERVAL_MS)
        {
            return Err(limit_exceeded(
                "usage data deletions per device per 24 hours",
                1,
            ));
        }
        // The emulator keeps no voice recordings; the deletion is remembered for the daily limit.
        record.usage_data_deleted_ms = Some(now_ms);
        record.save(tx, &account)?;
        Ok(DeleteDeviceUsageDataResponse {})
    })
    .await
}
