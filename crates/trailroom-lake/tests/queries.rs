//! Queries run end to end: events ingested, SQL translated and run, results paged.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use trailroom_lake::{Lake, LakeError, LakeEvent, Limits, QueryPage, QuerySpec, QueryStatus};

const STORE: &str = "0f1e2d3c-aaaa-bbbb-cccc-000000000001";
const BASE_MS: i64 = 1_714_564_800_000; // 2024-05-01 12:00:00 UTC

fn record(i: i64) -> serde_json::Value {
    let name = ["CreateRoom", "GetRoom", "DeleteRoom"][(i % 3) as usize];
    json!({
        "eventVersion": "1.10",
        "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::111122223333:user/u{}", i % 2),
                         "accountId": "111122223333",
                         "sessionContext": {"attributes": {"mfaAuthenticated": "false"}}},
        "eventTime": "2024-05-01T12:00:00Z",
        "eventSource": "a4b.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": format!("10.0.0.{}", i % 4),
        "requestParameters": {"roomName": format!("room-{i}")},
        "readOnly": name == "GetRoom",
        "resources": [{"ARN": format!("arn:aws:a4b:us-east-1:111122223333:room/{i}"), "type": "AWS::A4B::Room"}],
        "eventID": format!("id-{i}"),
        "errorCode": if i % 5 == 0 { json!("NotFoundException") } else { json!(null) },
        "eventCategory": "Management",
        "recipientAccountId": "111122223333",
    })
}

fn lake_with(n: i64) -> (tempfile::TempDir, Arc<Lake>) {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(&dir.path().join("lake.db"), Limits::default()).unwrap();
    let events: Vec<LakeEvent> = (1..=n)
        .map(|i| LakeEvent {
            seq: i,
            time_ms: BASE_MS + i * 60_000,
            record_json: record(i).to_string(),
        })
        .collect();
    lake.ingest(STORE, "feed", 0, n, &events).unwrap();
    (dir, lake)
}

fn resolve(name: &str) -> Result<String, LakeError> {
    if name.eq_ignore_ascii_case(STORE) {
        Ok(STORE.to_owned())
    } else {
        Err(LakeError::StoreNotFound(name.to_owned()))
    }
}

fn run(lake: &Arc<Lake>, statement: &str) -> QueryPage {
    let spec = QuerySpec {
        account: "111122223333".into(),
        region: "us-east-1".into(),
        statement: statement.into(),
        now_ms: BASE_MS + 86_400_000,
        delivery_uri: None,
        ..QuerySpec::default()
    };
    let started = lake.start_query(spec, &mut resolve).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = lake.results("111122223333", &started.id, 0, 1000).unwrap();
        if !page.info.status.is_active() {
            return page;
        }
        assert!(Instant::now() < deadline, "query did not finish");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn cells(page: &QueryPage) -> Vec<Vec<String>> {
    page.rows
        .iter()
        .map(|r| r.iter().map(|(k, v)| format!("{k}={v}")).collect())
        .collect()
}

#[test]
fn group_by_struct_paths_and_booleans() {
    let (_dir, lake) = lake_with(12);
    let page = run(
        &lake,
        &format!(
            "SELECT eventName, readOnly, count(*) AS n FROM {STORE} \
             WHERE eventTime > '2024-05-01 12:03:00' GROUP BY eventName, readOnly ORDER BY n DESC, eventName"
        ),
    );
    assert_eq!(
        page.info.status,
        QueryStatus::Finished,
        "{:?}",
        page.info.error
    );
    assert_eq!(
        cells(&page),
        vec![
            vec!["eventName=CreateRoom", "readOnly=false", "n=3"],
            vec!["eventName=DeleteRoom", "readOnly=false", "n=3"],
            vec!["eventName=GetRoom", "readOnly=true", "n=3"],
        ]
    );
    assert_eq!(page.info.results_count, 3);
    assert_eq!(page.info.events_scanned, 12);

    let page = run(
        &lake,
        &format!(
            "SELECT userIdentity.arn, approx_distinct(sourceIPAddress), \
             count_if(errorCode IS NOT NULL) FROM {STORE} GROUP BY 1 ORDER BY 1"
        ),
    );
    assert_eq!(
        cells(&page),
        vec![
            vec![
                "arn=arn:aws:iam::111122223333:user/u0",
                "_col1=2",
                "_col2=1"
            ],
            vec![
                "arn=arn:aws:iam::111122223333:user/u1",
                "_col1=2",
                "_col2=1"
            ],
        ]
    );
}

#[test]
fn maps_unnest_times_and_nulls() {
    let (_dir, lake) = lake_with(4);
    let page = run(
        &lake,
        &format!(
            "SELECT element_at(requestParameters, 'roomName') AS room, r.arn, eventTime, errorCode \
             FROM {STORE} CROSS JOIN UNNEST(resources) AS t(r) \
             WHERE eventTime BETWEEN timestamp '2024-05-01 12:02:00' AND date_add('minute', 5, \
             from_iso8601_timestamp('2024-05-01T12:00:00Z')) ORDER BY eventTime"
        ),
    );
    assert_eq!(
        page.info.status,
        QueryStatus::Finished,
        "{:?}",
        page.info.error
    );
    assert_eq!(
        cells(&page),
        vec![
            vec![
                "room=room-2",
                "arn=arn:aws:a4b:us-east-1:111122223333:room/2",
                "eventTime=2024-05-01 12:02:00.000",
            ],
            vec![
                "room=room-3",
                "arn=arn:aws:a4b:us-east-1:111122223333:room/3",
                "eventTime=2024-05-01 12:03:00.000",
            ],
            vec![
                "room=room-4",
                "arn=arn:aws:a4b:us-east-1:111122223333:room/4",
                "eventTime=2024-05-01 12:04:00.000",
            ],
        ]
    );
}

#[test]
fn nested_columns_are_shown_as_json() {
    let (_dir, lake) = lake_with(1);
    let page = run(
        &lake,
        &format!("SELECT userIdentity, resources, requestParameters AS rp FROM {STORE}"),
    );
    let row = &page.rows[0];
    let value = |i: usize| serde_json::from_str::<serde_json::Value>(&row[i].1).unwrap();
    assert_eq!(value(0)["type"], "IAMUser");
    assert_eq!(value(1)[0]["type"], "AWS::A4B::Room");
    assert_eq!(value(2), json!({"roomName": "room-1"}));
}

#[test]
fn results_page_and_failures_are_reported() {
    let (_dir, lake) = lake_with(25);
    let page = run(
        &lake,
        &format!("SELECT eventID FROM {STORE} ORDER BY eventID"),
    );
    let spec_id = page.info.id.clone();
    let first = lake.results("111122223333", &spec_id, 0, 10).unwrap();
    assert_eq!(first.rows.len(), 10);
    assert_eq!(first.next, Some(10));
    let last = lake.results("111122223333", &spec_id, 20, 10).unwrap();
    assert_eq!(last.rows.len(), 5);
    assert_eq!(last.next, None);
    assert!(matches!(
        lake.results("999999999999", &spec_id, 0, 10),
        Err(LakeError::QueryNotFound(_))
    ));

    let failed = run(
        &lake,
        &format!("SELECT from_iso8601_timestamp(eventName) FROM {STORE}"),
    );
    assert_eq!(failed.info.status, QueryStatus::Failed);
    assert!(
        failed
            .info
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("CreateRoom")
            || failed
                .info
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("GetRoom"),
        "{:?}",
        failed.info.error
    );
    let listed = lake
        .list_queries(
            "111122223333",
            STORE,
            0,
            i64::MAX,
            Some(QueryStatus::Failed),
        )
        .unwrap();
    assert_eq!(listed.len(), 1);
}

#[test]
fn slow_queries_time_out_and_can_be_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        query_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let lake = Lake::open(&dir.path().join("lake.db"), limits).unwrap();
    lake.ingest(
        STORE,
        "feed",
        0,
        1,
        &[LakeEvent {
            seq: 1,
            time_ms: BASE_MS,
            record_json: record(1).to_string(),
        }],
    )
    .unwrap();
    // A recursive CTE that never ends on its own.
    let endless = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) \
         SELECT count(*) FROM n CROSS JOIN {STORE}"
    );
    let page = run(&lake, &endless);
    assert_eq!(page.info.status, QueryStatus::TimedOut);

    let lake = Lake::open(&dir.path().join("lake2.db"), Limits::default()).unwrap();
    lake.ingest(
        STORE,
        "feed",
        0,
        1,
        &[LakeEvent {
            seq: 1,
            time_ms: BASE_MS,
            record_json: record(1).to_string(),
        }],
    )
    .unwrap();
    let spec = QuerySpec {
        account: "111122223333".into(),
        region: "us-east-1".into(),
        statement: endless,
        now_ms: BASE_MS,
        delivery_uri: None,
        ..QuerySpec::default()
    };
    let started = lake.start_query(spec, &mut resolve).unwrap();
    let cancelled = lake.cancel("111122223333", &started.id).unwrap();
    assert_eq!(cancelled.status, QueryStatus::Cancelled);
    assert!(matches!(
        lake.cancel("111122223333", &started.id),
        Err(LakeError::QueryInactive(_))
    ));
}

#[test]
fn aliased_queries_are_found_in_their_region_and_refresh() {
    let (_dir, lake) = lake_with(0);
    let failed = |region: &str, refresh: &str, ms: i64| {
        let spec = QuerySpec {
            account: "111122223333".into(),
            region: region.into(),
            statement: "SELECT 1".into(),
            now_ms: ms,
            alias: Some("Widget.ops.1".into()),
            refresh: Some(refresh.into()),
            ..QuerySpec::default()
        };
        lake.fail_query(spec, "no").unwrap()
    };
    let east = failed("us-east-1", "100", BASE_MS);
    let west = failed("eu-west-1", "100", BASE_MS + 1);
    let later = failed("us-east-1", "200", BASE_MS + 2);
    let found = |region: &str, refresh: Option<&str>| {
        lake.describe_alias("111122223333", region, "Widget.ops.1", refresh)
            .unwrap()
            .id
    };
    // The newest in the region, not the newest anywhere; a refresh picks its own.
    assert_eq!(found("us-east-1", None), later.id);
    assert_eq!(found("us-east-1", Some("100")), east.id);
    assert_eq!(found("eu-west-1", None), west.id);
    assert!(matches!(
        lake.describe_alias("111122223333", "ap-south-1", "Widget.ops.1", None),
        Err(LakeError::QueryNotFound(_))
    ));
    let refreshed: Vec<String> = lake
        .refresh_queries("111122223333", "100")
        .unwrap()
        .into_iter()
        .map(|q| q.id)
        .collect();
    assert_eq!(refreshed, [east.id, west.id]);
}
