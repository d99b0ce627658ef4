"""A trail delivering to a bucket on an external S3-compatible endpoint: moto's server, an
independent S3 implementation, started on loopback."""

import gzip
import json
import os

import boto3
import pytest

from conftest import Server, moto_s3, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
@pytest.fixture
def moto():
    with moto_s3() as endpoint:
        yield endpoint


def test_delivery_to_moto_s3(tmp_path, moto):
    s3 = boto3.client("s3", endpoint_url=moto, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="archive")
    config = tmp_path / "trailroom.toml"
    config.write_text(
        "[[external_buckets]]\n"
        f'bucket = "archive"\nendpoint = "{moto}"\naccess_key_id = "testing"\nsecret_access_key = "testing"\n'
    )
    srv = Server(str(tmp_path / "data"), ["--config", str(config), "--delivery-interval", "1s"]).start()
    try:
        ct = srv.client("cloudtrail")
        ct.create_trail(Name="offsite", S3BucketName="archive", S3KeyPrefix="ct")
        ct.start_logging(Name="offsite")
        srv.client("iam").create_user(UserName="shipped")

        def shipped():
            keys = [o["Key"] for o in s3.list_objects(Bucket="archive").get("Contents", [])]
            records = []
            for key in keys:
                records.extend(json.loads(gzip.decompress(s3.get_object(Bucket="archive", Key=key)["Body"].read()))["Records"])
            return (keys, records) if any(r["eventName"] == "CreateUser" for r in records) else None

        keys, records = wait_for(shipped, timeout=30, what="objects in moto's bucket")
        assert all(k.startswith("ct/AWSLogs/123456789012/CloudTrail/us-east-1/") for k in keys)
        assert next(r for r in records if r["eventName"] == "CreateUser")["requestParameters"] == {"userName": "shipped"}
        status = ct.get_trail_status(Name="offsite")
        assert "LatestDeliveryTime" in status and "LatestDeliveryError" not in status
    finally:
        srv.stop()


def test_lake_imports_log_files_from_moto_s3(tmp_path, moto):
    """A Lake import reads CloudTrail log files a user copied into a bucket on an external
    S3-compatible endpoint."""
    s3 = boto3.client("s3", endpoint_url=moto, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="old-logs")
    base = "AWSLogs/210987654321/CloudTrail/eu-west-1/2025/03/01"
    records = [{"eventVersion": "1.09", "eventTime": f"2025-03-01T1{i}:00:00Z", "eventSource": "ec2.amazonaws.com",
                "eventName": name, "awsRegion": "eu-west-1", "eventID": f"e{i}", "eventType": "AwsApiCall",
                "readOnly": False, "recipientAccountId": "210987654321", "eventCategory": "Management",
                "userIdentity": {"type": "IAMUser", "userName": "alice"}}
               for i, name in enumerate(["StopInstances", "StartInstances"])]
    s3.put_object(Bucket="old-logs", Key=f"{base}/210987654321_CloudTrail_eu-west-1_20250301T1000Z_a.json.gz",
                  Body=gzip.compress(json.dumps({"Records": records}).encode()))
    s3.put_object(Bucket="old-logs", Key=f"{base}/210987654321_CloudTrail_eu-west-1_20250301T1100Z_bad.json.gz",
                  Body=b"not gzip")
    config = tmp_path / "trailroom.toml"
    config.write_text(
        "[[external_buckets]]\n"
        f'bucket = "old-logs"\nendpoint = "{moto}"\naccess_key_id = "testing"\nsecret_access_key = "testing"\n'
    )
    srv = Server(str(tmp_path / "data"), ["--config", str(config)]).start()
    try:
        ct = srv.client("cloudtrail")
        store = ct.create_event_data_store(Name="offsite-import", StartIngestion=False)["EventDataStoreArn"]
        import_id = ct.start_import(Destinations=[store], ImportSource={"S3": {
            "S3LocationUri": "s3://old-logs/AWSLogs/", "S3BucketRegion": "us-east-1",
            "S3BucketAccessRoleArn": "arn:aws:iam::123456789012:role/import"}})["ImportId"]
        done = wait_for(lambda: (lambda r: r if r["ImportStatus"] == "COMPLETED" else None)(
            ct.get_import(ImportId=import_id)), what="the import")
        stats = done["ImportStatistics"]
        assert (stats["FilesCompleted"], stats["EventsCompleted"], stats["FailedEntries"]) == (2, 2, 1)
        query_id = ct.start_query(QueryStatement=f"SELECT eventName FROM {store.rsplit('/', 1)[1]} "
                                                 "ORDER BY eventTime")["QueryId"]
        page = wait_for(lambda: (lambda p: p if p["QueryStatus"] == "FINISHED" else None)(
            ct.get_query_results(QueryId=query_id)), what="the query")
        assert [row[0]["eventName"] for row in page["QueryResultRows"]] == ["StopInstances", "StartInstances"]
    finally:
        srv.stop()


def test_object_bytes_kept_on_moto_s3(tmp_path, moto):
    """`[blobs] backend = "s3"`: the bytes of every object of this server's buckets live in a
    bucket of an S3-compatible store (moto here), their metadata in the store; uploads, ranges,
    multipart uploads, copies, deletes, trail delivery and a restart behave as with files."""
    import requests
    from test_trails import documented_policy

    remote = boto3.client("s3", endpoint_url=moto, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    remote.create_bucket(Bucket="blob-store")

    def remote_keys():
        return sorted(o["Key"] for o in remote.list_objects_v2(Bucket="blob-store").get("Contents", []))

    config = tmp_path / "trailroom.toml"
    config.write_text(
        "[blobs]\n"
        f'backend = "s3"\nendpoint = "{moto}"\nbucket = "blob-store"\nprefix = "objects/"\n'
        'access_key_id = "testing"\nsecret_access_key = "testing"\n'
    )
    data = str(tmp_path / "data")
    srv = Server(data, ["--config", str(config)]).start()
    try:
        s3 = srv.client("s3")
        s3.create_bucket(Bucket="photos")
        s3.put_object(Bucket="photos", Key="a.txt", Body=b"hello world")
        assert s3.get_object(Bucket="photos", Key="a.txt")["Body"].read() == b"hello world"
        assert s3.get_object(Bucket="photos", Key="a.txt", Range="bytes=6-10")["Body"].read() == b"world"
        keys = remote_keys()
        assert len(keys) == 1 and keys[0].startswith("objects/photos/")
        assert not (tmp_path / "data" / "s3" / "photos").exists(), "no object files in the data directory"

        upload = s3.create_multipart_upload(Bucket="photos", Key="big.bin")["UploadId"]
        first, second = b"a" * (5 * 1024 * 1024), b"b" * 1000
        etags = [s3.upload_part(Bucket="photos", Key="big.bin", UploadId=upload, PartNumber=n, Body=body)["ETag"]
                 for n, body in [(1, first), (2, second)]]
        s3.complete_multipart_upload(Bucket="photos", Key="big.bin", UploadId=upload, MultipartUpload={
            "Parts": [{"PartNumber": n, "ETag": e} for n, e in zip([1, 2], etags)]})
        whole = s3.get_object(Bucket="photos", Key="big.bin")["Body"].read()
        assert whole == first + second
        s3.copy_object(Bucket="photos", Key="copy.txt", CopySource={"Bucket": "photos", "Key": "a.txt"})
        assert s3.get_object(Bucket="photos", Key="copy.txt")["Body"].read() == b"hello world"
        # Parts are dropped once the upload completes: one blob per object.
        assert len(remote_keys()) == 3

        s3.put_object(Bucket="photos", Key="a.txt", Body=b"replaced")
        s3.delete_object(Bucket="photos", Key="copy.txt")
        wait_for(lambda: len(remote_keys()) == 2, what="replaced and deleted blobs removed")

        # Trails deliver into a bucket of this server: its objects go to the store too.
        s3.create_bucket(Bucket="logs")
        s3.put_bucket_policy(Bucket="logs", Policy=documented_policy("logs"))
        ct = srv.client("cloudtrail")
        ct.create_trail(Name="kept-on-s3", S3BucketName="logs")
        ct.start_logging(Name="kept-on-s3")
        srv.client("iam").create_user(UserName="delivered-through-s3-blobs")
        assert requests.post(srv.endpoint + "/_trailroom/deliver", timeout=60).json()["logFiles"] >= 1
        log_keys = [o["Key"] for o in s3.list_objects_v2(Bucket="logs", Prefix="AWSLogs/")["Contents"]
                    if "/CloudTrail/" in o["Key"]]
        records = [r for key in log_keys for r in json.loads(gzip.decompress(
            s3.get_object(Bucket="logs", Key=key)["Body"].read()))["Records"]]
        assert any(r["eventName"] == "CreateUser" for r in records)
    finally:
        srv.stop()

    srv = Server(data, ["--config", str(config)]).start()
    try:
        s3 = srv.client("s3")
        assert s3.get_object(Bucket="photos", Key="a.txt")["Body"].read() == b"replaced"
        for key in ["a.txt", "big.bin"]:
            s3.delete_object(Bucket="photos", Key=key)
        s3.delete_bucket(Bucket="photos")
        wait_for(lambda: not any(k.startswith("objects/photos/") for k in remote_keys()),
                 what="the bucket's blobs removed")
    finally:
        srv.stop()
