//! The stored skill group: named (unique), with its skills; rooms list the groups associated
//! with them, so removing a group or a skill reaches into the rooms' and groups' records.

use crate::arn::ResourceType;
use crate::records::rooms::RoomRecord;
use crate::support::records::Record;
use crate::support::records::{self, Keys};
use serde::{Deserialize, Serialize};
use trailroom_audit::store_failure;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::{Doc, ReadTxn, WriteTxn};

pub(crate) const TYPE: ResourceType = ResourceType::SkillGroup;

/// Skills per skill group [AG quotas].
pub(crate) const MAX_SKILLS_PER_GROUP: usize = 25;

/// A stored skill group: the model's `SkillGroup` plus its skills in association order. Stored
/// under its ARN, named by `SkillGroupName` (unique).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct SkillGroupRecord {
    /// The group as Get/Search return it.
    #[serde(flatten)]
    pub group: SkillGroup,
    /// Skills in the group.
    #[serde(rename = "SkillIds", default)]
    pub skill_ids: Vec<String>,
}

impl SkillGroupRecord {
    fn arn(&self) -> &str {
        self.group.skill_group_arn.as_deref().unwrap_or_default()
    }
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
    Ok(SkillGroupRecord::require(txn, account, arn)?.skill_ids)
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
        group.save(tx, account)?;
    }
    Ok(())
}

/// Removes `group_arn` from a stored room document; returns whether it was there. Only the body
/// changes, so the document keeps exactly the name and parent keys the rooms module gave it.
pub(crate) fn remove_group(doc: &mut Doc, group_arn: &str) -> Result<bool, ApiError> {
    let mut room: RoomRecord = doc.decode().map_err(store_failure)?;
    if !room.skill_group_arns.iter().any(|a| a == group_arn) {
        return Ok(false);
    }
    room.skill_group_arns.retain(|a| a != group_arn);
    doc.body = serde_json::to_value(&room).map_err(|_| ApiError::internal())?;
    Ok(true)
}

/// Removes a deleted skill group from every room (a4b.md §2.3).
pub(crate) fn detach_from_rooms(
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

impl Record for SkillGroupRecord {
    const TYPE: ResourceType = TYPE;
    const LABEL: &'static str = "skill group";

    fn record_arn(&self) -> String {
        self.arn().to_owned()
    }

    fn keys(&self) -> Keys<'_> {
        Keys {
            name: self.group.skill_group_name.as_deref(),
            parent: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::support::convert::convert;

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
