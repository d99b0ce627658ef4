"""The test API, as a harness uses it: LocalStack/MiniStack health paths, reset (and its
LocalStack/MiniStack aliases) back to a fresh state, delivery now, waiting for an event,
`serve --ephemeral`, the API off for non-loopback listeners unless configured, and the
packaged pytest plugin for users (clients/python) driving a real server."""

import os
import subprocess
import sys
import threading
import time

import pytest
import requests

from conftest import ACCOUNT, Server, new_user
from test_trails import documented_policy

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


@pytest.mark.parametrize("path", ["/_localstack/health", "/_ministack/health", "/_trailroom/health"])
def test_health_in_the_formats_harnesses_poll(shared_server, path):
    answer = requests.get(shared_server.endpoint + path, timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert body["services"]["cloudtrail"] == "running" and body["services"]["s3"] == "running"
    assert body["version"]


def populate(srv):
    s3 = srv.client("s3")
    s3.create_bucket(Bucket="logs")
    s3.put_bucket_policy(Bucket="logs", Policy=documented_policy("logs"))
    s3.put_object(Bucket="logs", Key="note.txt", Body=b"x")
    srv.client("cloudtrail").create_trail(Name="trail", S3BucketName="logs")
    srv.client("sns").create_topic(Name="topic")
    new_user(srv, "alice")


@pytest.mark.parametrize("path", ["/_trailroom/reset", "/_localstack/state/reset", "/_ministack/reset"])
def test_reset_returns_to_a_fresh_state(server, path):
    populate(server)
    key, secret = new_user(server, "bob")
    answer = requests.post(server.endpoint + path, timeout=30)
    assert answer.status_code == 200, answer.text
    assert server.client("s3").list_buckets()["Buckets"] == []
    assert server.client("cloudtrail").describe_trails()["trailList"] == []
    assert server.client("sns").list_topics()["Topics"] == []
    assert server.client("iam").list_users()["Users"] == []
    # Only the reset's own calls since: the earlier history is gone.
    names = {e["EventName"] for e in server.client("cloudtrail").lookup_events()["Events"]}
    assert "CreateTrail" not in names and "CreateUser" not in names
    # An IAM user's key is gone with its user.
    with pytest.raises(Exception) as raised:
        server.client("sts", key=key, secret=secret).get_caller_identity()
    assert "InvalidClientTokenId" in str(raised.value)
    # The object bytes went too, and the names are free again.
    blobs = os.path.join(server.data_dir, "s3")
    assert not os.path.exists(blobs) or os.listdir(blobs) == []
    populate(server)


def test_deliver_now_writes_the_trail_files(server):
    s3 = server.client("s3")
    s3.create_bucket(Bucket="audit")
    s3.put_bucket_policy(Bucket="audit", Policy=documented_policy("audit"))
    ct = server.client("cloudtrail")
    ct.create_trail(Name="now", S3BucketName="audit")
    ct.start_logging(Name="now")
    server.client("sts").get_caller_identity()
    answer = requests.post(server.endpoint + "/_trailroom/deliver", timeout=60).json()
    assert answer["logFiles"] >= 1 and answer["events"] >= 1 and answer["failures"] == 0
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="audit", Prefix="AWSLogs/")["Contents"]}
    assert {f"s3://audit/{k}" for k in keys} >= set(answer["files"]) and answer["files"]
    assert all(f.startswith(f"s3://audit/AWSLogs/{ACCOUNT}/CloudTrail/") for f in answer["files"])
    # Nothing new: nothing written.
    assert requests.post(server.endpoint + "/_trailroom/deliver", timeout=60).json()["files"] == []


def test_waiting_for_an_event(shared_server):
    srv = shared_server
    url = srv.endpoint + "/_trailroom/events"
    timer = threading.Timer(0.5, lambda: srv.client("sns").create_topic(Name="awaited"))
    started = time.monotonic()
    timer.start()
    answer = requests.get(url, params={"AttributeKey": "EventName", "AttributeValue": "CreateTopic",
                                       "Timeout": 10}, timeout=20)
    timer.join()
    assert answer.status_code == 200
    assert answer.json()["Events"][0]["requestParameters"]["name"] == "awaited"
    assert time.monotonic() - started < 9
    missing = requests.get(url, params={"AttributeKey": "EventName", "AttributeValue": "NeverCalled",
                                        "Timeout": 0.3}, timeout=20)
    assert missing.status_code == 408 and missing.json()["Events"] == []
    bad = requests.get(url, params={"AttributeKey": "Nope", "AttributeValue": "x"}, timeout=5)
    assert bad.status_code == 400


def test_the_test_api_can_be_switched_off(tmp_path):
    config = tmp_path / "trailroom.toml"
    config.write_text("test_api = false\n")
    srv = Server(str(tmp_path / "data"), ["--config", str(config)]).start()
    try:
        srv.client("sns").create_topic(Name="kept")
        assert requests.post(srv.endpoint + "/_trailroom/reset", timeout=5).status_code != 200
        assert requests.post(srv.endpoint + "/_localstack/state/reset", timeout=5).status_code != 200
        assert requests.get(srv.endpoint + "/_localstack/health", timeout=5).status_code == 200
        assert srv.client("sns").list_topics()["Topics"]
    finally:
        srv.stop()


def test_ephemeral_data_directory_is_removed_on_exit(tmp_path):
    binary = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")
    proc = subprocess.Popen([binary, "serve", "--ephemeral", "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp_path)
    try:
        endpoint = proc.stdout.readline().split()[-1]
        lines = [proc.stdout.readline() for _ in range(3)]
        [banner] = [line for line in lines if line.startswith("data directory ")]
        data_dir = banner.split()[2]
        assert os.path.isdir(data_dir) and requests.get(endpoint + "/health", timeout=5).ok
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert not os.path.exists(data_dir)
    assert os.listdir(tmp_path) == [], "nothing written to the working directory"


def test_the_packaged_pytest_plugin(tmp_path):
    (tmp_path / "test_user_suite.py").write_text('''
def test_a_call_is_recorded(trailroom):
    trailroom.client("s3").create_bucket(Bucket="mine")
    trailroom.client("sns").create_topic(Name="mine")
    [event] = trailroom.wait_for_event("CreateTopic")
    assert event["requestParameters"]["name"] == "mine"


def test_each_test_starts_fresh(trailroom):
    assert trailroom.client("s3").list_buckets()["Buckets"] == []
    assert trailroom.deliver() == []
''')
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "clients", "python"))
    env["TRAILROOM_BIN"] = os.path.abspath(os.environ.get("TRAILROOM_BIN", "target/debug/trailroom"))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "trailroom_pytest", "-p", "no:cacheprovider",
                             str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
