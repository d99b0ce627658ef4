"""Devices through the pinned boto3: every device operation with its errors, the admin surface
that stands in for hardware (import, connection, status, events), the device status machine,
the 10-devices-per-room quota, search filters/sorting/paging and device events."""

import json
import time
import uuid

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ACCOUNT, ROOT_KEY, ROOT_SECRET, admin, expect

ECHO_TYPE = "A3VRME03NAXFUB"
CA_ARN = f"arn:aws:acm-pca:us-east-1:{ACCOUNT}:certificate-authority/11111111-2222-3333-4444-555555555555"
TRUST_ANCHOR = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZ3Jvb3Q=\n-----END CERTIFICATE-----\n"


def admin_raw(srv, action, **args):
    """An admin call whose failure the test wants to see: returns (status, decoded body)."""
    url = f"{srv.endpoint}/admin/a4b/{action}"
    body = json.dumps(args)
    request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), "trailroom", "us-east-1").add_auth(request)
    response = requests.post(url, data=body, headers=dict(request.headers))
    return response.status_code, response.json()


def serial():
    return uuid.uuid4().hex[:16].upper()


def import_device(srv, name="Echo", **args):
    args.setdefault("DeviceSerialNumber", serial())
    args.setdefault("DeviceType", ECHO_TYPE)
    return admin(srv, "import-device", DeviceName=name, **args)["DeviceArn"]


def make_room(a4b, name="Lobby"):
    if not a4b.search_profiles()["Profiles"]:
        a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="1 Main St", DistanceUnit="METRIC",
                           TemperatureUnit="CELSIUS", WakeWord="ALEXA")
    return a4b.create_room(RoomName=name)["RoomArn"]


def register(a4b, dsn=None, **args):
    request = dict(ClientId="amzn1.application-oa2-client.abc", UserCode="ABCD12", ProductId="A4B_AVS_CRS_PROD",
                   AmazonId="A2DVC292SX6TG0", **args)
    if dsn:
        request["DeviceSerialNumber"] = dsn
    return a4b.register_avs_device(**request)["DeviceArn"]


def deregister(srv, arn):
    admin(srv, "set-device-status", DeviceArn=arn, DeviceStatus="DEREGISTERED")


def get(a4b, arn):
    return a4b.get_device(DeviceArn=arn)["Device"]


# --- admin surface and GetDevice -------------------------------------------------------------

def test_imported_device_has_every_member(server, a4b):
    room = make_room(a4b)
    arn = import_device(server, "Front desk", DeviceSerialNumber="G090LF0964", RoomArn=room,
                        MacAddress="74:c2:46:12:34:56", SoftwareVersion="6.5.2")
    assert arn.startswith(f"arn:aws:a4b:us-east-1:{ACCOUNT}:device/")
    org, device_id = arn.split("device/")[1].split("/")
    assert len(org) == 32 and len(device_id) == 32 and ":" not in device_id
    device = get(a4b, arn)
    assert device["DeviceArn"] == arn
    assert device["DeviceName"] == "Front desk"
    assert device["DeviceSerialNumber"] == "G090LF0964"
    assert device["DeviceType"] == ECHO_TYPE
    assert device["SoftwareVersion"] == "6.5.2"
    assert device["MacAddress"] == "74:c2:46:12:34:56"
    assert device["RoomArn"] == room
    assert device["DeviceStatus"] == "READY"
    assert device["DeviceStatusInfo"]["ConnectionStatus"] == "ONLINE"
    assert device["DeviceStatusInfo"]["DeviceStatusDetails"] == []
    assert "ConnectionStatusUpdatedTime" in device["DeviceStatusInfo"]


def test_get_device_errors(server, a4b):
    arn = import_device(server)
    expect("NotFoundException", a4b.get_device, DeviceArn=arn[:-4] + "0000")
    expect("NotFoundException", a4b.get_device, DeviceArn=arn.replace("device/", "room/"))
    expect("NotFoundException", a4b.get_device, DeviceArn=arn.replace(ACCOUNT, "210987654321"))
    expect("ValidationException", a4b.get_device)


def test_admin_import_validates(server, a4b):
    room = make_room(a4b)
    assert admin_raw(server, "import-device", DeviceName="x", DeviceSerialNumber="S1", DeviceType=ECHO_TYPE)[0] == 400
    missing_room = room[:-4] + "0000"
    code_, body = admin_raw(server, "import-device", DeviceName="Echo", DeviceSerialNumber="S1",
                            DeviceType=ECHO_TYPE, RoomArn=missing_room)
    assert code_ == 400 and "NotFound" in json.dumps(body)
    import_device(server, DeviceSerialNumber="S1", AlexaUserId="amzn1.ask.account.ONE")
    code_, body = admin_raw(server, "import-device", DeviceName="Echo", DeviceSerialNumber="S1", DeviceType=ECHO_TYPE)
    assert code_ == 400 and "AlreadyExists" in json.dumps(body)
    code_, _ = admin_raw(server, "import-device", DeviceName="Echo", DeviceSerialNumber="S2", DeviceType=ECHO_TYPE,
                         AlexaUserId="amzn1.ask.account.ONE")
    assert code_ == 400
    code_, _ = admin_raw(server, "set-device-connection", DeviceArn=import_device(server), ConnectionStatus="MAYBE")
    assert code_ == 400


# --- RegisterAVSDevice ---------------------------------------------------------------------------

def test_register_avs_device(server, a4b):
    room = make_room(a4b)
    arn = register(a4b, dsn="DSN0000123", RoomArn=room, Tags=[{"Key": "team", "Value": "oem"}])
    assert arn.startswith(f"arn:aws:a4b:us-east-1:{ACCOUNT}:device/") and arn.endswith(":A2DVC292SX6TG0")
    device = get(a4b, arn)
    assert device["DeviceType"] == "A4B_AVS_CRS_PROD:A2DVC292SX6TG0"
    assert device["DeviceSerialNumber"] == "DSN0000123"
    assert device["DeviceName"] == "A4B_AVS_CRS_PROD:A2DVC292SX6TG0-123"
    assert device["SoftwareVersion"] == "1.0.0"
    assert device["RoomArn"] == room
    assert device["DeviceStatus"] == "READY"
    assert device["DeviceStatusInfo"]["ConnectionStatus"] == "ONLINE"
    assert a4b.list_tags(Arn=arn)["Tags"] == [{"Key": "team", "Value": "oem"}]
    # The device-maker sample finds its device by type and serial number.
    found = a4b.search_devices(Filters=[{"Key": "DeviceType", "Values": ["A4B_AVS_CRS_PROD:A2DVC292SX6TG0"]},
                                        {"Key": "DeviceSerialNumber", "Values": ["DSN0000123"]}])
    assert [d["DeviceArn"] for d in found["Devices"]] == [arn]
    # Registering the same device again answers with the same ARN.
    assert register(a4b, dsn="DSN0000123") == arn
    assert a4b.search_devices()["TotalCount"] == 1
    # Without a serial number one is made up: 20 upper-case letters and digits.
    other = get(a4b, register(a4b))
    assert len(other["DeviceSerialNumber"]) == 20 and other["DeviceSerialNumber"].isalnum()
    assert other["DeviceSerialNumber"].upper() == other["DeviceSerialNumber"]


def test_register_avs_device_errors(server, a4b):
    room = make_room(a4b)
    expect("InvalidDeviceException", a4b.register_avs_device, ClientId="client", UserCode="INVALID-1",
           ProductId="P", AmazonId="A1")
    expect("NotFoundException", a4b.register_avs_device, ClientId="client", UserCode="U", ProductId="P",
           AmazonId="A1", RoomArn=room[:-4] + "0000")
    expect("ValidationException", a4b.register_avs_device, ClientId="client", UserCode="U", ProductId="bad-id!",
           AmazonId="A1")
    for _ in range(10):
        register(a4b, RoomArn=room)
    expect("LimitExceededException", a4b.register_avs_device, ClientId="client", UserCode="U", ProductId="P",
           AmazonId="A1", RoomArn=room)
    assert a4b.search_devices()["TotalCount"] == 10


def test_reset_avs_device_registers_again(server, a4b):
    arn = register(a4b, dsn="DSN42")
    deregister(server, arn)
    assert get(a4b, arn)["DeviceStatus"] == "DEREGISTERED"
    assert register(a4b, dsn="DSN42") == arn
    assert get(a4b, arn)["DeviceStatus"] == "READY"


# --- UpdateDevice / DeleteDevice -----------------------------------------------------------------

def test_update_device(server, a4b):
    arn = register(a4b, dsn="DSN1")
    a4b.update_device(DeviceArn=arn, DeviceName="Reception")
    assert get(a4b, arn)["DeviceName"] == "Reception"
    a4b.update_device(DeviceArn=arn)
    assert get(a4b, arn)["DeviceName"] == "Reception"
    expect("ValidationException", a4b.update_device, DeviceName="Reception")
    expect("NotFoundException", a4b.update_device, DeviceArn=arn[:-20] + "0" * 20, DeviceName="Other")
    deregister(server, arn)
    expect("DeviceNotRegisteredException", a4b.update_device, DeviceArn=arn, DeviceName="Other")


def test_delete_device(server, a4b):
    arn = import_device(server)
    a4b.tag_resource(Arn=arn, Tags=[{"Key": "k", "Value": "v"}])
    deregister(server, arn)
    a4b.delete_device(DeviceArn=arn)
    expect("NotFoundException", a4b.get_device, DeviceArn=arn)
    expect("NotFoundException", a4b.delete_device, DeviceArn=arn)
    expect("NotFoundException", a4b.list_tags, Arn=arn)
    assert a4b.search_devices()["Devices"] == []


# --- rooms ---------------------------------------------------------------------------------------

def test_associate_and_disassociate_room(server, a4b):
    lobby, office = make_room(a4b, "Lobby"), make_room(a4b, "Office")
    arn = import_device(server)
    a4b.associate_device_with_room(DeviceArn=arn, RoomArn=lobby)
    assert get(a4b, arn)["RoomArn"] == lobby
    a4b.associate_device_with_room(DeviceArn=arn, RoomArn=lobby)
    a4b.associate_device_with_room(DeviceArn=arn, RoomArn=office)
    assert get(a4b, arn)["RoomArn"] == office
    # Online devices take the change at once.
    assert get(a4b, arn)["DeviceStatus"] == "READY"
    a4b.disassociate_device_from_room(DeviceArn=arn)
    assert "RoomArn" not in get(a4b, arn)
    a4b.disassociate_device_from_room(DeviceArn=arn)
    # The event names the device and the room it left.
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "DisassociateDeviceFromRoom"}])["Events"]
    names = {r["ResourceName"] for r in events[-1]["Resources"]}
    assert names == {arn, office}


def test_room_association_errors(server, a4b):
    room = make_room(a4b)
    arn = import_device(server)
    expect("NotFoundException", a4b.associate_device_with_room, DeviceArn=arn, RoomArn=room[:-4] + "0000")
    expect("NotFoundException", a4b.associate_device_with_room, DeviceArn=arn[:-4] + "0000", RoomArn=room)
    expect("ValidationException", a4b.associate_device_with_room, DeviceArn=arn)
    expect("ValidationException", a4b.disassociate_device_from_room)
    expect("NotFoundException", a4b.disassociate_device_from_room, DeviceArn=arn[:-4] + "0000")
    deregister(server, arn)
    expect("DeviceNotRegisteredException", a4b.associate_device_with_room, DeviceArn=arn, RoomArn=room)
    expect("DeviceNotRegisteredException", a4b.disassociate_device_from_room, DeviceArn=arn)


def test_a_room_holds_ten_devices(server, a4b):
    room, spare = make_room(a4b, "Full"), make_room(a4b, "Spare")
    devices = [import_device(server, f"Echo {i}", RoomArn=room) for i in range(10)]
    extra = import_device(server, "Extra")
    expect("LimitExceededException", a4b.associate_device_with_room, DeviceArn=extra, RoomArn=room)
    # Re-associating a member is not an eleventh device.
    a4b.associate_device_with_room(DeviceArn=devices[0], RoomArn=room)
    a4b.associate_device_with_room(DeviceArn=devices[0], RoomArn=spare)
    a4b.associate_device_with_room(DeviceArn=extra, RoomArn=room)
    code_, _ = admin_raw(server, "import-device", DeviceName="More", DeviceSerialNumber="M1",
                         DeviceType=ECHO_TYPE, RoomArn=room)
    assert code_ == 400


def test_offline_device_needs_a_sync_after_a_room_change(server, a4b):
    room = make_room(a4b)
    arn = import_device(server)
    admin(server, "set-device-connection", DeviceArn=arn, ConnectionStatus="OFFLINE")
    a4b.associate_device_with_room(DeviceArn=arn, RoomArn=room)
    device = get(a4b, arn)
    assert device["DeviceStatus"] == "WAS_OFFLINE"
    assert device["DeviceStatusInfo"]["DeviceStatusDetails"] == [{"Feature": "SETTINGS", "Code": "DEVICE_WAS_OFFLINE"}]
    found = a4b.search_devices(Filters=[{"Key": "DeviceStatusDetailCode", "Values": ["DEVICE_WAS_OFFLINE"]}])
    assert [d["DeviceArn"] for d in found["Devices"]] == [arn]
    admin(server, "set-device-connection", DeviceArn=arn, ConnectionStatus="ONLINE")
    assert get(a4b, arn)["DeviceStatus"] == "WAS_OFFLINE"
    a4b.start_device_sync(DeviceArn=arn, Features=["SETTINGS"])
    device = get(a4b, arn)
    assert device["DeviceStatus"] == "READY" and device["DeviceStatusInfo"]["DeviceStatusDetails"] == []


def test_deleting_a_room_unassigns_its_devices(server, a4b):
    room = make_room(a4b)
    arns = [import_device(server, f"Echo {i}", RoomArn=room) for i in range(3)]
    a4b.delete_room(RoomArn=room)
    for arn in arns:
        device = get(a4b, arn)
        assert "RoomArn" not in device and device["DeviceStatus"] == "READY"
    assert a4b.search_devices(Filters=[{"Key": "UnassociatedOnly", "Values": ["true"]}])["TotalCount"] == 3
    a4b.associate_device_with_room(DeviceArn=arns[0], RoomArn=make_room(a4b, "New"))


def test_resolve_room_follows_the_mapped_device(server, a4b):
    skill = "amzn1.ask.skill.e4af5b7a-6c3c-4f5a-9b7f-5e9c2a6f1d15"
    a4b.approve_skill(SkillId=skill)
    group = a4b.create_skill_group(SkillGroupName="Help")["SkillGroupArn"]
    a4b.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=skill)
    room = make_room(a4b, "Help desk")
    a4b.associate_skill_group_with_room(SkillGroupArn=group, RoomArn=room)
    user = "amzn1.ask.account.AGF3XYZ"
    arn = import_device(server, AlexaUserId=user)
    expect("NotFoundException", a4b.resolve_room, UserId=user, SkillId=skill)
    a4b.associate_device_with_room(DeviceArn=arn, RoomArn=room)
    assert a4b.resolve_room(UserId=user, SkillId=skill)["RoomArn"] == room
    avs = register(a4b, dsn="DSN9")
    admin(server, "map-alexa-user", DeviceArn=avs, AlexaUserId="amzn1.ask.account.OEM")
    a4b.associate_device_with_room(DeviceArn=avs, RoomArn=room)
    assert a4b.resolve_room(UserId="amzn1.ask.account.OEM", SkillId=skill)["RoomName"] == "Help desk"
    deregister(server, arn)
    expect("NotFoundException", a4b.resolve_room, UserId=user, SkillId=skill)


# --- network profiles ----------------------------------------------------------------------------

def test_associate_device_with_network_profile(server, a4b):
    psk = a4b.create_network_profile(NetworkProfileName="Guest", Ssid="guest", SecurityType="WPA2_PSK",
                                     CurrentPassword="password1")["NetworkProfileArn"]
    enterprise = a4b.create_network_profile(
        NetworkProfileName="Corp", Ssid="corp", SecurityType="WPA2_ENTERPRISE", EapMethod="EAP_TLS",
        CertificateAuthorityArn=CA_ARN, TrustAnchors=[TRUST_ANCHOR])["NetworkProfileArn"]
    arn = import_device(server)
    a4b.associate_device_with_network_profile(DeviceArn=arn, NetworkProfileArn=psk)
    assert get(a4b, arn)["NetworkProfileInfo"] == {"NetworkProfileArn": psk}
    a4b.associate_device_with_network_profile(DeviceArn=arn, NetworkProfileArn=enterprise)
    info = get(a4b, arn)["NetworkProfileInfo"]
    assert info["NetworkProfileArn"] == enterprise
    assert info["CertificateArn"].startswith(CA_ARN + "/certificate/")
    days = (info["CertificateExpirationTime"].timestamp() - time.time()) / 86400
    assert 360 < days < 370
    found = a4b.search_devices(Filters=[{"Key": "NetworkProfileName", "Values": ["corp"]}])["Devices"]
    assert [(d["DeviceArn"], d["NetworkProfileArn"], d["NetworkProfileName"]) for d in found] == [(arn, enterprise, "Corp")]


def test_network_profile_association_errors(server, a4b):
    profile = a4b.create_network_profile(NetworkProfileName="Open", Ssid="open", SecurityType="OPEN")["NetworkProfileArn"]
    arn = import_device(server)
    expect("NotFoundException", a4b.associate_device_with_network_profile, DeviceArn=arn,
           NetworkProfileArn=profile[:-4] + "0000")
    expect("NotFoundException", a4b.associate_device_with_network_profile, DeviceArn=arn[:-4] + "0000",
           NetworkProfileArn=profile)
    deregister(server, arn)
    expect("DeviceNotRegisteredException", a4b.associate_device_with_network_profile, DeviceArn=arn,
           NetworkProfileArn=profile)


def test_offline_device_misses_network_profile_changes(server, a4b):
    profile = a4b.create_network_profile(NetworkProfileName="Guest", Ssid="guest", SecurityType="WPA2_PSK",
                                         CurrentPassword="password1")["NetworkProfileArn"]
    arn = import_device(server, ConnectionStatus="OFFLINE")
    a4b.associate_device_with_network_profile(DeviceArn=arn, NetworkProfileArn=profile)
    assert get(a4b, arn)["DeviceStatusInfo"]["DeviceStatusDetails"] == [
        {"Feature": "NETWORK_PROFILE", "Code": "DEVICE_WAS_OFFLINE"}]
    assert a4b.search_devices(Filters=[{"Key": "Feature", "Values": ["NETWORK_PROFILE"]}])["TotalCount"] == 1


# --- StartDeviceSync -----------------------------------------------------------------------------

def test_start_device_sync(server, a4b):
    room = make_room(a4b)
    online = import_device(server, "Online", RoomArn=room)
    offline = import_device(server, "Offline", RoomArn=room, ConnectionStatus="OFFLINE")
    reset = import_device(server, "Reset", RoomArn=room)
    deregister(server, reset)
    admin(server, "set-device-status", DeviceArn=online, DeviceStatus="FAILED",
          Details=[{"Feature": "VOLUME", "Code": "UNKNOWN_FAILURE"}])
    a4b.start_device_sync(RoomArn=room, Features=["VOLUME", "LISTS"])
    assert get(a4b, online)["DeviceStatus"] == "READY"
    device = get(a4b, offline)
    assert device["DeviceStatus"] == "WAS_OFFLINE"
    assert {d["Feature"] for d in device["DeviceStatusInfo"]["DeviceStatusDetails"]} == {"VOLUME", "LISTS"}
    assert get(a4b, reset)["DeviceStatus"] == "DEREGISTERED"
    admin(server, "set-device-connection", DeviceArn=offline, ConnectionStatus="ONLINE")
    a4b.start_device_sync(DeviceArn=offline, Features=["ALL"])
    assert get(a4b, offline)["DeviceStatus"] == "READY"
    statuses = a4b.list_device_events(DeviceArn=offline, EventType="DEVICE_STATUS")["DeviceEvents"]
    assert [e["Value"] for e in statuses] == ["READY", "WAS_OFFLINE", "READY"]


def test_start_device_sync_errors(server, a4b):
    room = make_room(a4b)
    arn = import_device(server)
    expect("ValidationException", a4b.start_device_sync, Features=["ALL"])
    expect("ValidationException", a4b.start_device_sync, DeviceArn=arn, Features=[])
    expect("ValidationException", a4b.start_device_sync, DeviceArn=arn, Features=["EVERYTHING"])
    expect("NotFoundException", a4b.start_device_sync, DeviceArn=arn[:-4] + "0000", Features=["ALL"])
    expect("NotFoundException", a4b.start_device_sync, RoomArn=room[:-4] + "0000", Features=["ALL"])
    deregister(server, arn)
    expect("DeviceNotRegisteredException", a4b.start_device_sync, DeviceArn=arn, Features=["ALL"])


# --- ListDeviceEvents ----------------------------------------------------------------------------

def test_list_device_events(server, a4b):
    arn = import_device(server)
    admin(server, "set-device-connection", DeviceArn=arn, ConnectionStatus="OFFLINE")
    admin(server, "set-device-connection", DeviceArn=arn, ConnectionStatus="OFFLINE")
    admin(server, "set-device-status", DeviceArn=arn, DeviceStatus="FAILED",
          Details=[{"Feature": "NETWORK_PROFILE", "Code": "DHCP_FAILURE"}])
    events = a4b.list_device_events(DeviceArn=arn)["DeviceEvents"]
    assert [(e["Type"], e["Value"]) for e in events] == [
        ("DEVICE_STATUS", "FAILED"), ("CONNECTION_STATUS", "OFFLINE"),
        ("CONNECTION_STATUS", "ONLINE"), ("DEVICE_STATUS", "READY")]
    times = [e["Timestamp"] for e in events]
    assert times == sorted(times, reverse=True)
    connection = a4b.list_device_events(DeviceArn=arn, EventType="CONNECTION_STATUS")["DeviceEvents"]
    assert [e["Value"] for e in connection] == ["OFFLINE", "ONLINE"]
    # Only the last 30 days are listed.
    now = time.time()
    admin(server, "add-device-event", DeviceArn=arn, Type="CONNECTION_STATUS", Value="ONLINE",
          Timestamp=now - 31 * 86400)
    admin(server, "add-device-event", DeviceArn=arn, Type="CONNECTION_STATUS", Value="ONLINE",
          Timestamp=now - 29 * 86400)
    listed = a4b.list_device_events(DeviceArn=arn)["DeviceEvents"]
    assert len(listed) == 5
    assert listed[-1]["Timestamp"].timestamp() == pytest.approx(now - 29 * 86400, abs=1)


def test_list_device_events_errors(server, a4b):
    arn = import_device(server)
    expect("NotFoundException", a4b.list_device_events, DeviceArn=arn[:-4] + "0000")
    expect("ValidationException", a4b.list_device_events, DeviceArn=arn, EventType="BATTERY")
    expect("ValidationException", a4b.list_device_events, DeviceArn=arn, NextToken="garbage")
    deregister(server, arn)
    assert a4b.list_device_events(DeviceArn=arn)["DeviceEvents"][0]["Value"] == "DEREGISTERED"


def test_list_device_events_paginates(server, a4b):
    arn = import_device(server)
    for i in range(104):
        admin(server, "set-device-connection", DeviceArn=arn, ConnectionStatus="OFFLINE" if i % 2 == 0 else "ONLINE")
    pages = list(a4b.get_paginator("list_device_events").paginate(DeviceArn=arn, PaginationConfig={"PageSize": 25}))
    assert [len(p["DeviceEvents"]) for p in pages] == [25, 25, 25, 25, 6]
    events = [e for p in pages for e in p["DeviceEvents"]]
    assert events[0]["Value"] == "ONLINE" and events[-1]["Value"] == "READY"
    assert sum(e["Type"] == "CONNECTION_STATUS" for e in events) == 105


# --- DeleteDeviceUsageData -----------------------------------------------------------------------

def test_delete_device_usage_data(server, a4b):
    arn = import_device(server)
    a4b.delete_device_usage_data(DeviceArn=arn, DeviceUsageType="VOICE")
    expect("LimitExceededException", a4b.delete_device_usage_data, DeviceArn=arn, DeviceUsageType="VOICE")
    expect("NotFoundException", a4b.delete_device_usage_data, DeviceArn=arn[:-4] + "0000", DeviceUsageType="VOICE")
    expect("ValidationException", a4b.delete_device_usage_data, DeviceArn=arn, DeviceUsageType="VIDEO")
    other = import_device(server)
    deregister(server, other)
    expect("DeviceNotRegisteredException", a4b.delete_device_usage_data, DeviceArn=other, DeviceUsageType="VOICE")


# --- SearchDevices -------------------------------------------------------------------------------

def test_search_devices_filters_and_sorts(server, a4b):
    lobby, office = make_room(a4b, "Lobby"), make_room(a4b, "Office")
    a = import_device(server, "alpha", RoomArn=lobby, DeviceSerialNumber="AAA111")
    b = import_device(server, "Beta", RoomArn=office, DeviceSerialNumber="BBB222", ConnectionStatus="OFFLINE")
    c = import_device(server, "gamma", DeviceSerialNumber="CCC333", DeviceType="A1RABVCI4QCIKC")
    admin(server, "set-device-status", DeviceArn=c, DeviceStatus="FAILED",
          Details=[{"Feature": "NETWORK_PROFILE", "Code": "DNS_FAILURE"}])

    def arns(**request):
        return [d["DeviceArn"] for d in a4b.search_devices(**request)["Devices"]]

    def by(key, *values):
        return arns(Filters=[{"Key": key, "Values": list(values)}])

    assert arns() == [b, a, c]  # DeviceName ascending (case-sensitive) by default
    assert by("DeviceName", "AL", "gam") == [a, c]
    assert by("RoomName", "lob") == [a]
    assert by("DeviceStatus", "FAILED") == [c]
    assert by("DeviceStatus", "failed") == []
    assert by("FailureCode", "DNS_FAILURE") == [c]
    assert by("Feature", "NETWORK_PROFILE") == [c]
    assert by("ConnectionStatus", "OFFLINE") == [b]
    assert by("DeviceType", ECHO_TYPE) == [b, a]
    assert by("DeviceType", ECHO_TYPE[:5]) == []
    assert by("DeviceSerialNumber", "bbb") == [b]
    assert by("UnassociatedOnly", "true") == [c]
    assert by("UnassociatedOnly", "false") == [b, a, c]
    assert by("DeviceName") == []
    assert arns(Filters=[{"Key": "DeviceType", "Values": [ECHO_TYPE]},
                         {"Key": "ConnectionStatus", "Values": ["ONLINE"]}]) == [a]
    assert arns(SortCriteria=[{"Key": "DeviceName", "Value": "DESC"}]) == [c, a, b]
    assert arns(SortCriteria=[{"Key": "RoomName", "Value": "ASC"}]) == [c, a, b]
    assert arns(SortCriteria=[{"Key": "DeviceStatus", "Value": "ASC"},
                              {"Key": "DeviceSerialNumber", "Value": "DESC"}]) == [c, b, a]
    result = a4b.search_devices(Filters=[{"Key": "RoomName", "Values": ["Office"]}])
    assert result["TotalCount"] == 1
    device = result["Devices"][0]
    assert device["RoomName"] == "Office" and device["RoomArn"] == office
    assert device["DeviceStatusInfo"]["ConnectionStatus"] == "OFFLINE"
    assert "CreatedTime" in device


def test_search_devices_errors(server, a4b):
    import_device(server)
    import_device(server)
    expect("ValidationException", a4b.search_devices, Filters=[{"Key": "Color", "Values": ["red"]}])
    expect("ValidationException", a4b.search_devices, SortCriteria=[{"Key": "CreatedTime", "Value": "ASC"}])
    token = a4b.search_devices(MaxResults=1)["NextToken"]
    expect("ValidationException", a4b.search_devices, MaxResults=1, NextToken=token,
           Filters=[{"Key": "DeviceName", "Values": ["E"]}])
    expect("ValidationException", a4b.search_devices, NextToken="not-a-token")


def test_search_devices_paginates(server, a4b):
    arns = {import_device(server, f"Echo {i:03}") for i in range(105)}
    pages = list(a4b.get_paginator("search_devices").paginate(PaginationConfig={"PageSize": 20}))
    assert [len(p["Devices"]) for p in pages] == [20, 20, 20, 20, 20, 5]
    assert all(p["TotalCount"] == 105 for p in pages)
    names = [d["DeviceName"] for p in pages for d in p["Devices"]]
    assert names == sorted(names)
    assert {d["DeviceArn"] for p in pages for d in p["Devices"]} == arns
    filtered = a4b.get_paginator("search_devices").paginate(
        Filters=[{"Key": "DeviceName", "Values": ["Echo 1"]}], PaginationConfig={"PageSize": 3})
    assert sum(len(p["Devices"]) for p in filtered) == 5  # Echo 100..104
