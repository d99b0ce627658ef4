"""HTTPS and browsers: `serve --tls self-signed` answers boto3 over HTTPS with the certificate it
wrote (and refuses plain HTTP), `--tls-cert/--tls-key` serve a given certificate, config must
name both; CORS preflights from a browser origin are answered with the request's headers
allowed, and responses expose the request id."""

import json
import os
import subprocess

import boto3
import pytest
import requests

from conftest import NO_RETRIES, ROOT_KEY, ROOT_SECRET

BINARY = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")


def start(tmp_path, *args, lines=1):
    """Starts a server; returns it and the first `lines` lines it printed."""
    proc = subprocess.Popen([BINARY, "serve", "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path / "data"),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return proc, [proc.stdout.readline() for _ in range(lines)]


def test_self_signed_https(tmp_path):
    proc, lines = start(tmp_path, "--tls", "self-signed", lines=4)
    try:
        endpoint = lines[0].split()[-1]
        assert endpoint.startswith("https://127.0.0.1:")
        [cert_line] = [line for line in lines if line.startswith("TLS certificate ")]
        pem = cert_line.split()[2]
        sts = boto3.client("sts", endpoint_url=endpoint.replace("127.0.0.1", "localhost"),
                           region_name="us-east-1", aws_access_key_id=ROOT_KEY,
                           aws_secret_access_key=ROOT_SECRET, verify=pem, config=NO_RETRIES)
        assert sts.get_caller_identity()["Account"] == "123456789012"
        # The call's record says how it arrived, as CloudTrail's tlsDetails do.
        ct = boto3.client("cloudtrail", endpoint_url=endpoint.replace("127.0.0.1", "localhost"),
                          region_name="us-east-1", aws_access_key_id=ROOT_KEY,
                          aws_secret_access_key=ROOT_SECRET, verify=pem, config=NO_RETRIES)
        [event] = ct.lookup_events(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}])["Events"]
        tls = json.loads(event["CloudTrailEvent"])["tlsDetails"]
        host = endpoint.replace("https://127.0.0.1", "localhost")
        assert tls["tlsVersion"] == "TLSv1.3" and tls["clientProvidedHostHeader"] == host
        assert tls["cipherSuite"].startswith("TLS_") and tls["keyExchange"]
        assert requests.get(endpoint + "/health", verify=pem, timeout=5).json()["status"] == "ok"
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(endpoint + "/health", timeout=5)  # not a trusted certificate
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(endpoint.replace("https", "http") + "/health", timeout=5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_certificate_files_and_their_pairing(tmp_path):
    cert_pem, key_pem = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key_pem), "-out", str(cert_pem), "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    proc, lines = start(tmp_path, "--tls-cert", str(cert_pem), "--tls-key", str(key_pem))
    try:
        endpoint = lines[0].split()[-1]
        assert requests.get(endpoint + "/health", verify=str(cert_pem), timeout=5).ok
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    half = subprocess.run([BINARY, "serve", "--tls-cert", str(cert_pem)], capture_output=True, text=True, timeout=30)
    assert half.returncode != 0 and "--tls-key" in half.stderr


def test_cors_for_browser_clients(shared_server):
    origin = "http://app.example.test"
    preflight = requests.options(shared_server.endpoint + "/", timeout=5, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-amz-date,x-amz-target"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "x-amz-target" in allowed
    assert "access-control-allow-credentials" not in preflight.headers
    answer = requests.get(shared_server.endpoint + "/health", headers={"Origin": origin}, timeout=5)
    assert answer.headers["access-control-allow-origin"] == "*"
    assert answer.headers["access-control-expose-headers"] == "*"
