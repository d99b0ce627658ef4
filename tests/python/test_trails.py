"""The CloudTrail trail API through the pinned boto3: CreateTrail, UpdateTrail, DeleteTrail,
GetTrail, DescribeTrails, ListTrails, GetTrailStatus, Start/StopLogging, event and Insights
selectors, tags, ListPublicKeys; AWS's errors; shadow trails seen from another region; the
five-trails-per-region quota.

Trails need a bucket CloudTrail may write to. Happy paths get one from this server's S3 API
(create_bucket + the documented bucket policy) or, failing that, from a server configured with an
external bucket (`external_buckets`); a test that needs either is skipped, with the reason, while
neither is available.
"""

import base64
import hashlib
import json
import os
import tempfile
from datetime import datetime, timedelta, timezone

import pytest
import rsa
from botocore.exceptions import ClientError

from conftest import ACCOUNT, Server, code, message

EXTERNAL_BUCKET = "trailroom-external-logs"


def arn_of(name, region="us-east-1"):
    return f"arn:aws:cloudtrail:{region}:{ACCOUNT}:trail/{name}"


def documented_policy(bucket, prefix=""):
    """The bucket policy AWS documents for CloudTrail (both statements)."""
    folder = f"{prefix}/" if prefix else ""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}"},
        {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/{folder}AWSLogs/{ACCOUNT}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]})


def s3_bucket(srv, name, policy=None):
    """Creates a bucket with this server's S3 API; skips while the S3 API answers an error."""
    s3 = srv.client("s3")
    try:
        s3.create_bucket(Bucket=name)
    except Exception as err:  # noqa: BLE001 - any failure means the S3 API is not there yet
        pytest.skip(f"needs the S3 API: create_bucket answers {err}")
    if policy:
        s3.put_bucket_policy(Bucket=name, Policy=policy)
    return name


def external_server(data_dir):
    """A server configured with an external bucket (on an endpoint nothing listens on: these tests
    only check what CreateTrail accepts)."""
    config = os.path.join(data_dir, "trailroom.toml")
    with open(config, "w") as f:
        f.write(f'[[external_buckets]]\nbucket = "{EXTERNAL_BUCKET}"\nendpoint = "http://127.0.0.1:9"\n'
                'access_key_id = "AKIAEXTERNAL00000000"\nsecret_access_key = "external-secret"\n')
    return Server(os.path.join(data_dir, "data"), ["--config", config]).start()


def start_with_bucket(data_dir):
    """A server and a bucket trails may deliver to: a local bucket with the documented policy
    when the S3 API works, else the configured external bucket."""
    srv = Server(os.path.join(data_dir, "plain")).start()
    try:
        s3 = srv.client("s3")
        s3.create_bucket(Bucket="trail-logs")
        s3.put_bucket_policy(Bucket="trail-logs", Policy=documented_policy("trail-logs"))
        return srv, "trail-logs"
    except Exception:  # noqa: BLE001 - no S3 API yet: try the external bucket
        srv.stop()
    srv = external_server(data_dir)
    if srv is None:
        pytest.skip("needs the S3 API (create_bucket answers an error) or the external_buckets config key")
    return srv, EXTERNAL_BUCKET


@pytest.fixture
def dest():
    """(server, bucket) for tests whose trails must be created."""
    with tempfile.TemporaryDirectory() as data_dir:
        srv, bucket = start_with_bucket(data_dir)
        try:
            yield srv, bucket
        finally:
            srv.stop()


@pytest.fixture
def ct(server):
    return server.client("cloudtrail")


# ---------------------------------------------------------------- errors that need no bucket

@pytest.mark.parametrize("name,fragment", [
    ("ab", "too short"),
    ("a" * 129, "too long"),
    ("-trail", "starts with"),
    ("trail_", "ends with"),
    ("my--trail", "adjacent"),
    ("my-_trail", "adjacent"),
    ("my trail", "can only contain"),
    ("192.168.5.4", "IP address"),
])
def test_create_trail_rejects_bad_names(ct, name, fragment):
    with pytest.raises(ClientError) as err:
        ct.create_trail(Name=name, S3BucketName="whatever-bucket")
    assert code(err) == "InvalidTrailNameException"
    assert fragment in message(err)


def test_create_trail_parameter_rules(ct):
    with pytest.raises(ClientError) as err:
        ct.create_trail(Name="everywhere", S3BucketName="b-logs", IsMultiRegionTrail=True,
                        IncludeGlobalServiceEvents=False)
    assert code(err) == "InvalidParameterCombinationException"
    assert message(err) == "Multi-Region trail must include global service events."
    with pytest.raises(ClientError) as err:
        ct.create_trail(Name="trail1", S3BucketName="Bad_Bucket")
    assert code(err) == "InvalidS3BucketNameException"
    with pytest.raises(ClientError) as err:
        ct.create_trail(Name="trail1", S3BucketName="no-such-bucket-here")
    assert code(err) == "S3BucketDoesNotExistException"
    with pytest.raises(ClientError) as err:
        ct.create_trail(Name="trail1", S3BucketName="b-logs", KmsKeyId="not a key")
    assert code(err) == "InvalidKmsKeyIdException"
    with pytest.raises(ClientError) as err:
        ct.create_trail(Name="trail1", S3BucketName="b-logs", IsOrganizationTrail=True)
    assert code(err) == "OrganizationsNotInUseException"
    assert ct.describe_trails()["trailList"] == []


def test_unknown_trails(ct):
    for call in (lambda: ct.get_trail(Name="ghost"), lambda: ct.delete_trail(Name="ghost"),
                 lambda: ct.start_logging(Name="ghost"), lambda: ct.stop_logging(Name="ghost"),
                 lambda: ct.update_trail(Name="ghost", EnableLogFileValidation=True)):
        with pytest.raises(ClientError) as err:
            call()
        assert code(err) == "TrailNotFoundException"
        assert message(err) == f"Unknown trail: ghost for the user: {ACCOUNT}"
    # GetTrailStatus and GetEventSelectors name the trail by its ARN.
    for call in (lambda: ct.get_trail_status(Name="ghost"), lambda: ct.get_event_selectors(TrailName="ghost")):
        with pytest.raises(ClientError) as err:
            call()
        assert code(err) == "TrailNotFoundException"
        assert message(err) == f"Unknown trail: {arn_of('ghost')} for the user: {ACCOUNT}"
    with pytest.raises(ClientError) as err:
        ct.get_trail(Name="arn:aws:cloudtrail:us-east-1:12:trail/x")
    assert code(err) == "CloudTrailARNInvalidException"
    with pytest.raises(ClientError) as err:
        ct.get_trail(Name="a--b")
    assert code(err) == "InvalidTrailNameException"
    with pytest.raises(ClientError) as err:
        ct.list_tags(ResourceIdList=[arn_of("ghost")])
    assert code(err) == "ResourceNotFoundException"
    assert ct.list_trails()["Trails"] == []


def test_list_public_keys(server, ct):
    first = ct.list_public_keys()["PublicKeyList"]
    assert len(first) == 1
    key = first[0]
    der = key["Value"]  # boto3 decodes the base64 blob
    assert key["Fingerprint"] == hashlib.md5(der).hexdigest()
    assert base64.b64encode(der).decode().startswith("MIIBCgKCAQEA"), "PKCS#1 RSAPublicKey, 2048 bits"
    loaded = rsa.PublicKey.load_pkcs1(der, format="DER")  # what validate-logs does
    assert loaded.n.bit_length() == 2048
    assert key["ValidityStartTime"] < key["ValidityEndTime"]
    assert ct.list_public_keys()["PublicKeyList"] == first, "the current key is reused"
    ranged = ct.list_public_keys(StartTime=key["ValidityStartTime"], EndTime=key["ValidityEndTime"])
    assert [k["Fingerprint"] for k in ranged["PublicKeyList"]] == [key["Fingerprint"]]
    before = ct.list_public_keys(StartTime=0, EndTime=1000)["PublicKeyList"]
    assert before == []
    with pytest.raises(ClientError) as err:
        ct.list_public_keys(StartTime=2000, EndTime=1000)
    assert code(err) == "InvalidTimeRangeException"
    other_region = server.client("cloudtrail", region="eu-west-1").list_public_keys()["PublicKeyList"]
    assert other_region[0]["Fingerprint"] != key["Fingerprint"], "keys are per region"


def test_insufficient_bucket_policy(server, ct):
    s3_bucket(server, "no-policy-logs")
    with pytest.raises(ClientError) as err:
        ct.create_trail(Name="trail1", S3BucketName="no-policy-logs")
    assert code(err) == "InsufficientS3BucketPolicyException"
    assert message(err) == "Incorrect S3 bucket policy is detected for bucket: no-policy-logs"
    s3_bucket(server, "prefixed-logs", documented_policy("prefixed-logs", "team"))
    with pytest.raises(ClientError) as err:
        ct.create_trail(Name="trail1", S3BucketName="prefixed-logs")
    assert code(err) == "InsufficientS3BucketPolicyException", "the policy covers only team/"
    created = ct.create_trail(Name="trail1", S3BucketName="prefixed-logs", S3KeyPrefix="team")
    assert created["S3KeyPrefix"] == "team"


# ---------------------------------------------------------------- with a bucket

def test_trail_lifecycle(dest):
    srv, bucket = dest
    ct = srv.client("cloudtrail")
    created = ct.create_trail(Name="trail1", S3BucketName=bucket, EnableLogFileValidation=True,
                              TagsList=[{"Key": "team", "Value": "audit"}])
    assert created["TrailARN"] == arn_of("trail1")
    assert created["Name"] == "trail1" and created["S3BucketName"] == bucket
    assert created["IncludeGlobalServiceEvents"] is True and created["IsMultiRegionTrail"] is False
    assert created["LogFileValidationEnabled"] is True and created["IsOrganizationTrail"] is False
    with pytest.raises(ClientError) as err:
        ct.create_trail(Name="trail1", S3BucketName=bucket)
    assert code(err) == "TrailAlreadyExistsException"

    for name in ("trail1", arn_of("trail1")):
        trail = ct.get_trail(Name=name)["Trail"]
        assert trail["HomeRegion"] == "us-east-1" and trail["TrailARN"] == arn_of("trail1")
        assert trail["HasCustomEventSelectors"] is False and trail["HasInsightSelectors"] is False
        assert "S3KeyPrefix" not in trail and "KmsKeyId" not in trail
    assert [t["Name"] for t in ct.describe_trails()["trailList"]] == ["trail1"]
    assert ct.describe_trails(trailNameList=["nothing"])["trailList"] == []
    assert ct.list_trails()["Trails"] == [{"TrailARN": arn_of("trail1"), "Name": "trail1", "HomeRegion": "us-east-1"}]

    key_id = "12345678-1234-1234-1234-123456789012"
    updated = ct.update_trail(Name=arn_of("trail1"), KmsKeyId=key_id, EnableLogFileValidation=False)
    assert updated["KmsKeyId"] == f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}", "stored as a full key ARN"
    assert updated["LogFileValidationEnabled"] is False
    updated = ct.update_trail(Name="trail1", IsMultiRegionTrail=True)
    assert updated["IsMultiRegionTrail"] is True and updated["IncludeGlobalServiceEvents"] is True
    with pytest.raises(ClientError) as err:
        ct.update_trail(Name="trail1", IncludeGlobalServiceEvents=False)
    assert code(err) == "InvalidParameterCombinationException"

    ct.delete_trail(Name="trail1")
    assert ct.describe_trails()["trailList"] == []
    with pytest.raises(ClientError) as err:
        ct.get_trail(Name="trail1")
    assert code(err) == "TrailNotFoundException"


def test_logging_state(dest):
    srv, bucket = dest
    ct = srv.client("cloudtrail")
    ct.create_trail(Name="trail1", S3BucketName=bucket)
    status = ct.get_trail_status(Name="trail1")
    assert status["IsLogging"] is False, "a trail created through the API does not log yet"
    assert "StartLoggingTime" not in status
    assert status["TimeLoggingStarted"] == "" and status["LatestDeliveryAttemptTime"] == ""
    ct.start_logging(Name="trail1")
    ct.start_logging(Name=arn_of("trail1"))  # already logging: no change, no error
    status = ct.get_trail_status(Name="trail1")
    assert status["IsLogging"] is True
    started = status["StartLoggingTime"]
    assert status["TimeLoggingStarted"] == started.strftime("%Y-%m-%dT%H:%M:%SZ")
    ct.stop_logging(Name="trail1")
    status = ct.get_trail_status(Name=arn_of("trail1"))
    assert status["IsLogging"] is False
    assert status["StopLoggingTime"] >= started and status["StartLoggingTime"] == started


def test_event_selectors_round_trip(dest):
    srv, bucket = dest
    ct = srv.client("cloudtrail")
    ct.create_trail(Name="trail1", S3BucketName=bucket)
    default = ct.get_event_selectors(TrailName="trail1")
    assert default["TrailARN"] == arn_of("trail1")
    assert default["EventSelectors"] == [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                                          "DataResources": [], "ExcludeManagementEventSources": []}]
    basic = [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True,
              "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::data-bucket/"]}],
              "ExcludeManagementEventSources": ["kms.amazonaws.com"]}]
    put = ct.put_event_selectors(TrailName="trail1", EventSelectors=basic)
    assert put["EventSelectors"] == basic
    assert ct.get_event_selectors(TrailName=arn_of("trail1"))["EventSelectors"] == basic
    assert ct.get_trail(Name="trail1")["Trail"]["HasCustomEventSelectors"] is True

    advanced = [{"Name": "writes but not KMS", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]},
        {"Field": "readOnly", "Equals": ["false"]},
        {"Field": "eventSource", "NotEquals": ["kms.amazonaws.com"]}]}]
    ct.put_event_selectors(TrailName="trail1", AdvancedEventSelectors=advanced)
    got = ct.get_event_selectors(TrailName="trail1")
    assert got["AdvancedEventSelectors"] == advanced and "EventSelectors" not in got

    for bad in ([{"ReadWriteType": "All", "ExcludeManagementEventSources": ["iam.amazonaws.com"]}],
                [{"DataResources": [{"Type": "AWS::EC2::Instance", "Values": ["arn:aws:ec2"]}]}],
                [{}] * 6):
        with pytest.raises(ClientError) as err:
            ct.put_event_selectors(TrailName="trail1", EventSelectors=bad)
        assert code(err) == "InvalidEventSelectorsException"
    with pytest.raises(ClientError) as err:
        ct.put_event_selectors(TrailName="trail1", EventSelectors=[{}], AdvancedEventSelectors=advanced)
    assert code(err) == "InvalidEventSelectorsException"
    with pytest.raises(ClientError) as err:
        ct.put_event_selectors(TrailName="trail1", AdvancedEventSelectors=[
            {"FieldSelectors": [{"Field": "eventCategory", "StartsWith": ["Man"]}]}])
    assert code(err) == "InvalidEventSelectorsException"


def test_insight_selectors(dest):
    srv, bucket = dest
    ct = srv.client("cloudtrail")
    ct.create_trail(Name="trail1", S3BucketName=bucket)
    with pytest.raises(ClientError) as err:
        ct.get_insight_selectors(TrailName="trail1")
    assert code(err) == "InsightNotEnabledException"
    selectors = [{"InsightType": "ApiCallRateInsight"}, {"InsightType": "ApiErrorRateInsight"}]
    put = ct.put_insight_selectors(TrailName="trail1", InsightSelectors=selectors)
    assert put["TrailARN"] == arn_of("trail1") and put["InsightSelectors"] == selectors
    assert ct.get_insight_selectors(TrailName="trail1")["InsightSelectors"] == selectors
    assert ct.get_trail(Name="trail1")["Trail"]["HasInsightSelectors"] is True
    with pytest.raises(ClientError) as err:
        ct.put_insight_selectors(TrailName="trail1", InsightSelectors=[{"InsightType": "Nope"}])
    assert code(err) == "InvalidInsightSelectorsException"
    ct.put_insight_selectors(TrailName="trail1", InsightSelectors=[])
    with pytest.raises(ClientError) as err:
        ct.get_insight_selectors(TrailName="trail1")
    assert code(err) == "InsightNotEnabledException"


def test_tags(dest):
    srv, bucket = dest
    ct = srv.client("cloudtrail")
    arn = ct.create_trail(Name="trail1", S3BucketName=bucket,
                          TagsList=[{"Key": "team", "Value": "audit"}])["TrailARN"]
    ct.add_tags(ResourceId=arn, TagsList=[{"Key": "team", "Value": "security"}, {"Key": "bare"}])
    listed = ct.list_tags(ResourceIdList=[arn])["ResourceTagList"]
    assert listed == [{"ResourceId": arn, "TagsList": [{"Key": "team", "Value": "security"}, {"Key": "bare"}]}]
    ct.remove_tags(ResourceId=arn, TagsList=[{"Key": "bare"}, {"Key": "team", "Value": "other"}])
    assert ct.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]["TagsList"] == [{"Key": "team", "Value": "security"}]
    with pytest.raises(ClientError) as err:
        ct.add_tags(ResourceId=arn, TagsList=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert code(err) == "TagsLimitExceededException"
    with pytest.raises(ClientError) as err:
        ct.add_tags(ResourceId=arn, TagsList=[{"Key": "aws:reserved", "Value": "v"}])
    assert code(err) == "InvalidTagParameterException"
    with pytest.raises(ClientError) as err:
        ct.add_tags(ResourceId="trail1", TagsList=[{"Key": "k", "Value": "v"}])
    assert code(err) == "CloudTrailARNInvalidException"
    with pytest.raises(ClientError) as err:
        ct.add_tags(ResourceId=arn_of("ghost"), TagsList=[{"Key": "k", "Value": "v"}])
    assert code(err) == "ResourceNotFoundException"


def test_shadow_trails_from_another_region(dest):
    srv, bucket = dest
    home = srv.client("cloudtrail")
    away = srv.client("cloudtrail", region="eu-west-1")
    home.create_trail(Name="everywhere", S3BucketName=bucket, IsMultiRegionTrail=True)
    home.create_trail(Name="only-here", S3BucketName=bucket)
    away.create_trail(Name="irish", S3BucketName=bucket)
    arn = arn_of("everywhere")

    seen = {t["Name"]: t["HomeRegion"] for t in away.describe_trails()["trailList"]}
    assert seen == {"irish": "eu-west-1", "everywhere": "us-east-1"}
    assert [t["Name"] for t in away.describe_trails(includeShadowTrails=False)["trailList"]] == ["irish"]
    assert away.describe_trails(trailNameList=["everywhere"])["trailList"] == [], "shadows need their ARN"
    assert [t["TrailARN"] for t in away.describe_trails(trailNameList=[arn])["trailList"]] == [arn]
    assert {t["Name"] for t in away.list_trails()["Trails"]} == {"irish", "everywhere"}
    assert away.get_trail(Name=arn)["Trail"]["IsMultiRegionTrail"] is True
    assert away.get_trail_status(Name=arn)["IsLogging"] is False
    # Scanners read a multi-region trail's selectors and tags by ARN in every region.
    assert away.get_event_selectors(TrailName=arn)["TrailARN"] == arn
    assert away.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]["ResourceId"] == arn
    with pytest.raises(ClientError) as err:
        away.get_insight_selectors(TrailName=arn)
    assert code(err) == "InsightNotEnabledException"

    for call in (lambda: away.update_trail(Name=arn, EnableLogFileValidation=True),
                 lambda: away.delete_trail(Name=arn),
                 lambda: away.start_logging(Name="everywhere"),
                 lambda: away.stop_logging(Name=arn),
                 lambda: away.put_event_selectors(TrailName=arn, EventSelectors=[{}]),
                 lambda: away.add_tags(ResourceId=arn, TagsList=[{"Key": "k", "Value": "v"}])):
        with pytest.raises(ClientError) as err:
            call()
        assert code(err) == "InvalidHomeRegionException"
    with pytest.raises(ClientError) as err:
        away.get_trail(Name=arn_of("only-here"))
    assert code(err) == "CloudTrailARNInvalidException"
    assert message(err) == "Region in ARN is wrong, you can only access resources in region eu-west-1."
    with pytest.raises(ClientError) as err:
        away.create_trail(Name="everywhere", S3BucketName=bucket)
    assert code(err) == "TrailAlreadyExistsException"

    home.delete_trail(Name="everywhere")
    assert [t["Name"] for t in away.describe_trails()["trailList"]] == ["irish"]


def test_five_trails_per_region_including_shadows(dest):
    srv, bucket = dest
    home = srv.client("cloudtrail")
    away = srv.client("cloudtrail", region="us-west-2")
    home.create_trail(Name="global1", S3BucketName=bucket, IsMultiRegionTrail=True)
    for i in range(4):
        away.create_trail(Name=f"west{i}", S3BucketName=bucket)
    with pytest.raises(ClientError) as err:
        away.create_trail(Name="west4", S3BucketName=bucket)
    assert code(err) == "MaximumNumberOfTrailsExceededException"
    assert message(err) == f"User: {ACCOUNT} already has 5 trails in us-west-2."
    with pytest.raises(ClientError) as err:
        home.create_trail(Name="global2", S3BucketName=bucket, IsMultiRegionTrail=True)
    assert code(err) == "MaximumNumberOfTrailsExceededException", "its shadow would be the sixth in us-west-2"
    home.create_trail(Name="local2", S3BucketName=bucket)
    away.delete_trail(Name="west0")
    away.create_trail(Name="west4", S3BucketName=bucket)


def test_sns_topic_checks(dest):
    srv, bucket = dest
    ct = srv.client("cloudtrail")
    with pytest.raises(ClientError) as err:
        ct.create_trail(Name="trail1", S3BucketName=bucket, SnsTopicName="no-such-topic")
    assert code(err) == "InsufficientSnsTopicPolicyException"
    with pytest.raises(ClientError) as err:
        ct.create_trail(Name="trail1", S3BucketName=bucket, SnsTopicName="bad topic!")
    assert code(err) == "InvalidSnsTopicNameException"
    sns = srv.client("sns")
    try:
        topic = sns.create_topic(Name="trail-alerts")["TopicArn"]
    except Exception as err:  # noqa: BLE001 - the SNS API is not there yet
        pytest.skip(f"needs the SNS API: create_topic answers {err}")
    with pytest.raises(ClientError) as err:
        ct.create_trail(Name="trail1", S3BucketName=bucket, SnsTopicName="trail-alerts")
    assert code(err) == "InsufficientSnsTopicPolicyException", "the default topic policy does not admit CloudTrail"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailSNSPolicy20131101", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "SNS:Publish", "Resource": topic}]}
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    created = ct.create_trail(Name="trail1", S3BucketName=bucket, SnsTopicName="trail-alerts")
    assert created["SnsTopicARN"] == topic, "a name comes back as the full ARN"


def test_trail_calls_are_recorded_with_the_trail(dest):
    srv, bucket = dest
    ct = srv.client("cloudtrail")
    ct.create_trail(Name="trail1", S3BucketName=bucket)
    ct.start_logging(Name="trail1")
    with pytest.raises(ClientError):
        ct.create_trail(Name="trail1", S3BucketName=bucket)
    events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": arn_of("trail1")}])
    names = [e["EventName"] for e in events["Events"]]
    assert names == ["CreateTrail", "StartLogging", "CreateTrail"]
    failed = json.loads(events["Events"][0]["CloudTrailEvent"])
    assert failed["errorCode"] == "TrailAlreadyExistsException"
    created = json.loads(events["Events"][2]["CloudTrailEvent"])
    assert created["eventSource"] == "cloudtrail.amazonaws.com" and created["readOnly"] is False
    assert created["responseElements"]["trailARN"] == arn_of("trail1")
    assert events["Events"][2]["Resources"] == [{"ResourceType": "AWS::CloudTrail::Trail", "ResourceName": arn_of("trail1")}]


def test_external_bucket_skips_local_checks():
    with tempfile.TemporaryDirectory() as data_dir:
        srv = external_server(data_dir)
        try:
            ct = srv.client("cloudtrail")
            created = ct.create_trail(Name="outside", S3BucketName=EXTERNAL_BUCKET)
            assert created["S3BucketName"] == EXTERNAL_BUCKET
            with pytest.raises(ClientError) as err:
                ct.create_trail(Name="inside", S3BucketName="not-configured-bucket")
            assert code(err) == "S3BucketDoesNotExistException"
        finally:
            srv.stop()


def test_insights_metric_data_counts_event_history_where_insights_is_on(dest):
    srv, bucket = dest
    ct = srv.client("cloudtrail")
    s3 = srv.client("s3")
    call_rate = dict(EventSource="s3.amazonaws.com", EventName="CreateBucket", InsightType="ApiCallRateInsight")
    error_rate = dict(EventSource="cloudtrail.amazonaws.com", EventName="GetTrail",
                      InsightType="ApiErrorRateInsight", ErrorCode="TrailNotFoundException")
    ct.create_trail(Name="trail1", S3BucketName=bucket)
    # Insights is off: there is no series.
    off = ct.list_insights_metric_data(**call_rate, Period=60)
    assert off["Timestamps"] == [] and off["Values"] == []

    ct.put_insight_selectors(TrailName="trail1", InsightSelectors=[
        {"InsightType": "ApiCallRateInsight"}, {"InsightType": "ApiErrorRateInsight"}])
    for name in ["insights-a", "insights-b"]:
        s3.create_bucket(Bucket=name)
    s3.list_buckets()
    for _ in range(2):
        with pytest.raises(ClientError):
            ct.get_trail(Name="missing")
    ct.get_trail(Name="trail1")

    calls = ct.list_insights_metric_data(**call_rate, Period=60, DataType="NonZeroData")
    assert sum(calls["Values"]) == 3  # the fixture's bucket and two more; ListBuckets reads
    assert calls["EventSource"] == "s3.amazonaws.com" and calls["InsightType"] == "ApiCallRateInsight"
    assert all(t.second == 0 for t in calls["Timestamps"])
    errors = ct.list_insights_metric_data(**error_rate, Period=60, DataType="NonZeroData")
    assert sum(errors["Values"]) == 2 and errors["ErrorCode"] == "TrailNotFoundException"

    start = datetime.now(timezone.utc) - timedelta(hours=3)
    hourly = ct.list_insights_metric_data(**call_rate, StartTime=start)
    assert len(hourly["Values"]) in (3, 4) and sum(hourly["Values"]) == 3
    steps = [b - a for a, b in zip(hourly["Timestamps"], hourly["Timestamps"][1:])]
    assert set(steps) == {timedelta(hours=1)}
    first = ct.list_insights_metric_data(**call_rate, StartTime=start, MaxResults=1)
    assert first["Timestamps"] == hourly["Timestamps"][:1]
    rest = ct.list_insights_metric_data(**call_rate, StartTime=start, NextToken=first["NextToken"])
    assert first["Values"] + rest["Values"] == hourly["Values"]

    with pytest.raises(ClientError) as err:
        ct.list_insights_metric_data(EventSource="s3.amazonaws.com", EventName="CreateBucket",
                                     InsightType="ApiErrorRateInsight")
    assert code(err) == "InvalidParameterException"
    with pytest.raises(ClientError) as err:
        ct.list_insights_metric_data(**call_rate, Period=120)
    assert code(err) == "InvalidParameterException"


def test_insights_metric_data_is_authorized_as_lookup_events(server):
    """AWS authorizes ListInsightsMetricData as cloudtrail:LookupEvents (and ListInsightsData on a
    trail it names): a user allowed LookupEvents alone may call it; one allowed only the
    operation's own name may not."""
    from conftest import new_user
    lookups = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "cloudtrail:LookupEvents", "Resource": "*"}]}
    named = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "cloudtrail:ListInsightsMetricData", "Resource": "*"}]}
    request = dict(EventSource="s3.amazonaws.com", EventName="CreateBucket", InsightType="ApiCallRateInsight")
    key, secret = new_user(server, "insights-reader", json.dumps(lookups))
    assert server.client("cloudtrail", key, secret).list_insights_metric_data(**request)["Values"] == []
    key, secret = new_user(server, "insights-named", json.dumps(named))
    with pytest.raises(ClientError) as err:
        server.client("cloudtrail", key, secret).list_insights_metric_data(**request)
    assert code(err) == "AccessDeniedException"
