"""A tool-shaped scenario: what a compliance scanner does against an account, start to end.

It enumerates regions (EC2 DescribeRegions), then in every region describes the trails it sees
(shadows included), reads each trail's status, event and Insights selectors and tags by ARN, then
reads the trail bucket's policy, policy status, ACL, public access block, logging, versioning,
encryption, lifecycle and tags, and the topic's attributes. The run must finish with no error
other than the documented "not configured" ones, and with the verdicts the setup implies.

Named test_s3_* so that CI runs it with the pinned boto3 and again with a current one."""

import json

from botocore.exceptions import ClientError

from conftest import ACCOUNT

NOT_CONFIGURED = {
    "InsightNotEnabledException",
    "NoSuchLifecycleConfiguration",
    "NoSuchTagSet",
    "NoSuchPublicAccessBlockConfiguration",
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchBucketPolicy",
}


def trail_bucket_policy(bucket):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}"},
        {"Sid": "AWSCloudTrailWrite", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{ACCOUNT}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]})


def set_up(server):
    """An organization-less account with one multi-region trail (validated, tagged, notifying a
    topic) and one single-region trail in eu-west-1 writing to an untagged bucket."""
    s3 = server.client("s3")
    for bucket in ("org-audit-logs", "eu-logs"):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_policy(Bucket=bucket, Policy=trail_bucket_policy(bucket))
    s3.put_bucket_tagging(Bucket="org-audit-logs", Tagging={"TagSet": [{"Key": "data", "Value": "audit"}]})
    s3.put_bucket_versioning(Bucket="org-audit-logs", VersioningConfiguration={"Status": "Enabled"})
    sns = server.client("sns")
    topic = sns.create_topic(Name="trail-notices")["TopicArn"]
    policy = json.loads(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
    policy["Statement"].append({"Sid": "CloudTrail", "Effect": "Allow",
                                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                                "Action": "SNS:Publish", "Resource": topic})
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    ct = server.client("cloudtrail")
    ct.create_trail(Name="org-audit", S3BucketName="org-audit-logs", IsMultiRegionTrail=True,
                    EnableLogFileValidation=True, SnsTopicName="trail-notices",
                    TagsList=[{"Key": "owner", "Value": "security"}])
    ct.start_logging(Name="org-audit")
    eu = server.client("cloudtrail", region="eu-west-1")
    eu.create_trail(Name="eu-only", S3BucketName="eu-logs")


class Scanner:
    """Calls as a scanner would; remembers every error code it met."""

    def __init__(self, server):
        self.server = server
        self.errors = []

    def call(self, client, method, **kwargs):
        try:
            return getattr(client, method)(**kwargs)
        except ClientError as err:
            self.errors.append((method, err.response["Error"]["Code"]))
            return None

    def scan(self):
        findings = {"trails": {}, "buckets": {}}
        regions = self.server.client("ec2").describe_regions()["Regions"]
        for region in sorted(r["RegionName"] for r in regions):
            ct = self.server.client("cloudtrail", region=region)
            for trail in ct.describe_trails(includeShadowTrails=True)["trailList"]:
                arn = trail["TrailARN"]
                status = self.call(ct, "get_trail_status", Name=arn)
                selectors = self.call(ct, "get_event_selectors", TrailName=arn)
                self.call(ct, "get_insight_selectors", TrailName=arn)
                tags = self.call(ct, "list_tags", ResourceIdList=[arn])
                seen = findings["trails"].setdefault(arn, {"regions": set(), "trail": trail})
                seen["regions"].add(region)
                seen["logging"] = status and status["IsLogging"]
                seen["selectors"] = selectors is not None
                seen["tags"] = tags and tags["ResourceTagList"][0].get("TagsList", [])
                if "SnsTopicARN" in trail:
                    sns = self.server.client("sns", region=trail["HomeRegion"])
                    self.call(sns, "get_topic_attributes", TopicArn=trail["SnsTopicARN"])
                findings["buckets"].setdefault(trail["S3BucketName"], None)
        for bucket in findings["buckets"]:
            findings["buckets"][bucket] = self.scan_bucket(bucket)
        return findings

    def scan_bucket(self, bucket):
        s3 = self.server.client("s3")
        answers = {}
        for method in ("get_bucket_policy", "get_bucket_policy_status", "get_bucket_acl",
                       "get_public_access_block", "get_bucket_logging", "get_bucket_versioning",
                       "get_bucket_encryption", "get_bucket_lifecycle_configuration",
                       "get_bucket_tagging", "get_bucket_location", "get_bucket_ownership_controls"):
            answers[method] = self.call(s3, method, Bucket=bucket)
        return answers


def test_a_scanner_runs_to_the_end_with_the_right_verdicts(server):
    set_up(server)
    scanner = Scanner(server)
    findings = scanner.scan()
    unexpected = [e for e in scanner.errors if e[1] not in NOT_CONFIGURED]
    assert unexpected == [], unexpected
    # Every region was walked; the multi-region trail is seen (and readable by ARN) in each.
    regions = {r["RegionName"] for r in server.client("ec2").describe_regions()["Regions"]}
    org = findings["trails"][f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org-audit"]
    assert org["regions"] == regions
    assert org["logging"] is True and org["selectors"] is True
    assert org["trail"]["IsMultiRegionTrail"] and org["trail"]["LogFileValidationEnabled"]
    assert org["tags"] == [{"Key": "owner", "Value": "security"}]
    eu = findings["trails"][f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/eu-only"]
    assert eu["regions"] == {"eu-west-1"} and eu["logging"] is False
    # The only "not configured" answers are the ones this setup leaves unconfigured.
    assert set(scanner.errors) == {
        ("get_insight_selectors", "InsightNotEnabledException"),
        ("get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration"),
        ("get_bucket_tagging", "NoSuchTagSet"),
    }
    audit = findings["buckets"]["org-audit-logs"]
    assert audit["get_bucket_policy_status"]["PolicyStatus"]["IsPublic"] is False
    assert audit["get_public_access_block"]["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    assert audit["get_bucket_versioning"]["Status"] == "Enabled"
    rule = audit["get_bucket_encryption"]["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert "LoggingEnabled" not in audit["get_bucket_logging"]
    grants = audit["get_bucket_acl"]["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert audit["get_bucket_ownership_controls"]["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == \
        "BucketOwnerEnforced"
    assert audit["get_bucket_tagging"]["TagSet"] == [{"Key": "data", "Value": "audit"}]
    assert findings["buckets"]["eu-logs"]["get_bucket_versioning"].get("Status") is None
