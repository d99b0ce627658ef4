"""PutEventConfiguration and GetEventConfiguration with a current boto3 and AWS CLI: an event data
store's maximum event size and context key selectors, and the enriched events it then stores
(`eventContext` with the call's condition keys and the named resources' selected tags), which
neither Event history nor other stores carry; the trail side (no aggregated events here) and the
errors."""

import json

import botocore.session
import pytest

from conftest import ACCOUNT, aws_cli, cloudtrail_bucket_policy, error_of
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

    # A trail: no aggregated events, and none can be configured on this server.
    got = ct.get_event_configuration(TrailName="plain")
    assert (got["TrailARN"], got["AggregationConfigurations"]) == (trail, [])
    assert error_of(ct.put_event_configuration, TrailName="plain", MaxEventSize="Large")[0] == \
        "InvalidParameterCombinationException"
    assert error_of(ct.put_event_configuration, TrailName="plain", AggregationConfigurations=[
        {"Templates": ["API_ACTIVITY"], "EventCategory": "Data"}])[0] == "UnsupportedOperationException"

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
