"""Regions: only the partition's regions are accepted in a credential scope, each protocol family
answers an unknown one as AWS does, nothing is recorded for it; S3 refuses a request signed for
another region than the bucket's with the region it expects (and boto3 follows it); JSON services
check the scope's service; the console and the CLI refuse unknown regions."""

import os
import subprocess

import requests
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ROOT_KEY, ROOT_SECRET, error_of

FAKE = "zz-fake-1"


def signed(endpoint, service, region, target=None, body=b"{}", method="POST", path="/", s3=False):
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if target:
        headers["X-Amz-Target"] = target
    request = AWSRequest(method=method, url=endpoint + path, data=body, headers=headers)
    auth = S3SigV4Auth if s3 else SigV4Auth
    auth(Credentials(ROOT_KEY, ROOT_SECRET), service, region).add_auth(request)
    return requests.request(method, endpoint + path, data=body, headers=dict(request.headers))


def test_json_services_refuse_an_unknown_region_and_record_nothing(shared_server):
    ct = shared_server.client("cloudtrail", region=FAKE)
    code, status, message = error_of(lambda: ct.describe_trails())
    assert (code, status) == ("InvalidSignatureException", 403)
    assert message == f"Credential should be scoped to a valid region, not '{FAKE}'. "
    a4b = shared_server.client("alexaforbusiness", region=FAKE)
    assert error_of(lambda: a4b.search_rooms())[0] == "InvalidSignatureException"
    # Region strings no client would send, signed by hand.
    for region in ["x" * 300, "US-EAST-1", "us-east-1 "]:
        response = signed(shared_server.endpoint, "cloudtrail", region,
                          target="CloudTrail_20131101.DescribeTrails")
        assert response.status_code == 403, region
        assert response.json()["__type"] == "InvalidSignatureException"
    names = [e["EventName"] for e in shared_server.client("cloudtrail").lookup_events()["Events"]]
    assert "DescribeTrails" not in names and "SearchRooms" not in names


def test_query_services_refuse_an_unknown_region(shared_server):
    sts = shared_server.client("sts", region=FAKE)
    code, status, message = error_of(lambda: sts.get_caller_identity())
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    assert message == f"Credential should be scoped to a valid region, not '{FAKE}'. "
    sns = shared_server.client("sns", region=FAKE)
    assert error_of(lambda: sns.list_topics())[0] == "SignatureDoesNotMatch"
    # A known region other than us-east-1 works and is recorded there.
    assert shared_server.client("sts", region="eu-west-1").get_caller_identity()["Account"]


def test_s3_refuses_an_unknown_region_naming_the_one_it_expects(shared_server):
    shared_server.client("s3").create_bucket(Bucket="region-probe")
    response = signed(shared_server.endpoint, "s3", FAKE, body=b"", method="GET",
                      path="/region-probe?list-type=2", s3=True)
    assert response.status_code == 400
    assert "<Code>AuthorizationHeaderMalformed</Code>" in response.text
    assert f"the region &apos;{FAKE}&apos; is wrong" in response.text or f"the region '{FAKE}' is wrong" in response.text
    assert "<Region>us-east-1</Region>" in response.text
    assert response.headers["x-amz-bucket-region"] == "us-east-1"


def test_s3_refuses_another_region_than_the_buckets_and_boto3_follows(shared_server):
    s3 = shared_server.client("s3")
    s3.create_bucket(Bucket="west-bucket", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    s3.create_bucket(Bucket="east-bucket")
    # Raw: signed for us-east-1, the bucket is in us-west-2.
    response = signed(shared_server.endpoint, "s3", "us-east-1", body=b"", method="GET",
                      path="/west-bucket?list-type=2", s3=True)
    assert response.status_code == 400
    assert "<Code>AuthorizationHeaderMalformed</Code>" in response.text
    assert "<Region>us-west-2</Region>" in response.text
    # boto3 retries in the region S3 names: the call succeeds and is recorded there.
    west_client = shared_server.client("s3", region="eu-west-1")
    west_client.put_object(Bucket="east-bucket", Key="k", Body=b"v")
    assert s3.get_object(Bucket="east-bucket", Key="k")["Body"].read() == b"v"


def test_json_services_check_the_scope_service(shared_server):
    endpoint = shared_server.endpoint
    response = signed(endpoint, "a4b", "us-east-1",
                      target="com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails")
    assert response.status_code == 403
    body = response.json()
    assert body["__type"] == "InvalidSignatureException"
    assert body["message"] == "Credential should be scoped to correct service: 'cloudtrail'. "
    response = signed(endpoint, "cloudtrail", "us-east-1", target="AlexaForBusiness.SearchRooms")
    assert response.status_code == 403 and response.json()["__type"] == "InvalidSignatureException"
    # A JSON request signed for s3 is a JSON request with the wrong scope, not an S3 request.
    response = signed(endpoint, "s3", "us-east-1",
                      target="com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails")
    assert response.status_code == 403
    assert response.json()["message"] == "Credential should be scoped to correct service: 'cloudtrail'. "


def test_console_and_cli_refuse_unknown_regions(shared_server):
    session = requests.Session()
    login = session.post(shared_server.endpoint + "/console/api/login",
                         json={"access_key_id": ROOT_KEY, "secret_access_key": ROOT_SECRET})
    assert login.status_code == 200
    for region in [FAKE, "x" * 5000, "\x00"]:
        response = session.get(shared_server.endpoint + "/console/api/events", params={"region": region})
        assert response.status_code == 400, region
        assert response.json()["code"] == "InvalidParameterValueException"
    assert session.get(shared_server.endpoint + "/console/api/events",
                       params={"region": "eu-west-1"}).status_code == 200
    binary = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")
    result = subprocess.run([binary, "events", "lookup", "--data-dir", shared_server.data_dir,
                             "--region", FAKE], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "is not a region of the aws partition" in result.stderr
