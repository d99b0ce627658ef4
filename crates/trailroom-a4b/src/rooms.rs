//! Rooms: not written yet; every operation answers NotImplementedException.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) async fn create_room(ctx: &CallContext, input: CreateRoomRequest) -> Result<CreateRoomResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("CreateRoom"))
}

pub(crate) async fn get_room(ctx: &CallContext, input: GetRoomRequest) -> Result<GetRoomResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("GetRoom"))
}

pub(crate) async fn update_room(ctx: &CallContext, input: UpdateRoomRequest) -> Result<UpdateRoomResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("UpdateRoom"))
}

pub(crate) async fn delete_room(ctx: &CallContext, input: DeleteRoomRequest) -> Result<DeleteRoomResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DeleteRoom"))
}

pub(crate) async fn search_rooms(ctx: &CallContext, input: SearchRoomsRequest) -> Result<SearchRoomsResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("SearchRooms"))
}

pub(crate) async fn resolve_room(ctx: &CallContext, input: ResolveRoomRequest) -> Result<ResolveRoomResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("ResolveRoom"))
}

pub(crate) async fn put_room_skill_parameter(ctx: &CallContext, input: PutRoomSkillParameterRequest) -> Result<PutRoomSkillParameterResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("PutRoomSkillParameter"))
}

pub(crate) async fn get_room_skill_parameter(ctx: &CallContext, input: GetRoomSkillParameterRequest) -> Result<GetRoomSkillParameterResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("GetRoomSkillParameter"))
}

pub(crate) async fn delete_room_skill_parameter(ctx: &CallContext, input: DeleteRoomSkillParameterRequest) -> Result<DeleteRoomSkillParameterResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DeleteRoomSkillParameter"))
}

pub(crate) async fn associate_skill_group_with_room(ctx: &CallContext, input: AssociateSkillGroupWithRoomRequest) -> Result<AssociateSkillGroupWithRoomResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("AssociateSkillGroupWithRoom"))
}

pub(crate) async fn disassociate_skill_group_from_room(ctx: &CallContext, input: DisassociateSkillGroupFromRoomRequest) -> Result<DisassociateSkillGroupFromRoomResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DisassociateSkillGroupFromRoom"))
}
