"""The Resource Groups Tagging API, driven by the pinned boto3: GetResources over trails,
buckets, topics and A4B rooms (tag and type filters, ARN lists, paging over 250 resources of
mixed types), GetTagKeys/GetTagValues, TagResources/UntagResources changing the same tags each
service's own calls show, per-resource failures and permissions, and recording."""

import json

import boto3
import pytest
from botocore.config import Config

from conftest import ACCOUNT, ROOT_KEY, ROOT_SECRET, new_user
from test_trails import documented_policy

REGION = "us-east-1"


def all_resources(tagging, **kwargs):
    pages = tagging.get_paginator("get_resources").paginate(**kwargs)
    return [r for page in pages for r in page["ResourceTagMappingList"]]


def tags_of(mapping):
    return {t["Key"]: t["Value"] for t in mapping["Tags"]}


@pytest.fixture(scope="module")
def mixed(shared_server):
    """250 tagged resources of four types, each with `kind` and `n` tags, plus an untagged topic."""
    srv = shared_server
    s3, sns, ct, a4b = (srv.client(s) for s in ("s3", "sns", "cloudtrail", "alexaforbusiness"))
    arns = {}
    s3.create_bucket(Bucket="trail-logs")
    s3.put_bucket_policy(Bucket="trail-logs", Policy=documented_policy("trail-logs"))
    for i in range(5):
        name = f"trail-{i}"
        arn = ct.create_trail(Name=name, S3BucketName="trail-logs",
                              TagsList=[{"Key": "kind", "Value": "trail"}, {"Key": "n", "Value": str(i)}])["TrailARN"]
        arns[arn] = "trail"
    for i in range(60):
        name = f"tagged-bucket-{i:03}"
        s3.create_bucket(Bucket=name)
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "kind", "Value": "bucket"},
                                                               {"Key": "n", "Value": str(i)}]})
        arns[f"arn:aws:s3:::{name}"] = "bucket"
    for i in range(85):
        arn = sns.create_topic(Name=f"topic-{i:03}", Tags=[{"Key": "kind", "Value": "topic"},
                                                          {"Key": "n", "Value": str(i)}])["TopicArn"]
        arns[arn] = "topic"
    a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="1 Main St", DistanceUnit="METRIC",
                       TemperatureUnit="CELSIUS", WakeWord="ALEXA")
    for i in range(100):
        arn = a4b.create_room(RoomName=f"room-{i:03}", Tags=[{"Key": "kind", "Value": "room"},
                                                           {"Key": "n", "Value": str(i)}])["RoomArn"]
        arns[arn] = "room"
    sns.create_topic(Name="untagged")
    assert len(arns) == 250
    return arns


def test_paging_over_250_mixed_resources(shared_server, mixed):
    tagging = shared_server.client("resourcegroupstaggingapi")
    seen = all_resources(tagging, ResourcesPerPage=100)
    assert [r["ResourceARN"] for r in seen] == sorted(r["ResourceARN"] for r in seen)
    assert {r["ResourceARN"] for r in seen} == set(mixed)
    assert len(seen) == 250, "each resource exactly once"
    for r in seen:
        assert tags_of(r)["kind"] == mixed[r["ResourceARN"]]
    # The default page is 50; TagsPerPage cuts pages by tag count.
    first = tagging.get_resources()
    assert len(first["ResourceTagMappingList"]) == 50 and first["PaginationToken"]
    small = tagging.get_resources(TagsPerPage=100)
    assert len(small["ResourceTagMappingList"]) == 50
    assert len(all_resources(tagging, TagsPerPage=100)) == 250


def test_filters(shared_server, mixed):
    tagging = shared_server.client("resourcegroupstaggingapi")
    rooms = all_resources(tagging, ResourceTypeFilters=["a4b:room"])
    assert len(rooms) == 100 and all(":room/" in r["ResourceARN"] for r in rooms)
    assert len(all_resources(tagging, ResourceTypeFilters=["s3", "cloudtrail:trail"])) == 65
    assert len(all_resources(tagging, ResourceTypeFilters=["sns:topic"])) == 85
    threes = all_resources(tagging, TagFilters=[{"Key": "n", "Values": ["3"]}])
    assert {mixed[r["ResourceARN"]] for r in threes} == {"trail", "bucket", "topic", "room"}
    both = all_resources(tagging, TagFilters=[{"Key": "n", "Values": ["5", "6"]},
                                              {"Key": "kind", "Values": ["topic"]}])
    assert len(both) == 2
    assert all_resources(tagging, TagFilters=[{"Key": "absent"}]) == []
    untagged = f"arn:aws:sns:{REGION}:{ACCOUNT}:untagged"
    listed = tagging.get_resources(ResourceARNList=[untagged, f"arn:aws:sns:{REGION}:{ACCOUNT}:topic-001"])
    assert {r["ResourceARN"]: tags_of(r) for r in listed["ResourceTagMappingList"]}[untagged] == {}
    # Another region has none of these.
    assert shared_server.client("resourcegroupstaggingapi", region="eu-west-1").get_resources()[
        "ResourceTagMappingList"] == []


def test_tag_keys_and_values(shared_server, mixed):
    tagging = shared_server.client("resourcegroupstaggingapi")
    keys = [k for page in tagging.get_paginator("get_tag_keys").paginate() for k in page["TagKeys"]]
    assert {"kind", "n"} <= set(keys)
    values = [v for page in tagging.get_paginator("get_tag_values").paginate(Key="kind") for v in page["TagValues"]]
    assert {"trail", "bucket", "topic", "room"} <= set(values)
    assert tagging.get_tag_values(Key="no-such-key")["TagValues"] == []


def test_either_door_sets_the_same_tags(shared_server, mixed):
    srv = shared_server
    tagging = srv.client("resourcegroupstaggingapi")
    trail = next(a for a, k in mixed.items() if k == "trail")
    bucket, topic, room = "arn:aws:s3:::tagged-bucket-007", f"arn:aws:sns:{REGION}:{ACCOUNT}:topic-007", None
    room = next(a for a, k in mixed.items() if k == "room")
    answer = tagging.tag_resources(ResourceARNList=[trail, bucket, topic, room], Tags={"owner": "sec"})
    assert answer["FailedResourcesMap"] == {}
    ct, s3, sns, a4b = (srv.client(s) for s in ("cloudtrail", "s3", "sns", "alexaforbusiness"))
    trail_tags = ct.list_tags(ResourceIdList=[trail])["ResourceTagList"][0]["TagsList"]
    assert {"Key": "owner", "Value": "sec"} in trail_tags
    assert {"Key": "owner", "Value": "sec"} in s3.get_bucket_tagging(Bucket="tagged-bucket-007")["TagSet"]
    assert {"Key": "owner", "Value": "sec"} in sns.list_tags_for_resource(ResourceArn=topic)["Tags"]
    assert {"Key": "owner", "Value": "sec"} in a4b.list_tags(Arn=room)["Tags"]
    tagging.untag_resources(ResourceARNList=[trail, bucket, topic, room], TagKeys=["owner", "n"])
    for arn in (trail, bucket, topic, room):
        [found] = tagging.get_resources(ResourceARNList=[arn])["ResourceTagMappingList"]
        assert "owner" not in tags_of(found) and "n" not in tags_of(found)
    # A service's own call shows up in the tagging API at once.
    sns.tag_resource(ResourceArn=topic, Tags=[{"Key": "via", "Value": "sns"}])
    [found] = tagging.get_resources(ResourceARNList=[topic])["ResourceTagMappingList"]
    assert tags_of(found)["via"] == "sns"


def test_failures_are_per_resource(shared_server, mixed):
    tagging = shared_server.client("resourcegroupstaggingapi")
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:topic-010"
    missing = f"arn:aws:sns:{REGION}:{ACCOUNT}:no-such-topic"
    unsupported = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-1234567890abcdef0"
    answer = tagging.tag_resources(ResourceARNList=[topic, missing, unsupported, "arn:aws:s3:::no-such-bucket"],
                                   Tags={"batch": "1"})
    failed = answer["FailedResourcesMap"]
    assert set(failed) == {missing, unsupported, "arn:aws:s3:::no-such-bucket"}
    assert failed[missing]["StatusCode"] == 404 and failed[missing]["ErrorCode"] == "InvalidParameterException"
    [found] = tagging.get_resources(ResourceARNList=[topic])["ResourceTagMappingList"]
    assert tags_of(found)["batch"] == "1"
    # The service's own rules apply: a reserved key fails that resource only.
    failed = tagging.tag_resources(ResourceARNList=[topic], Tags={"aws:reserved": "x"})["FailedResourcesMap"]
    assert failed[topic]["StatusCode"] == 400


@pytest.mark.parametrize("kwargs", [
    {"ResourcesPerPage": 0},
    {"ResourcesPerPage": 101},
    {"PaginationToken": "garbage"},
    {"ResourceARNList": ["arn:aws:s3:::x"], "TagFilters": [{"Key": "k"}]},
])
def test_bad_input(shared_server, kwargs):
    tagging = boto3.client(
        "resourcegroupstaggingapi", endpoint_url=shared_server.endpoint, region_name=REGION,
        aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET,
        config=Config(parameter_validation=False, retries={"max_attempts": 1}))
    with pytest.raises(tagging.exceptions.InvalidParameterException):
        tagging.get_resources(**kwargs)


def test_permissions_per_resource(shared_server, mixed):
    srv = shared_server
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["tag:*", "sns:TagResource"], "Resource": "*"}]})
    key, secret = new_user(srv, "tagger", policy)
    tagging = srv.client("resourcegroupstaggingapi", key=key, secret=secret)
    trail = next(a for a, k in mixed.items() if k == "trail")
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:topic-020"
    failed = tagging.tag_resources(ResourceARNList=[trail, topic], Tags={"who": "tagger"})["FailedResourcesMap"]
    assert list(failed) == [trail] and failed[trail]["StatusCode"] == 403
    assert "cloudtrail:AddTags" in failed[trail]["ErrorMessage"]
    denied_user = new_user(srv, "no-tags", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sns:*", "Resource": "*"}]}))
    denied = srv.client("resourcegroupstaggingapi", key=denied_user[0], secret=denied_user[1])
    with pytest.raises(denied.exceptions.ClientError) as raised:
        denied.get_resources()
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"


def test_calls_are_recorded(shared_server, mixed):
    tagging = shared_server.client("resourcegroupstaggingapi")
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:topic-030"
    tagging.tag_resources(ResourceARNList=[topic], Tags={"recorded": "yes"})
    tagging.get_tag_keys()
    ct = shared_server.client("cloudtrail")

    def events(name):
        found = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}])
        return [json.loads(e["CloudTrailEvent"]) for e in found["Events"]]

    [tagged] = [e for e in events("TagResources") if e["requestParameters"]["tags"] == {"recorded": "yes"}]
    assert tagged["eventSource"] == "tagging.amazonaws.com" and tagged["readOnly"] is False
    assert tagged["requestParameters"]["resourceArnList"] == [topic]
    assert tagged["responseElements"] == {"failedResourcesMap": {}}
    assert events("GetTagKeys")[0]["readOnly"] is True
