//! The feed against a model: after any interleaving of recorded events, store lifecycle calls
//! (create with or without ingestion, stop, start, delete, restore), feeder runs (one, or two
//! racing) and archiving passes that ignore the feeds' cursors (as another node's archiver does,
//! which knows only its own lake), each store holds exactly the events its model windows,
//! account, region and selectors admit: none lost, none twice.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use trailroom_audit::{CallContext, CallInfo, ManualClock};
use trailroom_identity::{Caller as Identity, Principal};
use trailroom_lake::{Lake, LakeError, Limits, QuerySpec};
use trailroom_model::cloudtrail::*;
use trailroom_store::{EventRow, ReadTxn, Store, read, write};
use trailroom_store_sqlite::SqliteStore;

use trailroom_archive::{ArchiveReader, Pass, SegmentObjects, archive_once, catalog};

use super::feed;
use crate::CloudTrailService;

const OWNER: &str = "111122223333";
const OTHER: &str = "444455556666";
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const START: i64 = 1_700_000_000_000;

/// One step of a plan.
#[derive(Debug, Clone)]
enum Step {
    /// Events recorded directly: (account is the owner, region index, read-only).
    Record(Vec<(bool, usize, bool)>),
    /// CreateEventDataStore in us-east-1.
    Create {
        ingest: bool,
        writes_only: bool,
        multi_region: bool,
    },
    /// StopEventDataStoreIngestion of store `n` (modulo the stores made).
    Stop(usize),
    /// StartEventDataStoreIngestion.
    Start(usize),
    /// DeleteEventDataStore.
    Delete(usize),
    /// RestoreEventDataStore.
    Restore(usize),
    /// One feeder run.
    Feed,
    /// Two feeder runs racing on two threads.
    FeedRacing,
    /// Every event of the live log moved to the archive, in segments of this size.
    Archive(usize),
}

/// Segments kept in memory.
#[derive(Default)]
struct MemoryObjects(std::sync::Mutex<Vec<bytes::Bytes>>);

#[async_trait::async_trait]
impl SegmentObjects for MemoryObjects {
    async fn put(&self, bytes: bytes::Bytes) -> std::io::Result<String> {
        let mut objects = self.0.lock().unwrap();
        objects.push(bytes);
        Ok(format!("{:x}", objects.len() - 1))
    }
    async fn get(&self, name: &str) -> std::io::Result<bytes::Bytes> {
        self.get_blocking(name)
    }
    fn get_blocking(&self, name: &str) -> std::io::Result<bytes::Bytes> {
        let index = usize::from_str_radix(name, 16).map_err(std::io::Error::other)?;
        self.0
            .lock()
            .unwrap()
            .get(index)
            .cloned()
            .ok_or_else(|| std::io::Error::other("no such object"))
    }
}

/// What the model knows of a store.
#[derive(Debug)]
struct ModelStore {
    id: String,
    arn: String,
    writes_only: bool,
    multi_region: bool,
    windows: Vec<(i64, Option<i64>)>,
}

impl ModelStore {
    fn admits(&self, event: &EventRow) -> bool {
        event.account_id == OWNER
            && (self.multi_region || event.region == "us-east-1")
            && (!self.writes_only || !event.read_only)
            && self
                .windows
                .iter()
                .any(|(after, upto)| event.seq > *after && upto.is_none_or(|u| event.seq <= u))
    }
}

struct Harness {
    store: Arc<dyn Store>,
    lake: Arc<Lake>,
    clock: Arc<ManualClock>,
    svc: CloudTrailService,
    objects: Arc<MemoryObjects>,
    archive: Arc<ArchiveReader>,
    next_event: usize,
    _dir: tempfile::TempDir,
}

impl Harness {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = SqliteStore::open(&dir.path().join("t.db")).unwrap();
        let lake = Lake::open(&dir.path().join("lake.db"), Limits::default()).unwrap();
        let svc = CloudTrailService {
            lake: Some(lake.clone()),
            ..CloudTrailService::default()
        };
        let objects = Arc::new(MemoryObjects::default());
        Self {
            store,
            lake,
            clock: Arc::new(ManualClock::new(START)),
            svc,
            archive: Arc::new(ArchiveReader::new(objects.clone())),
            objects,
            next_event: 0,
            _dir: dir,
        }
    }

    fn ctx(&self, op: Operation) -> CallContext {
        let info = CallInfo {
            caller: Identity {
                principal: Principal::Root {
                    account_id: OWNER.into(),
                },
                access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
                session: None,
                invoked_by: None,
            },
            region: "us-east-1".into(),
            request_id: "req".into(),
            source_ip: "127.0.0.1".into(),
            user_agent: "test".into(),
            event_source: "cloudtrail.amazonaws.com".into(),
            event_name: op.name().into(),
            read_only: op.read_only(),
            log_response: !op.read_only(),
            tls_details: None,
            named_resources: None,
        };
        CallContext::new(info, self.store.clone(), self.clock.clone(), true)
    }

    /// CreateEventDataStore through the service; the store's ARN and id.
    async fn create_store(&self, input: CreateEventDataStoreRequest) -> (String, String) {
        let ctx = self.ctx(Operation::CreateEventDataStore);
        let arn = self
            .svc
            .create_event_data_store(&ctx, input)
            .await
            .unwrap()
            .event_data_store_arn
            .unwrap();
        let id = arn.rsplit('/').next().unwrap().to_owned();
        (arn, id)
    }

    fn last_seq(&self) -> i64 {
        read(self.store.as_ref(), |txn: &dyn ReadTxn| {
            txn.last_event_seq()
        })
        .unwrap()
        .unwrap()
    }

    async fn record(&mut self, events: &[(bool, usize, bool)]) {
        let rows: Vec<EventRow> = events
            .iter()
            .map(|(owner, region, read_only)| {
                self.next_event += 1;
                let id = format!("ev-{}", self.next_event);
                EventRow {
                    seq: 0,
                    event_id: id.clone(),
                    account_id: if *owner { OWNER } else { OTHER }.into(),
                    region: REGIONS[*region].into(),
                    event_time_ms: START,
                    event_name: "GetThing".into(),
                    event_source: "test.amazonaws.com".into(),
                    username: None,
                    access_key_id: None,
                    read_only: *read_only,
                    category: "Management".into(),
                    resources: Vec::new(),
                    record_json: serde_json::json!({
                        "eventID": id, "eventTime": "2023-11-14T22:13:20Z",
                        "eventCategory": "Management", "readOnly": read_only,
                    })
                    .to_string(),
                }
            })
            .collect();
        write(self.store.as_ref(), move |txn| {
            for row in &rows {
                txn.append_event(row)?;
            }
            Ok::<_, trailroom_store::StoreError>(())
        })
        .await
        .unwrap()
        .unwrap();
    }

    fn feed(store: &Arc<dyn Store>, lake: &Lake, archive: &ArchiveReader) {
        let sources = feed::FeedSources {
            neighbours: &crate::trails::FixedDestinations::default(),
            archive: Some(archive),
        };
        read(store.as_ref(), |txn: &dyn ReadTxn| {
            feed::live_stores(txn, START).and_then(|s| feed::feed(txn, lake, &s, sources))
        })
        .unwrap()
        .unwrap();
    }

    /// Moves every live event into segments of `size`, whatever the feeds have read.
    async fn archive_everything(&self, size: usize) {
        let pass = Pass {
            cutoff_ms: i64::MAX,
            horizon_seq: None,
            segment_events: size,
            now_ms: START,
        };
        while archive_once(self.store.as_ref(), self.objects.as_ref(), &pass, None)
            .await
            .unwrap()
            .is_some()
        {}
    }

    /// Every recorded event, live or archived.
    fn all_events(&self) -> Vec<EventRow> {
        read(self.store.as_ref(), |txn: &dyn ReadTxn| {
            let entries = catalog::entries(txn)?;
            let mut events = Vec::new();
            for account in [OWNER, OTHER] {
                events.extend(
                    self.archive
                        .account_events_after(&entries, account, 0, 1_000_000)
                        .unwrap(),
                );
                events.extend(txn.events_after(account, None, 0, 1_000_000)?);
            }
            Ok::<_, trailroom_store::StoreError>(events)
        })
        .unwrap()
        .unwrap()
    }

    /// Every event id a store holds, by query.
    fn stored_ids(&self, id: &str) -> BTreeSet<String> {
        let spec = QuerySpec {
            account: OWNER.into(),
            region: "us-east-1".into(),
            statement: format!("SELECT eventid FROM {id}"),
            now_ms: START,
            delivery_uri: None,
            ..QuerySpec::default()
        };
        let known = id.to_owned();
        let info = self
            .lake
            .start_query(spec, &mut |name| match name == known {
                true => Ok(known.clone()),
                false => Err(LakeError::StoreNotFound(name.into())),
            })
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let page = self.lake.results(OWNER, &info.id, 0, 100_000).unwrap();
            if !page.info.status.is_active() {
                assert!(page.info.error.is_none(), "{:?}", page.info.error);
                return page.rows.into_iter().map(|r| r[0].1.clone()).collect();
            }
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    async fn run(&mut self, plan: &[Step]) {
        let mut model: Vec<ModelStore> = Vec::new();
        for step in plan {
            let before = self.last_seq();
            let pick = |n: &usize| (!model.is_empty()).then(|| n % model.len());
            match step {
                Step::Record(events) => self.record(events).await,
                Step::Create {
                    ingest,
                    writes_only,
                    multi_region,
                } => {
                    let selectors = writes_only.then(|| {
                        vec![AdvancedEventSelector {
                            name: None,
                            field_selectors: Some(vec![
                                AdvancedFieldSelector {
                                    field: Some("eventCategory".into()),
                                    equals: Some(vec!["Management".into()]),
                                    ..Default::default()
                                },
                                AdvancedFieldSelector {
                                    field: Some("readOnly".into()),
                                    equals: Some(vec!["false".into()]),
                                    ..Default::default()
                                },
                            ]),
                        }]
                    });
                    let input = CreateEventDataStoreRequest {
                        name: Some(format!("store-{}", model.len())),
                        start_ingestion: Some(*ingest),
                        advanced_event_selectors: selectors,
                        multi_region_enabled: Some(*multi_region),
                        termination_protection_enabled: Some(false),
                        ..Default::default()
                    };
                    let ctx = self.ctx(Operation::CreateEventDataStore);
                    let made = self.svc.create_event_data_store(&ctx, input).await.unwrap();
                    let arn = made.event_data_store_arn.unwrap();
                    model.push(ModelStore {
                        id: arn.rsplit('/').next().unwrap().to_owned(),
                        arn,
                        writes_only: *writes_only,
                        multi_region: *multi_region,
                        windows: match ingest {
                            true => vec![(before, None)],
                            false => Vec::new(),
                        },
                    });
                }
                Step::Stop(n) | Step::Delete(n) => {
                    let Some(i) = pick(n) else { continue };
                    let arn = Some(model[i].arn.clone());
                    let done = match step {
                        Step::Stop(_) => {
                            let ctx = self.ctx(Operation::StopEventDataStoreIngestion);
                            let input = StopEventDataStoreIngestionRequest {
                                event_data_store: arn,
                            };
                            self.svc
                                .stop_event_data_store_ingestion(&ctx, input)
                                .await
                                .is_ok()
                        }
                        _ => {
                            let ctx = self.ctx(Operation::DeleteEventDataStore);
                            let input = DeleteEventDataStoreRequest {
                                event_data_store: arn,
                            };
                            self.svc.delete_event_data_store(&ctx, input).await.is_ok()
                        }
                    };
                    if done
                        && let Some(open) = model[i].windows.last_mut()
                        && open.1.is_none()
                    {
                        open.1 = Some(self.last_seq());
                    }
                }
                Step::Start(n) | Step::Restore(n) => {
                    let Some(i) = pick(n) else { continue };
                    let arn = Some(model[i].arn.clone());
                    let ingesting = match step {
                        Step::Start(_) => {
                            let ctx = self.ctx(Operation::StartEventDataStoreIngestion);
                            let input = StartEventDataStoreIngestionRequest {
                                event_data_store: arn,
                            };
                            self.svc
                                .start_event_data_store_ingestion(&ctx, input)
                                .await
                                .is_ok()
                        }
                        _ => {
                            let ctx = self.ctx(Operation::RestoreEventDataStore);
                            let input = RestoreEventDataStoreRequest {
                                event_data_store: arn,
                            };
                            let restored = self.svc.restore_event_data_store(&ctx, input).await;
                            restored.is_ok_and(|r| r.status.as_deref() == Some("ENABLED"))
                        }
                    };
                    if ingesting {
                        model[i].windows.push((before, None));
                    }
                }
                Step::Feed => Self::feed(&self.store, &self.lake, &self.archive),
                Step::FeedRacing => {
                    let (s1, l1, a1) =
                        (self.store.clone(), self.lake.clone(), self.archive.clone());
                    let (s2, l2, a2) =
                        (self.store.clone(), self.lake.clone(), self.archive.clone());
                    let a = std::thread::spawn(move || Self::feed(&s1, &l1, &a1));
                    let b = std::thread::spawn(move || Self::feed(&s2, &l2, &a2));
                    a.join().unwrap();
                    b.join().unwrap();
                }
                Step::Archive(size) => self.archive_everything(*size).await,
            }
        }
        Self::feed(&self.store, &self.lake, &self.archive);
        let all = self.all_events();
        for store in &model {
            let expected: BTreeSet<String> = all
                .iter()
                .filter(|e| store.admits(e))
                .map(|e| e.event_id.clone())
                .collect();
            assert_eq!(self.stored_ids(&store.id), expected, "store {store:?}");
        }
    }
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => prop::collection::vec((any::<bool>(), 0..2usize, any::<bool>()), 1..6).prop_map(Step::Record),
        2 => (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(ingest, writes_only, multi_region)| {
            Step::Create { ingest, writes_only, multi_region }
        }),
        1 => (0..4usize).prop_map(Step::Stop),
        1 => (0..4usize).prop_map(Step::Start),
        1 => (0..4usize).prop_map(Step::Delete),
        1 => (0..4usize).prop_map(Step::Restore),
        2 => Just(Step::Feed),
        1 => Just(Step::FeedRacing),
        1 => (1..8usize).prop_map(Step::Archive),
    ]
}

/// Runs `work` to its end on a runtime of its own.
fn block_on<T>(work: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(work)
}

fn run_plan(plan: &[Step]) {
    block_on(async { Harness::new().run(plan).await });
}

#[test]
fn a_store_ingests_its_windows_and_nothing_else() {
    use Step::*;
    run_plan(&[
        Record(vec![(true, 0, false)]),
        Create {
            ingest: true,
            writes_only: false,
            multi_region: false,
        },
        Record(vec![(true, 0, false), (true, 1, true), (false, 0, false)]),
        Feed,
        Stop(0),
        Record(vec![(true, 0, false)]),
        Start(0),
        Record(vec![(true, 0, true)]),
        FeedRacing,
        Delete(0),
        Record(vec![(true, 0, true)]),
        Restore(0),
        Record(vec![(true, 0, false)]),
    ]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_interleaving_ingests_each_admitted_event_once(
        plan in prop::collection::vec(step(), 1..24)
    ) {
        run_plan(&plan);
    }
}

#[test]
fn retention_prunes_old_events_and_gone_stores_are_dropped() {
    const DAY: i64 = 24 * 3600 * 1000;
    block_on(async {
        let mut h = Harness::new();
        let input = CreateEventDataStoreRequest {
            name: Some("short".into()),
            retention_period: Some(7),
            termination_protection_enabled: Some(false),
            ..Default::default()
        };
        let (arn, id) = h.create_store(input).await;
        h.record(&[(true, 0, false), (true, 0, true)]).await;
        Harness::feed(&h.store, &h.lake, &h.archive);
        // CreateEventDataStore's own event opens the window, then the two recorded.
        assert_eq!(h.stored_ids(&id).len(), 3);

        let maintain = |now: i64| {
            read(h.store.as_ref(), |txn: &dyn ReadTxn| {
                feed::maintain(txn, &h.lake, now)
            })
            .unwrap()
            .unwrap()
        };
        maintain(START + 6 * DAY);
        assert_eq!(h.stored_ids(&id).len(), 3, "inside the retention period");
        maintain(START + 8 * DAY);
        assert!(h.stored_ids(&id).is_empty(), "past the retention period");

        let ctx = h.ctx(Operation::DeleteEventDataStore);
        let input = DeleteEventDataStoreRequest {
            event_data_store: Some(arn),
        };
        h.svc.delete_event_data_store(&ctx, input).await.unwrap();
        maintain(START + DAY);
        assert_eq!(
            h.lake.stores().unwrap(),
            vec![id.clone()],
            "pending deletion"
        );
        maintain(START + super::PENDING_DELETION_MS);
        assert!(h.lake.stores().unwrap().is_empty(), "gone");
    });
}

/// A dashboard's schedule refreshes it at its times of day, and only once CloudTrail is allowed
/// to: the dashboard's policy for the refresh, the store's for the widget's query.
#[test]
fn scheduled_refreshes_run_at_their_time_when_cloudtrail_may() {
    use super::dashboards::refresh::run_scheduled_refreshes;
    use super::dashboards::{DASHBOARD_KIND, DashboardRecord, dashboard_arn};
    const HOUR: i64 = 3_600_000;
    // START is 2023-11-14 22:13:20 UTC; the schedule runs daily at 06:00.
    const FIRST_SLOT: i64 = 1_700_028_000_000;
    block_on(async {
        let h = Harness::new();
        let input = CreateEventDataStoreRequest {
            name: Some("dash".into()),
            ..Default::default()
        };
        let (store_arn, id) = h.create_store(input).await;
        let input = CreateDashboardRequest {
            name: Some("daily".into()),
            widgets: Some(vec![RequestWidget {
                query_statement: Some(format!("SELECT count(*) AS n FROM {id}")),
                query_parameters: None,
                view_properties: Some([("View".to_owned(), "Table".to_owned())].into()),
            }]),
            refresh_schedule: Some(RefreshSchedule {
                frequency: Some(RefreshScheduleFrequency {
                    unit: Some("DAYS".into()),
                    value: Some(1),
                }),
                status: Some("ENABLED".into()),
                time_of_day: Some("06:00".into()),
            }),
            ..Default::default()
        };
        let ctx = h.ctx(Operation::CreateDashboard);
        h.svc.create_dashboard(&ctx, input).await.unwrap();
        let dashboard = || -> DashboardRecord {
            let arn = dashboard_arn("us-east-1", OWNER, "daily");
            read(h.store.as_ref(), |txn: &dyn ReadTxn| {
                txn.get(OWNER, DASHBOARD_KIND, &arn)
            })
            .unwrap()
            .unwrap()
            .unwrap()
            .decode()
            .unwrap()
        };
        let refresh = |now: i64| {
            run_scheduled_refreshes(h.store.as_ref(), &h.lake, now, h.svc.feed_sources())
        };

        assert_eq!(refresh(START + HOUR).await.unwrap(), 0, "not due yet");
        assert_eq!(dashboard().last_refresh_ms, None);
        const { assert!(FIRST_SLOT - START < 24 * HOUR && FIRST_SLOT % (24 * HOUR) == 6 * HOUR) };

        // Due, but the dashboard's policy does not let CloudTrail refresh it.
        assert_eq!(refresh(FIRST_SLOT + 1).await.unwrap(), 0);
        let refused = dashboard();
        assert_eq!(refused.last_refresh_ms, Some(FIRST_SLOT + 1));
        assert!(
            refused
                .last_refresh_failure
                .as_deref()
                .unwrap()
                .contains("StartDashboardRefresh")
        );
        assert_eq!(refresh(FIRST_SLOT + HOUR).await.unwrap(), 0, "next slot");

        let allow = |action: &str, resource: &str| {
            serde_json::json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": action, "Resource": resource,
                "Condition": {"StringEquals": {
                    "aws:SourceArn": dashboard_arn("us-east-1", OWNER, "daily")}}}]})
            .to_string()
        };
        for (arn, action) in [
            (
                dashboard_arn("us-east-1", OWNER, "daily"),
                "cloudtrail:StartDashboardRefresh",
            ),
            (store_arn.clone(), "cloudtrail:StartQuery"),
        ] {
            let input = PutResourcePolicyRequest {
                resource_policy: Some(allow(action, &arn)),
                resource_arn: Some(arn),
            };
            let ctx = h.ctx(Operation::PutResourcePolicy);
            h.svc.put_resource_policy(&ctx, input).await.unwrap();
        }
        let next_day = FIRST_SLOT + 24 * HOUR + 5;
        assert_eq!(refresh(next_day).await.unwrap(), 1);
        let refreshed = dashboard();
        assert_eq!(refreshed.last_refresh_failure, None);
        let refresh_id = refreshed.last_refresh_id.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let query = loop {
            let queries = h.lake.refresh_queries(OWNER, &refresh_id).unwrap();
            assert_eq!(queries.len(), 1);
            if !queries[0].status.is_active() || Instant::now() > deadline {
                break queries[0].clone();
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(query.status, trailroom_lake::QueryStatus::Finished);
        assert_eq!(query.alias.as_deref(), Some("Widget.daily.1"));
        assert_eq!(refresh(next_day + HOUR).await.unwrap(), 0, "once per slot");
    });
}
