//! The organization's skills as stored per account: which skills exist for it (the built-in
//! catalogue plus private skills published to it), which it approved and in what order, which
//! private skills are offered to enrolled users, and account links (org-wide or per room).
//!
//! None of these has an ARN, so they are plain store documents of their own kinds, keyed by skill
//! id (links: skill id and room).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use trailroom_audit::store_failure;
use trailroom_model::a4b::SkillSummary;
use trailroom_protocol::ApiError;
use trailroom_store::{Doc, ReadTxn, WriteTxn};

use crate::records::catalogue;
use crate::support::errors::not_found;

/// Private skills published to the account by the admin surface.
const PRIVATE_KIND: &str = "a4b_private_skill";
/// The account's view of one skill: approval and availability to users.
const ORG_KIND: &str = "a4b_org_skill";
/// Account links made by PutSkillAuthorization.
const LINK_KIND: &str = "a4b_skill_authorization";

/// What the account knows about a skill, from the catalogue or a private publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SkillInfo {
    #[serde(rename = "SkillId")]
    pub id: String,
    #[serde(rename = "SkillName")]
    pub name: String,
    #[serde(rename = "SupportsLinking")]
    pub supports_linking: bool,
    /// Private skills are published to the account; the others come from the public store.
    #[serde(rename = "Private")]
    pub private: bool,
}

impl SkillInfo {
    /// `SkillType` as ListSkills reports it.
    pub fn skill_type(&self) -> &'static str {
        if self.private { "PRIVATE" } else { "PUBLIC" }
    }
}

/// The account's state for one skill.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct OrgSkill {
    #[serde(rename = "SkillId")]
    pub skill_id: String,
    /// Enabled for the organization (ApproveSkill).
    #[serde(rename = "Approved")]
    pub approved: bool,
    /// Orders ListSkills: increases with every approval.
    #[serde(rename = "ApprovalSequence")]
    pub approval_seq: u64,
    /// A private skill offered to enrolled users (AssociateSkillWithUsers).
    #[serde(rename = "AvailableToUsers")]
    pub available_to_users: bool,
}

/// A stored account link. The secret authorization result itself is not kept: nothing reads it
/// back, and keeping OAuth codes would only be a liability.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SkillLink {
    #[serde(rename = "SkillId")]
    pub skill_id: String,
    #[serde(rename = "RoomArn", skip_serializing_if = "Option::is_none")]
    pub room_arn: Option<String>,
    #[serde(rename = "LinkedTime")]
    pub linked_ms: i64,
}

fn get<T: DeserializeOwned>(
    txn: &dyn ReadTxn,
    account: &str,
    kind: &str,
    id: &str,
) -> Result<Option<T>, ApiError> {
    let doc = txn.get(account, kind, id).map_err(store_failure)?;
    doc.map(|d| d.decode().map_err(store_failure)).transpose()
}

fn list<T: DeserializeOwned>(
    txn: &dyn ReadTxn,
    account: &str,
    kind: &str,
) -> Result<Vec<T>, ApiError> {
    let docs = txn.list(account, kind).map_err(store_failure)?;
    docs.iter()
        .map(|d| d.decode().map_err(store_failure))
        .collect()
}

fn put<T: Serialize>(
    tx: &mut dyn WriteTxn,
    account: &str,
    kind: &str,
    id: &str,
    parent: Option<&str>,
    body: &T,
) -> Result<(), ApiError> {
    let mut doc = Doc::new(account, kind, id, body).map_err(store_failure)?;
    doc.parent = parent.map(str::to_owned);
    tx.put(&doc).map_err(store_failure)
}

/// The skill `id` as the account sees it: a built-in one or a private one published to it.
pub(crate) fn known(
    txn: &dyn ReadTxn,
    account: &str,
    id: &str,
) -> Result<Option<SkillInfo>, ApiError> {
    if let Some(skill) = catalogue::find(id) {
        return Ok(Some(SkillInfo {
            id: skill.id.to_owned(),
            name: skill.name.to_owned(),
            supports_linking: skill.supports_linking,
            private: skill.is_private(),
        }));
    }
    get(txn, account, PRIVATE_KIND, id)
}

/// Publishes (or republishes) a private skill to the account.
pub(crate) fn publish_private(
    tx: &mut dyn WriteTxn,
    account: &str,
    skill: &SkillInfo,
) -> Result<(), ApiError> {
    put(tx, account, PRIVATE_KIND, &skill.id, None, skill)
}

/// The account's state for skill `id` (default: nothing approved or offered).
pub(crate) fn org_skill(txn: &dyn ReadTxn, account: &str, id: &str) -> Result<OrgSkill, ApiError> {
    let stored = get(txn, account, ORG_KIND, id)?;
    Ok(stored.unwrap_or_else(|| OrgSkill {
        skill_id: id.to_owned(),
        ..OrgSkill::default()
    }))
}

/// Stores the account's state for a skill.
pub(crate) fn save_org_skill(
    tx: &mut dyn WriteTxn,
    account: &str,
    skill: &OrgSkill,
) -> Result<(), ApiError> {
    put(tx, account, ORG_KIND, &skill.skill_id, None, skill)
}

/// Every approved skill of the account, in approval order.
pub(crate) fn approved_skills(txn: &dyn ReadTxn, account: &str) -> Result<Vec<OrgSkill>, ApiError> {
    let mut skills: Vec<OrgSkill> = list::<OrgSkill>(txn, account, ORG_KIND)?
        .into_iter()
        .filter(|s| s.approved)
        .collect();
    skills.sort_by_key(|s| s.approval_seq);
    Ok(skills)
}

/// The skill `id` if the organization approved it.
pub(crate) fn approved(
    txn: &dyn ReadTxn,
    account: &str,
    id: &str,
) -> Result<Option<SkillInfo>, ApiError> {
    if !org_skill(txn, account, id)?.approved {
        return Ok(None);
    }
    known(txn, account, id)
}

fn link_id(skill_id: &str, room_arn: Option<&str>) -> String {
    match room_arn {
        Some(room) => format!("{skill_id}|{room}"),
        None => skill_id.to_owned(),
    }
}

/// The link of `skill_id`: the organization's when `room_arn` is `None`, else the room's.
pub(crate) fn link(
    txn: &dyn ReadTxn,
    account: &str,
    skill_id: &str,
    room_arn: Option<&str>,
) -> Result<Option<SkillLink>, ApiError> {
    get(txn, account, LINK_KIND, &link_id(skill_id, room_arn))
}

/// Stores a link; room links have the room as parent so they can be dropped with it.
pub(crate) fn save_link(
    tx: &mut dyn WriteTxn,
    account: &str,
    link: &SkillLink,
) -> Result<(), ApiError> {
    let id = link_id(&link.skill_id, link.room_arn.as_deref());
    put(tx, account, LINK_KIND, &id, link.room_arn.as_deref(), link)
}

/// Deletes a link; returns whether it existed.
pub(crate) fn delete_link(
    tx: &mut dyn WriteTxn,
    account: &str,
    skill_id: &str,
    room_arn: Option<&str>,
) -> Result<bool, ApiError> {
    tx.delete(account, LINK_KIND, &link_id(skill_id, room_arn))
        .map_err(store_failure)
}

/// Drops every room-level link of a deleted room.
pub(crate) fn delete_room_links(
    tx: &mut dyn WriteTxn,
    account: &str,
    room_arn: &str,
) -> Result<(), ApiError> {
    let docs = tx
        .list_children(account, LINK_KIND, room_arn)
        .map_err(store_failure)?;
    for doc in docs {
        tx.delete(account, LINK_KIND, &doc.id)
            .map_err(store_failure)?;
    }
    Ok(())
}

/// The summary ListSkills returns: a skill that needs linking is PENDING until the organization
/// links it.
pub(crate) fn summary(
    txn: &dyn ReadTxn,
    account: &str,
    skill: &SkillInfo,
) -> Result<SkillSummary, ApiError> {
    let linked = !skill.supports_linking || link(txn, account, &skill.id, None)?.is_some();
    Ok(SkillSummary {
        skill_id: Some(skill.id.clone()),
        skill_name: Some(skill.name.clone()),
        supports_linking: Some(skill.supports_linking),
        enablement_type: Some(if linked { "ENABLED" } else { "PENDING" }.to_owned()),
        skill_type: Some(skill.skill_type().to_owned()),
    })
}

/// The skill `id` if the organization approved it; NotFound otherwise (a4b.md §2.8).
pub(crate) fn require_approved(
    txn: &dyn ReadTxn,
    account: &str,
    id: &str,
) -> Result<SkillInfo, ApiError> {
    approved(txn, account, id)?.ok_or_else(|| not_found(&format!("skill {id} in the organization")))
}

/// Whether the account knows skill `id` (built-in or published to it), approved or not.
pub(crate) fn is_known(txn: &dyn ReadTxn, account: &str, id: &str) -> Result<bool, ApiError> {
    Ok(known(txn, account, id)?.is_some())
}

/// Whether the organization linked skill `id` (its org-wide "master" account link).
pub(crate) fn org_linked(txn: &dyn ReadTxn, account: &str, id: &str) -> Result<bool, ApiError> {
    Ok(link(txn, account, id, None)?.is_some())
}

/// Drops the room-level account links of a deleted room (a4b.md §2.3), for rooms.
pub(crate) fn forget_room(
    tx: &mut dyn WriteTxn,
    account: &str,
    room_arn: &str,
) -> Result<(), ApiError> {
    delete_room_links(tx, account, room_arn)
}
