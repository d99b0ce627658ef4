//! Validation of what the worker delivered, with a real RSA-2048 key: untouched files pass; an
//! edited log, a deleted log, a deleted digest and a moved digest are each reported as the AWS CLI
//! reports them. A trail that stops logging gets its last events and a final digest, once.

use std::sync::Arc;

use trailroom_delivery::testkit::{MemoryBucket as Bucket, RsaDigestKey as Key};
use trailroom_delivery::validate::{Request, validate};
use trailroom_delivery::{Admission, Attempt, Target, Trails, Window, WindowEnd, Worker};
use trailroom_store::{EventRow, ReadTxn, Store, StoreError, WriteTxn};
use trailroom_store_sqlite::SqliteStore;

/// One trail; `stopped_ms` as if StopLogging ran then.
struct OneTrail {
    stopped_ms: Option<i64>,
}

const LOGGING: OneTrail = OneTrail { stopped_ms: None };

fn target() -> Target {
    Target {
        trail_arn: "arn:aws:cloudtrail:us-east-1:111111111111:trail/audit".into(),
        trail_name: "audit".into(),
        home_region: "us-east-1".into(),
        owner_account: "111111111111".into(),
        bucket: "logs".into(),
        prefix: None,
        org_id: None,
        accounts: vec!["111111111111".into()],
        regions: vec!["us-east-1".into()],
        sns_topic_arn: None,
        digests: true,
        key: "arn:aws:cloudtrail:us-east-1:111111111111:trail/audit".into(),
        origin: String::new(),
        windows: Vec::new(),
        deleted_ms: None,
        aggregation: Vec::new(),
    }
}

impl Trails for OneTrail {
    fn targets(&self, _: &dyn ReadTxn) -> Result<Vec<Target>, StoreError> {
        // A stop known by its time only, as older versions stored it.
        let end = self
            .stopped_ms
            .map(|stopped_ms| WindowEnd::AtTime { stopped_ms });
        Ok(vec![Target {
            windows: vec![Window {
                started_ms: 0,
                after_seq: 0,
                end,
            }],
            ..target()
        }])
    }
    fn admission(&self, _: &dyn ReadTxn, _: &Target) -> Result<Admission, StoreError> {
        Ok(Box::new(|_: &EventRow| true))
    }
    fn forget(&self, _: &mut dyn WriteTxn, _: &Target) -> Result<(), StoreError> {
        Ok(())
    }
    fn record(
        &self,
        _: &mut dyn WriteTxn,
        _: &Target,
        _: i64,
        _: Attempt,
        _: Result<(), &str>,
    ) -> Result<(), StoreError> {
        Ok(())
    }
}

fn event(n: i64) -> EventRow {
    EventRow {
        seq: 0,
        event_id: format!("e-{n}"),
        account_id: "111111111111".into(),
        region: "us-east-1".into(),
        event_time_ms: n * 1000,
        event_name: "CreateRoom".into(),
        event_source: "a4b.amazonaws.com".into(),
        username: None,
        access_key_id: None,
        read_only: false,
        category: "Management".into(),
        resources: vec![],
        record_json: format!("{{\"eventID\":\"e-{n}\"}}"),
    }
}

/// Three digest windows of 10 s, with a log file in the first two.
async fn delivered() -> (tempfile::TempDir, Bucket, Arc<Key>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
    let bucket = Bucket::default();
    let key = Arc::new(Key::shared());
    let mut worker = Worker::new(
        store.clone(),
        Arc::new(LOGGING),
        Arc::new(bucket.clone()),
        key.clone(),
    );
    worker.digest_interval_ms = 10_000;
    for (n, now) in [(1, 5_000), (12, 15_000), (0, 35_000)] {
        if n > 0 {
            let e = event(n);
            trailroom_store::write(store.as_ref(), move |tx| tx.append_event(&e))
                .await
                .unwrap()
                .unwrap();
        }
        worker.run_once(now).await.unwrap();
    }
    store.shutdown();
    (dir, bucket, key)
}

fn request() -> Request<'static> {
    Request {
        bucket: "logs",
        prefix: None,
        org_id: None,
        account: "111111111111",
        region: "us-east-1",
        trail_name: "audit",
        home_region: "us-east-1",
        start_ms: 0,
        end_ms: 40_000,
    }
}

fn problems(bucket: &Bucket, key: &Key) -> Vec<String> {
    let report = validate(bucket, key, &request(), |_| {}).unwrap();
    report
        .verdicts
        .iter()
        .filter_map(|v| v.problem.as_ref().map(|p| format!("{}: {p}", v.kind)))
        .collect()
}

fn keys_with(bucket: &Bucket, part: &str) -> Vec<String> {
    bucket
        .snapshot()
        .into_keys()
        .filter(|k| k.contains(part))
        .collect()
}

#[tokio::test]
async fn untouched_files_are_valid() {
    let (_dir, bucket, key) = delivered().await;
    let report = validate(&bucket, key.as_ref(), &request(), |_| {}).unwrap();
    assert!(report.is_valid(), "{:?}", report.verdicts);
    assert_eq!(
        report.summary(),
        ["3/3 digest files valid", "2/2 log files valid"]
    );
}

#[tokio::test]
async fn tampering_is_reported() {
    let (_dir, bucket, key) = delivered().await;
    let logs = keys_with(&bucket, "/CloudTrail/");
    let digests = keys_with(&bucket, "CloudTrail-Digest");

    // An edited log file.
    let edited =
        trailroom_delivery::logfile::gzip(br#"{"Records":[{"eventID":"forged"}]}"#).unwrap();
    bucket.objects.lock().unwrap().get_mut(&logs[0]).unwrap().0 = edited;
    assert_eq!(
        problems(&bucket, &key),
        ["Log file: hash value doesn't match"]
    );

    // A deleted log file.
    bucket.objects.lock().unwrap().remove(&logs[1]);
    assert!(problems(&bucket, &key).contains(&"Log file: not found".to_owned()));

    // A deleted digest: reported, and the older ones are still checked through the listing.
    let (dir2, bucket2, key2) = delivered().await;
    let digests2 = keys_with(&bucket2, "CloudTrail-Digest");
    bucket2.objects.lock().unwrap().remove(&digests2[1]);
    let report = validate(&bucket2, key2.as_ref(), &request(), |_| {}).unwrap();
    assert!(
        report
            .verdicts
            .iter()
            .any(|v| v.problem.as_deref() == Some("not found") && v.kind == "Digest file")
    );
    assert_eq!(
        report
            .verdicts
            .iter()
            .filter(|v| v.kind == "Digest file" && v.problem.is_none())
            .count(),
        2
    );
    drop(dir2);

    // A digest copied to another key has been moved.
    let newest = digests.last().unwrap().clone();
    let copy = bucket.objects.lock().unwrap()[&newest].clone();
    let moved = newest.replace("T000030Z", "T000031Z");
    bucket.objects.lock().unwrap().remove(&newest);
    bucket.objects.lock().unwrap().insert(moved, copy);
    assert!(
        problems(&bucket, &key)
            .contains(&"Digest file: has been moved from its original location".to_owned())
    );
}

#[tokio::test]
async fn a_stopped_trail_gets_its_last_events_and_a_final_digest() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
    let bucket = Bucket::default();
    let key = Arc::new(Key::shared());
    let worker = |trail: OneTrail| {
        let mut worker = Worker::new(
            store.clone(),
            Arc::new(trail),
            Arc::new(bucket.clone()),
            key.clone(),
        );
        worker.digest_interval_ms = 10_000;
        worker
    };
    // Events at 1 s and 12 s, logging stops at 12.5 s, one more event at 13 s.
    for n in [1, 12, 13] {
        let e = event(n);
        trailroom_store::write(store.as_ref(), move |tx| tx.append_event(&e))
            .await
            .unwrap()
            .unwrap();
    }
    let stopped = worker(OneTrail {
        stopped_ms: Some(12_500),
    });
    // Within the grace period nothing happens; then the last events, the window that ended
    // before the stop, and a final digest ending now.
    assert_eq!(stopped.run_once(13_000).await.unwrap().files, 0);
    let report = stopped.run_once(15_000).await.unwrap();
    assert_eq!((report.files, report.events, report.digests), (1, 2, 2));
    let digests = keys_with(&bucket, "CloudTrail-Digest");
    assert!(digests[1].ends_with("T000015Z.json.gz"), "{digests:?}");
    // Finished: later passes write nothing more.
    let later = stopped.run_once(60_000).await.unwrap();
    assert_eq!((later.files, later.digests), (0, 0));
    let report = validate(&bucket, key.as_ref(), &request(), |_| {}).unwrap();
    assert!(report.is_valid(), "{:?}", report.verdicts);
    assert_eq!(
        report.summary(),
        ["2/2 digest files valid", "1/1 log files valid"]
    );
    store.shutdown();
}
