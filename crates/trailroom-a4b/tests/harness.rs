//! A4B in process: the handlers through the generated `AlexaForBusiness` trait on a real SQLite
//! store with a manual clock, each call with a `CallContext` as the server builds one, and the
//! events read back from the store. The scenarios cross families (rooms, profiles, devices, skill
//! groups), which meet only through the crate's `records` layer.

use std::future::Future;
use std::sync::Arc;

use serde_json::{Value, json};
use trailroom_a4b::A4bService;
use trailroom_a4b::admin::{self, AdminCtx};
use trailroom_audit::{CallContext, CallInfo, ManualClock};
use trailroom_identity::{Caller, Principal};
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::{EventRow, Store};
use trailroom_store_sqlite::SqliteStore;

const ACCOUNT: &str = "123456789012";
const START: i64 = 1_700_000_000_000;

struct Harness {
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    svc: A4bService,
    _dir: tempfile::TempDir,
}

impl Harness {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = SqliteStore::open(&dir.path().join("t.db")).unwrap();
        Self {
            store,
            clock: Arc::new(ManualClock::new(START)),
            svc: A4bService::default(),
            _dir: dir,
        }
    }

    fn ctx(&self, op: Operation) -> CallContext {
        let info = CallInfo {
            caller: Caller {
                principal: Principal::Root {
                    account_id: ACCOUNT.into(),
                },
                access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
                session: None,
                invoked_by: None,
            },
            region: trailroom_a4b::REGION.into(),
            request_id: format!("req-{}", op.name()),
            source_ip: "127.0.0.1".into(),
            user_agent: "harness".into(),
            event_source: "a4b.amazonaws.com".into(),
            event_name: op.name().into(),
            read_only: op.read_only(),
            log_response: !op.read_only(),
            tls_details: None,
            named_resources: Some(trailroom_a4b::resources::named_resources),
        };
        self.clock.advance(1);
        CallContext::new(info, self.store.clone(), self.clock.clone(), true)
    }

    /// Runs one call as the server does: the handler, then the event of a call that wrote none.
    async fn call<O, F>(
        &self,
        op: Operation,
        handler: impl FnOnce(CallContext) -> F,
    ) -> Result<O, ApiError>
    where
        F: Future<Output = Result<O, ApiError>>,
    {
        let ctx = self.ctx(op);
        let result = handler(ctx.clone()).await;
        ctx.finish(result.as_ref().map(|_| json!({})))
            .await
            .unwrap();
        result
    }

    async fn admin(&self, action: &str, args: Value) -> Value {
        let ctx = AdminCtx {
            account: ACCOUNT.into(),
            region: trailroom_a4b::REGION.into(),
            now_ms: self.clock.now_ms(),
        };
        admin::run(self.store.clone(), ctx, action, args)
            .await
            .unwrap()
    }

    fn events(&self) -> Vec<EventRow> {
        trailroom_store::read(self.store.as_ref(), |txn| {
            txn.events_after(ACCOUNT, None, 0, 1_000)
        })
        .unwrap()
        .unwrap()
    }

    async fn profile(&self) -> String {
        let input = CreateProfileRequest {
            profile_name: Some("HQ".into()),
            timezone: Some("UTC".into()),
            address: Some("1 Main St".into()),
            distance_unit: Some("METRIC".into()),
            temperature_unit: Some("CELSIUS".into()),
            wake_word: Some("ALEXA".into()),
            ..Default::default()
        };
        let out = self
            .call(Operation::CreateProfile, |ctx| async move {
                self.svc.create_profile(&ctx, input).await
            })
            .await
            .unwrap();
        out.profile_arn.unwrap()
    }

    async fn room(
        &self,
        name: &str,
        profile: &str,
        token: Option<&str>,
    ) -> Result<String, ApiError> {
        let input = CreateRoomRequest {
            room_name: Some(name.into()),
            profile_arn: Some(profile.into()),
            client_request_token: token.map(str::to_owned),
            ..Default::default()
        };
        let out = self
            .call(Operation::CreateRoom, |ctx| async move {
                self.svc.create_room(&ctx, input).await
            })
            .await?;
        Ok(out.room_arn.unwrap())
    }
}

use trailroom_audit::Clock as _;

#[tokio::test]
async fn deleting_a_room_detaches_its_devices_and_its_skill_groups() {
    let h = Harness::new();
    let svc = &h.svc;
    let profile = h.profile().await;
    let room = h.room("Lobby", &profile, None).await.unwrap();
    let group = h
        .call(Operation::CreateSkillGroup, |ctx| async move {
            let input = CreateSkillGroupRequest {
                skill_group_name: Some("Ops".into()),
                ..Default::default()
            };
            svc.create_skill_group(&ctx, input).await
        })
        .await
        .unwrap()
        .skill_group_arn
        .unwrap();
    let (room_in, group_in) = (room.clone(), group.clone());
    h.call(Operation::AssociateSkillGroupWithRoom, |ctx| async move {
        let input = AssociateSkillGroupWithRoomRequest {
            skill_group_arn: Some(group_in),
            room_arn: Some(room_in),
        };
        svc.associate_skill_group_with_room(&ctx, input).await
    })
    .await
    .unwrap();
    let device = h
        .admin(
            "import-device",
            json!({"DeviceName": "lobby-echo", "DeviceSerialNumber": "G090LF0964510", "DeviceType": "A3S5BH2HU6VAYF", "RoomArn": room}),
        )
        .await["DeviceArn"]
        .as_str()
        .unwrap()
        .to_owned();

    let room_in = room.clone();
    h.call(Operation::DeleteRoom, |ctx| async move {
        let input = DeleteRoomRequest {
            room_arn: Some(room_in),
        };
        svc.delete_room(&ctx, input).await
    })
    .await
    .unwrap();

    // The device stays registered, without a room (a4b.md §2.3).
    let device_in = device.clone();
    let got = h
        .call(Operation::GetDevice, |ctx| async move {
            let input = GetDeviceRequest {
                device_arn: Some(device_in),
            };
            svc.get_device(&ctx, input).await
        })
        .await
        .unwrap()
        .device
        .unwrap();
    assert_eq!(
        (got.device_arn.as_deref(), got.room_arn),
        (Some(device.as_str()), None)
    );
    // The room is gone, and with it the group's association.
    let room_in = room.clone();
    let err = h
        .call(Operation::GetRoom, |ctx| async move {
            svc.get_room(
                &ctx,
                GetRoomRequest {
                    room_arn: Some(room_in),
                },
            )
            .await
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "NotFoundException");
    // One event per call, in call order, the failed GetRoom among them.
    let names: Vec<_> = h.events().into_iter().map(|e| e.event_name).collect();
    assert_eq!(
        names,
        [
            "CreateProfile",
            "CreateRoom",
            "CreateSkillGroup",
            "AssociateSkillGroupWithRoom",
            "DeleteRoom",
            "GetDevice",
            "GetRoom"
        ]
    );
    let create = &h.events()[1];
    let kinds: Vec<_> = create
        .resources
        .iter()
        .map(|(kind, _)| kind.as_str())
        .collect();
    assert_eq!(kinds, ["AWS::A4B::Profile", "AWS::A4B::Room"]);
}

#[tokio::test]
async fn a_client_request_token_creates_once_and_replays_the_answer() {
    let h = Harness::new();
    let svc = &h.svc;
    let profile = h.profile().await;
    let first = h
        .room("Board", &profile, Some("token-0123456789"))
        .await
        .unwrap();
    let again = h
        .room("Board", &profile, Some("token-0123456789"))
        .await
        .unwrap();
    assert_eq!(
        first, again,
        "the same token and parameters replay the first answer"
    );
    let other = h
        .room("Other", &profile, Some("token-0123456789"))
        .await
        .unwrap_err();
    assert_eq!(other.code(), "AlreadyExistsException");
    let rooms = h
        .call(Operation::SearchRooms, |ctx| async move {
            svc.search_rooms(&ctx, SearchRoomsRequest::default()).await
        })
        .await
        .unwrap()
        .rooms
        .unwrap();
    assert_eq!(rooms.len(), 1, "one room however often the token came");
    // Every attempt is an event of its own, the refused one with its error.
    let events = h.events();
    let creates: Vec<_> = events
        .iter()
        .filter(|e| e.event_name == "CreateRoom")
        .collect();
    assert_eq!(creates.len(), 3);
    let record: Value = serde_json::from_str(&creates[2].record_json).unwrap();
    assert_eq!(record["errorCode"], "AlreadyExistsException");
}
