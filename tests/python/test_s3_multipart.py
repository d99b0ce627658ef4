"""Multipart uploads with the pinned boto3: the low-level calls, S3's checks on completion, and
the transfer manager's large-file uploads that switch to multipart by themselves."""

import hashlib
import io
import os

import pytest
from boto3.s3.transfer import TransferConfig

from conftest import error_of

MIB = 1024 * 1024


@pytest.fixture
def s3(server):
    client = server.client("s3")
    client.create_bucket(Bucket="big")
    return client


def test_upload_list_complete_and_the_etag(s3):
    upload = s3.create_multipart_upload(Bucket="big", Key="blob", ContentType="application/x-test",
                                        Metadata={"origin": "test"})["UploadId"]
    first, second = os.urandom(5 * MIB), os.urandom(1234)
    e1 = s3.upload_part(Bucket="big", Key="blob", UploadId=upload, PartNumber=1, Body=first)["ETag"]
    e2 = s3.upload_part(Bucket="big", Key="blob", UploadId=upload, PartNumber=2, Body=second)["ETag"]
    assert e1.strip('"') == hashlib.md5(first).hexdigest()
    parts = s3.list_parts(Bucket="big", Key="blob", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 5 * MIB), (2, 1234)]
    pending = s3.list_multipart_uploads(Bucket="big")["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in pending] == [("blob", upload)]
    done = s3.complete_multipart_upload(Bucket="big", Key="blob", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    expected = hashlib.md5(hashlib.md5(first).digest() + hashlib.md5(second).digest()).hexdigest() + "-2"
    assert done["ETag"].strip('"') == expected
    got = s3.get_object(Bucket="big", Key="blob")
    assert got["Body"].read() == first + second
    assert got["ContentType"] == "application/x-test" and got["Metadata"] == {"origin": "test"}
    assert "Uploads" not in s3.list_multipart_uploads(Bucket="big")
    assert error_of(lambda: s3.list_parts(Bucket="big", Key="blob", UploadId=upload))[0] == "NoSuchUpload"


def test_completion_checks(s3):
    upload = s3.create_multipart_upload(Bucket="big", Key="k")["UploadId"]
    e1 = s3.upload_part(Bucket="big", Key="k", UploadId=upload, PartNumber=1, Body=b"small")["ETag"]
    e2 = s3.upload_part(Bucket="big", Key="k", UploadId=upload, PartNumber=2, Body=b"tail")["ETag"]
    complete = lambda parts: s3.complete_multipart_upload(  # noqa: E731
        Bucket="big", Key="k", UploadId=upload, MultipartUpload={"Parts": parts})
    assert error_of(lambda: complete([{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]))[0] == "InvalidPartOrder"
    assert error_of(lambda: complete([{"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]))[0] == "InvalidPart"
    assert error_of(lambda: complete([{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]))[0] == "EntityTooSmall"
    assert error_of(lambda: s3.upload_part(Bucket="big", Key="k", UploadId=upload, PartNumber=10001, Body=b"x"))[0] == "InvalidArgument"
    # One part alone may be small.
    complete([{"PartNumber": 2, "ETag": e2}])
    assert s3.get_object(Bucket="big", Key="k")["Body"].read() == b"tail"


def test_abort_and_copy_part(s3):
    s3.put_object(Bucket="big", Key="source", Body=b"0123456789")
    upload = s3.create_multipart_upload(Bucket="big", Key="copy")["UploadId"]
    copied = s3.upload_part_copy(Bucket="big", Key="copy", UploadId=upload, PartNumber=1,
                                 CopySource={"Bucket": "big", "Key": "source"}, CopySourceRange="bytes=2-5")
    etag = copied["CopyPartResult"]["ETag"]
    s3.complete_multipart_upload(Bucket="big", Key="copy", UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.get_object(Bucket="big", Key="copy")["Body"].read() == b"2345"
    other = s3.create_multipart_upload(Bucket="big", Key="gone")["UploadId"]
    s3.upload_part(Bucket="big", Key="gone", UploadId=other, PartNumber=1, Body=b"x")
    s3.abort_multipart_upload(Bucket="big", Key="gone", UploadId=other)
    assert error_of(lambda: s3.upload_part(Bucket="big", Key="gone", UploadId=other, PartNumber=2, Body=b"y"))[0] == "NoSuchUpload"
    assert error_of(lambda: s3.abort_multipart_upload(Bucket="big", Key="gone", UploadId="nonexistent"))[0] == "NoSuchUpload"


def test_transfer_manager_uploads_large_files(s3):
    data = os.urandom(21 * MIB)
    config = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=5 * MIB)
    s3.upload_fileobj(io.BytesIO(data), "big", "large", Config=config)
    head = s3.head_object(Bucket="big", Key="large")
    assert head["ContentLength"] == len(data) and head["ETag"].strip('"').endswith("-5")
    out = io.BytesIO()
    s3.download_fileobj("big", "large", out)
    assert out.getvalue() == data


def test_a_bucket_takes_its_pending_uploads_along(s3):
    upload = s3.create_multipart_upload(Bucket="big", Key="pending")["UploadId"]
    s3.upload_part(Bucket="big", Key="pending", UploadId=upload, PartNumber=1, Body=b"x")
    s3.delete_bucket(Bucket="big")
    s3.create_bucket(Bucket="big")
    assert "Uploads" not in s3.list_multipart_uploads(Bucket="big")
