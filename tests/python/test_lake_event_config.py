"""PutEventConfiguration and GetEventConfiguration with a current boto3 and AWS CLI: an event data
store's maximum event size and context key selectors, and the enriched events it then stores
(`eventContext` with the call's condition keys and the named resources' selected tags), which
neither Event history nor other stores carry; a trail's aggregated data events (five-minute
summaries per template under `CloudTrail-Aggregated/`); the errors."""

import json

import requests

import botocore.session
import pytest

from conftest import ACCOUNT, aws_cli, cloudtrail_bucket_policy, error_of, log_files
from test_lake import rows, run, store_id

if "PutEventConfiguration" not in botocore.session.get_session().get_service_model("cloudtrail").operation_names:
    pytest.skip("this botocore predates CloudTrail event configuration", allow_module_level=True)


@pytest.fixture
def ct(server):
    return server.client("cloudtrail")


def test_a_store_is_configured_and_enriches_its_events(server, ct):
    arn = ct.create_event_data_store(Name="enriched")["EventDataStoreArn"]
    plain = store_id(ct.create_event_data_store(Name="plain")["EventDataStoreArn"])
    store = store_id(arn)
    assert ct.get_event_configuration(EventDataStore=arn) | {"ResponseMetadata": None} == {
        "EventDataStoreArn": arn, "MaxEventSize": "Standard", "ContextKeySelectors": [],
        "ResponseMetadata": None}
    selectors = [{"Type": "TagContext", "Equals": ["team", "absent"]},
                 {"Type": "RequestContext",
                  "Equals": ["aws:PrincipalArn", "aws:PrincipalType", "aws:RequestedRegion",
                             "aws:SecureTransport", "aws:ViaAWSService", "aws:SourceIdentity"]}]
    # Selectors need the large event size.
    assert error_of(ct.put_event_configuration, EventDataStore=arn, ContextKeySelectors=selectors)[0] == \
        "InvalidParameterCombinationException"
    put = ct.put_event_configuration(EventDataStore=store, MaxEventSize="Large", ContextKeySelectors=selectors)
    assert (put["EventDataStoreArn"], put["MaxEventSize"], put["ContextKeySelectors"]) == (arn, "Large", selectors)
    assert ct.get_event_configuration(EventDataStore=store)["ContextKeySelectors"] == selectors

    s3 = server.client("s3")
    s3.create_bucket(Bucket="enrich-logs")
    s3.put_bucket_policy(Bucket="enrich-logs", Policy=cloudtrail_bucket_policy("enrich-logs"))
    trail = ct.create_trail(Name="tagged", S3BucketName="enrich-logs",
                            TagsList=[{"Key": "team", "Value": "audit"}, {"Key": "other", "Value": "x"}])["TrailARN"]
    ct.get_trail_status(Name="tagged")

    sql = (f"SELECT eventVersion, eventContext.tagContext['team'] AS team, "
           f"eventContext.requestContext['aws:PrincipalArn'] AS principal, "
           f"eventContext.requestContext['aws:PrincipalType'] AS kind, "
           f"eventContext.requestContext['aws:RequestedRegion'] AS region, "
           f"eventContext.requestContext['aws:ViaAWSService'] AS via "
           f"FROM {store} WHERE eventName = 'GetTrailStatus'")
    assert rows(run(ct, sql)[1]) == [[("eventVersion", "1.11"), ("team", "audit"),
                                      ("principal", f"arn:aws:iam::{ACCOUNT}:root"), ("kind", "Account"),
                                      ("region", "us-east-1"), ("via", "false")]]
    whole = f"SELECT eventJson FROM {store} WHERE eventName = 'GetTrailStatus'"
    context = json.loads(rows(run(ct, whole)[1])[0][0][1])["eventContext"]
    # Only the selected keys; a key that did not apply to the call is left out.
    assert context["tagContext"] == {"team": "audit"}
    assert set(context["requestContext"]) == {"aws:PrincipalArn", "aws:PrincipalType", "aws:RequestedRegion",
                                              "aws:SecureTransport", "aws:ViaAWSService"}
    # Neither another store nor Event history carries it.
    other = f"SELECT eventJson FROM {plain} WHERE eventName = 'GetTrailStatus'"
    assert "eventContext" not in json.loads(rows(run(ct, other)[1])[0][0][1])
    looked = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetTrailStatus"}])
    assert "eventContext" not in json.loads(looked["Events"][0]["CloudTrailEvent"])

    # Removing the selectors, then the size: back to plain events.
    ct.put_event_configuration(EventDataStore=store, ContextKeySelectors=[])
    assert ct.put_event_configuration(EventDataStore=store, MaxEventSize="Standard")["MaxEventSize"] == "Standard"
    ct.get_trail(Name="tagged")
    later = f"SELECT eventJson FROM {store} WHERE eventName = 'GetTrail'"
    assert "eventContext" not in json.loads(rows(run(ct, later)[1])[0][0][1])
    assert trail.endswith(":trail/tagged")


def test_configuration_errors_and_trails(server, ct):
    arn = ct.create_event_data_store(Name="checked", TerminationProtectionEnabled=False)["EventDataStoreArn"]
    s3 = server.client("s3")
    s3.create_bucket(Bucket="config-logs")
    s3.put_bucket_policy(Bucket="config-logs", Policy=cloudtrail_bucket_policy("config-logs"))
    trail = ct.create_trail(Name="plain", S3BucketName="config-logs")["TrailARN"]
    for kwargs in [{}, {"TrailName": "plain", "EventDataStore": arn}]:
        assert error_of(ct.get_event_configuration, **kwargs)[0] == "InvalidParameterCombinationException"
    bad = [
        {"ContextKeySelectors": [{"Type": "RequestContext", "Equals": ["aws:NoSuchKey"]}], "MaxEventSize": "Large"},
        {"ContextKeySelectors": [{"Type": "TagContext", "Equals": ["a"]}, {"Type": "TagContext", "Equals": ["b"]}],
         "MaxEventSize": "Large"},
    ]
    for kwargs in bad:
        assert error_of(ct.put_event_configuration, EventDataStore=arn, **kwargs)[0] == "InvalidParameterException"
    assert error_of(ct.put_event_configuration, EventDataStore=arn, AggregationConfigurations=[
        {"Templates": ["API_ACTIVITY"], "EventCategory": "Data"}])[0] == "InvalidParameterCombinationException"
    assert error_of(ct.get_event_configuration, EventDataStore="no-such-store")[0] == "EventDataStoreNotFoundException"
    assert error_of(ct.get_event_configuration, TrailName="no-such-trail")[0] == "TrailNotFoundException"

    # A trail: aggregation summarizes data events, which it must log first.
    got = ct.get_event_configuration(TrailName="plain")
    assert (got["TrailARN"], got["AggregationConfigurations"]) == (trail, [])
    assert error_of(ct.put_event_configuration, TrailName="plain", MaxEventSize="Large")[0] == \
        "InvalidParameterCombinationException"
    assert error_of(ct.put_event_configuration, TrailName="plain", AggregationConfigurations=[
        {"Templates": ["API_ACTIVITY"], "EventCategory": "Data"}])[0] == "InvalidParameterCombinationException"

    # Pending deletion: inactive.
    ct.delete_event_data_store(EventDataStore=arn)
    assert error_of(ct.put_event_configuration, EventDataStore=arn, MaxEventSize="Large")[0] == \
        "InactiveEventDataStoreException"


def test_the_aws_cli_configures_a_store(server, ct):
    arn = ct.create_event_data_store(Name="cli")["EventDataStoreArn"]
    out = aws_cli(server, "cloudtrail", "put-event-configuration", "--event-data-store", arn,
                  "--max-event-size", "Large", "--context-key-selectors",
                  '[{"Type":"RequestContext", "Equals":["aws:MultiFactorAuthPresent"]}]').stdout
    assert json.loads(out)["ContextKeySelectors"] == [{"Type": "RequestContext", "Equals": ["aws:MultiFactorAuthPresent"]}]
    got = json.loads(aws_cli(server, "cloudtrail", "get-event-configuration", "--event-data-store", arn).stdout)
    assert got["MaxEventSize"] == "Large"


def aggregated_records(server, bucket):
    files = log_files(server, bucket, f"AWSLogs/{ACCOUNT}/CloudTrail-Aggregated/us-east-1/")
    for key, _ in files:
        assert key.endswith(".json.gz") and "_CloudTrail-Aggregated_us-east-1_" in key
    return [k for k, _ in files], [r for _, records in files for r in records]


def test_a_trail_delivers_aggregated_data_events(server, ct):
    s3 = server.client("s3")
    for bucket in ("agg-logs", "agg-data"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket="agg-logs", Policy=cloudtrail_bucket_policy("agg-logs"))
    trail = ct.create_trail(Name="agg", S3BucketName="agg-logs")["TrailARN"]
    ct.put_event_selectors(TrailName="agg", AdvancedEventSelectors=[{"Name": "objects", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}])
    # Outside the model's enums and lengths: refused before the trail is looked at.
    for bad in [[{"Templates": ["NOT_A_TEMPLATE"], "EventCategory": "Data"}],
                [{"Templates": ["API_ACTIVITY"], "EventCategory": "Data"}] * 2]:
        assert error_of(ct.put_event_configuration, TrailName="agg", AggregationConfigurations=bad)[0] == \
            "ValidationException"
    put = ct.put_event_configuration(TrailName=trail, AggregationConfigurations=[
        {"Templates": ["USER_ACTIONS", "API_ACTIVITY", "RESOURCE_ACCESS"], "EventCategory": "Data"}])
    templates = ["API_ACTIVITY", "RESOURCE_ACCESS", "USER_ACTIONS"]
    assert put["AggregationConfigurations"] == [{"Templates": templates, "EventCategory": "Data"}]
    assert ct.get_event_configuration(TrailName="agg")["AggregationConfigurations"] == put["AggregationConfigurations"]

    ct.start_logging(Name="agg")
    for i in range(3):
        s3.put_object(Bucket="agg-data", Key=f"k{i}", Body=b"x")
    s3.get_object(Bucket="agg-data", Key="k0")
    # The current five-minute window is written when it is over, or when logging stops.
    requests.post(server.endpoint + "/_trailroom/deliver", timeout=60)
    assert aggregated_records(server, "agg-logs") == ([], [])
    ct.stop_logging(Name="agg")
    requests.post(server.endpoint + "/_trailroom/deliver", timeout=60)
    keys, records = aggregated_records(server, "agg-logs")
    assert len(keys) == 1
    assert {(r["eventType"], r["eventCategory"], r["eventSource"], r["accountId"], r["awsRegion"],
             r["timeWindow"]["windowSize"]) for r in records} == \
        {("AwsAggregatedEvent", "Aggregated", "s3.amazonaws.com", ACCOUNT, "us-east-1", "PT5M")}
    primary = {(r["summary"]["primaryDimension"]["dimension"], r["summary"]["primaryDimension"]["statistics"][0]["name"]):
               r["summary"]["primaryDimension"]["statistics"][0]["value"] for r in records}
    assert primary == {("eventName", "PutObject"): 3, ("eventName", "GetObject"): 1,
                       ("resourceARN", "arn:aws:s3:::agg-data"): 4,
                       ("userIdentity", f"arn:aws:iam::{ACCOUNT}:root"): 4}
    by_name = {r["summary"]["primaryDimension"]["statistics"][0]["name"]: r for r in records}
    assert by_name["PutObject"]["summary"]["details"] == [{"dimension": "resourceARN", "aggregationType": "Count",
        "statistics": [{"name": "arn:aws:s3:::agg-data", "value": 3}]}]
    assert len({r["eventId"] for r in records}) == len(records)
    # The regular log files hold the data events themselves, never the summaries.
    ordinary = s3.list_objects_v2(Bucket="agg-logs", Prefix=f"AWSLogs/{ACCOUNT}/CloudTrail/")["KeyCount"]
    assert ordinary >= 1
    # Turning aggregation off.
    off = ct.put_event_configuration(TrailName="agg", AggregationConfigurations=[])
    assert off["AggregationConfigurations"] == []
