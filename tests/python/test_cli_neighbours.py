"""The AWS CLI on the APIs around a trail: bucket configuration through `s3api` (unconfigured
answers, put, get, delete), a large `aws s3 cp` that the CLI sends as a multipart upload, the
tagging API and region discovery. Runs the virtualenv's CLI (pinned, or the current one)."""

import json

from conftest import aws_cli


def s3api(srv, *args, check=True):
    return aws_cli(srv, "s3api", *args, check=check)


def test_bucket_configuration_with_the_cli(shared_server):
    srv = shared_server
    s3api(srv, "create-bucket", "--bucket", "cli-conf")
    missing = s3api(srv, "get-bucket-tagging", "--bucket", "cli-conf", check=False)
    assert missing.returncode != 0 and "NoSuchTagSet" in missing.stderr
    s3api(srv, "put-bucket-tagging", "--bucket", "cli-conf", "--tagging", "TagSet=[{Key=team,Value=sec}]")
    tags = json.loads(s3api(srv, "get-bucket-tagging", "--bucket", "cli-conf").stdout)["TagSet"]
    assert tags == [{"Key": "team", "Value": "sec"}]
    s3api(srv, "delete-bucket-tagging", "--bucket", "cli-conf")
    assert "NoSuchTagSet" in s3api(srv, "get-bucket-tagging", "--bucket", "cli-conf", check=False).stderr
    block = json.loads(s3api(srv, "get-public-access-block", "--bucket", "cli-conf").stdout)
    assert block["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    encryption = json.loads(s3api(srv, "get-bucket-encryption", "--bucket", "cli-conf").stdout)
    rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    s3api(srv, "put-bucket-versioning", "--bucket", "cli-conf", "--versioning-configuration", "Status=Enabled")
    assert json.loads(s3api(srv, "get-bucket-versioning", "--bucket", "cli-conf").stdout)["Status"] == "Enabled"
    assert "NoSuchLifecycleConfiguration" in s3api(
        srv, "get-bucket-lifecycle-configuration", "--bucket", "cli-conf", check=False).stderr


def test_large_copy_goes_multipart(shared_server, tmp_path):
    srv = shared_server
    s3api(srv, "create-bucket", "--bucket", "cli-big")
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * (20 * 1024 * 1024 // 256))  # 20 MiB: over the 8 MiB threshold
    aws_cli(srv, "s3", "cp", str(big), "s3://cli-big/big.bin")
    back = tmp_path / "back.bin"
    aws_cli(srv, "s3", "cp", "s3://cli-big/big.bin", str(back))
    assert back.read_bytes() == big.read_bytes()
    head = json.loads(s3api(srv, "head-object", "--bucket", "cli-big", "--key", "big.bin").stdout)
    assert head["ContentLength"] == 20 * 1024 * 1024 and head["ETag"].strip('"').endswith("-3")


def test_tagging_api_and_regions_with_the_cli(shared_server):
    srv = shared_server
    aws_cli(srv, "sns", "create-topic", "--name", "cli-tagged", "--tags", "Key=env,Value=ci")
    found = json.loads(aws_cli(srv, "resourcegroupstaggingapi", "get-resources",
                               "--tag-filters", "Key=env,Values=ci").stdout)
    assert [r["ResourceARN"].rsplit(":", 1)[1] for r in found["ResourceTagMappingList"]] == ["cli-tagged"]
    regions = json.loads(aws_cli(srv, "ec2", "describe-regions").stdout)["Regions"]
    assert "us-east-1" in {r["RegionName"] for r in regions}
