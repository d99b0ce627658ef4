"""AWS's public corpus of CloudTrail Lake sample queries (aws-samples/cloud-trail-lake-query-samples,
MIT-0), each run against a store holding recorded events and imported log files; none may fail.

The corpus is not part of this repository: point TRAILROOM_LAKE_SAMPLES at a checkout of it to run
this test (it is skipped otherwise). Athena queries over AWS Config tables in the corpus (they
read `default.*` tables, not an event data store) are not Lake queries and are left out.
"""

import gzip
import json
import os
import re
import uuid

import pytest

from conftest import ACCOUNT, error_of, wait_for

SAMPLES = os.environ.get("TRAILROOM_LAKE_SAMPLES")
pytestmark = pytest.mark.skipif(not SAMPLES, reason="TRAILROOM_LAKE_SAMPLES names no checkout of the corpus")

STORE_PLACEHOLDERS = ["$EDS_ID", "<EDS ID>", "<EDS_ID>", "<event_data_store_id>", "<Event data store Id>",
                      "<event-data-store-ID>", "config_event_data_store_ID"]
# Files of the corpus that are not valid SQL as published (a doubled FROM, clauses run together,
# a query pasted twice): they must be refused as AWS refuses them, with the statement's error.
NOT_SQL = {
    "iam-idc-authenticate-api.sql": "EventDataStoreNotFoundException",  # FROM FROM <store>
    "list-all-errors-for-s3-events.sql": None,
    "list-all-events-not-in-authorized-region.sql": None,
    "list-attempted-s3-requests..sql": None,
    "list-publicly-accessible-rds-instances.sql": None,
    "top-errors.sql": None,
    "top-s3-actions.sql": None,
}
# Queries over AWS Config configuration items (a store kind this server does not make), written
# with Trino lambdas (`filter`, `transform`) and casts to map(varchar, json): refused by name.
CONFIG_ITEMS = {
    "ssm-patch-compliance-all-ec2-instances-time-range.sql",
    "ssm-patch-compliance-all-ec2-instances.sql",
    "ssm-patch-compliance-distinct-ec2-instance-latest.sql",
    "ssm-patch-compliance-selected-ec2-instance-time-range.sql",
    "ssm-patch-compliance-selected-ec2-instance.sql",
}


def lake_queries():
    """(file name, statement) of every Lake query of the corpus, comments dropped."""
    if not SAMPLES:
        return []
    found = []
    for name in sorted(os.listdir(SAMPLES)):
        if not name.endswith(".sql"):
            continue
        text = open(os.path.join(SAMPLES, name), encoding="utf-8").read()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S).strip().rstrip(";")
        if re.search(r"\bdefault\.|\"\$path\"|\bCREATE\b", text):
            continue
        found.append((name, text))
    return found


def fill(statement, store):
    for placeholder in STORE_PLACEHOLDERS:
        statement = statement.replace(placeholder, store)
    statement = statement.replace("${date_filter}", "2025-03-01 00:00:00")
    # Other placeholders name a value to put in (`<alice@example.com>`): keep the example value.
    return re.sub(r"<([^<>,'\n]+)>", r"\1", statement)


def record(name, when, i, **extra):
    event = {
        "eventVersion": "1.10", "eventTime": when, "eventSource": "ec2.amazonaws.com", "eventName": name,
        "awsRegion": "eu-west-1", "sourceIPAddress": "192.0.2.76", "userAgent": "signin.amazonaws.com",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "accountId": "555555555555",
                         "arn": "arn:aws:iam::555555555555:user/alice", "userName": "alice",
                         "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
                         "sessionContext": {"attributes": {"mfaAuthenticated": "false"}}},
        "requestParameters": {"resourcesSet": {"items": [{"resourceId": f"i-{i:08x}"}]},
                              "tagSet": {"items": [{"key": "team", "value": "sec"}]}},
        "responseElements": {"ConsoleLogin": "Success"} if name == "ConsoleLogin" else None,
        "additionalEventData": {"MFAUsed": "No"}, "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()),
        "readOnly": name.startswith("Describe"), "eventType": "AwsApiCall", "managementEvent": True,
        "recipientAccountId": "555555555555", "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.2", "cipherSuite": "ECDHE-RSA-AES128-GCM-SHA256",
                       "clientProvidedHostHeader": "ec2.eu-west-1.amazonaws.com"},
    }
    event.update(extra)
    return event


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    from conftest import Server
    srv = Server(str(tmp_path_factory.mktemp("samples"))).start()
    try:
        ct, s3 = srv.client("cloudtrail"), srv.client("s3")
        store = ct.create_event_data_store(Name="samples")["EventDataStoreArn"]
        s3.create_bucket(Bucket="sample-logs")
        srv.client("iam").create_user(UserName="alice")
        names = ["RunInstances", "CreateTags", "ConsoleLogin", "AssumeRole", "DescribeInstances", "PutObject",
                 "CreateUser", "AuthorizeSecurityGroupIngress", "DeleteTags", "GetObject"]
        records = [record(name, f"2025-03-01T{i % 24:02d}:00:00Z", i,
                          errorCode="AccessDenied" if i % 7 == 0 else None)
                   for i, name in enumerate(names * 5)]
        s3.put_object(Bucket="sample-logs", Key="AWSLogs/555555555555/CloudTrail/eu-west-1/2025/03/01/f.json.gz",
                      Body=gzip.compress(json.dumps({"Records": records}).encode()))
        import_id = ct.start_import(Destinations=[store], ImportSource={"S3": {
            "S3LocationUri": "s3://sample-logs/AWSLogs/", "S3BucketRegion": "us-east-1",
            "S3BucketAccessRoleArn": f"arn:aws:iam::{ACCOUNT}:role/import"}})["ImportId"]
        wait_for(lambda: ct.get_import(ImportId=import_id)["ImportStatus"] == "COMPLETED", what="the import")
        yield ct, store.rsplit("/", 1)[1]
    finally:
        srv.stop()


@pytest.mark.parametrize("name,statement", lake_queries(), ids=[n for n, _ in lake_queries()])
def test_every_sample_query_runs(lake, name, statement):
    ct, store = lake
    if name in NOT_SQL or name in CONFIG_ITEMS:
        expected = NOT_SQL.get(name) or "InvalidQueryStatementException"
        assert error_of(ct.start_query, QueryStatement=fill(statement, store))[0] == expected
        return
    query_id = ct.start_query(QueryStatement=fill(statement, store))["QueryId"]
    page = wait_for(lambda: (lambda p: p if p["QueryStatus"] not in ("QUEUED", "RUNNING") else None)(
        ct.get_query_results(QueryId=query_id)), what=name)
    assert page["QueryStatus"] == "FINISHED", page.get("ErrorMessage")
