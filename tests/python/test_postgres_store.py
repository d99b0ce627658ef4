"""The PostgreSQL store under an outage: one server, then three nodes sharing the database, on
their own PostgreSQL cluster (initdb'ed for the test, so stopping it disturbs nothing else) keep
answering while the database is down, with ServiceUnavailable rather than a false success, and
recover by themselves when the database returns; afterwards every acknowledged call has exactly
one event and nothing was recorded twice."""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time

import pytest
from botocore.exceptions import ClientError

from conftest import Server, free_port, wait_for


def pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail(f"PostgreSQL's {name} is not installed (.ci/run installs Debian's postgresql)")
    return found[-1]


class PrivateCluster:
    """A PostgreSQL cluster in a temporary directory, on its own port."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="trailroom-pg-", dir="/tmp")
        self.port = free_port()
        # initdb and postgres refuse to run as root: run them as the postgres user then.
        self.as_user = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.run(pg_bin("initdb"), "-D", self.dir, "-A", "trust", "-U", "postgres", "--no-sync")

    def run(self, *args):
        subprocess.run([*self.as_user, *args], check=True, capture_output=True)

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(pg_bin("pg_ctl"), "-D", self.dir, "-o", options, "-l", f"{self.dir}/log", "-w", "start")

    def crash(self):
        """Stops the server the way a crash does: no shutdown checkpoint, connections cut."""
        self.run(pg_bin("pg_ctl"), "-D", self.dir, "-m", "immediate", "-w", "stop")

    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def query(self, sql):
        out = subprocess.run(
            ["psql", self.url(), "-At", "-c", sql], check=True, capture_output=True, text=True)
        return out.stdout.split()

    def remove(self):
        subprocess.run([*self.as_user, pg_bin("pg_ctl"), "-D", self.dir, "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster():
    pg = PrivateCluster()
    pg.start()
    try:
        yield pg
    finally:
        pg.remove()


@pytest.mark.parametrize("nodes", [1, 3])
def test_outage_answers_unavailable_and_recovers_without_loss_or_duplicates(cluster, tmp_path, nodes):
    servers = [Server(str(tmp_path / f"node-{n}"), ["--store", cluster.url()]).start() for n in range(nodes)]
    try:
        acked, refused, lock, stop = [], [], threading.Lock(), threading.Event()

        def writer(worker):
            # Calls spread over the nodes.
            client = servers[worker % nodes].client("iam")
            i = 0
            while not stop.is_set():
                try:
                    out = client.create_user(UserName=f"w{worker}-{i}")
                    with lock:
                        acked.append(out["ResponseMetadata"]["RequestId"])
                except ClientError as err:
                    with lock:
                        refused.append((err.response["Error"]["Code"],
                                        err.response["ResponseMetadata"]["HTTPStatusCode"]))
                    time.sleep(0.05)
                i += 1

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(max(4, nodes * 2))]
        for t in threads:
            t.start()
        wait_for(lambda: len(acked) > 20, what="writes before the outage")
        cluster.crash()
        wait_for(lambda: len(refused) > 5, what="calls refused while the database is down")
        before_recovery = len(acked)
        time.sleep(1)
        cluster.start()
        wait_for(lambda: len(acked) > before_recovery + 20, timeout=60,
                 what="writes acknowledged again after the database returned")
        stop.set()
        for t in threads:
            t.join(timeout=30)

        # Refusals were the service's own: unavailable, never an internal error (IAM speaks the
        # Query dialect: ServiceUnavailable).
        assert {code for code, _ in refused} <= {"ServiceUnavailable"}, refused[:5]
        assert {status for _, status in refused} == {503}

        # Each acknowledged call is stored with exactly one event; no event id twice.
        recorded = cluster.query(
            "SELECT record_json::json->>'requestID' FROM events WHERE event_name = 'CreateUser'")
        assert len(set(recorded)) == len(recorded), "an event recorded twice"
        assert set(acked) <= set(recorded), "an acknowledged call without its event"
        duplicates = cluster.query(
            "SELECT event_id FROM events GROUP BY event_id HAVING count(*) > 1")
        assert duplicates == []
        # And every node reads what all of them wrote after the outage.
        for node in servers:
            users = node.client("iam").get_paginator("list_users").paginate()
            assert sum(len(page["Users"]) for page in users) >= len(acked)
    finally:
        for node in servers:
            node.stop()
