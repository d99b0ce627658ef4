//! The generated operation and error tables and the service constants.

use trailroom_model::{OperationMeta, a4b, cloudtrail};

#[test]
fn a4b_operation_table() {
    use a4b::Operation;
    assert_eq!(Operation::ALL.len(), 93);
    assert_eq!(Operation::from_name("GetRoom"), Some(Operation::GetRoom));
    assert_eq!(Operation::from_name("getRoom"), None);
    assert_eq!(Operation::CreateRoom.name(), "CreateRoom");
    assert!(Operation::GetRoom.read_only());
    assert!(Operation::ResolveRoom.read_only());
    assert!(Operation::SearchRooms.read_only());
    assert!(!Operation::CreateRoom.read_only());
    assert!(!Operation::StartSmartHomeApplianceDiscovery.read_only());
    assert!(Operation::CreateRoom.deprecated());
    assert!(!Operation::SendAnnouncement.deprecated());
    assert_eq!(
        Operation::CreateRoom.errors(),
        ["AlreadyExistsException", "LimitExceededException"]
    );
    assert_eq!(
        Operation::from_target("AlexaForBusiness.CreateRoom"),
        Some(Operation::CreateRoom)
    );
    assert_eq!(Operation::from_target("AlexaForBusinessCreateRoom"), None);
    for op in Operation::ALL {
        assert_eq!(Operation::from_name(op.name()), Some(*op));
    }
}

#[test]
fn cloudtrail_operation_table() {
    use cloudtrail::Operation;
    assert_eq!(Operation::ALL.len(), 60);
    assert!(Operation::LookupEvents.read_only());
    assert!(Operation::DescribeTrails.read_only());
    assert!(Operation::GetQueryResults.read_only());
    assert!(Operation::ListPublicKeys.read_only());
    assert!(!Operation::StartLogging.read_only());
    assert!(!Operation::StartQuery.read_only());
    assert!(!Operation::GenerateQuery.read_only());
    assert!(!Operation::CreateTrail.deprecated());
    assert!(
        Operation::DeleteTrail
            .errors()
            .contains(&"TrailNotFoundException")
    );
}

#[test]
fn allowed_errors_cover_model_service_and_protocol_codes() {
    let op = a4b::Operation::CreateRoom;
    assert!(op.allows_error("AlreadyExistsException"));
    assert!(
        op.allows_error("NotFoundException"),
        "service-wide exception"
    );
    assert!(
        op.allows_error("InvalidParameterException"),
        "reviewed addition"
    );
    assert!(op.allows_error("ValidationException"));
    assert!(!op.allows_error("TrailNotFoundException"));
    assert!(OperationMeta::allows_error(
        cloudtrail::Operation::GetTrail,
        "TrailNotFoundException"
    ));
}

#[test]
fn error_statuses() {
    assert_eq!(
        a4b::error_status("NotFoundException"),
        Some(http::StatusCode::BAD_REQUEST)
    );
    assert_eq!(a4b::error_status("TrailNotFoundException"), None);
    assert_eq!(
        cloudtrail::error_status("TrailNotFoundException"),
        Some(http::StatusCode::BAD_REQUEST)
    );
    assert_eq!(cloudtrail::ERRORS.len(), 86);
}

#[test]
fn service_constants() {
    assert_eq!(a4b::TARGET_PREFIX, "AlexaForBusiness");
    assert_eq!(a4b::SIGNING_NAME, "a4b");
    assert_eq!(a4b::EVENT_SOURCE, "a4b.amazonaws.com");
    assert_eq!(
        cloudtrail::TARGET_PREFIX,
        "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
    );
    assert_eq!(cloudtrail::SIGNING_NAME, "cloudtrail");
    assert_eq!(cloudtrail::EVENT_SOURCE, "cloudtrail.amazonaws.com");
}
