"""Trails across accounts, with real clients: an organization (from the config file) whose
management account's organization trail delivers every member's events under
`AWSLogs/<org id>/<account>/`; a member account's own trail delivering into the management
account's bucket because its policy allows it (and an outsider refused); StopLogging and
DeleteTrail ending a trail with its last events and a final digest; the stock
`aws cloudtrail validate-logs` (pinned and current CLI) passing on all of it."""

import datetime
import gzip
import json
import os
import subprocess
import time

import pytest

from conftest import ACCOUNT, ROOT_KEY, ROOT_SECRET, Server, wait_for
from test_delivery import CLIS

MEMBER = "111122223333"
MEMBER_KEY, MEMBER_SECRET = "AKIAMEMBEREXAMPLE001", "member/secret/key/EXAMPLEKEY000000000000"
OUTSIDER = "444455556666"
OUTSIDER_KEY, OUTSIDER_SECRET = "AKIAOUTSIDEREXAMPLE1", "outsider/secret/key/EXAMPLEKEY00000000000"
ORG = "o-exampleorg1"
BUCKET = "org-logs"
ORG_TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org-audit"
MEMBER_TRAIL = f"arn:aws:cloudtrail:us-east-1:{MEMBER}:trail/member-audit"
SHORT_TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/short-lived"

CONFIG = f"""
[[accounts]]
id = "{MEMBER}"
root_access_key_id = "{MEMBER_KEY}"
root_secret_access_key = "{MEMBER_SECRET}"

[[accounts]]
id = "{OUTSIDER}"
root_access_key_id = "{OUTSIDER_KEY}"
root_secret_access_key = "{OUTSIDER_SECRET}"

[[organizations]]
id = "{ORG}"
management_account = "{ACCOUNT}"
member_accounts = ["{MEMBER}"]
"""


def policy(*folders):
    statements = [{"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
                   "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
                   "Resource": f"arn:aws:s3:::{BUCKET}"}]
    for n, folder in enumerate(folders):
        statements.append({"Sid": f"AWSCloudTrailWrite{n}", "Effect": "Allow",
                           "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
                           "Resource": f"arn:aws:s3:::{BUCKET}/AWSLogs/{folder}/*",
                           "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}})
    # The member account reads its own logs (validate-logs) as a bucket policy lets it.
    statements.append({"Sid": "MemberReadsItsLogs", "Effect": "Allow",
                       "Principal": {"AWS": f"arn:aws:iam::{MEMBER}:root"},
                       "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject"],
                       "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/AWSLogs/{MEMBER}/*"]})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def room_profile(a4b):
    return a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                              TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]


@pytest.fixture(scope="module")
def accounts(tmp_path_factory):
    data = tmp_path_factory.mktemp("accounts")
    config = data / "trailroom.toml"
    config.write_text(CONFIG)
    srv = Server(str(data / "data"), ["--config", str(config), "--delivery-interval", "1s",
                                      "--digest-interval", "3s"]).start()
    try:
        start = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        member = lambda service, region="us-east-1": srv.client(service, MEMBER_KEY, MEMBER_SECRET, region=region)
        mgmt_ct, member_ct = srv.client("cloudtrail"), member("cloudtrail")
        member_a4b, mgmt_a4b = member("alexaforbusiness"), srv.client("alexaforbusiness")
        s3 = srv.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(ORG, MEMBER, ACCOUNT))
        # Before any trail logs: delivered by none.
        member_profile, mgmt_profile = room_profile(member_a4b), room_profile(mgmt_a4b)
        member_a4b.create_room(RoomName="before-logging", ProfileArn=member_profile)
        mgmt_ct.create_trail(Name="org-audit", S3BucketName=BUCKET, IsOrganizationTrail=True,
                             IsMultiRegionTrail=True, EnableLogFileValidation=True)
        member_ct.create_trail(Name="member-audit", S3BucketName=BUCKET, EnableLogFileValidation=True)
        mgmt_ct.create_trail(Name="short-lived", S3BucketName=BUCKET, EnableLogFileValidation=True)
        for client, name in [(mgmt_ct, "org-audit"), (member_ct, "member-audit"), (mgmt_ct, "short-lived")]:
            client.start_logging(Name=name)
        member_rooms = [member_a4b.create_room(RoomName=f"member-{i}", ProfileArn=member_profile)["RoomArn"]
                        for i in range(3)]
        mgmt_room = mgmt_a4b.create_room(RoomName="mgmt-0", ProfileArn=mgmt_profile)["RoomArn"]
        member_trails_eu = member("cloudtrail", "eu-west-1").describe_trails()["trailList"]
        time.sleep(2.5)
        member_ct.stop_logging(Name="member-audit")
        mgmt_ct.delete_trail(Name="short-lived")
        member_a4b.create_room(RoomName="after-stop", ProfileArn=member_profile)
        # Every trail's last files and final digest (however loaded the machine), then two more
        # digest periods in which nothing may follow a final digest.
        stopped = member("cloudtrail").get_trail_status(Name="member-audit")["StopLoggingTime"]
        wait_for(lambda: settled(srv, stopped), timeout=90, what="every trail's files and digests")
        time.sleep(7)
        yield {"srv": srv, "start": start, "member_rooms": member_rooms, "mgmt_room": mgmt_room,
               "member_trails_eu": member_trails_eu, "member": member}
    finally:
        srv.stop()


def keys(srv, prefix):
    s3 = srv.client("s3")
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        found.extend(o["Key"] for o in page.get("Contents", []))
    return found


def records(srv, prefix):
    s3 = srv.client("s3")
    out = []
    for key in keys(srv, prefix):
        out.extend(json.loads(gzip.decompress(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()))["Records"])
    return out


def digested(srv, log_prefix, digest_prefix):
    """Whether every log file under `log_prefix` is listed by a digest under `digest_prefix`."""
    listed = {f["s3Object"] for d in digest_bodies(srv, digest_prefix, "") for f in d["logFiles"]}
    return set(keys(srv, log_prefix)) <= listed


def settled(srv, member_stopped):
    """Whether delivery has caught up with the fixture's calls: the org trail has the member's
    last room and the eu-west-1 call, every trail's files are in a digest, and the stopped
    trail's final digest is written."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    member_digests = digest_bodies(srv, f"AWSLogs/{MEMBER}/CloudTrail-Digest/us-east-1/", "member-audit")
    return ("after-stop" in room_names(records(srv, f"AWSLogs/{ORG}/{MEMBER}/CloudTrail/us-east-1/"))
            and records(srv, f"AWSLogs/{ORG}/{MEMBER}/CloudTrail/eu-west-1/")
            and keys(srv, f"AWSLogs/{ORG}/{ACCOUNT}/CloudTrail-Digest/us-east-1/")
            and all(digested(srv, f"AWSLogs/{ORG}/{acct}/CloudTrail/", f"AWSLogs/{ORG}/{acct}/CloudTrail-Digest/")
                    for acct in (MEMBER, ACCOUNT))
            and digested(srv, f"AWSLogs/{MEMBER}/CloudTrail/", f"AWSLogs/{MEMBER}/CloudTrail-Digest/")
            and digested(srv, f"AWSLogs/{ACCOUNT}/CloudTrail/", f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/")
            and any(d["digestEndTime"] >= member_stopped.strftime(fmt) for d in member_digests))


def room_names(recs):
    return [r["requestParameters"]["roomName"] for r in recs if r["eventName"] == "CreateRoom"]


def test_the_organization_trail_delivers_every_account_under_the_org_folder(accounts):
    srv = accounts["srv"]
    member_recs = records(srv, f"AWSLogs/{ORG}/{MEMBER}/CloudTrail/us-east-1/")
    assert sorted(room_names(member_recs)) == ["after-stop", "member-0", "member-1", "member-2"]
    assert all(r["recipientAccountId"] == MEMBER for r in member_recs)
    ids = [r["eventID"] for r in member_recs]
    assert len(ids) == len(set(ids)), "each event once"
    mgmt_recs = records(srv, f"AWSLogs/{ORG}/{ACCOUNT}/CloudTrail/us-east-1/")
    assert room_names(mgmt_recs) == ["mgmt-0"]
    # The member's DescribeTrails in eu-west-1 went to the eu-west-1 folder of the member.
    eu = records(srv, f"AWSLogs/{ORG}/{MEMBER}/CloudTrail/eu-west-1/")
    assert [r["eventName"] for r in eu] == ["DescribeTrails"]
    # Digests for each account under the organization folder.
    assert keys(srv, f"AWSLogs/{ORG}/{MEMBER}/CloudTrail-Digest/us-east-1/")
    assert keys(srv, f"AWSLogs/{ORG}/{ACCOUNT}/CloudTrail-Digest/us-east-1/")


def test_members_see_the_organization_trail_read_only(accounts):
    trails = accounts["member_trails_eu"]
    assert [t["TrailARN"] for t in trails] == [ORG_TRAIL]
    assert trails[0]["IsOrganizationTrail"] is True
    member_ct = accounts["member"]("cloudtrail")
    assert member_ct.get_trail_status(Name=ORG_TRAIL)["IsLogging"] is True
    with pytest.raises(member_ct.exceptions.NotOrganizationMasterAccountException):
        member_ct.stop_logging(Name=ORG_TRAIL)
    with pytest.raises(member_ct.exceptions.OrganizationsNotInUseException):
        accounts["srv"].client("cloudtrail", OUTSIDER_KEY, OUTSIDER_SECRET).create_trail(
            Name="outsider-org", S3BucketName=BUCKET, IsOrganizationTrail=True)


def test_describe_organization(accounts):
    srv = accounts["srv"]
    org = accounts["member"]("organizations").describe_organization()["Organization"]
    assert (org["Id"], org["MasterAccountId"]) == (ORG, ACCOUNT)
    assert org["Arn"] == f"arn:aws:organizations::{ACCOUNT}:organization/{ORG}"
    listed = srv.client("organizations").list_accounts()["Accounts"]
    assert [a["Id"] for a in listed] == [ACCOUNT, MEMBER]
    outsider = srv.client("organizations", OUTSIDER_KEY, OUTSIDER_SECRET)
    with pytest.raises(outsider.exceptions.AWSOrganizationsNotInUseException):
        outsider.describe_organization()
    member_orgs = accounts["member"]("organizations")
    with pytest.raises(member_orgs.exceptions.AccessDeniedException):
        member_orgs.list_accounts()


def test_a_member_trail_delivers_into_the_management_accounts_bucket(accounts):
    srv = accounts["srv"]
    recs = records(srv, f"AWSLogs/{MEMBER}/CloudTrail/us-east-1/")
    # Logged from StartLogging to StopLogging: not before, not after; StopLogging itself included.
    assert sorted(room_names(recs)) == ["member-0", "member-1", "member-2"]
    assert "StopLogging" in [r["eventName"] for r in recs]
    assert "before-logging" not in json.dumps(recs)
    # An account the bucket policy does not name is refused.
    outsider = srv.client("cloudtrail", OUTSIDER_KEY, OUTSIDER_SECRET)
    with pytest.raises(outsider.exceptions.InsufficientS3BucketPolicyException):
        outsider.create_trail(Name="outsider", S3BucketName=BUCKET)


def digest_bodies(srv, prefix, trail_name):
    s3 = srv.client("s3")
    return [json.loads(gzip.decompress(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read()))
            for k in keys(srv, prefix) if f"_{trail_name}_" in k or not trail_name]


def test_stop_and_delete_end_the_chain_with_a_final_digest(accounts):
    srv = accounts["srv"]
    stopped = accounts["member"]("cloudtrail").get_trail_status(Name="member-audit")["StopLoggingTime"]
    member_digests = digest_bodies(srv, f"AWSLogs/{MEMBER}/CloudTrail-Digest/us-east-1/", "member-audit")
    last = max(member_digests, key=lambda d: d["digestEndTime"])
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    assert last["digestEndTime"] >= stopped.strftime(fmt)
    # The final digest came within seconds of the stop and none after it (the fixture waited
    # two more 3-second periods after every trail's final digest).
    assert last["digestEndTime"] <= (stopped + datetime.timedelta(seconds=4)).strftime(fmt)
    listed = [f["s3Object"] for d in member_digests for f in d["logFiles"]]
    assert sorted(listed) == sorted(keys(srv, f"AWSLogs/{MEMBER}/CloudTrail/"))
    # The deleted trail delivered its DeleteTrail call and its final digest, then was forgotten.
    short = records(srv, f"AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/")
    assert "DeleteTrail" in [r["eventName"] for r in short if (r.get("requestParameters") or {}).get("name") == "short-lived"]
    short_digests = digest_bodies(srv, f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/", "short-lived")
    assert sum(len(d["logFiles"]) for d in short_digests) == len(keys(srv, f"AWSLogs/{ACCOUNT}/CloudTrail/"))


def validate(srv, cli, trail_arn, start, key, secret, *extra):
    config = os.path.join(srv.data_dir, "aws-config-accounts")
    with open(config, "w") as f:
        f.write("[default]\ns3 =\n    addressing_style = path\n")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": srv.endpoint,
           "AWS_ENDPOINT_URL_ORGANIZATIONS": srv.endpoint, "AWS_CONFIG_FILE": config}
    return subprocess.run(
        [cli, "cloudtrail", "validate-logs", "--trail-arn", trail_arn, "--start-time", start,
         "--endpoint-url", srv.endpoint, *extra],
        capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("cli", CLIS, ids=["pinned-cli", "current-cli"])
@pytest.mark.parametrize("account", [MEMBER, ACCOUNT])
def test_validate_logs_passes_for_each_account_of_the_organization_trail(accounts, cli, account):
    srv = accounts["srv"]
    out = validate(srv, cli, ORG_TRAIL, accounts["start"], ROOT_KEY, ROOT_SECRET, "--account-id", account)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "INVALID" not in out.stdout
    assert " log files valid" in out.stdout and "digest files valid" in out.stdout


@pytest.mark.parametrize("cli", CLIS, ids=["pinned-cli", "current-cli"])
def test_validate_logs_passes_for_a_stopped_trail_in_another_accounts_bucket(accounts, cli):
    srv = accounts["srv"]
    out = validate(srv, cli, MEMBER_TRAIL, accounts["start"], MEMBER_KEY, MEMBER_SECRET)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "INVALID" not in out.stdout
    logs = len(keys(srv, f"AWSLogs/{MEMBER}/CloudTrail/"))
    assert f"{logs}/{logs} log files valid" in out.stdout
