//! `dispatch`: parse → validate → handler → serialize, with the audit values, against tiny
//! services that implement one method each.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use serde_json::json;
use trailroom_model::a4b::{self, AlexaForBusiness, CreateRoomRequest, CreateRoomResponse};
use trailroom_model::cloudtrail::{
    self, CloudTrail, DescribeTrailsRequest, DescribeTrailsResponse, Trail,
};
use trailroom_model::{Dispatched, DispatchedOk};
use trailroom_protocol::ApiError;

/// Runs a future that never waits (the test services answer at once).
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// Implements CreateRoom only.
struct Rooms;

/// The test context: an account id, and the request parameters dispatch reported.
#[derive(Default)]
struct Account {
    id: String,
    seen: std::sync::Mutex<Option<serde_json::Value>>,
}

impl Account {
    fn new(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            seen: Default::default(),
        }
    }
}

impl trailroom_model::CallObserver for Account {
    fn observe_request_parameters(&self, parameters: Option<&serde_json::Value>) {
        *self.seen.lock().unwrap() = parameters.cloned();
    }
}

/// CreateRoom: a name taken or unmodelled fails, any other room is created.
fn create_room(
    account: &Account,
    input: CreateRoomRequest,
) -> Result<CreateRoomResponse, ApiError> {
    let name = input.room_name.unwrap_or_default();
    if name == "taken" {
        return Err(ApiError::client(
            "AlreadyExistsException",
            "room taken exists",
        ));
    }
    if name == "unmodelled" {
        return Err(ApiError::client(
            "TrailNotFoundException",
            "not an A4B error",
        ));
    }
    Ok(CreateRoomResponse {
        room_arn: Some(format!("arn:aws:a4b:us-east-1:{}:room/{name}", account.id)),
    })
}

/// One method of the test double: CreateRoom answers as [`create_room`] does, every other
/// operation is not implemented (the trait has no default bodies: A4B is complete).
macro_rules! rooms_method {
    (CreateRoom, create_room, $input:ty, $output:ty) => {
        async fn create_room(
            &self,
            account: &Account,
            input: CreateRoomRequest,
        ) -> Result<CreateRoomResponse, ApiError> {
            create_room(account, input)
        }
    };
    ($op:ident, $method:ident, $input:ty, $output:ty) => {
        async fn $method(&self, _: &Account, _: $input) -> Result<$output, ApiError> {
            Err(trailroom_model::not_implemented(stringify!($op)))
        }
    };
}

impl AlexaForBusiness for Rooms {
    type Context = Account;

    trailroom_model::a4b_operations!(rooms_method);
}

fn a4b(op: &str, body: &[u8]) -> Dispatched {
    a4b_observed(op, body).0
}

/// The outcome, and the `requestParameters` the observer was told (the audit record's only road).
fn a4b_observed(op: &str, body: &[u8]) -> (Dispatched, Option<serde_json::Value>) {
    let op = a4b::Operation::from_name(op).unwrap();
    let account = Account::new("123456789012");
    let d = block_on(a4b::dispatch(&Rooms, &account, op, body));
    let seen = account.seen.lock().unwrap().clone();
    (d, seen)
}

fn ok(d: Dispatched) -> DispatchedOk {
    d.result.expect("call should succeed")
}

fn err(d: &Dispatched) -> &ApiError {
    d.result.as_ref().expect_err("call should fail")
}

#[test]
fn dispatch_runs_the_handler_and_renders_audit_values() {
    let (d, params) = a4b_observed(
        "CreateRoom",
        br#"{"RoomName":"Lobby","ClientRequestToken":"0123456789abcdef"}"#,
    );
    assert_eq!(
        params,
        Some(json!({"roomName": "Lobby", "clientRequestToken": "0123456789abcdef"}))
    );
    let out = ok(d);
    let arn = "arn:aws:a4b:us-east-1:123456789012:room/Lobby";
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.body).unwrap(),
        json!({"RoomArn": arn})
    );
    assert_eq!(out.response_elements, Some(json!({"roomArn": arn})));
}

#[test]
fn dispatch_bad_json_is_a_serialization_exception() {
    let (d, params) = a4b_observed("CreateRoom", b"{bad json");
    assert_eq!(err(&d).code(), "SerializationException");
    assert_eq!(err(&d).status(), http::StatusCode::BAD_REQUEST);
    assert_eq!(params, None);
}

#[test]
fn dispatch_wrong_type_hides_the_value() {
    let d = a4b("CreateRoom", br#"{"RoomName":12345}"#);
    assert_eq!(err(&d).code(), "SerializationException");
    assert!(
        !err(&d).message().contains("12345"),
        "{}",
        err(&d).message()
    );
}

#[test]
fn dispatch_missing_member_is_a_validation_exception() {
    let (d, params) = a4b_observed("CreateRoom", br#"{"Description":"no name"}"#);
    assert_eq!(err(&d).code(), "ValidationException");
    assert_eq!(
        err(&d).message(),
        "1 validation error detected: Value null at 'roomName' failed to satisfy constraint: \
         Member must not be null"
    );
    assert_eq!(params, Some(json!({"description": "no name"})));
}

#[test]
fn dispatch_passes_handler_errors_through() {
    let d = a4b("CreateRoom", br#"{"RoomName":"taken"}"#);
    assert_eq!(err(&d).code(), "AlreadyExistsException");
}

#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "neither modelled for it nor a protocol code")]
fn dispatch_flags_unmodelled_handler_errors_in_debug_builds() {
    a4b("CreateRoom", br#"{"RoomName":"unmodelled"}"#);
}

#[test]
fn dispatch_unimplemented_operation_is_501() {
    let (d, params) = a4b_observed("GetRoom", b"");
    assert_eq!(err(&d).code(), "NotImplementedException");
    assert_eq!(err(&d).status(), http::StatusCode::NOT_IMPLEMENTED);
    assert!(err(&d).message().contains("GetRoom"));
    assert_eq!(params, None, "an empty body has no parameters");
}

#[test]
fn dispatch_future_is_send() {
    fn assert_send<T: Send>(_: T) {}
    assert_send(a4b::dispatch(
        &Rooms,
        &Account::default(),
        a4b::Operation::CreateRoom,
        b"{}",
    ));
}

/// Implements DescribeTrails only.
struct Trails;

impl CloudTrail for Trails {
    type Context = Account;

    async fn describe_trails(
        &self,
        _ctx: &Account,
        input: DescribeTrailsRequest,
    ) -> Result<DescribeTrailsResponse, ApiError> {
        let names = input.trail_name_list.unwrap_or_default();
        let trail_list = names.into_iter().map(|n| Trail {
            name: Some(n),
            ..Default::default()
        });
        Ok(DescribeTrailsResponse {
            trail_list: Some(trail_list.collect()),
        })
    }
}

#[test]
fn cloudtrail_dispatch_keeps_model_member_names() {
    let op = cloudtrail::Operation::from_target(
        "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails",
    )
    .unwrap();
    let observer = Account::new("123456789012");
    let d = block_on(cloudtrail::dispatch(
        &Trails,
        &observer,
        op,
        br#"{"trailNameList":["main"]}"#,
    ));
    assert_eq!(
        observer.seen.lock().unwrap().clone(),
        Some(json!({"trailNameList": ["main"]}))
    );
    let out = ok(d);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.body).unwrap(),
        json!({"trailList": [{"Name": "main"}]})
    );
    assert_eq!(
        out.response_elements,
        Some(json!({"trailList": [{"name": "main"}]}))
    );
}

#[test]
fn observer_sees_parameters_before_the_handler_even_when_validation_fails() {
    let ctx = Account::new("123456789012");
    let op = a4b::Operation::CreateRoom;
    let d = block_on(a4b::dispatch(
        &Rooms,
        &ctx,
        op,
        br#"{"RoomName":"x","Description":""}"#,
    ));
    assert_eq!(err(&d).code(), "ValidationException");
    let seen = ctx
        .seen
        .lock()
        .unwrap()
        .clone()
        .expect("parameters observed");
    assert_eq!(seen["roomName"], "x");
}
