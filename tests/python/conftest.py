"""Shared fixtures: a real trailroom server process and boto3 clients pointed at it.

The server binary comes from TRAILROOM_BIN (set by scripts/test); each server gets its own data
directory and a free loopback port chosen by the OS.
"""

import atexit
import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import tempfile
import time
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT_KEY = "AKIAIOSFODNN7EXAMPLE"
ROOT_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ACCOUNT = "123456789012"

# One attempt: botocore counts `max_attempts` as retries, `total_max_attempts` as attempts.
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


_DATABASES = {}


def postgres_store(data_dir):
    """With TRAILROOM_TEST_STORE=postgres, a fresh PostgreSQL database for the servers of one data
    directory (on the server TRAILROOM_TEST_POSTGRES names), dropped when the test session ends;
    otherwise None."""
    if os.environ.get("TRAILROOM_TEST_STORE") != "postgres":
        return None
    key = os.path.realpath(data_dir)
    if key not in _DATABASES:
        _DATABASES[key] = new_postgres_database()
    return _DATABASES[key]


def new_postgres_database():
    admin = os.environ.get("TRAILROOM_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"trailroom_client_{uuid.uuid4().hex}"
    subprocess.run(["psql", admin, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    atexit.register(
        subprocess.run,
        ["psql", admin, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
        check=False,
    )
    return admin.rsplit("/", 1)[0] + "/" + name


class Server:
    """A trailroom process on 127.0.0.1 with a data directory that outlives restarts (and, with
    TRAILROOM_TEST_STORE=postgres, its own PostgreSQL database instead of SQLite)."""

    def __init__(self, data_dir, extra_args=()):
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        if "--store" not in self.extra_args:
            store = postgres_store(data_dir)
            if store:
                self.extra_args += ["--store", store]
        args = self.extra_args
        self.store_url = args[args.index("--store") + 1] if "--store" in args else None
        self.proc = None
        self.endpoint = None

    def start(self):
        binary = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir, *self.extra_args],
            stdout=subprocess.PIPE,
            stderr=open(os.environ["TRAILROOM_SERVER_LOG"], "a") if os.environ.get("TRAILROOM_SERVER_LOG") else subprocess.DEVNULL,
            text=True,
        )
        # The first line names the bound address; the server is accepting once it is printed.
        line = self.proc.stdout.readline()
        assert line.startswith("trailroom listening on "), f"unexpected start-up output: {line!r}"
        self.endpoint = line.split()[-1]
        return self

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None

    def kill(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait(timeout=20)
            self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def client(self, service, key=ROOT_KEY, secret=ROOT_SECRET, token=None, region="us-east-1"):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=NO_RETRIES,
        )


def stored_document(srv, account, kind, doc_id):
    """The body of a stored document, read from the server's store itself (SQLite file or
    PostgreSQL database), for state no API reads back; None when there is none."""
    if srv.store_url:
        out = subprocess.run(
            ["psql", srv.store_url, "-At", "-v", f"account={account}", "-v", f"kind={kind}",
             "-v", f"id={doc_id}"],
            input="SELECT body FROM docs WHERE account = :'account' AND kind = :'kind' AND id = :'id'",
            check=True, capture_output=True, text=True)
        return json.loads(out.stdout) if out.stdout.strip() else None
    db = sqlite3.connect(f"file:{os.path.join(srv.data_dir, 'trailroom.db')}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT body FROM docs WHERE account = ? AND kind = ? AND id = ?",
                         (account, kind, doc_id)).fetchone()
    finally:
        db.close()
    return json.loads(row[0]) if row else None


def pytest_collection_modifyitems(config, items):
    """Tests marked `sqlite_store` look at the SQLite file itself: skipped on PostgreSQL."""
    if os.environ.get("TRAILROOM_TEST_STORE") != "postgres":
        return
    skip = pytest.mark.skip(reason="examines the SQLite store's file; the run is on PostgreSQL")
    for item in items:
        if "sqlite_store" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_store: examines the SQLite store's file itself")


@pytest.fixture
def server():
    with tempfile.TemporaryDirectory() as data_dir:
        srv = Server(data_dir).start()
        try:
            yield srv
        finally:
            srv.stop()


@pytest.fixture(scope="module")
def shared_server():
    """One server for a whole module, for tests that do not care about each other's state."""
    with tempfile.TemporaryDirectory() as data_dir:
        srv = Server(data_dir).start()
        try:
            yield srv
        finally:
            srv.stop()


@contextlib.contextmanager
def server_with_account(account, key, secret):
    """A server whose config file adds a second account (`account`, with root key `key` and
    `secret`); stopped, and its directory removed, on exit."""
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "trailroom.toml")
        with open(config, "w") as f:
            f.write(
                f'[[accounts]]\nid = "{account}"\nroot_access_key_id = "{key}"\n'
                f'root_secret_access_key = "{secret}"\n'
            )
        srv = Server(os.path.join(tmp, "data"), ["--config", config]).start()
        try:
            yield srv
        finally:
            srv.stop()


# A member account of the `organization` fixture's organization (the default account manages it).
MEMBER = "444455556666"
MEMBER_KEY, MEMBER_SECRET = "AKIAMEMBEREXAMPLE001", "member/secret/key/EXAMPLEKEY00000000001"


@pytest.fixture
def organization(tmp_path):
    """A server whose organization is the default account (management) and MEMBER."""
    config = tmp_path / "trailroom.toml"
    config.write_text(f'[[accounts]]\nid = "{MEMBER}"\nroot_access_key_id = "{MEMBER_KEY}"\n'
                      f'root_secret_access_key = "{MEMBER_SECRET}"\n\n'
                      f'[[organizations]]\nmanagement_account = "{ACCOUNT}"\nmember_accounts = ["{MEMBER}"]\n')
    srv = Server(str(tmp_path / "data"), ["--config", str(config)]).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def a4b(server):
    """An A4B client of the `server` fixture (root credentials)."""
    return server.client("alexaforbusiness")


def unchecked(srv):
    """An A4B client that skips boto3's own parameter checks, to reach the server's validation."""
    return boto3.client("alexaforbusiness", endpoint_url=srv.endpoint, region_name="us-east-1",
                        aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET,
                        config=NO_RETRIES.merge(Config(parameter_validation=False)))


# ---- errors: `err` is what `with pytest.raises(ClientError) as err` binds ----------------------


def code(err):
    return err.value.response["Error"]["Code"]


def status(err):
    return err.value.response["ResponseMetadata"]["HTTPStatusCode"]


def message(err):
    return err.value.response["Error"]["Message"]


def code_400(err):
    """The error code of a failure that must have been answered with HTTP 400."""
    assert status(err) == 400, err.value.response
    return code(err)


def expect(error_code, call, **kwargs):
    """Calls `call(**kwargs)`, which must fail with `error_code` and HTTP 400; returns the
    `pytest.raises` info."""
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    assert code(err) == error_code, err.value.response
    assert status(err) == 400
    return err


def error_response(call, *args, **kwargs):
    """Calls `call(*args, **kwargs)`, which must fail with a ClientError; returns botocore's
    parsed error response (`Error`, `ResponseMetadata`, ...)."""
    with pytest.raises(ClientError) as err:
        call(*args, **kwargs)
    return err.value.response


def error_of(call, *args, **kwargs):
    """Calls `call(*args, **kwargs)`, which must fail with a ClientError; returns (error code,
    HTTP status, error message or None)."""
    response = error_response(call, *args, **kwargs)
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"].get("Message")


# ---- waiting -----------------------------------------------------------------------------------


def wait_until(predicate, timeout=30, interval=0.5):
    """Calls `predicate` until it returns something true or `timeout` seconds have passed;
    returns its last answer (false on a timeout: the caller decides what that means)."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() >= deadline:
            return value
        time.sleep(interval)


def wait_for(predicate, timeout=30, what="condition", interval=0.25):
    """Like `wait_until`, but a timeout fails with "timed out waiting for <what>"."""
    value = wait_until(predicate, timeout, interval)
    if not value:
        raise AssertionError(f"timed out waiting for {what}")
    return value


ALLOW_ALL = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


def new_user(srv, name, policy=ALLOW_ALL):
    """Creates an IAM user with an access key and, unless `policy` is None, an inline policy
    (everything by default: authorization is on); returns (key id, secret)."""
    iam = srv.client("iam")
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="test-permissions", PolicyDocument=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def allow_role(srv, role_name, policy=ALLOW_ALL):
    """Gives a role an inline policy (everything by default)."""
    srv.client("iam").put_role_policy(RoleName=role_name, PolicyName="test-permissions", PolicyDocument=policy)


def admin(srv, action, key=ROOT_KEY, secret=ROOT_SECRET, **args):
    """Runs an A4B admin action (`POST /admin/a4b/<action>`, SigV4-signed by a root key).

    Returns the decoded JSON result; raises AssertionError with the body on a non-200 answer.
    """
    import json

    import requests
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = f"{srv.endpoint}/admin/a4b/{action}"
    body = json.dumps(args)
    request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(key, secret), "trailroom", "us-east-1").add_auth(request)
    response = requests.post(url, data=body, headers=dict(request.headers))
    assert response.status_code == 200, response.text
    return response.json()


def aws_cli(srv, *args, check=True, key=ROOT_KEY, secret=ROOT_SECRET):
    """Runs the AWS CLI of the running virtualenv against `srv` (the current CLI of
    .venv-awscli when this virtualenv has none); asserts success unless `check` is false."""
    import sys

    cli = os.path.join(os.path.dirname(sys.executable), "aws")
    if not os.path.exists(cli):
        cli = os.path.join(os.path.dirname(__file__), "..", "..", ".venv-awscli", "bin", "aws")
    env = dict(
        os.environ,
        AWS_ACCESS_KEY_ID=key,
        AWS_SECRET_ACCESS_KEY=secret,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
    )
    result = subprocess.run([cli, *args, "--endpoint-url", srv.endpoint], env=env, capture_output=True, text=True)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def free_port():
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def moto_s3():
    """moto's server on a free loopback port (an S3-compatible store independent of trailroom);
    yields its endpoint."""
    moto = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        ".venv-moto", "bin", "moto_server")
    assert os.path.exists(moto), "scripts/python-env installs moto into .venv-moto"
    port = free_port()
    proc = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)

    def reachable():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    try:
        wait_for(reachable, what="moto's server")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def log_files(srv, bucket, prefix):
    """Every gzipped `{"Records": [...]}` file under `prefix` in `bucket`, in key order: a list
    of (key, records)."""
    import gzip

    s3 = srv.client("s3")
    files = []
    for page in s3.get_paginator("list_objects").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            files.append((obj["Key"], json.loads(gzip.decompress(body))["Records"]))
    return files


def cloudtrail_bucket_policy(bucket, objects="*"):
    """The bucket policy AWS documents for trails: CloudTrail may read the bucket's ACL and put
    objects matching `objects` with `bucket-owner-full-control`."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}"},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/{objects}",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]})
