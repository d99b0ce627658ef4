//! The stored room: named by `RoomName` (unique), its profile as parent, with the skill groups
//! associated with it.

use crate::arn::ResourceType;
use crate::support::records::Keys;
use crate::support::records::Record;
use serde::{Deserialize, Serialize};
use trailroom_model::a4b::*;

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

pub(crate) const TYPE: ResourceType = ResourceType::Room;

impl Record for RoomRecord {
    const TYPE: ResourceType = TYPE;
    const LABEL: &'static str = "room";

    fn record_arn(&self) -> String {
        self.room.room_arn.clone().unwrap_or_default()
    }

    /// Named by `RoomName`, with its profile as parent.
    fn keys(&self) -> Keys<'_> {
        Keys {
            name: self.room.room_name.as_deref(),
            parent: self.room.profile_arn.as_deref(),
        }
    }
}
