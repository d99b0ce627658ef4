//! The delivery worker on a real SQLite store with in-memory sinks: exactly once per trail, the
//! same keys on retry, one file per account and region, chained digests.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use trailroom_delivery::testkit::{HashSigner, MemoryBucket};
use trailroom_delivery::{Admission, Attempt, Target, Trails, Window, WindowEnd, Worker};
use trailroom_store::{EventRow, ReadTxn, Store, StoreError, WriteTxn};
use trailroom_store_sqlite::SqliteStore;

#[derive(Default)]
struct FakeTrails {
    /// Outcomes of log file deliveries that wrote files or failed.
    errors: Mutex<Vec<Option<String>>>,
    /// Replaces the one logging window when set.
    windows: Mutex<Option<Vec<Window>>>,
    /// Aggregated data event templates of the trail.
    aggregation: Mutex<Vec<String>>,
}

fn target() -> Target {
    Target {
        trail_arn: "arn:aws:cloudtrail:us-east-1:111111111111:trail/t".into(),
        trail_name: "t".into(),
        home_region: "us-east-1".into(),
        owner_account: "111111111111".into(),
        bucket: "logs".into(),
        prefix: Some("p".into()),
        org_id: None,
        accounts: vec!["111111111111".into()],
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        sns_topic_arn: Some("arn:aws:sns:us-east-1:111111111111:topic".into()),
        digests: true,
        key: "arn:aws:cloudtrail:us-east-1:111111111111:trail/t#1".into(),
        origin: String::new(),
        windows: vec![Window {
            started_ms: 0,
            after_seq: 0,
            end: None,
        }],
        deleted_ms: None,
        aggregation: Vec::new(),
    }
}

impl Trails for FakeTrails {
    fn targets(&self, _: &dyn ReadTxn) -> Result<Vec<Target>, StoreError> {
        let mut target = target();
        if let Some(windows) = self.windows.lock().unwrap().clone() {
            target.windows = windows;
        }
        target.aggregation = self.aggregation.lock().unwrap().clone();
        Ok(vec![target])
    }
    fn admission(&self, _: &dyn ReadTxn, target: &Target) -> Result<Admission, StoreError> {
        let regions = target.regions.clone();
        Ok(Box::new(move |event: &EventRow| {
            event.event_name != "Excluded" && regions.contains(&event.region)
        }))
    }
    fn forget(&self, _: &mut dyn WriteTxn, _: &Target) -> Result<(), StoreError> {
        Ok(())
    }
    fn record(
        &self,
        _: &mut dyn WriteTxn,
        _: &Target,
        _: i64,
        attempt: Attempt,
        outcome: Result<(), &str>,
    ) -> Result<(), StoreError> {
        let wrote = !matches!(attempt, Attempt::LogFiles { files: 0, .. });
        if matches!(attempt, Attempt::LogFiles { .. }) && (wrote || outcome.is_err()) {
            let error = outcome.err().map(str::to_owned);
            self.errors.lock().unwrap().push(error);
        }
        Ok(())
    }
}

fn event(name: &str, region: &str, time: i64, n: usize) -> EventRow {
    EventRow {
        seq: 0,
        event_id: format!("e-{n}"),
        account_id: "111111111111".into(),
        region: region.into(),
        event_time_ms: time,
        event_name: name.into(),
        event_source: "a4b.amazonaws.com".into(),
        username: None,
        access_key_id: None,
        read_only: false,
        category: "Management".into(),
        resources: vec![],
        record_json: format!("{{\"eventID\":\"e-{n}\",\"eventName\":\"{name}\"}}"),
    }
}

async fn append(store: &dyn Store, events: Vec<EventRow>) {
    trailroom_store::write(store, move |tx| {
        for e in &events {
            tx.append_event(e)?;
        }
        Ok::<_, StoreError>(())
    })
    .await
    .unwrap()
    .unwrap();
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .unwrap();
    out
}

fn setup() -> (
    tempfile::TempDir,
    Arc<SqliteStore>,
    Arc<MemoryBucket>,
    Arc<FakeTrails>,
    Worker,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
    let sinks = Arc::new(MemoryBucket::default());
    let trails = Arc::new(FakeTrails::default());
    let mut worker = Worker::new(
        store.clone(),
        trails.clone(),
        sinks.clone(),
        Arc::new(HashSigner),
    );
    worker.digest_interval_ms = 1_000;
    (dir, store, sinks, trails, worker)
}

#[tokio::test]
async fn each_event_is_delivered_once_per_trail_in_per_region_files() {
    let (_dir, store, sinks, trails, worker) = setup();
    append(
        store.as_ref(),
        vec![
            event("CreateRoom", "us-east-1", 100, 1),
            event("GetRoom", "eu-west-1", 110, 2),
            event("Excluded", "us-east-1", 120, 3),
            event("CreateRoom", "ap-south-1", 130, 4),
        ],
    )
    .await;
    let report = worker.run_once(500).await.unwrap();
    assert_eq!((report.files, report.events, report.failures), (2, 2, 0));
    let objects = sinks.snapshot();
    let logs: Vec<&String> = objects
        .keys()
        .filter(|k| k.contains("/CloudTrail/"))
        .collect();
    assert_eq!(logs.len(), 2);
    assert!(logs.iter().any(|k| k.starts_with("p/AWSLogs/111111111111/CloudTrail/us-east-1/1970/01/01/111111111111_CloudTrail_us-east-1_19700101T0000Z_")));
    let us = logs.iter().find(|k| k.contains("/us-east-1/")).unwrap();
    assert_eq!(
        gunzip(&objects[*us].0),
        r#"{"Records":[{"eventID":"e-1","eventName":"CreateRoom"}]}"#
    );
    assert_eq!(sinks.sent().len(), 2);
    let note: serde_json::Value = serde_json::from_str(&sinks.sent()[0]).unwrap();
    assert_eq!(note["s3Bucket"], "logs");
    assert!(note["s3ObjectKey"].is_array());

    // Nothing new: nothing delivered again.
    let again = worker.run_once(600).await.unwrap();
    assert_eq!((again.files, again.events), (0, 0));
    append(
        store.as_ref(),
        vec![event("DeleteRoom", "us-east-1", 700, 5)],
    )
    .await;
    let more = worker.run_once(800).await.unwrap();
    assert_eq!((more.files, more.events), (1, 1));
    assert_eq!(
        trails
            .errors
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.is_some())
            .count(),
        0
    );
}

#[tokio::test]
async fn a_failed_delivery_is_retried_under_the_same_keys() {
    let (_dir, store, sinks, trails, worker) = setup();
    append(
        store.as_ref(),
        vec![event("CreateRoom", "us-east-1", 100, 1)],
    )
    .await;
    sinks.missing_once.store(true, Ordering::SeqCst);
    let failed = worker.run_once(60_000).await.unwrap();
    assert_eq!((failed.files, failed.failures), (0, 1));
    assert_eq!(
        trails.errors.lock().unwrap().last().unwrap().as_deref(),
        Some("NoSuchBucket")
    );
    // The retry happens minutes later, yet the batch keeps its planned key.
    let retried = worker.run_once(300_000).await.unwrap();
    assert_eq!((retried.files, retried.failures), (1, 0));
    let objects = sinks.snapshot();
    let key = objects.keys().find(|k| k.contains("/CloudTrail/")).unwrap();
    assert!(key.contains("_19700101T0001Z_"), "{key}");
}

#[tokio::test]
async fn digests_tile_time_and_chain() {
    let (_dir, store, sinks, _trails, worker) = setup();
    append(
        store.as_ref(),
        vec![event("CreateRoom", "us-east-1", 100, 1)],
    )
    .await;
    worker.run_once(500).await.unwrap();
    let report = worker.run_once(2_500).await.unwrap();
    // Two windows ([0,1s], [1s,2s]) for each of the trail's two regions.
    assert_eq!(report.digests, 4);
    let objects = sinks.snapshot();
    let digest_keys: Vec<&String> = objects
        .keys()
        .filter(|k| k.contains("CloudTrail-Digest/us-east-1/"))
        .collect();
    assert_eq!(digest_keys.len(), 2);
    let first: serde_json::Value =
        serde_json::from_str(&gunzip(&objects[digest_keys[0]].0)).unwrap();
    let second: serde_json::Value =
        serde_json::from_str(&gunzip(&objects[digest_keys[1]].0)).unwrap();
    assert_eq!(first["digestStartTime"], "1970-01-01T00:00:00Z");
    assert_eq!(first["digestEndTime"], "1970-01-01T00:00:01Z");
    assert_eq!(first["logFiles"].as_array().unwrap().len(), 1);
    assert!(first["previousDigestSignature"].is_null());
    assert_eq!(second["digestStartTime"], first["digestEndTime"]);
    assert_eq!(second["logFiles"], serde_json::json!([]));
    assert!(second["newestEventTime"].is_null());
    assert_eq!(
        second["previousDigestS3Object"].as_str(),
        Some(digest_keys[0].as_str())
    );
    let first_signature = objects[digest_keys[0]]
        .1
        .iter()
        .find(|(k, _)| k == "signature")
        .unwrap()
        .1
        .clone();
    assert_eq!(second["previousDigestSignature"], first_signature);
    assert_eq!(
        second["previousDigestHashValue"],
        hex::encode(Sha256::digest(
            gunzip(&objects[digest_keys[0]].0).as_bytes()
        ))
    );
}

#[tokio::test]
async fn failed_deliveries_back_off_then_clear() {
    let (_dir, store, sinks, trails, worker) = setup();
    append(
        store.as_ref(),
        vec![event("CreateRoom", "us-east-1", 100, 1)],
    )
    .await;
    let fail_next = || sinks.missing_once.store(true, Ordering::SeqCst);
    let attempted = || !sinks.missing_once.load(Ordering::SeqCst);
    fail_next();
    assert_eq!(worker.run_once(60_000).await.unwrap().failures, 1);
    // Retried after 1 s, then after 2 s more; passes in between leave the trail alone.
    fail_next();
    assert_eq!(worker.run_once(60_500).await.unwrap().failures, 0);
    assert!(!attempted(), "no attempt before the first retry is due");
    assert_eq!(worker.run_once(61_000).await.unwrap().failures, 1);
    assert!(attempted());
    assert_eq!(worker.run_once(62_500).await.unwrap().files, 0);
    let recovered = worker.run_once(63_000).await.unwrap();
    assert_eq!((recovered.files, recovered.failures), (1, 0));
    // The error showed in the status on each failed attempt and is cleared by the success.
    let errors = trails.errors.lock().unwrap().clone();
    assert_eq!(errors.iter().filter(|e| e.is_some()).count(), 2);
    assert_eq!(errors.last().unwrap(), &None);
}

#[tokio::test]
async fn windows_are_delivered_in_order_each_closed_by_a_final_digest() {
    let (_dir, store, sinks, trails, worker) = setup();
    // Window 1 holds events 1-2 (StopLogging's own event is 2), window 2 starts after 3.
    append(
        store.as_ref(),
        vec![
            event("CreateRoom", "us-east-1", 100, 1),
            event("StopLogging", "us-east-1", 200, 2),
            event("WhileStopped", "us-east-1", 300, 3),
            event("StartLogging", "us-east-1", 400, 4),
        ],
    )
    .await;
    *trails.windows.lock().unwrap() = Some(vec![
        Window {
            started_ms: 0,
            after_seq: 0,
            end: Some(WindowEnd::AtEvent {
                stopped_ms: 200,
                upto_seq: 2,
            }),
        },
        Window {
            started_ms: 400,
            after_seq: 3,
            end: None,
        },
    ]);
    let report = worker.run_once(500).await.unwrap();
    assert_eq!(report.events, 3, "1, 2 and 4; never 3");
    let objects = sinks.snapshot();
    let records: Vec<String> = objects
        .iter()
        .filter(|(k, _)| k.contains("/CloudTrail/"))
        .map(|(_, (body, _))| gunzip(body))
        .collect();
    let all = records.join("");
    assert!(!all.contains("WhileStopped"), "{all}");
    assert!(all.contains("StopLogging") && all.contains("StartLogging"));
    // The first window's chains end with a final digest covering its files (delivered at 0.5 s,
    // so ending in the next second: no two digests end in the same second); the second window
    // starts a new chain.
    let finals: Vec<&String> = objects
        .keys()
        .filter(|k| k.contains("CloudTrail-Digest/us-east-1/") && k.ends_with("T000001Z.json.gz"))
        .collect();
    assert_eq!(finals.len(), 1, "{:?}", objects.keys().collect::<Vec<_>>());
    let again = worker.run_once(600).await.unwrap();
    assert_eq!((again.files, again.events, again.digests), (0, 0, 0));
}

#[tokio::test]
async fn data_events_are_summarized_once_per_five_minutes_even_when_a_put_answer_is_lost() {
    let (_dir, store, sinks, trails, worker) = setup();
    *trails.aggregation.lock().unwrap() = vec!["API_ACTIVITY".into()];
    const WINDOW: i64 = 5 * 60_000;
    let data = |name: &str, time: i64, n: usize| EventRow {
        category: "Data".into(),
        event_source: "s3.amazonaws.com".into(),
        resources: vec![("AWS::S3::Bucket".into(), "arn:aws:s3:::b".into())],
        ..event(name, "us-east-1", time, n)
    };
    append(
        store.as_ref(),
        vec![
            data("PutObject", 10, 1),
            data("PutObject", 20, 2),
            event("CreateRoom", "us-east-1", 30, 3),
            data("GetObject", WINDOW + 10, 4),
        ],
    )
    .await;
    let aggregated = || -> Vec<(String, String)> {
        sinks
            .snapshot()
            .into_iter()
            .filter(|(k, _)| k.contains("/CloudTrail-Aggregated/"))
            .map(|(k, o)| (k, gunzip(&o.0)))
            .collect()
    };
    // The first window is written a minute after it ends, not before.
    worker.run_once(WINDOW + 30_000).await.unwrap();
    assert!(aggregated().is_empty());
    // Its put is stored but the answer is lost: the counts stay, the retry writes the same file.
    sinks.ghost_puts.store(1, Ordering::SeqCst);
    let lost = worker.run_once(WINDOW + 61_000).await.unwrap();
    assert_eq!(lost.failures, 1);
    let first = aggregated();
    worker.run_once(WINDOW + 62_000).await.unwrap();
    assert_eq!(aggregated(), first);
    assert_eq!(first.len(), 1);
    let (key, body) = &first[0];
    assert!(
        key.starts_with("p/AWSLogs/111111111111/CloudTrail-Aggregated/us-east-1/1970/01/01/111111111111_CloudTrail-Aggregated_us-east-1_19700101T0005Z_"),
        "{key}"
    );
    let records: serde_json::Value = serde_json::from_str(body).unwrap();
    let records = records["Records"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0]["timeWindow"]["windowStart"],
        "1970-01-01T00:00:00Z"
    );
    assert_eq!(
        records[0]["summary"]["primaryDimension"]["statistics"],
        serde_json::json!([{"name": "PutObject", "value": 2}])
    );
    // The next window in its turn; then nothing more.
    worker.run_once(2 * WINDOW + 61_000).await.unwrap();
    assert_eq!(aggregated().len(), 2);
    worker.run_once(3 * WINDOW + 61_000).await.unwrap();
    assert_eq!(aggregated().len(), 2);
}
