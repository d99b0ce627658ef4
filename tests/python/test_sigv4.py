"""Every SigV4 failure, as a real client or a raw HTTP request meets it."""

import datetime
from unittest import mock

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import ROOT_KEY, ROOT_SECRET

BODY = "Action=GetCallerIdentity&Version=2011-06-15"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def signed_headers(endpoint, body, secret=ROOT_SECRET, when=None, service="sts", extra=None):
    request = AWSRequest(method="POST", url=endpoint + "/", data=body, headers={**FORM, **(extra or {})})
    auth = SigV4Auth(Credentials(ROOT_KEY, secret), service, "us-east-1")
    if when is None:
        auth.add_auth(request)
    else:
        with mock.patch("botocore.auth.datetime") as fake:
            fake.datetime.utcnow.return_value = when
            fake.datetime.now.return_value = when
            auth.add_auth(request)
    return dict(request.headers)


def test_wrong_secret_is_403_signature_does_not_match(shared_server):
    with pytest.raises(ClientError) as err:
        shared_server.client("sts", secret="wrong").get_caller_identity()
    assert err.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_key_is_invalid_client_token_id(shared_server):
    with pytest.raises(ClientError) as err:
        shared_server.client("sts", key="AKIAUNKNOWNKEY000000").get_caller_identity()
    assert err.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_no_signature_is_missing_authentication_token(shared_server):
    r = requests.post(shared_server.endpoint + "/", data=BODY, headers=FORM)
    assert r.status_code == 403
    assert "<Code>MissingAuthenticationToken</Code>" in r.text
    assert r.headers["x-amzn-RequestId"]


def test_malformed_authorization_is_incomplete_signature(shared_server):
    headers = {**FORM, "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/2026", "X-Amz-Date": "20260101T000000Z"}
    r = requests.post(shared_server.endpoint + "/", data=BODY, headers=headers)
    assert r.status_code == 400
    assert "<Code>IncompleteSignature</Code>" in r.text


def test_clock_skew_over_15_minutes_is_refused(shared_server):
    when = datetime.datetime.utcnow() - datetime.timedelta(minutes=16)
    r = requests.post(shared_server.endpoint + "/", data=BODY, headers=signed_headers(shared_server.endpoint, BODY, when=when))
    assert r.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in r.text
    assert "Signature expired" in r.text


def test_tampered_body_is_refused(shared_server):
    headers = signed_headers(shared_server.endpoint, BODY)
    r = requests.post(shared_server.endpoint + "/", data=BODY + "&x=1", headers=headers)
    assert r.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in r.text


def test_valid_manual_signature_passes(shared_server):
    r = requests.post(shared_server.endpoint + "/", data=BODY, headers=signed_headers(shared_server.endpoint, BODY))
    assert r.status_code == 200, r.text
    assert "<Arn>arn:aws:iam::123456789012:root</Arn>" in r.text
    assert r.headers["Date"]


def test_presigned_get_caller_identity(shared_server):
    sts = shared_server.client("sts")
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
    r = requests.get(url)
    assert r.status_code == 200, r.text
    assert "<Account>123456789012</Account>" in r.text


def test_oversized_body_is_refused_cleanly(shared_server):
    r = requests.post(shared_server.endpoint + "/", data="x" * (9 * 1024 * 1024), headers=FORM)
    assert r.status_code == 413
