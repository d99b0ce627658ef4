//! The stored network profile: saved under its unique name; devices read it to configure
//! themselves (`is_enterprise`: whether it issues certificates).

use crate::arn::ResourceType;
use crate::support::records::Keys;
use crate::support::records::Record;
use trailroom_model::a4b::*;

pub(crate) const TYPE: ResourceType = ResourceType::NetworkProfile;

/// The only security type that uses certificates instead of passwords.
pub(crate) const ENTERPRISE: &str = "WPA2_ENTERPRISE";

/// Whether `profile` issues device certificates (WPA2 Enterprise).
pub(crate) fn is_enterprise(profile: &NetworkProfile) -> bool {
    profile.security_type.as_deref() == Some(ENTERPRISE)
}

impl Record for NetworkProfile {
    const TYPE: ResourceType = TYPE;
    const LABEL: &'static str = "network profile";

    fn record_arn(&self) -> String {
        self.network_profile_arn.clone().unwrap_or_default()
    }

    fn keys(&self) -> Keys<'_> {
        Keys {
            name: self.network_profile_name.as_deref(),
            parent: None,
        }
    }
}
