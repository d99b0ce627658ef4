"""The long-term archive with real clients: events moved out of the live log into Parquet segments
are still found by LookupEvents (boto3 and the AWS CLI) by every lookup attribute, paged across
the live log and the segments exactly as before; the archiver never passes a trail's delivery
cursor, so events recorded after the last delivery are delivered once, afterwards; the signed
manifest chain verifies, and a changed segment is reported; a server killed -9 while archiving
finds every event exactly once after its restart and finishes the work. Runs on SQLite with
data-directory blobs, on PostgreSQL (in the suite's PostgreSQL pass) and with blobs on moto's
S3."""

import glob
import json
import os
import subprocess
import time
import urllib.request
from datetime import datetime, timezone

import boto3
import pytest

from conftest import ACCOUNT, Server, aws_cli, log_files, moto_s3, new_user

BUCKET = "archive-trail-logs"
TRAIL = "archived"


def post(srv, path):
    request = urllib.request.Request(srv.endpoint + path, method="POST", data=b"")
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def get(srv, path):
    with urllib.request.urlopen(srv.endpoint + path) as response:
        return json.loads(response.read())


def metric(srv, name):
    with urllib.request.urlopen(srv.endpoint + "/metrics") as response:
        for line in response.read().decode().splitlines():
            if line.startswith(f"trailroom_{name} "):
                return int(float(line.split()[1]))
    raise AssertionError(f"no trailroom_{name} metric")


def events_stored(srv):
    return metric(srv, "events_stored")


def bucket_policy():
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{BUCKET}"},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/AWSLogs/{ACCOUNT}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]})


def record_calls(srv, user_key, user_secret):
    """A mix of calls: rooms created, read and tagged by root and by an IAM user, trails read."""
    a4b = srv.client("alexaforbusiness")
    as_user = srv.client("alexaforbusiness", key=user_key, secret=user_secret)
    profile = a4b.create_profile(ProfileName="archived", Timezone="UTC", Address="1 Main St",
                                 DistanceUnit="METRIC", TemperatureUnit="CELSIUS",
                                 WakeWord="ALEXA")["ProfileArn"]
    rooms = []
    for i in range(12):
        client = as_user if i % 3 == 0 else a4b
        arn = client.create_room(RoomName=f"archived-room-{i}", ProfileArn=profile)["RoomArn"]
        rooms.append(arn)
        client.get_room(RoomArn=arn)
    a4b.tag_resource(Arn=rooms[0], Tags=[{"Key": "team", "Value": "audit"}])
    srv.client("cloudtrail").describe_trails()
    return rooms


ATTRIBUTES = ["EventName", "EventSource", "Username", "AccessKeyId", "ReadOnly", "ResourceType",
              "ResourceName", "EventId"]


def lookups(srv, end, probe):
    """Every attribute's answer (all pages of 7) up to `end`: the EventIds, in order."""
    cloudtrail = srv.client("cloudtrail")
    answers = {}
    for key, value in [(None, None)] + probe:
        kwargs = {"EndTime": end, "MaxResults": 7}
        if key:
            kwargs["LookupAttributes"] = [{"AttributeKey": key, "AttributeValue": value}]
        ids = []
        for page in cloudtrail.get_paginator("lookup_events").paginate(**kwargs):
            ids.extend(e["EventId"] for e in page["Events"])
        answers[key] = ids
    return answers


def probe_values(srv, end, user_name, user_key, room):
    """One value of every attribute, taken from what was recorded."""
    events = srv.client("cloudtrail").lookup_events(EndTime=end, MaxResults=50)["Events"]
    some = next(e for e in events if e["EventName"] == "GetRoom")
    return [("EventName", "GetRoom"), ("EventSource", "a4b.amazonaws.com"),
            ("Username", user_name), ("AccessKeyId", user_key), ("ReadOnly", "true"),
            ("ResourceType", "AWS::A4B::Room"), ("ResourceName", room),
            ("EventId", some["EventId"])]


def cli_verify(srv, config=None):
    binary = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")
    args = [binary, "archive", "verify", "--data-dir", srv.data_dir]
    if config:
        args += ["--config", str(config)]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def run_archive_scenario(srv, segment_files=None, config=None):
    s3 = srv.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=bucket_policy())
    cloudtrail = srv.client("cloudtrail")
    cloudtrail.create_trail(Name=TRAIL, S3BucketName=BUCKET)
    cloudtrail.start_logging(Name=TRAIL)
    user_key, user_secret = new_user(srv, "archivist")
    rooms = record_calls(srv, user_key, user_secret)
    time.sleep(1.2)
    end = datetime.now(timezone.utc)
    time.sleep(1.2)
    probe = probe_values(srv, end, "archivist", user_key, rooms[3])
    before = lookups(srv, end, probe)
    assert all(before[key] for key, _ in probe), {k: len(v) for k, v in before.items()}
    assert len(before[None]) > 30

    # Delivery first: the trail's cursor is then past everything recorded so far.
    delivered = post(srv, "/_trailroom/deliver")
    assert delivered["events"] > 0, delivered
    live = events_stored(srv)
    round_ = post(srv, "/_trailroom/archive?olderThan=0")
    assert round_["segments"] >= 1 and round_["events"] > 30, round_
    assert events_stored(srv) <= live - round_["events"] + 2

    # Every attribute finds the same events, paged the same way, across log and segments.
    assert lookups(srv, end, probe) == before

    # The AWS CLI pages through them too.
    cli = aws_cli(srv, "cloudtrail", "lookup-events", "--end-time", end.isoformat(),
                  "--lookup-attributes", "AttributeKey=EventName,AttributeValue=GetRoom",
                  "--page-size", "5", "--output", "json")
    assert [e["EventId"] for e in json.loads(cli.stdout)["Events"]] == before["EventName"]

    # So does `trailroom events lookup` (segments in the data directory).
    if segment_files is not None:
        binary = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")
        listed = subprocess.run(
            [binary, "events", "lookup", "--data-dir", srv.data_dir, "--attribute",
             "EventName=GetRoom", "--end", end.isoformat(), "--max", "1000", "--output", "json"],
            capture_output=True, text=True, timeout=120)
        assert listed.returncode == 0, listed.stderr
        records = json.loads(listed.stdout)["Records"]
        assert [r["eventID"] for r in records] == before["EventName"]

    # Calls after the last delivery: the archiver leaves them for the trail.
    marker = srv.client("alexaforbusiness").create_room(
        RoomName="after-the-archive", ProfileArn=rooms_profile(srv))["RoomArn"]
    time.sleep(1.1)
    held = post(srv, "/_trailroom/archive?olderThan=0")
    assert held["events"] <= 3, held
    post(srv, "/_trailroom/deliver")
    records = [r for _, rs in log_files(srv, BUCKET, f"AWSLogs/{ACCOUNT}/CloudTrail/") for r in rs]
    ids = [r["eventID"] for r in records]
    assert len(ids) == len(set(ids)), "an event delivered twice"
    creates = [r for r in records if r["eventName"] == "CreateRoom"
               and (r.get("responseElements") or {}).get("roomArn") == marker]
    assert len(creates) == 1

    report = get(srv, "/_trailroom/archive")
    assert report["valid"], report
    assert report["segments"] >= 1 and report["events"] >= round_["events"]
    assert metric(srv, "archive_segments") == report["segments"]
    assert metric(srv, "archived_events") == report["events"]
    verified = cli_verify(srv, config)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{report['segments']} segments checked" in verified.stdout

    if segment_files is not None:
        # A changed byte in a segment is reported.
        files = segment_files()
        assert files, "no segment file found"
        with open(files[0], "r+b") as f:
            data = bytearray(f.read())
            data[len(data) // 2] ^= 0x01
            f.seek(0)
            f.write(data)
        report = get(srv, "/_trailroom/archive")
        assert not report["valid"]
        assert any("SHA-256" in p for p in report["problems"]), report
        verified = cli_verify(srv, config)
        assert verified.returncode == 1
        assert "INVALID: segment" in verified.stdout


def rooms_profile(srv):
    return srv.client("alexaforbusiness").search_profiles()["Profiles"][0]["ProfileArn"]


def parquet_files(data_dir):
    def find():
        found = []
        for path in glob.glob(os.path.join(data_dir, "s3", "_archive", "*", "*")):
            with open(path, "rb") as f:
                if f.read(4) == b"PAR1":
                    found.append(path)
        return found
    return find


def test_archived_events_are_looked_up_delivered_once_and_verified(tmp_path):
    srv = Server(str(tmp_path / "data"), ["--delivery-interval", "3600s"]).start()
    try:
        run_archive_scenario(srv, parquet_files(srv.data_dir))
    finally:
        srv.stop()


def test_segments_on_an_s3_compatible_store_survive_a_restart(tmp_path):
    with moto_s3() as moto:
        boto3.client("s3", endpoint_url=moto, region_name="us-east-1",
                     aws_access_key_id="testing", aws_secret_access_key="testing"
                     ).create_bucket(Bucket="trailroom-objects")
        config = tmp_path / "trailroom.toml"
        config.write_text(
            "[blobs]\n"
            f'backend = "s3"\nendpoint = "{moto}"\nbucket = "trailroom-objects"\n'
            'access_key_id = "testing"\nsecret_access_key = "testing"\n'
            "[archive]\n"
            'after = "1h"\ninterval = "1h"\nsegment_events = 10\n')
        srv = Server(str(tmp_path / "data"), ["--config", str(config),
                                               "--delivery-interval", "3600s"]).start()
        try:
            run_archive_scenario(srv, config=config)
            srv.restart()
            report = get(srv, "/_trailroom/archive")
            assert report["valid"] and report["segments"] >= 4, report
            events = srv.client("cloudtrail").lookup_events(
                LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateRoom"}])
            assert len(events["Events"]) >= 12
            # Nothing on the data directory: the segments are moto's objects.
            assert not glob.glob(os.path.join(srv.data_dir, "s3", "_archive", "*", "*"))
        finally:
            srv.stop()


def test_an_archive_age_past_retention_is_refused(tmp_path):
    config = tmp_path / "trailroom.toml"
    config.write_text('event_retention_days = 7\n[archive]\nafter = "8days"\n')
    binary = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")
    out = subprocess.run([binary, "serve", "--listen", "127.0.0.1:0", "--data-dir",
                          str(tmp_path / "data"), "--config", str(config)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "archive.after must be shorter than event_retention_days" in out.stderr


def all_event_ids(srv, end):
    ids = []
    for page in srv.client("cloudtrail").get_paginator("lookup_events").paginate(EndTime=end):
        ids.extend(e["EventId"] for e in page["Events"])
    return ids


def test_archiving_killed_midway_loses_and_duplicates_nothing(tmp_path):
    """kill -9 while segments are written and events removed: after a restart every event is
    found exactly once, a new pass finishes the work, and the chain verifies."""
    import random
    import threading

    config = tmp_path / "trailroom.toml"
    config.write_text("[archive]\nsegment_events = 60\n")
    srv = Server(str(tmp_path / "data"), ["--config", str(config)]).start()
    try:
        def calls(n):
            sts = srv.client("sts")
            for _ in range(n):
                sts.get_caller_identity()
        threads = [threading.Thread(target=calls, args=(150,)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(1.2)
        end = datetime.now(timezone.utc)
        time.sleep(1.2)
        before = all_event_ids(srv, end)
        assert len(before) >= 900 and len(before) == len(set(before))

        def archive():
            try:
                post(srv, "/_trailroom/archive?olderThan=0")
            except Exception:
                pass  # the server is killed under it
        # Killed at growing delays until a kill lands mid-way (some segments, not all).
        midway = False
        for delay in (0.05, 0.15, 0.3, 0.5, 0.8, 1.2):
            worker = threading.Thread(target=archive)
            worker.start()
            time.sleep(delay * random.uniform(0.8, 1.2))
            srv.kill()
            worker.join()
            srv.start()
            assert all_event_ids(srv, end) == before
            report = get(srv, "/_trailroom/archive")
            assert report["valid"], report
            print("killed after", delay, "s:", report["segments"], "segments,", events_stored(srv), "live")
            if report["segments"] > 0 and events_stored(srv) > 100:
                midway = True
                break
        assert midway, "no kill landed while archiving"

        post(srv, "/_trailroom/archive?olderThan=0")
        assert all_event_ids(srv, end) == before
        report = get(srv, "/_trailroom/archive")
        assert report["valid"] and report["events"] >= len(before), report
        assert events_stored(srv) < 100
    finally:
        srv.stop()
