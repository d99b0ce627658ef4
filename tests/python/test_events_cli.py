"""`trailroom events lookup|tail` against a running server's data directory."""

import json
import os
import subprocess
import time

BIN = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")


def run(*args):
    return subprocess.run([BIN, "events", *args], capture_output=True, text=True, timeout=60)


def test_lookup_table_and_json(server):
    server.client("iam").create_user(UserName="Cli")
    server.client("sts").get_caller_identity()
    table = run("lookup", "--data-dir", server.data_dir)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].startswith("EVENT TIME")
    assert "GetCallerIdentity" in lines[1] and "sts.amazonaws.com" in lines[1]
    assert any("CreateUser" in line and "iam.amazonaws.com" in line for line in lines)
    out = run("lookup", "--data-dir", server.data_dir, "--attribute", "EventName=CreateUser", "--output", "json")
    records = json.loads(out.stdout)["Records"]
    assert [r["eventName"] for r in records] == ["CreateUser"]
    bad = run("lookup", "--data-dir", server.data_dir, "--attribute", "Color=red")
    assert bad.returncode != 0 and "is not supported" in bad.stderr


def test_tail_follows_new_events(server):
    tail = subprocess.Popen([BIN, "events", "tail", "--data-dir", server.data_dir, "--poll-ms", "100"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert tail.stdout.readline().startswith("EVENT TIME")
        time.sleep(0.3)
        server.client("iam").create_user(UserName="Tailed")
        line = tail.stdout.readline()
        assert "CreateUser" in line and "root" in line
    finally:
        tail.kill()
        tail.wait()
