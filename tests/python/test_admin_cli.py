"""Admin commands and a running server: an admin action on the data directory a server holds
goes through that server's admin API (never behind its back), `--endpoint` reaches a server
directly, commands with no API refuse and name the server; a database from a newer trailroom
is refused at start."""

import json
import os
import sqlite3
import subprocess

import pytest

from conftest import ROOT_KEY, ROOT_SECRET, Server

BINARY = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")
DEVICE = json.dumps({"DeviceName": "Desk Echo", "DeviceSerialNumber": "G090LF0964250077",
                     "DeviceType": "A3S5BH2HU6VAYF"})


def cli(*args, env=None):
    full_env = dict(os.environ, AWS_ACCESS_KEY_ID=ROOT_KEY, AWS_SECRET_ACCESS_KEY=ROOT_SECRET, **(env or {}))
    return subprocess.run([BINARY, *args], capture_output=True, text=True, env=full_env, timeout=60)


def test_admin_actions_go_through_the_running_server(tmp_path):
    data = str(tmp_path / "data")
    srv = Server(data).start()
    try:
        through_dir = cli("admin", "a4b", "import-device", "--data-dir", data, "--json", DEVICE)
        assert through_dir.returncode == 0, through_dir.stderr
        arn = json.loads(through_dir.stdout)["DeviceArn"]
        devices = srv.client("alexaforbusiness").search_devices()["Devices"]
        assert [d["DeviceArn"] for d in devices] == [arn]
        other = json.dumps({**json.loads(DEVICE), "DeviceSerialNumber": "G090LF0964250078"})
        direct = cli("admin", "a4b", "import-device", "--endpoint", srv.endpoint, "--json", other)
        assert direct.returncode == 0, direct.stderr
        assert len(srv.client("alexaforbusiness").search_devices()["Devices"]) == 2
        wrong_key = cli("admin", "a4b", "import-device", "--endpoint", srv.endpoint, "--json", other,
                        "--secret-access-key", "wrong")
        assert wrong_key.returncode != 0 and "InvalidSignatureException" in wrong_key.stderr
        refused = cli("accounts", "add", "--id", "444455556666", "--access-key-id", "AKIAOTHERACCOUNT0001",
                      "--secret-access-key", "x" * 40, "--data-dir", data)
        assert refused.returncode != 0
        assert "in use by trailroom pid" in refused.stderr and srv.endpoint in refused.stderr
    finally:
        srv.stop()
    # With the server stopped, the same commands work on the directory itself.
    added = cli("accounts", "add", "--id", "444455556666", "--access-key-id", "AKIAOTHERACCOUNT0001",
                "--secret-access-key", "x" * 40, "--data-dir", data)
    assert added.returncode == 0, added.stderr
    local = cli("admin", "a4b", "import-device", "--data-dir", data, "--json",
                json.dumps({**json.loads(DEVICE), "DeviceSerialNumber": "G090LF0964250079"}))
    assert local.returncode == 0, local.stderr


@pytest.mark.sqlite_store
def test_a_newer_schema_is_refused_and_an_older_one_is_backed_up(tmp_path):
    data = tmp_path / "data"
    Server(str(data)).start().stop()
    db = sqlite3.connect(data / "trailroom.db")
    (version,) = db.execute("PRAGMA user_version").fetchone()
    db.execute(f"PRAGMA user_version = {version + 1}")
    db.commit()
    db.close()
    started = subprocess.run([BINARY, "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data)],
                             capture_output=True, text=True, timeout=60)
    assert started.returncode != 0
    assert f"schema version {version + 1}" in started.stderr and f"newer than the {version}" in started.stderr
