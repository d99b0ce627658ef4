"""Three trailroom nodes as one service: one PostgreSQL database, objects on one S3-compatible
store (moto's server), each node on its own port and data directory. Calls go to any node; every
node sees every event, every key and every console session; a trail is delivered by one node at a
time, and when that node is killed (kill -9) under load another takes over within the lease's
time: every acknowledged call's event is delivered exactly once and the stock `aws cloudtrail
validate-logs` passes over the handover."""

import datetime
import itertools
import json
import os
import subprocess
import threading
import time

import boto3
import pytest
import requests
from botocore.exceptions import ClientError, EndpointConnectionError
from urllib3.exceptions import ProtocolError

from conftest import (ACCOUNT, ROOT_KEY, ROOT_SECRET, Server, cloudtrail_bucket_policy, moto_s3,
                      log_files, new_postgres_database, wait_for)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(ROOT, ".venv-clients", "bin", "aws")
BUCKET = "cluster-trail"
TRAIL = "cluster"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/{TRAIL}"
LEASE_TTL_S = 3


@pytest.fixture(scope="module")
def moto():
    with moto_s3() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, moto):
    """Three nodes on a fresh database, objects in one moto bucket, leases of three seconds."""
    store = new_postgres_database()
    boto3.client("s3", endpoint_url=moto, region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing").create_bucket(Bucket="trailroom-objects")
    base = tmp_path_factory.mktemp("cluster")
    nodes = []
    for i in range(3):
        config = base / f"node-{i}.toml"
        config.write_text(
            "[blobs]\n"
            f'backend = "s3"\nendpoint = "{moto}"\nbucket = "trailroom-objects"\n'
            'access_key_id = "testing"\nsecret_access_key = "testing"\n'
            "[cluster]\n"
            f'node_name = "node-{i}"\nlease_ttl = "{LEASE_TTL_S}s"\n')
        nodes.append(Server(str(base / f"data-{i}"), [
            "--store", store, "--config", str(config),
            "--delivery-interval", "1s", "--digest-interval", "3s"]))
    # Started together: they migrate the one database once between them.
    threads = [threading.Thread(target=n.start) for n in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def health(node):
    return requests.get(node.endpoint + "/health", timeout=5).json()


def test_nodes_answer_as_one_service(cluster):
    iam = [node.client("iam") for node in cluster]
    # Calls spread across nodes: each node's writes are every node's.
    for i, client in enumerate(iam):
        client.create_user(UserName=f"spread-{i}")
    for node in cluster:
        names = {u["UserName"] for u in node.client("iam").list_users()["Users"]}
        assert {"spread-0", "spread-1", "spread-2"} <= names
    # LookupEvents on any node sees every node's events.
    for node in cluster:
        found = node.client("cloudtrail").lookup_events(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "CreateUser"}])["Events"]
        created = sorted(json.loads(e["CloudTrailEvent"])["requestParameters"]["userName"] for e in found)
        assert created == ["spread-0", "spread-1", "spread-2"], node.endpoint
    # Archived by one node (moto keeps the segments), they are still found on every node.
    archived = requests.post(cluster[1].endpoint + "/_trailroom/archive?olderThan=0", timeout=60).json()
    assert archived["events"] >= 3, archived
    for node in cluster:
        found = node.client("cloudtrail").lookup_events(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "CreateUser"}])["Events"]
        created = sorted(json.loads(e["CloudTrailEvent"])["requestParameters"]["userName"] for e in found)
        assert created == ["spread-0", "spread-1", "spread-2"], node.endpoint
    assert requests.get(cluster[2].endpoint + "/_trailroom/archive", timeout=60).json()["valid"]
    # A key made on one node signs calls on another at once; deleted there, it fails everywhere.
    key = iam[0].create_access_key(UserName="spread-0")["AccessKey"]
    iam[0].put_user_policy(UserName="spread-0", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    as_user = cluster[2].client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert as_user.get_caller_identity()["Arn"].endswith(":user/spread-0")
    iam[1].delete_access_key(UserName="spread-0", AccessKeyId=key["AccessKeyId"])
    for node in cluster:
        denied = node.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        with pytest.raises(ClientError) as refused:
            denied.get_caller_identity()
        assert refused.value.response["Error"]["Code"] == "InvalidClientTokenId"
    # A console session signed in on one node is valid on every node, and ends on all of them.
    session = requests.Session()
    signed_in = session.post(cluster[0].endpoint + "/console/api/login",
                             json={"access_key_id": ROOT_KEY, "secret_access_key": ROOT_SECRET})
    assert signed_in.status_code == 200
    cookie = session.cookies.get("trailroom_session")
    for node in cluster:
        answer = requests.get(node.endpoint + "/console/api/session", cookies={"trailroom_session": cookie})
        assert answer.status_code == 200 and answer.json()["arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    requests.post(cluster[1].endpoint + "/console/api/logout", cookies={"trailroom_session": cookie})
    for node in cluster:
        answer = requests.get(node.endpoint + "/console/api/session", cookies={"trailroom_session": cookie})
        assert answer.status_code == 401
    # Each node names itself; retention is one node's job.
    named = [health(node)["node"] for node in cluster]
    assert named == ["node-0", "node-1", "node-2"]
    holders = wait_for(lambda: [h for h in (health(n) for n in cluster) if "retention" in h["leases"]] or None,
                       what="a node to hold the retention lease")
    assert len(holders) == 1
    metrics = requests.get(cluster[0].endpoint + "/metrics", timeout=5).text
    assert 'trailroom_lease_held{node="node-0"' in metrics or holders[0]["node"] != "node-0"
    # Trails spread over the nodes: three trails, one delivered by each node.
    s3 = cluster[0].client("s3")
    s3.create_bucket(Bucket="spread-trails")
    s3.put_bucket_policy(Bucket="spread-trails", Policy=cloudtrail_bucket_policy("spread-trails"))
    ct = cluster[0].client("cloudtrail")
    for i in range(3):
        ct.create_trail(Name=f"spread-{i}", S3BucketName="spread-trails")
        ct.start_logging(Name=f"spread-{i}")

    def delivering():
        counts = [sum(l.startswith("delivery/") for l in health(n)["leases"]) for n in cluster]
        return counts if counts == [1, 1, 1] else None

    wait_for(delivering, timeout=30, what="each node to deliver one of three trails")
    for i in range(3):
        ct.delete_trail(Name=f"spread-{i}")


class Load:
    """Calls spread over the live nodes from three threads; remembers each acknowledged call's
    request id (a call whose answer never came may or may not have been recorded)."""

    def __init__(self, nodes):
        self.nodes = nodes
        self.acknowledged = {}
        self.stopping = threading.Event()
        self.counter = itertools.count()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(3)]

    def run(self, lane):
        clients = [node.client("iam") for node in self.nodes]
        while not self.stopping.is_set():
            n = next(self.counter)
            node = (lane + n) % len(self.nodes)
            if self.nodes[node].proc is None:
                continue
            try:
                answer = clients[node].create_user(UserName=f"load-{n}")
                self.acknowledged[answer["ResponseMetadata"]["RequestId"]] = f"load-{n}"
            except (EndpointConnectionError, ProtocolError, ConnectionError, ClientError,
                    requests.exceptions.ConnectionError):
                pass
            except Exception as err:  # connection reset mid-answer by the kill
                if "Connection" not in type(err).__name__ and "connection" not in str(err).lower():
                    raise

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=30)


def delivery_holders(nodes):
    """Indices of the live nodes holding a trail's delivery lease."""
    return [i for i, node in enumerate(nodes)
            if node.proc is not None and any(l.startswith("delivery/") for l in health(node)["leases"])]


def delivered_records(node):
    return [r for _, records in log_files(node, BUCKET, f"AWSLogs/{ACCOUNT}/CloudTrail/") for r in records]


def test_killed_delivering_node_is_taken_over_exactly_once(cluster):
    start = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    s3 = cluster[0].client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=cloudtrail_bucket_policy(BUCKET, f"AWSLogs/{ACCOUNT}/*"))
    ct = cluster[1].client("cloudtrail")
    ct.create_trail(Name=TRAIL, S3BucketName=BUCKET, EnableLogFileValidation=True)
    ct.start_logging(Name=TRAIL)
    with Load(cluster) as load:
        # One node delivers it (leases of the trails deleted earlier lapse within the lease time).
        [holder] = wait_for(lambda: (lambda h: h if len(h) == 1 else None)(delivery_holders(cluster)),
                            what="a node to deliver the trail")
        wait_for(lambda: len(delivered_records(cluster[(holder + 1) % 3])) > 20, what="the first log files")
        # Killed while the load runs and it delivers every second: mid-delivery or close to it.
        cluster[holder].kill()
        killed_at = time.monotonic()
        [successor] = wait_for(lambda: delivery_holders(cluster), timeout=30,
                               what="another node to take the trail over")
        took_over_s = time.monotonic() - killed_at
        assert successor != holder
        assert took_over_s < LEASE_TTL_S + 10, took_over_s
        time.sleep(3)
    acknowledged = dict(load.acknowledged)
    assert len(acknowledged) > 50
    survivor = cluster[successor]

    def all_delivered():
        records = delivered_records(survivor)
        ids = {r["requestID"] for r in records if r["eventName"] == "CreateUser"}
        return records if set(acknowledged) <= ids else None

    records = wait_for(all_delivered, timeout=90, what="every acknowledged call's event in the bucket")
    event_ids = [r["eventID"] for r in records]
    assert len(event_ids) == len(set(event_ids)), "an event was delivered twice"
    # Digests over the handover: two periods after the last file, the chain validates.
    time.sleep(7)
    config = os.path.join(survivor.data_dir, "aws-config")
    with open(config, "w") as f:
        f.write("[default]\ns3 =\n    addressing_style = path\n")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ROOT_KEY, "AWS_SECRET_ACCESS_KEY": ROOT_SECRET,
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": survivor.endpoint, "AWS_CONFIG_FILE": config}
    checked = subprocess.run(
        [CLI, "cloudtrail", "validate-logs", "--trail-arn", TRAIL_ARN, "--start-time", start,
         "--endpoint-url", survivor.endpoint, "--verbose"],
        capture_output=True, text=True, env=env, timeout=180)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "INVALID" not in checked.stdout
    summary = [line for line in checked.stdout.splitlines() if " valid" in line and "/" in line]
    assert any("log files valid" in line for line in summary), checked.stdout
    print("\n".join(summary))
    # The killed node comes back under its name and serves again; the trail stays delivered once.
    cluster[holder].start()
    cluster[holder].client("iam").create_user(UserName="after-restart")
    wait_for(lambda: any((r.get("requestParameters") or {}).get("userName") == "after-restart"
                         for r in delivered_records(survivor)), timeout=60, what="delivery after the restart")
    event_ids = [r["eventID"] for r in delivered_records(survivor)]
    assert len(event_ids) == len(set(event_ids)), "an event was delivered twice after the restart"
