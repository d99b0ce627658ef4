//! End to end with the AWS SDK for Rust: the real server in-process on 127.0.0.1:0, driven by
//! `aws-sdk-sts`, `aws-sdk-iam`, `aws-sdk-alexaforbusiness` 1.28 (frozen when the service was
//! retired) and `aws-sdk-cloudtrail`.
#![allow(deprecated)] // every A4B operation is marked deprecated in the SDK

use aws_config::{BehaviorVersion, Region, retry::RetryConfig};
use aws_sdk_sts::config::Credentials;
use trailroom_server::{AppState, Config, serve};

const ROOT_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const ROOT_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

struct Harness {
    endpoint: String,
    _dir: tempfile::TempDir,
}

async fn start() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::open(config).await.unwrap();
    tokio::spawn(serve(listener, state, std::future::pending()));
    Harness {
        endpoint,
        _dir: dir,
    }
}

async fn sdk_config(
    h: &Harness,
    key: &str,
    secret: &str,
    token: Option<String>,
) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&h.endpoint)
        .credentials_provider(Credentials::new(key, secret, token, None, "test"))
        .retry_config(RetryConfig::disabled())
        .load()
        .await
}

#[tokio::test]
async fn identities_through_sts_and_iam() {
    let h = start().await;
    let root = sdk_config(&h, ROOT_KEY, ROOT_SECRET, None).await;
    let sts = aws_sdk_sts::Client::new(&root);
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:root"));

    let iam = aws_sdk_iam::Client::new(&root);
    iam.create_user().user_name("Rusty").send().await.unwrap();
    // Authorization is on: the user may assume roles.
    iam.put_user_policy()
        .user_name("Rusty")
        .policy_name("assume")
        .policy_document(
            r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("Rusty")
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let as_user = sdk_config(&h, key.access_key_id(), key.secret_access_key(), None).await;
    let me = aws_sdk_sts::Client::new(&as_user)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/Rusty"));

    let trust = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}"#;
    let role = iam
        .create_role()
        .role_name("Ops")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let role_arn = role.role().unwrap().arn().to_owned();
    let assumed = aws_sdk_sts::Client::new(&as_user)
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("rust-session")
        .send()
        .await
        .unwrap();
    let creds = assumed.credentials().unwrap();
    let as_role = sdk_config(
        &h,
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token().to_owned()),
    )
    .await;
    let me = aws_sdk_sts::Client::new(&as_role)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/Ops/rust-session")
    );

    let wrong = sdk_config(&h, ROOT_KEY, "not-the-secret", None).await;
    let err = aws_sdk_sts::Client::new(&wrong)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error().and_then(|e| e.meta().code()),
        Some("SignatureDoesNotMatch")
    );
}

#[tokio::test]
async fn a4b_scenario_is_recorded_and_looked_up() {
    let h = start().await;
    let root = sdk_config(&h, ROOT_KEY, ROOT_SECRET, None).await;
    let a4b = aws_sdk_alexaforbusiness::Client::new(&root);
    let profile = a4b
        .create_profile()
        .profile_name("HQ")
        .timezone("UTC")
        .address("1 Main St")
        .distance_unit(aws_sdk_alexaforbusiness::types::DistanceUnit::Metric)
        .temperature_unit(aws_sdk_alexaforbusiness::types::TemperatureUnit::Celsius)
        .wake_word(aws_sdk_alexaforbusiness::types::WakeWord::Alexa)
        .send()
        .await
        .unwrap();
    let profile_arn = profile.profile_arn().unwrap().to_owned();
    let room = a4b
        .create_room()
        .room_name("Lobby")
        .profile_arn(&profile_arn)
        .send()
        .await
        .unwrap();
    let room_arn = room.room_arn().unwrap().to_owned();
    let got = a4b.get_room().room_arn(&room_arn).send().await.unwrap();
    assert_eq!(got.room().unwrap().room_name(), Some("Lobby"));
    let found = a4b.search_rooms().send().await.unwrap();
    assert_eq!(found.total_count(), Some(1));
    a4b.delete_room().room_arn(&room_arn).send().await.unwrap();
    let err = a4b.get_room().room_arn(&room_arn).send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_not_found_exception());

    let trail = aws_sdk_cloudtrail::Client::new(&root);
    let events = trail
        .lookup_events()
        .lookup_attributes(
            aws_sdk_cloudtrail::types::LookupAttribute::builder()
                .attribute_key(aws_sdk_cloudtrail::types::LookupAttributeKey::EventName)
                .attribute_value("CreateRoom")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let event = &events.events()[0];
    assert_eq!(event.event_source(), Some("a4b.amazonaws.com"));
    assert_eq!(event.username(), Some("root"));
    let record: serde_json::Value =
        serde_json::from_str(event.cloud_trail_event().unwrap()).unwrap();
    assert_eq!(record["responseElements"]["roomArn"], room_arn.as_str());
    assert!(
        record["userAgent"]
            .as_str()
            .unwrap()
            .contains("aws-sdk-rust")
    );
    let types: Vec<_> = event
        .resources()
        .iter()
        .filter_map(|r| r.resource_type())
        .collect();
    assert_eq!(types, ["AWS::A4B::Profile", "AWS::A4B::Room"]);
}

#[tokio::test]
async fn bad_input_is_answered_with_the_modelled_error_codes() {
    let h = start().await;
    let root = sdk_config(&h, ROOT_KEY, ROOT_SECRET, None).await;
    let a4b = aws_sdk_alexaforbusiness::Client::new(&root);
    let err = a4b
        .create_room()
        .room_name("x".repeat(101))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error().and_then(|e| e.meta().code()),
        Some("ValidationException")
    );
    let trail = aws_sdk_cloudtrail::Client::new(&root);
    let err = trail
        .lookup_events()
        .max_results(500)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_invalid_max_results_exception()
    );
}
