"""Operating trailroom: one request-log line per request (a success, a failure, a refused
signature, a non-AWS path) in JSON with the event's request id, and `/metrics` parsed with the
Prometheus client's OpenMetrics parser, its counters checked against the calls made."""

import json
import os
import subprocess
import time

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from conftest import NO_RETRIES, ROOT_KEY, ROOT_SECRET
from test_trails import documented_policy


@pytest.fixture
def logged_server(tmp_path):
    binary = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path / "data"),
                             "--log-format", "json", "--delivery-interval", "1h"],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    endpoint = proc.stdout.readline().split()[-1]
    try:
        yield endpoint, tmp_path / "server.log"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def client(endpoint, service, secret=ROOT_SECRET):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=ROOT_KEY,
                        aws_secret_access_key=secret, config=NO_RETRIES)


def request_lines(path, count):
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
        found = [line["fields"] for line in lines if line.get("target") == "trailroom::request"]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_one_line_per_request_with_the_events_request_id(logged_server):
    endpoint, log = logged_server
    ok = client(endpoint, "sts").get_caller_identity()
    with pytest.raises(ClientError) as failed:
        client(endpoint, "cloudtrail").get_trail(Name="absent")
    with pytest.raises(ClientError) as refused:
        client(endpoint, "sts", secret="not-the-secret").get_caller_identity()
    requests.get(endpoint + "/health", timeout=5)
    lines = request_lines(log, 4)
    assert len(lines) == 4
    success, failure, bad_signature, health = lines
    assert success["service"] == "sts" and success["operation"] == "GetCallerIdentity"
    assert success["status"] == 200 and success["error_code"] == "-" and success["recorded"] is True
    assert success["principal"] == ok["Arn"] and success["source_ip"] == "127.0.0.1"
    assert success["request_id"] == ok["ResponseMetadata"]["RequestId"]
    assert failure["operation"] == "GetTrail" and failure["status"] == 400
    assert failure["error_code"] == "TrailNotFoundException"
    assert failure["request_id"] == failed.value.response["ResponseMetadata"]["RequestId"]
    # The failed call's event carries the same request id.
    events = client(endpoint, "cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetTrail"}])["Events"]
    assert json.loads(events[0]["CloudTrailEvent"])["requestID"] == failure["request_id"]
    # Refused before the caller is known: logged with what it claimed, not recorded.
    assert bad_signature["status"] == 403 and bad_signature["error_code"] == "SignatureDoesNotMatch"
    assert bad_signature["service"] == "sts" and bad_signature["operation"] == "GetCallerIdentity"
    assert bad_signature["principal"] == "-" and bad_signature["recorded"] is False
    assert bad_signature["request_id"] == refused.value.response["ResponseMetadata"]["RequestId"]
    assert health["path"] == "/health" and health["status"] == 200
    assert all(line["duration_ms"] >= 0 for line in lines)


def metrics(endpoint):
    answer = requests.get(endpoint + "/metrics", timeout=5)
    assert answer.headers["content-type"].startswith("application/openmetrics-text")
    return {family.name: family for family in text_string_to_metric_families(answer.text)}


def sample(families, name, suffix="", **labels):
    family = families[name]
    for s in family.samples:
        if s.name == name + suffix and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return 0


def test_metrics_count_the_calls_made(logged_server):
    endpoint, _ = logged_server
    before = metrics(endpoint)
    sts = client(endpoint, "sts")
    for _ in range(3):
        sts.get_caller_identity()
    with pytest.raises(ClientError):
        client(endpoint, "cloudtrail").get_trail(Name="absent")
    s3 = client(endpoint, "s3")
    s3.create_bucket(Bucket="metered")
    s3.put_bucket_policy(Bucket="metered", Policy=documented_policy("metered"))
    ct = client(endpoint, "cloudtrail")
    ct.create_trail(Name="metered", S3BucketName="metered")
    ct.start_logging(Name="metered")
    after = metrics(endpoint)
    calls = sample(after, "trailroom_requests", "_total", service="sts", operation="GetCallerIdentity", status="200")
    assert calls == 3
    assert sample(after, "trailroom_requests", "_total", service="cloudtrail", operation="GetTrail",
                  status="400") == 1
    assert sample(after, "trailroom_request_duration_seconds", "_count", service="sts") == 3
    recorded = sample(after, "trailroom_events_recorded", "_total") - sample(before, "trailroom_events_recorded",
                                                                            "_total")
    assert recorded == 8, "3 GetCallerIdentity, GetTrail, CreateBucket, PutBucketPolicy, CreateTrail, StartLogging"
    commits = sample(after, "trailroom_store_commits", "_total")
    assert 1 <= commits and sample(after, "trailroom_store_committed_jobs", "_total") >= commits
    # The new trail lags until delivery runs; delivering now brings it to 0 and counts the files.
    trail = "arn:aws:cloudtrail:us-east-1:123456789012:trail/metered"
    client(endpoint, "sts").get_caller_identity()
    time.sleep(0.3)
    assert sample(metrics(endpoint), "trailroom_delivery_lag_seconds", trail=trail) > 0
    written = requests.post(endpoint + "/_trailroom/deliver", timeout=60).json()
    assert written["logFiles"] >= 1
    final = metrics(endpoint)
    assert sample(final, "trailroom_delivery_lag_seconds", trail=trail) == 0
    assert sample(final, "trailroom_delivery_files", "_total") == written["logFiles"]
