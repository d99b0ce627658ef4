"""One call per A4B resource family: the recorded event's `resources` (types and ARNs, request
ARNs first, then the ARN the call created) and `readOnly`, and redaction of sensitive members."""

import json

import pytest

from conftest import ACCOUNT, admin


def last_record(srv, name):
    ct = srv.client("cloudtrail")
    events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}],
                              MaxResults=1)["Events"]
    assert events, f"no {name} event"
    return json.loads(events[0]["CloudTrailEvent"])


def resources(record):
    return [(r["type"], r["ARN"]) for r in record.get("resources", [])]


@pytest.fixture(scope="module")
def env(shared_server):
    a4b = shared_server.client("alexaforbusiness")
    profile = a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                                 TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]
    room = a4b.create_room(RoomName="Lobby", ProfileArn=profile)["RoomArn"]
    return shared_server, a4b, profile, room


def test_skill_group_create_and_get(env):
    srv, a4b, _, room = env
    group = a4b.create_skill_group(SkillGroupName="Office")["SkillGroupArn"]
    record = last_record(srv, "CreateSkillGroup")
    assert record["readOnly"] is False and resources(record) == [("AWS::A4B::SkillGroup", group)]
    a4b.get_skill_group(SkillGroupArn=group)
    record = last_record(srv, "GetSkillGroup")
    assert record["readOnly"] is True and record["responseElements"] is None
    assert resources(record) == [("AWS::A4B::SkillGroup", group)]
    a4b.associate_skill_group_with_room(SkillGroupArn=group, RoomArn=room)
    record = last_record(srv, "AssociateSkillGroupWithRoom")
    assert resources(record) == [("AWS::A4B::SkillGroup", group), ("AWS::A4B::Room", room)]


def test_device_association(env):
    srv, a4b, _, room = env
    device = admin(srv, "import-device", DeviceName="Echo", DeviceSerialNumber="G0900000000000A1",
                   DeviceType="A3S5BH2HU6VAYF")["DeviceArn"]
    a4b.associate_device_with_room(DeviceArn=device, RoomArn=room)
    record = last_record(srv, "AssociateDeviceWithRoom")
    assert record["readOnly"] is False
    assert resources(record) == [("AWS::A4B::Device", device), ("AWS::A4B::Room", room)]


def test_user_address_book_contact_provider_gateway_group_schedule(env):
    srv, a4b, _, _ = env
    cases = [
        ("CreateUser", lambda: a4b.create_user(UserId="u1@example.com")["UserArn"], "AWS::A4B::User"),
        ("CreateAddressBook", lambda: a4b.create_address_book(Name="Book")["AddressBookArn"], "AWS::A4B::AddressBook"),
        ("CreateContact", lambda: a4b.create_contact(DisplayName="Ada", FirstName="Ada", PhoneNumber="+15550100")["ContactArn"],
         "AWS::A4B::Contact"),
        ("CreateConferenceProvider", lambda: a4b.create_conference_provider(
            ConferenceProviderName="Zoom", ConferenceProviderType="ZOOM",
            MeetingSetting={"RequirePin": "NO"})["ConferenceProviderArn"], "AWS::A4B::ConferenceProvider"),
        ("CreateGatewayGroup", lambda: a4b.create_gateway_group(Name="GG")["GatewayGroupArn"], "AWS::A4B::GatewayGroup"),
        ("CreateBusinessReportSchedule", lambda: a4b.create_business_report_schedule(
            Format="CSV", ContentRange={"Interval": "ONE_DAY"})["ScheduleArn"], "AWS::A4B::BusinessReportSchedule"),
    ]
    for name, call, kind in cases:
        arn = call()
        record = last_record(srv, name)
        assert record["readOnly"] is False, name
        assert resources(record) == [(kind, arn)], name
        assert record["responseElements"], name


def test_network_profile_passwords_are_redacted(env):
    srv, a4b, _, _ = env
    arn = a4b.create_network_profile(NetworkProfileName="Wifi", Ssid="corp", SecurityType="WPA2_PSK",
                                     CurrentPassword="hunter2secret")["NetworkProfileArn"]
    record = last_record(srv, "CreateNetworkProfile")
    assert record["requestParameters"]["currentPassword"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert "hunter2secret" not in json.dumps(record)
    assert resources(record) == [("AWS::A4B::NetworkProfile", arn)]


def test_tagging_names_the_tagged_resource(env):
    srv, a4b, _, room = env
    a4b.tag_resource(Arn=room, Tags=[{"Key": "floor", "Value": "1"}])
    record = last_record(srv, "TagResource")
    assert resources(record) == [("AWS::A4B::Room", room)] and record["readOnly"] is False
    a4b.list_tags(Arn=room)
    record = last_record(srv, "ListTags")
    assert record["readOnly"] is True and resources(record) == [("AWS::A4B::Room", room)]
