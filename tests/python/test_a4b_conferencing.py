"""Conference providers and the conference preference through the pinned boto3: every operation
with its errors, CUSTOM dial-in rules, replace-style updates, deleting the default provider, the
100-provider quota and the ListConferenceProviders paginator."""

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, code, status


MISSING = f"arn:aws:a4b:us-east-1:{ACCOUNT}:conference-provider/{'0' * 32}/{'1' * 32}"
PIN = {"RequirePin": "YES"}
IP = {"Endpoint": "meet.example.com", "CommsProtocol": "SIPS"}
PSTN = {"CountryCode": "1", "PhoneNumber": "5550100123", "OneClickIdDelay": "1", "OneClickPinDelay": "2"}


def zoom(a4b, name="Zoom", **extra):
    return a4b.create_conference_provider(ConferenceProviderName=name, ConferenceProviderType="ZOOM",
                                          MeetingSetting=PIN, **extra)["ConferenceProviderArn"]


def test_create_get_update_delete(a4b):
    arn = a4b.create_conference_provider(ConferenceProviderName="Bridge", ConferenceProviderType="CUSTOM",
                                         IPDialIn=IP, PSTNDialIn=PSTN, MeetingSetting={"RequirePin": "OPTIONAL"},
                                         Tags=[{"Key": "k", "Value": "v"}])["ConferenceProviderArn"]
    assert arn.startswith(f"arn:aws:a4b:us-east-1:{ACCOUNT}:conference-provider/")
    provider = a4b.get_conference_provider(ConferenceProviderArn=arn)["ConferenceProvider"]
    assert provider == {"Arn": arn, "Name": "Bridge", "Type": "CUSTOM", "IPDialIn": IP, "PSTNDialIn": PSTN,
                        "MeetingSetting": {"RequirePin": "OPTIONAL"}}
    assert a4b.list_tags(Arn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    # Update replaces the settings: the dial-in blocks left out are cleared.
    a4b.update_conference_provider(ConferenceProviderArn=arn, ConferenceProviderType="CUSTOM",
                                   PSTNDialIn=PSTN, MeetingSetting={"RequirePin": "NO"})
    provider = a4b.get_conference_provider(ConferenceProviderArn=arn)["ConferenceProvider"]
    assert provider == {"Arn": arn, "Name": "Bridge", "Type": "CUSTOM", "PSTNDialIn": PSTN,
                        "MeetingSetting": {"RequirePin": "NO"}}
    a4b.update_conference_provider(ConferenceProviderArn=arn, ConferenceProviderType="WEBEX", MeetingSetting=PIN)
    assert "PSTNDialIn" not in a4b.get_conference_provider(ConferenceProviderArn=arn)["ConferenceProvider"]
    a4b.delete_conference_provider(ConferenceProviderArn=arn)
    with pytest.raises(ClientError) as err:
        a4b.get_conference_provider(ConferenceProviderArn=arn)
    assert code(err) == "NotFoundException" and status(err) == 400


def test_errors(a4b):
    arn = zoom(a4b)
    with pytest.raises(ClientError) as err:
        zoom(a4b)
    assert code(err) == "AlreadyExistsException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.create_conference_provider(ConferenceProviderName="Bare", ConferenceProviderType="CUSTOM",
                                       MeetingSetting=PIN)
    assert code(err) == "ValidationException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.update_conference_provider(ConferenceProviderArn=arn, ConferenceProviderType="CUSTOM",
                                       MeetingSetting=PIN)
    assert code(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        a4b.get_conference_provider(ConferenceProviderArn=MISSING)
    assert code(err) == "NotFoundException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.update_conference_provider(ConferenceProviderArn=MISSING, ConferenceProviderType="ZOOM",
                                       MeetingSetting=PIN)
    assert code(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        a4b.delete_conference_provider(ConferenceProviderArn=MISSING)
    assert code(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        a4b.list_conference_providers(NextToken="garbage")
    assert code(err) == "ValidationException" and status(err) == 400


def test_idempotency_token(a4b):
    first = zoom(a4b, "Tok", ClientRequestToken="provider-token-1")
    assert zoom(a4b, "Tok", ClientRequestToken="provider-token-1") == first
    with pytest.raises(ClientError) as err:
        zoom(a4b, "Tok2", ClientRequestToken="provider-token-1")
    assert code(err) == "AlreadyExistsException"


def test_preference(a4b):
    with pytest.raises(ClientError) as err:
        a4b.get_conference_preference()
    assert code(err) == "NotFoundException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.put_conference_preference(ConferencePreference={"DefaultConferenceProviderArn": MISSING})
    assert code(err) == "NotFoundException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.put_conference_preference(ConferencePreference={})
    assert code(err) == "ValidationException"
    first = zoom(a4b, "First")
    second = zoom(a4b, "Second")
    a4b.put_conference_preference(ConferencePreference={"DefaultConferenceProviderArn": first})
    assert a4b.get_conference_preference()["Preference"] == {"DefaultConferenceProviderArn": first}
    a4b.put_conference_preference(ConferencePreference={"DefaultConferenceProviderArn": second})
    assert a4b.get_conference_preference()["Preference"]["DefaultConferenceProviderArn"] == second
    # Deleting another provider keeps the default; deleting the default clears it.
    a4b.delete_conference_provider(ConferenceProviderArn=first)
    assert a4b.get_conference_preference()["Preference"]["DefaultConferenceProviderArn"] == second
    a4b.delete_conference_provider(ConferenceProviderArn=second)
    with pytest.raises(ClientError) as err:
        a4b.get_conference_preference()
    assert code(err) == "NotFoundException"


def test_preference_names_the_provider_in_cloudtrail(server, a4b):
    arn = zoom(a4b)
    a4b.put_conference_preference(ConferencePreference={"DefaultConferenceProviderArn": arn})
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "PutConferencePreference"}])["Events"]
    assert [(r["ResourceType"], r["ResourceName"]) for r in events[0]["Resources"]] == [
        ("AWS::A4B::ConferenceProvider", arn)]


def test_list_paginates_in_creation_order_up_to_the_quota(a4b):
    names = [f"P{(i * 37) % 100:02}" for i in range(100)]  # not alphabetical
    arns = [zoom(a4b, name) for name in names]
    with pytest.raises(ClientError) as err:
        zoom(a4b, "One too many")
    assert code(err) == "LimitExceededException" and status(err) == 400
    assert a4b.can_paginate("list_conference_providers")
    pages = list(a4b.get_paginator("list_conference_providers").paginate(PaginationConfig={"PageSize": 7}))
    assert len(pages) == 15
    listed = [p["Arn"] for page in pages for p in page["ConferenceProviders"]]
    assert listed == arns
    first = a4b.list_conference_providers()
    assert len(first["ConferenceProviders"]) == 50 and "NextToken" in first
    assert first["ConferenceProviders"][0]["Name"] == names[0]
