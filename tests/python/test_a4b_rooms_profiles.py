"""Rooms and room profiles through the pinned boto3: every operation, its errors, search and
paging, skill parameters, and isolation between accounts."""

import os
import tempfile

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, Server, code, status


def test_first_profile_is_default_and_rooms_use_it(a4b):
    with pytest.raises(ClientError) as err:
        a4b.create_room(RoomName="NoProfileYet")
    assert code(err) == "ValidationException"
    first = a4b.create_profile(ProfileName="HQ", Timezone="Europe/Paris", Address="1 Main St",
                               DistanceUnit="METRIC", TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]
    assert first.startswith(f"arn:aws:a4b:us-east-1:{ACCOUNT}:profile/")
    second = a4b.create_profile(ProfileName="Branch", Timezone="UTC", Address="2 Side St",
                                DistanceUnit="IMPERIAL", TemperatureUnit="FAHRENHEIT", WakeWord="ECHO")["ProfileArn"]
    assert a4b.get_profile(ProfileArn=first)["Profile"]["IsDefault"] is True
    assert a4b.get_profile(ProfileArn=second)["Profile"]["IsDefault"] is False
    room = a4b.create_room(RoomName="Lobby", Description="front")["RoomArn"]
    assert a4b.get_room(RoomArn=room)["Room"]["ProfileArn"] == first
    a4b.update_profile(ProfileArn=second, IsDefault=True)
    assert a4b.get_profile()["Profile"]["ProfileArn"] == second
    assert a4b.get_profile(ProfileArn=first)["Profile"]["IsDefault"] is False


def test_profile_errors(a4b):
    a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                       TemperatureUnit="CELSIUS", WakeWord="ALEXA")
    with pytest.raises(ClientError) as err:
        a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                           TemperatureUnit="CELSIUS", WakeWord="ALEXA")
    assert code(err) == "AlreadyExistsException" and status(err) == 400
    other = a4b.create_profile(ProfileName="Other", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                               TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]
    with pytest.raises(ClientError) as err:
        a4b.update_profile(ProfileArn=other, ProfileName="HQ")
    assert code(err) == "NameInUseException"
    with pytest.raises(ClientError) as err:
        a4b.get_profile(ProfileArn=other.replace("profile/", "room/"))
    assert code(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        a4b.create_profile(ProfileName="Bad", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                           TemperatureUnit="CELSIUS", WakeWord="ALEXA",
                           MeetingRoomConfiguration={"InstantBooking": {"DurationInMinutes": 7, "Enabled": True}})
    assert code(err) == "ValidationException"
    room = a4b.create_room(RoomName="R", ProfileArn=other)["RoomArn"]
    with pytest.raises(ClientError) as err:
        a4b.delete_profile(ProfileArn=other)
    assert code(err) == "ResourceInUseException"
    a4b.delete_room(RoomArn=room)
    a4b.delete_profile(ProfileArn=other)
    with pytest.raises(ClientError) as err:
        a4b.delete_profile(ProfileArn=other)
    assert code(err) == "NotFoundException"


def test_update_profile_merges_meeting_room_configuration(a4b):
    arn = a4b.create_profile(
        ProfileName="M", Timezone="UTC", Address="a", DistanceUnit="METRIC", TemperatureUnit="CELSIUS",
        WakeWord="ALEXA", MaxVolumeLimit=7,
        MeetingRoomConfiguration={
            "RoomUtilizationMetricsEnabled": True,
            "InstantBooking": {"DurationInMinutes": 30, "Enabled": True},
            "RequireCheckIn": {"ReleaseAfterMinutes": 10, "Enabled": True},
        },
    )["ProfileArn"]
    a4b.update_profile(ProfileArn=arn, Address="b",
                       MeetingRoomConfiguration={"InstantBooking": {"DurationInMinutes": 60}})
    profile = a4b.get_profile(ProfileArn=arn)["Profile"]
    assert profile["Address"] == "b" and profile["MaxVolumeLimit"] == 7
    config = profile["MeetingRoomConfiguration"]
    assert config["InstantBooking"] == {"DurationInMinutes": 60, "Enabled": True}
    assert config["RequireCheckIn"]["ReleaseAfterMinutes"] == 10


def test_room_lifecycle_and_errors(a4b):
    profile = a4b.create_profile(ProfileName="P", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                                 TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]
    room = a4b.create_room(RoomName="Lobby", ProfileArn=profile, ProviderCalendarId="cal-1",
                           Tags=[{"Key": "floor", "Value": "1"}])["RoomArn"]
    with pytest.raises(ClientError) as err:
        a4b.create_room(RoomName="Lobby", ProfileArn=profile)
    assert code(err) == "AlreadyExistsException"
    other = a4b.create_room(RoomName="Annex", ProfileArn=profile)["RoomArn"]
    with pytest.raises(ClientError) as err:
        a4b.update_room(RoomArn=other, RoomName="Lobby")
    assert code(err) == "NameInUseException"
    a4b.update_room(RoomArn=other, Description="renamed", RoomName="Annex 2")
    got = a4b.get_room(RoomArn=other)["Room"]
    assert got["RoomName"] == "Annex 2" and got["Description"] == "renamed"
    with pytest.raises(ClientError) as err:
        a4b.create_room(RoomName="X", ProfileArn=profile[:-4] + "ffff")
    assert code(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        a4b.get_room()
    assert code(err) == "ValidationException"
    a4b.delete_room(RoomArn=room)
    with pytest.raises(ClientError) as err:
        a4b.get_room(RoomArn=room)
    assert code(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        a4b.delete_room(RoomArn=room)
    assert code(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        a4b.update_room(RoomArn=room, RoomName="gone")
    assert code(err) == "NotFoundException"


def test_idempotency_token_replays_and_conflicts(a4b):
    a4b.create_profile(ProfileName="P", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                       TemperatureUnit="CELSIUS", WakeWord="ALEXA")
    first = a4b.create_room(RoomName="T", ClientRequestToken="token-0000000001")["RoomArn"]
    again = a4b.create_room(RoomName="T", ClientRequestToken="token-0000000001")["RoomArn"]
    assert first == again
    with pytest.raises(ClientError) as err:
        a4b.create_room(RoomName="U", ClientRequestToken="token-0000000001")
    assert code(err) == "AlreadyExistsException"


def test_search_rooms_filters_sorts_and_pages(a4b):
    p1 = a4b.create_profile(ProfileName="Alpha", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                            TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]
    p2 = a4b.create_profile(ProfileName="Beta", Timezone="UTC", Address="b", DistanceUnit="METRIC",
                            TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]
    for i in range(120):
        a4b.create_room(RoomName=f"room-{i:03d}", ProfileArn=p1 if i % 2 else p2)
    pages = list(a4b.get_paginator("search_rooms").paginate(PaginationConfig={"PageSize": 25}))
    names = [r["RoomName"] for p in pages for r in p["Rooms"]]
    assert names == [f"room-{i:03d}" for i in range(120)]
    assert all(p["TotalCount"] == 120 for p in pages)
    alpha = a4b.search_rooms(Filters=[{"Key": "ProfileName", "Values": ["alp"]}], MaxResults=50)
    assert alpha["TotalCount"] == 60 and alpha["Rooms"][0]["ProfileName"] == "Alpha"
    desc = a4b.search_rooms(SortCriteria=[{"Key": "RoomName", "Value": "DESC"}], MaxResults=1)
    assert desc["Rooms"][0]["RoomName"] == "room-119"
    with pytest.raises(ClientError) as err:
        a4b.search_rooms(Filters=[{"Key": "Color", "Values": ["x"]}])
    assert code(err) == "ValidationException"
    token = a4b.search_rooms(MaxResults=10)["NextToken"]
    with pytest.raises(ClientError) as err:
        a4b.search_rooms(MaxResults=10, NextToken=token, Filters=[{"Key": "RoomName", "Values": ["room"]}])
    assert code(err) == "ValidationException"
    profiles = a4b.search_profiles(Filters=[{"Key": "Address", "Values": ["b"]}])
    assert [p["ProfileName"] for p in profiles["Profiles"]] == ["Beta"]
    assert profiles["TotalCount"] == 1


def test_room_skill_parameters(a4b):
    a4b.create_profile(ProfileName="P", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                       TemperatureUnit="CELSIUS", WakeWord="ALEXA")
    room = a4b.create_room(RoomName="R")["RoomArn"]
    skill = "amzn1.ask.skill.12345678-1234-1234-1234-123456789012"
    a4b.put_room_skill_parameter(RoomArn=room, SkillId=skill,
                                 RoomSkillParameter={"ParameterKey": "SCOPE", "ParameterValue": "kitchen"})
    got = a4b.get_room_skill_parameter(RoomArn=room, SkillId=skill, ParameterKey="SCOPE")
    assert got["RoomSkillParameter"] == {"ParameterKey": "SCOPE", "ParameterValue": "kitchen"}
    with pytest.raises(ClientError) as err:
        a4b.put_room_skill_parameter(RoomArn=room, SkillId=skill,
                                     RoomSkillParameter={"ParameterKey": "COLOR", "ParameterValue": "x"})
    assert code(err) == "ValidationException"
    a4b.delete_room_skill_parameter(RoomArn=room, SkillId=skill, ParameterKey="SCOPE")
    with pytest.raises(ClientError) as err:
        a4b.get_room_skill_parameter(RoomArn=room, SkillId=skill, ParameterKey="SCOPE")
    assert code(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        a4b.delete_room_skill_parameter(RoomArn=room, SkillId=skill, ParameterKey="SCOPE")
    assert code(err) == "NotFoundException"


def test_skill_group_association_needs_both_sides(a4b):
    a4b.create_profile(ProfileName="P", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                       TemperatureUnit="CELSIUS", WakeWord="ALEXA")
    room = a4b.create_room(RoomName="R")["RoomArn"]
    missing_group = room.replace("room/", "skill-group/")
    with pytest.raises(ClientError) as err:
        a4b.associate_skill_group_with_room(SkillGroupArn=missing_group, RoomArn=room)
    assert code(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        a4b.disassociate_skill_group_from_room(SkillGroupArn=missing_group, RoomArn=room)
    assert code(err) == "NotFoundException"


def test_resolve_room_unknown_user_is_not_found(a4b):
    with pytest.raises(ClientError) as err:
        a4b.resolve_room(UserId="amzn1.ask.account.UNKNOWN", SkillId="amzn1.ask.skill.0000")
    assert code(err) == "NotFoundException"


def test_accounts_are_isolated_and_other_regions_refused():
    with tempfile.TemporaryDirectory() as data_dir:
        config = os.path.join(data_dir, "trailroom.toml")
        with open(config, "w") as f:
            f.write('[[accounts]]\nid = "210987654321"\nroot_access_key_id = "AKIASECONDACCOUNT001"\n'
                    'root_secret_access_key = "second-account-secret-key-0000000000000"\n')
        srv = Server(os.path.join(data_dir, "data"), ["--config", config]).start()
        try:
            a = srv.client("alexaforbusiness")
            b = srv.client("alexaforbusiness", "AKIASECONDACCOUNT001", "second-account-secret-key-0000000000000")
            a.create_profile(ProfileName="P", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                             TemperatureUnit="CELSIUS", WakeWord="ALEXA")
            room = a.create_room(RoomName="Mine")["RoomArn"]
            with pytest.raises(ClientError) as err:
                b.get_room(RoomArn=room)
            assert code(err) == "NotFoundException"
            with pytest.raises(ClientError) as err:
                b.delete_room(RoomArn=room)
            assert code(err) == "NotFoundException"
            assert b.search_rooms()["TotalCount"] == 0
            assert srv.client("sts", "AKIASECONDACCOUNT001", "second-account-secret-key-0000000000000") \
                .get_caller_identity()["Account"] == "210987654321"
            eu = srv.client("alexaforbusiness", region="eu-west-1")
            with pytest.raises(ClientError) as err:
                eu.search_rooms()
            assert code(err) == "ValidationException"
            assert "us-east-1" in err.value.response["Error"]["Message"]
        finally:
            srv.stop()
