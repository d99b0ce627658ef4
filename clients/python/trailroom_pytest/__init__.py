"""pytest fixtures for testing against trailroom.

Install with ``pip install ./clients/python`` (the plugin registers itself), or load it with
``-p trailroom_pytest``. The ``trailroom`` binary is found through ``TRAILROOM_BIN`` or ``PATH``.

Fixtures:

- ``trailroom_server`` (session): one ``trailroom serve --ephemeral`` on a free loopback port
  for the whole run, stopped (and its data removed) at the end.
- ``trailroom`` (function): the same server, reset to a fresh state before the test.

Both yield a :class:`Trailroom` with ``endpoint``, ``session()`` / ``client(name)`` (boto3 with
the default account's root keys), ``reset()``, ``deliver()`` (trail delivery now) and
``wait_for_event(name)``.
"""

import os
import shutil
import subprocess

import boto3
import pytest
import requests

ROOT_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
ROOT_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ACCOUNT_ID = "123456789012"


class Trailroom:
    """A running trailroom server and the calls a test makes around it."""

    def __init__(self, binary=None, extra_args=()):
        binary = binary or os.environ.get("TRAILROOM_BIN") or shutil.which("trailroom")
        if not binary:
            raise RuntimeError("trailroom binary not found: set TRAILROOM_BIN or put it on PATH")
        self.proc = subprocess.Popen(
            [binary, "serve", "--ephemeral", "--listen", "127.0.0.1:0", *extra_args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline()
        if not line.startswith("trailroom listening on "):
            self.proc.kill()
            raise RuntimeError(f"trailroom did not start: {line!r}")
        self.endpoint = line.split()[-1]

    def session(self, region="us-east-1"):
        """A boto3 session with the default account's root keys."""
        return boto3.session.Session(
            aws_access_key_id=ROOT_ACCESS_KEY_ID,
            aws_secret_access_key=ROOT_SECRET_ACCESS_KEY,
            region_name=region,
        )

    def client(self, service, region="us-east-1", **kwargs):
        """A boto3 client for `service` pointed at this server."""
        return self.session(region).client(service, endpoint_url=self.endpoint, **kwargs)

    def reset(self):
        """Back to a fresh data directory (the default account only)."""
        requests.post(f"{self.endpoint}/_trailroom/reset", timeout=30).raise_for_status()

    def deliver(self):
        """Runs every trail's delivery now; returns the objects written (`s3://bucket/key`)."""
        answer = requests.post(f"{self.endpoint}/_trailroom/deliver", timeout=60)
        answer.raise_for_status()
        return answer.json()["files"]

    def wait_for_event(self, event_name, timeout=10, region="us-east-1", account=ACCOUNT_ID):
        """The newest recorded events named `event_name`, waiting up to `timeout` seconds;
        raises TimeoutError when none is recorded in time."""
        answer = requests.get(
            f"{self.endpoint}/_trailroom/events",
            params={"AttributeKey": "EventName", "AttributeValue": event_name,
                    "Timeout": timeout, "Region": region, "Account": account},
            timeout=timeout + 10,
        )
        if answer.status_code == 408:
            raise TimeoutError(f"no {event_name} event within {timeout}s")
        answer.raise_for_status()
        return answer.json()["Events"]

    def stop(self):
        """Stops the server; its temporary data directory is removed."""
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


@pytest.fixture(scope="session")
def trailroom_server():
    server = Trailroom()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def trailroom(trailroom_server):
    trailroom_server.reset()
    return trailroom_server
