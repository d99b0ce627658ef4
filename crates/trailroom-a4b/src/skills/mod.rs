//! Skills of the organization (a4b.md §2.8, §3.3, §7.1, §7.5): the built-in skills store
//! (`crate::records::catalogue`), approving and rejecting skills, ListSkills, account linking
//! (Put/DeleteSkillAuthorization), offering private skills to enrolled users, the invitation
//! configuration ([`invitation`]), and the `publish-private-skill` admin action.
//!
//! Per-account state lives in `crate::records::skills`; skill groups hold their own skill lists
//! (`crate::records::skill_groups`).

mod invitation;

use serde::Deserialize;
use serde_json::{Value, json};
use trailroom_audit::CallContext;
use trailroom_model::Audit;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, WriteTxn};

use crate::records::catalogue;
use crate::records::rooms::RoomRecord;
use crate::records::skills::{self as org, require_approved};
use crate::support::admin::{AdminAction, AdminCtx};
use crate::support::errors::{invalid, limit_exceeded, not_found, required};
use crate::support::records::Record;
use crate::support::search::{binding, page};

pub(crate) use invitation::{get_invitation_configuration, put_invitation_configuration};
pub(crate) use org::SkillInfo;

/// Skills approved per account [AG quotas].
const MAX_SKILLS: usize = 100;
/// ListSkills and ListSkillsStoreSkillsByCategory page size (the model's `SkillListMaxResults`).
const SKILL_PAGE: i32 = 10;
/// ListSkillsStoreCategories page size.
const CATEGORY_PAGE: i32 = 50;

/// `UnauthorizedException`.
fn unauthorized(message: impl Into<String>) -> ApiError {
    ApiError::client("UnauthorizedException", message)
}

/// The private skill `id` known to the account, or NotFound (public and unknown skills alike).
fn require_private(txn: &dyn ReadTxn, account: &str, id: &str) -> Result<SkillInfo, ApiError> {
    org::known(txn, account, id)?
        .filter(|s| s.private)
        .ok_or_else(|| not_found(&format!("private skill {id}")))
}

pub(crate) async fn approve_skill(
    ctx: &CallContext,
    input: ApproveSkillRequest,
) -> Result<ApproveSkillResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let skill_id = required(input.skill_id, "skillId")?;
    ctx.write(move |tx| {
        org::known(tx, &account, &skill_id)?
            .ok_or_else(|| not_found(&format!("skill {skill_id}")))?;
        let mut state = org::org_skill(tx, &account, &skill_id)?;
        if state.approved {
            return Ok(ApproveSkillResponse {});
        }
        let approved = org::approved_skills(tx, &account)?;
        if approved.len() >= MAX_SKILLS {
            return Err(limit_exceeded("skills", MAX_SKILLS));
        }
        state.approved = true;
        state.approval_seq = approved.iter().map(|s| s.approval_seq).max().unwrap_or(0) + 1;
        org::save_org_skill(tx, &account, &state)?;
        Ok(ApproveSkillResponse {})
    })
    .await
}

pub(crate) async fn reject_skill(
    ctx: &CallContext,
    input: RejectSkillRequest,
) -> Result<RejectSkillResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let skill_id = required(input.skill_id, "skillId")?;
    ctx.write(move |tx| {
        require_approved(tx, &account, &skill_id)?;
        let mut state = org::org_skill(tx, &account, &skill_id)?;
        state.approved = false;
        org::save_org_skill(tx, &account, &state)?;
        // A skill that leaves the organization leaves its skill groups too; room parameters and
        // links stay for when it is approved again.
        crate::records::skill_groups::drop_skill(tx, &account, &skill_id)?;
        Ok(RejectSkillResponse {})
    })
    .await
}

/// Whether `summary` passes ListSkills' EnablementType and SkillType filters.
fn wanted(summary: &SkillSummary, enablement: Option<&str>, skill_type: Option<&str>) -> bool {
    let enablement_ok = enablement.is_none_or(|e| summary.enablement_type.as_deref() == Some(e));
    let type_ok = match skill_type {
        None | Some("ALL") => true,
        Some(t) => summary.skill_type.as_deref() == Some(t),
    };
    enablement_ok && type_ok
}

pub(crate) async fn list_skills(
    ctx: &CallContext,
    input: ListSkillsRequest,
) -> Result<ListSkillsResponse, ApiError> {
    let account = ctx.account_id();
    let summaries = ctx.read(|txn| {
        let ids = match input.skill_group_arn.as_deref() {
            Some(group) => crate::records::skill_groups::require_skill_ids(txn, account, group)?,
            None => org::approved_skills(txn, account)?
                .into_iter()
                .map(|s| s.skill_id)
                .collect(),
        };
        let mut summaries = Vec::new();
        for id in ids {
            if let Some(skill) = org::known(txn, account, &id)? {
                summaries.push(org::summary(txn, account, &skill)?);
            }
        }
        Ok(summaries)
    })?;
    let enablement = input.enablement_type.as_deref();
    let skill_type = input.skill_type.as_deref();
    let matching: Vec<SkillSummary> = summaries
        .into_iter()
        .filter(|s| wanted(s, enablement, skill_type))
        .collect();
    let bound = binding(&(&input.skill_group_arn, enablement, skill_type));
    let (items, next_token) = page(
        matching,
        input.max_results,
        SKILL_PAGE,
        input.next_token.as_deref(),
        &bound,
    )?;
    Ok(ListSkillsResponse {
        skill_summaries: Some(items),
        next_token,
    })
}

pub(crate) async fn list_skills_store_categories(
    _ctx: &CallContext,
    input: ListSkillsStoreCategoriesRequest,
) -> Result<ListSkillsStoreCategoriesResponse, ApiError> {
    let categories = catalogue::CATEGORIES
        .iter()
        .map(catalogue::StoreCategory::to_model)
        .collect();
    let bound = binding(&"ListSkillsStoreCategories");
    let (items, next_token) = page(
        categories,
        input.max_results,
        CATEGORY_PAGE,
        input.next_token.as_deref(),
        &bound,
    )?;
    Ok(ListSkillsStoreCategoriesResponse {
        category_list: Some(items),
        next_token,
    })
}

pub(crate) async fn list_skills_store_skills_by_category(
    _ctx: &CallContext,
    input: ListSkillsStoreSkillsByCategoryRequest,
) -> Result<ListSkillsStoreSkillsByCategoryResponse, ApiError> {
    let category = required(input.category_id, "categoryId")?;
    // An unknown category is simply empty (a4b.md §3.3).
    let skills = catalogue::in_category(category)
        .map(catalogue::CatalogueSkill::store_record)
        .collect();
    let bound = binding(&("ListSkillsStoreSkillsByCategory", category));
    let (items, next_token) = page(
        skills,
        input.max_results,
        SKILL_PAGE,
        input.next_token.as_deref(),
        &bound,
    )?;
    Ok(ListSkillsStoreSkillsByCategoryResponse {
        skills_store_skills: Some(items),
        next_token,
    })
}

/// Whether the caller is a role session: those may link only private skills (the model's
/// PutSkillAuthorization text), and a private skill here always belongs to the account.
fn is_assumed_role(ctx: &CallContext) -> bool {
    ctx.caller().principal.arn().contains(":assumed-role/")
}

pub(crate) async fn put_skill_authorization(
    ctx: &CallContext,
    input: PutSkillAuthorizationRequest,
) -> Result<PutSkillAuthorizationResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let skill_id = required(input.skill_id, "skillId")?;
    let result = required(input.authorization_result, "authorizationResult")?;
    let room_arn = input.room_arn;
    let role_session = is_assumed_role(ctx);
    let now = ctx.now_ms();
    ctx.write(move |tx| {
        let skill = require_approved(tx, &account, &skill_id)?;
        if !skill.supports_linking {
            return Err(unauthorized(format!(
                "The skill {skill_id} does not support account linking."
            )));
        }
        if role_session && !skill.private {
            return Err(unauthorized(
                "A role session may only link private skills of its account.",
            ));
        }
        if result.get("Code").is_none_or(|code| code.is_empty()) {
            return Err(unauthorized("The AuthorizationResult must contain a Code."));
        }
        if let Some(room) = &room_arn {
            RoomRecord::require(tx, &account, room)?;
        }
        let link = org::SkillLink {
            skill_id,
            room_arn,
            linked_ms: now,
        };
        org::save_link(tx, &account, &link)?;
        Ok(PutSkillAuthorizationResponse {})
    })
    .await
}

pub(crate) async fn delete_skill_authorization(
    ctx: &CallContext,
    input: DeleteSkillAuthorizationRequest,
) -> Result<DeleteSkillAuthorizationResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let skill_id = required(input.skill_id, "skillId")?;
    ctx.write(move |tx| {
        let room = input.room_arn.as_deref();
        if !org::delete_link(tx, &account, &skill_id, room)? {
            let scope = room.map_or_else(|| "the organization".to_owned(), |r| format!("room {r}"));
            return Err(not_found(&format!(
                "authorization of skill {skill_id} for {scope}"
            )));
        }
        Ok(DeleteSkillAuthorizationResponse {})
    })
    .await
}

/// Offers (or withdraws) private skill `skill_id` to enrolled users; answers `response`.
async fn set_available_to_users<R: Audit + Send + 'static>(
    ctx: &CallContext,
    skill_id: Option<String>,
    available: bool,
    response: R,
) -> Result<R, ApiError> {
    let account = ctx.account_id().to_owned();
    let skill_id = required(skill_id, "skillId")?;
    ctx.write(move |tx| {
        require_private(tx, &account, &skill_id)?;
        let mut state = org::org_skill(tx, &account, &skill_id)?;
        state.available_to_users = available;
        org::save_org_skill(tx, &account, &state)?;
        Ok(response)
    })
    .await
}

pub(crate) async fn associate_skill_with_users(
    ctx: &CallContext,
    input: AssociateSkillWithUsersRequest,
) -> Result<AssociateSkillWithUsersResponse, ApiError> {
    set_available_to_users(
        ctx,
        input.skill_id,
        true,
        AssociateSkillWithUsersResponse {},
    )
    .await
}

pub(crate) async fn disassociate_skill_from_users(
    ctx: &CallContext,
    input: DisassociateSkillFromUsersRequest,
) -> Result<DisassociateSkillFromUsersResponse, ApiError> {
    set_available_to_users(
        ctx,
        input.skill_id,
        false,
        DisassociateSkillFromUsersResponse {},
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishArgs {
    /// Defaults to a fresh `amzn1.ask.skill.<uuid>`.
    #[serde(rename = "SkillId", default)]
    skill_id: Option<String>,
    #[serde(rename = "SkillName")]
    skill_name: String,
    #[serde(rename = "SupportsLinking", default)]
    supports_linking: bool,
}

/// Whether `id` has the model's `SkillId` form.
fn valid_skill_id(id: &str) -> bool {
    let rest = id
        .strip_prefix("amzn1.ask.skill.")
        .or_else(|| id.strip_prefix("amzn1.echo-sdk-ams.app."));
    rest.is_some_and(|r| {
        (1..=200).contains(&r.len())
            && r.bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b'-'))
    })
}

/// `publish-private-skill {SkillId?, SkillName, SupportsLinking?}`: a private skill becomes
/// available to the account (accept status PENDING until ApproveSkill). Republishing updates it.
fn publish_private_skill(
    tx: &mut dyn WriteTxn,
    ctx: &AdminCtx,
    args: Value,
) -> Result<Value, ApiError> {
    let args: PublishArgs = serde_json::from_value(args)
        .map_err(|e| invalid(format!("Invalid publish-private-skill arguments: {e}")))?;
    let id = args
        .skill_id
        .unwrap_or_else(|| format!("amzn1.ask.skill.{}", uuid::Uuid::new_v4()));
    if !valid_skill_id(&id) {
        return Err(invalid(format!("{id} is not a valid skill id.")));
    }
    let name_ok = (1..=100).contains(&args.skill_name.chars().count())
        && trailroom_model::is_printable(&args.skill_name);
    if !name_ok {
        return Err(invalid("SkillName must be 1 to 100 printable characters."));
    }
    if catalogue::find(&id).is_some() {
        return Err(ApiError::client(
            "AlreadyExistsException",
            format!("{id} is a built-in skill."),
        ));
    }
    let skill = SkillInfo {
        id,
        name: args.skill_name,
        supports_linking: args.supports_linking,
        private: true,
    };
    org::publish_private(tx, &ctx.account, &skill)?;
    Ok(json!({
        "SkillId": skill.id,
        "SkillName": skill.name,
        "SupportsLinking": skill.supports_linking,
        "SkillType": skill.skill_type(),
    }))
}

/// Admin actions of this family (see `crate::admin`).
pub(crate) const ADMIN: &[AdminAction] = &[AdminAction {
    name: "publish-private-skill",
    about: "Publishes a private skill to the account: SkillId (optional), SkillName, SupportsLinking.",
    run: publish_private_skill,
}];

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(enablement: &str, skill_type: &str) -> SkillSummary {
        SkillSummary {
            enablement_type: Some(enablement.to_owned()),
            skill_type: Some(skill_type.to_owned()),
            ..SkillSummary::default()
        }
    }

    #[test]
    fn list_filters_combine() {
        let public_pending = summary("PENDING", "PUBLIC");
        assert!(wanted(&public_pending, None, None));
        assert!(wanted(&public_pending, Some("PENDING"), Some("ALL")));
        assert!(!wanted(&public_pending, Some("ENABLED"), None));
        assert!(!wanted(&public_pending, None, Some("PRIVATE")));
        assert!(wanted(
            &summary("ENABLED", "PRIVATE"),
            Some("ENABLED"),
            Some("PRIVATE")
        ));
    }

    #[test]
    fn skill_ids_follow_the_model_pattern() {
        assert!(valid_skill_id("amzn1.ask.skill.0b6c1f3e-2a94"));
        assert!(valid_skill_id("amzn1.echo-sdk-ams.app.abc-123"));
        assert!(!valid_skill_id("amzn1.ask.skill."));
        assert!(!valid_skill_id("amzn1.ask.skill.XYZ"));
        assert!(!valid_skill_id("skill.0b6c"));
    }
}
