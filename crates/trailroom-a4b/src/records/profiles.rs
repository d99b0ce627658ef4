//! The stored room profile, named (unique); the account's default profile is the one new rooms
//! get when they name none.

use crate::arn::ResourceType;
use crate::support::records::Record;
use crate::support::records::{self, Keys};
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) const TYPE: ResourceType = ResourceType::Profile;

/// The account's default profile, if any.
pub(crate) fn default_profile(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
) -> Result<Option<Profile>, ApiError> {
    let profiles: Vec<Profile> = records::list(txn, account, TYPE)?;
    Ok(profiles.into_iter().find(|p| p.is_default == Some(true)))
}

impl Record for Profile {
    const TYPE: ResourceType = TYPE;
    const LABEL: &'static str = "profile";

    fn record_arn(&self) -> String {
        self.profile_arn.clone().unwrap_or_default()
    }

    fn keys(&self) -> Keys<'_> {
        Keys {
            name: self.profile_name.as_deref(),
            parent: None,
        }
    }
}
