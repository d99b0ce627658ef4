"""The delivery invariant against the real binary: every event a trail incarnation logged reaches
its bucket exactly once, listed by exactly one digest, whatever the order of StartLogging,
StopLogging, DeleteTrail, CreateTrail (same name again), calls, delivery passes and kill -9.

The two findings of the reliability probe come first (StopLogging then StartLogging within one
delivery interval; a trail deleted and created again under its name), then random sequences
checked against a model, with the server killed (-9) and restarted at random points."""

import gzip
import json
import random
import time

import pytest
from botocore.exceptions import ClientError

from conftest import Server, cloudtrail_bucket_policy, wait_until

BUCKET = "invariant-logs"


def start_server(tmp_path, interval="1s"):
    srv = Server(str(tmp_path / "data"), ["--delivery-interval", interval, "--digest-interval", "2s"]).start()
    s3 = srv.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=cloudtrail_bucket_policy(BUCKET))
    return srv


def objects(srv, prefix):
    s3 = srv.client("s3")
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=f"{prefix}/"):
        keys += [o["Key"] for o in page.get("Contents", [])]
    out = {}
    for key in keys:
        out[key] = json.loads(gzip.decompress(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()))
    return out


def digest_counts(srv, prefix):
    """For each log file of the incarnation, how many digests list it."""
    found = objects(srv, prefix)
    listed = {k: 0 for k in found if "/CloudTrail/" in k}
    for key, digest in found.items():
        if "/CloudTrail-Digest/" in key:
            for f in digest["logFiles"]:
                listed[f["s3Object"]] = listed.get(f["s3Object"], 0) + 1
    return listed


def delivered(srv, prefix):
    """(event ids with their count, names) in the incarnation's log files."""
    found = objects(srv, prefix)
    logs = {k: v for k, v in found.items() if "/CloudTrail/" in k}
    counts, names = {}, {}
    for log in logs.values():
        for record in log["Records"]:
            counts[record["eventID"]] = counts.get(record["eventID"], 0) + 1
            names[record["eventID"]] = record["eventName"]
    return counts, names


def names_in(srv, prefix):
    return sorted(delivered(srv, prefix)[1].values())


def test_stop_then_start_within_one_interval_delivers_the_stopped_window(tmp_path):
    srv = start_server(tmp_path, interval="5s")
    try:
        ct, iam = srv.client("cloudtrail"), srv.client("iam")
        ct.create_trail(Name="audit", S3BucketName=BUCKET, S3KeyPrefix="f1", EnableLogFileValidation=True)
        ct.start_logging(Name="audit")
        iam.create_user(UserName="evidence")
        ct.stop_logging(Name="audit")
        ct.start_logging(Name="audit")
        expected = ["CreateUser", "StartLogging", "StartLogging", "StopLogging"]
        assert wait_until(lambda: names_in(srv, "f1") == expected, timeout=40), names_in(srv, "f1")
        ct.stop_logging(Name="audit")
        # The second window's files and final digest follow; nothing twice.
        assert wait_until(lambda: names_in(srv, "f1") == sorted(expected + ["StopLogging"]), timeout=40)
        counts, _ = delivered(srv, "f1")
        assert set(counts.values()) == {1}
        assert wait_until(lambda: set(digest_counts(srv, "f1").values()) == {1}), digest_counts(srv, "f1")
    finally:
        srv.stop()


def test_a_trail_created_again_under_its_name_delivers_its_first_events(tmp_path):
    srv = start_server(tmp_path, interval="2s")
    try:
        ct, iam = srv.client("cloudtrail"), srv.client("iam")
        ct.create_trail(Name="audit", S3BucketName=BUCKET, S3KeyPrefix="old", EnableLogFileValidation=True)
        ct.start_logging(Name="audit")
        iam.create_user(UserName="before-delete")
        ct.delete_trail(Name="audit")
        ct.create_trail(Name="audit", S3BucketName=BUCKET, S3KeyPrefix="new", EnableLogFileValidation=True)
        ct.start_logging(Name="audit")
        iam.create_user(UserName="after-recreate")
        assert wait_until(lambda: names_in(srv, "new") == ["CreateUser", "StartLogging"]), names_in(srv, "new")
        assert names_in(srv, "old") == ["CreateUser", "DeleteTrail", "StartLogging"]
    finally:
        srv.stop()


class Model:
    """Which events each trail incarnation owes, from the calls made and their answers."""

    def __init__(self):
        self.incarnations = []  # dicts: name, prefix, logging, deleted, request_ids
        self.created = 0

    def live(self, name):
        return next((i for i in self.incarnations if i["name"] == name and not i["deleted"]), None)

    def record(self, request_id, before):
        """A call's own event belongs to every incarnation logging before or after it."""
        for index, inc in enumerate(self.incarnations):
            was = before[index] if index < len(before) else None
            if inc["logging"] or (was and was["logging"] and not was["deleted"]):
                inc["request_ids"].add(request_id)


def snapshot(model):
    return [dict(i, request_ids=None) for i in model.incarnations]


def run_sequence(srv, rng, model, steps):
    names = ["alpha", "beta"]
    for _ in range(steps):
        choice = rng.random()
        before = snapshot(model)
        ct, iam = srv.client("cloudtrail"), srv.client("iam")
        name = rng.choice(names)
        try:
            if choice < 0.12:
                model.created += 1
                prefix = f"p{model.created}"
                response = ct.create_trail(Name=name, S3BucketName=BUCKET, S3KeyPrefix=prefix,
                                           EnableLogFileValidation=True)
                model.incarnations.append({"name": name, "prefix": prefix, "logging": False,
                                           "deleted": False, "request_ids": set()})
            elif choice < 0.2:
                response = ct.delete_trail(Name=name)
                model.live(name)["deleted"] = True
            elif choice < 0.35:
                response = ct.start_logging(Name=name)
                model.live(name)["logging"] = True
            elif choice < 0.45:
                response = ct.stop_logging(Name=name)
                model.live(name)["logging"] = False
            elif choice < 0.9:
                response = iam.create_user(UserName=f"u{rng.randrange(10**9)}")
            elif choice < 0.95:
                time.sleep(rng.choice([0.2, 1.2, 2.5]))
                continue
            else:
                srv.kill()
                srv.start()
                continue
            request_id = response["ResponseMetadata"]["RequestId"]
        except ClientError as err:
            request_id = err.response["ResponseMetadata"]["RequestId"]
        for inc in model.incarnations:
            if inc["deleted"] and inc["logging"]:
                inc["logging"] = False
        model.record(request_id, before)


def event_ids_by_request(srv):
    """requestID → eventID of every recorded event, from Event history."""
    ct = srv.client("cloudtrail")
    ids = {}
    for page in ct.get_paginator("lookup_events").paginate():
        for event in page["Events"]:
            record = json.loads(event["CloudTrailEvent"])
            ids[record["requestID"]] = record["eventID"]
    return ids


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequences_with_kill_9_deliver_exactly_what_each_trail_logged(tmp_path, seed):
    rng = random.Random(seed)
    srv = start_server(tmp_path)
    model = Model()
    try:
        run_sequence(srv, rng, model, steps=45)
        ct = srv.client("cloudtrail")
        for name in ["alpha", "beta"]:
            inc = model.live(name)
            if inc and inc["logging"]:
                before = snapshot(model)
                response = ct.stop_logging(Name=name)
                inc["logging"] = False
                model.record(response["ResponseMetadata"]["RequestId"], before)
        by_request = event_ids_by_request(srv)
        # Every incarnation owes its events; wait until each has them all (or time runs out).
        for inc in model.incarnations:
            expected = {by_request[r] for r in inc["request_ids"]}

            def complete():
                counts, _ = delivered(srv, inc["prefix"])
                return set(counts) == expected

            wait_until(complete, timeout=30)
            counts, names = delivered(srv, inc["prefix"])
            assert set(counts.values()) <= {1}, f"{inc['prefix']}: delivered twice"
            assert set(counts) == expected, (
                f"{inc['prefix']}: missing {sorted(expected - set(counts))}, "
                f"not owed {sorted(names[e] for e in set(counts) - expected)}")
            # Closed windows end with a final digest: every file is listed exactly once.
            assert wait_until(lambda: set(digest_counts(srv, inc["prefix"]).values()) in ({1}, set())), (
                digest_counts(srv, inc["prefix"]))
    finally:
        srv.stop()
