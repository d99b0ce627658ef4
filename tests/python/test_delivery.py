"""Trails end to end with real clients: bucket and policy, topic and an HTTP subscriber, a trail
with log file validation; A4B calls become gzipped log files in CloudTrail's key layout, each event
exactly once; the subscriber gets CloudTrail's notification; the stock `aws cloudtrail
validate-logs` (pinned and current CLI) passes, then reports an edited log, a deleted log and a
deleted digest."""

import datetime
import gzip
import json
import os
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import ACCOUNT, ROOT_KEY, ROOT_SECRET, Server, log_files, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUCKET = "trail-logs"
TRAIL = "audit"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/{TRAIL}"


def bucket_policy(prefix="AWSLogs"):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": f"arn:aws:s3:::{BUCKET}"},
        {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{BUCKET}/{prefix}/{ACCOUNT}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]})


class Subscriber(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Subscriber.received.append(body)
        if body.get("Type") == "SubscriptionConfirmation":
            urllib.request.urlopen(body["SubscribeURL"]).read()
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def trailroom_validate(srv, start):
    binary = os.environ.get("TRAILROOM_BIN", os.path.join(ROOT, "target/debug/trailroom"))
    return subprocess.run([binary, "validate", "--trail-arn", TRAIL_ARN, "--start-time", start,
                           "--data-dir", srv.data_dir], capture_output=True, text=True, timeout=120)


def validate(cli, srv, start, *extra):
    config = os.path.join(srv.data_dir, "aws-config")
    with open(config, "w") as f:
        f.write("[default]\ns3 =\n    addressing_style = path\n")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ROOT_KEY, "AWS_SECRET_ACCESS_KEY": ROOT_SECRET,
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": srv.endpoint, "AWS_CONFIG_FILE": config}
    return subprocess.run(
        [cli, "cloudtrail", "validate-logs", "--trail-arn", TRAIL_ARN, "--start-time", start,
         "--endpoint-url", srv.endpoint, *extra],
        capture_output=True, text=True, env=env, timeout=120)


CLIS = [os.path.join(ROOT, ".venv-clients/bin/aws"), os.path.join(ROOT, ".venv-awscli/bin/aws")]


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    data = tmp_path_factory.mktemp("delivery")
    srv = Server(str(data / "data"), ["--delivery-interval", "1s", "--digest-interval", "3s"]).start()
    http = ThreadingHTTPServer(("127.0.0.1", 0), Subscriber)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        start = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        s3 = srv.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_policy(Bucket=BUCKET, Policy=bucket_policy())
        sns = srv.client("sns")
        topic = sns.create_topic(Name="trail-topic")["TopicArn"]
        sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Sid": "AWSCloudTrailSNSPolicy20131101", "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "SNS:Publish", "Resource": topic}]}))
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=f"http://127.0.0.1:{http.server_port}/")
        wait_for(lambda: any(m.get("Type") == "SubscriptionConfirmation" for m in Subscriber.received),
                 what="subscription confirmation")
        ct = srv.client("cloudtrail")
        trail = ct.create_trail(Name=TRAIL, S3BucketName=BUCKET, SnsTopicName="trail-topic",
                                EnableLogFileValidation=True)
        assert trail["TrailARN"] == TRAIL_ARN
        ct.start_logging(Name=TRAIL)
        a4b = srv.client("alexaforbusiness")
        profile = a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                                     TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]
        rooms = [a4b.create_room(RoomName=f"room-{i}", ProfileArn=profile)["RoomArn"] for i in range(3)]
        # Calls in two delivery periods, so there are several log files.
        time.sleep(2.5)
        rooms += [a4b.create_room(RoomName=f"room-{i}", ProfileArn=profile)["RoomArn"] for i in range(3, 5)]
        wait_for(lambda: any("CreateRoom" in json.dumps(records_in(srv)) for _ in [0]), what="log files")
        # Two digest periods after the last call, so the chain has links to follow.
        time.sleep(7)
        yield srv, start, rooms, topic
    finally:
        http.shutdown()
        srv.stop()


def log_keys(srv):
    s3 = srv.client("s3")
    keys = []
    for page in s3.get_paginator("list_objects").paginate(Bucket=BUCKET, Prefix=f"AWSLogs/{ACCOUNT}/CloudTrail/"):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return keys


def records_in(srv):
    return [r for _, records in log_files(srv, BUCKET, f"AWSLogs/{ACCOUNT}/CloudTrail/") for r in records]


def test_log_files_hold_each_event_once_in_cloudtrail_layout(delivered):
    srv, _, rooms, _ = delivered
    keys = log_keys(srv)
    assert keys
    for key in keys:
        parts = key.split("/")
        assert parts[:4] == ["AWSLogs", ACCOUNT, "CloudTrail", "us-east-1"]
        name = parts[-1]
        assert name.startswith(f"{ACCOUNT}_CloudTrail_us-east-1_") and name.endswith(".json.gz")
        assert len(name.split("_")[-1]) == len("XXXXXXXXXXXXXXXX.json.gz")
    records = records_in(srv)
    ids = [r["eventID"] for r in records]
    assert len(ids) == len(set(ids)), "an event was delivered twice"
    created = [r["responseElements"]["roomArn"] for r in records if r["eventName"] == "CreateRoom"]
    assert sorted(created) == sorted(rooms)
    lookup = srv.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateRoom"}])["Events"]
    delivered_record = next(r for r in records if r["eventName"] == "CreateRoom")
    by_id = {e["EventId"]: json.loads(e["CloudTrailEvent"]) for e in lookup}
    assert by_id[delivered_record["eventID"]] == delivered_record


def test_subscriber_gets_cloudtrails_notification(delivered):
    srv, _, _, topic = delivered
    notes = [m for m in Subscriber.received if m.get("Type") == "Notification"]
    assert notes
    message = json.loads(notes[0]["Message"])
    assert message["s3Bucket"] == BUCKET
    assert isinstance(message["s3ObjectKey"], list) and message["s3ObjectKey"][0] in log_keys(srv)
    assert notes[0]["TopicArn"] == topic


def test_trail_status_reports_deliveries(delivered):
    srv, _, _, _ = delivered
    status = srv.client("cloudtrail").get_trail_status(Name=TRAIL)
    assert status["IsLogging"] is True
    for field in ["LatestDeliveryTime", "LatestDigestDeliveryTime", "LatestNotificationTime"]:
        assert field in status, field


def test_aws_cli_validate_logs_passes_then_reports_tampering(delivered):
    srv, start, _, _ = delivered
    for cli in CLIS:
        result = validate(cli, srv, start)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "digest files valid" in result.stdout and "INVALID" not in result.stdout + result.stderr
        assert "log files valid" in result.stdout
    ours = trailroom_validate(srv, start)
    assert ours.returncode == 0, ours.stdout + ours.stderr
    assert "digest files valid" in ours.stdout and "INVALID" not in ours.stdout + ours.stderr
    s3 = srv.client("s3")
    digests = sorted(o["Key"] for o in s3.list_objects(Bucket=BUCKET, Prefix=f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/")["Contents"])
    # Log files some digest lists, oldest first: those are what validation covers.
    keys = []
    for key in digests:
        body = json.loads(gzip.decompress(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()))
        keys.extend(f["s3Object"] for f in body["logFiles"])
    assert len(keys) >= 2
    # An edited log file.
    s3.put_object(Bucket=BUCKET, Key=keys[0], Body=gzip.compress(b'{"Records":[]}'))
    for cli in CLIS:
        result = validate(cli, srv, start)
        assert result.returncode == 1
        assert "hash value doesn't match" in result.stderr
    ours = trailroom_validate(srv, start)
    assert ours.returncode == 1 and "hash value doesn't match" in ours.stderr
    # A deleted log file.
    s3.delete_object(Bucket=BUCKET, Key=keys[-1])
    result = validate(CLIS[0], srv, start)
    assert result.returncode == 1 and "INVALID: not found" in result.stderr
    # A deleted digest file.
    assert len(digests) >= 2
    s3.delete_object(Bucket=BUCKET, Key=digests[-2])
    result = validate(CLIS[0], srv, start)
    assert result.returncode == 1 and f"{digests[-2]}\tINVALID: not found" in result.stderr


def test_a_failing_bucket_shows_in_the_status_then_clears(tmp_path):
    srv = Server(str(tmp_path / "data"), ["--delivery-interval", "1s"]).start()
    try:
        s3, ct = srv.client("s3"), srv.client("cloudtrail")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_policy(Bucket=BUCKET, Policy=bucket_policy())
        ct.create_trail(Name=TRAIL, S3BucketName=BUCKET)
        ct.start_logging(Name=TRAIL)
        # The policy goes away: CloudTrail may no longer write, calls still succeed.
        s3.delete_bucket_policy(Bucket=BUCKET)
        srv.client("sts").get_caller_identity()
        status = wait_for(lambda: (lambda s: s if s.get("LatestDeliveryError") else None)(
            ct.get_trail_status(Name=TRAIL)), what="a delivery error")
        assert status["LatestDeliveryError"] == "AccessDenied"
        assert status["LatestDeliveryAttemptTime"] and not status.get("LatestDeliveryTime")
        # Retried with backoff; once the policy is back the error clears and the events arrive.
        s3.put_bucket_policy(Bucket=BUCKET, Policy=bucket_policy())
        cleared = wait_for(lambda: (lambda s: s if "LatestDeliveryError" not in s else None)(
            ct.get_trail_status(Name=TRAIL)), timeout=40, what="the error to clear")
        assert cleared["LatestDeliveryTime"]
        assert "GetCallerIdentity" in [r["eventName"] for r in records_in(srv)]
    finally:
        srv.stop()
