"""Region and zone discovery with boto3's EC2 client, as inventory tools start: the regions are
the server's (every one multi-region trails cover), filters and names work, errors are EC2's,
and the calls are recorded as EC2 read events."""

import json

import pytest
from botocore.exceptions import ClientError

from conftest import new_user


def test_regions_and_zones(server):
    ec2 = server.client("ec2")
    regions = ec2.describe_regions()["Regions"]
    names = {r["RegionName"] for r in regions}
    assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= names and len(names) >= 30
    assert {r["OptInStatus"] for r in regions} == {"opt-in-not-required", "opted-in"}
    assert all(r["Endpoint"] == f"ec2.{r['RegionName']}.amazonaws.com" for r in regions)
    assert {r["RegionName"] for r in ec2.describe_regions(AllRegions=True)["Regions"]} == names
    europe = ec2.describe_regions(Filters=[{"Name": "region-name", "Values": ["eu-*"]}])["Regions"]
    assert europe and all(r["RegionName"].startswith("eu-") for r in europe)
    two = ec2.describe_regions(RegionNames=["us-west-2", "eu-west-1"])["Regions"]
    assert sorted(r["RegionName"] for r in two) == ["eu-west-1", "us-west-2"]
    with pytest.raises(ClientError) as err:
        ec2.describe_regions(RegionNames=["zz-fake-1"])
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"
    zones = server.client("ec2", region="eu-west-1").describe_availability_zones()["AvailabilityZones"]
    assert [z["ZoneName"] for z in zones] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert zones[0]["ZoneId"] == "euw1-az1" and zones[0]["State"] == "available"
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "DescribeRegions"}])["Events"]
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["eventSource"] == "ec2.amazonaws.com" and record["readOnly"] is True


def test_a_user_needs_the_permission(server):
    key, secret = new_user(server, "no-ec2", policy=None)
    with pytest.raises(ClientError) as err:
        server.client("ec2", key, secret).describe_regions()
    assert err.value.response["Error"]["Code"] == "UnauthorizedOperation"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
