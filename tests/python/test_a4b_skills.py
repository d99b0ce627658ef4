"""A4B skills through the pinned boto3: the built-in store (a4b.md §7.1), ApproveSkill/RejectSkill,
ListSkills, account linking, private skills for enrolled users, the invitation configuration
(§7.5) and the publish-private-skill admin action.
"""

import json

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, admin, allow_role, code_400, new_user, stored_document, unchecked

EXPENSE = "amzn1.ask.skill.0b6c1f3e-2a94-4d1e-9f37-1c5a8e2d7b01"  # linking
MARKET = "amzn1.ask.skill.1d7e2a4f-3b05-4e2f-8a48-2d6b9f3e8c02"
MEETING_TIMER = "amzn1.ask.skill.6c2d7f9e-8a5a-4d7e-9f9d-7c1a4e8d3b07"
ROOM_FINDER = "amzn1.ask.skill.7d3e8a0f-9b6b-4e8f-8a0e-8d2b5f9e4c08"  # linking
HELP_DESK = "amzn1.ask.skill.e4af5b7a-6c3c-4f5a-9b7f-5e9c2a6f1d15"  # private
HR_BENEFITS = "amzn1.ask.skill.f5ba6c8b-7d4d-4a6b-8c8a-6f0d3b7a2e16"  # private, linking
UNKNOWN = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"


def a4b(srv, *creds):
    return srv.client("alexaforbusiness", *creds)


def listed(client, **kwargs):
    return [s["SkillId"] for s in client.list_skills(**kwargs)["SkillSummaries"]]


def private_skill(n):
    return f"amzn1.ask.skill.{n:08x}-aaaa-4bbb-8ccc-dddddddddddd"


# --- Skills store ------------------------------------------------------------------------------


def test_store_categories_in_id_order(shared_server):
    client = a4b(shared_server)
    categories = client.list_skills_store_categories()["CategoryList"]
    assert [c["CategoryId"] for c in categories] == list(range(1001, 1011))
    assert categories[0] == {"CategoryId": 1001, "CategoryName": "Business & Finance"}
    assert categories[-1]["CategoryName"] == "Weather"


def test_store_categories_paginate(shared_server):
    client = a4b(shared_server)
    assert client.can_paginate("list_skills_store_categories")
    pages = list(client.get_paginator("list_skills_store_categories").paginate(PaginationConfig={"PageSize": 3}))
    assert [len(p["CategoryList"]) for p in pages] == [3, 3, 3, 1]
    assert [c["CategoryId"] for p in pages for c in p["CategoryList"]] == list(range(1001, 1011))
    with pytest.raises(ClientError) as err:
        client.list_skills_store_categories(NextToken="not-a-token")
    assert code_400(err) == "ValidationException"


def test_store_skills_by_category_are_full_records(shared_server):
    client = a4b(shared_server)
    skills = client.list_skills_store_skills_by_category(CategoryId=1006)["SkillsStoreSkills"]
    assert [s["SkillName"] for s in skills] == ["Meeting Timer", "Room Finder", "Quick Poll"]
    timer = skills[0]
    assert timer["SkillId"] == MEETING_TIMER
    assert timer["ShortDescription"] == "Keeps meetings on schedule."
    assert timer["IconUrl"] == "https://a4b.invalid/icons/meeting-timer.png"
    assert len(timer["SampleUtterances"]) >= 2
    assert timer["SupportsLinking"] is False
    details = timer["SkillDetails"]
    assert details["InvocationPhrase"] == "meeting timer"
    assert details["ReleaseDate"] == "2019-03-14"
    assert details["SkillTypes"] == ["CUSTOM"]
    assert details["DeveloperInfo"]["DeveloperName"] == "Example Labs"
    for key in ("ProductDescription", "EndUserLicenseAgreement", "GenericKeywords", "BulletPoints",
                "NewInThisVersionBulletPoints"):
        assert details[key]
    # Private skills are not in the store.
    every = [s["SkillId"] for c in range(1001, 1011)
             for s in client.list_skills_store_skills_by_category(CategoryId=c)["SkillsStoreSkills"]]
    assert len(every) == 14 and HELP_DESK not in every


def test_store_skills_unknown_category_is_empty_and_paging(shared_server):
    client = a4b(shared_server)
    assert client.list_skills_store_skills_by_category(CategoryId=4242)["SkillsStoreSkills"] == []
    raw = unchecked(shared_server)
    with pytest.raises(ClientError) as err:
        raw.list_skills_store_skills_by_category(CategoryId=0)
    assert code_400(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        raw.list_skills_store_skills_by_category(CategoryId=1006, MaxResults=11)
    assert code_400(err) == "ValidationException"
    assert client.can_paginate("list_skills_store_skills_by_category")
    pages = list(client.get_paginator("list_skills_store_skills_by_category").paginate(
        CategoryId=1006, PaginationConfig={"PageSize": 1}))
    assert [s["SkillId"] for p in pages for s in p["SkillsStoreSkills"]][:2] == [MEETING_TIMER, ROOM_FINDER]
    assert len(pages) == 3
    token = client.list_skills_store_skills_by_category(CategoryId=1006, MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as err:
        client.list_skills_store_skills_by_category(CategoryId=1007, NextToken=token)
    assert code_400(err) == "ValidationException"


# --- ApproveSkill / RejectSkill / ListSkills ---------------------------------------------------


def test_approve_lists_skills_in_approval_order(server):
    client = a4b(server)
    assert client.list_skills()["SkillSummaries"] == []
    client.approve_skill(SkillId=MEETING_TIMER)
    client.approve_skill(SkillId=EXPENSE)
    client.approve_skill(SkillId=HELP_DESK)
    client.approve_skill(SkillId=MEETING_TIMER)  # approving again changes nothing
    summaries = client.list_skills()["SkillSummaries"]
    assert summaries == [
        {"SkillId": MEETING_TIMER, "SkillName": "Meeting Timer", "SupportsLinking": False,
         "EnablementType": "ENABLED", "SkillType": "PUBLIC"},
        {"SkillId": EXPENSE, "SkillName": "Expense Helper", "SupportsLinking": True,
         "EnablementType": "PENDING", "SkillType": "PUBLIC"},
        {"SkillId": HELP_DESK, "SkillName": "IT Help Desk", "SupportsLinking": False,
         "EnablementType": "ENABLED", "SkillType": "PRIVATE"},
    ]


def test_approve_unknown_skill_is_not_found(server):
    client = a4b(server)
    with pytest.raises(ClientError) as err:
        client.approve_skill(SkillId=UNKNOWN)
    assert code_400(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        client.approve_skill(SkillId="not-a-skill")
    assert code_400(err) == "ValidationException"


def test_list_skills_filters(server):
    client = a4b(server)
    for skill in (MEETING_TIMER, EXPENSE, HELP_DESK, HR_BENEFITS):
        client.approve_skill(SkillId=skill)
    assert listed(client, SkillType="PRIVATE") == [HELP_DESK, HR_BENEFITS]
    assert listed(client, SkillType="PUBLIC") == [MEETING_TIMER, EXPENSE]
    assert listed(client, SkillType="ALL") == [MEETING_TIMER, EXPENSE, HELP_DESK, HR_BENEFITS]
    assert listed(client, EnablementType="PENDING") == [EXPENSE, HR_BENEFITS]
    assert listed(client, EnablementType="ENABLED", SkillType="PRIVATE") == [HELP_DESK]
    # Linking the organization account enables the skill.
    client.put_skill_authorization(SkillId=EXPENSE, AuthorizationResult={"Code": "abc"})
    assert listed(client, EnablementType="PENDING") == [HR_BENEFITS]


def test_list_skills_errors(server):
    client = a4b(server)
    group = f"arn:aws:a4b:us-east-1:{ACCOUNT}:skill-group/{'a' * 32}/{'b' * 32}"
    with pytest.raises(ClientError) as err:
        client.list_skills(SkillGroupArn=group)
    assert code_400(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        unchecked(server).list_skills(MaxResults=11)
    assert code_400(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        client.list_skills(NextToken="bogus")
    assert code_400(err) == "ValidationException"


def test_reject_skill_leaves_the_organization_and_its_groups(server):
    client = a4b(server)
    client.approve_skill(SkillId=MEETING_TIMER)
    client.approve_skill(SkillId=MARKET)
    group = client.create_skill_group(SkillGroupName="Ops")["SkillGroupArn"]
    client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=MEETING_TIMER)
    client.associate_skill_with_skill_group(SkillGroupArn=group, SkillId=MARKET)
    client.reject_skill(SkillId=MEETING_TIMER)
    assert listed(client) == [MARKET]
    assert listed(client, SkillGroupArn=group) == [MARKET]
    with pytest.raises(ClientError) as err:
        client.reject_skill(SkillId=MEETING_TIMER)
    assert code_400(err) == "NotFoundException"
    # A rejected skill can be approved again; it comes back last and outside its old groups.
    client.approve_skill(SkillId=MEETING_TIMER)
    assert listed(client) == [MARKET, MEETING_TIMER]
    assert listed(client, SkillGroupArn=group) == [MARKET]


def test_reject_private_skill_returns_it_to_pending(server):
    client = a4b(server)
    client.approve_skill(SkillId=HELP_DESK)
    client.reject_skill(SkillId=HELP_DESK)
    assert listed(client) == []
    client.approve_skill(SkillId=HELP_DESK)
    assert listed(client) == [HELP_DESK]


def test_reject_unknown_skill_is_not_found(server):
    with pytest.raises(ClientError) as err:
        a4b(server).reject_skill(SkillId=UNKNOWN)
    assert code_400(err) == "NotFoundException"


def test_skill_quota_and_list_paginator(server):
    client = a4b(server)
    builtin = []
    for category in range(1001, 1011):
        builtin += [s["SkillId"] for s in client.list_skills_store_skills_by_category(CategoryId=category)[
            "SkillsStoreSkills"]]
    builtin += [HELP_DESK, HR_BENEFITS]
    published = [private_skill(n) for n in range(100 - len(builtin) + 1)]
    for n, skill in enumerate(published):
        admin(server, "publish-private-skill", SkillId=skill, SkillName=f"Private {n}")
    approved = builtin + published[:-1]
    for skill in approved:
        client.approve_skill(SkillId=skill)
    assert len(approved) == 100
    with pytest.raises(ClientError) as err:
        client.approve_skill(SkillId=published[-1])
    assert code_400(err) == "LimitExceededException"

    assert client.can_paginate("list_skills")
    pages = list(client.get_paginator("list_skills").paginate())
    assert [len(p["SkillSummaries"]) for p in pages] == [10] * 10
    assert [s["SkillId"] for p in pages for s in p["SkillSummaries"]] == approved
    private = client.get_paginator("list_skills").paginate(SkillType="PRIVATE", PaginationConfig={"PageSize": 7})
    assert sum(len(p["SkillSummaries"]) for p in private) == 2 + len(published) - 1

    # Rejecting one frees a slot.
    client.reject_skill(SkillId=MARKET)
    client.approve_skill(SkillId=published[-1])


# --- PutSkillAuthorization / DeleteSkillAuthorization ------------------------------------------


def room(server):
    client = a4b(server)
    profile = client.create_profile(
        ProfileName="Default", Timezone="UTC", Address="1 Main St", DistanceUnit="METRIC",
        TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]
    return client.create_room(RoomName="Board room", ProfileArn=profile)["RoomArn"]


def test_skill_authorization_for_org_and_room(server):
    client = a4b(server)
    client.approve_skill(SkillId=ROOM_FINDER)
    room_arn = room(server)
    client.put_skill_authorization(SkillId=ROOM_FINDER, AuthorizationResult={"Code": "c1"}, RoomArn=room_arn)
    # A room link is not the organization's link.
    assert listed(client, EnablementType="PENDING") == [ROOM_FINDER]
    client.put_skill_authorization(SkillId=ROOM_FINDER, AuthorizationResult={"Code": "c2", "State": "s"})
    assert listed(client, EnablementType="ENABLED") == [ROOM_FINDER]
    client.delete_skill_authorization(SkillId=ROOM_FINDER)
    assert listed(client, EnablementType="PENDING") == [ROOM_FINDER]
    with pytest.raises(ClientError) as err:
        client.delete_skill_authorization(SkillId=ROOM_FINDER)
    assert code_400(err) == "NotFoundException"
    client.delete_skill_authorization(SkillId=ROOM_FINDER, RoomArn=room_arn)
    with pytest.raises(ClientError) as err:
        client.delete_skill_authorization(SkillId=ROOM_FINDER, RoomArn=room_arn)
    assert code_400(err) == "NotFoundException"


def test_put_skill_authorization_errors(server):
    client = a4b(server)
    client.approve_skill(SkillId=EXPENSE)
    client.approve_skill(SkillId=MEETING_TIMER)
    with pytest.raises(ClientError) as err:
        client.put_skill_authorization(SkillId=EXPENSE, AuthorizationResult={"State": "x"})
    assert code_400(err) == "UnauthorizedException"
    with pytest.raises(ClientError) as err:
        unchecked(server).put_skill_authorization(SkillId=EXPENSE, AuthorizationResult={"Code": ""})
    assert code_400(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        client.put_skill_authorization(SkillId=MEETING_TIMER, AuthorizationResult={"Code": "c"})
    assert code_400(err) == "UnauthorizedException"
    with pytest.raises(ClientError) as err:
        client.put_skill_authorization(SkillId=ROOM_FINDER, AuthorizationResult={"Code": "c"})
    assert code_400(err) == "NotFoundException"
    missing_room = f"arn:aws:a4b:us-east-1:{ACCOUNT}:room/{'a' * 32}/{'b' * 32}"
    with pytest.raises(ClientError) as err:
        client.put_skill_authorization(SkillId=EXPENSE, AuthorizationResult={"Code": "c"}, RoomArn=missing_room)
    assert code_400(err) == "NotFoundException"
    assert listed(client, EnablementType="PENDING") == [EXPENSE]


def test_role_sessions_may_link_only_private_skills(server):
    import json

    iam = server.client("iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})
    role = iam.create_role(RoleName="Linker", AssumeRolePolicyDocument=trust)["Role"]
    allow_role(server, "Linker")
    key, secret = new_user(server, "operator")
    creds = server.client("sts", key, secret).assume_role(RoleArn=role["Arn"], RoleSessionName="linker")["Credentials"]
    session = a4b(server, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    client = a4b(server)
    client.approve_skill(SkillId=EXPENSE)
    client.approve_skill(SkillId=HR_BENEFITS)
    with pytest.raises(ClientError) as err:
        session.put_skill_authorization(SkillId=EXPENSE, AuthorizationResult={"Code": "c"})
    assert code_400(err) == "UnauthorizedException"
    session.put_skill_authorization(SkillId=HR_BENEFITS, AuthorizationResult={"Code": "c"})
    assert listed(client, EnablementType="ENABLED") == [HR_BENEFITS]


def test_authorization_result_is_redacted_in_cloudtrail(server):
    client = a4b(server)
    client.approve_skill(SkillId=EXPENSE)
    client.put_skill_authorization(SkillId=EXPENSE, AuthorizationResult={"Code": "secret-code"})
    [event] = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "PutSkillAuthorization"}]
    )["Events"]
    assert "secret-code" not in event["CloudTrailEvent"]


# --- AssociateSkillWithUsers / DisassociateSkillFromUsers --------------------------------------


def offered_to_users(srv, skill):
    """Whether the account offers `skill` to its enrolled users. No A4B operation reads this back
    (AssociateSkillWithUsers has no Get or List counterpart), so this reads the server's store: the
    account's state for the skill (kind `a4b_org_skill`, crates/trailroom-a4b/src/skills/org.rs)
    and its `AvailableToUsers` flag. A call is answered once its write is committed."""
    body = stored_document(srv, ACCOUNT, "a4b_org_skill", skill)
    return body is not None and body["AvailableToUsers"] is True


def test_private_skills_are_offered_to_users(server):
    client = a4b(server)
    assert not offered_to_users(server, HELP_DESK)
    client.associate_skill_with_users(SkillId=HELP_DESK)
    assert offered_to_users(server, HELP_DESK)
    client.associate_skill_with_users(SkillId=HELP_DESK)  # offering again changes nothing
    assert offered_to_users(server, HELP_DESK)
    # Offering a skill to users does not approve it for the organization's rooms.
    assert listed(client) == []
    client.disassociate_skill_from_users(SkillId=HELP_DESK)
    assert not offered_to_users(server, HELP_DESK)
    client.disassociate_skill_from_users(SkillId=HELP_DESK)  # withdrawing again is no error
    assert not offered_to_users(server, HELP_DESK)
    # A published private skill can be offered too; withdrawing it keeps its approval.
    published = admin(server, "publish-private-skill", SkillName="Badge Printer")["SkillId"]
    client.approve_skill(SkillId=published)
    client.associate_skill_with_users(SkillId=published)
    assert offered_to_users(server, published) and not offered_to_users(server, HELP_DESK)
    client.disassociate_skill_from_users(SkillId=published)
    assert not offered_to_users(server, published)
    assert listed(client) == [published]


def test_skill_with_users_needs_a_private_skill(server):
    client = a4b(server)
    for call in (client.associate_skill_with_users, client.disassociate_skill_from_users):
        for skill in (MEETING_TIMER, UNKNOWN):
            with pytest.raises(ClientError) as err:
                call(SkillId=skill)
            assert code_400(err) == "NotFoundException"


# --- Invitation configuration ------------------------------------------------------------------


def test_invitation_configuration_round_trip(server):
    client = a4b(server)
    with pytest.raises(ClientError) as err:
        client.get_invitation_configuration()
    assert code_400(err) == "NotFoundException"
    client.put_invitation_configuration(
        OrganizationName="Example Corp", ContactEmail="it@example.com", PrivateSkillIds=[HELP_DESK, HR_BENEFITS])
    config = client.get_invitation_configuration()
    assert config["OrganizationName"] == "Example Corp"
    assert config["ContactEmail"] == "it@example.com"
    assert config["PrivateSkillIds"] == [HELP_DESK, HR_BENEFITS]
    # Put replaces the whole configuration.
    client.put_invitation_configuration(OrganizationName="Example Inc")
    config = client.get_invitation_configuration()
    assert config["OrganizationName"] == "Example Inc"
    assert "ContactEmail" not in config and "PrivateSkillIds" not in config


def test_invitation_configuration_errors(server):
    client = a4b(server)
    for skills in ([UNKNOWN], [MEETING_TIMER]):
        with pytest.raises(ClientError) as err:
            client.put_invitation_configuration(OrganizationName="Org", PrivateSkillIds=skills)
        assert code_400(err) == "NotFoundException"
    raw = unchecked(server)
    with pytest.raises(ClientError) as err:
        raw.put_invitation_configuration(OrganizationName="Org", PrivateSkillIds=[HELP_DESK] * 4)
    assert code_400(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        raw.put_invitation_configuration(OrganizationName="Org", ContactEmail="not-an-email")
    assert code_400(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        client.get_invitation_configuration()
    assert code_400(err) == "NotFoundException"
    published = admin(server, "publish-private-skill", SkillName="Visitor Sign-in")["SkillId"]
    client.put_invitation_configuration(OrganizationName="Org", PrivateSkillIds=[published])


# --- publish-private-skill ---------------------------------------------------------------------


def test_publish_private_skill(server):
    client = a4b(server)
    result = admin(server, "publish-private-skill", SkillName="Payroll", SupportsLinking=True)
    skill = result["SkillId"]
    assert skill.startswith("amzn1.ask.skill.")
    assert result == {"SkillId": skill, "SkillName": "Payroll", "SupportsLinking": True, "SkillType": "PRIVATE"}
    client.approve_skill(SkillId=skill)
    assert client.list_skills()["SkillSummaries"] == [
        {"SkillId": skill, "SkillName": "Payroll", "SupportsLinking": True,
         "EnablementType": "PENDING", "SkillType": "PRIVATE"}]
    # Republishing updates the skill in place.
    admin(server, "publish-private-skill", SkillId=skill, SkillName="Payroll v2")
    assert listed(client, EnablementType="ENABLED") == [skill]


def test_publish_private_skill_errors(server):
    with pytest.raises(AssertionError, match="ValidationException"):
        admin(server, "publish-private-skill", SkillId="amzn1.ask.skill.XYZ", SkillName="Bad")
    with pytest.raises(AssertionError, match="ValidationException"):
        admin(server, "publish-private-skill", SkillName="")
    with pytest.raises(AssertionError, match="ValidationException"):
        admin(server, "publish-private-skill")
    with pytest.raises(AssertionError, match="AlreadyExistsException"):
        admin(server, "publish-private-skill", SkillId=MEETING_TIMER, SkillName="Clash")
    # A skill id never published to the account is unknown.
    with pytest.raises(ClientError) as err:
        a4b(server).approve_skill(SkillId=private_skill(7))
    assert code_400(err) == "NotFoundException"
