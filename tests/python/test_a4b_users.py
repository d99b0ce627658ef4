"""A4B users through the pinned boto3: CreateUser, DeleteUser, SearchUsers, SendInvitation,
RevokeInvitation, the enrollment state machine (a4b.md §2.7) and the accept-invitation admin action.
"""

import re

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, admin, code_400


def a4b(srv):
    return srv.client("alexaforbusiness")


def user_data(client, arn):
    users = client.search_users()["Users"]
    [user] = [u for u in users if u["UserArn"] == arn]
    return user


def create(client, user_id, **extra):
    return client.create_user(UserId=user_id, **extra)["UserArn"]


# --- CreateUser --------------------------------------------------------------------------------


def test_create_user_starts_initialized_with_an_enrollment_id(server):
    client = a4b(server)
    arn = create(client, "ada@example.com", FirstName="Ada", LastName="Lovelace", Email="ada@example.com")
    assert re.fullmatch(rf"arn:aws:a4b:us-east-1:{ACCOUNT}:user/[0-9a-f]{{32}}/[0-9a-f]{{32}}", arn)
    user = user_data(client, arn)
    assert user["FirstName"] == "Ada" and user["LastName"] == "Lovelace"
    assert user["Email"] == "ada@example.com"
    assert user["EnrollmentStatus"] == "INITIALIZED"
    assert re.fullmatch(r"[0-9a-f]{32}", user["EnrollmentId"])
    assert "UserId" not in user


def test_create_user_with_a_taken_user_id_is_resource_in_use(server):
    client = a4b(server)
    create(client, "grace")
    with pytest.raises(ClientError) as err:
        create(client, "grace", FirstName="Other")
    assert code_400(err) == "ResourceInUseException"
    # The id is case-sensitive (a4b.md §2.5): a different case is another user.
    create(client, "Grace")


def test_create_user_token_replays_and_rejects_other_parameters(server):
    client = a4b(server)
    token = "token-0123456789"
    first = client.create_user(UserId="linus", ClientRequestToken=token)["UserArn"]
    again = client.create_user(UserId="linus", ClientRequestToken=token)["UserArn"]
    assert first == again
    with pytest.raises(ClientError) as err:
        client.create_user(UserId="linus2", ClientRequestToken=token)
    assert code_400(err) == "AlreadyExistsException"
    assert client.search_users()["TotalCount"] == 1


def test_create_user_validates_the_model(server):
    client = a4b(server)
    with pytest.raises(ClientError) as err:
        client.create_user(UserId="has space")
    assert code_400(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        client.create_user(UserId="x", Tags=[{"Key": "aws:system", "Value": "v"}])
    assert code_400(err) == "ValidationException"
    assert client.search_users()["TotalCount"] == 0


def test_create_user_is_logged_with_the_user_resource(server):
    client = a4b(server)
    arn = create(client, "logged", Email="logged@example.com")
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}]
    )["Events"]
    assert len(events) == 1
    assert events[0]["Resources"] == [{"ResourceType": "AWS::A4B::User", "ResourceName": arn}]


# --- DeleteUser --------------------------------------------------------------------------------


def test_delete_user_needs_the_matching_enrollment(server):
    client = a4b(server)
    arn = create(client, "bob")
    enrollment = user_data(client, arn)["EnrollmentId"]
    with pytest.raises(ClientError) as err:
        client.delete_user(UserArn=arn, EnrollmentId="0" * 32)
    assert code_400(err) == "NotFoundException"
    client.delete_user(UserArn=arn, EnrollmentId=enrollment)
    assert client.search_users()["Users"] == []
    with pytest.raises(ClientError) as err:
        client.delete_user(UserArn=arn, EnrollmentId=enrollment)
    assert code_400(err) == "NotFoundException"
    # The UserId is free again.
    create(client, "bob")


def test_delete_user_errors(server):
    client = a4b(server)
    with pytest.raises(ClientError) as err:
        client.delete_user(EnrollmentId="abc")
    assert code_400(err) == "ValidationException"
    foreign = f"arn:aws:a4b:us-east-1:{ACCOUNT}:room/{'a' * 32}/{'b' * 32}"
    with pytest.raises(ClientError) as err:
        client.delete_user(UserArn=foreign, EnrollmentId="abc")
    assert code_400(err) == "NotFoundException"


def test_delete_registered_user(server):
    client = a4b(server)
    arn = create(client, "reg")
    client.send_invitation(UserArn=arn)
    admin(server, "accept-invitation", UserArn=arn)
    enrollment = user_data(client, arn)["EnrollmentId"]
    client.delete_user(UserArn=arn, EnrollmentId=enrollment)
    assert client.search_users()["TotalCount"] == 0


# --- SendInvitation / accept / RevokeInvitation --------------------------------------------------


def test_invitation_lifecycle(server):
    client = a4b(server)
    arn = create(client, "eve", Email="eve@example.com")
    enrollment = user_data(client, arn)["EnrollmentId"]

    client.send_invitation(UserArn=arn)
    assert user_data(client, arn)["EnrollmentStatus"] == "PENDING"
    # Sending again while pending replaces the URL and stays pending.
    client.send_invitation(UserArn=arn)
    assert user_data(client, arn)["EnrollmentStatus"] == "PENDING"

    result = admin(server, "accept-invitation", UserArn=arn)
    assert result == {"UserArn": arn, "EnrollmentStatus": "REGISTERED", "EnrollmentId": enrollment}
    assert user_data(client, arn)["EnrollmentStatus"] == "REGISTERED"

    with pytest.raises(ClientError) as err:
        client.send_invitation(UserArn=arn)
    assert code_400(err) == "InvalidUserStatusException"

    # Revoking a registered user's enrollment starts over with a new enrollment.
    client.revoke_invitation(UserArn=arn, EnrollmentId=enrollment)
    user = user_data(client, arn)
    assert user["EnrollmentStatus"] == "INITIALIZED"
    assert user["EnrollmentId"] != enrollment
    client.send_invitation(UserArn=arn)
    assert user_data(client, arn)["EnrollmentStatus"] == "PENDING"


def test_send_invitation_errors(server):
    client = a4b(server)
    with pytest.raises(ClientError) as err:
        client.send_invitation()
    assert code_400(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        client.send_invitation(UserArn=f"arn:aws:a4b:us-east-1:{ACCOUNT}:user/{'a' * 32}/{'b' * 32}")
    assert code_400(err) == "NotFoundException"
    other_account = f"arn:aws:a4b:us-east-1:210987654321:user/{'a' * 32}/{'b' * 32}"
    with pytest.raises(ClientError) as err:
        client.send_invitation(UserArn=other_account)
    assert code_400(err) == "NotFoundException"


def test_revoke_pending_invitation_keeps_the_enrollment(server):
    client = a4b(server)
    arn = create(client, "pat")
    enrollment = user_data(client, arn)["EnrollmentId"]
    client.send_invitation(UserArn=arn)
    client.revoke_invitation(UserArn=arn, EnrollmentId=enrollment)
    user = user_data(client, arn)
    assert (user["EnrollmentStatus"], user["EnrollmentId"]) == ("INITIALIZED", enrollment)
    # The voided invitation can no longer be accepted.
    with pytest.raises(AssertionError, match="InvalidUserStatusException"):
        admin(server, "accept-invitation", UserArn=arn)


def test_revoke_invitation_errors(server):
    client = a4b(server)
    arn = create(client, "sam")
    enrollment = user_data(client, arn)["EnrollmentId"]
    with pytest.raises(ClientError) as err:
        client.revoke_invitation(UserArn=arn)
    assert code_400(err) == "ValidationException"
    client.send_invitation(UserArn=arn)
    with pytest.raises(ClientError) as err:
        client.revoke_invitation(UserArn=arn, EnrollmentId="f" * 32)
    assert code_400(err) == "NotFoundException"
    client.revoke_invitation(UserArn=arn, EnrollmentId=enrollment)
    # Nothing left to revoke.
    with pytest.raises(ClientError) as err:
        client.revoke_invitation(UserArn=arn, EnrollmentId=enrollment)
    assert code_400(err) == "NotFoundException"


def test_accept_invitation_admin_errors(server):
    client = a4b(server)
    arn = create(client, "kim")
    with pytest.raises(AssertionError, match="InvalidUserStatusException"):
        admin(server, "accept-invitation", UserArn=arn)
    with pytest.raises(AssertionError, match="NotFoundException"):
        admin(server, "accept-invitation", UserArn=arn.replace("user/", "user/0"))
    with pytest.raises(AssertionError, match="ValidationException"):
        admin(server, "accept-invitation", Arn=arn)


# --- SearchUsers -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def people(shared_server):
    client = a4b(shared_server)
    rows = [
        ("ada", "Ada", "Lovelace", "ada@example.com"),
        ("alan", "Alan", "Turing", "alan@example.org"),
        ("grace", "Grace", "Hopper", "grace@example.com"),
        ("edsger", "Edsger", "Dijkstra", "ed@example.net"),
    ]
    arns = {}
    for user_id, first, last, email in rows:
        arns[user_id] = create(client, user_id, FirstName=first, LastName=last, Email=email)
    client.send_invitation(UserArn=arns["grace"])
    client.send_invitation(UserArn=arns["alan"])
    admin(shared_server, "accept-invitation", UserArn=arns["alan"])
    return client, arns


def names(response):
    return [u["FirstName"] for u in response["Users"]]


def test_search_users_defaults_to_user_id_order(people):
    client, _ = people
    response = client.search_users()
    assert names(response) == ["Ada", "Alan", "Edsger", "Grace"]
    assert response["TotalCount"] == 4
    assert "NextToken" not in response


def test_search_users_filters(people):
    client, arns = people
    by_prefix = client.search_users(Filters=[{"Key": "UserId", "Values": ["A"]}])
    assert names(by_prefix) == ["Ada", "Alan"]
    assert by_prefix["TotalCount"] == 2
    email = client.search_users(Filters=[{"Key": "Email", "Values": ["ED@", "grace@example.com"]}])
    assert names(email) == ["Edsger", "Grace"]
    status = client.search_users(Filters=[{"Key": "EnrollmentStatus", "Values": ["PENDING"]}])
    assert [u["UserArn"] for u in status["Users"]] == [arns["grace"]]
    # Enum filters are exact.
    assert client.search_users(Filters=[{"Key": "EnrollmentStatus", "Values": ["pending"]}])["TotalCount"] == 0
    both = client.search_users(
        Filters=[{"Key": "LastName", "Values": ["t", "l"]}, {"Key": "FirstName", "Values": ["Al"]}]
    )
    assert names(both) == ["Alan"]
    assert client.search_users(Filters=[{"Key": "FirstName", "Values": []}])["Users"] == []


def test_search_users_sorts(people):
    client, _ = people
    by_last = client.search_users(SortCriteria=[{"Key": "LastName", "Value": "DESC"}])
    assert names(by_last) == ["Alan", "Ada", "Grace", "Edsger"]
    by_status = client.search_users(
        SortCriteria=[{"Key": "EnrollmentStatus", "Value": "ASC"}, {"Key": "Email", "Value": "DESC"}]
    )
    assert names(by_status) == ["Edsger", "Ada", "Grace", "Alan"]


def test_search_users_rejects_unknown_keys_and_tokens(people):
    client, _ = people
    with pytest.raises(ClientError) as err:
        client.search_users(Filters=[{"Key": "Phone", "Values": ["1"]}])
    assert code_400(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        client.search_users(SortCriteria=[{"Key": "EnrollmentId", "Value": "ASC"}])
    assert code_400(err) == "ValidationException"
    token = client.search_users(MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as err:
        client.search_users(MaxResults=1, NextToken=token, Filters=[{"Key": "UserId", "Values": ["a"]}])
    assert code_400(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        client.search_users(NextToken="garbage")
    assert code_400(err) == "ValidationException"


def test_search_users_paginator_walks_every_user(server):
    client = a4b(server)
    for i in range(120):
        create(client, f"user{i:03d}", FirstName=f"F{i:03d}")
    assert client.can_paginate("search_users")
    pages = list(client.get_paginator("search_users").paginate(PaginationConfig={"PageSize": 50}))
    assert [len(p["Users"]) for p in pages] == [50, 50, 20]
    assert all(p["TotalCount"] == 120 for p in pages)
    seen = [u["FirstName"] for p in pages for u in p["Users"]]
    assert seen == [f"F{i:03d}" for i in range(120)]
    filtered = client.get_paginator("search_users").paginate(
        Filters=[{"Key": "UserId", "Values": ["user1"]}], PaginationConfig={"PageSize": 7}
    )
    assert sum(len(p["Users"]) for p in filtered) == 20
