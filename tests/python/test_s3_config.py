"""S3 bucket configuration subresources with the pinned boto3: what an unconfigured bucket
answers, put, get, delete, the rules that change behaviour (public access block, ACLs off), and
each call recorded as a management event."""

import json

import pytest

from conftest import ACCOUNT, error_of, new_user

XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


@pytest.fixture
def s3(server):
    client = server.client("s3")
    client.create_bucket(Bucket="conf")
    return client


def event(server, name):
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}])["Events"]
    assert events, f"no {name} event"
    return json.loads(events[0]["CloudTrailEvent"])


# (subresource, unconfigured answer: an error code or a check of the answer, put, get check,
#  delete or None)
CASES = [
    ("tagging",
     "NoSuchTagSet",
     lambda s3: s3.put_bucket_tagging(Bucket="conf", Tagging={"TagSet": [{"Key": "team", "Value": "blue"}]}),
     lambda s3: s3.get_bucket_tagging(Bucket="conf")["TagSet"] == [{"Key": "team", "Value": "blue"}],
     lambda s3: s3.delete_bucket_tagging(Bucket="conf")),
    ("versioning",
     lambda s3: "Status" not in s3.get_bucket_versioning(Bucket="conf"),
     lambda s3: s3.put_bucket_versioning(Bucket="conf", VersioningConfiguration={"Status": "Enabled"}),
     lambda s3: s3.get_bucket_versioning(Bucket="conf")["Status"] == "Enabled",
     None),
    ("encryption",
     lambda s3: s3.get_bucket_encryption(Bucket="conf")["ServerSideEncryptionConfiguration"]["Rules"][0]
     ["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256",
     lambda s3: s3.put_bucket_encryption(Bucket="conf", ServerSideEncryptionConfiguration={"Rules": [
         {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/logs"},
          "BucketKeyEnabled": True}]}),
     lambda s3: s3.get_bucket_encryption(Bucket="conf")["ServerSideEncryptionConfiguration"]["Rules"][0]
     ["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/logs"},
     lambda s3: s3.delete_bucket_encryption(Bucket="conf")),
    ("lifecycle",
     "NoSuchLifecycleConfiguration",
     lambda s3: s3.put_bucket_lifecycle_configuration(Bucket="conf", LifecycleConfiguration={"Rules": [
         {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 7}}]}),
     lambda s3: s3.get_bucket_lifecycle_configuration(Bucket="conf")["Rules"][0]["Expiration"] == {"Days": 7},
     lambda s3: s3.delete_bucket_lifecycle(Bucket="conf")),
    ("logging",
     lambda s3: "LoggingEnabled" not in s3.get_bucket_logging(Bucket="conf"),
     lambda s3: s3.put_bucket_logging(Bucket="conf", BucketLoggingStatus={
         "LoggingEnabled": {"TargetBucket": "conf", "TargetPrefix": "access/"}}),
     lambda s3: s3.get_bucket_logging(Bucket="conf")["LoggingEnabled"] == {"TargetBucket": "conf",
                                                                            "TargetPrefix": "access/"},
     None),
    ("cors",
     "NoSuchCORSConfiguration",
     lambda s3: s3.put_bucket_cors(Bucket="conf", CORSConfiguration={"CORSRules": [
         {"AllowedMethods": ["GET"], "AllowedOrigins": ["https://example.com"]}]}),
     lambda s3: s3.get_bucket_cors(Bucket="conf")["CORSRules"][0]["AllowedOrigins"] == ["https://example.com"],
     lambda s3: s3.delete_bucket_cors(Bucket="conf")),
    ("website",
     "NoSuchWebsiteConfiguration",
     lambda s3: s3.put_bucket_website(Bucket="conf", WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}}),
     lambda s3: s3.get_bucket_website(Bucket="conf")["IndexDocument"] == {"Suffix": "index.html"},
     lambda s3: s3.delete_bucket_website(Bucket="conf")),
    ("notification",
     lambda s3: "TopicConfigurations" not in s3.get_bucket_notification_configuration(Bucket="conf"),
     lambda s3: s3.put_bucket_notification_configuration(Bucket="conf", NotificationConfiguration={
         "TopicConfigurations": [{"Id": "t", "TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:t",
                                  "Events": ["s3:ObjectCreated:*"]}]}),
     lambda s3: s3.get_bucket_notification_configuration(Bucket="conf")["TopicConfigurations"][0]["Id"] == "t",
     None),
    ("requestPayment",
     lambda s3: s3.get_bucket_request_payment(Bucket="conf")["Payer"] == "BucketOwner",
     lambda s3: s3.put_bucket_request_payment(Bucket="conf", RequestPaymentConfiguration={"Payer": "Requester"}),
     lambda s3: s3.get_bucket_request_payment(Bucket="conf")["Payer"] == "Requester",
     None),
    ("accelerate",
     lambda s3: "Status" not in s3.get_bucket_accelerate_configuration(Bucket="conf"),
     lambda s3: s3.put_bucket_accelerate_configuration(Bucket="conf", AccelerateConfiguration={"Status": "Enabled"}),
     lambda s3: s3.get_bucket_accelerate_configuration(Bucket="conf")["Status"] == "Enabled",
     None),
    ("publicAccessBlock",
     lambda s3: s3.get_public_access_block(Bucket="conf")["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True,
     lambda s3: s3.put_public_access_block(Bucket="conf", PublicAccessBlockConfiguration={
         "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}),
     lambda s3: s3.get_public_access_block(Bucket="conf")["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is False,
     lambda s3: s3.delete_public_access_block(Bucket="conf")),
    ("ownershipControls",
     lambda s3: s3.get_bucket_ownership_controls(Bucket="conf")["OwnershipControls"]["Rules"]
     == [{"ObjectOwnership": "BucketOwnerEnforced"}],
     lambda s3: s3.put_bucket_ownership_controls(Bucket="conf", OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}),
     lambda s3: s3.get_bucket_ownership_controls(Bucket="conf")["OwnershipControls"]["Rules"]
     == [{"ObjectOwnership": "ObjectWriter"}],
     lambda s3: s3.delete_bucket_ownership_controls(Bucket="conf")),
]

AFTER_DELETE = {
    "tagging": "NoSuchTagSet",
    "encryption": lambda s3: s3.get_bucket_encryption(Bucket="conf")["ServerSideEncryptionConfiguration"]["Rules"][0]
    ["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256",
    "lifecycle": "NoSuchLifecycleConfiguration",
    "cors": "NoSuchCORSConfiguration",
    "website": "NoSuchWebsiteConfiguration",
    "publicAccessBlock": "NoSuchPublicAccessBlockConfiguration",
    "ownershipControls": "OwnershipControlsNotFoundError",
}

GETTERS = {
    "tagging": "get_bucket_tagging", "lifecycle": "get_bucket_lifecycle_configuration", "cors": "get_bucket_cors",
    "website": "get_bucket_website", "publicAccessBlock": "get_public_access_block",
    "ownershipControls": "get_bucket_ownership_controls",
}


def expect(s3, name, answer):
    if isinstance(answer, str):
        code, status, _ = error_of(lambda: getattr(s3, GETTERS[name])(Bucket="conf"))
        assert (code, status) == (answer, 404)
    else:
        assert answer(s3)


@pytest.mark.parametrize("name,unset,put,check,delete", CASES, ids=[c[0] for c in CASES])
def test_subresource_round_trip(server, s3, name, unset, put, check, delete):
    expect(s3, name, unset)
    put(s3)
    assert check(s3)
    if delete:
        delete(s3)
        expect(s3, name, AFTER_DELETE[name])


def test_writes_are_management_events_with_their_document(server, s3):
    s3.put_bucket_tagging(Bucket="conf", Tagging={"TagSet": [{"Key": "team", "Value": "blue"}]})
    record = event(server, "PutBucketTagging")
    assert record["eventCategory"] == "Management" and record["readOnly"] is False
    params = record["requestParameters"]
    assert params["bucketName"] == "conf" and params["tagging"] == ""
    assert params["Tagging"]["xmlns"] == XMLNS
    s3.get_bucket_versioning(Bucket="conf")
    assert event(server, "GetBucketVersioning")["readOnly"] is True


def test_public_access_block_refuses_public_policies(server, s3):
    public = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                        "Resource": "arn:aws:s3:::conf/*"}]})
    assert error_of(lambda: s3.put_bucket_policy(Bucket="conf", Policy=public))[:2] == ("AccessDenied", 403)
    s3.delete_public_access_block(Bucket="conf")
    s3.put_bucket_policy(Bucket="conf", Policy=public)
    assert s3.get_bucket_policy_status(Bucket="conf")["PolicyStatus"]["IsPublic"] is True
    confined = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                          "Resource": "arn:aws:s3:::conf/*",
                                          "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]})
    s3.put_bucket_policy(Bucket="conf", Policy=confined)
    assert s3.get_bucket_policy_status(Bucket="conf")["PolicyStatus"]["IsPublic"] is False


def test_acls_off_unless_ownership_allows_them(server, s3):
    acl = s3.get_bucket_acl(Bucket="conf")
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    assert error_of(lambda: s3.put_bucket_acl(Bucket="conf", ACL="public-read"))[:2] == ("AccessControlListNotSupported", 400)
    s3.put_bucket_acl(Bucket="conf", ACL="private")
    s3.put_bucket_ownership_controls(Bucket="conf", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    s3.put_bucket_acl(Bucket="conf", ACL="public-read")
    grants = s3.get_bucket_acl(Bucket="conf")["Grants"]
    assert {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"} in [g["Grantee"] for g in grants]


def test_replication_and_object_lock_need_versioning(server, s3):
    replication = {"Role": f"arn:aws:iam::{ACCOUNT}:role/replication", "Rules": [
        {"ID": "all", "Status": "Enabled", "Priority": 1, "Filter": {}, "DeleteMarkerReplication": {"Status": "Disabled"},
         "Destination": {"Bucket": "arn:aws:s3:::elsewhere"}}]}
    assert error_of(lambda: s3.get_bucket_replication(Bucket="conf"))[:2] == ("ReplicationConfigurationNotFoundError", 404)
    assert error_of(lambda: s3.put_bucket_replication(Bucket="conf", ReplicationConfiguration=replication))[0] == "InvalidRequest"
    assert error_of(lambda: s3.get_object_lock_configuration(Bucket="conf"))[:2] == ("ObjectLockConfigurationNotFoundError", 404)
    s3.put_bucket_versioning(Bucket="conf", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(Bucket="conf", ReplicationConfiguration=replication)
    assert s3.get_bucket_replication(Bucket="conf")["ReplicationConfiguration"]["Rules"][0]["ID"] == "all"
    s3.delete_bucket_replication(Bucket="conf")
    s3.put_object_lock_configuration(Bucket="conf", ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
    assert s3.get_object_lock_configuration(Bucket="conf")["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"


def test_configurations_by_id(server, s3):
    assert s3.list_bucket_analytics_configurations(Bucket="conf")["IsTruncated"] is False
    assert "MetricsConfigurationList" not in s3.list_bucket_metrics_configurations(Bucket="conf")
    assert error_of(lambda: s3.get_bucket_metrics_configuration(Bucket="conf", Id="all"))[:2] == ("NoSuchConfiguration", 404)
    s3.put_bucket_metrics_configuration(Bucket="conf", Id="all", MetricsConfiguration={"Id": "all"})
    assert s3.get_bucket_metrics_configuration(Bucket="conf", Id="all")["MetricsConfiguration"]["Id"] == "all"
    assert [m["Id"] for m in s3.list_bucket_metrics_configurations(Bucket="conf")["MetricsConfigurationList"]] == ["all"]
    s3.delete_bucket_metrics_configuration(Bucket="conf", Id="all")
    assert error_of(lambda: s3.delete_bucket_metrics_configuration(Bucket="conf", Id="all"))[:2] == ("NoSuchConfiguration", 404)
    assert s3.list_bucket_inventory_configurations(Bucket="conf")["IsTruncated"] is False
    assert s3.list_bucket_intelligent_tiering_configurations(Bucket="conf")["IsTruncated"] is False


# (the configuration, its response member, its list member, and get/put/delete/list by client
#  method) of the other by-id kinds
BY_ID = {
    "analytics": ({"Id": "a1", "StorageClassAnalysis": {}}, "AnalyticsConfiguration",
                  "AnalyticsConfigurationList",
                  lambda s3: (s3.get_bucket_analytics_configuration, s3.put_bucket_analytics_configuration,
                              s3.delete_bucket_analytics_configuration,
                              s3.list_bucket_analytics_configurations)),
    "inventory": ({"Id": "i1", "IsEnabled": True, "IncludedObjectVersions": "Current",
                   "Schedule": {"Frequency": "Daily"},
                   "Destination": {"S3BucketDestination": {"Bucket": "arn:aws:s3:::conf", "Format": "CSV"}}},
                  "InventoryConfiguration", "InventoryConfigurationList",
                  lambda s3: (s3.get_bucket_inventory_configuration, s3.put_bucket_inventory_configuration,
                              s3.delete_bucket_inventory_configuration,
                              s3.list_bucket_inventory_configurations)),
    "intelligent-tiering": ({"Id": "t1", "Status": "Enabled",
                             "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"}]},
                            "IntelligentTieringConfiguration", "IntelligentTieringConfigurationList",
                            lambda s3: (s3.get_bucket_intelligent_tiering_configuration,
                                        s3.put_bucket_intelligent_tiering_configuration,
                                        s3.delete_bucket_intelligent_tiering_configuration,
                                        s3.list_bucket_intelligent_tiering_configurations)),
}


@pytest.mark.parametrize("kind", BY_ID)
def test_other_configurations_by_id_round_trip(server, s3, kind):
    config, member, list_member, methods = BY_ID[kind]
    get, put, delete, listing = methods(s3)
    ident = config["Id"]
    assert error_of(lambda: get(Bucket="conf", Id=ident))[:2] == ("NoSuchConfiguration", 404)
    put(Bucket="conf", Id=ident, **{member: config})
    assert get(Bucket="conf", Id=ident)[member]["Id"] == ident
    assert [c["Id"] for c in listing(Bucket="conf")[list_member]] == [ident]
    delete(Bucket="conf", Id=ident)
    assert error_of(lambda: get(Bucket="conf", Id=ident))[:2] == ("NoSuchConfiguration", 404)
    assert event(server, f"PutBucket{member}")["requestParameters"]["bucketName"] == "conf"


def test_bad_input_and_other_accounts(server, s3):
    assert error_of(lambda: s3.put_bucket_tagging(Bucket="conf", Tagging={"TagSet": [{"Key": "aws:x", "Value": "v"}]}))[0] == "InvalidTag"
    assert error_of(lambda: s3.put_bucket_logging(Bucket="conf", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "missing-target", "TargetPrefix": "x/"}}))[0] == "InvalidTargetBucketForLogging"
    assert error_of(lambda: s3.get_bucket_tagging(Bucket="no-such-bucket"))[:2] == ("NoSuchBucket", 404)
    key, secret = new_user(server, "nobody", policy=None)
    other = server.client("s3", key, secret)
    assert error_of(lambda: other.get_bucket_encryption(Bucket="conf"))[:2] == ("AccessDenied", 403)
    assert error_of(lambda: other.put_bucket_policy(Bucket="conf", Policy=json.dumps({"Statement": []})))[0] == "AccessDenied"
    assert error_of(lambda: other.get_bucket_policy(Bucket="conf"))[0] == "AccessDenied"
