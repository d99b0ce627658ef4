//! `validate()`: Coral-style messages for required, length, pattern, enum, range and nested
//! constraints.

use trailroom_model::Validate;
use trailroom_model::a4b::{
    CreateInstantBooking, CreateMeetingRoomConfiguration, CreateNetworkProfileRequest,
    CreateProfileRequest, CreateRoomRequest, PutInvitationConfigurationRequest, SearchRoomsRequest,
    Tag, UpdateProfileRequest,
};
use trailroom_model::cloudtrail::{LookupAttribute, LookupEventsRequest};

const PRINTABLE: &str =
    r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]*";

fn message(input: &impl Validate) -> String {
    let err = input.validate().expect_err("input should be invalid");
    assert_eq!(err.code(), "ValidationException");
    assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
    err.message().to_owned()
}

fn room(name: &str) -> CreateRoomRequest {
    CreateRoomRequest {
        room_name: Some(name.to_owned()),
        ..Default::default()
    }
}

#[test]
fn create_room_valid_input_passes() {
    let input = CreateRoomRequest {
        room_name: Some("Lobby".into()),
        description: Some("Ground floor".into()),
        profile_arn: Some("arn:aws:a4b:us-east-1:123456789012:profile/a/b".into()),
        client_request_token: Some("0123456789abcdef".into()),
        tags: Some(vec![Tag {
            key: Some("team".into()),
            value: Some("ops".into()),
        }]),
        ..Default::default()
    };
    assert_eq!(input.validate(), Ok(()));
}

#[test]
fn create_room_missing_name_is_null() {
    assert_eq!(
        message(&CreateRoomRequest::default()),
        "1 validation error detected: Value null at 'roomName' failed to satisfy constraint: \
         Member must not be null"
    );
}

#[test]
fn create_room_name_too_long() {
    let name = "x".repeat(101);
    assert_eq!(
        message(&room(&name)),
        format!(
            "1 validation error detected: Value '{name}' at 'roomName' failed to satisfy \
             constraint: Member must have length less than or equal to 100"
        )
    );
}

#[test]
fn create_room_name_with_control_char_breaks_pattern() {
    assert_eq!(
        message(&room("Lobby\u{7}")),
        format!(
            "1 validation error detected: Value 'Lobby\u{7}' at 'roomName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: {PRINTABLE}"
        )
    );
}

#[test]
fn create_room_length_is_counted_in_chars() {
    assert_eq!(room(&"é".repeat(100)).validate(), Ok(()));
}

#[test]
fn violations_are_all_collected() {
    let input = CreateRoomRequest {
        room_name: Some(String::new()),
        client_request_token: Some("short".into()),
        ..Default::default()
    };
    let msg = message(&input);
    assert_eq!(
        msg,
        "2 validation errors detected: Value '' at 'roomName' failed to satisfy constraint: \
         Member must have length greater than or equal to 1; Value 'short' at \
         'clientRequestToken' failed to satisfy constraint: Member must have length greater \
         than or equal to 10"
    );
}

#[test]
fn update_profile_bad_enum() {
    let input = UpdateProfileRequest {
        distance_unit: Some("FOO".into()),
        ..Default::default()
    };
    assert_eq!(
        message(&input),
        "1 validation error detected: Value 'FOO' at 'distanceUnit' failed to satisfy \
         constraint: Member must satisfy enum value set: [METRIC, IMPERIAL]"
    );
}

fn valid_profile() -> CreateProfileRequest {
    CreateProfileRequest {
        profile_name: Some("Default".into()),
        timezone: Some("America/Los_Angeles".into()),
        address: Some("1 Main St".into()),
        distance_unit: Some("METRIC".into()),
        temperature_unit: Some("CELSIUS".into()),
        wake_word: Some("ALEXA".into()),
        ..Default::default()
    }
}

#[test]
fn nested_structure_members_have_dotted_paths() {
    assert_eq!(valid_profile().validate(), Ok(()));
    let input = CreateProfileRequest {
        meeting_room_configuration: Some(CreateMeetingRoomConfiguration {
            instant_booking: Some(CreateInstantBooking {
                duration_in_minutes: Some(30),
                enabled: None,
            }),
            ..Default::default()
        }),
        ..valid_profile()
    };
    assert_eq!(
        message(&input),
        "1 validation error detected: Value null at \
         'meetingRoomConfiguration.instantBooking.enabled' failed to satisfy constraint: Member \
         must not be null"
    );
}

#[test]
fn list_elements_are_numbered_from_one() {
    let input = CreateProfileRequest {
        tags: Some(vec![
            Tag {
                key: Some("ok".into()),
                value: Some("v".into()),
            },
            Tag {
                key: None,
                value: Some("v".into()),
            },
        ]),
        ..valid_profile()
    };
    assert_eq!(
        message(&input),
        "1 validation error detected: Value null at 'tags.2.member.key' failed to satisfy \
         constraint: Member must not be null"
    );
}

#[test]
fn list_longer_than_max() {
    let skill = "amzn1.ask.skill.0123abcd";
    let input = PutInvitationConfigurationRequest {
        organization_name: Some("Example".into()),
        private_skill_ids: Some(vec![skill.to_owned(); 4]),
        ..Default::default()
    };
    let list = [skill; 4].join(", ");
    assert_eq!(
        message(&input),
        format!(
            "1 validation error detected: Value '[{list}]' at 'privateSkillIds' failed to satisfy \
             constraint: Member must have length less than or equal to 3"
        )
    );
}

#[test]
fn integer_below_min() {
    let input = SearchRoomsRequest {
        max_results: Some(0),
        ..Default::default()
    };
    assert_eq!(
        message(&input),
        "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: \
         Member must have value greater than or equal to 1"
    );
}

#[test]
fn sensitive_values_are_not_echoed() {
    let input = CreateNetworkProfileRequest {
        network_profile_name: Some("Office".into()),
        ssid: Some("office-wifi".into()),
        security_type: Some("WPA2_PSK".into()),
        client_request_token: Some("0123456789abcdef".into()),
        current_password: Some("abc".into()),
        ..Default::default()
    };
    let msg = message(&input);
    assert_eq!(
        msg,
        "1 validation error detected: Value '***' at 'currentPassword' failed to satisfy \
         constraint: Member must have length greater than or equal to 5"
    );
}

#[test]
fn cloudtrail_constraints_apply() {
    let input = LookupEventsRequest {
        max_results: Some(51),
        lookup_attributes: Some(vec![LookupAttribute {
            attribute_key: Some("Nope".into()),
            attribute_value: Some("CreateRoom".into()),
        }]),
        ..Default::default()
    };
    let msg = message(&input);
    assert!(msg.starts_with("2 validation errors detected: "), "{msg}");
    assert!(
        msg.contains(
            "Value 'Nope' at 'lookupAttributes.1.member.attributeKey' failed to satisfy \
             constraint: Member must satisfy enum value set: [EventId, EventName, ReadOnly, \
             Username, ResourceType, ResourceName, EventSource, AccessKeyId]"
        ),
        "{msg}"
    );
    assert!(
        msg.contains(
            "Value '51' at 'maxResults' failed to satisfy constraint: Member must have value less \
             than or equal to 50"
        ),
        "{msg}"
    );
}
