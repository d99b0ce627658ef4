//! The stored announcement: what was sent to which rooms and when (business reports count them).

use crate::arn::ResourceType;
use crate::support::records::{self};
use serde::{Deserialize, Serialize};
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

pub(crate) const TYPE: ResourceType = ResourceType::Announcement;

/// A sent announcement, stored under its ARN.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AnnouncementRecord {
    pub announcement_arn: String,
    /// When it was sent, ms since the epoch.
    pub created_time: i64,
    /// When undelivered copies are dropped, ms since the epoch.
    pub expires_time: i64,
    /// The rooms it was sent to.
    pub room_arns: Vec<String>,
    pub content: Content,
}

/// Every stored announcement of `account` (for business reports).
pub(crate) fn sent(txn: &dyn ReadTxn, account: &str) -> Result<Vec<AnnouncementRecord>, ApiError> {
    records::list(txn, account, TYPE)
}
