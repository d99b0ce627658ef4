//! The trail handlers end to end on a real SQLite store: calls through the `CloudTrail` trait
//! with a `CallContext`, buckets and topics behind the `Destinations` port, and a manual clock.

use std::sync::Arc;

use serde_json::json;
use trailroom_audit::{CallContext, CallInfo, ManualClock};
use trailroom_identity::{Caller as Identity, Principal};
use trailroom_model::Timestamp;
use trailroom_model::cloudtrail::*;
use trailroom_protocol::ApiError;
use trailroom_store::{Store, read, write};
use trailroom_store_sqlite::SqliteStore;

use super::*;
use crate::CloudTrailService;
use crate::keys;

const ACCOUNT: &str = "123456789012";
const START: i64 = 1_700_000_000_000;

/// Buckets and topics the test sets up while the service runs.
#[derive(Debug, Default)]
struct TestDestinations(std::sync::Mutex<FixedDestinations>);

impl Destinations for TestDestinations {
    fn bucket(
        &self,
        txn: &dyn trailroom_store::ReadTxn,
        name: &str,
    ) -> Result<BucketView, ApiError> {
        self.0.lock().unwrap().bucket(txn, name)
    }

    fn topic_policy(
        &self,
        txn: &dyn trailroom_store::ReadTxn,
        arn: &str,
    ) -> Result<Option<String>, ApiError> {
        self.0.lock().unwrap().topic_policy(txn, arn)
    }
}

struct Harness {
    store: Arc<dyn Store>,
    destinations: Arc<TestDestinations>,
    clock: Arc<ManualClock>,
    svc: CloudTrailService,
    _dir: tempfile::TempDir,
}

impl Harness {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = SqliteStore::open(&dir.path().join("t.db")).unwrap();
        let destinations = Arc::new(TestDestinations::default());
        destinations
            .0
            .lock()
            .unwrap()
            .buckets
            .insert("external-logs".into(), BucketView::External);
        let svc = CloudTrailService {
            destinations: destinations.clone(),
            ..CloudTrailService::default()
        };
        Self {
            store,
            destinations,
            clock: Arc::new(ManualClock::new(START)),
            svc,
            _dir: dir,
        }
    }

    fn ctx_as(&self, account: &str, region: &str, op: Operation) -> CallContext {
        let info = CallInfo {
            caller: Identity {
                principal: Principal::Root {
                    account_id: account.into(),
                },
                access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
                session: None,
                invoked_by: None,
            },
            region: region.into(),
            request_id: "req".into(),
            source_ip: "127.0.0.1".into(),
            user_agent: "test".into(),
            event_source: EVENT_SOURCE.into(),
            event_name: op.name().into(),
            read_only: op.read_only(),
            log_response: !op.read_only(),
            tls_details: None,
            named_resources: None,
        };
        CallContext::new(info, self.store.clone(), self.clock.clone(), true)
    }

    fn ctx(&self, region: &str, op: Operation) -> CallContext {
        self.ctx_as(ACCOUNT, region, op)
    }

    /// A bucket of this server in us-east-1.
    async fn bucket(&self, name: &str, policy: Option<String>) {
        let bucket = BucketView::Local {
            region: "us-east-1".into(),
            policy,
        };
        let mut fixed = self.destinations.0.lock().unwrap();
        fixed.buckets.insert(name.into(), bucket);
    }

    /// A topic of this server in us-east-1.
    async fn topic(&self, name: &str, policy: &str) {
        let arn = format!("arn:aws:sns:us-east-1:{ACCOUNT}:{name}");
        let mut fixed = self.destinations.0.lock().unwrap();
        fixed.topics.insert(arn, policy.into());
    }

    async fn create(
        &self,
        region: &str,
        name: &str,
        bucket: &str,
        multi: bool,
    ) -> Result<CreateTrailResponse, ApiError> {
        let input = CreateTrailRequest {
            name: Some(name.into()),
            s3_bucket_name: Some(bucket.into()),
            is_multi_region_trail: Some(multi),
            ..Default::default()
        };
        self.svc
            .create_trail(&self.ctx(region, Operation::CreateTrail), input)
            .await
    }

    async fn describe(
        &self,
        region: &str,
        names: Option<Vec<&str>>,
        shadows: Option<bool>,
    ) -> Vec<Trail> {
        let input = DescribeTrailsRequest {
            trail_name_list: names.map(|n| n.into_iter().map(Into::into).collect()),
            include_shadow_trails: shadows,
        };
        let out = self
            .svc
            .describe_trails(&self.ctx(region, Operation::DescribeTrails), input)
            .await;
        out.unwrap().trail_list.unwrap()
    }

    async fn status(&self, region: &str, name: &str) -> Result<GetTrailStatusResponse, ApiError> {
        let input = GetTrailStatusRequest {
            name: Some(name.into()),
        };
        self.svc
            .get_trail_status(&self.ctx(region, Operation::GetTrailStatus), input)
            .await
    }
}

fn code<T: std::fmt::Debug>(result: Result<T, ApiError>) -> String {
    result.unwrap_err().code().to_owned()
}

/// AWS's documented CloudTrail bucket policy for `bucket` (any trail of the account).
fn bucket_policy(bucket: &str, prefix: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": format!("arn:aws:s3:::{bucket}")},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{bucket}/{prefix}AWSLogs/{ACCOUNT}/*"),
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]})
    .to_string()
}

#[tokio::test]
async fn lifecycle_with_a_local_bucket_and_its_events() {
    let h = Harness::new();
    assert_eq!(
        code(h.create("us-east-1", "one", "missing-bucket", false).await),
        "S3BucketDoesNotExistException"
    );
    h.bucket("no-policy", None).await;
    let err = h
        .create("us-east-1", "one", "no-policy", false)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "InsufficientS3BucketPolicyException");
    assert_eq!(
        err.message(),
        "Incorrect S3 bucket policy is detected for bucket: no-policy"
    );
    h.bucket("logs", Some(bucket_policy("logs", ""))).await;
    let created = h.create("us-east-1", "one", "logs", false).await.unwrap();
    assert_eq!(
        created.trail_arn.as_deref(),
        Some("arn:aws:cloudtrail:us-east-1:123456789012:trail/one")
    );
    assert_eq!(
        (
            created.include_global_service_events,
            created.is_multi_region_trail
        ),
        (Some(true), Some(false))
    );
    assert_eq!(created.log_file_validation_enabled, Some(false));
    assert_eq!(
        code(h.create("us-east-1", "one", "logs", false).await),
        "TrailAlreadyExistsException"
    );

    let trails = h.describe("us-east-1", None, None).await;
    assert_eq!(trails.len(), 1);
    assert_eq!(trails[0].home_region.as_deref(), Some("us-east-1"));
    assert_eq!(trails[0].has_custom_event_selectors, Some(false));
    assert_eq!(trails[0].s3_key_prefix, None, "unset strings are left out");

    // A prefix the policy does not cover is refused; one it covers is accepted.
    let update = |prefix: &str| UpdateTrailRequest {
        name: Some("one".into()),
        s3_key_prefix: Some(prefix.into()),
        ..Default::default()
    };
    let ctx = h.ctx("us-east-1", Operation::UpdateTrail);
    assert_eq!(
        code(h.svc.update_trail(&ctx, update("team")).await),
        "InsufficientS3BucketPolicyException"
    );
    h.bucket("logs", Some(bucket_policy("logs", "team/"))).await;
    let updated = h.svc.update_trail(&ctx, update("team")).await.unwrap();
    assert_eq!(updated.s3_key_prefix.as_deref(), Some("team"));

    // Every call above that got this far was recorded with the trail as its resource.
    let events = read(h.store.as_ref(), |txn| {
        txn.events_after(ACCOUNT, None, 0, 100).unwrap()
    })
    .unwrap();
    let create_events: Vec<_> = events
        .iter()
        .filter(|e| e.event_name == "CreateTrail")
        .collect();
    assert_eq!(create_events.len(), 4);
    assert!(create_events.iter().all(|e| e.resources
        == vec![(
            TRAIL_RESOURCE_TYPE.to_owned(),
            created.trail_arn.clone().unwrap()
        )]));

    let delete = |name: &str| DeleteTrailRequest {
        name: Some(name.into()),
    };
    let ctx = h.ctx("us-east-1", Operation::DeleteTrail);
    h.svc.delete_trail(&ctx, delete("one")).await.unwrap();
    assert_eq!(
        code(h.svc.delete_trail(&ctx, delete("one")).await),
        "TrailNotFoundException"
    );
    assert!(h.describe("us-east-1", None, None).await.is_empty());
    let deleted = read(h.store.as_ref(), |txn| deleted_trails(txn).unwrap()).unwrap();
    assert!(
        deleted.is_empty(),
        "a trail that never logged leaves nothing behind"
    );
}

#[tokio::test]
async fn sns_topics_kms_keys_and_external_buckets() {
    let h = Harness::new();
    let input = |topic: &str| CreateTrailRequest {
        name: Some("one".into()),
        s3_bucket_name: Some("external-logs".into()),
        sns_topic_name: Some(topic.into()),
        kms_key_id: Some("12345678-1234-1234-1234-123456789012".into()),
        ..Default::default()
    };
    let ctx = h.ctx("us-east-1", Operation::CreateTrail);
    assert_eq!(
        code(h.svc.create_trail(&ctx, input("alerts")).await),
        "InsufficientSnsTopicPolicyException"
    );
    h.topic("alerts", r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"SNS:Publish","Resource":"*","Condition":{"StringEquals":{"AWS:SourceOwner":"123456789012"}}}]}"#).await;
    assert_eq!(
        code(h.svc.create_trail(&ctx, input("alerts")).await),
        "InsufficientSnsTopicPolicyException",
        "the default topic policy does not let CloudTrail publish"
    );
    h.topic("alerts", r#"{"Statement":[{"Sid":"AWSCloudTrailSNSPolicy20131101","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"SNS:Publish","Resource":"arn:aws:sns:us-east-1:123456789012:alerts"}]}"#).await;
    let created = h.svc.create_trail(&ctx, input("alerts")).await.unwrap();
    assert_eq!(
        created.sns_topic_arn.as_deref(),
        Some("arn:aws:sns:us-east-1:123456789012:alerts")
    );
    assert_eq!(created.sns_topic_name.as_deref(), Some("alerts"));
    assert_eq!(
        created.kms_key_id.as_deref(),
        Some("arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012")
    );
    let stored = read(h.store.as_ref(), |txn| {
        txn.get(ACCOUNT, TRAIL_KIND, created.trail_arn.as_deref().unwrap())
            .unwrap()
    })
    .unwrap();
    let record: TrailRecord = stored.unwrap().decode().unwrap();
    assert!(
        record.external_bucket,
        "external buckets skip the local checks and are marked"
    );
}

#[tokio::test]
async fn multi_region_trails_are_shadows_elsewhere() {
    let h = Harness::new();
    h.create("us-east-1", "everywhere", "external-logs", true)
        .await
        .unwrap();
    h.create("us-east-1", "local", "external-logs", false)
        .await
        .unwrap();
    h.create("eu-west-1", "irish", "external-logs", false)
        .await
        .unwrap();
    let arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/everywhere";

    let seen: Vec<(String, String)> = h
        .describe("eu-west-1", None, None)
        .await
        .into_iter()
        .map(|t| (t.name.unwrap(), t.home_region.unwrap()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("irish".into(), "eu-west-1".into()),
            ("everywhere".into(), "us-east-1".into())
        ]
    );
    assert_eq!(h.describe("eu-west-1", None, Some(false)).await.len(), 1);
    assert!(
        h.describe("eu-west-1", Some(vec!["everywhere"]), None)
            .await
            .is_empty(),
        "names match home trails only"
    );
    assert_eq!(
        h.describe("eu-west-1", Some(vec![arn, "irish", "nothing"]), None)
            .await
            .len(),
        2
    );
    let listed = h
        .svc
        .list_trails(
            &h.ctx("ap-south-1", Operation::ListTrails),
            ListTrailsRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(listed.trails.unwrap().len(), 1);

    // Shadows: readable by ARN (selectors too), not changeable outside the home region.
    assert!(h.status("eu-west-1", arn).await.is_ok());
    let err = h.status("eu-west-1", "everywhere").await.unwrap_err();
    assert_eq!(
        err.message(),
        "Unknown trail: arn:aws:cloudtrail:eu-west-1:123456789012:trail/everywhere for the user: 123456789012"
    );
    let stop = |name: &str| StopLoggingRequest {
        name: Some(name.into()),
    };
    let ctx = h.ctx("eu-west-1", Operation::StopLogging);
    assert_eq!(
        code(h.svc.stop_logging(&ctx, stop(arn)).await),
        "InvalidHomeRegionException"
    );
    assert_eq!(
        code(h.svc.stop_logging(&ctx, stop("everywhere")).await),
        "InvalidHomeRegionException"
    );
    let local_arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/local";
    assert_eq!(
        code(h.svc.stop_logging(&ctx, stop(local_arn)).await),
        "CloudTrailARNInvalidException"
    );
    let selectors = GetEventSelectorsRequest {
        trail_name: Some(arn.into()),
    };
    let ctx = h.ctx("eu-west-1", Operation::GetEventSelectors);
    let read = h.svc.get_event_selectors(&ctx, selectors).await.unwrap();
    assert_eq!(read.trail_arn.as_deref(), Some(arn));
    // A single-region trail of another region is not seen here, even by ARN.
    let local_selectors = GetEventSelectorsRequest {
        trail_name: Some(local_arn.into()),
    };
    assert_eq!(
        code(h.svc.get_event_selectors(&ctx, local_selectors).await),
        "CloudTrailARNInvalidException"
    );
    let tags = AddTagsRequest {
        resource_id: Some(arn.into()),
        tags_list: Some(vec![Tag {
            key: Some("k".into()),
            value: None,
        }]),
    };
    assert_eq!(
        code(
            h.svc
                .add_tags(&h.ctx("eu-west-1", Operation::AddTags), tags)
                .await
        ),
        "InvalidHomeRegionException"
    );

    // The shadow occupies the name and a slot in every region.
    assert_eq!(
        code(
            h.create("eu-west-1", "everywhere", "external-logs", false)
                .await
        ),
        "TrailAlreadyExistsException"
    );
    for i in 0..3 {
        h.create("eu-west-1", &format!("more{i}"), "external-logs", false)
            .await
            .unwrap();
    }
    let err = h
        .create("eu-west-1", "sixth", "external-logs", false)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "MaximumNumberOfTrailsExceededException");
    assert_eq!(
        err.message(),
        "User: 123456789012 already has 5 trails in eu-west-1."
    );
    let to_multi = UpdateTrailRequest {
        name: Some("local".into()),
        is_multi_region_trail: Some(true),
        ..Default::default()
    };
    let err = h
        .svc
        .update_trail(&h.ctx("us-east-1", Operation::UpdateTrail), to_multi)
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        "MaximumNumberOfTrailsExceededException",
        "eu-west-1 is full"
    );

    // Another account sees none of it.
    let other = h.ctx_as("210987654321", "us-east-1", Operation::GetTrail);
    assert_eq!(
        code(
            h.svc
                .get_trail(
                    &other,
                    GetTrailRequest {
                        name: Some(arn.into())
                    }
                )
                .await
        ),
        "TrailNotFoundException"
    );
}

#[tokio::test]
async fn logging_state_and_delivery_status() {
    let h = Harness::new();
    h.create("us-east-1", "one", "external-logs", false)
        .await
        .unwrap();
    let arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/one";
    let status = h.status("us-east-1", "one").await.unwrap();
    assert_eq!(status.is_logging, Some(false), "a new trail does not log");
    assert_eq!(status.time_logging_started.as_deref(), Some(""));
    assert!(
        read(h.store.as_ref(), |txn| logging_trails(txn).unwrap())
            .unwrap()
            .is_empty()
    );

    let start = StartLoggingRequest {
        name: Some(arn.into()),
    };
    h.svc
        .start_logging(&h.ctx("us-east-1", Operation::StartLogging), start)
        .await
        .unwrap();
    h.clock.advance(60_000);
    let logging = read(h.store.as_ref(), |txn| logging_trails(txn).unwrap()).unwrap();
    assert_eq!(logging.len(), 1);
    assert_eq!(logging[0].trail.trail_arn, arn);

    let now = START + 60_000;
    let inc = logging[0].trail.incarnation.clone();
    assert!(!inc.is_empty(), "a new trail is a new incarnation");
    write(h.store.as_ref(), move |tx| {
        let files = Delivery::LogFiles;
        record_attempt(tx, arn, &inc, files, now, Err("AccessDenied".into()))?;
        record_attempt(tx, arn, &inc, files, now + 1, Ok(()))?;
        let digest = Delivery::Digest;
        record_attempt(tx, arn, &inc, digest, now + 2, Err("NoSuchBucket".into()))?;
        record_attempt(tx, arn, &inc, Delivery::Notification, now + 3, Ok(()))?;
        // Another incarnation's outcome, or a trail that is gone, changes nothing.
        record_attempt(tx, arn, "other", files, now + 9, Err("NoSuchBucket".into()))?;
        let gone = "arn:aws:cloudtrail:us-east-1:123456789012:trail/gone";
        record_attempt(tx, gone, &inc, files, now, Ok(()))
    })
    .await
    .unwrap()
    .unwrap();
    let status = h.status("us-east-1", "one").await.unwrap();
    assert_eq!(status.is_logging, Some(true));
    assert_eq!(
        status.start_logging_time,
        Some(Timestamp::from_epoch_millis(START))
    );
    assert_eq!(
        status.time_logging_started.as_deref(),
        Some("2023-11-14T22:13:20Z")
    );
    assert_eq!(
        status.latest_delivery_time,
        Some(Timestamp::from_epoch_millis(now + 1))
    );
    assert_eq!(
        status.latest_delivery_error, None,
        "a success clears the error"
    );
    assert_eq!(
        status.latest_digest_delivery_error.as_deref(),
        Some("NoSuchBucket")
    );
    assert_eq!(status.latest_digest_delivery_time, None);
    assert_eq!(
        status.latest_notification_time,
        Some(Timestamp::from_epoch_millis(now + 3))
    );

    let stop = StopLoggingRequest {
        name: Some("one".into()),
    };
    h.svc
        .stop_logging(&h.ctx("us-east-1", Operation::StopLogging), stop)
        .await
        .unwrap();
    let status = h.status("us-east-1", "one").await.unwrap();
    assert_eq!(
        (status.is_logging, status.stop_logging_time),
        (Some(false), Some(Timestamp::from_epoch_millis(now)))
    );

    // Deleting a trail that logged leaves what the delivery worker still needs.
    let delete = DeleteTrailRequest {
        name: Some("one".into()),
    };
    h.svc
        .delete_trail(&h.ctx("us-east-1", Operation::DeleteTrail), delete)
        .await
        .unwrap();
    let deleted = read(h.store.as_ref(), |txn| deleted_trails(txn).unwrap()).unwrap();
    assert_eq!(deleted.len(), 1);
    assert_eq!(
        (deleted[0].trail.trail_arn.as_str(), deleted[0].deleted_ms),
        (arn, now)
    );
    assert_eq!(deleted[0].status.latest_notification_ms, Some(now + 3));
    let gone = deleted[0].clone();
    let forgot = write(h.store.as_ref(), move |tx| forget_deleted_trail(tx, &gone)).await;
    assert_eq!(forgot.unwrap(), Ok(true));
    assert!(
        read(h.store.as_ref(), |txn| deleted_trails(txn).unwrap())
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn selectors_insights_and_tags() {
    let h = Harness::new();
    let tags = vec![Tag {
        key: Some("team".into()),
        value: Some("audit".into()),
    }];
    let input = CreateTrailRequest {
        name: Some("one".into()),
        s3_bucket_name: Some("external-logs".into()),
        tags_list: Some(tags),
        ..Default::default()
    };
    h.svc
        .create_trail(&h.ctx("us-east-1", Operation::CreateTrail), input)
        .await
        .unwrap();
    let get = || GetEventSelectorsRequest {
        trail_name: Some("one".into()),
    };
    let got = h
        .svc
        .get_event_selectors(&h.ctx("us-east-1", Operation::GetEventSelectors), get())
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&got.event_selectors).unwrap(),
        json!([{"ReadWriteType": "All", "IncludeManagementEvents": true, "DataResources": [], "ExcludeManagementEventSources": []}])
    );

    let insights = |kind: &str| PutInsightSelectorsRequest {
        trail_name: Some("one".into()),
        insight_selectors: Some(vec![InsightSelector {
            insight_type: Some(kind.into()),
            event_categories: None,
        }]),
        ..Default::default()
    };
    let get_insights = || GetInsightSelectorsRequest {
        trail_name: Some("one".into()),
        event_data_store: None,
    };
    let ctx = h.ctx("us-east-1", Operation::GetInsightSelectors);
    assert_eq!(
        code(h.svc.get_insight_selectors(&ctx, get_insights()).await),
        "InsightNotEnabledException"
    );

    let read_only: Vec<EventSelector> =
        serde_json::from_value(json!([{"ReadWriteType": "ReadOnly"}])).unwrap();
    let put = PutEventSelectorsRequest {
        trail_name: Some("one".into()),
        event_selectors: Some(read_only),
        advanced_event_selectors: None,
    };
    let out = h
        .svc
        .put_event_selectors(&h.ctx("us-east-1", Operation::PutEventSelectors), put)
        .await
        .unwrap();
    assert_eq!(
        out.event_selectors.unwrap()[0].read_write_type.as_deref(),
        Some("ReadOnly")
    );
    let ctx = h.ctx("us-east-1", Operation::PutInsightSelectors);
    assert_eq!(
        code(
            h.svc
                .put_insight_selectors(&ctx, insights("ApiCallRateInsight"))
                .await
        ),
        "InvalidInsightSelectorsException",
        "call rate needs write events"
    );
    h.svc
        .put_insight_selectors(&ctx, insights("ApiErrorRateInsight"))
        .await
        .unwrap();
    let got = h
        .svc
        .get_insight_selectors(
            &h.ctx("us-east-1", Operation::GetInsightSelectors),
            get_insights(),
        )
        .await
        .unwrap();
    assert_eq!(
        got.insight_selectors.unwrap()[0].insight_type.as_deref(),
        Some("ApiErrorRateInsight")
    );
    let trail = h
        .svc
        .get_trail(
            &h.ctx("us-east-1", Operation::GetTrail),
            GetTrailRequest {
                name: Some("one".into()),
            },
        )
        .await
        .unwrap()
        .trail
        .unwrap();
    assert_eq!(
        (
            trail.has_custom_event_selectors,
            trail.has_insight_selectors
        ),
        (Some(true), Some(true))
    );

    let arn = trail.trail_arn.unwrap();
    let add = AddTagsRequest {
        resource_id: Some(arn.clone()),
        tags_list: Some(vec![
            Tag {
                key: Some("team".into()),
                value: Some("sec".into()),
            },
            Tag {
                key: Some("bare".into()),
                value: None,
            },
        ]),
    };
    h.svc
        .add_tags(&h.ctx("us-east-1", Operation::AddTags), add)
        .await
        .unwrap();
    let remove = RemoveTagsRequest {
        resource_id: Some(arn.clone()),
        tags_list: Some(vec![Tag {
            key: Some("bare".into()),
            value: None,
        }]),
    };
    h.svc
        .remove_tags(&h.ctx("us-east-1", Operation::RemoveTags), remove)
        .await
        .unwrap();
    let list = ListTagsRequest {
        resource_id_list: Some(vec![arn.clone()]),
        next_token: None,
    };
    let listed = h
        .svc
        .list_tags(&h.ctx("us-east-1", Operation::ListTags), list)
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(listed.resource_tag_list.unwrap()).unwrap(),
        json!([{"ResourceId": arn, "TagsList": [{"Key": "team", "Value": "sec"}]}])
    );
    let missing = ListTagsRequest {
        resource_id_list: Some(vec![arn.replace("/one", "/two")]),
        next_token: None,
    };
    assert_eq!(
        code(
            h.svc
                .list_tags(&h.ctx("us-east-1", Operation::ListTags), missing)
                .await
        ),
        "ResourceNotFoundException"
    );
}

#[tokio::test]
async fn public_keys_are_made_on_first_need_and_rotate() {
    let mut h = Harness::new();
    h.svc.signing_key_validity_ms = 3_600_000;
    let list = |start: Option<i64>, end: Option<i64>| ListPublicKeysRequest {
        start_time: start.map(Timestamp::from_epoch_millis),
        end_time: end.map(Timestamp::from_epoch_millis),
        next_token: None,
    };
    async fn call(
        h: &Harness,
        request: ListPublicKeysRequest,
    ) -> Result<ListPublicKeysResponse, ApiError> {
        let ctx = h.ctx("us-east-1", Operation::ListPublicKeys);
        h.svc.list_public_keys(&ctx, request).await
    }
    let past = call(&h, list(Some(START - 10_000), Some(START - 5_000)))
        .await
        .unwrap();
    assert!(
        past.public_key_list.unwrap().is_empty(),
        "no key existed then"
    );
    assert_eq!(
        code(call(&h, list(Some(START), Some(START - 1))).await),
        "InvalidTimeRangeException"
    );

    let first = call(&h, list(None, None))
        .await
        .unwrap()
        .public_key_list
        .unwrap();
    assert_eq!(first.len(), 1);
    let again = call(&h, list(None, None))
        .await
        .unwrap()
        .public_key_list
        .unwrap();
    assert_eq!(again, first, "the current key is reused");
    let key = &first[0];
    assert_eq!(
        key.validity_start_time,
        Some(Timestamp::from_epoch_millis(START))
    );
    assert_eq!(
        key.validity_end_time,
        Some(Timestamp::from_epoch_millis(START + 3_600_000))
    );

    h.clock.advance(3_600_000);
    let signer = keys::current_signing_key(
        h.store.as_ref(),
        ACCOUNT,
        "us-east-1",
        START + 3_600_000,
        3_600_000,
    )
    .await
    .unwrap();
    assert_ne!(
        Some(signer.fingerprint.clone()),
        key.fingerprint,
        "an expired key is replaced"
    );
    let both = call(&h, list(Some(START), None))
        .await
        .unwrap()
        .public_key_list
        .unwrap();
    assert_eq!(both.len(), 2);
    let other_region = h.ctx("eu-west-1", Operation::ListPublicKeys);
    let theirs = h
        .svc
        .list_public_keys(&other_region, list(None, None))
        .await
        .unwrap()
        .public_key_list
        .unwrap();
    assert!(
        theirs.iter().all(|k| k.fingerprint != key.fingerprint
            && Some(&signer.fingerprint) != k.fingerprint.as_ref()),
        "keys are per region"
    );

    let signature = keys::sign(&signer, b"message").unwrap();
    assert!(keys::verify(&signer.public_key_der, b"message", &signature));
}

#[test]
fn model_violations_become_cloudtrail_exceptions() {
    use trailroom_model::{FieldPath, OperationMeta, Validate, Violations};
    /// The answer dispatch gives: the service's exception for these violations, if any.
    fn refined(op: Operation, input: &impl Validate) -> &'static str {
        let mut violations = Violations::new();
        input.validate_into(&FieldPath::root(), &mut violations);
        assert!(!violations.is_empty());
        op.validation_exception(violations.violated())
            .unwrap_or("ValidationException")
    }
    let bad_type = EventSelector {
        read_write_type: Some("read-only".into()),
        ..Default::default()
    };
    let put = PutEventSelectorsRequest {
        trail_name: Some("one".into()),
        event_selectors: Some(vec![bad_type]),
        advanced_event_selectors: None,
    };
    assert_eq!(
        refined(Operation::PutEventSelectors, &put),
        "InvalidEventSelectorsException"
    );
    let insight = InsightSelector {
        insight_type: Some("Nope".into()),
        event_categories: None,
    };
    let put = PutInsightSelectorsRequest {
        trail_name: Some("one".into()),
        insight_selectors: Some(vec![insight]),
        ..Default::default()
    };
    assert_eq!(
        refined(Operation::PutInsightSelectors, &put),
        "InvalidInsightSelectorsException"
    );
    let empty_value = Tag {
        key: Some("k".into()),
        value: Some(String::new()),
    };
    let add = AddTagsRequest {
        resource_id: Some("arn".into()),
        tags_list: Some(vec![empty_value]),
    };
    assert_eq!(
        refined(Operation::AddTags, &add),
        "InvalidTagParameterException"
    );
    let many = (0..201)
        .map(|i| Tag {
            key: Some(format!("k{i}")),
            value: None,
        })
        .collect();
    let add = AddTagsRequest {
        resource_id: Some("arn".into()),
        tags_list: Some(many),
    };
    assert_eq!(
        refined(Operation::AddTags, &add),
        "TagsLimitExceededException"
    );
    let missing = GetTrailRequest { name: None };
    assert_eq!(
        refined(Operation::GetTrail, &missing),
        "ValidationException"
    );
    // RemoveTags does not model TagsLimitExceededException: too many tags there are malformed.
    let remove = RemoveTagsRequest {
        resource_id: Some("arn".into()),
        tags_list: Some(
            (0..201)
                .map(|i| Tag {
                    key: Some(format!("k{i}")),
                    value: None,
                })
                .collect(),
        ),
    };
    assert_eq!(
        refined(Operation::RemoveTags, &remove),
        "InvalidTagParameterException"
    );
}

const MEMBER: &str = "222222222222";
const OUTSIDER: &str = "333333333333";
const ORG: &str = "o-a1b2c3d4e5";

#[tokio::test]
async fn organization_trails_belong_to_the_management_account() {
    let h = Harness::new();
    let org = trailroom_organizations::OrganizationRecord {
        id: ORG.into(),
        management_account_id: ACCOUNT.into(),
        member_account_ids: vec![MEMBER.into()],
        created_ms: START,
    };
    write(h.store.as_ref(), move |tx| {
        trailroom_organizations::ensure(tx, &org)
    })
    .await
    .unwrap()
    .unwrap();
    let org_trail = |name: &str, bucket: &str| CreateTrailRequest {
        name: Some(name.into()),
        s3_bucket_name: Some(bucket.into()),
        is_organization_trail: Some(true),
        is_multi_region_trail: Some(true),
        ..Default::default()
    };
    let create_as = |account: &'static str, input: CreateTrailRequest| {
        let ctx = h.ctx_as(account, "us-east-1", Operation::CreateTrail);
        let svc = &h.svc;
        async move { svc.create_trail(&ctx, input).await }
    };

    // The account policy alone does not let CloudTrail write under AWSLogs/<org id>/.
    h.bucket("logs", Some(bucket_policy("logs", ""))).await;
    assert_eq!(
        code(create_as(ACCOUNT, org_trail("org", "logs")).await),
        "InsufficientS3BucketPolicyException"
    );
    let org_policy = bucket_policy("logs", "")
        .replace(&format!("AWSLogs/{ACCOUNT}/*"), &format!("AWSLogs/{ORG}/*"));
    h.bucket("logs", Some(org_policy)).await;
    assert_eq!(
        code(create_as(MEMBER, org_trail("org", "logs")).await),
        "NotOrganizationMasterAccountException"
    );
    assert_eq!(
        code(create_as(OUTSIDER, org_trail("org", "logs")).await),
        "OrganizationsNotInUseException"
    );
    let created = create_as(ACCOUNT, org_trail("org", "logs")).await.unwrap();
    assert_eq!(created.is_organization_trail, Some(true));
    let arn = created.trail_arn.unwrap();

    // A member sees it (as a shadow) in every region, by ARN only, and cannot change it.
    let member_describe = |region: &'static str, shadows: Option<bool>| {
        let ctx = h.ctx_as(MEMBER, region, Operation::DescribeTrails);
        let svc = &h.svc;
        async move {
            let input = DescribeTrailsRequest {
                trail_name_list: None,
                include_shadow_trails: shadows,
            };
            svc.describe_trails(&ctx, input)
                .await
                .unwrap()
                .trail_list
                .unwrap()
        }
    };
    let seen = member_describe("eu-west-1", None).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].trail_arn.as_deref(), Some(arn.as_str()));
    assert_eq!(seen[0].is_organization_trail, Some(true));
    assert!(member_describe("us-east-1", Some(false)).await.is_empty());
    let get = |name: &str| GetTrailRequest {
        name: Some(name.into()),
    };
    let ctx = h.ctx_as(MEMBER, "us-east-1", Operation::GetTrail);
    assert_eq!(
        code(h.svc.get_trail(&ctx, get("org")).await),
        "TrailNotFoundException"
    );
    let got = h.svc.get_trail(&ctx, get(&arn)).await.unwrap();
    assert_eq!(got.trail.unwrap().s3_bucket_name.as_deref(), Some("logs"));
    let ctx = h.ctx_as(MEMBER, "us-east-1", Operation::DeleteTrail);
    let delete = DeleteTrailRequest {
        name: Some(arn.clone()),
    };
    assert_eq!(
        code(h.svc.delete_trail(&ctx, delete).await),
        "NotOrganizationMasterAccountException"
    );
    let ctx = h.ctx_as(MEMBER, "us-east-1", Operation::GetTrailStatus);
    let status = GetTrailStatusRequest {
        name: Some(arn.clone()),
    };
    assert_eq!(
        h.svc
            .get_trail_status(&ctx, status)
            .await
            .unwrap()
            .is_logging,
        Some(false)
    );
    // An outsider sees nothing.
    let ctx = h.ctx_as(OUTSIDER, "us-east-1", Operation::GetTrail);
    assert_eq!(
        code(h.svc.get_trail(&ctx, get(&arn)).await),
        "TrailNotFoundException"
    );

    // The management account can turn it back into an account trail, which needs the account
    // path in the policy again.
    let ctx = h.ctx("us-east-1", Operation::UpdateTrail);
    let back = UpdateTrailRequest {
        name: Some("org".into()),
        is_organization_trail: Some(false),
        ..Default::default()
    };
    assert_eq!(
        code(h.svc.update_trail(&ctx, back.clone()).await),
        "InsufficientS3BucketPolicyException"
    );
    h.bucket("logs", Some(bucket_policy("logs", ""))).await;
    let updated = h.svc.update_trail(&ctx, back).await.unwrap();
    assert_eq!(updated.is_organization_trail, Some(false));
    assert!(member_describe("us-east-1", None).await.is_empty());
}
