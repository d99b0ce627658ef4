"""Delivery across crashes and regions: the server is killed (SIGKILL) again and again while it
records and delivers; after a clean restart every recorded event is in exactly one log file. A
multi-region trail gets each region's events in that region's folder."""

import gzip
import json
import threading
import time

from conftest import ACCOUNT, Server, log_files, wait_for
from test_delivery import BUCKET, bucket_policy


def setup_trail(srv, multi_region=False):
    s3 = srv.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=bucket_policy())
    ct = srv.client("cloudtrail")
    ct.create_trail(Name="audit", S3BucketName=BUCKET, IsMultiRegionTrail=multi_region)
    ct.start_logging(Name="audit")


def delivered_ids(srv):
    return [(key, r["eventID"]) for key, records in log_files(srv, BUCKET, f"AWSLogs/{ACCOUNT}/CloudTrail/")
            for r in records]


# Calls made before StartLogging: recorded, but not the trail's to deliver.
SETUP_CALLS = {"CreateBucket", "PutBucketPolicy", "CreateTrail"}


def recorded_ids(srv):
    ct = srv.client("cloudtrail")
    ids = set()
    for page in ct.get_paginator("lookup_events").paginate():
        ids.update(e["EventId"] for e in page["Events"] if e["EventName"] not in SETUP_CALLS)
    return ids


def test_kill_during_delivery_neither_loses_nor_duplicates(tmp_path):
    srv = Server(str(tmp_path / "data"), ["--delivery-interval", "1s"]).start()
    setup_trail(srv)
    for round_ in range(3):
        stop = threading.Event()

        def burst(n):
            client = srv.client("iam")
            i = 0
            while not stop.is_set():
                try:
                    client.create_user(UserName=f"r{round_}-w{n}-{i}")
                except Exception:
                    return
                i += 1

        threads = [threading.Thread(target=burst, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.7 + 0.4 * round_)
        srv.kill()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        srv.start()
    try:
        # Stop recording new work only by not calling; the lookups below add events of their own,
        # so compare against the events recorded before them.
        expected = recorded_ids(srv)
        wait_for(lambda: expected <= {e for _, e in delivered_ids(srv)}, timeout=60, what="catch-up delivery")
        pairs = delivered_ids(srv)
        ids = [e for _, e in pairs]
        assert len(ids) == len(set(ids)), "an event was delivered twice"
        assert expected <= set(ids)
    finally:
        srv.stop()


def test_multi_region_trail_delivers_each_region_to_its_folder(tmp_path):
    srv = Server(str(tmp_path / "data"), ["--delivery-interval", "1s"]).start()
    try:
        setup_trail(srv, multi_region=True)
        for region in ["us-east-1", "eu-west-1", "ap-southeast-2"]:
            srv.client("sts", region=region).get_caller_identity()
        def regions():
            found = {key.split("/")[3] for key, _ in delivered_ids(srv)}
            return found if {"us-east-1", "eu-west-1", "ap-southeast-2"} <= found else None
        found = wait_for(regions, timeout=30, what="per-region log files")
        assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= found
        s3 = srv.client("s3")
        for key, _ in delivered_ids(srv):
            region = key.split("/")[3]
            records = json.loads(gzip.decompress(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()))["Records"]
            assert all(r["awsRegion"] == region for r in records), key
        # The trail shows in other regions as a shadow, homed in us-east-1.
        shadow = srv.client("cloudtrail", region="eu-west-1").describe_trails()["trailList"]
        assert [t["HomeRegion"] for t in shadow] == ["us-east-1"]
    finally:
        srv.stop()


def test_s3_data_events_are_delivered_only_when_selected(tmp_path):
    srv = Server(str(tmp_path / "data"), ["--delivery-interval", "1s"]).start()
    try:
        setup_trail(srv)
        s3 = srv.client("s3")
        s3.create_bucket(Bucket="watched")
        s3.create_bucket(Bucket="ignored")
        ct = srv.client("cloudtrail")
        ct.put_event_selectors(TrailName="audit", EventSelectors=[{
            "ReadWriteType": "All", "IncludeManagementEvents": True,
            "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::watched/"]}]}])
        s3.put_object(Bucket="watched", Key="a.txt", Body=b"hello")
        s3.put_object(Bucket="ignored", Key="b.txt", Body=b"hello")

        def data_events():
            records = []
            for key, _ in delivered_ids(srv):
                body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
                records.extend(json.loads(gzip.decompress(body))["Records"])
            data = [r for r in records if r.get("eventCategory") == "Data"]
            return data if data else None

        data = wait_for(data_events, timeout=30, what="data events in log files")
        buckets = {r["requestParameters"]["bucketName"] for r in data}
        assert "watched" in buckets and "ignored" not in buckets
        put = next(r for r in data if r["eventName"] == "PutObject")
        assert put["eventSource"] == "s3.amazonaws.com" and put["managementEvent"] is False
        assert {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::watched/a.txt"}.items() <= put["resources"][0].items()
    finally:
        srv.stop()
