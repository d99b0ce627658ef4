//! Skill groups: named sets of up to 25 organization skills that rooms enable together
//! (a4b.md §2.2, §2.3, §2.8). Owns Create/Get/Update/Delete/SearchSkillGroups,
//! Associate/DisassociateSkillWith/FromSkillGroup and the skill lists other families read
//! ([`skill_ids`] for ResolveRoom, [`require_skill_ids`] for ListSkills).

use serde_json::Value;
use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

use crate::arn::new_arn;
use crate::records::skill_groups::{
    MAX_SKILLS_PER_GROUP, SkillGroupRecord, TYPE, detach_from_rooms,
};
use crate::support::convert::merged;
use crate::support::errors::{limit_exceeded, not_found, renamed, required};
use crate::support::idempotency::{Token, once};
use crate::support::records::Record;
use crate::support::records::{self};
use crate::support::search::{Match, SearchSpec, search_request, views};
use crate::support::tags;

/// Skill groups per account [AG quotas].
const MAX_GROUPS: usize = 1_000;
pub(crate) async fn create_skill_group(
    ctx: &CallContext,
    input: CreateSkillGroupRequest,
) -> Result<CreateSkillGroupResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let name = required(input.skill_group_name.clone(), "skillGroupName")?;
    let arn = new_arn(TYPE, &account, ctx.region());
    ctx.write(move |tx| {
        let token = Token::of(
            "CreateSkillGroup",
            input.client_request_token.as_deref(),
            &input,
        );
        once(tx, &account, token, |tx| {
            let existing: Vec<Value> = records::list(tx, &account, TYPE)?;
            if existing.len() >= MAX_GROUPS {
                return Err(limit_exceeded("skill groups", MAX_GROUPS));
            }
            let record = SkillGroupRecord {
                group: SkillGroup {
                    skill_group_arn: Some(arn.clone()),
                    skill_group_name: Some(name),
                    description: input.description.clone(),
                },
                skill_ids: Vec::new(),
            };
            record.save(tx, &account)?;
            tags::set_on_create(tx, &account, &arn, input.tags.as_deref())?;
            let response = CreateSkillGroupResponse {
                skill_group_arn: Some(arn),
            };
            Ok(response)
        })
    })
    .await
}

pub(crate) async fn get_skill_group(
    ctx: &CallContext,
    input: GetSkillGroupRequest,
) -> Result<GetSkillGroupResponse, ApiError> {
    let arn = required(input.skill_group_arn, "skillGroupArn")?;
    let record = ctx.read(|txn| SkillGroupRecord::require(txn, ctx.account_id(), &arn))?;
    Ok(GetSkillGroupResponse {
        skill_group: Some(record.group),
    })
}

pub(crate) async fn update_skill_group(
    ctx: &CallContext,
    input: UpdateSkillGroupRequest,
) -> Result<UpdateSkillGroupResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = required(input.skill_group_arn.clone(), "skillGroupArn")?;
    ctx.write(move |tx| {
        let mut record = SkillGroupRecord::require(tx, &account, &arn)?;
        let mut patch = input.clone();
        patch.skill_group_arn = None;
        record.group = merged(&record.group, &patch)?;
        let new_name = record.group.skill_group_name.clone().unwrap_or_default();
        record
            .save(tx, &account)
            .map_err(renamed("skill group", new_name))?;
        Ok(UpdateSkillGroupResponse {})
    })
    .await
}

pub(crate) async fn delete_skill_group(
    ctx: &CallContext,
    input: DeleteSkillGroupRequest,
) -> Result<DeleteSkillGroupResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = required(input.skill_group_arn, "skillGroupArn")?;
    ctx.write(move |tx| {
        SkillGroupRecord::require(tx, &account, &arn)?;
        detach_from_rooms(tx, &account, &arn)?;
        records::delete(tx, &account, TYPE, &arn)?;
        tags::forget(tx, &account, &arn)?;
        Ok(DeleteSkillGroupResponse {})
    })
    .await
}

fn group_field(group: &SkillGroupData, key: &str) -> Vec<String> {
    match key {
        "SkillGroupName" => group.skill_group_name.clone().into_iter().collect(),
        _ => Vec::new(),
    }
}

const SEARCH: SearchSpec<SkillGroupData> = SearchSpec {
    filter_keys: &[("SkillGroupName", Match::Prefix)],
    sort_keys: &["SkillGroupName"],
    default_sort: "SkillGroupName",
    field: group_field,
    id: |g| g.skill_group_arn.clone().unwrap_or_default(),
};

pub(crate) async fn search_skill_groups(
    ctx: &CallContext,
    input: SearchSkillGroupsRequest,
) -> Result<SearchSkillGroupsResponse, ApiError> {
    let groups: Vec<SkillGroupRecord> =
        ctx.read(|txn| records::list(txn, ctx.account_id(), TYPE))?;
    let data: Vec<SkillGroupData> = views(&groups, |g| &g.group)?;
    let page = search_request(data, &SEARCH, &input)?;
    Ok(SearchSkillGroupsResponse {
        skill_groups: Some(page.items),
        next_token: page.next_token,
        total_count: Some(page.total_count),
    })
}

pub(crate) async fn associate_skill_with_skill_group(
    ctx: &CallContext,
    input: AssociateSkillWithSkillGroupRequest,
) -> Result<AssociateSkillWithSkillGroupResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = required(input.skill_group_arn, "skillGroupArn")?;
    let skill_id = required(input.skill_id, "skillId")?;
    ctx.write(move |tx| {
        let mut group = SkillGroupRecord::require(tx, &account, &arn)?;
        let skill = crate::records::skills::require_approved(tx, &account, &skill_id)?;
        if skill.supports_linking && !crate::records::skills::org_linked(tx, &account, &skill_id)? {
            return Err(ApiError::client(
                "SkillNotLinkedException",
                format!("The skill {skill_id} needs account linking; link it with PutSkillAuthorization first."),
            ));
        }
        if group.skill_ids.contains(&skill_id) {
            return Ok(AssociateSkillWithSkillGroupResponse {});
        }
        if group.skill_ids.len() >= MAX_SKILLS_PER_GROUP {
            return Err(limit_exceeded("skills in a skill group", MAX_SKILLS_PER_GROUP));
        }
        group.skill_ids.push(skill_id);
        group.save(tx, &account)?;
        Ok(AssociateSkillWithSkillGroupResponse {})
    })
    .await
}

pub(crate) async fn disassociate_skill_from_skill_group(
    ctx: &CallContext,
    input: DisassociateSkillFromSkillGroupRequest,
) -> Result<DisassociateSkillFromSkillGroupResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = required(input.skill_group_arn, "skillGroupArn")?;
    let skill_id = required(input.skill_id, "skillId")?;
    ctx.write(move |tx| {
        let mut group = SkillGroupRecord::require(tx, &account, &arn)?;
        if !crate::records::skills::is_known(tx, &account, &skill_id)? {
            return Err(not_found(&format!("skill {skill_id}")));
        }
        // A known skill that is not in the group is already disassociated: success, like
        // DisassociateContactFromAddressBook.
        if group.skill_ids.contains(&skill_id) {
            group.skill_ids.retain(|s| *s != skill_id);
            group.save(tx, &account)?;
        }
        Ok(DisassociateSkillFromSkillGroupResponse {})
    })
    .await
}
