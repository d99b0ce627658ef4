"""Two findings of the reliability probe that need a second account or the CLI: control
characters a caller puts in a resource name never reach the operator's terminal (F7), and the
README's bucket policy (aws:SourceArn) lets only the named trail write, so another account's
trail cannot deliver into the bucket under the owner's prefix (F15, the confused deputy)."""

import json
import os
import subprocess

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, Server

OTHER = "444455556666"
OTHER_KEY, OTHER_SECRET = "AKIAOTHEREXAMPLE0001", "other/secret/key/EXAMPLEKEY0000000000000"


def test_the_events_table_escapes_what_a_caller_put_in_a_resource_name(shared_server):
    a4b = shared_server.client("alexaforbusiness")
    hostile = f"arn:aws:a4b:us-east-1:{ACCOUNT}:room/abc/def\x1b[2J\x1b[31mFAKE\rspoofed\u202etxt"
    with pytest.raises(ClientError):
        a4b.get_room(RoomArn=hostile)
    binary = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")
    table = subprocess.run([binary, "events", "lookup", "--data-dir", shared_server.data_dir, "--max", "5"],
                           capture_output=True, timeout=60).stdout.decode()
    assert "GetRoom [NotFoundException]" in table
    assert "\x1b" not in table and "\r" not in table and "\u202e" not in table
    assert "\\u{1b}[2J" in table


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


def test_a_source_arn_condition_keeps_other_accounts_trails_out(two_accounts):
    srv = two_accounts
    trail_arn = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/audit"
    condition = {"StringEquals": {"aws:SourceArn": trail_arn}}
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": "arn:aws:s3:::audit-logs", "Condition": condition},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::audit-logs/AWSLogs/{ACCOUNT}/*", "Condition": condition}]}
    s3 = srv.client("s3")
    s3.create_bucket(Bucket="audit-logs")
    s3.put_bucket_policy(Bucket="audit-logs", Policy=json.dumps(policy))
    other = srv.client("cloudtrail", OTHER_KEY, OTHER_SECRET)
    # The other account aims its trail at the owner's prefix: refused.
    with pytest.raises(ClientError) as info:
        other.create_trail(Name="audit", S3BucketName="audit-logs", S3KeyPrefix=f"AWSLogs/{ACCOUNT}")
    assert info.value.response["Error"]["Code"] == "InsufficientS3BucketPolicyException"
    # The trail the policy names is accepted.
    srv.client("cloudtrail").create_trail(Name="audit", S3BucketName="audit-logs")
