"""S3 on the shared endpoint, driven by the pinned boto3 and AWS CLI: buckets, objects, listing,
policies, presigned URLs, aws-chunked uploads, signature failures, recording and durability."""

import datetime
import hashlib
import hmac
import json
import os
import time
from unittest import mock

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from conftest import ACCOUNT, ROOT_KEY, ROOT_SECRET, Server, aws_cli, error_of, error_response, server_with_account

OTHER_ACCOUNT = "210987654321"
OTHER_KEY = "AKIASECONDACCOUNT001"
OTHER_SECRET = "c2Vjb25kIGFjY291bnQgc2VjcmV0IGtleSBleGFtcGxlMDE"


@pytest.fixture(scope="module")
def srv():
    """One server with a second account, for the whole module."""
    with server_with_account(OTHER_ACCOUNT, OTHER_KEY, OTHER_SECRET) as server:
        yield server


def s3_client(srv, key=ROOT_KEY, secret=ROOT_SECRET, region="us-east-1", **config):
    return boto3.client(
        "s3",
        endpoint_url=srv.endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, signature_version="s3v4", **config),
    )


_counter = [0]


def new_bucket(s3, prefix="b"):
    _counter[0] += 1
    name = f"{prefix}-{_counter[0]}-{int(time.time() * 1000) % 100000}"
    s3.create_bucket(Bucket=name)
    return name


# ---- buckets --------------------------------------------------------------------------------


def test_bucket_lifecycle_and_location(srv):
    s3 = s3_client(srv)
    assert s3.create_bucket(Bucket="life-cycle")["Location"] == "/life-cycle"
    s3.head_bucket(Bucket="life-cycle")
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "life-cycle" in names
    assert s3.get_bucket_location(Bucket="life-cycle")["LocationConstraint"] is None
    s3.create_bucket(Bucket="life-cycle-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert s3.get_bucket_location(Bucket="life-cycle-eu")["LocationConstraint"] == "eu-west-1"
    head = s3.head_bucket(Bucket="life-cycle-eu")
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"
    s3.delete_bucket(Bucket="life-cycle")
    s3.delete_bucket(Bucket="life-cycle-eu")
    assert "life-cycle" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    code, status, _ = error_of(s3.head_bucket, Bucket="life-cycle")
    assert (code, status) == ("404", 404)


def test_bucket_errors(srv):
    s3 = s3_client(srv)
    response = error_response(s3.delete_bucket, Bucket="no-such-bucket-here")
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == ("NoSuchBucket", 404)
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amz-request-id"]
    assert error_of(s3.create_bucket, Bucket="Bad_Name")[:2] == ("InvalidBucketName", 400)
    assert error_of(s3.create_bucket, Bucket="ab")[:2] == ("InvalidBucketName", 400)
    name = new_bucket(s3)
    # us-east-1 answers 200 to its owner re-creating a bucket; other regions say it is yours.
    s3.create_bucket(Bucket=name)
    west = s3_client(srv, region="us-west-2")
    code, status, _ = error_of(
        west.create_bucket, Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
    )
    assert (code, status) == ("BucketAlreadyOwnedByYou", 409)
    other = s3_client(srv, OTHER_KEY, OTHER_SECRET)
    assert error_of(other.create_bucket, Bucket=name)[:2] == ("BucketAlreadyExists", 409)
    assert error_of(west.create_bucket, Bucket="no-constraint-west")[0] == "IllegalLocationConstraintException"
    code, _, _ = error_of(s3.create_bucket, Bucket="moon-bucket", CreateBucketConfiguration={"LocationConstraint": "moon"})
    assert code == "InvalidLocationConstraint"
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    assert error_of(s3.delete_bucket, Bucket=name)[:2] == ("BucketNotEmpty", 409)


def test_buckets_belong_to_their_account(srv):
    s3 = s3_client(srv)
    other = s3_client(srv, OTHER_KEY, OTHER_SECRET)
    name = new_bucket(s3)
    s3.put_object(Bucket=name, Key="secret", Body=b"mine")
    assert name not in [b["Name"] for b in other.list_buckets()["Buckets"]]
    assert error_of(other.get_object, Bucket=name, Key="secret")[:2] == ("AccessDenied", 403)
    assert error_of(other.list_objects, Bucket=name)[:2] == ("AccessDenied", 403)
    assert error_of(other.put_object, Bucket=name, Key="x", Body=b"y")[:2] == ("AccessDenied", 403)
    assert error_of(other.get_bucket_policy, Bucket=name)[:2] == ("AccessDenied", 403)
    # A bucket policy grants the other account read access, and nothing more.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
            }
        ],
    }
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    assert other.get_object(Bucket=name, Key="secret")["Body"].read() == b"mine"
    assert [o["Key"] for o in other.list_objects(Bucket=name)["Contents"]] == ["secret"]
    assert error_of(other.put_object, Bucket=name, Key="x", Body=b"y")[:2] == ("AccessDenied", 403)


def test_bucket_acl_names_the_owner(srv):
    s3 = s3_client(srv)
    name = new_bucket(s3)
    acl = s3.get_bucket_acl(Bucket=name)
    owner_id = acl["Owner"]["ID"]
    assert len(owner_id) == 64
    assert acl["Grants"] == [
        {"Grantee": {"DisplayName": ACCOUNT, "ID": owner_id, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}
    ]
    assert s3.list_buckets()["Owner"]["ID"] == owner_id


# ---- policies -------------------------------------------------------------------------------


def cloudtrail_policy(bucket):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck20150319",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": f"arn:aws:s3:::{bucket}",
            },
            {
                "Sid": "AWSCloudTrailWrite20150319",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{ACCOUNT}/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            },
        ],
    }


def test_bucket_policy_round_trip_and_errors(srv):
    s3 = s3_client(srv)
    name = new_bucket(s3)
    assert error_of(s3.get_bucket_policy, Bucket=name)[:2] == ("NoSuchBucketPolicy", 404)
    text = json.dumps(cloudtrail_policy(name))
    response = s3.put_bucket_policy(Bucket=name, Policy=text)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_bucket_policy(Bucket=name)["Policy"] == text
    code, status, _ = error_of(s3.put_bucket_policy, Bucket=name, Policy="not json")
    assert (code, status) == ("MalformedPolicy", 400)
    wrong_bucket = json.dumps(cloudtrail_policy("some-other-bucket"))
    code, _, message = error_of(s3.put_bucket_policy, Bucket=name, Policy=wrong_bucket)
    assert code == "MalformedPolicy"
    assert message == "Policy has invalid resource"
    # The failed puts left the good policy in place.
    assert s3.get_bucket_policy(Bucket=name)["Policy"] == text
    assert s3.delete_bucket_policy(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(s3.get_bucket_policy, Bucket=name)[0] == "NoSuchBucketPolicy"
    assert error_of(s3.put_bucket_policy, Bucket="no-such-bucket-here", Policy=text)[0] == "NoSuchBucket"


# ---- objects --------------------------------------------------------------------------------


def test_object_round_trip_with_metadata_and_ranges(srv):
    s3 = s3_client(srv)
    name = new_bucket(s3)
    body = b"0123456789" * 100
    put = s3.put_object(
        Bucket=name,
        Key="dir/file.json.gz",
        Body=body,
        ContentType="application/x-gzip",
        Metadata={"signature": "abcdef", "Signature-Algorithm": "SHA256withRSA"},
        ACL="bucket-owner-full-control",
    )
    assert put["ETag"] == '"%s"' % hashlib.md5(body).hexdigest()
    got = s3.get_object(Bucket=name, Key="dir/file.json.gz")
    assert got["Body"].read() == body
    assert got["ContentType"] == "application/x-gzip"
    assert got["Metadata"] == {"signature": "abcdef", "signature-algorithm": "SHA256withRSA"}
    assert got["ETag"] == put["ETag"]
    assert got["ContentLength"] == 1000
    head = s3.head_object(Bucket=name, Key="dir/file.json.gz")
    assert head["Metadata"] == got["Metadata"]
    assert head["ContentLength"] == 1000
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-meta-signature"] == "abcdef"
    part = s3.get_object(Bucket=name, Key="dir/file.json.gz", Range="bytes=5-14")
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert part["Body"].read() == b"5678901234"
    assert part["ContentRange"] == "bytes 5-14/1000"
    assert s3.get_object(Bucket=name, Key="dir/file.json.gz", Range="bytes=-3")["Body"].read() == b"789"
    assert error_of(s3.get_object, Bucket=name, Key="dir/file.json.gz", Range="bytes=2000-")[:2] == ("InvalidRange", 416)
    # Overwrite, then delete (twice: deleting a missing key succeeds).
    s3.put_object(Bucket=name, Key="dir/file.json.gz", Body=b"new")
    assert s3.get_object(Bucket=name, Key="dir/file.json.gz")["Body"].read() == b"new"
    assert s3.delete_object(Bucket=name, Key="dir/file.json.gz")["ResponseMetadata"]["HTTPStatusCode"] == 204
    s3.delete_object(Bucket=name, Key="dir/file.json.gz")
    code, status, _ = error_of(s3.get_object, Bucket=name, Key="dir/file.json.gz")
    assert (code, status) == ("NoSuchKey", 404)
    assert error_of(s3.head_object, Bucket=name, Key="dir/file.json.gz")[:2] == ("404", 404)
    assert error_of(s3.get_object, Bucket="no-such-bucket-here", Key="k")[:2] == ("NoSuchBucket", 404)
    assert error_of(s3.put_object, Bucket="no-such-bucket-here", Key="k", Body=b"")[:2] == ("NoSuchBucket", 404)


def test_empty_objects_and_odd_keys(srv):
    s3 = s3_client(srv)
    name = new_bucket(s3)
    keys = ["a b+c=d~é", "x/../y", "sp ace/%41", "emoji-\U0001F600", "trailing/"]
    for key in keys:
        s3.put_object(Bucket=name, Key=key, Body=key.encode())
    for key in keys:
        assert s3.get_object(Bucket=name, Key=key)["Body"].read() == key.encode()
    s3.put_object(Bucket=name, Key="empty", Body=b"")
    assert s3.get_object(Bucket=name, Key="empty")["Body"].read() == b""
    listed = [o["Key"] for o in s3.list_objects(Bucket=name)["Contents"]]
    assert listed == sorted(keys + ["empty"], key=lambda k: k.encode())


def test_content_md5_is_checked(srv):
    s3 = s3_client(srv)
    name = new_bucket(s3)
    import base64

    good = base64.b64encode(hashlib.md5(b"hello").digest()).decode()
    s3.put_object(Bucket=name, Key="k", Body=b"hello", ContentMD5=good)
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    assert error_of(s3.put_object, Bucket=name, Key="k2", Body=b"hello", ContentMD5=bad)[:2] == ("BadDigest", 400)


def test_copy_and_multi_delete(srv):
    s3 = s3_client(srv)
    name = new_bucket(s3)
    s3.put_object(Bucket=name, Key="src", Body=b"payload", Metadata={"a": "1"}, ContentType="text/plain")
    copied = s3.copy_object(Bucket=name, Key="dst", CopySource={"Bucket": name, "Key": "src"})
    assert copied["CopyObjectResult"]["ETag"] == '"%s"' % hashlib.md5(b"payload").hexdigest()
    got = s3.get_object(Bucket=name, Key="dst")
    assert (got["Body"].read(), got["Metadata"], got["ContentType"]) == (b"payload", {"a": "1"}, "text/plain")
    s3.copy_object(
        Bucket=name, Key="dst2", CopySource=f"{name}/src", MetadataDirective="REPLACE", Metadata={"b": "2"}
    )
    assert s3.head_object(Bucket=name, Key="dst2")["Metadata"] == {"b": "2"}
    assert error_of(s3.copy_object, Bucket=name, Key="src", CopySource=f"{name}/src")[0] == "InvalidRequest"
    assert error_of(s3.copy_object, Bucket=name, Key="x", CopySource=f"{name}/missing")[0] == "NoSuchKey"
    deleted = s3.delete_objects(Bucket=name, Delete={"Objects": [{"Key": "src"}, {"Key": "dst"}, {"Key": "nope"}]})
    assert sorted(d["Key"] for d in deleted["Deleted"]) == ["dst", "nope", "src"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]] == ["dst2"]


# ---- listing --------------------------------------------------------------------------------


def test_list_objects_v1_pages_over_1000_keys_with_url_encoding(srv):
    s3 = s3_client(srv)
    name = new_bucket(s3, "many")
    keys = [f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/{i:05d} x+y.json.gz" for i in range(1050)]
    keys += ["AWSLogs/other", "zzz", "aaa"]
    for key in keys:
        s3.put_object(Bucket=name, Key=key, Body=b"")
    prefix = f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1"
    # The paginator sends EncodingType=url (botocore's default) and follows NextMarker.
    pages = list(s3.get_paginator("list_objects").paginate(Bucket=name, Prefix=prefix))
    assert len(pages) == 2
    assert pages[0]["IsTruncated"] is True and len(pages[0]["Contents"]) == 1000
    listed = [o["Key"] for page in pages for o in page["Contents"]]
    assert listed == sorted(k for k in keys if k.startswith(prefix))
    # Marker, as validate-logs uses it: strictly after the marker.
    marker = keys[1000]
    after = s3.list_objects(Bucket=name, Prefix=prefix, Marker=marker)
    assert [o["Key"] for o in after["Contents"]] == keys[1001:1050]
    assert after["Marker"] == marker
    # The raw wire form is URL-encoded.
    raw = s3.list_objects(Bucket=name, Prefix=prefix, Marker=keys[1048], EncodingType="url")
    assert raw["Contents"][0]["Key"].endswith("01049%20x%2By.json.gz")
    # Delimiters roll keys up into common prefixes.
    top = s3.list_objects(Bucket=name, Delimiter="/")
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["AWSLogs/"]
    assert [o["Key"] for o in top["Contents"]] == ["aaa", "zzz"]


def test_list_objects_v2_tokens_and_start_after(srv):
    s3 = s3_client(srv)
    name = new_bucket(s3)
    keys = [f"k/{i:03d}" for i in range(25)] + ["l/1", "l/2"]
    for key in keys:
        s3.put_object(Bucket=name, Key=key, Body=b"")
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=name, PaginationConfig={"PageSize": 10}))
    assert [p["KeyCount"] for p in pages] == [10, 10, 7]
    assert [o["Key"] for p in pages for o in p["Contents"]] == keys
    assert "NextContinuationToken" not in pages[-1]
    after = s3.list_objects_v2(Bucket=name, StartAfter="k/020")
    assert [o["Key"] for o in after["Contents"]] == keys[21:]
    rolled = s3.list_objects_v2(Bucket=name, Delimiter="/", MaxKeys=1)
    assert [p["Prefix"] for p in rolled["CommonPrefixes"]] == ["k/"]
    rest = s3.list_objects_v2(Bucket=name, Delimiter="/", ContinuationToken=rolled["NextContinuationToken"])
    assert [p["Prefix"] for p in rest["CommonPrefixes"]] == ["l/"]
    assert error_of(s3.list_objects_v2, Bucket=name, ContinuationToken="garbage!")[0] == "InvalidArgument"


# ---- authentication ------------------------------------------------------------------------


def test_signature_failures_answer_s3_errors(srv):
    response = error_response(s3_client(srv, secret="wrong-secret").list_buckets)
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == ("SignatureDoesNotMatch", 403)
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amz-request-id"]
    code, status, _ = error_of(s3_client(srv, key="AKIADOESNOTEXIST0000").list_buckets)
    assert (code, status) == ("InvalidAccessKeyId", 403)
    # A body that is not the one signed for.
    request = AWSRequest(method="PUT", url=f"{srv.endpoint}/no-bucket/k", data=b"signed body")
    SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), "s3", "us-east-1").add_auth(request)
    request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(b"signed body").hexdigest()
    headers = dict(request.headers)
    r = requests.put(f"{srv.endpoint}/no-bucket/k", data=b"other body", headers=headers)
    assert r.status_code in (400, 403)
    assert "<Code>" in r.text
    # Anonymous requests are refused.
    r = requests.get(f"{srv.endpoint}/some-bucket/key")
    assert r.status_code == 403 and "<Code>AccessDenied</Code>" in r.text


def test_clock_skew_is_request_time_too_skewed(srv):
    url = f"{srv.endpoint}/"
    request = AWSRequest(method="GET", url=url, headers={"X-Amz-Content-SHA256": hashlib.sha256(b"").hexdigest()})
    when = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
    # botocore reads the time through `datetime` (older releases) or `get_current_datetime`.
    clock = mock.patch("botocore.auth.get_current_datetime", return_value=when, create=True)
    with mock.patch("botocore.auth.datetime") as fake, clock:
        fake.datetime.utcnow.return_value = when
        fake.datetime.now.return_value = when
        SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), "s3", "us-east-1").add_auth(request)
    r = requests.get(url, headers=dict(request.headers))
    assert r.status_code == 403
    assert "<Code>RequestTimeTooSkewed</Code>" in r.text


def test_presigned_get_url(srv):
    s3 = s3_client(srv)
    name = new_bucket(s3)
    s3.put_object(Bucket=name, Key="a b/c.txt", Body=b"presigned body")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": name, "Key": "a b/c.txt"}, ExpiresIn=60)
    r = requests.get(url)
    assert (r.status_code, r.content) == (200, b"presigned body")
    tampered = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    r = requests.get(tampered[: len(url)])
    assert r.status_code == 403 and "SignatureDoesNotMatch" in r.text
    # Presigned an hour ago for ten seconds: expired.
    signer = boto3.client(
        "s3",
        endpoint_url=srv.endpoint,
        region_name="us-east-1",
        aws_access_key_id=ROOT_KEY,
        aws_secret_access_key=ROOT_SECRET,
        config=Config(signature_version="s3v4"),
    )
    expired = signer.generate_presigned_url("get_object", Params={"Bucket": name, "Key": "a b/c.txt"}, ExpiresIn=1)
    time.sleep(2)
    r = requests.get(expired)
    assert r.status_code == 403 and "<Code>AccessDenied</Code>" in r.text
    # botocore's default presigner for S3 in us-east-1 is SigV2, which this endpoint refuses.
    v2 = boto3.client(
        "s3",
        endpoint_url=srv.endpoint,
        region_name="us-east-1",
        aws_access_key_id=ROOT_KEY,
        aws_secret_access_key=ROOT_SECRET,
    ).generate_presigned_url("get_object", Params={"Bucket": name, "Key": "a b/c.txt"})
    if "AWSAccessKeyId=" in v2:
        r = requests.get(v2)
        assert r.status_code == 400 and "<Code>InvalidRequest</Code>" in r.text


def signing_key(secret, date, region, service):
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def test_aws_chunked_signed_upload(srv):
    """A STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload, as newer SDKs send, chunk signatures chained."""
    s3 = s3_client(srv)
    name = new_bucket(s3)
    data = os.urandom(70000)
    chunks = [data[:65536], data[65536:], b""]
    url = f"{srv.endpoint}/{name}/chunked"
    headers = {
        "Content-Encoding": "aws-chunked",
        "X-Amz-Decoded-Content-Length": str(len(data)),
        "X-Amz-Content-SHA256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "Content-Type": "application/octet-stream",
    }

    def build(tamper=False):
        request = AWSRequest(method="PUT", url=url, headers=dict(headers))
        # The length of the encoded body: header lines of 64-hex signatures plus CRLFs.
        encoded_len = sum(len(f"{len(c):x};chunk-signature=") + 64 + 2 + len(c) + 2 for c in chunks)
        request.headers["Content-Length"] = str(encoded_len)
        SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), "s3", "us-east-1").add_auth(request)
        amz_date = request.headers["X-Amz-Date"]
        seed = request.headers["Authorization"].split("Signature=")[1]
        scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
        key = signing_key(ROOT_SECRET, amz_date[:8], "us-east-1", "s3")
        previous, body = seed, b""
        for chunk in chunks:
            to_sign = "\n".join(
                [
                    "AWS4-HMAC-SHA256-PAYLOAD",
                    amz_date,
                    scope,
                    previous,
                    hashlib.sha256(b"").hexdigest(),
                    hashlib.sha256(chunk).hexdigest(),
                ]
            )
            previous = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
            payload = chunk.replace(b"\x00", b"\x01", 1) if tamper and chunk else chunk
            body += f"{len(chunk):x};chunk-signature={previous}\r\n".encode() + payload + b"\r\n"
        assert len(body) == encoded_len
        return dict(request.headers), body

    sent_headers, body = build()
    r = requests.put(url, data=body, headers=sent_headers)
    assert r.status_code == 200, r.text
    assert s3.get_object(Bucket=name, Key="chunked")["Body"].read() == data
    assert s3.head_object(Bucket=name, Key="chunked")["ContentLength"] == len(data)
    sent_headers, body = build(tamper=True)
    r = requests.put(url.replace("chunked", "tampered"), data=body, headers=sent_headers)
    assert r.status_code == 403 and "SignatureDoesNotMatch" in r.text


# ---- AWS CLI --------------------------------------------------------------------------------


aws = aws_cli


def test_aws_cli_ls_and_cp(srv, tmp_path):
    s3 = s3_client(srv)
    name = new_bucket(s3, "cli")
    local = tmp_path / "report.txt"
    local.write_text("report body\n")
    aws(srv, "s3", "cp", str(local), f"s3://{name}/reports/report.txt")
    aws(srv, "s3", "cp", str(local), f"s3://{name}/top.txt")
    assert name in aws(srv, "s3", "ls").stdout
    listing = aws(srv, "s3", "ls", f"s3://{name}/").stdout
    assert "PRE reports/" in listing and "top.txt" in listing
    recursive = aws(srv, "s3", "ls", f"s3://{name}/", "--recursive").stdout
    assert "reports/report.txt" in recursive
    back = tmp_path / "back.txt"
    aws(srv, "s3", "cp", f"s3://{name}/reports/report.txt", str(back))
    assert back.read_text() == "report body\n"
    missing = aws(srv, "s3", "ls", "s3://no-such-bucket-here", check=False)
    assert missing.returncode != 0 and "NoSuchBucket" in missing.stderr


# ---- recording ------------------------------------------------------------------------------


def test_bucket_calls_are_management_events_and_object_calls_are_not(srv):
    s3 = s3_client(srv)
    name = new_bucket(s3, "rec")
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(cloudtrail_policy(name)))
    s3.put_object(Bucket=name, Key="obj", Body=b"x")
    s3.get_object(Bucket=name, Key="obj")
    error_of(s3.get_bucket_location, Bucket="no-such-bucket-here")
    ct = srv.client("cloudtrail")

    def events(name_):
        found = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name_}])
        return [json.loads(e["CloudTrailEvent"]) for e in found["Events"]]

    created = [e for e in events("CreateBucket") if e["requestParameters"]["bucketName"] == name]
    assert len(created) == 1
    event = created[0]
    assert event["eventSource"] == "s3.amazonaws.com"
    assert event["managementEvent"] is True and event["eventCategory"] == "Management"
    assert event["readOnly"] is False
    assert event["requestParameters"]["Host"] == srv.endpoint.split("//")[1]
    assert event["resources"] == [{"ARN": f"arn:aws:s3:::{name}", "accountId": ACCOUNT, "type": "AWS::S3::Bucket"}]
    policy_events = [e for e in events("PutBucketPolicy") if e["requestParameters"]["bucketName"] == name]
    assert policy_events[0]["requestParameters"]["bucketPolicy"] == cloudtrail_policy(name)
    failed = [e for e in events("GetBucketLocation") if e["requestParameters"]["bucketName"] == "no-such-bucket-here"]
    assert failed[0]["errorCode"] == "NoSuchBucket" and failed[0]["readOnly"] is True
    # Object calls are data events: Event history does not show them.
    assert events("PutObject") == [] and events("GetObject") == []
    # Configuration reads are management events too.
    assert "Status" not in s3.get_bucket_versioning(Bucket=name)
    [versioning] = [e for e in events("GetBucketVersioning") if e["requestParameters"]["bucketName"] == name]
    assert versioning["readOnly"] is True and "errorCode" not in versioning
    # Operations this endpoint does not implement (S3 Express sessions) are still recorded, with
    # the error returned.
    code, status, _ = error_of(s3.create_session, Bucket=name)
    assert (code, status) == ("NotImplemented", 501)
    [unimplemented] = [e for e in events("CreateSession") if e["requestParameters"]["bucketName"] == name]
    assert unimplemented["errorCode"] == "NotImplemented" and unimplemented["readOnly"] is True


# ---- durability -----------------------------------------------------------------------------


def test_objects_survive_restart_and_kill(tmp_path):
    server = Server(str(tmp_path / "data")).start()
    try:
        s3 = s3_client(server)
        s3.create_bucket(Bucket="durable")
        for i in range(20):
            s3.put_object(Bucket="durable", Key=f"k{i:02d}", Body=f"value {i}".encode(), Metadata={"i": str(i)})
        s3.put_object(Bucket="durable", Key="k00", Body=b"overwritten")
        s3.delete_object(Bucket="durable", Key="k01")
        # SIGKILL: every acknowledged write must be there after the restart.
        server.kill()
        server.start()
        s3 = s3_client(server)
        keys = [o["Key"] for o in s3.list_objects(Bucket="durable")["Contents"]]
        assert keys == [f"k{i:02d}" for i in range(20) if i != 1]
        assert s3.get_object(Bucket="durable", Key="k00")["Body"].read() == b"overwritten"
        got = s3.get_object(Bucket="durable", Key="k19")
        assert (got["Body"].read(), got["Metadata"]) == (b"value 19", {"i": "19"})
        # Replaced and deleted versions leave no files behind.
        files = [f for _, _, names in os.walk(tmp_path / "data" / "s3" / "durable") for f in names]
        assert len(files) == 19
        server.restart()
        assert s3_client(server).head_object(Bucket="durable", Key="k05")["ContentLength"] == len(b"value 5")
    finally:
        server.stop()
