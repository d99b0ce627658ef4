//! The stored room: named by `RoomName` (unique), its profile as parent, with the skill groups
//! associated with it.

use crate::arn::ResourceType;
use crate::support::errors::already_exists;
use crate::support::records::{self, Keys};
use serde::{Deserialize, Serialize};
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::WriteTxn;

/// A stored room: the model's `Room` plus the skill groups associated with it. Stored under its
/// ARN, named by `RoomName` (unique), with the profile ARN as parent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct RoomRecord {
    /// The room as Get/Search return it.
    #[serde(flatten)]
    pub room: Room,
    /// Skill groups associated with the room.
    #[serde(rename = "SkillGroupArns", default)]
    pub skill_group_arns: Vec<String>,
}

/// Every room of `account`.
pub(crate) fn all_rooms(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
) -> Result<Vec<RoomRecord>, ApiError> {
    records::list(txn, account, ResourceType::Room)
}

/// The room at `arn`, or NotFound.
pub(crate) fn require_room(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
    arn: &str,
) -> Result<RoomRecord, ApiError> {
    records::require(txn, account, ResourceType::Room, arn)
}

pub(crate) const TYPE: ResourceType = ResourceType::Room;

/// Saves `record` under its name, with its profile as parent.
pub(crate) fn save(
    tx: &mut dyn WriteTxn,
    account: &str,
    record: &RoomRecord,
) -> Result<(), ApiError> {
    let room = &record.room;
    let arn = room.room_arn.clone().unwrap_or_default();
    let keys = Keys {
        name: room.room_name.as_deref(),
        parent: room.profile_arn.as_deref(),
    };
    records::save(tx, account, TYPE, &arn, record, keys, |n| {
        already_exists("room", n)
    })
}
