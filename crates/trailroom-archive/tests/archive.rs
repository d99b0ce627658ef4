//! The archive against a real store (SQLite) and an in-memory object store: archived events are
//! still found by every Event history attribute, paged across the live log and the segments as
//! before; the chain verifies and tampering with a segment, a manifest or the chain is detected;
//! the horizon and the lease fence hold; and a state-machine property: any interleaving of
//! appends, archiving passes and prunes answers every lookup as a model of the whole log does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use proptest::prelude::*;
use trailroom_archive::{
    ArchiveError, ArchiveReader, CatalogEntry, Pass, SegmentObjects, archive_once, catalog, verify,
    write_segment,
};
use trailroom_store::lease::{self, Fence};
use trailroom_store::{EventQuery, EventRow, LookupKey, Store, StoreError};
use trailroom_store_sqlite::SqliteStore;

/// Objects in memory, changeable by the test (tampering).
#[derive(Default)]
struct MemoryObjects {
    objects: Mutex<HashMap<String, Bytes>>,
}

#[async_trait::async_trait]
impl SegmentObjects for MemoryObjects {
    async fn put(&self, bytes: Bytes) -> std::io::Result<String> {
        let mut objects = self.objects.lock().unwrap();
        let name = format!("{:02x}/{:032x}", objects.len() % 256, objects.len());
        objects.insert(name.clone(), bytes);
        Ok(name)
    }
    async fn get(&self, name: &str) -> std::io::Result<Bytes> {
        self.get_blocking(name)
    }
    fn get_blocking(&self, name: &str) -> std::io::Result<Bytes> {
        self.objects
            .lock()
            .unwrap()
            .get(name)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, name.to_owned()))
    }
}

impl MemoryObjects {
    fn change(&self, name: &str, f: impl FnOnce(&mut Vec<u8>)) {
        let mut objects = self.objects.lock().unwrap();
        let mut bytes = objects[name].to_vec();
        f(&mut bytes);
        objects.insert(name.to_owned(), Bytes::from(bytes));
    }
}

const ACCOUNT: &str = "111111111111";
const T0: i64 = 1_700_000_000_000;

/// The `n`th event: times mostly rise but step back now and then, attributes repeat with
/// different periods, one stream in five is another region.
fn event(n: i64) -> EventRow {
    EventRow {
        seq: 0,
        event_id: event_id(n),
        account_id: ACCOUNT.into(),
        region: if n % 5 == 4 { "eu-west-1" } else { "us-east-1" }.into(),
        event_time_ms: time_of(n),
        event_name: ["CreateRoom", "GetRoom", "DeleteRoom"][(n % 3) as usize].into(),
        event_source: if n % 4 == 0 {
            "cloudtrail.amazonaws.com"
        } else {
            "a4b.amazonaws.com"
        }
        .into(),
        username: (n % 6 != 5).then(|| format!("user-{}", n % 4)),
        access_key_id: (n % 3 != 2).then(|| format!("AKIA{:016}", n % 2)),
        read_only: n % 3 == 1,
        category: "Management".into(),
        resources: (0..n % 3)
            .map(|i| ("AWS::A4B::Room".to_owned(), format!("room-{}", (n + i) % 5)))
            .collect(),
        record_json: format!(r#"{{"eventVersion":"1.11","n":{n}}}"#),
    }
}

fn time_of(n: i64) -> i64 {
    T0 + n * 1_000 - if n % 7 == 3 { 9_500 } else { 0 }
}

/// A UUIDv7 carrying the event's time, as the server mints them (every third one a plain id).
fn event_id(n: i64) -> String {
    let t = time_of(n);
    match n % 3 {
        0 => format!("00000000-0000-4000-8000-{n:012}"),
        _ => format!("{:08x}-{:04x}-7000-8000-{n:012}", t >> 16, t & 0xffff),
    }
}

/// Every lookup attribute, with values present in [`event`]'s data and one absent.
fn keys() -> Vec<Option<LookupKey>> {
    vec![
        None,
        Some(LookupKey::EventId(event_id(7))),
        Some(LookupKey::EventId(event_id(60))),
        Some(LookupKey::EventId(event_id(101))),
        Some(LookupKey::EventName("GetRoom".into())),
        Some(LookupKey::EventSource("cloudtrail.amazonaws.com".into())),
        Some(LookupKey::Username("user-1".into())),
        Some(LookupKey::AccessKeyId("AKIA0000000000000001".into())),
        Some(LookupKey::ReadOnly(true)),
        Some(LookupKey::ResourceType("AWS::A4B::Room".into())),
        Some(LookupKey::ResourceName("room-3".into())),
        Some(LookupKey::EventName("NoSuchCall".into())),
    ]
}

fn query(key: Option<LookupKey>, region: &str) -> EventQuery {
    EventQuery {
        account_id: ACCOUNT.into(),
        region: region.into(),
        key,
        start_ms: T0 + 5_000,
        end_ms: T0 + 10_000_000,
        before: None,
        category: "Management".into(),
        limit: 4,
    }
}

/// Every page of `query` across the live log and the archive, as LookupEvents pages.
async fn all_pages(store: &dyn Store, reader: &ArchiveReader, mut query: EventQuery) -> Vec<i64> {
    let mut seen = Vec::new();
    loop {
        let q = query.clone();
        let (live, entries): (Vec<EventRow>, Vec<CatalogEntry>) =
            trailroom_store::read(store, move |txn| {
                Ok::<_, StoreError>((txn.lookup_events(&q)?, catalog::entries(txn)?))
            })
            .unwrap()
            .unwrap();
        let page = reader
            .lookup_with_live(live, &entries, &query)
            .await
            .unwrap();
        seen.extend(page.iter().map(|e| e.seq));
        match page.last() {
            Some(last) if page.len() == query.limit => {
                query.before = Some((last.event_time_ms, last.seq))
            }
            _ => return seen,
        }
    }
}

/// What every attribute's lookup answers, in both regions.
async fn answers(store: &dyn Store, reader: &ArchiveReader) -> Vec<Vec<i64>> {
    let mut out = Vec::new();
    for region in ["us-east-1", "eu-west-1"] {
        for key in keys() {
            out.push(all_pages(store, reader, query(key, region)).await);
        }
    }
    out
}

async fn append(store: &dyn Store, range: std::ops::Range<i64>) -> Vec<i64> {
    trailroom_store::write(store, move |tx| {
        range
            .map(|n| tx.append_event(&event(n)))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .unwrap()
    .unwrap()
}

fn open() -> (tempfile::TempDir, Arc<SqliteStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("trailroom.db")).unwrap();
    (dir, store)
}

fn pass(cutoff_ms: i64, segment_events: usize) -> Pass {
    Pass {
        cutoff_ms,
        horizon_seq: None,
        segment_events,
        now_ms: T0 + 100_000_000,
    }
}

async fn archive_all(store: &dyn Store, objects: &dyn SegmentObjects, pass: &Pass) -> usize {
    let mut segments = 0;
    while archive_once(store, objects, pass, None)
        .await
        .unwrap()
        .is_some()
    {
        segments += 1;
    }
    segments
}

#[tokio::test]
async fn archived_events_are_found_by_every_attribute_and_the_chain_verifies() {
    let (_dir, store) = open();
    let objects = Arc::new(MemoryObjects::default());
    let reader = ArchiveReader::new(objects.clone());
    append(store.as_ref(), 0..120).await;
    let before = answers(store.as_ref(), &reader).await;
    assert!(before.iter().filter(|a| !a.is_empty()).count() >= 15);

    // Events older than T0 + 80 s leave the live log in segments of at most 25.
    let segments = archive_all(store.as_ref(), objects.as_ref(), &pass(T0 + 80_000, 25)).await;
    assert_eq!(segments, 4, "81 old events in segments of 25");
    let live = trailroom_store::read(store.as_ref(), |txn| txn.count_events().unwrap()).unwrap();
    assert!(live <= 41, "{live} events are still live");
    assert_eq!(answers(store.as_ref(), &reader).await, before);

    let report = verify(store.as_ref(), objects.as_ref()).await.unwrap();
    assert!(report.valid(), "{:?}", report.problems);
    assert_eq!(report.segments, 4);
    assert_eq!(report.events + live, 120);

    // A later pass continues the chain.
    append(store.as_ref(), 120..130).await;
    archive_all(store.as_ref(), objects.as_ref(), &pass(T0 + 200_000, 1_000)).await;
    let report = verify(store.as_ref(), objects.as_ref()).await.unwrap();
    assert!(report.valid(), "{:?}", report.problems);
    assert_eq!(report.events, 130);
    assert_eq!(
        trailroom_store::read(store.as_ref(), |txn| txn.count_events().unwrap()).unwrap(),
        0
    );
}

async fn archived_store() -> (
    tempfile::TempDir,
    Arc<SqliteStore>,
    Arc<MemoryObjects>,
    Vec<CatalogEntry>,
) {
    let (dir, store) = open();
    let objects = Arc::new(MemoryObjects::default());
    append(store.as_ref(), 0..60).await;
    archive_all(store.as_ref(), objects.as_ref(), &pass(T0 + 100_000, 20)).await;
    let entries =
        trailroom_store::read(store.as_ref(), |txn| catalog::entries(txn).unwrap()).unwrap();
    assert_eq!(entries.len(), 3);
    assert!(
        verify(store.as_ref(), objects.as_ref())
            .await
            .unwrap()
            .valid()
    );
    (dir, store, objects, entries)
}

fn problems_of(report: &trailroom_archive::Report) -> String {
    report.problems.join("\n")
}

#[tokio::test]
async fn a_changed_segment_is_detected() {
    let (_dir, store, objects, entries) = archived_store().await;
    objects.change(&entries[1].segment.object, |bytes| {
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
    });
    let report = verify(store.as_ref(), objects.as_ref()).await.unwrap();
    assert!(!report.valid());
    assert!(problems_of(&report).contains("segment 2"), "{report:?}");
    assert!(problems_of(&report).contains("SHA-256"), "{report:?}");
}

#[tokio::test]
async fn a_changed_manifest_is_detected() {
    let (_dir, store, objects, entries) = archived_store().await;
    // The segment replaced by another with a manifest that claims it: the signature fails.
    objects.change(&entries[0].manifest_object, |bytes| {
        let text = String::from_utf8(bytes.clone()).unwrap();
        *bytes = text
            .replacen("\"events\": 20", "\"events\": 19", 1)
            .into_bytes();
    });
    let report = verify(store.as_ref(), objects.as_ref()).await.unwrap();
    assert!(
        problems_of(&report).contains("signature is not valid"),
        "{report:?}"
    );
}

#[tokio::test]
async fn a_segment_taken_out_of_the_chain_is_detected() {
    let (_dir, store, objects, entries) = archived_store().await;
    let middle = entries[1].clone();
    trailroom_store::write(store.as_ref(), move |tx| {
        tx.delete(
            lease::CLUSTER_ACCOUNT,
            catalog::SEGMENT_KIND,
            &format!("{:012}", middle.sequence),
        )
    })
    .await
    .unwrap()
    .unwrap();
    let report = verify(store.as_ref(), objects.as_ref()).await.unwrap();
    let problems = problems_of(&report);
    assert!(
        problems.contains("does not name the one before it"),
        "{problems}"
    );
    assert!(problems.contains("not 3"), "{problems}");
}

#[tokio::test]
async fn events_catalogued_but_not_yet_removed_are_found_once_and_removed_next() {
    let (_dir, store) = open();
    let objects = Arc::new(MemoryObjects::default());
    let reader = ArchiveReader::new(objects.clone());
    append(store.as_ref(), 0..50).await;
    let before = answers(store.as_ref(), &reader).await;
    // A pass that stopped after cataloguing its segment: the events are in both places.
    let pass = pass(T0 + 1_000_000, 30);
    let entry = write_segment(store.as_ref(), objects.as_ref(), &pass, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.segment.events, 30);
    let live = || trailroom_store::read(store.as_ref(), |txn| txn.count_events().unwrap()).unwrap();
    assert_eq!(live(), 50);
    assert_eq!(answers(store.as_ref(), &reader).await, before);
    // The next pass removes them first, then archives the rest.
    let done = archive_once(store.as_ref(), objects.as_ref(), &pass, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((done.sequence, done.events, done.removed), (2, 20, 20));
    assert_eq!(live(), 0);
    assert_eq!(answers(store.as_ref(), &reader).await, before);
    assert!(
        verify(store.as_ref(), objects.as_ref())
            .await
            .unwrap()
            .valid()
    );
}

#[tokio::test]
async fn the_horizon_holds_events_back() {
    let (_dir, store) = open();
    let objects = MemoryObjects::default();
    let positions = append(store.as_ref(), 0..30).await;
    let held = Pass {
        horizon_seq: Some(positions[9]),
        ..pass(T0 + 1_000_000, 1_000)
    };
    let done = archive_once(store.as_ref(), &objects, &held, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.events, 10);
    assert!(
        archive_once(store.as_ref(), &objects, &held, None)
            .await
            .unwrap()
            .is_none()
    );
    let nobody_reads = Pass {
        horizon_seq: Some(0),
        ..held
    };
    assert!(
        archive_once(store.as_ref(), &objects, &nobody_reads, None)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_former_lease_holder_changes_nothing() {
    let (_dir, store) = open();
    let objects = MemoryObjects::default();
    append(store.as_ref(), 0..10).await;
    let take = |holder: &'static str, now: i64| {
        trailroom_store::write(store.as_ref(), move |tx| {
            lease::acquire(tx, "archive", holder, "p", now, 1_000)
        })
    };
    let old: Fence = take("a", 0).await.unwrap().unwrap().unwrap();
    take("b", 5_000).await.unwrap().unwrap().unwrap();
    let err = archive_once(
        store.as_ref(),
        &objects,
        &pass(T0 + 1_000_000, 100),
        Some(&old),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, ArchiveError::Store(StoreError::Fenced(_))),
        "{err:?}"
    );
    let (live, entries) = trailroom_store::read(store.as_ref(), |txn| {
        (txn.count_events().unwrap(), catalog::entries(txn).unwrap())
    })
    .unwrap();
    assert_eq!((live, entries.len()), (10, 0));
}

/// One step of the state machine.
#[derive(Debug, Clone)]
enum Step {
    /// Appends this many events.
    Append(i64),
    /// Archives events older than this many seconds past T0, segments of this size.
    Archive(i64, usize),
    /// Prunes events older than this many seconds past T0 (retention).
    Prune(i64),
    /// One segment catalogued and its events left in the live log (a pass stopped there).
    Catalogue(i64, usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1i64..25).prop_map(Step::Append),
        (0i64..120, 1usize..30).prop_map(|(s, n)| Step::Archive(s, n)),
        (0i64..40).prop_map(Step::Prune),
        (0i64..120, 1usize..30).prop_map(|(s, n)| Step::Catalogue(s, n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Whatever the interleaving, every lookup answers as the model (all appended events, minus
    /// those retention removed from the live log) does, and the chain verifies.
    #[test]
    fn lookups_span_the_live_log_and_the_archive(steps in proptest::collection::vec(step(), 1..12)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async {
            let (_dir, store) = open();
            let objects = Arc::new(MemoryObjects::default());
            let reader = ArchiveReader::new(objects.clone());
            let model_dir = tempfile::tempdir().unwrap();
            let model = SqliteStore::open(&model_dir.path().join("model.db")).unwrap();
            let mut next = 0;
            for step in steps {
                match step {
                    Step::Append(n) => {
                        append(store.as_ref(), next..next + n).await;
                        append(model.as_ref(), next..next + n).await;
                        next += n;
                    }
                    Step::Archive(seconds, size) => {
                        archive_all(store.as_ref(), objects.as_ref(), &pass(T0 + seconds * 1_000, size)).await;
                    }
                    Step::Catalogue(seconds, size) => {
                        write_segment(store.as_ref(), objects.as_ref(), &pass(T0 + seconds * 1_000, size), None).await.unwrap();
                    }
                    Step::Prune(seconds) => {
                        // Retention applies to the live log only; the model loses what the live
                        // log loses and the archive does not hold (a catalogued event not yet
                        // removed stays archived).
                        let cutoff = T0 + seconds * 1_000;
                        let archived_through = trailroom_store::read(store.as_ref(), |txn| {
                            catalog::last(txn).unwrap().map_or(0, |l| l.segment.last_position)
                        }).unwrap();
                        let live: Vec<String> = trailroom_store::read(store.as_ref(), |txn| {
                            txn.log_after(archived_through, usize::MAX >> 1).unwrap()
                        }).unwrap().into_iter().filter(|e| e.event_time_ms < cutoff).map(|e| e.event_id).collect();
                        trailroom_store::write(store.as_ref(), move |tx| tx.prune_events(cutoff, 1_000_000)).await.unwrap().unwrap();
                        let doomed: Vec<i64> = trailroom_store::read(model.as_ref(), |txn| {
                            txn.log_after(0, usize::MAX >> 1).unwrap()
                        }).unwrap().into_iter().filter(|e| live.contains(&e.event_id)).map(|e| e.seq).collect();
                        trailroom_store::write(model.as_ref(), move |tx| tx.remove_events(&doomed)).await.unwrap().unwrap();
                    }
                }
                let model_reader = ArchiveReader::new(Arc::new(MemoryObjects::default()));
                let expected = answers(model.as_ref(), &model_reader).await;
                let got = answers(store.as_ref(), &reader).await;
                // Positions differ between the two stores only if appends did: they do not.
                assert_eq!(got, expected);
            }
            let report = verify(store.as_ref(), objects.as_ref()).await.unwrap();
            assert!(report.valid(), "{:?}", report.problems);
        });
    }
}
