//! The delivery invariant, checked against a model: for every trail incarnation, the events in
//! its bucket are exactly those recorded while it was logging that its selectors (as they were
//! when the event was recorded) admit, each once, in files that digests list exactly once and
//! that validate — whatever the interleaving of CreateTrail, UpdateTrail, DeleteTrail,
//! StartLogging, StopLogging, PutEventSelectors, other calls, delivery passes, failing puts,
//! restarts and the clock. Data events and aggregation come in too: a trail's aggregated
//! summaries never count more data events than it delivered, and count each of them once when
//! aggregation was on before its first data event. Two nodes deliver from the one store under leases, and a node may be
//! paused between renewing its lease and writing an object while its lease lapses and the other
//! node takes over (its later writes are then fenced off).
//!
//! The real CloudTrail handlers, the real delivery worker and a real SQLite store (on tmpfs when
//! there is one) run in-process with a manual clock; the bucket is in memory. The model keeps,
//! per trail incarnation, whether it logs and its configuration, and decides for each recorded
//! event whether the incarnation must deliver it.
//!
//! `PROPTEST_CASES` sets the number of sequences (CI runs the default; run more by hand:
//! `PROPTEST_CASES=20000 cargo test -p trailroom-cloudtrail --test delivery_invariant --release`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use proptest::prelude::*;
use serde_json::{Value, json};
use trailroom_audit::{CallContext, CallInfo, Clock, ManualClock};
use trailroom_cloudtrail::CloudTrailService;
use trailroom_cloudtrail::delivery::CloudTrailTrails;
use trailroom_cloudtrail::trails::{self, BucketView, FixedDestinations, TRAIL_KIND, TrailRecord};
use trailroom_delivery::testkit::{MemoryBucket, RsaDigestKey};
use trailroom_delivery::validate;
use trailroom_delivery::{SinkError, Sinks, Target, Worker};
use trailroom_identity::{Caller, Principal};
use trailroom_model::cloudtrail::*;
use trailroom_store::{EventRow, Leases, Store};
use trailroom_store_sqlite::SqliteStore;

const ACCOUNT: &str = "123456789012";
const HOME: &str = "us-east-1";
const BUCKET: &str = "logs";
const START_MS: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const DIGEST_INTERVAL_MS: i64 = 3_600_000;
const TRAIL_NAMES: [&str; 2] = ["alpha", "beta"];
/// Nodes delivering from the one store.
const NODES: usize = 2;
/// How long a node's delivery lease lasts unless renewed.
const LEASE_TTL_MS: i64 = 30_000;
const CALL_REGIONS: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];
const CALL_SOURCES: [&str; 3] = [
    "a4b.amazonaws.com",
    "iam.amazonaws.com",
    "cloudtrail.amazonaws.com",
];

/// One step of a generated sequence.
#[derive(Debug, Clone)]
enum Op {
    Create {
        trail: usize,
        multi_region: bool,
    },
    Delete {
        trail: usize,
    },
    Start {
        trail: usize,
    },
    Stop {
        trail: usize,
    },
    Selectors {
        trail: usize,
        kind: usize,
    },
    MultiRegion {
        trail: usize,
        on: bool,
    },
    Call {
        region: usize,
        source: usize,
        read_only: bool,
    },
    /// An S3 object call (a data event).
    DataCall {
        region: usize,
        put: bool,
    },
    /// PutEventConfiguration: API_ACTIVITY and RESOURCE_ACCESS summaries of data events.
    Aggregate {
        trail: usize,
    },
    /// A delivery pass on one node.
    Deliver {
        node: usize,
    },
    /// The node's `puts`-th next object write is paused after its lease check: the lease
    /// lapses and the other node runs a whole pass before the write goes out.
    Pause {
        node: usize,
        puts: usize,
    },
    Advance {
        ms: i64,
    },
    FailPuts {
        count: usize,
    },
    /// The next puts store their object, then fail: a crash after the write, before the
    /// worker learned of it.
    GhostPuts {
        count: usize,
    },
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    let trail = 0..TRAIL_NAMES.len();
    prop_oneof![
        2 => (trail.clone(), any::<bool>()).prop_map(|(trail, multi_region)| Op::Create { trail, multi_region }),
        1 => trail.clone().prop_map(|trail| Op::Delete { trail }),
        3 => trail.clone().prop_map(|trail| Op::Start { trail }),
        2 => trail.clone().prop_map(|trail| Op::Stop { trail }),
        2 => (trail.clone(), 0..SELECTOR_KINDS).prop_map(|(trail, kind)| Op::Selectors { trail, kind }),
        1 => (trail.clone(), any::<bool>()).prop_map(|(trail, on)| Op::MultiRegion { trail, on }),
        6 => (0..CALL_REGIONS.len(), 0..CALL_SOURCES.len(), any::<bool>())
            .prop_map(|(region, source, read_only)| Op::Call { region, source, read_only }),
        3 => (0..CALL_REGIONS.len(), any::<bool>()).prop_map(|(region, put)| Op::DataCall { region, put }),
        1 => trail.clone().prop_map(|trail| Op::Aggregate { trail }),
        3 => (0..NODES).prop_map(|node| Op::Deliver { node }),
        1 => (0..NODES, 1..4usize).prop_map(|(node, puts)| Op::Pause { node, puts }),
        2 => prop_oneof![0..2_000i64, 0..1_200_000i64, 0..7_200_000i64].prop_map(|ms| Op::Advance { ms }),
        1 => (1..4usize).prop_map(|count| Op::FailPuts { count }),
        1 => (1..4usize).prop_map(|count| Op::GhostPuts { count }),
        1 => Just(Op::Restart),
    ]
}

const SELECTOR_KINDS: usize = 5;

/// The selectors of `kind`: all, read-only, write-only (basic), advanced write-only
/// management events, or management and S3 object data events.
fn selectors(trail: &str, kind: usize) -> PutEventSelectorsRequest {
    let basic = |rw: &str| EventSelector {
        read_write_type: Some(rw.into()),
        include_management_events: Some(true),
        ..Default::default()
    };
    let mut request = PutEventSelectorsRequest {
        trail_name: Some(trail.into()),
        ..Default::default()
    };
    match kind {
        0 => request.event_selectors = Some(vec![basic("All")]),
        1 => request.event_selectors = Some(vec![basic("ReadOnly")]),
        2 => request.event_selectors = Some(vec![basic("WriteOnly")]),
        4 => {
            let field = |name: &str, value: &str| AdvancedFieldSelector {
                field: Some(name.into()),
                equals: Some(vec![value.into()]),
                ..Default::default()
            };
            request.advanced_event_selectors = Some(vec![
                AdvancedEventSelector {
                    name: Some("management".into()),
                    field_selectors: Some(vec![field("eventCategory", "Management")]),
                },
                AdvancedEventSelector {
                    name: Some("objects".into()),
                    field_selectors: Some(vec![
                        field("eventCategory", "Data"),
                        field("resources.type", "AWS::S3::Object"),
                    ]),
                },
            ]);
        }
        _ => {
            let field = |name: &str, value: &str| AdvancedFieldSelector {
                field: Some(name.into()),
                equals: Some(vec![value.into()]),
                ..Default::default()
            };
            request.advanced_event_selectors = Some(vec![AdvancedEventSelector {
                name: Some("writes".into()),
                field_selectors: Some(vec![
                    field("eventCategory", "Management"),
                    field("readOnly", "false"),
                ]),
            }]);
        }
    }
    request
}

/// A trail incarnation as the model sees it.
#[derive(Debug, Clone)]
struct Incarnation {
    name: &'static str,
    /// Its own key prefix: files of different incarnations never mix.
    prefix: String,
    logging: bool,
    deleted: bool,
    /// The stored configuration, read back after each change (selectors, regions).
    config: TrailRecord,
    /// Event ids it must deliver.
    expected: BTreeSet<String>,
    /// Of those, the data events: id → (five-minute window start, eventName).
    data: BTreeMap<String, (String, String)>,
    /// Aggregation was turned on before its first data event: every delivered data event must
    /// be counted once.
    aggregates_all: bool,
}

struct World {
    dir: PathBuf,
    _guard: tempfile::TempDir,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    svc: CloudTrailService,
    bucket: Arc<MemoryBucket>,
    sinks: Vec<Arc<PausingSink>>,
    workers: Vec<Arc<Node>>,
    incarnations: Vec<Incarnation>,
    /// The newest event position the model has judged.
    seen_seq: i64,
    created: usize,
}

fn scratch_dir() -> tempfile::TempDir {
    match std::path::Path::new("/dev/shm").is_dir() {
        true => tempfile::tempdir_in("/dev/shm").unwrap(),
        false => tempfile::tempdir().unwrap(),
    }
}

/// A node's destination: the shared bucket. When its pause counts down to a put, the node is
/// held between its lease check and that write: the lease lapses and the other node runs a
/// whole pass first.
struct PausingSink {
    bucket: Arc<MemoryBucket>,
    clock: Arc<ManualClock>,
    pause: AtomicUsize,
    other: Mutex<Weak<Node>>,
}

/// A node's worker; like a server's, it runs one pass at a time.
struct Node {
    worker: Worker,
    busy: std::sync::atomic::AtomicBool,
}

impl Node {
    /// A pass, unless this node is in the middle of one (paused in a write).
    async fn pass(&self, now_ms: i64) {
        if self.busy.swap(true, Ordering::SeqCst) {
            return;
        }
        self.worker.run_once(now_ms).await.unwrap();
        self.busy.store(false, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl Sinks for PausingSink {
    async fn put(
        &self,
        target: &Target,
        key: &str,
        body: Vec<u8>,
        metadata: &[(String, String)],
    ) -> Result<(), SinkError> {
        let due = self
            .pause
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            == Ok(1);
        if due {
            self.clock.advance(LEASE_TTL_MS + 1);
            let other = self.other.lock().unwrap().upgrade();
            if let Some(other) = other {
                other.pass(self.clock.now_ms()).await;
            }
        }
        self.bucket.put(target, key, body, metadata).await
    }

    async fn notify(&self, target: &Target, topic: &str, message: String) -> Result<(), SinkError> {
        self.bucket.notify(target, topic, message).await
    }
}

/// The nodes (a restart makes them again under the same names, as restarted processes): each
/// delivers under its own leases into the shared bucket.
fn nodes(
    store: &Arc<dyn Store>,
    bucket: &Arc<MemoryBucket>,
    clock: &Arc<ManualClock>,
) -> (Vec<Arc<PausingSink>>, Vec<Arc<Node>>) {
    let mut sinks = Vec::new();
    let mut workers = Vec::new();
    for node in 0..NODES {
        let sink = Arc::new(PausingSink {
            bucket: bucket.clone(),
            clock: clock.clone(),
            pause: AtomicUsize::new(0),
            other: Mutex::new(Weak::new()),
        });
        let now = clock.clone();
        let leases = Leases::new(
            store.clone(),
            format!("node-{node}"),
            LEASE_TTL_MS,
            Arc::new(move || now.now_ms()),
        );
        let mut worker = Worker::new(
            store.clone(),
            Arc::new(CloudTrailTrails),
            sink.clone(),
            Arc::new(RsaDigestKey::shared()),
        );
        worker.digest_interval_ms = DIGEST_INTERVAL_MS;
        sinks.push(sink);
        workers.push(Arc::new(Node {
            worker: worker.with_leases(Arc::new(leases)),
            busy: Default::default(),
        }));
    }
    for (node, sink) in sinks.iter().enumerate() {
        *sink.other.lock().unwrap() = Arc::downgrade(&workers[(node + 1) % NODES]);
    }
    (sinks, workers)
}

impl World {
    async fn new() -> Self {
        let guard = scratch_dir();
        let dir = guard.path().join("db.sqlite");
        let store: Arc<dyn Store> = SqliteStore::open(&dir).unwrap();
        let bucket = Arc::new(MemoryBucket::default());
        let clock = Arc::new(ManualClock::new(START_MS));
        let (sinks, workers) = nodes(&store, &bucket, &clock);
        Self {
            dir,
            _guard: guard,
            store,
            clock,
            svc: CloudTrailService {
                destinations: Arc::new(destinations()),
                ..CloudTrailService::default()
            },
            bucket,
            sinks,
            workers,
            incarnations: Vec::new(),
            seen_seq: 0,
            created: 0,
        }
    }

    fn ctx(&self, region: &str, source: &str, name: &str, read_only: bool) -> CallContext {
        let info = self.info(region, source, name, read_only);
        CallContext::new(info, self.store.clone(), self.clock.clone(), true)
    }

    fn info(&self, region: &str, source: &str, name: &str, read_only: bool) -> CallInfo {
        CallInfo {
            caller: Caller {
                principal: Principal::Root {
                    account_id: ACCOUNT.into(),
                },
                access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
                session: None,
                invoked_by: None,
            },
            region: region.into(),
            request_id: "req".into(),
            source_ip: "127.0.0.1".into(),
            user_agent: "model".into(),
            event_source: source.into(),
            event_name: name.into(),
            read_only,
            log_response: !read_only,
            tls_details: None,
            named_resources: None,
        }
    }

    fn trail_ctx(&self, op: Operation) -> CallContext {
        self.ctx(HOME, "cloudtrail.amazonaws.com", op.name(), op.read_only())
    }

    /// Runs a CloudTrail call as the server does: the handler, then the event of a call that did
    /// not record one while writing.
    async fn call<R: trailroom_model::Audit>(
        &self,
        ctx: CallContext,
        result: Result<R, trailroom_protocol::ApiError>,
    ) -> bool {
        let ok = result.is_ok();
        let response = result.map(|r| r.to_audit_json());
        ctx.finish(response.as_ref().cloned()).await.unwrap();
        ok
    }

    fn live(&mut self, name: &str) -> Option<&mut Incarnation> {
        self.incarnations
            .iter_mut()
            .find(|i| i.name == name && !i.deleted)
    }

    fn stored_config(&self, name: &str) -> TrailRecord {
        let arn = trails::trail_arn(HOME, ACCOUNT, name);
        trailroom_store::read(self.store.as_ref(), |txn| {
            txn.get(ACCOUNT, TRAIL_KIND, &arn)
                .unwrap()
                .unwrap()
                .decode::<TrailRecord>()
        })
        .unwrap()
        .unwrap()
    }

    async fn apply(&mut self, op: &Op) {
        let before = self.incarnations.clone();
        match *op {
            Op::Create {
                trail,
                multi_region,
            } => {
                let name = TRAIL_NAMES[trail];
                self.created += 1;
                let prefix = format!("inc{}", self.created);
                let ctx = self.trail_ctx(Operation::CreateTrail);
                let input = CreateTrailRequest {
                    name: Some(name.into()),
                    s3_bucket_name: Some(BUCKET.into()),
                    s3_key_prefix: Some(prefix.clone()),
                    is_multi_region_trail: Some(multi_region),
                    enable_log_file_validation: Some(true),
                    ..Default::default()
                };
                let result = self.svc.create_trail(&ctx, input).await;
                if self.call(ctx, result).await {
                    let config = self.stored_config(name);
                    self.incarnations.push(Incarnation {
                        name,
                        prefix,
                        logging: false,
                        deleted: false,
                        config,
                        expected: BTreeSet::new(),
                        data: BTreeMap::new(),
                        aggregates_all: false,
                    });
                }
            }
            Op::Delete { trail } => {
                let name = TRAIL_NAMES[trail];
                let ctx = self.trail_ctx(Operation::DeleteTrail);
                let input = DeleteTrailRequest {
                    name: Some(name.into()),
                };
                let result = self.svc.delete_trail(&ctx, input).await;
                if self.call(ctx, result).await {
                    let inc = self.live(name).expect("deleted a trail the model lacks");
                    inc.deleted = true;
                    inc.logging = false;
                }
            }
            Op::Start { trail } | Op::Stop { trail } => {
                let name = TRAIL_NAMES[trail];
                let start = matches!(op, Op::Start { .. });
                let ok = if start {
                    let ctx = self.trail_ctx(Operation::StartLogging);
                    let input = StartLoggingRequest {
                        name: Some(name.into()),
                    };
                    let result = self.svc.start_logging(&ctx, input).await;
                    self.call(ctx, result).await
                } else {
                    let ctx = self.trail_ctx(Operation::StopLogging);
                    let input = StopLoggingRequest {
                        name: Some(name.into()),
                    };
                    let result = self.svc.stop_logging(&ctx, input).await;
                    self.call(ctx, result).await
                };
                if ok {
                    self.live(name).expect("trail in the model").logging = start;
                }
            }
            Op::Selectors { trail, kind } => {
                let name = TRAIL_NAMES[trail];
                let ctx = self.trail_ctx(Operation::PutEventSelectors);
                let result = self
                    .svc
                    .put_event_selectors(&ctx, selectors(name, kind))
                    .await;
                if self.call(ctx, result).await {
                    let config = self.stored_config(name);
                    self.live(name).expect("trail in the model").config = config;
                }
            }
            Op::MultiRegion { trail, on } => {
                let name = TRAIL_NAMES[trail];
                let ctx = self.trail_ctx(Operation::UpdateTrail);
                let input = UpdateTrailRequest {
                    name: Some(name.into()),
                    is_multi_region_trail: Some(on),
                    ..Default::default()
                };
                let result = self.svc.update_trail(&ctx, input).await;
                if self.call(ctx, result).await {
                    let config = self.stored_config(name);
                    self.live(name).expect("trail in the model").config = config;
                }
            }
            Op::Call {
                region,
                source,
                read_only,
            } => {
                let name = if read_only {
                    "DescribeThing"
                } else {
                    "ChangeThing"
                };
                let ctx = self.ctx(CALL_REGIONS[region], CALL_SOURCES[source], name, read_only);
                ctx.finish(Ok(Value::Null)).await.unwrap();
            }
            Op::DataCall { region, put } => {
                let name = if put { "PutObject" } else { "GetObject" };
                let info = self.info(CALL_REGIONS[region], "s3.amazonaws.com", name, !put);
                let resources = [
                    trailroom_audit::Resource {
                        resource_type: "AWS::S3::Object".into(),
                        name: "arn:aws:s3:::data/k".into(),
                    },
                    trailroom_audit::Resource {
                        resource_type: "AWS::S3::Bucket".into(),
                        name: "arn:aws:s3:::data".into(),
                    },
                ];
                let event = trailroom_audit::DataEvent {
                    info: &info,
                    request_parameters: json!({"bucketName": "data", "key": "k"}),
                    response_elements: Value::Null,
                    resources: &resources,
                    resource_account: None,
                };
                let row = trailroom_audit::data_event(&event, Ok(()), self.clock.now_ms());
                trailroom_store::write(self.store.as_ref(), move |tx| tx.append_event(&row))
                    .await
                    .unwrap()
                    .unwrap();
            }
            Op::Aggregate { trail } => {
                let name = TRAIL_NAMES[trail];
                let ctx = self.trail_ctx(Operation::PutEventConfiguration);
                let input = PutEventConfigurationRequest {
                    trail_name: Some(name.into()),
                    aggregation_configurations: Some(vec![AggregationConfiguration {
                        templates: Some(vec!["API_ACTIVITY".into(), "RESOURCE_ACCESS".into()]),
                        event_category: Some("Data".into()),
                    }]),
                    ..Default::default()
                };
                let result = self.svc.put_event_configuration(&ctx, input).await;
                if self.call(ctx, result).await {
                    let config = self.stored_config(name);
                    let inc = self.live(name).expect("trail in the model");
                    inc.aggregates_all = inc.data.is_empty();
                    inc.config = config;
                }
            }
            Op::Deliver { node } => {
                self.workers[node].pass(self.clock.now_ms()).await;
                self.check_delivered(false);
                self.check_aggregated(false);
            }
            Op::Pause { node, puts } => self.sinks[node].pause.store(puts, Ordering::SeqCst),
            Op::Advance { ms } => self.clock.advance(ms),
            Op::FailPuts { count } => self.bucket.failing_puts.store(count, Ordering::SeqCst),
            Op::GhostPuts { count } => self.bucket.ghost_puts.store(count, Ordering::SeqCst),
            Op::Restart => self.restart(),
        }
        self.judge_new_events(&before);
    }

    fn restart(&mut self) {
        self.store.shutdown();
        self.store = SqliteStore::open(&self.dir).unwrap();
        (self.sinks, self.workers) = nodes(&self.store, &self.bucket, &self.clock);
    }

    /// Decides, for each event recorded by the last step, which incarnations must deliver it. A
    /// call's own event belongs to the logging that was on before or after it (StartLogging's
    /// and StopLogging's own events are delivered), judged by the configuration after the call
    /// (before it, for a deleted trail).
    fn judge_new_events(&mut self, before: &[Incarnation]) {
        let rows: Vec<EventRow> = trailroom_store::read(self.store.as_ref(), |txn| {
            txn.events_after(ACCOUNT, None, self.seen_seq, 100)
        })
        .unwrap()
        .unwrap();
        assert!(rows.len() <= 1, "one step records at most one event");
        for row in rows {
            self.seen_seq = row.seq;
            for (index, inc) in self.incarnations.iter_mut().enumerate() {
                let was = before.get(index);
                let logging = inc.logging || was.is_some_and(|b| b.logging && !b.deleted);
                let config = match inc.deleted {
                    true => &was.unwrap_or(inc).config,
                    false => &inc.config,
                };
                if logging && trails::admits(config, &row) {
                    inc.expected.insert(row.event_id.clone());
                    if row.category == "Data" {
                        let window = row.event_time_ms - row.event_time_ms.rem_euclid(300_000);
                        let start = chrono::DateTime::from_timestamp_millis(window)
                            .unwrap()
                            .format("%Y-%m-%dT%H:%M:%SZ")
                            .to_string();
                        inc.data
                            .insert(row.event_id.clone(), (start, row.event_name.clone()));
                    }
                }
            }
        }
    }

    /// Every log file under `prefix`: key → event ids.
    fn log_files(&self, prefix: &str) -> BTreeMap<String, Vec<String>> {
        let objects = self.bucket.objects.lock().unwrap();
        let mut files = BTreeMap::new();
        for (key, (body, _)) in objects.iter() {
            if !key.starts_with(&format!("{prefix}/"))
                || key.contains("CloudTrail-Digest")
                || key.contains("CloudTrail-Aggregated")
            {
                continue;
            }
            let mut plain = String::new();
            flate2::read::GzDecoder::new(body.as_slice())
                .read_to_string(&mut plain)
                .unwrap();
            let parsed: Value = serde_json::from_str(&plain).unwrap();
            let ids = parsed["Records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["eventID"].as_str().unwrap().to_owned())
                .collect();
            files.insert(key.clone(), ids);
        }
        files
    }

    /// Safety at any time (nothing delivered that must not be, nothing twice); at the end also
    /// completeness.
    fn check_delivered(&self, complete: bool) {
        for inc in &self.incarnations {
            let mut delivered: BTreeMap<String, usize> = BTreeMap::new();
            for ids in self.log_files(&inc.prefix).into_values() {
                for id in ids {
                    *delivered.entry(id).or_default() += 1;
                }
            }
            let twice: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).collect();
            assert!(
                twice.is_empty(),
                "{}: delivered twice: {twice:?}",
                inc.prefix
            );
            let unexpected: Vec<_> = delivered
                .keys()
                .filter(|id| !inc.expected.contains(*id))
                .collect();
            assert!(
                unexpected.is_empty(),
                "{}: delivered but not owed: {unexpected:?}",
                inc.prefix
            );
            if complete {
                let missing: Vec<_> = inc
                    .expected
                    .iter()
                    .filter(|id| !delivered.contains_key(*id))
                    .collect();
                assert!(
                    missing.is_empty(),
                    "{}: never delivered: {missing:?}",
                    inc.prefix
                );
            }
        }
    }

    /// The API_ACTIVITY counts under `prefix`: (window start, eventName) → calls.
    fn aggregated(&self, prefix: &str) -> BTreeMap<(String, String), u64> {
        let objects = self.bucket.objects.lock().unwrap();
        let mut counts = BTreeMap::new();
        for (key, (body, _)) in objects.iter() {
            if !key.starts_with(&format!("{prefix}/")) || !key.contains("CloudTrail-Aggregated") {
                continue;
            }
            let mut plain = String::new();
            flate2::read::GzDecoder::new(body.as_slice())
                .read_to_string(&mut plain)
                .unwrap();
            let parsed: Value = serde_json::from_str(&plain).unwrap();
            for record in parsed["Records"].as_array().unwrap() {
                let primary = &record["summary"]["primaryDimension"];
                if primary["dimension"] != "eventName" {
                    continue;
                }
                let window = record["timeWindow"]["windowStart"].as_str().unwrap();
                let stat = &primary["statistics"][0];
                *counts
                    .entry((window.to_owned(), stat["name"].as_str().unwrap().to_owned()))
                    .or_default() += stat["value"].as_u64().unwrap();
            }
        }
        counts
    }

    /// Aggregated summaries never count more data events than were delivered (each at most
    /// once); at the end, all of them when aggregation was on before the first.
    fn check_aggregated(&self, complete: bool) {
        for inc in &self.incarnations {
            let mut delivered: BTreeMap<(String, String), u64> = BTreeMap::new();
            for id in self.log_files(&inc.prefix).into_values().flatten() {
                if let Some(slot) = inc.data.get(&id) {
                    *delivered.entry(slot.clone()).or_default() += 1;
                }
            }
            let counted = self.aggregated(&inc.prefix);
            for (slot, n) in &counted {
                assert!(
                    *n <= delivered.get(slot).copied().unwrap_or(0),
                    "{}: {slot:?} counted {n}, delivered {:?}",
                    inc.prefix,
                    delivered.get(slot)
                );
            }
            if complete && inc.aggregates_all {
                assert_eq!(
                    counted, delivered,
                    "{}: every data event counted once",
                    inc.prefix
                );
            }
        }
    }

    /// Every log file is listed by exactly one digest, and each chain validates.
    fn check_digests(&self) {
        for inc in &self.incarnations {
            let files = self.log_files(&inc.prefix);
            let digests: Vec<(String, Value)> = {
                let objects = self.bucket.objects.lock().unwrap();
                objects
                    .iter()
                    .filter(|(k, _)| {
                        k.starts_with(&format!("{}/", inc.prefix))
                            && k.contains("CloudTrail-Digest")
                    })
                    .map(|(k, (body, _))| {
                        let mut plain = String::new();
                        flate2::read::GzDecoder::new(body.as_slice())
                            .read_to_string(&mut plain)
                            .unwrap();
                        (k.clone(), serde_json::from_str(&plain).unwrap())
                    })
                    .collect()
            };
            let mut listed: BTreeMap<String, usize> = BTreeMap::new();
            let mut regions = BTreeSet::new();
            for (key, digest) in &digests {
                let region = key.split("/CloudTrail-Digest/").nth(1).unwrap();
                regions.insert(region.split('/').next().unwrap().to_owned());
                for file in digest["logFiles"].as_array().unwrap() {
                    let object = file["s3Object"].as_str().unwrap().to_owned();
                    assert!(
                        files.contains_key(&object),
                        "{key} lists a missing {object}"
                    );
                    *listed.entry(object).or_default() += 1;
                }
            }
            for key in files.keys() {
                assert_eq!(
                    listed.get(key).copied().unwrap_or(0),
                    1,
                    "{}: {key} must be in exactly one digest",
                    inc.prefix
                );
            }
            for region in regions {
                let request = validate::Request {
                    bucket: BUCKET,
                    prefix: Some(&inc.prefix),
                    org_id: None,
                    account: ACCOUNT,
                    region: &region,
                    trail_name: inc.name,
                    home_region: HOME,
                    start_ms: START_MS - DIGEST_INTERVAL_MS,
                    end_ms: self.clock.now_ms() + DIGEST_INTERVAL_MS,
                };
                let report = validate::validate(
                    self.bucket.as_ref(),
                    &RsaDigestKey::shared(),
                    &request,
                    |_| {},
                )
                .unwrap();
                assert!(
                    report.is_valid(),
                    "{} {region}: {:?}",
                    inc.prefix,
                    report.summary()
                );
            }
        }
    }

    /// Stops every trail, then lets delivery run (past any backoff) until nothing is owed.
    async fn finish(&mut self) {
        for (trail, name) in TRAIL_NAMES.iter().enumerate() {
            if self.live(name).is_some_and(|i| i.logging) {
                self.apply(&Op::Stop { trail }).await;
            }
        }
        self.bucket.failing_puts.store(0, Ordering::SeqCst);
        self.bucket.ghost_puts.store(0, Ordering::SeqCst);
        for _ in 0..4 {
            self.clock.advance(16 * 60_000);
            for worker in &self.workers {
                worker.pass(self.clock.now_ms()).await;
            }
        }
        self.check_delivered(true);
        self.check_aggregated(true);
        self.check_digests();
    }
}

fn run(ops: Vec<Op>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut world = World::new().await;
        for op in &ops {
            world.apply(op).await;
        }
        world.finish().await;
        world.store.shutdown();
    });
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_trail_delivers_exactly_what_it_logged(ops in prop::collection::vec(op(), 1..60)) {
        run(ops);
    }
}

/// The reliability probe's F1: StopLogging then StartLogging before the worker runs.
#[test]
fn stop_and_start_within_one_interval_delivers_the_stopped_window() {
    run(vec![
        Op::Create {
            trail: 0,
            multi_region: false,
        },
        Op::Start { trail: 0 },
        Op::Call {
            region: 0,
            source: 0,
            read_only: false,
        },
        Op::Stop { trail: 0 },
        Op::Start { trail: 0 },
        Op::Deliver { node: 0 },
    ]);
}

/// The reliability probe's F5: a trail deleted and re-created under the same name.
#[test]
fn a_recreated_trail_delivers_its_first_events() {
    run(vec![
        Op::Create {
            trail: 0,
            multi_region: false,
        },
        Op::Start { trail: 0 },
        Op::Call {
            region: 0,
            source: 0,
            read_only: false,
        },
        Op::Delete { trail: 0 },
        Op::Advance { ms: 1_500 },
        Op::Create {
            trail: 0,
            multi_region: false,
        },
        Op::Start { trail: 0 },
        Op::Call {
            region: 0,
            source: 0,
            read_only: false,
        },
        Op::Advance { ms: 2_000 },
        Op::Deliver { node: 0 },
    ]);
}

/// The bucket as CloudTrail sees it through its port, with AWS's documented CloudTrail policy.
fn destinations() -> FixedDestinations {
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": format!("arn:aws:s3:::{BUCKET}")},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{BUCKET}/*"),
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]});
    let bucket = BucketView::Local {
        region: HOME.into(),
        policy: Some(policy.to_string()),
    };
    FixedDestinations {
        buckets: [(BUCKET.to_owned(), bucket)].into(),
        topics: Default::default(),
    }
}
