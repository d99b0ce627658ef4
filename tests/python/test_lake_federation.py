"""Lake query federation through boto3: EnableFederation and DisableFederation on an event data
store, the state GetEventDataStore shows, and AWS's rules (an existing IAM role of the account,
an active store, no deletion while federated).

The pinned clients predate federation: this module runs with the current boto3 (scripts/test).
"""

import json

import botocore.session
import pytest

from conftest import ACCOUNT, error_of

if "EnableFederation" not in botocore.session.get_session().get_service_model("cloudtrail").operation_names:
    pytest.skip("this botocore predates Lake query federation", allow_module_level=True)

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def test_federation_is_enabled_shown_and_guards_deletion(server):
    ct = server.client("cloudtrail")
    role = server.client("iam").create_role(RoleName="lake-federation", Path="/service/",
                                            AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    store = ct.create_event_data_store(Name="federated", TerminationProtectionEnabled=False)["EventDataStoreArn"]
    assert ct.get_event_data_store(EventDataStore=store)["FederationStatus"] == "DISABLED"

    for bad in ["not-an-arn", f"arn:aws:iam::{ACCOUNT}:user/alice", "arn:aws:iam::444455556666:role/lake-federation",
                f"arn:aws:iam::{ACCOUNT}:role/missing"]:
        code, status, _ = error_of(ct.enable_federation, EventDataStore=store, FederationRoleArn=bad)
        assert (code, status) == ("InvalidParameterException", 400), bad
    assert error_of(ct.enable_federation, EventDataStore="00000000-0000-4000-8000-000000000000",
                    FederationRoleArn=role)[0] == "EventDataStoreNotFoundException"

    enabled = ct.enable_federation(EventDataStore=store, FederationRoleArn=role)
    assert enabled == {**enabled, "EventDataStoreArn": store, "FederationStatus": "ENABLED", "FederationRoleArn": role}
    got = ct.get_event_data_store(EventDataStore=store.rsplit("/", 1)[1])
    assert (got["FederationStatus"], got["FederationRoleArn"]) == ("ENABLED", role)
    assert error_of(ct.delete_event_data_store, EventDataStore=store)[0] == "EventDataStoreFederationEnabledException"

    disabled = ct.disable_federation(EventDataStore=store)
    assert (disabled["EventDataStoreArn"], disabled["FederationStatus"]) == (store, "DISABLED")
    got = ct.get_event_data_store(EventDataStore=store)
    assert got["FederationStatus"] == "DISABLED" and "FederationRoleArn" not in got
    ct.delete_event_data_store(EventDataStore=store)
    assert error_of(ct.enable_federation, EventDataStore=store,
                    FederationRoleArn=role)[0] == "InactiveEventDataStoreException"

    events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "EnableFederation"}])
    assert [e["Resources"] for e in events["Events"] if "errorCode" not in json.loads(e["CloudTrailEvent"])] == [
        [{"ResourceType": "AWS::CloudTrail::EventDataStore", "ResourceName": store}]]
