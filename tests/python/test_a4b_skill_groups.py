"""A4B skill groups through the pinned boto3: Create/Get/Update/Delete/SearchSkillGroups,
Associate/DisassociateSkillWith/FromSkillGroup (a4b.md §2.2, §2.3, §2.5, §2.8), and the skill lists
rooms read for ResolveRoom.
"""

import re

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, admin, code_400

MEETING_TIMER = "amzn1.ask.skill.6c2d7f9e-8a5a-4d7e-9f9d-7c1a4e8d3b07"
QUICK_POLL = "amzn1.ask.skill.8e4f9b1a-0c7c-4f9a-9b1f-9e3c6a0f5d09"
ROOM_FINDER = "amzn1.ask.skill.7d3e8a0f-9b6b-4e8f-8a0e-8d2b5f9e4c08"  # needs linking
HELP_DESK = "amzn1.ask.skill.e4af5b7a-6c3c-4f5a-9b7f-5e9c2a6f1d15"  # private
UNKNOWN = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
MISSING_GROUP = f"arn:aws:a4b:us-east-1:{ACCOUNT}:skill-group/{'a' * 32}/{'b' * 32}"


def a4b(srv):
    return srv.client("alexaforbusiness")


def skills_of(client, group):
    return [s["SkillId"] for s in client.list_skills(SkillGroupArn=group)["SkillSummaries"]]


# --- Create / Get / Update / Delete ------------------------------------------------------------


def test_create_and_get_skill_group(server):
    client = a4b(server)
    arn = client.create_skill_group(SkillGroupName="Front desk", Description="Lobby skills")["SkillGroupArn"]
    assert re.fullmatch(rf"arn:aws:a4b:us-east-1:{ACCOUNT}:skill-group/[0-9a-f]{{32}}/[0-9a-f]{{32}}", arn)
    group = client.get_skill_group(SkillGroupArn=arn)["SkillGroup"]
    assert group == {"SkillGroupArn": arn, "SkillGroupName": "Front desk", "Description": "Lobby skills"}
    bare = client.create_skill_group(SkillGroupName="Bare")["SkillGroupArn"]
    assert client.get_skill_group(SkillGroupArn=bare)["SkillGroup"] == {"SkillGroupArn": bare, "SkillGroupName": "Bare"}


def test_create_skill_group_name_taken_is_already_exists(server):
    client = a4b(server)
    client.create_skill_group(SkillGroupName="Ops")
    with pytest.raises(ClientError) as err:
        client.create_skill_group(SkillGroupName="Ops", Description="again")
    assert code_400(err) == "AlreadyExistsException"
    client.create_skill_group(SkillGroupName="ops")  # names are case-sensitive


def test_create_skill_group_token_and_tags(server):
    client = a4b(server)
    token = "group-token-123"
    first = client.create_skill_group(SkillGroupName="Tagged", ClientRequestToken=token,
                                      Tags=[{"Key": "team", "Value": "it"}])["SkillGroupArn"]
    again = client.create_skill_group(SkillGroupName="Tagged", ClientRequestToken=token,
                                      Tags=[{"Key": "team", "Value": "it"}])["SkillGroupArn"]
    assert first == again
    with pytest.raises(ClientError) as err:
        client.create_skill_group(SkillGroupName="Other", ClientRequestToken=token)
    assert code_400(err) == "AlreadyExistsException"
    with pytest.raises(ClientError) as err:
        client.create_skill_group(SkillGroupName="Sys", Tags=[{"Key": "aws:x", "Value": "y"}])
    assert code_400(err) == "ValidationException"
    assert client.search_skill_groups()["TotalCount"] == 1


def test_get_skill_group_errors(server):
    client = a4b(server)
    with pytest.raises(ClientError) as err:
        client.get_skill_group()
    assert code_400(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        client.get_skill_group(SkillGroupArn=MISSING_GROUP)
    assert code_400(err) == "NotFoundException"
    # Another type's ARN, and another account's, are not found either.
    room_arn = MISSING_GROUP.replace("skill-group/", "room/")
    other = MISSING_GROUP.replace(ACCOUNT, "210987654321")
    for arn in (room_arn, other):
        with pytest.raises(ClientError) as err:
            client.get_skill_group(SkillGroupArn=arn)
        assert code_400(err) == "NotFoundException"


def test_update_skill_group_is_partial(server):
    client = a4b(server)
    arn = client.create_skill_group(SkillGroupName="Sales", Description="v1")["SkillGroupArn"]
    client.update_skill_group(SkillGroupArn=arn, Description="v2")
    assert client.get_skill_group(SkillGroupArn=arn)["SkillGroup"]["SkillGroupName"] == "Sales"
    client.update_skill_group(SkillGroupArn=arn, SkillGroupName="Sales EMEA")
    group = client.get_skill_group(SkillGroupArn=arn)["SkillGroup"]
    assert (group["SkillGroupName"], group["Description"]) == ("Sales EMEA", "v2")
    client.update_skill_group(SkillGroupArn=arn, SkillGroupName="Sales EMEA")  # own name: no conflict
    # The old name is free again.
    client.create_skill_group(SkillGroupName="Sales")


def test_update_skill_group_errors(server):
    client = a4b(server)
    client.create_skill_group(SkillGroupName="Taken")
    arn = client.create_skill_group(SkillGroupName="Mine")["SkillGroupArn"]
    with pytest.raises(ClientError) as err:
        client.update_skill_group(SkillGroupArn=arn, SkillGroupName="Taken")
    assert code_400(err) == "NameInUseException"
    assert client.get_skill_group(SkillGroupArn=arn)["SkillGroup"]["SkillGroupName"] == "Mine"
    with pytest.raises(ClientError) as err:
        client.update_skill_group(SkillGroupArn=MISSING_GROUP, Description="x")
    assert code_400(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        client.update_skill_group(Description="x")
    assert code_400(err) == "ValidationException"


def test_delete_skill_group(server):
    client = a4b(server)
    arn = client.create_skill_group(SkillGroupName="Temp")["SkillGroupArn"]
    client.delete_skill_group(SkillGroupArn=arn)
    with pytest.raises(ClientError) as err:
        client.get_skill_group(SkillGroupArn=arn)
    assert code_400(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        client.delete_skill_group(SkillGroupArn=arn)
    assert code_400(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        client.delete_skill_group()
    assert code_400(err) == "ValidationException"
    client.create_skill_group(SkillGroupName="Temp")


# --- Associate / Disassociate skills -----------------------------------------------------------


def test_associate_and_disassociate_skills(server):
    client = a4b(server)
    for skill in (MEETING_TIMER, QUICK_POLL, HELP_DESK):
        client.approve_skill(SkillId=skill)
    group = client.create_skill_group(SkillGroupName="Meetings")["SkillGroupArn"]
    client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=QUICK_POLL)
    client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=MEETING_TIMER)
    client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=HELP_DESK)
    client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=QUICK_POLL)  # already in
    assert skills_of(client, group) == [QUICK_POLL, MEETING_TIMER, HELP_DESK]
    assert [s["SkillType"] for s in client.list_skills(SkillGroupArn=group, SkillType="PRIVATE")[
        "SkillSummaries"]] == ["PRIVATE"]
    client.disassociate_skill_from_skill_group(SkillGroupArn=group, SkillId=QUICK_POLL)
    assert skills_of(client, group) == [MEETING_TIMER, HELP_DESK]
    # Not in the group any more: already disassociated.
    client.disassociate_skill_from_skill_group(SkillGroupArn=group, SkillId=QUICK_POLL)
    assert skills_of(client, group) == [MEETING_TIMER, HELP_DESK]


def test_associate_needs_an_approved_skill_and_a_group(server):
    client = a4b(server)
    group = client.create_skill_group(SkillGroupName="G")["SkillGroupArn"]
    for skill in (MEETING_TIMER, UNKNOWN):
        with pytest.raises(ClientError) as err:
            client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=skill)
        assert code_400(err) == "NotFoundException"
    client.approve_skill(SkillId=MEETING_TIMER)
    with pytest.raises(ClientError) as err:
        client.associate_skill_with_skill_group(SkillGroupArn=MISSING_GROUP, SkillId=MEETING_TIMER)
    assert code_400(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        client.associate_skill_with_skill_group(SkillId=MEETING_TIMER)
    assert code_400(err) == "ValidationException"
    assert skills_of(client, group) == []


def test_associate_linking_skill_needs_the_org_link(server):
    client = a4b(server)
    client.approve_skill(SkillId=ROOM_FINDER)
    group = client.create_skill_group(SkillGroupName="Rooms")["SkillGroupArn"]
    with pytest.raises(ClientError) as err:
        client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=ROOM_FINDER)
    assert code_400(err) == "SkillNotLinkedException"
    client.put_skill_authorization(SkillId=ROOM_FINDER, AuthorizationResult={"Code": "oauth-code"})
    client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=ROOM_FINDER)
    assert skills_of(client, group) == [ROOM_FINDER]
    assert client.list_skills(SkillGroupArn=group)["SkillSummaries"][0]["EnablementType"] == "ENABLED"


def test_skill_group_holds_at_most_25_skills(server):
    client = a4b(server)
    group = client.create_skill_group(SkillGroupName="Full")["SkillGroupArn"]
    skills = []
    for n in range(26):
        skill = admin(server, "publish-private-skill", SkillName=f"Private {n}")["SkillId"]
        client.approve_skill(SkillId=skill)
        skills.append(skill)
    for skill in skills[:25]:
        client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=skill)
    with pytest.raises(ClientError) as err:
        client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=skills[25])
    assert code_400(err) == "LimitExceededException"
    # Re-associating a member is not a 26th skill.
    client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=skills[0])
    pages = list(client.get_paginator("list_skills").paginate(SkillGroupArn=group))
    assert [s["SkillId"] for p in pages for s in p["SkillSummaries"]] == skills[:25]
    assert [len(p["SkillSummaries"]) for p in pages] == [10, 10, 5]


def test_disassociate_errors(server):
    client = a4b(server)
    group = client.create_skill_group(SkillGroupName="G")["SkillGroupArn"]
    with pytest.raises(ClientError) as err:
        client.disassociate_skill_from_skill_group(SkillGroupArn=group, SkillId=UNKNOWN)
    assert code_400(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        client.disassociate_skill_from_skill_group(SkillGroupArn=MISSING_GROUP, SkillId=MEETING_TIMER)
    assert code_400(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        client.disassociate_skill_from_skill_group(SkillId=MEETING_TIMER)
    assert code_400(err) == "ValidationException"


# --- Rooms -------------------------------------------------------------------------------------


def test_room_skills_resolve_until_the_group_is_deleted(server):
    """ResolveRoom reads the skill lists of the room's groups; DeleteSkillGroup leaves every room."""
    client = a4b(server)
    profile = client.create_profile(
        ProfileName="Default", Timezone="UTC", Address="1 Main St", DistanceUnit="METRIC",
        TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]
    room = client.create_room(RoomName="Huddle", ProfileArn=profile)["RoomArn"]
    alexa_user = "amzn1.ask.account.AEXAMPLE0123"
    admin(server, "import-device", DeviceName="Huddle echo", DeviceSerialNumber="G0001", DeviceType="A3S5BH2HU6VAYF",
          RoomArn=room, AlexaUserId=alexa_user)
    client.approve_skill(SkillId=HELP_DESK)
    group = client.create_skill_group(SkillGroupName="Help")["SkillGroupArn"]
    client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=HELP_DESK)
    client.associate_skill_group_with_room(SkillGroupArn=group, RoomArn=room)

    resolved = client.resolve_room(UserId=alexa_user, SkillId=HELP_DESK)
    assert (resolved["RoomArn"], resolved["RoomName"]) == (room, "Huddle")

    client.disassociate_skill_from_skill_group(SkillGroupArn=group, SkillId=HELP_DESK)
    with pytest.raises(ClientError) as err:
        client.resolve_room(UserId=alexa_user, SkillId=HELP_DESK)
    assert code_400(err) == "NotFoundException"
    client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=HELP_DESK)
    client.resolve_room(UserId=alexa_user, SkillId=HELP_DESK)

    client.delete_skill_group(SkillGroupArn=group)
    with pytest.raises(ClientError) as err:
        client.resolve_room(UserId=alexa_user, SkillId=HELP_DESK)
    assert code_400(err) == "NotFoundException"
    # The room itself is untouched.
    assert client.get_room(RoomArn=room)["Room"]["RoomName"] == "Huddle"


def test_rejecting_a_skill_stops_it_resolving(server):
    client = a4b(server)
    profile = client.create_profile(
        ProfileName="P", Timezone="UTC", Address="1 Main St", DistanceUnit="METRIC",
        TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]
    room = client.create_room(RoomName="Lab", ProfileArn=profile)["RoomArn"]
    alexa_user = "amzn1.ask.account.AEXAMPLE0456"
    admin(server, "import-device", DeviceName="Lab echo", DeviceSerialNumber="G0002", DeviceType="A3S5BH2HU6VAYF",
          RoomArn=room, AlexaUserId=alexa_user)
    client.approve_skill(SkillId=MEETING_TIMER)
    group = client.create_skill_group(SkillGroupName="Lab skills")["SkillGroupArn"]
    client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=MEETING_TIMER)
    client.associate_skill_group_with_room(SkillGroupArn=group, RoomArn=room)
    client.resolve_room(UserId=alexa_user, SkillId=MEETING_TIMER)
    client.reject_skill(SkillId=MEETING_TIMER)
    with pytest.raises(ClientError) as err:
        client.resolve_room(UserId=alexa_user, SkillId=MEETING_TIMER)
    assert code_400(err) == "NotFoundException"


# --- SearchSkillGroups -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def groups(shared_server):
    client = a4b(shared_server)
    for name, description in [("Lobby", "b"), ("lab", "a"), ("Board", "c"), ("Library", None)]:
        extra = {"Description": description} if description else {}
        client.create_skill_group(SkillGroupName=name, **extra)
    return client


def group_names(response):
    return [g["SkillGroupName"] for g in response["SkillGroups"]]


def test_search_skill_groups_default_order_and_shape(groups):
    response = groups.search_skill_groups()
    assert group_names(response) == ["Board", "Library", "Lobby", "lab"]
    assert response["TotalCount"] == 4
    assert set(response["SkillGroups"][0]) == {"SkillGroupArn", "SkillGroupName", "Description"}
    assert "Description" not in response["SkillGroups"][1]


def test_search_skill_groups_filter_and_sort(groups):
    prefix = groups.search_skill_groups(Filters=[{"Key": "SkillGroupName", "Values": ["l"]}])
    assert group_names(prefix) == ["Library", "Lobby", "lab"]
    assert prefix["TotalCount"] == 3
    either = groups.search_skill_groups(Filters=[{"Key": "SkillGroupName", "Values": ["lob", "BOARD"]}])
    assert group_names(either) == ["Board", "Lobby"]
    desc = groups.search_skill_groups(SortCriteria=[{"Key": "SkillGroupName", "Value": "DESC"}])
    assert group_names(desc) == ["lab", "Lobby", "Library", "Board"]
    page = groups.search_skill_groups(MaxResults=3)
    assert len(page["SkillGroups"]) == 3 and page["TotalCount"] == 4
    rest = groups.search_skill_groups(MaxResults=3, NextToken=page["NextToken"])
    assert group_names(rest) == ["lab"] and "NextToken" not in rest


def test_search_skill_groups_errors(groups):
    for kwargs in ({"Filters": [{"Key": "Description", "Values": ["a"]}]},
                   {"SortCriteria": [{"Key": "SkillGroupArn", "Value": "ASC"}]},
                   {"NextToken": "nonsense"}):
        with pytest.raises(ClientError) as err:
            groups.search_skill_groups(**kwargs)
        assert code_400(err) == "ValidationException"


def test_search_skill_groups_paginator(server):
    client = a4b(server)
    for i in range(110):
        client.create_skill_group(SkillGroupName=f"group-{i:03d}")
    assert client.can_paginate("search_skill_groups")
    pages = list(client.get_paginator("search_skill_groups").paginate())
    assert [len(p["SkillGroups"]) for p in pages] == [50, 50, 10]
    assert [g["SkillGroupName"] for p in pages for g in p["SkillGroups"]] == [f"group-{i:03d}" for i in range(110)]
    small = client.get_paginator("search_skill_groups").paginate(
        Filters=[{"Key": "SkillGroupName", "Values": ["group-1"]}], PaginationConfig={"PageSize": 4})
    assert sum(len(p["SkillGroups"]) for p in small) == 10
