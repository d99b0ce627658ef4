//! Skills: not written yet; every operation answers NotImplementedException.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) async fn approve_skill(ctx: &CallContext, input: ApproveSkillRequest) -> Result<ApproveSkillResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("ApproveSkill"))
}

pub(crate) async fn reject_skill(ctx: &CallContext, input: RejectSkillRequest) -> Result<RejectSkillResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("RejectSkill"))
}

pub(crate) async fn list_skills(ctx: &CallContext, input: ListSkillsRequest) -> Result<ListSkillsResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("ListSkills"))
}

pub(crate) async fn list_skills_store_categories(ctx: &CallContext, input: ListSkillsStoreCategoriesRequest) -> Result<ListSkillsStoreCategoriesResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("ListSkillsStoreCategories"))
}

pub(crate) async fn list_skills_store_skills_by_category(ctx: &CallContext, input: ListSkillsStoreSkillsByCategoryRequest) -> Result<ListSkillsStoreSkillsByCategoryResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("ListSkillsStoreSkillsByCategory"))
}

pub(crate) async fn put_skill_authorization(ctx: &CallContext, input: PutSkillAuthorizationRequest) -> Result<PutSkillAuthorizationResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("PutSkillAuthorization"))
}

pub(crate) async fn delete_skill_authorization(ctx: &CallContext, input: DeleteSkillAuthorizationRequest) -> Result<DeleteSkillAuthorizationResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DeleteSkillAuthorization"))
}

pub(crate) async fn associate_skill_with_users(ctx: &CallContext, input: AssociateSkillWithUsersRequest) -> Result<AssociateSkillWithUsersResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("AssociateSkillWithUsers"))
}

pub(crate) async fn disassociate_skill_from_users(ctx: &CallContext, input: DisassociateSkillFromUsersRequest) -> Result<DisassociateSkillFromUsersResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DisassociateSkillFromUsers"))
}

pub(crate) async fn put_invitation_configuration(ctx: &CallContext, input: PutInvitationConfigurationRequest) -> Result<PutInvitationConfigurationResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("PutInvitationConfiguration"))
}

pub(crate) async fn get_invitation_configuration(ctx: &CallContext, input: GetInvitationConfigurationRequest) -> Result<GetInvitationConfigurationResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("GetInvitationConfiguration"))
}

/// Admin actions of this family (see `crate::admin`).
pub(crate) const ADMIN: &[crate::admin::AdminAction] = &[];
