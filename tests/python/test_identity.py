"""Identities through the pinned boto3: root, IAM users, assumed roles, federated users."""

import json

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, ALLOW_ALL, ROOT_KEY, new_user


def trust_policy(principal, actions=("sts:AssumeRole", "sts:SetSourceIdentity")):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": list(actions)}],
    })


def test_root_caller_identity(server):
    ident = server.client("sts").get_caller_identity()
    assert ident["Account"] == ACCOUNT
    assert ident["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert ident["UserId"] == ACCOUNT


def test_iam_user_key_signs_as_the_user(server):
    key, secret = new_user(server, "Alice")
    ident = server.client("sts", key, secret).get_caller_identity()
    assert ident["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/Alice"
    assert ident["UserId"].startswith("AIDA") and len(ident["UserId"]) == 21
    assert key.startswith("AKIA") and len(key) == 20


def test_assumed_role_credentials_show_the_session_arn(server):
    iam = server.client("iam")
    role = iam.create_role(RoleName="Ops", AssumeRolePolicyDocument=trust_policy(f"arn:aws:iam::{ACCOUNT}:root"))["Role"]
    assert role["RoleId"].startswith("AROA")
    key, secret = new_user(server, "Bob")
    out = server.client("sts", key, secret).assume_role(
        RoleArn=role["Arn"], RoleSessionName="bob-session", DurationSeconds=900, SourceIdentity="bob"
    )
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Ops/bob-session"
    assert out["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:bob-session"
    sts = server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    ident = sts.get_caller_identity()
    assert ident["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Ops/bob-session"
    assert ident["UserId"] == f"{role['RoleId']}:bob-session"


def test_temporary_key_without_its_token_is_refused(server):
    iam = server.client("iam")
    role = iam.create_role(RoleName="Ops", AssumeRolePolicyDocument=trust_policy(ACCOUNT))["Role"]
    creds = server.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="s1")["Credentials"]
    with pytest.raises(ClientError) as err:
        server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"]).get_caller_identity()
    assert err.value.response["Error"]["Code"] == "InvalidClientTokenId"
    with pytest.raises(ClientError) as err:
        server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], "forged").get_caller_identity()
    assert err.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_trust_policy_refuses_other_principals(server):
    iam = server.client("iam")
    role = iam.create_role(
        RoleName="OnlyAlice", AssumeRolePolicyDocument=trust_policy(f"arn:aws:iam::{ACCOUNT}:user/Alice")
    )["Role"]
    new_user(server, "Alice")
    key, secret = new_user(server, "Mallory")
    with pytest.raises(ClientError) as err:
        server.client("sts", key, secret).assume_role(RoleArn=role["Arn"], RoleSessionName="xx")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert f"user/Mallory is not authorized to perform: sts:AssumeRole" in err.value.response["Error"]["Message"]


def test_federated_user(server):
    key, secret = new_user(server, "Carol")
    out = server.client("sts", key, secret).get_federation_token(Name="fed-carol", DurationSeconds=900)
    assert out["FederatedUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:federated-user/fed-carol"
    assert out["FederatedUser"]["FederatedUserId"] == f"{ACCOUNT}:fed-carol"
    creds = out["Credentials"]
    ident = server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]).get_caller_identity()
    assert ident["Arn"] == f"arn:aws:sts::{ACCOUNT}:federated-user/fed-carol"


def test_session_token_for_user(server):
    key, secret = new_user(server, "Dave")
    creds = server.client("sts", key, secret).get_session_token(DurationSeconds=900)["Credentials"]
    sts = server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/Dave"
    with pytest.raises(ClientError) as err:
        sts.get_session_token()
    assert err.value.response["Error"]["Code"] == "AccessDenied"


def test_sts_validation_errors(server):
    sts = server.client("sts")
    with pytest.raises(ClientError) as err:
        sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/Nope", RoleSessionName="x y")
    assert err.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError) as err:
        sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/Nope", RoleSessionName="ok")
    assert err.value.response["Error"]["Code"] == "AccessDenied"


def test_iam_users_keys_roles_and_policies(server):
    iam = server.client("iam")
    iam.create_user(UserName="Erin", Path="/team/")
    with pytest.raises(ClientError) as err:
        iam.create_user(UserName="Erin")
    assert err.value.response["Error"]["Code"] == "EntityAlreadyExists"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["Erin"]
    assert iam.list_users(PathPrefix="/other/")["Users"] == []
    assert iam.get_user(UserName="Erin")["User"]["Path"] == "/team/"
    key = iam.create_access_key(UserName="Erin")["AccessKey"]
    iam.create_access_key(UserName="Erin")
    with pytest.raises(ClientError) as err:
        iam.create_access_key(UserName="Erin")
    assert err.value.response["Error"]["Code"] == "LimitExceeded"
    assert len(iam.list_access_keys(UserName="Erin")["AccessKeyMetadata"]) == 2
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "a4b:*", "Resource": "*"}]})
    iam.put_user_policy(UserName="Erin", PolicyName="a4b", PolicyDocument=policy)
    assert iam.list_user_policies(UserName="Erin")["PolicyNames"] == ["a4b"]
    assert json.loads(iam.get_user_policy(UserName="Erin", PolicyName="a4b")["PolicyDocument"]) if isinstance(
        iam.get_user_policy(UserName="Erin", PolicyName="a4b")["PolicyDocument"], str) else True
    with pytest.raises(ClientError) as err:
        iam.put_user_policy(UserName="Erin", PolicyName="bad", PolicyDocument="{not json")
    assert err.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    with pytest.raises(ClientError) as err:
        iam.delete_user(UserName="Erin")
    assert err.value.response["Error"]["Code"] == "DeleteConflict"
    iam.update_access_key(UserName="Erin", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as err:
        server.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    assert err.value.response["Error"]["Code"] == "InvalidClientTokenId"
    for meta in iam.list_access_keys(UserName="Erin")["AccessKeyMetadata"]:
        iam.delete_access_key(UserName="Erin", AccessKeyId=meta["AccessKeyId"])
    iam.delete_user_policy(UserName="Erin", PolicyName="a4b")
    iam.delete_user(UserName="Erin")
    with pytest.raises(ClientError) as err:
        iam.get_user(UserName="Erin")
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404

    iam.create_role(RoleName="R1", AssumeRolePolicyDocument=trust_policy(ACCOUNT), Description="d")
    got = iam.get_role(RoleName="R1")["Role"]
    assert got["Description"] == "d" and got["MaxSessionDuration"] == 3600
    assert got["AssumeRolePolicyDocument"]["Statement"][0]["Action"] == ["sts:AssumeRole", "sts:SetSourceIdentity"]
    iam.put_role_policy(RoleName="R1", PolicyName="p", PolicyDocument=policy)
    assert iam.list_role_policies(RoleName="R1")["PolicyNames"] == ["p"]
    iam.delete_role_policy(RoleName="R1", PolicyName="p")
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["R1"]
    iam.delete_role(RoleName="R1")
    assert iam.list_roles()["Roles"] == []


def test_list_users_pages(server):
    iam = server.client("iam")
    for i in range(25):
        iam.create_user(UserName=f"user{i:02d}")
    pages = list(iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 10}))
    assert len(pages) == 3
    names = [u["UserName"] for p in pages for u in p["Users"]]
    assert names == [f"user{i:02d}" for i in range(25)]


def test_restart_keeps_users_keys_and_roles(server):
    key, secret = new_user(server, "Frank")
    server.client("iam").create_role(RoleName="Keep", AssumeRolePolicyDocument=trust_policy(ACCOUNT))
    server.restart()
    assert server.client("sts", key, secret).get_caller_identity()["Arn"].endswith(":user/Frank")
    assert server.client("iam").get_role(RoleName="Keep")["Role"]["RoleName"] == "Keep"


def test_session_lengths_policy_limits_and_packed_size(server):
    import datetime

    sts = server.client("sts")
    # Root asking for two hours gets one, as STS caps it.
    creds = sts.get_session_token(DurationSeconds=7200)["Credentials"]
    left = creds["Expiration"] - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(minutes=55) < left <= datetime.timedelta(hours=1)
    fed = sts.get_federation_token(Name="capped", DurationSeconds=7200, Policy=ALLOW_ALL)
    left = fed["Credentials"]["Expiration"] - datetime.datetime.now(datetime.timezone.utc)
    assert left <= datetime.timedelta(hours=1)
    assert 0 < fed["PackedPolicySize"] <= 100
    bigger = sts.get_federation_token(
        Name="bigger", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": f"a4b:Get{i}", "Resource": "*"} for i in range(20)]}))
    assert bigger["PackedPolicySize"] > fed["PackedPolicySize"]
    huge = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": f"a4b:SearchRooms{i}", "Resource": "*"} for i in range(60)]})
    assert len(huge) > 2048
    with pytest.raises(ClientError) as err:
        sts.get_federation_token(Name="toolarge", Policy=huge)
    assert err.value.response["Error"]["Code"] == "ValidationError"
    assert "Member must have length less than or equal to 2048" in err.value.response["Error"]["Message"]
    role = server.client("iam").create_role(RoleName="Packed", AssumeRolePolicyDocument=trust_policy(ACCOUNT))["Role"]
    assumed = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="p1", Policy=ALLOW_ALL)
    assert 0 < assumed["PackedPolicySize"] <= 100
    assert "PackedPolicySize" not in sts.assume_role(RoleArn=role["Arn"], RoleSessionName="p2")
