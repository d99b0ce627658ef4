"""Smart-home appliances through the pinned boto3: listing (with paging), discovery through the
room's smart-home skills, forgetting, the admin seeding action, and what deleting a room does."""

import json

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ROOT_KEY, ROOT_SECRET, admin, expect

LIGHTS = "amzn1.ask.skill.9f5a0c2b-1d8d-4a0b-8c2a-0f4d7b1a6e10"
THERMOSTAT = "amzn1.ask.skill.a06b1d3c-2e9e-4b1c-9d3b-1a5e8c2b7f11"
TIMER = "amzn1.ask.skill.6c2d7f9e-8a5a-4d7e-9f9d-7c1a4e8d3b07"


def make_room(a4b, name="Lobby"):
    if not a4b.search_profiles()["Profiles"]:
        a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="1 Main St", DistanceUnit="METRIC",
                           TemperatureUnit="CELSIUS", WakeWord="ALEXA")
    return a4b.create_room(RoomName=name)["RoomArn"]


def skill_group(a4b, name, *skills):
    group = a4b.create_skill_group(SkillGroupName=name)["SkillGroupArn"]
    for skill in skills:
        a4b.approve_skill(SkillId=skill)
        if skill in (LIGHTS, THERMOSTAT):  # these need account linking first
            a4b.put_skill_authorization(SkillId=skill, AuthorizationResult={"Code": "oauth-code"})
        a4b.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=skill)
    return group


def appliances(a4b, room):
    return a4b.list_smart_home_appliances(RoomArn=room)["SmartHomeAppliances"]


def test_list_is_empty_until_something_is_found(a4b):
    room = make_room(a4b)
    assert appliances(a4b, room) == []


def test_list_errors(a4b):
    room = make_room(a4b)
    expect("NotFoundException", a4b.list_smart_home_appliances, RoomArn=room[:-4] + "0000")
    expect("NotFoundException", a4b.list_smart_home_appliances, RoomArn=room.replace("room/", "profile/"))
    expect("ValidationException", a4b.list_smart_home_appliances, RoomArn=room, NextToken="garbage")


def test_admin_seeded_appliances(server, a4b):
    room = make_room(a4b)
    result = admin(server, "add-smart-home-appliance", RoomArn=room, FriendlyName="Projector",
                   Description="Conference projector", ManufacturerName="Example AV")
    assert result == {"RoomArn": room, "Appliances": 1}
    admin(server, "add-smart-home-appliance", RoomArn=room, FriendlyName="Blinds")
    assert appliances(a4b, room) == [
        {"FriendlyName": "Projector", "Description": "Conference projector", "ManufacturerName": "Example AV"},
        {"FriendlyName": "Blinds"}]


def test_admin_seeding_errors(server, a4b):
    room = make_room(a4b)
    admin(server, "add-smart-home-appliance", RoomArn=room, FriendlyName="Projector")
    for args in ({"RoomArn": room, "FriendlyName": "Projector"},
                 {"RoomArn": room[:-4] + "0000", "FriendlyName": "Lamp"},
                 {"RoomArn": room, "FriendlyName": ""},
                 {"RoomArn": room}):
        url = f"{server.endpoint}/admin/a4b/add-smart-home-appliance"
        body = json.dumps(args)
        request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/json"})
        SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), "trailroom", "us-east-1").add_auth(request)
        assert requests.post(url, data=body, headers=dict(request.headers)).status_code == 400, args


def test_discovery_uses_the_rooms_smart_home_skills(a4b):
    room = make_room(a4b)
    a4b.start_smart_home_appliance_discovery(RoomArn=room)
    assert appliances(a4b, room) == []
    a4b.associate_skill_group_with_room(SkillGroupArn=skill_group(a4b, "Office", LIGHTS, TIMER), RoomArn=room)
    a4b.start_smart_home_appliance_discovery(RoomArn=room)
    assert appliances(a4b, room) == [
        {"FriendlyName": "Ceiling Light", "Description": "Dimmable light", "ManufacturerName": "Example Lighting Co."},
        {"FriendlyName": "Desk Lamp", "Description": "Smart plug", "ManufacturerName": "Example Lighting Co."}]
    # Discovering again finds nothing new; another group's smart-home skill adds its appliances.
    a4b.start_smart_home_appliance_discovery(RoomArn=room)
    assert len(appliances(a4b, room)) == 2
    a4b.associate_skill_group_with_room(SkillGroupArn=skill_group(a4b, "Climate", THERMOSTAT), RoomArn=room)
    a4b.start_smart_home_appliance_discovery(RoomArn=room)
    assert [a["FriendlyName"] for a in appliances(a4b, room)] == ["Ceiling Light", "Desk Lamp", "Room Thermostat"]
    # Another room without smart-home skills still discovers nothing.
    other = make_room(a4b, "Other")
    a4b.start_smart_home_appliance_discovery(RoomArn=other)
    assert appliances(a4b, other) == []


def test_discovery_errors(a4b):
    room = make_room(a4b)
    expect("NotFoundException", a4b.start_smart_home_appliance_discovery, RoomArn=room[:-4] + "0000")


def test_forget(server, a4b):
    room = make_room(a4b)
    other = make_room(a4b, "Other")
    admin(server, "add-smart-home-appliance", RoomArn=room, FriendlyName="Lamp")
    admin(server, "add-smart-home-appliance", RoomArn=other, FriendlyName="Fan")
    a4b.forget_smart_home_appliances(RoomArn=room)
    assert appliances(a4b, room) == []
    assert appliances(a4b, other) == [{"FriendlyName": "Fan"}]
    a4b.forget_smart_home_appliances(RoomArn=room)
    admin(server, "add-smart-home-appliance", RoomArn=room, FriendlyName="Lamp")
    assert len(appliances(a4b, room)) == 1


def test_forget_errors(a4b):
    room = make_room(a4b)
    expect("NotFoundException", a4b.forget_smart_home_appliances, RoomArn=room[:-4] + "0000")
    a4b.delete_room(RoomArn=room)
    expect("NotFoundException", a4b.forget_smart_home_appliances, RoomArn=room)


def test_list_paginates(server, a4b):
    room = make_room(a4b)
    names = [f"Light {i:03}" for i in range(103)]
    for name in names:
        admin(server, "add-smart-home-appliance", RoomArn=room, FriendlyName=name)
    pages = list(a4b.get_paginator("list_smart_home_appliances").paginate(
        RoomArn=room, PaginationConfig={"PageSize": 25}))
    assert [len(p["SmartHomeAppliances"]) for p in pages] == [25, 25, 25, 25, 3]
    assert [a["FriendlyName"] for p in pages for a in p["SmartHomeAppliances"]] == names
    assert len(appliances(a4b, room)) == 50  # default page size
    token = a4b.list_smart_home_appliances(RoomArn=room, MaxResults=10)["NextToken"]
    other = make_room(a4b, "Other")
    expect("ValidationException", a4b.list_smart_home_appliances, RoomArn=other, NextToken=token)


def test_appliances_go_with_their_room(server, a4b):
    room = make_room(a4b)
    admin(server, "add-smart-home-appliance", RoomArn=room, FriendlyName="Lamp")
    a4b.delete_room(RoomArn=room)
    expect("NotFoundException", a4b.list_smart_home_appliances, RoomArn=room)
    expect("NotFoundException", a4b.start_smart_home_appliance_discovery, RoomArn=room)
