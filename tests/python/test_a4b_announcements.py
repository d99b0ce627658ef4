"""SendAnnouncement through the pinned boto3: room filters (names by prefix, ARNs exactly, empty
list for all rooms), content rules, the idempotency token, the per-second limit and the CloudTrail
resources. Which rooms an announcement reached is read back through the admin surface."""

import time

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, admin, code, status, unchecked


TEXT = {"TextList": [{"Locale": "en-US", "Value": "Fire drill at noon"}]}


def profile(a4b, name):
    return a4b.create_profile(ProfileName=name, Timezone="UTC", Address="1 Main St", DistanceUnit="METRIC",
                              TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]


@pytest.fixture
def building(a4b):
    hq = profile(a4b, "HQ")
    lab = profile(a4b, "Lab profile")
    rooms = {name: a4b.create_room(RoomName=name, ProfileArn=prof)["RoomArn"]
             for name, prof in (("Lobby", hq), ("Lounge", hq), ("Board", hq), ("Lab 1", lab))}
    return {"hq": hq, "lab": lab, **rooms}


def reached(server, arn):
    return set(admin(server, "get-announcement", AnnouncementArn=arn)["RoomArns"])


def send(a4b, filters, content=TEXT, **extra):
    return a4b.send_announcement(RoomFilters=filters, Content=content, **extra)["AnnouncementArn"]


def test_filters_select_rooms(server, a4b, building):
    b = building
    everywhere = send(a4b, [])
    assert everywhere.startswith(f"arn:aws:a4b:us-east-1:{ACCOUNT}:announcement/")
    assert reached(server, everywhere) == {b["Lobby"], b["Lounge"], b["Board"], b["Lab 1"]}
    by_name = send(a4b, [{"Key": "RoomName", "Values": ["lo", "Board"]}])
    assert reached(server, by_name) == {b["Lobby"], b["Lounge"], b["Board"]}
    by_profile = send(a4b, [{"Key": "ProfileName", "Values": ["Lab"]}])
    assert reached(server, by_profile) == {b["Lab 1"]}
    by_arns = send(a4b, [{"Key": "RoomArn", "Values": [b["Lobby"], b["Lab 1"]]},
                         {"Key": "ProfileArn", "Values": [b["hq"]]}])
    assert reached(server, by_arns) == {b["Lobby"]}
    nowhere = send(a4b, [{"Key": "RoomName", "Values": ["Cellar"]}])
    assert reached(server, nowhere) == set()
    stored = admin(server, "get-announcement", AnnouncementArn=by_name)
    assert stored["Content"] == TEXT
    assert stored["ExpiresTime"] - stored["CreatedTime"] == 300_000


def test_ssml_audio_and_time_to_live(server, a4b, building):
    ssml = send(a4b, [], {"SsmlList": [{"Locale": "en-US", "Value": "<speak>Hello</speak>"}]},
                TimeToLiveInSeconds=60)
    stored = admin(server, "get-announcement", AnnouncementArn=ssml)
    assert stored["ExpiresTime"] - stored["CreatedTime"] == 60_000
    audio = {"AudioList": [{"Locale": "en-US", "Location": "https://s3.amazonaws.com/bucket/chime.mp3"}]}
    assert reached(server, send(a4b, [{"Key": "RoomName", "Values": ["Board"]}], audio)) == {building["Board"]}


def test_content_and_filter_errors(server, a4b, building):
    with pytest.raises(ClientError) as err:
        send(a4b, [], {})
    assert code(err) == "ValidationException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        send(a4b, [], {**TEXT, "SsmlList": [{"Locale": "en-US", "Value": "<speak>x</speak>"}]})
    assert code(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        send(a4b, [{"Key": "DeviceName", "Values": ["x"]}])
    assert code(err) == "ValidationException"
    raw = unchecked(server)
    with pytest.raises(ClientError) as err:
        raw.send_announcement(RoomFilters=[], Content=TEXT, TimeToLiveInSeconds=3601)
    assert code(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        raw.send_announcement(RoomFilters=[], Content={"TextList": [{"Locale": "fr-FR", "Value": "Bonjour"}]})
    assert code(err) == "ValidationException"


def test_idempotency_token(a4b, building):
    first = send(a4b, [], ClientRequestToken="announcement-0001")
    assert send(a4b, [], ClientRequestToken="announcement-0001") == first
    with pytest.raises(ClientError) as err:
        send(a4b, [{"Key": "RoomName", "Values": ["Lobby"]}], ClientRequestToken="announcement-0001")
    assert code(err) == "AlreadyExistsException" and status(err) == 400
    assert send(a4b, []) != first  # boto3 fills in a fresh token


def test_rate_limit(a4b):
    # At most ten per second: a quick burst is refused before long, and a second later it works.
    with pytest.raises(ClientError) as err:
        for _ in range(60):
            send(a4b, [])
    assert code(err) == "LimitExceededException" and status(err) == 400
    time.sleep(1.1)
    send(a4b, [])


def test_cloudtrail_names_the_filtered_rooms_and_profiles(server, a4b, building):
    send(a4b, [{"Key": "RoomArn", "Values": [building["Lobby"]]}, {"Key": "ProfileArn", "Values": [building["hq"]]},
               {"Key": "RoomName", "Values": ["Board"]}])
    event = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "SendAnnouncement"}])["Events"][0]
    assert [(r["ResourceType"], r["ResourceName"]) for r in event["Resources"]] == [
        ("AWS::A4B::Room", building["Lobby"]), ("AWS::A4B::Profile", building["hq"])]
