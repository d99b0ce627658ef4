//! Gateways: not written yet; every operation answers NotImplementedException.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) async fn get_gateway(ctx: &CallContext, input: GetGatewayRequest) -> Result<GetGatewayResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("GetGateway"))
}

pub(crate) async fn update_gateway(ctx: &CallContext, input: UpdateGatewayRequest) -> Result<UpdateGatewayResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("UpdateGateway"))
}

pub(crate) async fn list_gateways(ctx: &CallContext, input: ListGatewaysRequest) -> Result<ListGatewaysResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("ListGateways"))
}

pub(crate) async fn create_gateway_group(ctx: &CallContext, input: CreateGatewayGroupRequest) -> Result<CreateGatewayGroupResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("CreateGatewayGroup"))
}

pub(crate) async fn get_gateway_group(ctx: &CallContext, input: GetGatewayGroupRequest) -> Result<GetGatewayGroupResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("GetGatewayGroup"))
}

pub(crate) async fn update_gateway_group(ctx: &CallContext, input: UpdateGatewayGroupRequest) -> Result<UpdateGatewayGroupResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("UpdateGatewayGroup"))
}

pub(crate) async fn delete_gateway_group(ctx: &CallContext, input: DeleteGatewayGroupRequest) -> Result<DeleteGatewayGroupResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DeleteGatewayGroup"))
}

pub(crate) async fn list_gateway_groups(ctx: &CallContext, input: ListGatewayGroupsRequest) -> Result<ListGatewayGroupsResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("ListGatewayGroups"))
}

/// Admin actions of this family (see `crate::admin`).
pub(crate) const ADMIN: &[crate::admin::AdminAction] = &[];
