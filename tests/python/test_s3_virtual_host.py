"""Virtual-hosted-style S3 (`BUCKET.localhost:PORT`), as SDKs address buckets by default, with
boto3's `addressing_style="virtual"`. `*.localhost` is loopback (RFC 6761: browsers, curl and
systemd-resolved resolve it so); this test process resolves it that way too."""

import socket

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ROOT_KEY, ROOT_SECRET

_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture(autouse=True)
def localhost_subdomains(monkeypatch):
    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return _real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def virtual(server, **config):
    port = server.endpoint.rsplit(":", 1)[1]
    return boto3.client(
        "s3", endpoint_url=f"http://localhost:{port}", region_name="us-east-1",
        aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET,
        config=Config(s3={"addressing_style": "virtual"}, signature_version="s3v4",
                      retries={"total_max_attempts": 1}, **config),
    )


def test_buckets_and_objects_by_host(server):
    s3 = virtual(server)
    s3.create_bucket(Bucket="vhost")
    s3.put_object(Bucket="vhost", Key="dir/a b.txt", Body=b"virtual")
    assert s3.get_object(Bucket="vhost", Key="dir/a b.txt")["Body"].read() == b"virtual"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="vhost")["Contents"]] == ["dir/a b.txt"]
    s3.put_bucket_tagging(Bucket="vhost", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert s3.get_bucket_tagging(Bucket="vhost")["TagSet"] == [{"Key": "k", "Value": "v"}]
    # The same bucket, path-style.
    path = server.client("s3")
    assert path.get_object(Bucket="vhost", Key="dir/a b.txt")["Body"].read() == b"virtual"
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "vhost", "Key": "dir/a b.txt"})
    assert url.startswith("http://vhost.localhost:")
    import requests
    got = requests.get(url)
    assert got.content == b"virtual", got.text
    # Recorded with the host the client used.
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "PutBucketTagging"}])["Events"]
    import json
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["requestParameters"]["bucketName"] == "vhost"
    assert record["requestParameters"]["Host"].startswith("vhost.localhost")


def test_a_host_that_cannot_name_a_bucket_is_refused(server):
    s3 = virtual(server)
    with pytest.raises(ClientError) as info:
        s3.list_objects_v2(Bucket="ab")
    assert info.value.response["Error"]["Code"] in ("InvalidBucketName", "NoSuchBucket")
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket="missing-bucket", Key="k")
    assert info.value.response["Error"]["Code"] == "NoSuchBucket"


def test_account_public_access_block_through_s3_control(server):
    """S3 Control addresses the account as a host prefix (`123456789012.localhost`)."""
    port = server.endpoint.rsplit(":", 1)[1]
    control = boto3.client("s3control", endpoint_url=f"http://localhost:{port}", region_name="us-east-1",
                           aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET,
                           config=Config(retries={"total_max_attempts": 1}))
    account = "123456789012"
    with pytest.raises(ClientError) as info:
        control.get_public_access_block(AccountId=account)
    assert info.value.response["Error"]["Code"] == "NoSuchPublicAccessBlockConfiguration"
    control.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    got = control.get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"]
    assert got == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                   "RestrictPublicBuckets": True}
    # The account's block refuses public policies even where the bucket's own block is off.
    s3 = server.client("s3")
    s3.create_bucket(Bucket="acct-blocked")
    s3.delete_public_access_block(Bucket="acct-blocked")
    public = '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::acct-blocked/*"}]}'
    with pytest.raises(ClientError) as info:
        s3.put_bucket_policy(Bucket="acct-blocked", Policy=public)
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    control.delete_public_access_block(AccountId=account)
    s3.put_bucket_policy(Bucket="acct-blocked", Policy=public)
    assert control.list_access_points(AccountId=account).get("AccessPointList", []) == []
    with pytest.raises(ClientError) as info:
        control.get_public_access_block(AccountId="210987654321")
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    import json
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "PutAccountPublicAccessBlock"}])["Events"]
    assert json.loads(events[0]["CloudTrailEvent"])["eventSource"] == "s3.amazonaws.com"
