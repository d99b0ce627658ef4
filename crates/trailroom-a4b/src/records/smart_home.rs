//! The smart-home appliances each room has discovered, one document per room; deleting a room
//! forgets them.

use serde::{Deserialize, Serialize};
use trailroom_audit::store_failure;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::{Doc, ReadTxn, WriteTxn};

/// Kind of the per-room appliance documents.
pub(crate) const KIND: &str = "a4b_smart_home_appliances";

/// The appliances of one room.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct RoomAppliances {
    #[serde(rename = "Appliances", default)]
    pub(crate) appliances: Vec<SmartHomeAppliance>,
}

impl RoomAppliances {
    /// Adds `appliance` unless one with its friendly name is known; returns whether it was added.
    pub(crate) fn add(&mut self, appliance: SmartHomeAppliance) -> bool {
        if self
            .appliances
            .iter()
            .any(|a| a.friendly_name == appliance.friendly_name)
        {
            return false;
        }
        self.appliances.push(appliance);
        true
    }
}

pub(crate) fn load(
    txn: &dyn ReadTxn,
    account: &str,
    room_arn: &str,
) -> Result<RoomAppliances, ApiError> {
    let doc = txn.get(account, KIND, room_arn).map_err(store_failure)?;
    Ok(doc
        .map(|d| d.decode().map_err(store_failure))
        .transpose()?
        .unwrap_or_default())
}

pub(crate) fn save(
    tx: &mut dyn WriteTxn,
    account: &str,
    room_arn: &str,
    appliances: &RoomAppliances,
) -> Result<(), ApiError> {
    let doc = Doc::new(account, KIND, room_arn, appliances).map_err(store_failure)?;
    tx.put(&doc).map_err(store_failure)
}

/// Drops the appliances of a room (ForgetSmartHomeAppliances, and a deleted room).
pub(crate) fn forget_room(
    tx: &mut dyn trailroom_store::WriteTxn,
    account: &str,
    room_arn: &str,
) -> Result<(), ApiError> {
    tx.delete(account, KIND, room_arn)
        .map(|_| ())
        .map_err(store_failure)
}
