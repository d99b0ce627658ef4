"""The console and keys against the reliability probe's findings: a session ends when its key is
deleted or deactivated or its user deleted; sign-ins are recorded as AWS records ConsoleLogin and
failed ones are throttled per address; console answers carry CSP, X-Frame-Options and
X-Content-Type-Options; a long-term key with a session token is refused."""

import json
import os
import subprocess

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import ACCOUNT, ROOT_KEY, ROOT_SECRET, Server, new_user, wait_for


def sign_in(srv, key, secret):
    session = requests.Session()
    response = session.post(srv.endpoint + "/console/api/login",
                            json={"access_key_id": key, "secret_access_key": secret})
    return session, response


def events_status(srv, session):
    return session.get(srv.endpoint + "/console/api/events").status_code


def test_a_session_ends_with_its_key_or_user(server):
    iam = server.client("iam")
    key, secret = new_user(server, "bob")
    session, response = sign_in(server, key, secret)
    assert response.status_code == 200
    assert events_status(server, session) == 200
    iam.update_access_key(UserName="bob", AccessKeyId=key, Status="Inactive")
    assert events_status(server, session) == 401
    # Reactivating the key does not bring the old session back.
    iam.update_access_key(UserName="bob", AccessKeyId=key, Status="Active")
    assert events_status(server, session) == 401
    session, _ = sign_in(server, key, secret)
    assert events_status(server, session) == 200
    iam.delete_access_key(UserName="bob", AccessKeyId=key)
    assert events_status(server, session) == 401
    assert session.get(server.endpoint + "/console/api/download?format=json").status_code == 401
    # A second user: deleting the user ends the session too.
    key2, secret2 = new_user(server, "carol")
    session2, _ = sign_in(server, key2, secret2)
    assert events_status(server, session2) == 200
    iam.delete_access_key(UserName="carol", AccessKeyId=key2)
    iam.delete_user_policy(UserName="carol", PolicyName="test-permissions")
    iam.delete_user(UserName="carol")
    assert events_status(server, session2) == 401


def console_logins(srv):
    ct = srv.client("cloudtrail")
    events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ConsoleLogin"}])
    return [json.loads(e["CloudTrailEvent"]) for e in events["Events"]]


def test_sign_ins_are_recorded_as_console_login_events(server):
    key, secret = new_user(server, "dana")
    _, ok = sign_in(server, key, secret)
    assert ok.status_code == 200
    _, bad = sign_in(server, key, "not-the-secret")
    assert bad.status_code == 401
    failed, succeeded = console_logins(server)  # newest first
    for record in (failed, succeeded):
        assert record["eventSource"] == "signin.amazonaws.com"
        assert record["eventType"] == "AwsConsoleSignIn"
        assert record["awsRegion"] == "us-east-1"
        assert record["userIdentity"]["type"] == "IAMUser"
        assert record["userIdentity"]["userName"] == "dana"
        assert "accessKeyId" not in record["userIdentity"]
        assert record["additionalEventData"]["MFAUsed"] == "No"
        assert record["recipientAccountId"] == ACCOUNT
        assert record["readOnly"] is False
    assert succeeded["responseElements"] == {"ConsoleLogin": "Success"}
    assert "errorMessage" not in succeeded and "errorCode" not in succeeded
    assert failed["responseElements"] == {"ConsoleLogin": "Failure"}
    assert failed["errorMessage"] == "Failed authentication"
    assert "errorCode" not in failed


def test_failed_sign_ins_are_throttled_per_address(server):
    statuses = [sign_in(server, ROOT_KEY, "wrong")[1].status_code for _ in range(8)]
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}
    # The right pair is refused too while the address waits.
    _, response = sign_in(server, ROOT_KEY, ROOT_SECRET)
    assert response.status_code == 429
    assert response.json()["code"] == "ThrottlingException"
    # The API itself is not affected.
    assert server.client("sts").get_caller_identity()["Account"] == ACCOUNT


def test_console_answers_carry_security_headers(shared_server):
    for path in ["/console", "/console/app.js", "/console/api/events"]:
        response = requests.get(shared_server.endpoint + path)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_long_term_key_with_a_session_token_is_refused(shared_server):
    sts = shared_server.client("sts", token="bogus")
    with pytest.raises(ClientError) as info:
        sts.get_caller_identity()
    assert info.value.response["Error"]["Code"] == "InvalidClientTokenId"
    ct = shared_server.client("cloudtrail", token="bogus")
    with pytest.raises(ClientError) as info:
        ct.describe_trails()
    assert info.value.response["Error"]["Code"] == "UnrecognizedClientException"
    s3 = shared_server.client("s3", token="bogus")
    with pytest.raises(ClientError) as info:
        s3.list_buckets()
    assert info.value.response["Error"]["Code"] == "InvalidToken"


def test_console_lookups_follow_the_api_rules(tmp_path):
    """The console's LookupEvents are the API's: the trusted proxy header names the source
    address, and the LookupEvents throttle counts console pages too."""
    config = tmp_path / "trailroom.toml"
    config.write_text('trusted_proxy_header = "x-forwarded-for"\nlookup_events_rate_limit = 1.0\n')
    srv = Server(str(tmp_path / "data"), ["--config", str(config)]).start()
    try:
        session, response = sign_in(srv, ROOT_KEY, ROOT_SECRET)
        assert response.status_code == 200
        forwarded = {"X-Forwarded-For": "203.0.113.7, 10.0.0.1"}
        answers = [session.get(srv.endpoint + "/console/api/events", headers=forwarded) for _ in range(4)]
        assert answers[0].status_code == 200
        throttled = [a for a in answers[1:] if a.status_code != 200]
        assert throttled and all(a.json()["code"] == "ThrottlingException" for a in throttled)
        wait_for(lambda: lookups_from(srv, "203.0.113.7"), timeout=20, what="the console's recorded lookups")
    finally:
        srv.stop()


def lookups_from(srv, address):
    """The recorded LookupEvents calls made from `address` (None while throttled)."""
    try:
        events = srv.client("cloudtrail").lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "LookupEvents"}])["Events"]
    except ClientError as err:
        assert err.response["Error"]["Code"] == "ThrottlingException"
        return None
    return [e for e in events if json.loads(e["CloudTrailEvent"])["sourceIPAddress"] == address]
