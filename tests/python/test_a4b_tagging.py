"""TagResource, UntagResource and ListTags through the pinned boto3: on every kind of A4B
resource, NotFound for ARNs that name nothing in the account, the system-prefix and 50-tag rules,
tags dying with their resource, and the ListTags paginator."""

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, admin, code, status


def tags_of(a4b, arn):
    return {t["Key"]: t["Value"] for t in a4b.list_tags(Arn=arn)["Tags"]}


def every_kind(server, a4b):
    """One resource of each kind the public API (or the admin surface) creates."""
    profile = a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="1 Main St", DistanceUnit="METRIC",
                                 TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]
    group = a4b.create_gateway_group(Name="G")["GatewayGroupArn"]
    return {
        "profile": profile,
        "room": a4b.create_room(RoomName="Lobby", ProfileArn=profile)["RoomArn"],
        "skill-group": a4b.create_skill_group(SkillGroupName="SG")["SkillGroupArn"],
        "user": a4b.create_user(UserId="ada@example.com")["UserArn"],
        "address-book": a4b.create_address_book(Name="AB")["AddressBookArn"],
        "contact": a4b.create_contact(FirstName="Ada", PhoneNumber="+15550100")["ContactArn"],
        "conference-provider": a4b.create_conference_provider(
            ConferenceProviderName="Z", ConferenceProviderType="ZOOM",
            MeetingSetting={"RequirePin": "NO"})["ConferenceProviderArn"],
        "network-profile": a4b.create_network_profile(
            NetworkProfileName="Open", Ssid="guest", SecurityType="OPEN")["NetworkProfileArn"],
        "gateway-group": group,
        "gateway": admin(server, "register-gateway", GatewayGroupArn=group, Name="gw")["GatewayArn"],
        "schedule": a4b.create_business_report_schedule(
            Format="CSV", ContentRange={"Interval": "ONE_DAY"})["ScheduleArn"],
    }


def test_tag_untag_list_on_every_kind(server, a4b):
    for kind, arn in every_kind(server, a4b).items():
        assert f":{kind}/" in arn
        assert tags_of(a4b, arn) == {}, kind
        a4b.tag_resource(Arn=arn, Tags=[{"Key": "env", "Value": "test"}, {"Key": "kind", "Value": kind}])
        a4b.tag_resource(Arn=arn, Tags=[{"Key": "env", "Value": "prod"}, {"Key": "empty", "Value": ""}])
        assert tags_of(a4b, arn) == {"env": "prod", "kind": kind, "empty": ""}, kind
        a4b.untag_resource(Arn=arn, TagKeys=["kind", "never-set"])
        assert tags_of(a4b, arn) == {"env": "prod", "empty": ""}, kind


def test_keys_are_case_sensitive_and_listed_in_order(a4b):
    arn = a4b.create_address_book(Name="AB", Tags=[{"Key": "b", "Value": "1"}])["AddressBookArn"]
    a4b.tag_resource(Arn=arn, Tags=[{"Key": "B", "Value": "2"}, {"Key": "a", "Value": "3"}])
    assert a4b.list_tags(Arn=arn)["Tags"] == [
        {"Key": "B", "Value": "2"}, {"Key": "a", "Value": "3"}, {"Key": "b", "Value": "1"}]


def test_unknown_and_foreign_arns_are_not_found(a4b):
    book = a4b.create_address_book(Name="AB")["AddressBookArn"]
    org, resource = book.split("/")[1:]
    unknown = [
        f"arn:aws:a4b:us-east-1:{ACCOUNT}:address-book/{org}/{'0' * 32}",
        book.replace(":address-book/", ":contact/"),  # right id, wrong type
        book.replace(ACCOUNT, "210987654321"),  # another account
        book.replace("us-east-1", "eu-west-1"),
        f"arn:aws:a4b:us-east-1:{ACCOUNT}:widget/{org}/{resource}",
        f"arn:aws:s3:::bucket-{resource}",
    ]
    for arn in unknown:
        with pytest.raises(ClientError) as err:
            a4b.tag_resource(Arn=arn, Tags=[{"Key": "k", "Value": "v"}])
        assert code(err) == "NotFoundException" and status(err) == 400, arn
        with pytest.raises(ClientError) as err:
            a4b.untag_resource(Arn=arn, TagKeys=["k"])
        assert code(err) == "NotFoundException", arn
        with pytest.raises(ClientError) as err:
            a4b.list_tags(Arn=arn)
        assert code(err) == "NotFoundException", arn


def test_tags_die_with_the_resource(a4b):
    arn = a4b.create_contact(FirstName="Ada", PhoneNumber="+15550100", Tags=[{"Key": "k", "Value": "v"}])["ContactArn"]
    a4b.delete_contact(ContactArn=arn)
    with pytest.raises(ClientError) as err:
        a4b.list_tags(Arn=arn)
    assert code(err) == "NotFoundException"
    again = a4b.create_contact(FirstName="Ada", PhoneNumber="+15550100")["ContactArn"]
    assert tags_of(a4b, again) == {}


def test_system_prefix_and_the_50_tag_limit(a4b):
    arn = a4b.create_address_book(Name="AB")["AddressBookArn"]
    with pytest.raises(ClientError) as err:
        a4b.tag_resource(Arn=arn, Tags=[{"Key": "aws:owner", "Value": "me"}])
    assert code(err) == "ValidationException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.create_address_book(Name="AB2", Tags=[{"Key": "aws:x", "Value": "y"}])
    assert code(err) == "ValidationException"
    a4b.tag_resource(Arn=arn, Tags=[{"Key": f"k{i:02}", "Value": str(i)} for i in range(49)])
    with pytest.raises(ClientError) as err:
        a4b.tag_resource(Arn=arn, Tags=[{"Key": "x", "Value": "1"}, {"Key": "y", "Value": "2"}])
    assert code(err) == "ValidationException"
    assert len(tags_of(a4b, arn)) == 49  # the failed call changed nothing
    a4b.tag_resource(Arn=arn, Tags=[{"Key": "k00", "Value": "overwritten"}, {"Key": "x", "Value": "1"}])
    assert len(tags_of(a4b, arn)) == 50


def test_list_tags_paginator(a4b):
    arn = a4b.create_address_book(Name="AB")["AddressBookArn"]
    expected = [{"Key": f"k{i:02}", "Value": str(i)} for i in range(50)]
    a4b.tag_resource(Arn=arn, Tags=expected)
    assert a4b.can_paginate("list_tags")
    pages = list(a4b.get_paginator("list_tags").paginate(Arn=arn, PaginationConfig={"PageSize": 7}))
    assert len(pages) == 8
    assert [t for page in pages for t in page["Tags"]] == expected
    first = a4b.list_tags(Arn=arn, MaxResults=10)
    other = a4b.create_address_book(Name="Other")["AddressBookArn"]
    with pytest.raises(ClientError) as err:
        a4b.list_tags(Arn=other, NextToken=first["NextToken"])
    assert code(err) == "ValidationException" and status(err) == 400
