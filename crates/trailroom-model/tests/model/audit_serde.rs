//! Wire serde (PascalCase, optional members, timestamps) and the CloudTrail audit form
//! (lowerCamel keys, sensitive members hidden, `Debug` redaction).

use serde_json::json;
use trailroom_model::a4b::{
    CreateConferenceProviderRequest, CreateNetworkProfileRequest, CreateRoomRequest, IPDialIn,
    PutSkillAuthorizationRequest, Tag,
};
use trailroom_model::cloudtrail::{DescribeTrailsRequest, LookupEventsRequest};
use trailroom_model::{Audit, HIDDEN, Timestamp};

fn network_profile() -> CreateNetworkProfileRequest {
    CreateNetworkProfileRequest {
        network_profile_name: Some("Office".into()),
        ssid: Some("office-wifi".into()),
        security_type: Some("WPA2_PSK".into()),
        current_password: Some("s3cret-password".into()),
        client_request_token: Some("0123456789abcdef".into()),
        ..Default::default()
    }
}

#[test]
fn sensitive_members_are_hidden_in_audit_json() {
    assert_eq!(HIDDEN, "HIDDEN_DUE_TO_SECURITY_REASONS");
    assert_eq!(
        network_profile().to_audit_json(),
        json!({
            "networkProfileName": "Office",
            "ssid": "office-wifi",
            "securityType": "WPA2_PSK",
            "currentPassword": "HIDDEN_DUE_TO_SECURITY_REASONS",
            "clientRequestToken": "0123456789abcdef",
        })
    );
}

#[test]
fn sensitive_maps_are_hidden_whole() {
    let input = PutSkillAuthorizationRequest {
        authorization_result: Some([("code".to_owned(), "xyz".to_owned())].into()),
        skill_id: Some("amzn1.ask.skill.1".into()),
        ..Default::default()
    };
    let audit = input.to_audit_json();
    assert_eq!(audit["authorizationResult"], json!(HIDDEN));
    assert!(!audit.to_string().contains("xyz"));
}

#[test]
fn debug_redacts_sensitive_members() {
    let debug = format!("{:?}", network_profile());
    assert!(!debug.contains("s3cret-password"), "{debug}");
    assert!(
        debug.contains("current_password: Some(*** Sensitive Data Redacted ***)"),
        "{debug}"
    );
    assert!(debug.contains("next_password: None"), "{debug}");
    assert!(debug.contains("office-wifi"), "{debug}");
}

#[test]
fn audit_keys_lowercase_only_the_first_letter() {
    let input = CreateConferenceProviderRequest {
        ip_dial_in: Some(IPDialIn {
            endpoint: Some("sip.example.com".into()),
            comms_protocol: Some("SIP".into()),
        }),
        ..Default::default()
    };
    assert_eq!(
        input.to_audit_json(),
        json!({"iPDialIn": {"endpoint": "sip.example.com", "commsProtocol": "SIP"}})
    );
    let trails = DescribeTrailsRequest {
        trail_name_list: Some(vec!["main".into()]),
        include_shadow_trails: Some(false),
    };
    assert_eq!(
        trails.to_audit_json(),
        json!({"trailNameList": ["main"], "includeShadowTrails": false})
    );
}

#[test]
fn serde_round_trips_pascal_case_and_skips_none() {
    let wire = r#"{"RoomName":"Lobby","Tags":[{"Key":"team","Value":"ops"}]}"#;
    let input: CreateRoomRequest = serde_json::from_str(wire).unwrap();
    assert_eq!(input.room_name.as_deref(), Some("Lobby"));
    assert_eq!(
        input.tags,
        Some(vec![Tag {
            key: Some("team".into()),
            value: Some("ops".into())
        }])
    );
    assert_eq!(input.profile_arn, None);
    assert_eq!(serde_json::to_string(&input).unwrap(), wire);
}

#[test]
fn unknown_members_and_nulls_are_accepted() {
    let input: CreateRoomRequest =
        serde_json::from_str(r#"{"RoomName":null,"FromANewerSdk":1}"#).unwrap();
    assert_eq!(input, CreateRoomRequest::default());
}

#[test]
fn timestamps_are_epoch_seconds() {
    let input: LookupEventsRequest =
        serde_json::from_str(r#"{"StartTime":1700000000,"EndTime":1700000000.5}"#).unwrap();
    assert_eq!(
        input.start_time,
        Some(Timestamp::from_epoch_seconds(1_700_000_000))
    );
    assert_eq!(input.end_time.unwrap().epoch_millis(), 1_700_000_000_500);
    assert_eq!(
        serde_json::to_value(&input).unwrap(),
        json!({"StartTime": 1700000000, "EndTime": 1700000000.5})
    );
    assert_eq!(
        input.to_audit_json(),
        json!({"startTime": 1700000000, "endTime": 1700000000.5})
    );
}
