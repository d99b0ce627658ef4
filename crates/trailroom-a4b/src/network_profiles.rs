//! Network profiles: not written yet; every operation answers NotImplementedException.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) async fn create_network_profile(ctx: &CallContext, input: CreateNetworkProfileRequest) -> Result<CreateNetworkProfileResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("CreateNetworkProfile"))
}

pub(crate) async fn get_network_profile(ctx: &CallContext, input: GetNetworkProfileRequest) -> Result<GetNetworkProfileResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("GetNetworkProfile"))
}

pub(crate) async fn update_network_profile(ctx: &CallContext, input: UpdateNetworkProfileRequest) -> Result<UpdateNetworkProfileResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("UpdateNetworkProfile"))
}

pub(crate) async fn delete_network_profile(ctx: &CallContext, input: DeleteNetworkProfileRequest) -> Result<DeleteNetworkProfileResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DeleteNetworkProfile"))
}

pub(crate) async fn search_network_profiles(ctx: &CallContext, input: SearchNetworkProfilesRequest) -> Result<SearchNetworkProfilesResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("SearchNetworkProfiles"))
}
