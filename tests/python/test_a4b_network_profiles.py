"""Network profiles through the pinned boto3: create/get/update/delete/search with their errors,
the security-type cross-field rules, idempotency tokens, the in-use rule for devices, password
handling (clear in Get, absent from Search, hidden in CloudTrail) and search paging."""

import json
import uuid

from conftest import ACCOUNT, admin, expect

CA_ARN = f"arn:aws:acm-pca:us-east-1:{ACCOUNT}:certificate-authority/11111111-2222-3333-4444-555555555555"
TRUST_ANCHOR = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZ3Jvb3Q=\n-----END CERTIFICATE-----\n"


def psk(a4b, name="Guest", ssid="guest", **args):
    return a4b.create_network_profile(NetworkProfileName=name, Ssid=ssid, SecurityType="WPA2_PSK",
                                      CurrentPassword="password1", **args)["NetworkProfileArn"]


def enterprise(a4b, name="Corp", **args):
    return a4b.create_network_profile(NetworkProfileName=name, Ssid="corp", SecurityType="WPA2_ENTERPRISE",
                                      EapMethod="EAP_TLS", CertificateAuthorityArn=CA_ARN,
                                      TrustAnchors=[TRUST_ANCHOR], **args)["NetworkProfileArn"]


def get(a4b, arn):
    return a4b.get_network_profile(NetworkProfileArn=arn)["NetworkProfile"]


def test_create_and_get(a4b):
    arn = psk(a4b, Description="visitors", NextPassword="password2", Tags=[{"Key": "env", "Value": "prod"}])
    assert arn.startswith(f"arn:aws:a4b:us-east-1:{ACCOUNT}:network-profile/")
    assert get(a4b, arn) == {
        "NetworkProfileArn": arn, "NetworkProfileName": "Guest", "Description": "visitors", "Ssid": "guest",
        "SecurityType": "WPA2_PSK", "CurrentPassword": "password1", "NextPassword": "password2"}
    assert a4b.list_tags(Arn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]
    corp = get(a4b, enterprise(a4b))
    assert corp["EapMethod"] == "EAP_TLS" and corp["CertificateAuthorityArn"] == CA_ARN
    assert corp["TrustAnchors"] == [TRUST_ANCHOR]
    open_arn = a4b.create_network_profile(NetworkProfileName="Lobby", Ssid="lobby", SecurityType="OPEN",
                                          NextPassword="")["NetworkProfileArn"]
    assert "NextPassword" not in get(a4b, open_arn)


def test_passwords_are_hidden_in_cloudtrail(server, a4b):
    psk(a4b)
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateNetworkProfile"}])["Events"]
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["requestParameters"]["currentPassword"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert "password1" not in events[0]["CloudTrailEvent"]
    assert record["resources"][0]["type"] == "AWS::A4B::NetworkProfile"


def test_create_errors(a4b):
    psk(a4b)
    expect("AlreadyExistsException", psk, a4b=a4b)
    expect("ValidationException", a4b.create_network_profile, NetworkProfileName="NoPass", Ssid="s",
           SecurityType="WPA_PSK")
    expect("ValidationException", a4b.create_network_profile, NetworkProfileName="Open", Ssid="s",
           SecurityType="OPEN", CurrentPassword="password1")
    expect("ValidationException", a4b.create_network_profile, NetworkProfileName="Wep", Ssid="s",
           SecurityType="WEP", CurrentPassword="password1", EapMethod="EAP_TLS")
    expect("ValidationException", a4b.create_network_profile, NetworkProfileName="E1", Ssid="s",
           SecurityType="WPA2_ENTERPRISE", CertificateAuthorityArn=CA_ARN, TrustAnchors=[TRUST_ANCHOR])
    expect("ValidationException", a4b.create_network_profile, NetworkProfileName="E2", Ssid="s",
           SecurityType="WPA2_ENTERPRISE", EapMethod="EAP_TLS", CertificateAuthorityArn=CA_ARN)
    expect("ValidationException", a4b.create_network_profile, NetworkProfileName="E3", Ssid="s",
           SecurityType="WPA2_ENTERPRISE", EapMethod="EAP_TLS", TrustAnchors=[TRUST_ANCHOR])
    expect("InvalidCertificateAuthorityException", a4b.create_network_profile, NetworkProfileName="E4",
           Ssid="s", SecurityType="WPA2_ENTERPRISE", EapMethod="EAP_TLS", TrustAnchors=[TRUST_ANCHOR],
           CertificateAuthorityArn=f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/abc")
    expect("ValidationException", a4b.create_network_profile, NetworkProfileName="Bad", Ssid="s",
           SecurityType="WPA3")
    expect("ValidationException", a4b.create_network_profile, NetworkProfileName="Anchor", Ssid="s",
           SecurityType="WPA2_ENTERPRISE", EapMethod="EAP_TLS", CertificateAuthorityArn=CA_ARN,
           TrustAnchors=["not a certificate"])
    assert a4b.search_network_profiles()["TotalCount"] == 1


def test_client_request_token(a4b):
    token = uuid.uuid4().hex
    first = psk(a4b, ClientRequestToken=token)
    assert psk(a4b, ClientRequestToken=token) == first
    expect("AlreadyExistsException", psk, a4b=a4b, name="Other", ClientRequestToken=token)
    assert a4b.search_network_profiles()["TotalCount"] == 1


def test_quota_of_one_hundred_and_search_paging(a4b):
    arns = {psk(a4b, name=f"Net {i:03}", ssid=f"ssid{i % 7}") for i in range(100)}
    expect("LimitExceededException", psk, a4b=a4b, name="One too many")
    assert not a4b.can_paginate("search_network_profiles")
    seen, token, pages = [], None, 0
    while True:
        request = {"MaxResults": 30}
        if token:
            request["NextToken"] = token
        page = a4b.search_network_profiles(**request)
        assert page["TotalCount"] == 100
        seen += page["NetworkProfiles"]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 4
    assert {p["NetworkProfileArn"] for p in seen} == arns
    names = [p["NetworkProfileName"] for p in seen]
    assert names == sorted(names)
    assert all("CurrentPassword" not in p and "NextPassword" not in p for p in seen)


def test_get_errors(a4b):
    arn = psk(a4b)
    expect("NotFoundException", a4b.get_network_profile, NetworkProfileArn=arn[:-4] + "0000")
    expect("NotFoundException", a4b.get_network_profile, NetworkProfileArn=arn.replace("network-profile/", "room/"))
    expect("NotFoundException", a4b.get_network_profile, NetworkProfileArn="arn:aws:iam::123456789012:user/x")


def test_update(a4b):
    arn = psk(a4b, NextPassword="password2")
    a4b.update_network_profile(NetworkProfileArn=arn, NetworkProfileName="Visitors", Description="new",
                               CurrentPassword="password3")
    profile = get(a4b, arn)
    assert profile["NetworkProfileName"] == "Visitors" and profile["Description"] == "new"
    assert profile["CurrentPassword"] == "password3" and profile["NextPassword"] == "password2"
    assert profile["Ssid"] == "guest" and profile["SecurityType"] == "WPA2_PSK"
    a4b.update_network_profile(NetworkProfileArn=arn, NextPassword="")
    assert "NextPassword" not in get(a4b, arn)
    # Renaming onto its own name is not a conflict; the old name is free again.
    a4b.update_network_profile(NetworkProfileArn=arn, NetworkProfileName="Visitors")
    psk(a4b, name="Guest")


def test_update_errors(a4b):
    arn = psk(a4b)
    psk(a4b, name="Taken")
    expect("NameInUseException", a4b.update_network_profile, NetworkProfileArn=arn, NetworkProfileName="Taken")
    expect("NotFoundException", a4b.update_network_profile, NetworkProfileArn=arn[:-4] + "0000", Description="x")
    expect("ValidationException", a4b.update_network_profile, NetworkProfileArn=arn, TrustAnchors=[TRUST_ANCHOR])
    open_arn = a4b.create_network_profile(NetworkProfileName="Open", Ssid="o", SecurityType="OPEN")["NetworkProfileArn"]
    expect("ValidationException", a4b.update_network_profile, NetworkProfileArn=open_arn, CurrentPassword="password1")
    corp = enterprise(a4b)
    expect("InvalidCertificateAuthorityException", a4b.update_network_profile, NetworkProfileArn=corp,
           CertificateAuthorityArn="arn:aws:acm-pca:us-east-1:123:certificate-authority/x")
    assert get(a4b, corp)["CertificateAuthorityArn"] == CA_ARN
    assert get(a4b, arn)["NetworkProfileName"] == "Guest"


def test_update_reaches_devices(server, a4b):
    corp = enterprise(a4b)
    online = admin(server, "import-device", DeviceName="Online", DeviceSerialNumber="ON1",
                   DeviceType="A3VRME03NAXFUB")["DeviceArn"]
    offline = admin(server, "import-device", DeviceName="Offline", DeviceSerialNumber="OFF1",
                    DeviceType="A3VRME03NAXFUB")["DeviceArn"]
    for device in (online, offline):
        a4b.associate_device_with_network_profile(DeviceArn=device, NetworkProfileArn=corp)
    admin(server, "set-device-connection", DeviceArn=offline, ConnectionStatus="OFFLINE")
    before = a4b.get_device(DeviceArn=online)["Device"]["NetworkProfileInfo"]["CertificateArn"]
    new_ca = CA_ARN[:-4] + "9999"
    a4b.update_network_profile(NetworkProfileArn=corp, CertificateAuthorityArn=new_ca)
    after = a4b.get_device(DeviceArn=online)["Device"]
    assert after["NetworkProfileInfo"]["CertificateArn"].startswith(new_ca + "/certificate/")
    assert after["NetworkProfileInfo"]["CertificateArn"] != before
    assert after["DeviceStatus"] == "READY"
    missed = a4b.get_device(DeviceArn=offline)["Device"]
    assert missed["DeviceStatus"] == "WAS_OFFLINE"
    assert missed["DeviceStatusInfo"]["DeviceStatusDetails"] == [
        {"Feature": "NETWORK_PROFILE", "Code": "DEVICE_WAS_OFFLINE"}]


def test_delete(server, a4b):
    arn = psk(a4b)
    device = admin(server, "import-device", DeviceName="Echo", DeviceSerialNumber="E1",
                   DeviceType="A3VRME03NAXFUB")["DeviceArn"]
    a4b.associate_device_with_network_profile(DeviceArn=device, NetworkProfileArn=arn)
    expect("ResourceInUseException", a4b.delete_network_profile, NetworkProfileArn=arn)
    a4b.delete_device(DeviceArn=device)
    a4b.delete_network_profile(NetworkProfileArn=arn)
    expect("NotFoundException", a4b.get_network_profile, NetworkProfileArn=arn)
    expect("NotFoundException", a4b.delete_network_profile, NetworkProfileArn=arn)
    expect("NotFoundException", a4b.list_tags, Arn=arn)
    psk(a4b)  # the name is free again


def test_search_filters_and_sorts(a4b):
    guest = psk(a4b, name="Guest", ssid="visitors")
    corp = enterprise(a4b, name="Corp")
    lab = a4b.create_network_profile(NetworkProfileName="lab", Ssid="Lab-5G", SecurityType="OPEN")["NetworkProfileArn"]

    def arns(**request):
        return [p["NetworkProfileArn"] for p in a4b.search_network_profiles(**request)["NetworkProfiles"]]

    def by(key, *values):
        return arns(Filters=[{"Key": key, "Values": list(values)}])

    assert arns() == [corp, guest, lab]
    assert by("NetworkProfileName", "g", "LA") == [guest, lab]
    assert by("Ssid", "lab") == [lab]
    assert by("SecurityType", "WPA2_ENTERPRISE") == [corp]
    assert by("SecurityType", "wpa2_enterprise") == []
    assert by("SecurityType", "OPEN", "WPA2_PSK") == [guest, lab]
    assert arns(Filters=[{"Key": "SecurityType", "Values": ["OPEN", "WPA2_PSK"]},
                         {"Key": "Ssid", "Values": ["v"]}]) == [guest]
    assert arns(SortCriteria=[{"Key": "NetworkProfileName", "Value": "DESC"}]) == [lab, guest, corp]
    assert arns(SortCriteria=[{"Key": "Ssid", "Value": "ASC"}]) == [lab, corp, guest]
    assert arns(SortCriteria=[{"Key": "SecurityType", "Value": "DESC"}]) == [guest, corp, lab]
    found = a4b.search_network_profiles(Filters=[{"Key": "NetworkProfileName", "Values": ["Corp"]}])
    assert found["TotalCount"] == 1
    assert found["NetworkProfiles"][0] == {
        "NetworkProfileArn": corp, "NetworkProfileName": "Corp", "Ssid": "corp",
        "SecurityType": "WPA2_ENTERPRISE", "EapMethod": "EAP_TLS", "CertificateAuthorityArn": CA_ARN}


def test_search_errors(a4b):
    psk(a4b)
    psk(a4b, name="Second")
    expect("ValidationException", a4b.search_network_profiles, Filters=[{"Key": "Password", "Values": ["x"]}])
    expect("ValidationException", a4b.search_network_profiles, SortCriteria=[{"Key": "Description", "Value": "ASC"}])
    token = a4b.search_network_profiles(MaxResults=1)["NextToken"]
    expect("ValidationException", a4b.search_network_profiles, NextToken=token,
           SortCriteria=[{"Key": "Ssid", "Value": "ASC"}])
