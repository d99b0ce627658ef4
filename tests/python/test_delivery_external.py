"""A trail delivering to a bucket on an external S3-compatible endpoint: moto's server, an
independent S3 implementation, started on loopback."""

import gzip
import json
import os
import socket
import subprocess
import time

import boto3
import pytest

from conftest import Server, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MOTO = os.path.join(ROOT, ".venv-moto", "bin", "moto_server")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def moto():
    assert os.path.exists(MOTO), "scripts/python-env installs moto into .venv-moto"
    port = free_port()
    proc = subprocess.Popen([MOTO, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=20)


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
