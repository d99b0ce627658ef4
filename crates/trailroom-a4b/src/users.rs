//! Users: not written yet; every operation answers NotImplementedException.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) async fn create_user(ctx: &CallContext, input: CreateUserRequest) -> Result<CreateUserResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("CreateUser"))
}

pub(crate) async fn delete_user(ctx: &CallContext, input: DeleteUserRequest) -> Result<DeleteUserResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DeleteUser"))
}

pub(crate) async fn search_users(ctx: &CallContext, input: SearchUsersRequest) -> Result<SearchUsersResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("SearchUsers"))
}

pub(crate) async fn send_invitation(ctx: &CallContext, input: SendInvitationRequest) -> Result<SendInvitationResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("SendInvitation"))
}

pub(crate) async fn revoke_invitation(ctx: &CallContext, input: RevokeInvitationRequest) -> Result<RevokeInvitationResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("RevokeInvitation"))
}

/// Admin actions of this family (see `crate::admin`).
pub(crate) const ADMIN: &[crate::admin::AdminAction] = &[];
