"""CloudTrail recording: every authenticated call is one event, field for field as CloudTrail
writes it, for every principal type, success and failure; Event history (LookupEvents) answers
every attribute, time ranges, paging and errors."""

import datetime
import json
import re
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, ALLOW_ALL, ROOT_KEY, allow_role, new_user

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

FIELD_ORDER = [
    "eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
    "sourceIPAddress", "userAgent", "errorCode", "errorMessage", "requestParameters",
    "responseElements", "requestID", "eventID", "readOnly", "resources", "eventType",
    "managementEvent", "recipientAccountId", "eventCategory",
]


def events(srv, **kwargs):
    ct = srv.client("cloudtrail")
    out = []
    for page in ct.get_paginator("lookup_events").paginate(**kwargs):
        out.extend(page["Events"])
    return out


def record_of(srv, event_name, **kwargs):
    found = events(srv, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": event_name}], **kwargs)
    assert found, f"no {event_name} event"
    return found[0], json.loads(found[0]["CloudTrailEvent"])


def normalised(record):
    """The record with ids and times replaced by placeholders, checked for shape first."""
    assert UUID.match(record["eventID"]) and UUID.match(record["requestID"])
    assert TIME.match(record["eventTime"])
    copy = dict(record)
    copy["eventID"] = copy["requestID"] = "<uuid>"
    copy["eventTime"] = "<time>"
    copy["userAgent"] = "<ua>"
    return copy


def make_profile(a4b):
    return a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="1 Main St", DistanceUnit="METRIC",
                              TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]


def test_create_room_by_iam_user_matches_the_documented_record(server):
    key, secret = new_user(server, "Alice")
    user_id = server.client("iam").get_user(UserName="Alice")["User"]["UserId"]
    a4b = server.client("alexaforbusiness", key, secret)
    profile = make_profile(a4b)
    response = a4b.create_room(RoomName="Lobby", ProfileArn=profile, ClientRequestToken="token-abcdefghij")
    room = response["RoomArn"]
    event, record = record_of(server, "CreateRoom")
    assert record["requestID"] == response["ResponseMetadata"]["RequestId"]
    assert list(record) == [f for f in FIELD_ORDER if f in record]
    assert normalised(record) == {
        "eventVersion": "1.10",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": user_id,
            "arn": f"arn:aws:iam::{ACCOUNT}:user/Alice",
            "accountId": ACCOUNT,
            "accessKeyId": key,
            "userName": "Alice",
        },
        "eventTime": "<time>",
        "eventSource": "a4b.amazonaws.com",
        "eventName": "CreateRoom",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "127.0.0.1",
        "userAgent": "<ua>",
        "requestParameters": {"roomName": "Lobby", "profileArn": profile, "clientRequestToken": "token-abcdefghij"},
        "responseElements": {"roomArn": room},
        "requestID": "<uuid>",
        "eventID": "<uuid>",
        "readOnly": False,
        "resources": [
            {"ARN": profile, "accountId": ACCOUNT, "type": "AWS::A4B::Profile"},
            {"ARN": room, "accountId": ACCOUNT, "type": "AWS::A4B::Room"},
        ],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    assert record["userAgent"].startswith("Boto3/1.34.110")
    assert event["EventId"] == record["eventID"]
    assert event["Username"] == "Alice"
    assert event["AccessKeyId"] == key
    assert event["ReadOnly"] == "false"
    assert event["EventSource"] == "a4b.amazonaws.com"
    assert isinstance(event["EventTime"], datetime.datetime)
    assert event["Resources"] == [
        {"ResourceType": "AWS::A4B::Profile", "ResourceName": profile},
        {"ResourceType": "AWS::A4B::Room", "ResourceName": room},
    ]


def test_failure_records_error_code_and_null_response(server):
    a4b = server.client("alexaforbusiness")
    missing = f"arn:aws:a4b:us-east-1:{ACCOUNT}:room/{uuid.uuid4().hex}/{uuid.uuid4().hex}"
    with pytest.raises(ClientError):
        a4b.get_room(RoomArn=missing)
    _, record = record_of(server, "GetRoom")
    assert record["errorCode"] == "NotFoundException"
    assert missing in record["errorMessage"]
    assert record["responseElements"] is None
    assert record["requestParameters"] == {"roomArn": missing}
    assert record["readOnly"] is True
    assert record["resources"] == [{"ARN": missing, "accountId": ACCOUNT, "type": "AWS::A4B::Room"}]
    with pytest.raises(ClientError):
        a4b.create_room(RoomName="x" * 101)
    _, record = record_of(server, "CreateRoom")
    assert record["errorCode"] == "ValidationException"
    assert "roomName" in record["errorMessage"]
    assert record["requestParameters"]["roomName"] == "x" * 101


def test_read_only_calls_log_no_response_elements(server):
    a4b = server.client("alexaforbusiness")
    profile = make_profile(a4b)
    a4b.get_profile(ProfileArn=profile)
    _, record = record_of(server, "GetProfile")
    assert record["readOnly"] is True and record["responseElements"] is None
    assert record["resources"] == [{"ARN": profile, "accountId": ACCOUNT, "type": "AWS::A4B::Profile"}]


def test_root_and_assumed_role_and_federated_identities(server):
    iam = server.client("iam")
    trust = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT},
                                       "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"]}]})
    role = iam.create_role(RoleName="Auditor", AssumeRolePolicyDocument=trust)["Role"]
    allow_role(server, "Auditor")
    creds = server.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="s-1", SourceIdentity="carol")["Credentials"]
    as_role = server.client("alexaforbusiness", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    as_role.search_rooms()
    event, record = record_of(server, "SearchRooms")
    identity = record["userIdentity"]
    assert identity["type"] == "AssumedRole"
    assert identity["principalId"] == f"{role['RoleId']}:s-1"
    assert identity["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Auditor/s-1"
    assert identity["accessKeyId"] == creds["AccessKeyId"]
    assert "userName" not in identity
    ctx = identity["sessionContext"]
    assert ctx["sessionIssuer"] == {"type": "Role", "principalId": role["RoleId"], "arn": role["Arn"],
                                    "accountId": ACCOUNT, "userName": "Auditor"}
    assert ctx["webIdFederationData"] == {}
    assert ctx["attributes"]["mfaAuthenticated"] == "false"
    assert TIME.match(ctx["attributes"]["creationDate"])
    assert ctx["sourceIdentity"] == "carol"
    assert event["Username"] == "s-1"

    _, assume = record_of(server, "AssumeRole")
    assert assume["eventSource"] == "sts.amazonaws.com"
    assert assume["readOnly"] is True
    assert assume["userIdentity"]["type"] == "Root"
    assert assume["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert "userName" not in assume["userIdentity"]
    assert assume["responseElements"]["credentials"]["accessKeyId"] == creds["AccessKeyId"]
    assert "secretAccessKey" not in json.dumps(assume["responseElements"])
    assert assume["resources"] == [{"ARN": role["Arn"], "accountId": ACCOUNT, "type": "AWS::IAM::Role"}]

    key, secret = new_user(server, "Dan")
    fed = server.client("sts", key, secret).get_federation_token(Name="fed-dan", Policy=ALLOW_ALL)["Credentials"]
    server.client("alexaforbusiness", fed["AccessKeyId"], fed["SecretAccessKey"], fed["SessionToken"]).search_profiles()
    event, record = record_of(server, "SearchProfiles")
    identity = record["userIdentity"]
    assert identity["type"] == "FederatedUser"
    assert identity["principalId"] == f"{ACCOUNT}:fed-dan"
    assert identity["arn"] == f"arn:aws:sts::{ACCOUNT}:federated-user/fed-dan"
    assert identity["sessionContext"]["sessionIssuer"]["type"] == "IAMUser"
    assert identity["sessionContext"]["sessionIssuer"]["userName"] == "Dan"
    assert event["Username"] == "fed-dan"


def test_iam_events_are_global_in_us_east_1(server):
    server.client("iam", region="eu-west-1").create_user(UserName="Zed")
    _, record = record_of(server, "CreateUser")
    assert record["eventSource"] == "iam.amazonaws.com" and record["awsRegion"] == "us-east-1"
    assert record["requestParameters"] == {"userName": "Zed"}
    assert record["responseElements"]["user"]["userName"] == "Zed"


def test_unauthenticated_and_badly_signed_calls_are_not_recorded(server):
    with pytest.raises(ClientError):
        server.client("alexaforbusiness", secret="wrong").search_rooms()
    with pytest.raises(ClientError):
        server.client("alexaforbusiness", key="AKIANOBODY0000000000").search_rooms()
    names = [e["EventName"] for e in events(server)]
    assert "SearchRooms" not in names


def test_lookup_by_every_attribute(server):
    key, secret = new_user(server, "Eve")
    a4b = server.client("alexaforbusiness", key, secret)
    profile = make_profile(a4b)
    room = a4b.create_room(RoomName="Lab", ProfileArn=profile)["RoomArn"]
    _, created = record_of(server, "CreateRoom")
    cases = {
        "EventId": created["eventID"],
        "EventName": "CreateRoom",
        "EventSource": "a4b.amazonaws.com",
        "Username": "Eve",
        "AccessKeyId": key,
        "ReadOnly": "false",
        "ResourceType": "AWS::A4B::Room",
        "ResourceName": room,
    }
    for attr, value in cases.items():
        found = events(server, LookupAttributes=[{"AttributeKey": attr, "AttributeValue": value}])
        assert created["eventID"] in [e["EventId"] for e in found], attr
        for e in found:
            record = json.loads(e["CloudTrailEvent"])
            if attr == "EventSource":
                assert record["eventSource"] == value
            if attr == "ReadOnly":
                assert e["ReadOnly"] == "false"
            if attr == "Username":
                assert e["Username"] == "Eve"
    reads = events(server, LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "true"}])
    assert reads and all(e["ReadOnly"] == "true" for e in reads)


def test_time_ranges(server):
    server.client("sts").get_caller_identity()
    now = datetime.datetime.now(datetime.timezone.utc)
    assert events(server, StartTime=now - datetime.timedelta(minutes=5), EndTime=now + datetime.timedelta(minutes=1))
    assert events(server, StartTime=now - datetime.timedelta(days=2), EndTime=now - datetime.timedelta(days=1)) == []
    assert events(server, StartTime=now + datetime.timedelta(minutes=5)) == []


def test_paging_hundreds_without_gap_or_duplicate(server):
    sts = server.client("sts")
    for _ in range(230):
        sts.get_caller_identity()
    ct = server.client("cloudtrail")
    attrs = [{"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}]
    ids, token = [], None
    while True:
        kwargs = {"LookupAttributes": attrs, "MaxResults": 17}
        if token:
            kwargs["NextToken"] = token
        page = ct.lookup_events(**kwargs)
        assert len(page["Events"]) <= 17
        ids.extend(e["EventId"] for e in page["Events"])
        token = page.get("NextToken")
        if not token:
            break
    assert len(ids) == 230 and len(set(ids)) == 230
    times = [e["EventTime"] for e in events(server, LookupAttributes=attrs)]
    assert times == sorted(times, reverse=True)


def test_lookup_errors(server):
    ct = server.client("cloudtrail")

    def error_of(**kwargs):
        with pytest.raises(ClientError) as err:
            ct.lookup_events(**kwargs)
        return err.value.response["Error"]["Code"]

    two = [{"AttributeKey": "EventName", "AttributeValue": "a"}, {"AttributeKey": "Username", "AttributeValue": "b"}]
    assert error_of(LookupAttributes=two) == "InvalidLookupAttributesException"
    assert error_of(LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "maybe"}]) == "InvalidLookupAttributesException"
    now = datetime.datetime.now(datetime.timezone.utc)
    assert error_of(StartTime=now, EndTime=now - datetime.timedelta(hours=1)) == "InvalidTimeRangeException"
    assert error_of(MaxResults=51) == "InvalidMaxResultsException"
    assert error_of(NextToken="not-a-token") == "InvalidNextTokenException"
    for _ in range(3):
        server.client("sts").get_caller_identity()
    token = ct.lookup_events(MaxResults=1)["NextToken"]
    assert error_of(MaxResults=1, NextToken=token,
                    LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "x"}]) == "InvalidNextTokenException"
    _, record = record_of(server, "LookupEvents")
    assert record["eventSource"] == "cloudtrail.amazonaws.com" and record["readOnly"] is True


def test_lookup_events_throttle_when_configured(tmp_path):
    from conftest import Server

    config = tmp_path / "trailroom.toml"
    config.write_text("lookup_events_rate_limit = 2.0\n")
    srv = Server(str(tmp_path / "data"), ["--config", str(config)]).start()
    try:
        ct = srv.client("cloudtrail")
        codes = []
        for _ in range(6):
            try:
                ct.lookup_events(MaxResults=1)
                codes.append("ok")
            except ClientError as err:
                codes.append(err.response["Error"]["Code"])
        assert codes[:2] == ["ok", "ok"]
        assert "ThrottlingException" in codes
    finally:
        srv.stop()
