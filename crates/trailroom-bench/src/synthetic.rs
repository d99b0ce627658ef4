//! Realistic synthetic CloudTrail events for the bulk loader: a seeded mix of A4B, STS, IAM and
//! CloudTrail calls by root, IAM users and role sessions, over pools of rooms, devices, profiles
//! and skill groups, with a few failures, in time order over a span of days.
//!
//! Records are built with the audit crate's own [`Record`] and [`user_identity`], so they have the
//! fields, order and size of what the server writes. Knows nothing about storage.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use trailroom_audit::record::{Record, RecordResource, format_event_time};
use trailroom_audit::{EVENT_VERSION, user_identity};
use trailroom_identity::{Caller, Principal, SessionInfo};
use trailroom_store::EventRow;

/// The account the server creates by default (and its root key), which the loader fills.
pub const ACCOUNT: &str = "123456789012";
/// The default account's root access key id.
pub const ROOT_KEY: &str = "AKIAIOSFODNN7EXAMPLE";

/// What a pool holds: the resource type's CloudTrail name and its ARN segment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pool {
    Room,
    Device,
    Profile,
    SkillGroup,
    User,
}

impl Pool {
    fn cloudtrail_type(self) -> &'static str {
        match self {
            Self::Room => "AWS::A4B::Room",
            Self::Device => "AWS::A4B::Device",
            Self::Profile => "AWS::A4B::Profile",
            Self::SkillGroup => "AWS::A4B::SkillGroup",
            Self::User => "AWS::A4B::User",
        }
    }

    fn segment(self) -> &'static str {
        match self {
            Self::Room => "room",
            Self::Device => "device",
            Self::Profile => "profile",
            Self::SkillGroup => "skill-group",
            Self::User => "user",
        }
    }

    /// Pool size per million events: about 500 events per room over a large load.
    fn size(self, events: u64) -> usize {
        let per_million = match self {
            Self::Room => 2_000,
            Self::Device => 2_000,
            Self::Profile => 50,
            Self::SkillGroup => 100,
            Self::User => 1_000,
        };
        ((events as f64 / 1e6 * per_million as f64) as usize).max(10)
    }
}

/// One operation of the mix: who serves it, whether it reads, what it names, how often.
struct Op {
    source: &'static str,
    name: &'static str,
    read_only: bool,
    resources: &'static [Pool],
    weight: u32,
}

const fn op(
    source: &'static str,
    name: &'static str,
    read_only: bool,
    resources: &'static [Pool],
    weight: u32,
) -> Op {
    Op {
        source,
        name,
        read_only,
        resources,
        weight,
    }
}

const A4B: &str = "a4b.amazonaws.com";

/// The mix, weighted like a fleet's day: mostly reads, a steady trickle of changes.
const OPS: &[Op] = &[
    op(A4B, "GetRoom", true, &[Pool::Room], 120),
    op(A4B, "SearchRooms", true, &[], 100),
    op(A4B, "SearchDevices", true, &[], 80),
    op(A4B, "GetDevice", true, &[Pool::Device], 60),
    op(A4B, "GetProfile", true, &[Pool::Profile], 40),
    op(A4B, "ListSkills", true, &[], 40),
    op(A4B, "SearchUsers", true, &[], 30),
    op(A4B, "GetSkillGroup", true, &[Pool::SkillGroup], 20),
    op(A4B, "CreateRoom", false, &[Pool::Profile, Pool::Room], 50),
    op(A4B, "UpdateRoom", false, &[Pool::Room], 40),
    op(A4B, "DeleteRoom", false, &[Pool::Room], 10),
    op(
        A4B,
        "AssociateDeviceWithRoom",
        false,
        &[Pool::Device, Pool::Room],
        30,
    ),
    op(
        A4B,
        "AssociateSkillGroupWithRoom",
        false,
        &[Pool::SkillGroup, Pool::Room],
        30,
    ),
    op(A4B, "UpdateProfile", false, &[Pool::Profile], 10),
    op(A4B, "StartDeviceSync", false, &[Pool::Device], 20),
    op(A4B, "CreateUser", false, &[Pool::User], 10),
    op("sts.amazonaws.com", "GetCallerIdentity", true, &[], 80),
    op("sts.amazonaws.com", "AssumeRole", true, &[], 10),
    op("cloudtrail.amazonaws.com", "LookupEvents", true, &[], 50),
    op("iam.amazonaws.com", "ListUsers", true, &[], 15),
    op("iam.amazonaws.com", "CreateAccessKey", false, &[], 5),
];

/// A caller with its `userIdentity` rendered once.
struct Actor {
    caller: Caller,
    identity: Value,
    user_agent: &'static str,
}

const AGENTS: &[&str] = &[
    "Boto3/1.34.110 md/Botocore#1.34.110 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.110",
    "aws-cli/1.32.110 md/Botocore#1.34.110 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython cfg/retry-mode#legacy botocore/1.34.110",
    "aws-sdk-rust/1.3.9 os/linux lang/rust/1.95.0",
];

const FIRST_NAMES: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yvonne",
];

/// Makes events in time order; the same seed gives the same events.
pub struct EventFactory {
    rng: StdRng,
    actors: Vec<Actor>,
    pools: Vec<(Pool, Vec<String>)>,
    cumulative: Vec<u32>,
    start_ms: i64,
    step_ms: f64,
}

impl EventFactory {
    /// A factory for `events` events ending at `end_ms` and spread over `span_days`.
    pub fn new(seed: u64, events: u64, end_ms: i64, span_days: u32) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let actors = actors(&mut rng, end_ms);
        let pools = [
            Pool::Room,
            Pool::Device,
            Pool::Profile,
            Pool::SkillGroup,
            Pool::User,
        ]
        .into_iter()
        .map(|p| (p, arns(&mut rng, p, p.size(events))))
        .collect();
        let mut total = 0;
        let cumulative = OPS
            .iter()
            .map(|o| {
                total += o.weight;
                total
            })
            .collect();
        let span_ms = i64::from(span_days) * 86_400_000;
        Self {
            rng,
            actors,
            pools,
            cumulative,
            start_ms: end_ms - span_ms,
            step_ms: span_ms as f64 / events.max(1) as f64,
        }
    }

    /// The `index`-th event (call in increasing order: times follow the index).
    pub fn event(&mut self, index: u64) -> EventRow {
        let time_ms = self.start_ms + (index as f64 * self.step_ms) as i64;
        let op = self.pick_op();
        let actor_index = self.pick_actor();
        let resources: Vec<(String, String)> = op
            .resources
            .iter()
            .map(|p| (p.cloudtrail_type().to_owned(), self.pick(*p)))
            .collect();
        let failed = self.rng.random_range(0..100) < 3;
        let record = self.record(op, actor_index, time_ms, &resources, failed);
        let actor = &self.actors[actor_index];
        EventRow {
            seq: 0,
            event_id: record.event_id.clone(),
            account_id: ACCOUNT.into(),
            region: record.aws_region.clone(),
            event_time_ms: time_ms,
            event_name: op.name.into(),
            event_source: op.source.into(),
            username: Some(actor.caller.principal.display_name()),
            access_key_id: Some(actor.caller.access_key_id.clone()),
            read_only: op.read_only,
            category: "Management".into(),
            resources,
            record_json: serde_json::to_string(&record).unwrap_or_default(),
        }
    }

    fn record(
        &mut self,
        op: &Op,
        actor: usize,
        time_ms: i64,
        resources: &[(String, String)],
        failed: bool,
    ) -> Record {
        // Most of a fleet lives in one region; Event history queries it.
        let region = if self.rng.random_range(0..100) < 95 {
            "us-east-1"
        } else {
            "us-west-2"
        };
        let request_parameters = request_parameters(op, resources, &mut self.rng);
        let response_elements = match (failed, op.name) {
            (false, "CreateRoom") => json!({"roomArn": resources[1].1}),
            _ => Value::Null,
        };
        let (error_code, error_message) = if failed {
            let code = if op.read_only {
                "NotFoundException"
            } else {
                "AccessDenied"
            };
            (Some(code.to_owned()), Some(format!("{} failed", op.name)))
        } else {
            (None, None)
        };
        let actor = &self.actors[actor];
        Record {
            event_version: EVENT_VERSION,
            user_identity: actor.identity.clone(),
            event_time: format_event_time(time_ms),
            event_source: op.source.into(),
            event_name: op.name.into(),
            aws_region: region.into(),
            source_ip_address: format!(
                "10.{}.{}.{}",
                time_ms % 7,
                actor.caller.access_key_id.len(),
                (time_ms / 13) % 250
            ),
            user_agent: actor.user_agent.into(),
            error_code,
            error_message,
            request_parameters,
            response_elements,
            additional_event_data: None,
            request_id: random_uuid(&mut self.rng),
            event_id: time_ordered_uuid(&mut self.rng, time_ms),
            read_only: op.read_only,
            resources: resources
                .iter()
                .map(|(kind, arn)| RecordResource {
                    arn: arn.clone(),
                    account_id: ACCOUNT.into(),
                    resource_type: kind.clone(),
                })
                .collect(),
            event_type: "AwsApiCall",
            management_event: true,
            recipient_account_id: ACCOUNT.into(),
            event_category: "Management",
            tls_details: None,
        }
    }

    fn pick_op(&mut self) -> &'static Op {
        let total = *self.cumulative.last().expect("the mix is not empty");
        let roll = self.rng.random_range(0..total);
        let at = self.cumulative.partition_point(|c| *c <= roll);
        &OPS[at]
    }

    /// Root 10 %, IAM users 70 %, role sessions 20 %.
    fn pick_actor(&mut self) -> usize {
        let roll = self.rng.random_range(0..100);
        let users = self.actors.len() - 4;
        match roll {
            0..10 => 0,
            10..80 => 1 + self.rng.random_range(0..users),
            _ => 1 + users + self.rng.random_range(0..3),
        }
    }

    fn pick(&mut self, pool: Pool) -> String {
        let arns = &self
            .pools
            .iter()
            .find(|(p, _)| *p == pool)
            .expect("every pool is made")
            .1;
        arns[self.rng.random_range(0..arns.len())].clone()
    }
}

fn request_parameters(op: &Op, resources: &[(String, String)], rng: &mut StdRng) -> Value {
    let arn = |i: usize| resources.get(i).map(|r| r.1.clone()).unwrap_or_default();
    match op.name {
        "GetRoom" | "UpdateRoom" | "DeleteRoom" => {
            let mut p = json!({"roomArn": arn(0)});
            if op.name == "UpdateRoom" {
                p["description"] = json!(format!("Floor {}", rng.random_range(1..40)));
            }
            p
        }
        "CreateRoom" => json!({
            "roomName": format!("Room {}", rng.random_range(1..100_000)),
            "profileArn": arn(0),
            "clientRequestToken": random_uuid(rng),
        }),
        "SearchRooms" | "SearchDevices" | "SearchUsers" => json!({
            "maxResults": 10,
            "sortCriteria": [{"key": "RoomName", "value": "ASC"}],
        }),
        "GetDevice" | "StartDeviceSync" => json!({"deviceArn": arn(0), "features": ["ALL"]}),
        "GetProfile" | "UpdateProfile" => json!({"profileArn": arn(0)}),
        "GetSkillGroup" => json!({"skillGroupArn": arn(0)}),
        "AssociateDeviceWithRoom" => json!({"deviceArn": arn(0), "roomArn": arn(1)}),
        "AssociateSkillGroupWithRoom" => json!({"skillGroupArn": arn(0), "roomArn": arn(1)}),
        "CreateUser" => {
            json!({"userId": format!("user{}@example.com", rng.random_range(1..100_000))})
        }
        "AssumeRole" => {
            json!({"roleArn": format!("arn:aws:iam::{ACCOUNT}:role/A4BAdmin"), "roleSessionName": "ops", "durationSeconds": 3600})
        }
        "LookupEvents" => json!({"maxResults": 50}),
        "ListSkills" => json!({"maxResults": 10}),
        _ => Value::Null,
    }
}

fn actors(rng: &mut StdRng, now_ms: i64) -> Vec<Actor> {
    let agent = |i: usize| AGENTS[i % AGENTS.len()];
    let actor = |caller: Caller, i: usize| Actor {
        identity: user_identity(&caller),
        caller,
        user_agent: agent(i),
    };
    let mut out = vec![actor(
        Caller {
            principal: Principal::Root {
                account_id: ACCOUNT.into(),
            },
            access_key_id: ROOT_KEY.into(),
            session: None,
            invoked_by: None,
        },
        1,
    )];
    for (i, name) in FIRST_NAMES.iter().enumerate() {
        let principal = Principal::IamUser {
            account_id: ACCOUNT.into(),
            user_name: (*name).into(),
            user_id: format!("AIDA{}", upper_id(rng, 17)),
            path: "/".into(),
        };
        let caller = Caller {
            principal,
            access_key_id: format!("AKIA{}", upper_id(rng, 16)),
            session: None,
            invoked_by: None,
        };
        out.push(actor(caller, i));
    }
    for (i, session) in ["ops-automation", "helpdesk", "provisioning"]
        .iter()
        .enumerate()
    {
        let principal = Principal::AssumedRole {
            account_id: ACCOUNT.into(),
            role_name: "A4BAdmin".into(),
            role_id: "AROAEXAMPLEA4BADMIN01".into(),
            path: "/".into(),
            session_name: (*session).into(),
        };
        let caller = Caller {
            principal,
            access_key_id: format!("ASIA{}", upper_id(rng, 16)),
            session: Some(SessionInfo {
                created_ms: now_ms - 3_600_000,
                expires_ms: now_ms + 3_600_000,
                mfa_authenticated: false,
                source_identity: None,
                policies: Vec::new(),
                ..SessionInfo::default()
            }),
            invoked_by: None,
        };
        out.push(actor(caller, i));
    }
    out
}

/// ARNs as the server makes them: an org segment shared by the account, a random id.
fn arns(rng: &mut StdRng, pool: Pool, n: usize) -> Vec<String> {
    let org = "6f1d1a1f0a9d4e7b8c2e5f3a4b6c7d8e";
    (0..n)
        .map(|_| {
            let id: String = (0..32)
                .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
                .collect();
            format!(
                "arn:aws:a4b:us-east-1:{ACCOUNT}:{}/{org}/{id}",
                pool.segment()
            )
        })
        .collect()
}

fn upper_id(rng: &mut StdRng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[rng.random_range(0..32)]))
        .collect()
}

/// An event id as the server mints them (`trailroom_audit::record::new_event_id`): the event's
/// time in the leading bits, seeded random bits after.
fn time_ordered_uuid(rng: &mut StdRng, time_ms: i64) -> String {
    uuid::Builder::from_unix_timestamp_millis(time_ms.max(0) as u64, &rng.random())
        .into_uuid()
        .to_string()
}

fn random_uuid(rng: &mut StdRng) -> String {
    uuid::Builder::from_random_bytes(rng.random())
        .into_uuid()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_realistic_and_in_time_order() {
        let mut factory = EventFactory::new(7, 1000, 1_800_000_000_000, 30);
        let events: Vec<EventRow> = (0..1000).map(|i| factory.event(i)).collect();
        assert!(
            events
                .windows(2)
                .all(|w| w[0].event_time_ms <= w[1].event_time_ms)
        );
        let record: Value = serde_json::from_str(&events[0].record_json).unwrap();
        assert_eq!(record["eventID"], json!(events[0].event_id));
        assert_eq!(record["recipientAccountId"], json!(ACCOUNT));
        let names: std::collections::HashSet<&str> =
            events.iter().map(|e| e.event_name.as_str()).collect();
        assert!(names.len() > 10, "{names:?}");
        assert!(events.iter().any(|e| e.username.as_deref() == Some("root")));
        assert!(events.iter().any(|e| !e.resources.is_empty()));
        let ids: std::collections::HashSet<&str> =
            events.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(ids.len(), 1000);
    }

    #[test]
    fn the_same_seed_gives_the_same_events() {
        let a = EventFactory::new(1, 10, 1_800_000_000_000, 1).event(3);
        let b = EventFactory::new(1, 10, 1_800_000_000_000, 1).event(3);
        assert_eq!(a, b);
    }
}
