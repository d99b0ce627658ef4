"""IAM authorization on every call, and denied calls in the audit log: a user without policies
is denied in every service with each family's error and AWS's message, the denial is recorded
with errorCode/errorMessage; a policy grants; an explicit deny wins; resource policies grant other
accounts; the root user keeps everything."""

import json

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, Server, new_user

OTHER = "444455556666"
OTHER_KEY, OTHER_SECRET = "AKIAOTHEREXAMPLE0002", "other/secret/key/EXAMPLEKEY0000000000001"


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*"):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def deny(action, resource="*"):
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def error(call):
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def recorded(srv, event_name):
    events = srv.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": event_name}])["Events"]
    return [json.loads(e["CloudTrailEvent"]) for e in events]


def recorded_as(srv, key, secret, event_name):
    events = srv.client("cloudtrail", key, secret).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": event_name}])["Events"]
    return [json.loads(e["CloudTrailEvent"]) for e in events]


def test_a_user_without_policies_is_denied_everywhere_and_each_denial_is_recorded(server):
    key, secret = new_user(server, "nopol", policy=None)
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/nopol"
    a4b = server.client("alexaforbusiness", key, secret)
    code, message, status = error(lambda: a4b.create_room(RoomName="Lobby"))
    assert (code, status) == ("AccessDeniedException", 400)
    assert message == (f"User: {user_arn} is not authorized to perform: a4b:CreateRoom on resource: "
                       f"arn:aws:a4b:us-east-1:{ACCOUNT}:room/* because no identity-based policy allows "
                       "the a4b:CreateRoom action")
    # Denied before the request is validated: no profile is needed to be refused.
    ct = server.client("cloudtrail", key, secret)
    code, message, _ = error(lambda: ct.stop_logging(Name="audit"))
    assert code == "AccessDeniedException"
    assert f"cloudtrail:StopLogging on resource: arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/audit" in message
    iam = server.client("iam", key, secret)
    code, message, status = error(lambda: iam.create_access_key(UserName="victim"))
    assert (code, status) == ("AccessDenied", 403)
    assert f"iam:CreateAccessKey on resource: arn:aws:iam::{ACCOUNT}:user/victim" in message
    assert error(lambda: iam.put_user_policy(UserName="nopol", PolicyName="p",
                                             PolicyDocument=policy(allow("*"))))[0] == "AccessDenied"
    s3 = server.client("s3", key, secret)
    server.client("s3").create_bucket(Bucket="private")
    server.client("s3").put_object(Bucket="private", Key="k", Body=b"secret")
    assert error(lambda: s3.get_object(Bucket="private", Key="k"))[:1] == ("AccessDenied",)
    assert error(lambda: s3.put_object(Bucket="private", Key="k", Body=b"x"))[:1] == ("AccessDenied",)
    assert error(lambda: s3.list_buckets())[0] == "AccessDenied"
    sns = server.client("sns", key, secret)
    topic = server.client("sns").create_topic(Name="alerts")["TopicArn"]
    code, message, status = error(lambda: sns.publish(TopicArn=topic, Message="m"))
    assert (code, status) == ("AuthorizationError", 403)
    assert f"SNS:Publish on resource: {topic}" in message
    assert error(lambda: sns.create_topic(Name="mine"))[0] == "AuthorizationError"
    # GetCallerIdentity needs no permission.
    assert server.client("sts", key, secret).get_caller_identity()["Arn"] == user_arn
    # Every denial is an event with errorCode and errorMessage.
    [room] = recorded(server, "CreateRoom")
    assert room["errorCode"] == "AccessDeniedException"
    assert room["errorMessage"].startswith(f"User: {user_arn} is not authorized")
    assert room["userIdentity"]["userName"] == "nopol"
    [stop] = recorded(server, "StopLogging")
    assert stop["errorCode"] == "AccessDeniedException"
    [key_event] = recorded(server, "CreateAccessKey")[:1]
    assert key_event["errorCode"] == "AccessDenied"
    [create_topic] = [e for e in recorded(server, "CreateTopic") if "errorCode" in e]
    assert create_topic["errorCode"] == "AuthorizationError"


def test_a_policy_grants_and_an_explicit_deny_wins(server):
    key, secret = new_user(server, "ops", policy=policy(allow("a4b:*"), allow("cloudtrail:Describe*"),
                                                         deny("a4b:DeleteRoom")))
    a4b = server.client("alexaforbusiness", key, secret)
    a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                       TemperatureUnit="CELSIUS", WakeWord="ALEXA")
    room = a4b.create_room(RoomName="Lobby")["RoomArn"]
    assert a4b.get_room(RoomArn=room)["Room"]["RoomName"] == "Lobby"
    code, message, _ = error(lambda: a4b.delete_room(RoomArn=room))
    assert code == "AccessDeniedException"
    assert message.endswith("with an explicit deny in an identity-based policy")
    server.client("cloudtrail", key, secret).describe_trails()
    assert error(lambda: server.client("cloudtrail", key, secret).lookup_events())[0] == "AccessDeniedException"


def test_resource_arns_and_policy_variables_scope_a_user(server):
    key, secret = new_user(server, "alice", policy=policy(
        allow("s3:PutObject", "arn:aws:s3:::shared/home/${aws:username}/*")))
    server.client("s3").create_bucket(Bucket="shared")
    s3 = server.client("s3", key, secret)
    s3.put_object(Bucket="shared", Key="home/alice/notes", Body=b"mine")
    assert error(lambda: s3.put_object(Bucket="shared", Key="home/bob/notes", Body=b"x"))[0] == "AccessDenied"


def test_the_root_user_is_never_denied_by_identity_policies(server):
    root = server.client("alexaforbusiness")
    root.create_skill_group(SkillGroupName="Root's group")
    server.client("cloudtrail").describe_trails()


@pytest.fixture
def two_accounts(tmp_path):
    config = tmp_path / "trailroom.toml"
    config.write_text(f'[[accounts]]\nid = "{OTHER}"\nroot_access_key_id = "{OTHER_KEY}"\n'
                      f'root_secret_access_key = "{OTHER_SECRET}"\n')
    srv = Server(str(tmp_path / "data"), ["--config", str(config)]).start()
    try:
        yield srv
    finally:
        srv.stop()


def test_cross_account_access_needs_the_bucket_policy_and_the_callers_policy(two_accounts):
    srv = two_accounts
    s3 = srv.client("s3")
    s3.create_bucket(Bucket="exchange")
    s3.put_object(Bucket="exchange", Key="report", Body=b"data")
    other_root = srv.client("s3", OTHER_KEY, OTHER_SECRET)
    assert error(lambda: other_root.get_object(Bucket="exchange", Key="report"))[0] == "AccessDenied"
    s3.put_bucket_policy(Bucket="exchange", Policy=policy({
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::exchange/*"}))
    assert other_root.get_object(Bucket="exchange", Key="report")["Body"].read() == b"data"
    # A user of the other account also needs its own account's permission.
    other_iam = srv.client("iam", OTHER_KEY, OTHER_SECRET)
    other_iam.create_user(UserName="reader")
    key = other_iam.create_access_key(UserName="reader")["AccessKey"]
    reader = srv.client("s3", key["AccessKeyId"], key["SecretAccessKey"])
    code, message, _ = error(lambda: reader.get_object(Bucket="exchange", Key="report"))
    assert code == "AccessDenied" and "because no identity-based policy allows" in message
    other_iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=policy(allow("s3:GetObject")))
    assert reader.get_object(Bucket="exchange", Key="report")["Body"].read() == b"data"


def test_authorization_off_lets_every_key_do_everything(tmp_path):
    config = tmp_path / "trailroom.toml"
    config.write_text("authorization = false\n")
    srv = Server(str(tmp_path / "data"), ["--config", str(config)]).start()
    try:
        key, secret = new_user(srv, "anyone", policy=None)
        srv.client("alexaforbusiness", key, secret).create_skill_group(SkillGroupName="Office")
        srv.client("iam", key, secret).create_user(UserName="another")
    finally:
        srv.stop()


def test_managed_policies_groups_and_boundaries(server):
    iam = server.client("iam")
    key, secret = new_user(server, "mia", policy=None)
    a4b = server.client("alexaforbusiness", key, secret)
    ct = server.client("cloudtrail", key, secret)
    assert error(lambda: ct.describe_trails())[0] == "AccessDeniedException"
    # An AWS managed policy, shipped with its real document.
    aws_arn = "arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"
    assert iam.get_policy(PolicyArn=aws_arn)["Policy"]["DefaultVersionId"] == "v1"
    iam.attach_user_policy(UserName="mia", PolicyArn=aws_arn)
    ct.describe_trails()
    ct.lookup_events(MaxResults=1)
    assert error(lambda: ct.create_trail(Name="t", S3BucketName="b"))[0] == "AccessDeniedException"
    attached = iam.list_attached_user_policies(UserName="mia")["AttachedPolicies"]
    assert attached == [{"PolicyName": "AWSCloudTrail_ReadOnlyAccess", "PolicyArn": aws_arn}]
    # A customer managed policy through a group.
    rooms = iam.create_policy(PolicyName="RoomAdmin", PolicyDocument=policy(allow("a4b:*SkillGroup*")))["Policy"]
    assert rooms["Arn"] == f"arn:aws:iam::{ACCOUNT}:policy/RoomAdmin" and rooms["DefaultVersionId"] == "v1"
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn=rooms["Arn"])
    assert error(lambda: a4b.create_skill_group(SkillGroupName="g1"))[0] == "AccessDeniedException"
    iam.add_user_to_group(GroupName="admins", UserName="mia")
    a4b.create_skill_group(SkillGroupName="g1")
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="mia")["Groups"]] == ["admins"]
    entities = iam.list_entities_for_policy(PolicyArn=rooms["Arn"])
    assert [g["GroupName"] for g in entities["PolicyGroups"]] == ["admins"]
    assert iam.get_policy(PolicyArn=rooms["Arn"])["Policy"]["AttachmentCount"] == 1
    # A new default version changes what it allows.
    v2 = iam.create_policy_version(PolicyArn=rooms["Arn"], PolicyDocument=policy(allow("a4b:Search*")),
                                   SetAsDefault=True)["PolicyVersion"]
    assert v2["VersionId"] == "v2" and v2["IsDefaultVersion"]
    assert error(lambda: a4b.create_skill_group(SkillGroupName="g2"))[0] == "AccessDeniedException"
    a4b.search_skill_groups()
    versions = iam.list_policy_versions(PolicyArn=rooms["Arn"])["Versions"]
    assert [v["VersionId"] for v in versions] == ["v2", "v1"]
    assert error(lambda: iam.delete_policy_version(PolicyArn=rooms["Arn"], VersionId="v2"))[0] == "DeleteConflict"
    # A permissions boundary caps the user: only what both allow.
    iam.put_user_permissions_boundary(UserName="mia", PermissionsBoundary="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    code, message, _ = error(lambda: ct.describe_trails())
    assert code == "AccessDeniedException" and "because no permissions boundary allows" in message
    assert iam.get_user(UserName="mia")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith(
        "AmazonS3ReadOnlyAccess")
    iam.delete_user_permissions_boundary(UserName="mia")
    ct.describe_trails()
    # Deleting what is in use is refused.
    assert error(lambda: iam.delete_policy(PolicyArn=rooms["Arn"]))[0] == "DeleteConflict"
    assert error(lambda: iam.delete_group(GroupName="admins"))[0] == "DeleteConflict"
    policies = iam.list_policies(Scope="AWS")["Policies"]
    assert "AdministratorAccess" in [p["PolicyName"] for p in policies]
    assert [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]] == ["RoomAdmin"]


def test_principal_tags_in_conditions(server):
    iam = server.client("iam")
    key, secret = new_user(server, "tagged", policy=policy({
        "Effect": "Allow", "Action": "a4b:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}))
    a4b = server.client("alexaforbusiness", key, secret)
    assert error(lambda: a4b.search_rooms())[0] == "AccessDeniedException"
    iam.tag_user(UserName="tagged", Tags=[{"Key": "team", "Value": "blue"}])
    a4b.search_rooms()
    assert iam.list_user_tags(UserName="tagged")["Tags"] == [{"Key": "team", "Value": "blue"}]


@pytest.fixture
def organization(tmp_path):
    config = tmp_path / "trailroom.toml"
    config.write_text(f'[[accounts]]\nid = "{OTHER}"\nroot_access_key_id = "{OTHER_KEY}"\n'
                      f'root_secret_access_key = "{OTHER_SECRET}"\n\n'
                      f'[[organizations]]\nmanagement_account = "{ACCOUNT}"\nmember_accounts = ["{OTHER}"]\n')
    srv = Server(str(tmp_path / "data"), ["--config", str(config)]).start()
    try:
        yield srv
    finally:
        srv.stop()


def test_a_service_control_policy_binds_a_member_account_even_its_root(organization):
    srv = organization
    orgs = srv.client("organizations")
    [root] = orgs.list_roots()["Roots"]
    assert [p["Id"] for p in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]] == ["p-FullAWSAccess"]
    scp = orgs.create_policy(Name="NoStopping", Description="keep trails on", Type="SERVICE_CONTROL_POLICY",
                             Content=policy(deny("cloudtrail:StopLogging")))["Policy"]["PolicySummary"]
    orgs.attach_policy(PolicyId=scp["Id"], TargetId=OTHER)
    targets = orgs.list_targets_for_policy(PolicyId=scp["Id"])["Targets"]
    assert [(t["TargetId"], t["Type"]) for t in targets] == [(OTHER, "ACCOUNT")]
    member_ct = srv.client("cloudtrail", OTHER_KEY, OTHER_SECRET)
    member_s3 = srv.client("s3", OTHER_KEY, OTHER_SECRET)
    member_s3.create_bucket(Bucket="member-logs")
    member_s3.put_bucket_policy(Bucket="member-logs", Policy=policy(
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": "arn:aws:s3:::member-logs"},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::member-logs/AWSLogs/{OTHER}/*"}))
    member_ct.create_trail(Name="member", S3BucketName="member-logs")
    member_ct.start_logging(Name="member")
    code, message, _ = error(lambda: member_ct.stop_logging(Name="member"))
    assert code == "AccessDeniedException"
    assert message == (f"User: arn:aws:iam::{OTHER}:root is not authorized to perform: cloudtrail:StopLogging "
                       f"on resource: arn:aws:cloudtrail:us-east-1:{OTHER}:trail/member with an explicit deny "
                       "in a service control policy")
    denied_stop = [e for e in recorded_as(srv, OTHER_KEY, OTHER_SECRET, "StopLogging") if "errorCode" in e]
    assert denied_stop and "service control policy" in denied_stop[0]["errorMessage"]
    # The management account is not bound by SCPs.
    srv.client("cloudtrail").describe_trails()
    # Without FullAWSAccess on the account only what another SCP allows remains.
    orgs.attach_policy(PolicyId=orgs.create_policy(Name="S3Only", Description="", Type="SERVICE_CONTROL_POLICY",
                                                   Content=policy(allow("s3:*")))["Policy"]["PolicySummary"]["Id"],
                       TargetId=OTHER)
    orgs.detach_policy(PolicyId="p-FullAWSAccess", TargetId=OTHER)
    code, message, _ = error(lambda: member_ct.describe_trails())
    assert code == "AccessDeniedException" and "because no service control policy allows" in message
    member_s3.list_buckets()
    # The last policy of a target cannot go.
    assert error(lambda: orgs.detach_policy(PolicyId=scp["Id"], TargetId=root["Id"]))[0] == "PolicyNotAttachedException"
    # Only the management account manages policies.
    member_orgs = srv.client("organizations", OTHER_KEY, OTHER_SECRET)
    assert error(lambda: member_orgs.list_policies(Filter="SERVICE_CONTROL_POLICY"))[0] == "AccessDeniedException"


def test_simulation_and_the_reads_scanners_make(server):
    iam = server.client("iam")
    new_user(server, "sim", policy=policy(allow("s3:GetObject", "arn:aws:s3:::docs/*"), deny("s3:DeleteObject")))
    results = iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/sim",
        ActionNames=["s3:GetObject", "s3:DeleteObject", "iam:CreateUser"],
        ResourceArns=["arn:aws:s3:::docs/a"])["EvaluationResults"]
    assert [(r["EvalActionName"], r["EvalDecision"]) for r in results] == [
        ("s3:GetObject", "allowed"), ("s3:DeleteObject", "explicitDeny"), ("iam:CreateUser", "implicitDeny")]
    custom = iam.simulate_custom_policy(
        PolicyInputList=[policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                  "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}})],
        ActionNames=["s3:PutObject"],
        ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["203.0.113.9"],
                         "ContextKeyType": "ip"}])["EvaluationResults"]
    assert custom[0]["EvalDecision"] == "allowed"
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["Users"] == 1 and summary["AccountMFAEnabled"] == 0
    assert error(lambda: iam.get_account_password_policy())[0] == "NoSuchEntity"
    assert error(lambda: iam.get_credential_report())[0] == "ReportNotPresent"
    assert iam.generate_credential_report()["State"] == "STARTED"
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    report = iam.get_credential_report()["Content"].decode()
    assert report.splitlines()[0].startswith("user,arn,user_creation_time")
    assert any(line.startswith("sim,") for line in report.splitlines())
    details = iam.get_account_authorization_details()
    assert [u["UserName"] for u in details["UserDetailList"]] == ["sim"]
    assert details["UserDetailList"][0]["UserPolicyList"][0]["PolicyName"] == "test-permissions"
    assert iam.list_mfa_devices(UserName="sim")["MFADevices"] == []
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    key = iam.list_access_keys(UserName="sim")["AccessKeyMetadata"][0]["AccessKeyId"]
    assert server.client("sts").get_access_key_info(AccessKeyId=key)["Account"] == ACCOUNT


# A read and a write of each service, and the code each answers when it is allowed (the call
# itself may still fail for its own reasons, never with a denial).
CALLS = {
    "a4b": (lambda c: c.search_rooms(), lambda c: c.delete_room(RoomArn=f"arn:aws:a4b:us-east-1:{ACCOUNT}:room/missing")),
    "cloudtrail": (lambda c: c.describe_trails(), lambda c: c.put_event_selectors(
        TrailName="missing", EventSelectors=[{"ReadWriteType": "All"}])),
    # S3 answers NoSuchBucket before deciding permissions (existence is not secret), so the
    # write goes to a bucket that exists.
    "s3": (lambda c: c.list_buckets(), lambda c: c.put_object(Bucket="matrix", Key="k", Body=b"x")),
    "sns": (lambda c: c.list_topics(), lambda c: c.delete_topic(TopicArn=f"arn:aws:sns:us-east-1:{ACCOUNT}:missing")),
    "iam": (lambda c: c.list_users(), lambda c: c.delete_user(UserName="missing")),
}
CLIENTS = {"a4b": "alexaforbusiness", "cloudtrail": "cloudtrail", "s3": "s3", "sns": "sns", "iam": "iam"}
DENIALS = {"AccessDeniedException", "AccessDenied", "AuthorizationError"}

# (policy, services it may read, services it may write), from each policy's published document.
MANAGED = [
    ("AdministratorAccess", set(CALLS), set(CALLS)),
    ("AlexaForBusinessReadOnlyAccess", {"a4b"}, set()),
    ("AWSCloudTrail_ReadOnlyAccess", {"cloudtrail"}, set()),
    ("AmazonS3FullAccess", {"s3"}, {"s3"}),
    ("AmazonS3ReadOnlyAccess", {"s3"}, set()),
    ("AmazonSNSFullAccess", {"sns"}, {"sns"}),
    ("IAMFullAccess", {"iam"}, {"iam"}),
    ("IAMReadOnlyAccess", {"iam"}, set()),
]


def denied(call):
    try:
        call()
    except ClientError as err:
        return err.response["Error"]["Code"] in DENIALS
    return False


@pytest.mark.parametrize("name,reads,writes", MANAGED, ids=[m[0] for m in MANAGED])
def test_each_aws_managed_policy_grants_what_its_document_says(shared_server, name, reads, writes):
    srv = shared_server
    try:
        srv.client("s3").create_bucket(Bucket="matrix")
    except ClientError as err:
        assert err.response["Error"]["Code"] == "BucketAlreadyOwnedByYou"
    user = f"m-{name}"[:64]
    key, secret = new_user(srv, user, policy=None)
    srv.client("iam").attach_user_policy(UserName=user, PolicyArn=f"arn:aws:iam::aws:policy/{name}")
    outcome = {}
    for service, (read, write) in CALLS.items():
        client = srv.client(CLIENTS[service], key, secret)
        outcome[service] = (not denied(lambda: read(client)), not denied(lambda: write(client)))
    expected = {service: (service in reads, service in writes) for service in CALLS}
    assert outcome == expected
    # Every management call is in Event history under the user, denials with their errorCode
    # (PutObject is a data event: trails record it, Event history does not).
    events = srv.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": user}], MaxResults=50)["Events"]
    codes = [json.loads(e["CloudTrailEvent"]).get("errorCode") for e in events]
    management = {service: allowed if service != "s3" else allowed[:1] for service, allowed in outcome.items()}
    denials = sum(1 for allowed in management.values() for ok in allowed if not ok)
    assert sum(1 for c in codes if c in DENIALS) == denials


def test_a_role_assumed_from_another_account(two_accounts):
    """The role's trust policy names the other account; that account's user also needs its own
    permission to call sts:AssumeRole; the session acts in the role's account, and both sides
    record the call."""
    srv = two_accounts
    iam = srv.client("iam")
    trust = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "sts:AssumeRole"})
    role_arn = iam.create_role(RoleName="Partner", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.attach_role_policy(RoleName="Partner", PolicyArn="arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess")
    other_iam = srv.client("iam", OTHER_KEY, OTHER_SECRET)
    other_iam.create_user(UserName="partner")
    key = other_iam.create_access_key(UserName="partner")["AccessKey"]
    partner = srv.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    code, message, status = error(lambda: partner.assume_role(RoleArn=role_arn, RoleSessionName="audit"))
    assert (code, status) == ("AccessDenied", 403)
    assert message == (f"User: arn:aws:iam::{OTHER}:user/partner is not authorized to perform: sts:AssumeRole "
                       f"on resource: {role_arn} because no identity-based policy allows the sts:AssumeRole action")
    other_iam.put_user_policy(UserName="partner", PolicyName="assume",
                              PolicyDocument=policy(allow("sts:AssumeRole", role_arn)))
    creds = partner.assume_role(RoleArn=role_arn, RoleSessionName="audit")["Credentials"]
    session = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert srv.client("sts", *session).get_caller_identity()["Account"] == ACCOUNT
    srv.client("cloudtrail", *session).describe_trails()
    assert denied(lambda: srv.client("iam", *session).list_users())
    # The role's account records the session's calls; the caller's account its AssumeRole.
    mine = recorded(srv, "DescribeTrails")
    assert mine and mine[0]["userIdentity"]["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Partner/audit"
    theirs = recorded_as(srv, OTHER_KEY, OTHER_SECRET, "AssumeRole")
    assert [e.get("errorCode") for e in theirs] == [None, "AccessDenied"]


def test_resource_tags_and_service_condition_keys(server):
    """aws:ResourceTag/* of A4B resources, trails, topics and IAM users; s3:prefix on
    ListBucket; sns:Protocol on Subscribe."""
    a4b = server.client("alexaforbusiness")
    a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="1 Main St", DistanceUnit="METRIC",
                       TemperatureUnit="CELSIUS", WakeWord="ALEXA")
    blue = a4b.create_room(RoomName="blue-room", Tags=[{"Key": "team", "Value": "blue"}])["RoomArn"]
    red = a4b.create_room(RoomName="red-room", Tags=[{"Key": "team", "Value": "red"}])["RoomArn"]
    sns = server.client("sns")
    blue_topic = sns.create_topic(Name="blue-topic", Tags=[{"Key": "team", "Value": "blue"}])["TopicArn"]
    red_topic = sns.create_topic(Name="red-topic", Tags=[{"Key": "team", "Value": "red"}])["TopicArn"]
    s3 = server.client("s3")
    s3.create_bucket(Bucket="reports")
    iam = server.client("iam")
    iam.create_user(UserName="blue-user", Tags=[{"Key": "team", "Value": "blue"}])
    iam.create_user(UserName="red-user", Tags=[{"Key": "team", "Value": "red"}])
    team_blue = {"StringEquals": {"aws:ResourceTag/team": "blue"}}
    key, secret = new_user(server, "blue-operator", policy(
        {"Effect": "Allow", "Action": ["a4b:GetRoom", "SNS:GetTopicAttributes", "iam:GetUser"], "Resource": "*",
         "Condition": team_blue},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports",
         "Condition": {"StringLike": {"s3:prefix": "public/*"}}},
        {"Effect": "Allow", "Action": "SNS:Subscribe", "Resource": "*",
         "Condition": {"StringEquals": {"sns:Protocol": "https"}}},
    ))
    as_a4b = server.client("alexaforbusiness", key, secret)
    as_a4b.get_room(RoomArn=blue)
    assert error(lambda: as_a4b.get_room(RoomArn=red))[0] == "AccessDeniedException"
    as_sns = server.client("sns", key, secret)
    as_sns.get_topic_attributes(TopicArn=blue_topic)
    assert error(lambda: as_sns.get_topic_attributes(TopicArn=red_topic))[0] == "AuthorizationError"
    assert error(lambda: as_sns.subscribe(TopicArn=blue_topic, Protocol="http", Endpoint="http://127.0.0.1:9/x"))[0] == "AuthorizationError"
    as_iam = server.client("iam", key, secret)
    as_iam.get_user(UserName="blue-user")
    assert error(lambda: as_iam.get_user(UserName="red-user"))[0] == "AccessDenied"
    as_s3 = server.client("s3", key, secret)
    as_s3.list_objects_v2(Bucket="reports", Prefix="public/2026")
    assert error(lambda: as_s3.list_objects_v2(Bucket="reports", Prefix="private/"))[0] == "AccessDenied"
    assert error(lambda: as_s3.list_objects_v2(Bucket="reports"))[0] == "AccessDenied"

    ct = server.client("cloudtrail")
    s3.put_bucket_policy(Bucket="reports", Policy=policy({
        "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": ["s3:GetBucketAcl", "s3:PutObject"],
        "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]}))
    for name, team in [("blue-trail", "blue"), ("red-trail", "red")]:
        ct.create_trail(Name=name, S3BucketName="reports", TagsList=[{"Key": "team", "Value": team}])
    trail_key, trail_secret = new_user(server, "trail-operator", policy(
        {"Effect": "Allow", "Action": "cloudtrail:GetTrailStatus", "Resource": "*", "Condition": team_blue}))
    as_ct = server.client("cloudtrail", trail_key, trail_secret)
    as_ct.get_trail_status(Name="blue-trail")
    assert error(lambda: as_ct.get_trail_status(Name="red-trail"))[0] == "AccessDeniedException"


def test_principal_org_id_grants_the_organization(organization):
    """A bucket policy that grants `*` under `aws:PrincipalOrgID` lets the member accounts in
    and no one else."""
    srv = organization
    org_id = srv.client("organizations").describe_organization()["Organization"]["Id"]
    s3 = srv.client("s3")
    s3.create_bucket(Bucket="org-shared")
    s3.put_object(Bucket="org-shared", Key="k", Body=b"v")
    member = srv.client("s3", OTHER_KEY, OTHER_SECRET)
    assert error(lambda: member.get_object(Bucket="org-shared", Key="k"))[0] == "AccessDenied"
    grant = lambda org: policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                "Resource": "arn:aws:s3:::org-shared/*",
                                "Condition": {"StringEquals": {"aws:PrincipalOrgID": org}}})
    s3.put_bucket_policy(Bucket="org-shared", Policy=grant(org_id))
    assert member.get_object(Bucket="org-shared", Key="k")["Body"].read() == b"v"
    s3.put_bucket_policy(Bucket="org-shared", Policy=grant("o-someoneelse1"))
    assert error(lambda: member.get_object(Bucket="org-shared", Key="k"))[0] == "AccessDenied"
