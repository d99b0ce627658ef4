//! A4B ARNs: `arn:aws:a4b:<region>:<account>:<type>/<orgId>/<resourceId>`.
//!
//! The first id segment is shared by every resource of an account (AWS's published records show a
//! room and its profile sharing it); we derive it from the account and region so it is stable. The
//! second is a fresh 32-hex id that starts with the creation time (a UUIDv7 without dashes), so a
//! new resource's keys land at the end of the store's indexes rather than on a random page of
//! each: CreateRoom/s doubled when ids stopped being random (BENCHMARKS.md).

use sha2::{Digest, Sha256};

/// The resource types A4B issues ARNs for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceType {
    Room,
    Profile,
    SkillGroup,
    Device,
    User,
    AddressBook,
    Contact,
    ConferenceProvider,
    NetworkProfile,
    Gateway,
    GatewayGroup,
    BusinessReportSchedule,
    Announcement,
}

impl ResourceType {
    /// Every type, for lookups.
    pub const ALL: [ResourceType; 13] = [
        Self::Room,
        Self::Profile,
        Self::SkillGroup,
        Self::Device,
        Self::User,
        Self::AddressBook,
        Self::Contact,
        Self::ConferenceProvider,
        Self::NetworkProfile,
        Self::Gateway,
        Self::GatewayGroup,
        Self::BusinessReportSchedule,
        Self::Announcement,
    ];

    /// The ARN's type segment (`skill-group`, `address-book`, …).
    pub fn segment(self) -> &'static str {
        match self {
            Self::Room => "room",
            Self::Profile => "profile",
            Self::SkillGroup => "skill-group",
            Self::Device => "device",
            Self::User => "user",
            Self::AddressBook => "address-book",
            Self::Contact => "contact",
            Self::ConferenceProvider => "conference-provider",
            Self::NetworkProfile => "network-profile",
            Self::Gateway => "gateway",
            Self::GatewayGroup => "gateway-group",
            Self::BusinessReportSchedule => "schedule",
            Self::Announcement => "announcement",
        }
    }

    /// CloudTrail's `resources[].type` (`AWS::A4B::Room`); announcements have none.
    pub fn cloudtrail_type(self) -> Option<&'static str> {
        Some(match self {
            Self::Room => "AWS::A4B::Room",
            Self::Profile => "AWS::A4B::Profile",
            Self::SkillGroup => "AWS::A4B::SkillGroup",
            Self::Device => "AWS::A4B::Device",
            Self::User => "AWS::A4B::User",
            Self::AddressBook => "AWS::A4B::AddressBook",
            Self::Contact => "AWS::A4B::Contact",
            Self::ConferenceProvider => "AWS::A4B::ConferenceProvider",
            Self::NetworkProfile => "AWS::A4B::NetworkProfile",
            Self::Gateway => "AWS::A4B::Gateway",
            Self::GatewayGroup => "AWS::A4B::GatewayGroup",
            Self::BusinessReportSchedule => "AWS::A4B::BusinessReportSchedule",
            Self::Announcement => return None,
        })
    }

    /// The store's document kind for this type.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Room => "a4b_room",
            Self::Profile => "a4b_profile",
            Self::SkillGroup => "a4b_skill_group",
            Self::Device => "a4b_device",
            Self::User => "a4b_user",
            Self::AddressBook => "a4b_address_book",
            Self::Contact => "a4b_contact",
            Self::ConferenceProvider => "a4b_conference_provider",
            Self::NetworkProfile => "a4b_network_profile",
            Self::Gateway => "a4b_gateway",
            Self::GatewayGroup => "a4b_gateway_group",
            Self::BusinessReportSchedule => "a4b_schedule",
            Self::Announcement => "a4b_announcement",
        }
    }

    fn from_segment(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.segment() == segment)
    }
}

/// A parsed A4B ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn {
    /// Resource type.
    pub resource_type: ResourceType,
    /// Region.
    pub region: String,
    /// Owning account.
    pub account_id: String,
    /// Everything after `<type>/`.
    pub resource_id: String,
}

impl Arn {
    /// Parses an A4B ARN; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix("arn:aws:a4b:")?;
        let mut parts = rest.splitn(3, ':');
        let region = parts.next()?;
        let account_id = parts.next()?;
        let resource = parts.next()?;
        let (segment, resource_id) = resource.split_once('/')?;
        let resource_type = ResourceType::from_segment(segment)?;
        let valid = !region.is_empty()
            && account_id.len() == 12
            && account_id.bytes().all(|b| b.is_ascii_digit())
            && !resource_id.is_empty();
        valid.then(|| Self {
            resource_type,
            region: region.to_owned(),
            account_id: account_id.to_owned(),
            resource_id: resource_id.to_owned(),
        })
    }
}

/// The account-wide first id segment for `account` in `region`.
pub fn org_id(account: &str, region: &str) -> String {
    let digest = Sha256::digest(format!("{account}:{region}").as_bytes());
    hex::encode(&digest[..16])
}

/// A fresh ARN of `resource_type` for `account`.
pub fn new_arn(resource_type: ResourceType, account: &str, region: &str) -> String {
    let id = uuid::Uuid::now_v7().simple().to_string();
    format!(
        "arn:aws:a4b:{region}:{account}:{}/{}/{id}",
        resource_type.segment(),
        org_id(account, region)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_arns_have_two_hex_segments_sharing_the_first() {
        let room = new_arn(ResourceType::Room, "123456789012", "us-east-1");
        let profile = new_arn(ResourceType::Profile, "123456789012", "us-east-1");
        let room_parts: Vec<&str> = room.rsplit('/').collect();
        let profile_parts: Vec<&str> = profile.rsplit('/').collect();
        assert_eq!(room_parts[1], profile_parts[1]);
        assert_ne!(room_parts[0], profile_parts[0]);
        assert!(room_parts[0].len() == 32 && room_parts[0].bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(room.starts_with("arn:aws:a4b:us-east-1:123456789012:room/"));
    }

    #[test]
    fn ids_created_later_sort_later() {
        let id = |arn: String| arn.rsplit('/').next().unwrap().to_owned();
        let first = id(new_arn(ResourceType::Room, "123456789012", "us-east-1"));
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = id(new_arn(ResourceType::Room, "123456789012", "us-east-1"));
        assert!(first < second, "{first} then {second}");
    }

    #[test]
    fn parses_hyphenated_types_and_rejects_others() {
        let arn = new_arn(ResourceType::SkillGroup, "123456789012", "us-east-1");
        assert!(arn.contains(":skill-group/"));
        let parsed = Arn::parse(&arn).unwrap();
        assert_eq!(parsed.resource_type, ResourceType::SkillGroup);
        assert_eq!(parsed.account_id, "123456789012");
        assert_eq!(Arn::parse("arn:aws:iam::123456789012:user/x"), None);
        assert_eq!(
            Arn::parse("arn:aws:a4b:us-east-1:123456789012:widget/x/y"),
            None
        );
        assert_eq!(Arn::parse("arn:aws:a4b:us-east-1:1234:room/x/y"), None);
    }
}
