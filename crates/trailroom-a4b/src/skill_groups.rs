//! Skill groups: not written yet; every operation answers NotImplementedException.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) async fn create_skill_group(ctx: &CallContext, input: CreateSkillGroupRequest) -> Result<CreateSkillGroupResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("CreateSkillGroup"))
}

pub(crate) async fn get_skill_group(ctx: &CallContext, input: GetSkillGroupRequest) -> Result<GetSkillGroupResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("GetSkillGroup"))
}

pub(crate) async fn update_skill_group(ctx: &CallContext, input: UpdateSkillGroupRequest) -> Result<UpdateSkillGroupResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("UpdateSkillGroup"))
}

pub(crate) async fn delete_skill_group(ctx: &CallContext, input: DeleteSkillGroupRequest) -> Result<DeleteSkillGroupResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DeleteSkillGroup"))
}

pub(crate) async fn search_skill_groups(ctx: &CallContext, input: SearchSkillGroupsRequest) -> Result<SearchSkillGroupsResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("SearchSkillGroups"))
}

pub(crate) async fn associate_skill_with_skill_group(ctx: &CallContext, input: AssociateSkillWithSkillGroupRequest) -> Result<AssociateSkillWithSkillGroupResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("AssociateSkillWithSkillGroup"))
}

pub(crate) async fn disassociate_skill_from_skill_group(ctx: &CallContext, input: DisassociateSkillFromSkillGroupRequest) -> Result<DisassociateSkillFromSkillGroupResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DisassociateSkillFromSkillGroup"))
}

/// The skill ids in the skill group at `arn` (empty when it does not exist).
pub(crate) fn skill_ids(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
    arn: &str,
) -> Result<Vec<String>, ApiError> {
    let _ = (txn, account, arn);
    Ok(Vec::new())
}
