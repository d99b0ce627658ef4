//! The stored network profile: saved under its unique name; devices read it to configure
//! themselves (`is_enterprise`: whether it issues certificates).

use crate::arn::ResourceType;
use crate::support::errors::already_exists;
use crate::support::records::{self, Keys};
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) const TYPE: ResourceType = ResourceType::NetworkProfile;

/// The only security type that uses certificates instead of passwords.
pub(crate) const ENTERPRISE: &str = "WPA2_ENTERPRISE";

/// Saves `profile` under its unique name.
pub(crate) fn save(
    tx: &mut dyn trailroom_store::WriteTxn,
    account: &str,
    profile: &NetworkProfile,
) -> Result<(), ApiError> {
    let arn = profile.network_profile_arn.clone().unwrap_or_default();
    let name = profile.network_profile_name.clone().unwrap_or_default();
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
        |n| already_exists("network profile", n),
    )
}

/// The network profile at `arn`, or NotFound (for devices).
pub(crate) fn require(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
    arn: &str,
) -> Result<NetworkProfile, ApiError> {
    records::require(txn, account, TYPE, arn)
}

/// Every network profile of `account` (for the device search view).
pub(crate) fn all(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
) -> Result<Vec<NetworkProfile>, ApiError> {
    records::list(txn, account, TYPE)
}

/// Whether `profile` issues device certificates (WPA2 Enterprise).
pub(crate) fn is_enterprise(profile: &NetworkProfile) -> bool {
    profile.security_type.as_deref() == Some(ENTERPRISE)
}
