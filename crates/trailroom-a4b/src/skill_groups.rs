//! Skill groups: named sets of up to 25 organization skills that rooms enable together
//! (a4b.md §2.2, §2.3, §2.8). Owns Create/Get/Update/Delete/SearchSkillGroups,
//! Associate/DisassociateSkillWith/FromSkillGroup and the skill lists other families read
//! ([`skill_ids`] for ResolveRoom, [`require_skill_ids`] for ListSkills).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use trailroom_audit::{CallContext, store_failure};
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::{Doc, ReadTxn, WriteTxn};

use crate::arn::{ResourceType, new_arn};
use crate::rooms::RoomRecord;
use crate::support::convert::{convert, merged};
use crate::support::errors::{already_exists, limit_exceeded, not_found, renamed, required};
use crate::support::idempotency::{Token, once};
use crate::support::records::{self, Keys};
use crate::support::search::{Match, SearchSpec, search};
use crate::support::tags;

const TYPE: ResourceType = ResourceType::SkillGroup;
/// Skill groups per account [AG quotas].
const MAX_GROUPS: usize = 1_000;
/// Skills per skill group [AG quotas].
const MAX_SKILLS_PER_GROUP: usize = 25;

/// A stored skill group: the model's `SkillGroup` plus its skills in association order. Stored
/// under its ARN, named by `SkillGroupName` (unique).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SkillGroupRecord {
    #[serde(flatten)]
    group: SkillGroup,
    #[serde(rename = "SkillIds", default)]
    skill_ids: Vec<String>,
}

impl SkillGroupRecord {
    fn arn(&self) -> &str {
        self.group.skill_group_arn.as_deref().unwrap_or_default()
    }
}

fn save(tx: &mut dyn WriteTxn, account: &str, record: &SkillGroupRecord) -> Result<(), ApiError> {
    let name = record.group.skill_group_name.clone().unwrap_or_default();
    let keys = Keys {
        name: Some(&name),
        parent: None,
    };
    records::save(tx, account, TYPE, record.arn(), record, keys, |n| {
        already_exists("skill group", n)
    })
}

fn require_group(
    txn: &dyn ReadTxn,
    account: &str,
    arn: &str,
) -> Result<SkillGroupRecord, ApiError> {
    records::require(txn, account, TYPE, arn)
}

/// The skill ids in the skill group at `arn` (empty when it does not exist).
pub(crate) fn skill_ids(
    txn: &dyn ReadTxn,
    account: &str,
    arn: &str,
) -> Result<Vec<String>, ApiError> {
    let record: Option<SkillGroupRecord> = records::load(txn, account, TYPE, arn)?;
    Ok(record.map(|r| r.skill_ids).unwrap_or_default())
}

/// The skill ids in the skill group at `arn`, in association order; NotFound when it does not
/// exist.
pub(crate) fn require_skill_ids(
    txn: &dyn ReadTxn,
    account: &str,
    arn: &str,
) -> Result<Vec<String>, ApiError> {
    Ok(require_group(txn, account, arn)?.skill_ids)
}

/// Removes a skill that left the organization from every skill group (a4b.md §2.3 RejectSkill).
pub(crate) fn drop_skill(
    tx: &mut dyn WriteTxn,
    account: &str,
    skill_id: &str,
) -> Result<(), ApiError> {
    let groups: Vec<SkillGroupRecord> = records::list(tx, account, TYPE)?;
    for mut group in groups
        .into_iter()
        .filter(|g| g.skill_ids.iter().any(|s| s == skill_id))
    {
        group.skill_ids.retain(|s| s != skill_id);
        save(tx, account, &group)?;
    }
    Ok(())
}

/// Removes `group_arn` from a stored room document; returns whether it was there. Only the body
/// changes, so the document keeps exactly the name and parent keys the rooms module gave it.
fn remove_group(doc: &mut Doc, group_arn: &str) -> Result<bool, ApiError> {
    let mut room: RoomRecord = doc.decode().map_err(store_failure)?;
    if !room.skill_group_arns.iter().any(|a| a == group_arn) {
        return Ok(false);
    }
    room.skill_group_arns.retain(|a| a != group_arn);
    doc.body = serde_json::to_value(&room).map_err(|_| ApiError::internal())?;
    Ok(true)
}

/// Removes a deleted skill group from every room (a4b.md §2.3).
fn detach_from_rooms(
    tx: &mut dyn WriteTxn,
    account: &str,
    group_arn: &str,
) -> Result<(), ApiError> {
    for mut doc in tx
        .list(account, ResourceType::Room.kind())
        .map_err(store_failure)?
    {
        if remove_group(&mut doc, group_arn)? {
            tx.put(&doc).map_err(store_failure)?;
        }
    }
    Ok(())
}

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
            save(tx, &account, &record)?;
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
    let record = ctx.read(|txn| require_group(txn, ctx.account_id(), &arn))?;
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
        let mut record = require_group(tx, &account, &arn)?;
        let mut patch = input.clone();
        patch.skill_group_arn = None;
        record.group = merged(&record.group, &patch)?;
        let new_name = record.group.skill_group_name.clone().unwrap_or_default();
        save(tx, &account, &record).map_err(renamed("skill group", new_name))?;
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
        require_group(tx, &account, &arn)?;
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
    let data = groups
        .iter()
        .map(|g| convert(&g.group))
        .collect::<Result<Vec<SkillGroupData>, _>>()?;
    let page = search(
        data,
        &SEARCH,
        input.filters.as_deref(),
        input.sort_criteria.as_deref(),
        input.max_results,
        input.next_token.as_deref(),
    )?;
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
        let mut group = require_group(tx, &account, &arn)?;
        let skill = crate::skills::require_approved(tx, &account, &skill_id)?;
        if skill.supports_linking && !crate::skills::org_linked(tx, &account, &skill_id)? {
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
        save(tx, &account, &group)?;
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
        let mut group = require_group(tx, &account, &arn)?;
        if !crate::skills::is_known(tx, &account, &skill_id)? {
            return Err(not_found(&format!("skill {skill_id}")));
        }
        // A known skill that is not in the group is already disassociated: success, like
        // DisassociateContactFromAddressBook.
        if group.skill_ids.contains(&skill_id) {
            group.skill_ids.retain(|s| *s != skill_id);
            save(tx, &account, &group)?;
        }
        Ok(DisassociateSkillFromSkillGroupResponse {})
    })
    .await
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const GROUP: &str = "arn:aws:a4b:us-east-1:123456789012:skill-group/aa/bb";
    const OTHER: &str = "arn:aws:a4b:us-east-1:123456789012:skill-group/aa/cc";

    fn room_doc(groups: &[&str]) -> Doc {
        let body = json!({"RoomArn": "arn:aws:a4b:us-east-1:123456789012:room/aa/dd",
                          "RoomName": "Lobby", "SkillGroupArns": groups});
        Doc::new("123456789012", "a4b_room", "room-id", &body)
            .unwrap()
            .with_name("Lobby")
            .with_parent("profile-arn")
    }

    #[test]
    fn removing_a_group_keeps_the_room_keys_and_other_groups() {
        let mut doc = room_doc(&[GROUP, OTHER]);
        assert!(remove_group(&mut doc, GROUP).unwrap());
        assert_eq!(doc.body["SkillGroupArns"], json!([OTHER]));
        assert_eq!(doc.body["RoomName"], json!("Lobby"));
        assert_eq!(
            (doc.name.as_deref(), doc.parent.as_deref()),
            (Some("Lobby"), Some("profile-arn"))
        );
        assert!(!remove_group(&mut doc, GROUP).unwrap());
    }

    #[test]
    fn records_round_trip_with_their_skill_lists() {
        let record = SkillGroupRecord {
            group: SkillGroup {
                skill_group_name: Some("Ops".into()),
                ..SkillGroup::default()
            },
            skill_ids: vec!["amzn1.ask.skill.1".into()],
        };
        let value = serde_json::to_value(&record).unwrap();
        assert_eq!(
            value,
            json!({"SkillGroupName": "Ops", "SkillIds": ["amzn1.ask.skill.1"]})
        );
        let back: SkillGroupRecord = serde_json::from_value(value).unwrap();
        let group: SkillGroup = convert(&back.group).unwrap();
        assert_eq!(group.skill_group_name.as_deref(), Some("Ops"));
    }
}
