"""Limits a server reachable by others needs, each from a finding of the reliability probe:
idle and slow connections are cut off and never starve the others (also at a 1,024
file-descriptor limit), slow and broken bodies are answered, oversized bodies are refused before
they are read, and requests that fail before any service runs still get AWS-shaped answers."""

import os
import resource
import socket
import subprocess
import time

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ROOT_KEY, ROOT_SECRET, Server


def config_server(tmp_path, text):
    config = tmp_path / "limits.toml"
    config.write_text(text)
    return Server(str(tmp_path / "data"), ["--config", str(config)]).start()


def host_port(srv):
    host, port = srv.endpoint.removeprefix("http://").split(":")
    return host, int(port)


def caller_identity_ok(srv):
    return srv.client("sts").get_caller_identity()["Account"] == "123456789012"


def raw(srv, data, timeout=10):
    """Sends bytes on a new connection; returns everything answered until the server closes."""
    with socket.create_connection(host_port(srv), timeout=timeout) as conn:
        conn.sendall(data)
        chunks = []
        try:
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except socket.timeout:
            pass
        return b"".join(chunks)


def signed_sts(srv, extra_headers=None, body=b"Action=GetCallerIdentity&Version=2011-06-15"):
    headers = {"Content-Type": "application/x-www-form-urlencoded", **(extra_headers or {})}
    request = AWSRequest(method="POST", url=srv.endpoint + "/", data=body, headers=headers)
    SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), "sts", "us-east-1").add_auth(request)
    return requests.post(srv.endpoint + "/", data=body, headers=dict(request.headers), timeout=10)


def test_idle_connections_are_closed_and_never_crowd_out_callers(tmp_path):
    srv = config_server(tmp_path, 'max_connections = 50\nheader_timeout = "2s"\n')
    try:
        idle = [socket.create_connection(host_port(srv)) for _ in range(120)]
        # Every new caller gets a connection: the longest-idle ones made room.
        for _ in range(5):
            assert caller_identity_ok(srv)
        time.sleep(3)
        # Idle past the header timeout: the server has closed each of them.
        closed = 0
        for conn in idle:
            conn.settimeout(1)
            try:
                closed += conn.recv(1) == b""
            except (ConnectionResetError, socket.timeout):
                closed += 1
            conn.close()
        assert closed == len(idle)
    finally:
        srv.stop()


def test_slowloris_headers_are_cut_off(tmp_path):
    srv = config_server(tmp_path, 'header_timeout = "2s"\n')
    try:
        conn = socket.create_connection(host_port(srv))
        conn.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
        started = time.time()
        conn.settimeout(0.5)
        cut = False
        while time.time() - started < 8:
            try:
                conn.sendall(b"X-a: b\r\n")
                if conn.recv(1024) == b"":
                    cut = True
                    break
            except socket.timeout:
                continue
            except (BrokenPipeError, ConnectionResetError):
                cut = True
                break
        assert cut and time.time() - started < 6
        assert caller_identity_ok(srv)
    finally:
        srv.stop()


def test_slow_and_broken_bodies_are_answered(tmp_path):
    srv = config_server(tmp_path, 'body_timeout = "1s"\n')
    try:
        started = time.time()
        answer = raw(srv, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                          b"Content-Length: 1000000\r\n\r\nA")
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"<Code>RequestTimeout</Code>" in answer
        assert time.time() - started < 6
        # A declared length over the limit is refused before anything is read.
        started = time.time()
        answer = raw(srv, b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: CloudTrail_20131101.ListTrails\r\n"
                          b"Content-Length: 1000000000000\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"RequestEntityTooLargeException" in answer and time.time() - started < 3
        # A broken chunked body is a broken body, not a large one.
        answer = raw(srv, b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: CloudTrail_20131101.ListTrails\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
        assert b"IncompleteBody" in answer
        assert caller_identity_ok(srv)
    finally:
        srv.stop()


def test_requests_without_an_action_get_query_errors(shared_server):
    for headers in [{"Content-Type": "application/x-www-form-urlencoded"}, {}]:
        response = requests.post(shared_server.endpoint + "/", data=b"Version=2011-06-15", headers=headers)
        assert response.status_code == 400
        assert "<Code>MissingAction</Code>" in response.text, response.text


def test_a_request_signing_two_hundred_headers_is_served(shared_server):
    extra = {f"X-Amz-Meta-H{i}": str(i) for i in range(200)}
    response = signed_sts(shared_server, extra)
    assert response.status_code == 200, response.text


def test_a_thousand_idle_connections_at_a_1024_descriptor_limit(tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 2048:
        pytest.skip("this test needs 2,048 descriptors for its own sockets")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2048), hard))
    binary = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")
    proc = subprocess.Popen(
        ["bash", "-c", f'ulimit -n 1024; exec "{binary}" serve --listen 127.0.0.1:0 --data-dir "{tmp_path}/data"'],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    srv = Server(str(tmp_path / "data"))
    try:
        line = proc.stdout.readline()
        srv.endpoint = line.split()[-1]
        idle = []
        for _ in range(1100):
            idle.append(socket.create_connection(host_port(srv), timeout=5))
        for _ in range(5):
            started = time.time()
            assert caller_identity_ok(srv)
            assert time.time() - started < 5
        for conn in idle:
            conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_second_server_on_the_same_data_dir_refuses_to_start(tmp_path):
    first = Server(str(tmp_path / "data")).start()
    try:
        binary = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")
        second = subprocess.run([binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", first.data_dir],
                                capture_output=True, text=True, timeout=30)
        assert second.returncode != 0
        assert f"is in use by trailroom pid {first.proc.pid} listening on {first.endpoint}" in second.stderr
        assert caller_identity_ok(first)
    finally:
        first.stop()
    # Once the first has stopped, the directory is free again.
    Server(str(tmp_path / "data")).start().stop()
