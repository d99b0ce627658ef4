"""Protocol edge cases on the JSON 1.1 path: malformed bodies, unknown targets, wrong content,
request ids; never a 500."""

import json

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ROOT_KEY, ROOT_SECRET


def signed_post(srv, target, body, service="a4b"):
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
    request = AWSRequest(method="POST", url=srv.endpoint + "/", data=body, headers=headers)
    SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), service, "us-east-1").add_auth(request)
    return requests.post(srv.endpoint + "/", data=body, headers=dict(request.headers))


def test_malformed_json_is_serialization_exception(shared_server):
    r = signed_post(shared_server, "AlexaForBusiness.CreateRoom", "{not json")
    assert r.status_code == 400
    assert r.headers["x-amzn-ErrorType"] == "SerializationException"
    assert r.json()["__type"] == "SerializationException"
    assert r.headers["x-amzn-RequestId"]


def test_wrong_member_type_is_serialization_exception(shared_server):
    r = signed_post(shared_server, "AlexaForBusiness.SearchRooms", json.dumps({"MaxResults": "ten"}))
    assert r.status_code == 400 and r.json()["__type"] == "SerializationException"


def test_unknown_operation_and_unknown_service(shared_server):
    r = signed_post(shared_server, "AlexaForBusiness.MakeCoffee", "{}")
    assert r.status_code == 400 and r.json()["__type"] == "UnknownOperationException"
    r = signed_post(shared_server, "Nope_20200101.DoIt", "{}")
    assert r.status_code == 400 and r.json()["__type"] == "UnknownOperationException"


def test_both_cloudtrail_target_forms_are_accepted(shared_server):
    for target in ["com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
                   "CloudTrail_20131101.LookupEvents"]:
        r = signed_post(shared_server, target, "{}", service="cloudtrail")
        assert r.status_code == 200, r.text
        assert "Events" in r.json()


def test_empty_body_means_empty_input(shared_server):
    r = signed_post(shared_server, "AlexaForBusiness.SearchRooms", "")
    assert r.status_code == 200 and r.json()["TotalCount"] == 0



def test_health_endpoint(shared_server):
    r = requests.get(shared_server.endpoint + "/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    # The node's role: its name and the once-per-cluster work it holds.
    assert r.json()["node"] and isinstance(r.json()["leases"], list)
