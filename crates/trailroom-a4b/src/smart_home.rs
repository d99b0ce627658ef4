//! Smart home: not written yet; every operation answers NotImplementedException.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) async fn list_smart_home_appliances(ctx: &CallContext, input: ListSmartHomeAppliancesRequest) -> Result<ListSmartHomeAppliancesResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("ListSmartHomeAppliances"))
}

pub(crate) async fn forget_smart_home_appliances(ctx: &CallContext, input: ForgetSmartHomeAppliancesRequest) -> Result<ForgetSmartHomeAppliancesResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("ForgetSmartHomeAppliances"))
}

pub(crate) async fn start_smart_home_appliance_discovery(ctx: &CallContext, input: StartSmartHomeApplianceDiscoveryRequest) -> Result<StartSmartHomeApplianceDiscoveryResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("StartSmartHomeApplianceDiscovery"))
}

/// Drops the appliances of a deleted room.
pub(crate) fn forget_room(
    tx: &mut dyn trailroom_store::WriteTxn,
    account: &str,
    room_arn: &str,
) -> Result<(), ApiError> {
    let _ = (tx, account, room_arn);
    Ok(())
}

/// Admin actions of this family (see `crate::admin`).
pub(crate) const ADMIN: &[crate::admin::AdminAction] = &[];
