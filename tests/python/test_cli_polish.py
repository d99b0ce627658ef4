"""The command line as people type it: `--listen` with a bare port, times as dates or ages for
`events lookup` and `validate`, `validate --trail NAME`, and `GET /` answering a browser with a
page that points at the console."""

import os
import subprocess

import requests

from conftest import Server
from test_trails import documented_policy

BINARY = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")


def run(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=60)


def test_listen_takes_a_bare_port(tmp_path):
    proc = subprocess.Popen([BINARY, "serve", "--listen", "0", "--data-dir", str(tmp_path / "data")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("trailroom listening on http://127.0.0.1:"), line
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "not a port or host:port" in run("serve", "--listen", "nowhere").stderr


def test_a_browser_at_the_root_gets_a_page(shared_server):
    page = requests.get(shared_server.endpoint + "/", headers={"Accept": "text/html"}, timeout=5)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'href="/console"' in page.text and 'href="/health"' in page.text
    # An S3 client at the root is still S3 (ListBuckets).
    assert shared_server.client("s3").list_buckets()["Buckets"] is not None


def test_times_as_dates_and_ages_and_validate_by_name(tmp_path):
    data = str(tmp_path / "data")
    srv = Server(data).start()
    try:
        s3 = srv.client("s3")
        s3.create_bucket(Bucket="named")
        s3.put_bucket_policy(Bucket="named", Policy=documented_policy("named"))
        ct = srv.client("cloudtrail")
        ct.create_trail(Name="by-name", S3BucketName="named", EnableLogFileValidation=True)
        ct.start_logging(Name="by-name")
        assert requests.post(srv.endpoint + "/_trailroom/deliver", timeout=60).json()["logFiles"] >= 1
        recent = run("events", "lookup", "--data-dir", data, "--start", "1h", "--output", "json")
        assert recent.returncode == 0, recent.stderr
        assert "CreateTrail" in recent.stdout
        future = run("events", "lookup", "--data-dir", data, "--start", "2999-01-01", "--output", "json")
        assert future.returncode == 0 and "CreateTrail" not in future.stdout
        bad = run("events", "lookup", "--data-dir", data, "--start", "yesterday-ish")
        assert bad.returncode != 0 and "is not a time" in bad.stderr
        validated = run("validate", "--trail", "by-name", "--start-time", "1h", "--data-dir", data)
        assert "arn:aws:cloudtrail:us-east-1:123456789012:trail/by-name" in validated.stdout, validated.stderr
    finally:
        srv.stop()


def test_errors_once_env_everywhere_and_flags_each_command_uses(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('lisen = "127.0.0.1:1"\n')
    started = run("serve", "--config", str(bad))
    assert started.returncode != 0 and started.stderr.count("unknown field `lisen`") == 1, started.stderr
    data = str(tmp_path / "data")
    Server(data).start().stop()
    env = dict(os.environ, TRAILROOM_DATA_DIR=data)
    looked = subprocess.run([BINARY, "events", "lookup", "--output", "json"], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=60)
    assert looked.returncode == 0, looked.stderr
    assert "unexpected argument '--max'" in run("events", "tail", "--max", "1").stderr
    unknown = run("admin", "a4b", "no-such-action", "--data-dir", str(tmp_path / "untouched"))
    assert unknown.returncode != 0 and "import-device" in unknown.stderr
    assert not os.path.exists(tmp_path / "untouched"), "an unknown action creates nothing"


def test_serve_help_names_every_environment_variable():
    help_text = run("serve", "--help").stdout
    for name in ("TRAILROOM_CONFIG", "TRAILROOM_LISTEN", "TRAILROOM_DATA_DIR", "TRAILROOM_ROOT_ACCESS_KEY_ID",
                 "TRAILROOM_ROOT_SECRET_ACCESS_KEY", "TRAILROOM_LOG", "TRAILROOM_LOG_FORMAT"):
        assert name in help_text, name
