//! The named workloads: what each sends, and the set-up each needs first (a profile and rooms to
//! read, a skill group to associate, a bucket for trails, lookup values that exist).
//!
//! Bodies vary per request (unique room names, rotating ARNs) so writes are real writes. Every
//! workload works against any endpoint that speaks the operation (ours or a peer's); set-up that
//! fails is reported, not hidden. Knows nothing about how requests are sent or measured.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::{Context as _, anyhow, bail};
use http::Method;
use serde_json::{Value, json};

use crate::client::{Auth, Call, Connection, error_code};
use crate::runner::{Bound, CallFn, PhaseOptions, run_phase};

/// botocore's form of CloudTrail's target prefix (MiniStack and moto accept it too).
const CLOUDTRAIL_PREFIX: &str = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101";

/// One of the eight Event history lookup attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LookupAttr {
    EventId,
    EventName,
    ReadOnly,
    Username,
    ResourceType,
    ResourceName,
    EventSource,
    AccessKeyId,
}

impl LookupAttr {
    /// All eight, in CloudTrail's documented order.
    pub const ALL: [LookupAttr; 8] = [
        Self::EventId,
        Self::EventName,
        Self::ReadOnly,
        Self::Username,
        Self::ResourceType,
        Self::ResourceName,
        Self::EventSource,
        Self::AccessKeyId,
    ];

    /// The `AttributeKey`, e.g. `EventName`.
    pub fn key(self) -> &'static str {
        match self {
            Self::EventId => "EventId",
            Self::EventName => "EventName",
            Self::ReadOnly => "ReadOnly",
            Self::Username => "Username",
            Self::ResourceType => "ResourceType",
            Self::ResourceName => "ResourceName",
            Self::EventSource => "EventSource",
            Self::AccessKeyId => "AccessKeyId",
        }
    }

    /// The workload-name suffix, e.g. `event-name`.
    pub fn slug(self) -> &'static str {
        match self {
            Self::EventId => "event-id",
            Self::EventName => "event-name",
            Self::ReadOnly => "read-only",
            Self::Username => "username",
            Self::ResourceType => "resource-type",
            Self::ResourceName => "resource-name",
            Self::EventSource => "event-source",
            Self::AccessKeyId => "access-key-id",
        }
    }

    /// Parses an `AttributeKey` (any case).
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.key().eq_ignore_ascii_case(key))
    }
}

/// A named workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Audited writes: `CreateRoom` with a unique name each time.
    A4bCreateRoom,
    /// Audited writes: `UpdateRoom` over a set of rooms.
    A4bUpdateRoom,
    /// Audited writes: `DeleteRoom`, each room once (count-bounded runs only).
    A4bDeleteRoom,
    /// Audited writes: `AssociateSkillGroupWithRoom` over a set of rooms.
    A4bAssociateSkillGroup,
    /// Reads: `GetRoom` over a set of rooms.
    A4bGetRoom,
    /// Reads: `SearchRooms`, first page of 10.
    A4bSearchRooms,
    /// STS `GetCallerIdentity` (AWS Query).
    StsGetCallerIdentity,
    /// CloudTrail `DescribeTrails`.
    CloudTrailDescribeTrails,
    /// CloudTrail `LookupEvents`, newest 50, optionally filtered on one attribute.
    CloudTrailLookupEvents(Option<LookupAttr>),
    /// CloudTrail `CreateTrail` then `DeleteTrail` of the same trail, alternating per connection.
    CloudTrailCreateDeleteTrail,
}

impl Workload {
    /// Every workload, in the order a full run goes through them.
    pub fn all() -> Vec<Workload> {
        let mut all = vec![
            Self::A4bCreateRoom,
            Self::A4bUpdateRoom,
            Self::A4bAssociateSkillGroup,
            Self::A4bDeleteRoom,
            Self::A4bGetRoom,
            Self::A4bSearchRooms,
            Self::StsGetCallerIdentity,
            Self::CloudTrailDescribeTrails,
            Self::CloudTrailCreateDeleteTrail,
            Self::CloudTrailLookupEvents(None),
        ];
        all.extend(LookupAttr::ALL.map(|a| Self::CloudTrailLookupEvents(Some(a))));
        all
    }

    /// The name used on the command line and in reports.
    pub fn name(self) -> String {
        match self {
            Self::A4bCreateRoom => "a4b-create-room".into(),
            Self::A4bUpdateRoom => "a4b-update-room".into(),
            Self::A4bDeleteRoom => "a4b-delete-room".into(),
            Self::A4bAssociateSkillGroup => "a4b-associate-skill-group".into(),
            Self::A4bGetRoom => "a4b-get-room".into(),
            Self::A4bSearchRooms => "a4b-search-rooms".into(),
            Self::StsGetCallerIdentity => "sts-get-caller-identity".into(),
            Self::CloudTrailDescribeTrails => "cloudtrail-describe-trails".into(),
            Self::CloudTrailLookupEvents(None) => "cloudtrail-lookup-events".into(),
            Self::CloudTrailLookupEvents(Some(a)) => {
                format!("cloudtrail-lookup-events-{}", a.slug())
            }
            Self::CloudTrailCreateDeleteTrail => "cloudtrail-create-delete-trail".into(),
        }
    }

    /// Parses a name; `cloudtrail-lookup-events-all` and `all` expand to several.
    pub fn parse_list(name: &str) -> anyhow::Result<Vec<Workload>> {
        match name {
            "all" => return Ok(Self::all()),
            "cloudtrail-lookup-events-all" => {
                return Ok(LookupAttr::ALL
                    .map(|a| Self::CloudTrailLookupEvents(Some(a)))
                    .to_vec());
            }
            _ => {}
        }
        Self::all()
            .into_iter()
            .find(|w| w.name() == name)
            .map(|w| vec![w])
            .ok_or_else(|| {
                let known: Vec<String> = Self::all().into_iter().map(Self::name).collect();
                anyhow!(
                    "unknown workload {name:?}; known: {}, cloudtrail-lookup-events-all, all",
                    known.join(", ")
                )
            })
    }

    /// Whether each call writes (and so is an audited write on our server).
    pub fn writes(self) -> bool {
        matches!(
            self,
            Self::A4bCreateRoom
                | Self::A4bUpdateRoom
                | Self::A4bDeleteRoom
                | Self::A4bAssociateSkillGroup
                | Self::CloudTrailCreateDeleteTrail
        )
    }
}

/// What set-up needs to know.
#[derive(Debug, Clone)]
pub struct SetupOptions {
    /// `ip:port`.
    pub host: String,
    /// Credentials and region.
    pub auth: Auth,
    /// Connections the measured phase will use (set-up uses as many).
    pub connections: usize,
    /// The measured phase's bound.
    pub bound: Bound,
    /// Rooms to create for workloads that read or update rooms.
    pub rooms: usize,
    /// Unique per run, so names never collide with an earlier run against the same server.
    pub run_id: String,
    /// Lookup values given on the command line, by attribute.
    pub lookup_values: HashMap<LookupAttr, String>,
    /// Bucket for trails; created at set-up when not given.
    pub bucket: Option<String>,
}

/// A workload ready to run.
pub struct Prepared {
    /// Makes each measured call.
    pub make: CallFn,
    /// Facts to keep in the report (lookup attribute and value, rooms in the account, ...).
    pub notes: BTreeMap<String, String>,
}

/// Does the workload's set-up and returns the call maker.
pub async fn prepare(workload: Workload, opts: &SetupOptions) -> anyhow::Result<Prepared> {
    let run = opts.run_id.clone();
    let mut notes = BTreeMap::new();
    let make: CallFn = match workload {
        Workload::A4bCreateRoom => {
            let profile = create_profile(opts).await?;
            Arc::new(move |slot| create_room_call(&run, slot.index, &profile))
        }
        Workload::A4bUpdateRoom => {
            let rooms = Arc::new(create_rooms(opts, opts.rooms).await?);
            notes.insert("rooms".into(), rooms.len().to_string());
            Arc::new(move |slot| {
                let room = &rooms[slot.index as usize % rooms.len()];
                let body =
                    json!({"RoomArn": room, "Description": format!("updated {}", slot.index)});
                a4b("UpdateRoom", &body)
            })
        }
        Workload::A4bDeleteRoom => {
            let Bound::Count(count) = opts.bound else {
                bail!("a4b-delete-room deletes each room once: give --count, not --duration");
            };
            let rooms = Arc::new(create_rooms(opts, count as usize).await?);
            Arc::new(move |slot| {
                let room = &rooms[slot.index as usize % rooms.len()];
                a4b("DeleteRoom", &json!({"RoomArn": room}))
            })
        }
        Workload::A4bAssociateSkillGroup => {
            let rooms = Arc::new(create_rooms(opts, opts.rooms).await?);
            let group = create_skill_group(opts).await?;
            notes.insert("rooms".into(), rooms.len().to_string());
            Arc::new(move |slot| {
                let room = &rooms[slot.index as usize % rooms.len()];
                let body = json!({"SkillGroupArn": group, "RoomArn": room});
                a4b("AssociateSkillGroupWithRoom", &body)
            })
        }
        Workload::A4bGetRoom => {
            let rooms = Arc::new(create_rooms(opts, opts.rooms).await?);
            notes.insert("rooms".into(), rooms.len().to_string());
            Arc::new(move |slot| {
                let room = &rooms[slot.index as usize % rooms.len()];
                a4b("GetRoom", &json!({"RoomArn": room}))
            })
        }
        Workload::A4bSearchRooms => {
            create_rooms(opts, opts.rooms).await?;
            notes.insert("rooms in account".into(), count_rooms(opts).await?);
            Arc::new(|_| a4b("SearchRooms", &json!({"MaxResults": 10})))
        }
        Workload::StsGetCallerIdentity => Arc::new(|_| {
            Call::query(
                "sts",
                &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
            )
        }),
        Workload::CloudTrailDescribeTrails => {
            Arc::new(|_| cloudtrail("DescribeTrails", &json!({})))
        }
        Workload::CloudTrailLookupEvents(attr) => {
            let filter = match attr {
                Some(attr) => {
                    let value = lookup_value(opts, attr).await?;
                    notes.insert("attribute".into(), attr.key().into());
                    notes.insert("value".into(), value.clone());
                    json!([{"AttributeKey": attr.key(), "AttributeValue": value}])
                }
                None => json!([]),
            };
            let body = json!({"LookupAttributes": filter, "MaxResults": 50});
            Arc::new(move |_| cloudtrail("LookupEvents", &body))
        }
        Workload::CloudTrailCreateDeleteTrail => {
            let bucket = match &opts.bucket {
                Some(bucket) => bucket.clone(),
                None => create_bucket(opts, &format!("trailroom-bench-{run}")).await?,
            };
            notes.insert("bucket".into(), bucket.clone());
            Arc::new(move |slot| {
                let name = format!("bench-{run}-{}-{}", slot.worker, slot.local / 2);
                if slot.local % 2 == 0 {
                    cloudtrail(
                        "CreateTrail",
                        &json!({"Name": name, "S3BucketName": bucket}),
                    )
                } else {
                    cloudtrail("DeleteTrail", &json!({"Name": name}))
                }
            })
        }
    };
    Ok(Prepared { make, notes })
}

/// An A4B JSON 1.1 call.
pub fn a4b(operation: &str, body: &Value) -> Call {
    Call::json("a4b", format!("AlexaForBusiness.{operation}"), body)
}

/// A CloudTrail JSON 1.1 call, with botocore's target form.
pub fn cloudtrail(operation: &str, body: &Value) -> Call {
    Call::json(
        "cloudtrail",
        format!("{CLOUDTRAIL_PREFIX}.{operation}"),
        body,
    )
}

fn create_room_call(run: &str, index: u64, profile: &str) -> Call {
    let body = json!({
        "RoomName": format!("bench-{run}-{index}"),
        "Description": format!("Meeting room {index}, floor {}", index % 40),
        "ProfileArn": profile,
    });
    a4b("CreateRoom", &body)
}

/// Sends one set-up call and returns its JSON answer; a non-2xx answer is an error.
async fn setup_call(opts: &SetupOptions, call: &Call) -> anyhow::Result<Value> {
    let mut conn = Connection::new(&opts.host, opts.auth.clone())?;
    let answer = conn.send(call).await?;
    if !(200..300).contains(&answer.status) {
        let target = call.target.as_deref().unwrap_or(&call.path);
        bail!("set-up call {target} failed: {}", error_code(&answer));
    }
    Ok(serde_json::from_slice(&answer.body).unwrap_or(Value::Null))
}

/// A string field of a set-up answer.
fn field(answer: &Value, name: &str) -> anyhow::Result<String> {
    answer
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("set-up answer has no {name}"))
}

async fn create_profile(opts: &SetupOptions) -> anyhow::Result<String> {
    let body = json!({
        "ProfileName": format!("bench-{}", opts.run_id),
        "Timezone": "UTC",
        "Address": "1 Main St, Springfield",
        "DistanceUnit": "METRIC",
        "TemperatureUnit": "CELSIUS",
        "WakeWord": "ALEXA",
    });
    field(
        &setup_call(opts, &a4b("CreateProfile", &body)).await?,
        "ProfileArn",
    )
}

async fn create_skill_group(opts: &SetupOptions) -> anyhow::Result<String> {
    let body = json!({"SkillGroupName": format!("bench-{}", opts.run_id)});
    let answer = setup_call(opts, &a4b("CreateSkillGroup", &body)).await?;
    field(&answer, "SkillGroupArn")
}

/// Creates `count` rooms (under a new profile) over the phase's connections; returns their ARNs.
async fn create_rooms(opts: &SetupOptions, count: usize) -> anyhow::Result<Vec<String>> {
    let profile = create_profile(opts).await?;
    let run = format!("{}-setup", opts.run_id);
    let phase = PhaseOptions {
        host: opts.host.clone(),
        auth: opts.auth.clone(),
        connections: opts.connections,
        bound: Bound::Count(count.max(1) as u64),
        collect_bodies: true,
        progress: Some("set-up: creating rooms".into()),
    };
    let make: CallFn = Arc::new(move |slot| create_room_call(&run, slot.index, &profile));
    let result = run_phase(&phase, make).await;
    let rooms: Vec<String> = result
        .bodies
        .iter()
        .filter_map(|b| serde_json::from_slice::<Value>(b).ok())
        .filter_map(|v| field(&v, "RoomArn").ok())
        .collect();
    if rooms.len() as u64 != result.requests {
        bail!(
            "set-up created {} of {} rooms (errors: {:?}, transport: {:?})",
            rooms.len(),
            result.requests,
            result.errors,
            result.first_transport_error
        );
    }
    Ok(rooms)
}

/// Pages of SearchRooms counted at most: each page may cost as much as the search itself.
const MAX_COUNTED_PAGES: usize = 20;

/// Rooms in the account, paging through SearchRooms (`"more than N"` past a few pages).
async fn count_rooms(opts: &SetupOptions) -> anyhow::Result<String> {
    let mut total = 0;
    let mut token: Option<String> = None;
    for _ in 0..MAX_COUNTED_PAGES {
        let mut body = json!({"MaxResults": 50});
        if let Some(token) = &token {
            body["NextToken"] = json!(token);
        }
        let answer = setup_call(opts, &a4b("SearchRooms", &body)).await?;
        total += answer["Rooms"].as_array().map_or(0, Vec::len) as u64;
        token = answer["NextToken"].as_str().map(str::to_owned);
        if token.is_none() {
            return Ok(total.to_string());
        }
    }
    Ok(format!("more than {total}"))
}

/// The calls that create bucket `name` (path style) with the policy CloudTrail needs to deliver to
/// it.
pub fn trail_bucket_calls(name: &str) -> [Call; 2] {
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": format!("arn:aws:s3:::{name}")},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{name}/AWSLogs/*")}]});
    [
        Call::s3(Method::PUT, format!("/{name}"), bytes::Bytes::new()),
        Call::s3(
            Method::PUT,
            format!("/{name}?policy"),
            bytes::Bytes::from(policy.to_string()),
        ),
    ]
}

/// Creates an S3 bucket for trails to name, with the policy CloudTrail needs.
async fn create_bucket(opts: &SetupOptions, name: &str) -> anyhow::Result<String> {
    for call in trail_bucket_calls(name) {
        setup_call(opts, &call).await.with_context(|| {
            format!("cannot create bucket {name} (give --bucket to use an existing one)")
        })?;
    }
    Ok(name.to_owned())
}

/// The value to look up: given on the command line, found in the newest events, or a default.
async fn lookup_value(opts: &SetupOptions, attr: LookupAttr) -> anyhow::Result<String> {
    if let Some(value) = opts.lookup_values.get(&attr) {
        return Ok(value.clone());
    }
    Ok(match attr {
        LookupAttr::EventName => "CreateRoom".into(),
        LookupAttr::EventSource => "a4b.amazonaws.com".into(),
        LookupAttr::ReadOnly => "true".into(),
        LookupAttr::ResourceType => "AWS::A4B::Room".into(),
        LookupAttr::Username => "root".into(),
        LookupAttr::AccessKeyId => opts.auth.access_key_id.clone(),
        LookupAttr::EventId | LookupAttr::ResourceName => discover(opts, attr).await?,
    })
}

/// An event id or resource name taken from recent events: the newest writes first (they name
/// resources; the bench's own lookups, which pile up on top, do not), then the newest of all.
async fn discover(opts: &SetupOptions, attr: LookupAttr) -> anyhow::Result<String> {
    let writes = json!([{"AttributeKey": "ReadOnly", "AttributeValue": "false"}]);
    for filter in [writes, json!([])] {
        let body = json!({"LookupAttributes": filter, "MaxResults": 50});
        let Ok(answer) = setup_call(opts, &cloudtrail("LookupEvents", &body)).await else {
            continue;
        };
        let events = answer["Events"].as_array().cloned().unwrap_or_default();
        let found = events.iter().find_map(|event| match attr {
            LookupAttr::EventId => event["EventId"].as_str().map(str::to_owned),
            _ => event["Resources"]
                .as_array()
                .and_then(|r| r.first())
                .and_then(|r| r["ResourceName"].as_str())
                .map(str::to_owned),
        });
        if let Some(found) = found {
            return Ok(found);
        }
    }
    bail!(
        "no {} in the newest events: give --lookup-value {}=VALUE",
        attr.key(),
        attr.key()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Slot;

    #[test]
    fn every_workload_name_parses_back() {
        for w in Workload::all() {
            assert_eq!(Workload::parse_list(&w.name()).unwrap(), vec![w]);
        }
        assert_eq!(
            Workload::parse_list("cloudtrail-lookup-events-all")
                .unwrap()
                .len(),
            8
        );
        assert!(Workload::parse_list("no-such-thing").is_err());
    }

    #[test]
    fn lookup_attributes_parse_in_any_case() {
        assert_eq!(
            LookupAttr::from_key("eventname"),
            Some(LookupAttr::EventName)
        );
        assert_eq!(LookupAttr::from_key("Nope"), None);
    }

    #[test]
    fn create_room_bodies_differ_per_request() {
        let a = create_room_call("r1", 1, "arn:p");
        let b = create_room_call("r1", 2, "arn:p");
        assert_ne!(a.body, b.body);
        assert_eq!(a.target.as_deref(), Some("AlexaForBusiness.CreateRoom"));
        let body: Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(body["RoomName"], "bench-r1-1");
    }

    #[tokio::test]
    async fn trail_calls_alternate_create_and_delete_per_connection() {
        let opts = SetupOptions {
            host: "127.0.0.1:9".into(),
            auth: Auth {
                access_key_id: "AK".into(),
                secret_access_key: "SK".into(),
                session_token: None,
                region: "us-east-1".into(),
            },
            connections: 1,
            bound: Bound::Count(4),
            rooms: 1,
            run_id: "r".into(),
            lookup_values: HashMap::new(),
            bucket: Some("b".into()),
        };
        let prepared = prepare(Workload::CloudTrailCreateDeleteTrail, &opts)
            .await
            .unwrap();
        let slot = |local| Slot {
            index: 0,
            worker: 3,
            local,
        };
        let (create, delete) = ((prepared.make)(&slot(0)), (prepared.make)(&slot(1)));
        assert!(create.target.unwrap().ends_with(".CreateTrail"));
        assert!(delete.target.unwrap().ends_with(".DeleteTrail"));
        let name = |c: &Call| serde_json::from_slice::<Value>(&c.body).unwrap()["Name"].clone();
        assert_eq!(name(&(prepared.make)(&slot(2))), json!("bench-r-3-1"));
    }
}
