//! The stored room profile, named (unique); the account's default profile is the one new rooms
//! get when they name none.

use crate::arn::ResourceType;
use crate::support::errors::already_exists;
use crate::support::records::{self, Keys};
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) const TYPE: ResourceType = ResourceType::Profile;

/// Saves `profile` under its name.
pub(crate) fn save(
    tx: &mut dyn trailroom_store::WriteTxn,
    account: &str,
    profile: &Profile,
) -> Result<(), ApiError> {
    let arn = profile.profile_arn.clone().unwrap_or_default();
    let name = profile.profile_name.clone().unwrap_or_default();
    records::save(
        tx,
        account,
        TYPE,
        &arn,
        profile,
        Keys {
            name: Some(&name),
            parent: None,
        },
        |n| already_exists("profile", n),
    )
}

/// The account's default profile, if any.
pub(crate) fn default_profile(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
) -> Result<Option<Profile>, ApiError> {
    let profiles: Vec<Profile> = records::list(txn, account, TYPE)?;
    Ok(profiles.into_iter().find(|p| p.is_default == Some(true)))
}
