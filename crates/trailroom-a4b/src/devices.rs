//! Devices: not written yet; every operation answers NotImplementedException.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) async fn get_device(ctx: &CallContext, input: GetDeviceRequest) -> Result<GetDeviceResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("GetDevice"))
}

pub(crate) async fn update_device(ctx: &CallContext, input: UpdateDeviceRequest) -> Result<UpdateDeviceResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("UpdateDevice"))
}

pub(crate) async fn delete_device(ctx: &CallContext, input: DeleteDeviceRequest) -> Result<DeleteDeviceResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DeleteDevice"))
}

pub(crate) async fn search_devices(ctx: &CallContext, input: SearchDevicesRequest) -> Result<SearchDevicesResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("SearchDevices"))
}

pub(crate) async fn register_avs_device(ctx: &CallContext, input: RegisterAVSDeviceRequest) -> Result<RegisterAVSDeviceResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("RegisterAVSDevice"))
}

pub(crate) async fn associate_device_with_room(ctx: &CallContext, input: AssociateDeviceWithRoomRequest) -> Result<AssociateDeviceWithRoomResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("AssociateDeviceWithRoom"))
}

pub(crate) async fn disassociate_device_from_room(ctx: &CallContext, input: DisassociateDeviceFromRoomRequest) -> Result<DisassociateDeviceFromRoomResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DisassociateDeviceFromRoom"))
}

pub(crate) async fn associate_device_with_network_profile(ctx: &CallContext, input: AssociateDeviceWithNetworkProfileRequest) -> Result<AssociateDeviceWithNetworkProfileResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("AssociateDeviceWithNetworkProfile"))
}

pub(crate) async fn start_device_sync(ctx: &CallContext, input: StartDeviceSyncRequest) -> Result<StartDeviceSyncResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("StartDeviceSync"))
}

pub(crate) async fn list_device_events(ctx: &CallContext, input: ListDeviceEventsRequest) -> Result<ListDeviceEventsResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("ListDeviceEvents"))
}

pub(crate) async fn delete_device_usage_data(ctx: &CallContext, input: DeleteDeviceUsageDataRequest) -> Result<DeleteDeviceUsageDataResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DeleteDeviceUsageData"))
}

/// Unassigns every device of a deleted room (a4b.md §2.3): they stay registered, without room.
pub(crate) fn detach_room(
    tx: &mut dyn trailroom_store::WriteTxn,
    account: &str,
    room_arn: &str,
) -> Result<(), ApiError> {
    let _ = (tx, account, room_arn);
    Ok(())
}

/// The room of the device an Alexa user id (`amzn1.ask.account.…`) is mapped to, for ResolveRoom.
pub(crate) fn room_of_alexa_user(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
    user_id: &str,
) -> Result<Option<String>, ApiError> {
    let _ = (txn, account, user_id);
    Ok(None)
}

/// Admin actions of this family (see `crate::admin`).
pub(crate) const ADMIN: &[crate::admin::AdminAction] = &[];
