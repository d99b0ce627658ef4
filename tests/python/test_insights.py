"""CloudTrail Insights events with a current boto3: an account's burst of write management calls
is an Insight every trail watching it sees; a trail watching its data events' call rate gets a
Start and an End Insights event when an API's rate jumps far over its baseline (the
Insights period shortened to a second by the config file); ListInsightsData lists them by trail
and dimension, LookupEvents finds them by EventCategory=insight, and the trail delivers them under
`CloudTrail-Insight/` and nowhere else. The AWS CLI lists them too."""

import json
import time

import botocore.session
import pytest
import requests

from conftest import ACCOUNT, Server, aws_cli, cloudtrail_bucket_policy, error_of, log_files, wait_for

if "ListInsightsData" not in botocore.session.get_session().get_service_model("cloudtrail").operation_names:
    pytest.skip("this botocore predates ListInsightsData", allow_module_level=True)


@pytest.fixture
def fast_insights(tmp_path):
    config = tmp_path / "trailroom.toml"
    config.write_text('insights_period = "1s"\ninsights_baseline_periods = 3\n')
    srv = Server(str(tmp_path / "data"), ["--config", str(config)]).start()
    try:
        yield srv
    finally:
        srv.stop()


def insights(ct, trail, **kwargs):
    return ct.list_insights_data(InsightSource=trail, DataType="InsightsEvents", **kwargs)["Events"]


def test_a_data_event_burst_is_an_insight_of_its_trail(fast_insights):
    srv = fast_insights
    ct, s3 = srv.client("cloudtrail"), srv.client("s3")
    for bucket in ("insight-logs", "insight-data"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket="insight-logs", Policy=cloudtrail_bucket_policy("insight-logs"))
    trail = ct.create_trail(Name="watched", S3BucketName="insight-logs")["TrailARN"]
    ct.put_event_selectors(TrailName="watched", AdvancedEventSelectors=[{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}])
    ct.put_insight_selectors(TrailName="watched", InsightSelectors=[
        {"InsightType": "ApiCallRateInsight", "EventCategories": ["Data"]}])
    ct.start_logging(Name="watched")
    assert insights(ct, trail) == []
    # A quiet baseline of a few periods, then a burst of PutObject well over it.
    time.sleep(4)
    until = time.time() + 2.5
    while time.time() < until:
        s3.put_object(Bucket="insight-data", Key="k", Body=b"x")
    s3.get_object(Bucket="insight-data", Key="k")

    def ended():
        events = insights(ct, trail)
        return events if len(events) == 2 else None

    events = wait_for(ended, timeout=30, what="the Insight's Start and End")
    records = [json.loads(e["CloudTrailEvent"]) for e in events]
    assert [r["insightDetails"]["state"] for r in records] == ["End", "Start"]  # newest first
    start = records[1]
    assert start["eventType"] == "AwsCloudTrailInsight" and start["eventCategory"] == "Insight"
    assert start["recipientAccountId"] == ACCOUNT and start["awsRegion"] == "us-east-1"
    assert records[0]["sharedEventID"] == start["sharedEventID"]
    details = start["insightDetails"]
    assert (details["eventSource"], details["eventName"], details["insightType"]) == \
        ("s3.amazonaws.com", "PutObject", "ApiCallRateInsight")
    assert (details["sourceEventCategory"], details["insightSource"]) == ("Data", trail)
    stats = details["insightContext"]["statistics"]
    assert stats["insight"]["average"] >= 10 and stats["baseline"]["average"] * 5 < stats["insight"]["average"]
    users = [a for a in details["insightContext"]["attributions"] if a["attribute"] == "userIdentityArn"]
    assert users[0]["insight"][0]["value"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert events[0]["EventName"] == "PutObject" and events[0]["EventSource"] == "s3.amazonaws.com"

    # Dimensions and paging.
    assert len(insights(ct, trail, Dimensions={"EventName": "PutObject"})) == 2
    assert insights(ct, trail, Dimensions={"EventName": "GetObject"}) == []
    assert [e["EventId"] for e in insights(ct, trail, Dimensions={"EventId": events[1]["EventId"]})] == \
        [events[1]["EventId"]]
    first = ct.list_insights_data(InsightSource=trail, DataType="InsightsEvents", MaxResults=1)
    second = ct.list_insights_data(InsightSource=trail, DataType="InsightsEvents", MaxResults=1,
                                   NextToken=first["NextToken"])
    assert [e["EventId"] for e in first["Events"] + second["Events"]] == [e["EventId"] for e in events]
    assert "NextToken" not in second
    # The AWS CLI, as the user guide shows it.
    listed = json.loads(aws_cli(srv, "cloudtrail", "list-insights-data", "--insight-source", trail,
                                "--data-type", "InsightsEvents", "--dimensions", "EventName=PutObject").stdout)
    assert [e["EventId"] for e in listed["Events"]] == [e["EventId"] for e in events]
    # Event history finds them by category; never among management events.
    looked = ct.lookup_events(EventCategory="insight")["Events"]
    assert {e["EventId"] for e in looked} == {e["EventId"] for e in events}
    assert not [e for e in ct.lookup_events()["Events"] if "insightDetails" in e["CloudTrailEvent"]]
    assert error_of(ct.list_insights_data, InsightSource=trail.replace("watched", "nobody"),
                    DataType="InsightsEvents")[0] == "InvalidParameterException"

    # Delivered by the trail under CloudTrail-Insight/, and only there.
    requests.post(srv.endpoint + "/_trailroom/deliver", timeout=60)
    delivered = {k: rs for k, rs in log_files(srv, "insight-logs", f"AWSLogs/{ACCOUNT}/")
                 if "/CloudTrail-Digest/" not in k}
    in_insight = [r for k, rs in delivered.items() if "/CloudTrail-Insight/us-east-1/" in k for r in rs]
    assert sorted(r["eventID"] for r in in_insight) == sorted(e["EventId"] for e in events)
    assert all("_CloudTrail-Insight_us-east-1_" in k for k in delivered if "/CloudTrail-Insight/" in k)
    elsewhere = [r for k, rs in delivered.items() if "/CloudTrail/" in k for r in rs]
    assert elsewhere and not [r for r in elsewhere if r.get("eventType") == "AwsCloudTrailInsight"]


def test_a_management_call_burst_is_an_insight_of_the_account(fast_insights):
    srv = fast_insights
    ct, s3, sns = srv.client("cloudtrail"), srv.client("s3"), srv.client("sns")
    s3.create_bucket(Bucket="mgmt-logs")
    s3.put_bucket_policy(Bucket="mgmt-logs", Policy=cloudtrail_bucket_policy("mgmt-logs"))
    trail = ct.create_trail(Name="account-watch", S3BucketName="mgmt-logs")["TrailARN"]
    ct.put_insight_selectors(TrailName="account-watch", InsightSelectors=[{"InsightType": "ApiCallRateInsight"}])
    time.sleep(4)
    until = time.time() + 2.5
    while time.time() < until:
        sns.create_topic(Name="busy")
    # Reads never count for the call rate.
    for _ in range(30):
        sns.list_topics()

    def ended():
        events = ct.lookup_events(EventCategory="insight")["Events"]
        return events if len(events) == 2 else None

    events = wait_for(ended, timeout=30, what="the account's Insight")
    records = [json.loads(e["CloudTrailEvent"]) for e in events]
    assert [r["insightDetails"]["state"] for r in records] == ["End", "Start"]
    details = records[1]["insightDetails"]
    assert (details["eventSource"], details["eventName"], details["sourceEventCategory"]) == \
        ("sns.amazonaws.com", "CreateTopic", "Management")
    assert "insightSource" not in details
    # Not a data event insight of the trail.
    assert insights(ct, trail) == []
