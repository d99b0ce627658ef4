"""CloudTrail Lake through boto3 and the AWS CLI: event data stores (create, get, list, update,
delete with termination protection and pending deletion, restore, start/stop ingestion, the
per-region quota) and SQL queries over the events they ingested (start, describe, results with
paging, list, cancel), with AWS's errors.

Runs with the pinned clients and again with a current boto3 (scripts/test).
"""

import json
import uuid

import pytest

from conftest import (ACCOUNT, MEMBER, MEMBER_KEY, MEMBER_SECRET, aws_cli, error_of, new_user,
                      server_with_account, wait_for)


def eds_arn(store_id, region="us-east-1"):
    return f"arn:aws:cloudtrail:{region}:{ACCOUNT}:eventdatastore/{store_id}"


def store_id(arn):
    return arn.rsplit("/", 1)[1]


def finished(ct, query_id):
    """Polls until the query stops; returns its first results page."""
    def done():
        page = ct.get_query_results(QueryId=query_id)
        return page if page["QueryStatus"] not in ("QUEUED", "RUNNING") else None
    return wait_for(done, timeout=30, what=f"query {query_id}")


def rows(page):
    """Rows as lists of (column, value) pairs."""
    return [[next(iter(cell.items())) for cell in row] for row in page.get("QueryResultRows", [])]


def run(ct, sql):
    query_id = ct.start_query(QueryStatement=sql)["QueryId"]
    page = finished(ct, query_id)
    assert page["QueryStatus"] == "FINISHED", page.get("ErrorMessage")
    return query_id, page


@pytest.fixture
def ct(server):
    return server.client("cloudtrail")


@pytest.fixture
def s3(server):
    """S3 calls make the events these tests query: both client generations speak it."""
    return server.client("s3")


def test_a_store_is_created_with_aws_defaults_and_found_by_arn_or_id(ct):
    created = ct.create_event_data_store(Name="audit-store")
    arn = created["EventDataStoreArn"]
    assert arn.startswith(f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:eventdatastore/")
    uuid.UUID(store_id(arn))
    assert created["Status"] == "ENABLED"
    assert created["MultiRegionEnabled"] is True
    assert created["OrganizationEnabled"] is False
    assert created["TerminationProtectionEnabled"] is True
    assert created["RetentionPeriod"] == 366
    assert created["BillingMode"] == "EXTENDABLE_RETENTION_PRICING"
    assert created["AdvancedEventSelectors"] == [{
        "Name": "Default management events",
        "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
    }]
    by_arn = ct.get_event_data_store(EventDataStore=arn)
    by_id = ct.get_event_data_store(EventDataStore=store_id(arn))
    assert by_arn["Name"] == by_id["Name"] == "audit-store"
    assert by_arn["CreatedTimestamp"] == created["CreatedTimestamp"]
    listed = ct.list_event_data_stores()["EventDataStores"]
    assert [s["EventDataStoreArn"] for s in listed] == [arn]
    assert error_of(ct.create_event_data_store, Name="audit-store")[0] == "EventDataStoreAlreadyExistsException"


def test_errors_name_the_problem(ct):
    missing = eds_arn("00000000-0000-0000-0000-000000000000")
    assert error_of(ct.get_event_data_store, EventDataStore=missing)[0] == "EventDataStoreNotFoundException"
    assert error_of(ct.get_event_data_store, EventDataStore="arn:aws:s3:::bucket")[0] == "EventDataStoreARNInvalidException"
    code, status, msg = error_of(ct.create_event_data_store, Name="fixed", BillingMode="FIXED_RETENTION_PRICING",
                                 RetentionPeriod=3000)
    assert (code, status) == ("InvalidParameterException", 400), msg
    code, _, _ = error_of(ct.create_event_data_store, Name="bad-selectors",
                          AdvancedEventSelectors=[{"FieldSelectors": [{"Field": "eventName", "Equals": ["X"]}]}])
    assert code == "InvalidEventSelectorsException"
    code, _, _ = error_of(ct.create_event_data_store, Name="org", OrganizationEnabled=True)
    assert code == "OrganizationsNotInUseException"


def test_lifecycle_protection_pending_deletion_restore_and_ingestion(ct):
    arn = ct.create_event_data_store(Name="life", StartIngestion=False)["EventDataStoreArn"]
    assert ct.get_event_data_store(EventDataStore=arn)["Status"] == "CREATED"
    assert error_of(ct.stop_event_data_store_ingestion, EventDataStore=arn)[0] == "InvalidEventDataStoreStatusException"
    ct.start_event_data_store_ingestion(EventDataStore=arn)
    assert ct.get_event_data_store(EventDataStore=arn)["Status"] == "ENABLED"
    ct.stop_event_data_store_ingestion(EventDataStore=arn)
    assert ct.get_event_data_store(EventDataStore=arn)["Status"] == "STOPPED_INGESTION"

    assert error_of(ct.delete_event_data_store, EventDataStore=arn)[0] == "EventDataStoreTerminationProtectedException"
    updated = ct.update_event_data_store(EventDataStore=arn, Name="life-renamed", RetentionPeriod=90,
                                         TerminationProtectionEnabled=False)
    assert (updated["Name"], updated["RetentionPeriod"], updated["TerminationProtectionEnabled"]) == ("life-renamed", 90, False)
    assert updated["UpdatedTimestamp"] >= updated["CreatedTimestamp"]
    ct.delete_event_data_store(EventDataStore=arn)
    assert ct.get_event_data_store(EventDataStore=arn)["Status"] == "PENDING_DELETION"
    assert error_of(ct.update_event_data_store, EventDataStore=arn, RetentionPeriod=30)[0] == "InactiveEventDataStoreException"
    assert error_of(ct.start_query, QueryStatement=f"SELECT * FROM {store_id(arn)}")[0] == "InactiveEventDataStoreException"
    restored = ct.restore_event_data_store(EventDataStore=arn)
    assert restored["Status"] == "STOPPED_INGESTION"
    assert error_of(ct.restore_event_data_store, EventDataStore=arn)[0] == "InvalidEventDataStoreStatusException"


def test_stores_are_tagged_like_trails(ct):
    arn = ct.create_event_data_store(Name="tagged", TagsList=[{"Key": "team", "Value": "audit"}])["EventDataStoreArn"]
    assert ct.list_tags(ResourceIdList=[arn])["ResourceTagList"] == [
        {"ResourceId": arn, "TagsList": [{"Key": "team", "Value": "audit"}]}]
    ct.add_tags(ResourceId=arn, TagsList=[{"Key": "env", "Value": "ci"}])
    ct.remove_tags(ResourceId=arn, TagsList=[{"Key": "team"}])
    assert ct.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]["TagsList"] == [{"Key": "env", "Value": "ci"}]
    missing = eds_arn("00000000-0000-0000-0000-000000000000")
    assert error_of(ct.add_tags, ResourceId=missing, TagsList=[{"Key": "k", "Value": "v"}])[0] == \
        "EventDataStoreNotFoundException"


def test_ten_stores_per_region(ct):
    for i in range(10):
        ct.create_event_data_store(Name=f"store-{i}", TerminationProtectionEnabled=False)
    assert error_of(ct.create_event_data_store, Name="store-10")[0] == "EventDataStoreMaxLimitExceededException"
    first = ct.list_event_data_stores(MaxResults=4)
    assert len(first["EventDataStores"]) == 4
    rest = ct.list_event_data_stores(NextToken=first["NextToken"])
    names = [s["Name"] for s in first["EventDataStores"] + rest["EventDataStores"]]
    assert sorted(names) == sorted(f"store-{i}" for i in range(10))


def test_queries_see_what_the_store_ingested_and_nothing_else(ct, s3):
    s3.create_bucket(Bucket="before-the-store")
    store = store_id(ct.create_event_data_store(Name="buckets")["EventDataStoreArn"])
    for name in ("lake-b1", "lake-b2", "lake-b3"):
        s3.create_bucket(Bucket=name)
    s3.list_buckets()
    s3.get_bucket_location(Bucket="lake-b1")

    query_id, page = run(ct, f"SELECT eventName, readOnly, count(*) AS calls FROM {store} "
                             f"WHERE eventSource = 's3.amazonaws.com' GROUP BY eventName, readOnly ORDER BY eventName")
    assert rows(page) == [
        [("eventName", "CreateBucket"), ("readOnly", "false"), ("calls", "3")],
        [("eventName", "GetBucketLocation"), ("readOnly", "true"), ("calls", "1")],
        [("eventName", "ListBuckets"), ("readOnly", "true"), ("calls", "1")],
    ]
    assert page["QueryStatistics"]["ResultsCount"] == 3
    assert page["QueryStatistics"]["TotalResultsCount"] == 3

    described = ct.describe_query(QueryId=query_id)
    assert described["QueryStatus"] == "FINISHED"
    assert described["QueryString"].startswith("SELECT eventName")
    assert described["QueryStatistics"]["EventsScanned"] >= 5
    listed = ct.list_queries(EventDataStore=store)["Queries"]
    assert query_id in [q["QueryId"] for q in listed]
    assert error_of(ct.cancel_query, QueryId=query_id)[0] == "InactiveQueryException"

    # Struct paths, map subscripts, UNNEST of resources.
    _, page = run(ct, f"SELECT userIdentity.type AS who, element_at(requestParameters, 'bucketName') AS bucket, "
                      f"r.arn FROM {store} CROSS JOIN UNNEST(resources) AS t(r) "
                      f"WHERE eventName = 'CreateBucket' ORDER BY bucket")
    got = [dict(r) for r in rows(page)]
    assert [r["bucket"] for r in got] == ["lake-b1", "lake-b2", "lake-b3"]
    assert all(r["who"] == "Root" for r in got)
    assert [r["arn"] for r in got] == ["arn:aws:s3:::lake-b1", "arn:aws:s3:::lake-b2", "arn:aws:s3:::lake-b3"]

    # After StopEventDataStoreIngestion, new calls stay out.
    ct.stop_event_data_store_ingestion(EventDataStore=store)
    s3.create_bucket(Bucket="after-the-stop")
    _, page = run(ct, f"SELECT count(*) FROM {store} WHERE eventName = 'CreateBucket'")
    assert rows(page) == [[("_col0", "3")]]


def test_results_page_and_bad_queries_are_refused(ct, s3):
    store = store_id(ct.create_event_data_store(Name="paging")["EventDataStoreArn"])
    for i in range(7):
        s3.create_bucket(Bucket=f"lake-p{i}")
    query_id, _ = run(ct, f"SELECT element_at(requestParameters, 'bucketName') FROM {store} "
                          f"WHERE eventName = 'CreateBucket' ORDER BY 1")
    seen, token = [], None
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = ct.get_query_results(QueryId=query_id, MaxQueryResults=3, **kwargs)
        seen += [dict(r)["_col0"] for r in rows(page)]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == [f"lake-p{i}" for i in range(7)]

    code, status, msg = error_of(ct.start_query, QueryStatement=f"SELEC * FROM {store}")
    assert (code, status) == ("InvalidQueryStatementException", 400) and msg
    code, _, msg = error_of(ct.start_query, QueryStatement=f"DELETE FROM {store}")
    assert code == "InvalidQueryStatementException" and "SELECT" in msg
    code, _, msg = error_of(ct.start_query, QueryStatement=f"SELECT no_such_function(eventName) FROM {store}")
    assert code == "InvalidQueryStatementException" and "no_such_function" in msg
    assert error_of(ct.start_query, QueryStatement="SELECT * FROM 11111111-2222-3333-4444-555555555555")[0] == \
        "EventDataStoreNotFoundException"
    assert error_of(ct.describe_query, QueryId=str(uuid.uuid4()))[0] == "QueryIdNotFoundException"
    assert error_of(ct.get_query_results, QueryId=query_id, NextToken="nope")[0] == "InvalidNextTokenException"

    # A query failing while it runs says why.
    query_id = ct.start_query(QueryStatement=f"SELECT from_iso8601_timestamp(eventName) FROM {store}")["QueryId"]
    page = finished(ct, query_id)
    assert page["QueryStatus"] == "FAILED"
    assert "cannot be cast to timestamp" in page["ErrorMessage"]


def test_selectors_decide_what_a_store_ingests(ct, s3):
    store = store_id(ct.create_event_data_store(
        Name="writes-only",
        AdvancedEventSelectors=[{"Name": "writes", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "readOnly", "Equals": ["false"]}]}],
    )["EventDataStoreArn"])
    s3.create_bucket(Bucket="lake-x")
    s3.list_buckets()
    _, page = run(ct, f"SELECT DISTINCT eventName FROM {store} WHERE eventSource = 's3.amazonaws.com'")
    assert rows(page) == [[("eventName", "CreateBucket")]]


def test_lake_calls_are_recorded_with_their_store(ct):
    arn = ct.create_event_data_store(Name="recorded")["EventDataStoreArn"]
    query_id = ct.start_query(QueryStatement=f"SELECT count(*) FROM {store_id(arn)}")["QueryId"]
    finished(ct, query_id)

    def start_query_event():
        events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "StartQuery"}])
        return events["Events"]
    event = wait_for(start_query_event, what="the StartQuery event")[0]
    assert event["Resources"] == [{"ResourceType": "AWS::CloudTrail::EventDataStore", "ResourceName": arn}]
    record = json.loads(event["CloudTrailEvent"])
    assert record["requestParameters"]["queryStatement"].startswith("SELECT count(*)")
    assert record["responseElements"]["queryId"] == query_id
    assert record["readOnly"] is False


def test_the_aws_cli_runs_a_query(server, ct):
    store = store_id(ct.create_event_data_store(Name="cli")["EventDataStoreArn"])
    ct.list_trails()
    started = aws_cli(server, "cloudtrail", "start-query", "--query-statement",
                      f"SELECT eventName FROM {store} WHERE eventName = 'ListTrails'")
    query_id = json.loads(started.stdout)["QueryId"]
    finished(ct, query_id)
    result = json.loads(aws_cli(server, "cloudtrail", "get-query-results", "--query-id", query_id).stdout)
    assert result["QueryStatus"] == "FINISHED"
    assert result["QueryResultRows"] == [[{"eventName": "ListTrails"}]]


def cloudtrail_record(name, when, user="alice"):
    return {
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "accountId": "210987654321",
                         "arn": f"arn:aws:iam::210987654321:user/{user}", "userName": user},
        "eventTime": when, "eventSource": "ec2.amazonaws.com", "eventName": name,
        "awsRegion": "eu-west-1", "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.15",
        "requestParameters": {"instancesSet": {"items": [{"instanceId": "i-0abc"}]}},
        "responseElements": None, "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()),
        "readOnly": False, "eventType": "AwsApiCall", "managementEvent": True,
        "recipientAccountId": "210987654321", "eventCategory": "Management",
    }


def put_log(s3, bucket, key, body):
    import gzip
    s3.put_object(Bucket=bucket, Key=key, Body=body if isinstance(body, bytes) else gzip.compress(body.encode()))


def test_an_import_reads_real_format_log_files_and_records_the_bad_ones(ct, s3):
    store = ct.create_event_data_store(Name="imported", StartIngestion=False)["EventDataStoreArn"]
    s3.create_bucket(Bucket="old-logs")
    base = "AWSLogs/210987654321/CloudTrail/eu-west-1/2025/03"
    first = [cloudtrail_record("StopInstances", "2025-03-01T10:00:00Z"),
             cloudtrail_record("StartInstances", "2025-03-01T11:00:00Z", user="bob")]
    put_log(s3, "old-logs", f"{base}/01/210987654321_CloudTrail_eu-west-1_20250301T1000Z_a.json.gz",
            json.dumps({"Records": first}))
    put_log(s3, "old-logs", f"{base}/02/210987654321_CloudTrail_eu-west-1_20250302T1000Z_b.json.gz",
            json.dumps({"Records": [cloudtrail_record("TerminateInstances", "2025-03-02T10:00:00Z")]}))
    put_log(s3, "old-logs", f"{base}/02/210987654321_CloudTrail_eu-west-1_20250302T1100Z_bad.json.gz",
            b"this is not gzip")
    put_log(s3, "old-logs", f"{base}/03/210987654321_CloudTrail_eu-west-1_20250303T1000Z_c.json.gz",
            json.dumps({"NotRecords": []}))
    put_log(s3, "old-logs", "AWSLogs/210987654321/CloudTrail-Digest/eu-west-1/2025/03/01/digest.json.gz",
            json.dumps({"digestStartTime": "2025-03-01T10:00:00Z"}))

    started = ct.start_import(Destinations=[store],
                              ImportSource={"S3": {"S3LocationUri": "s3://old-logs/AWSLogs/",
                                                   "S3BucketRegion": "us-east-1",
                                                   "S3BucketAccessRoleArn": f"arn:aws:iam::{ACCOUNT}:role/import"}})
    assert started["ImportStatus"] == "INITIALIZING"
    assert started["Destinations"] == [store]
    import_id = started["ImportId"]
    done = wait_for(lambda: (lambda r: r if r["ImportStatus"] == "COMPLETED" else None)(ct.get_import(ImportId=import_id)),
                    what="the import")
    stats = done["ImportStatistics"]
    assert (stats["FilesCompleted"], stats["EventsCompleted"], stats["FailedEntries"]) == (4, 3, 2)
    assert stats["PrefixesFound"] == stats["PrefixesCompleted"] == 3
    failures = ct.list_import_failures(ImportId=import_id)["Failures"]
    assert sorted(f["Location"].rsplit("_", 1)[1] for f in failures) == ["bad.json.gz", "c.json.gz"]
    assert all(f["Status"] == "FAILED" and f["ErrorMessage"] for f in failures)
    assert [i["ImportId"] for i in ct.list_imports()["Imports"]] == [import_id]
    assert ct.stop_import(ImportId=import_id)["ImportStatus"] == "COMPLETED"

    _, page = run(ct, f"SELECT eventName, eventTime, userIdentity.userName AS who, "
                      f"json_extract_scalar(eventjson, '$.requestParameters.instancesSet.items[0].instanceId') AS instance "
                      f"FROM {store_id(store)} ORDER BY eventTime")
    assert rows(page) == [
        [("eventName", "StopInstances"), ("eventTime", "2025-03-01 10:00:00.000"), ("who", "alice"), ("instance", "i-0abc")],
        [("eventName", "StartInstances"), ("eventTime", "2025-03-01 11:00:00.000"), ("who", "bob"), ("instance", "i-0abc")],
        [("eventName", "TerminateInstances"), ("eventTime", "2025-03-02 10:00:00.000"), ("who", "alice"), ("instance", "i-0abc")],
    ]
    # Imported events are for SQL, not Event history.
    events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "StopInstances"}])
    assert events["Events"] == []

    # A time range keeps the rest out; one import at a time per account.
    second = ct.start_import(Destinations=[store], StartEventTime="2025-03-02T00:00:00Z",
                             ImportSource={"S3": {"S3LocationUri": "s3://old-logs/AWSLogs/",
                                                  "S3BucketRegion": "us-east-1",
                                                  "S3BucketAccessRoleArn": f"arn:aws:iam::{ACCOUNT}:role/import"}})
    assert error_of(ct.start_import, Destinations=[store],
                    ImportSource={"S3": {"S3LocationUri": "s3://old-logs/", "S3BucketRegion": "us-east-1",
                                         "S3BucketAccessRoleArn": f"arn:aws:iam::{ACCOUNT}:role/import"}}
                    )[0] == "AccountHasOngoingImportException"
    done = wait_for(lambda: (lambda r: r if r["ImportStatus"] == "COMPLETED" else None)(ct.get_import(ImportId=second["ImportId"])),
                    what="the second import")
    assert done["ImportStatistics"]["EventsCompleted"] == 1
    assert error_of(ct.get_import, ImportId=str(uuid.uuid4()))[0] == "ImportNotFoundException"


OTHER_ACCOUNT = "210987654321"
OTHER_KEY = "AKIAOTHERACCOUNTKEY1"
OTHER_SECRET = "otherSecretKeyForTheSecondAccount000001"


def test_a_resource_policy_shares_a_store_with_another_account():
    import botocore.session
    model = botocore.session.get_session().get_service_model("cloudtrail")
    if "EventDataStoreOwnerAccountId" not in model.operation_model("StartQuery").input_shape.members:
        pytest.skip("this botocore predates EventDataStoreOwnerAccountId (the current-boto3 run covers it)")
    with server_with_account(OTHER_ACCOUNT, OTHER_KEY, OTHER_SECRET) as srv:
        ct = srv.client("cloudtrail")
        arn = ct.create_event_data_store(Name="shared")["EventDataStoreArn"]
        store = store_id(arn)
        ct.list_trails()
        other = srv.client("cloudtrail", key=OTHER_KEY, secret=OTHER_SECRET)
        sql = f"SELECT eventName FROM {store} WHERE eventName = 'ListTrails'"

        # Not shared yet: the other account is refused.
        code, _, message = error_of(other.start_query, QueryStatement=sql, EventDataStoreOwnerAccountId=ACCOUNT)
        assert code == "AccessDeniedException" and arn in message
        assert error_of(ct.get_resource_policy, ResourceArn=arn)[0] == "ResourcePolicyNotFoundException"
        bad = error_of(ct.put_resource_policy, ResourceArn=arn, ResourcePolicy='{"Statement": [{"Effect": "Maybe"}]}')
        assert bad[0] == "ResourcePolicyNotValidException"

        policy = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "other-account-queries", "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
            "Action": ["cloudtrail:StartQuery", "cloudtrail:GetQueryResults", "cloudtrail:DescribeQuery"],
            "Resource": arn}]})
        put = ct.put_resource_policy(ResourceArn=arn, ResourcePolicy=policy)
        assert json.loads(put["ResourcePolicy"]) == json.loads(policy)
        assert json.loads(ct.get_resource_policy(ResourceArn=arn)["ResourcePolicy"]) == json.loads(policy)

        query_id = other.start_query(QueryStatement=sql, EventDataStoreOwnerAccountId=ACCOUNT)["QueryId"]
        page = finished(other, query_id)
        assert rows(page) == [[("eventName", "ListTrails")]]
        # The owner does not see the other account's query; the other account cannot change the policy.
        assert error_of(ct.describe_query, QueryId=query_id)[0] == "QueryIdNotFoundException"
        assert error_of(other.delete_resource_policy, ResourceArn=arn)[0] == "ResourceNotFoundException"

        ct.delete_resource_policy(ResourceArn=arn)
        assert error_of(other.start_query, QueryStatement=sql, EventDataStoreOwnerAccountId=ACCOUNT)[0] == \
            "AccessDeniedException"


def test_a_user_queries_only_the_stores_its_policy_names(server, ct):
    allowed = ct.create_event_data_store(Name="allowed")["EventDataStoreArn"]
    forbidden = ct.create_event_data_store(Name="forbidden")["EventDataStoreArn"]
    # Calls about a query (GetQueryResults, DescribeQuery) name no store: they are on `*`.
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "cloudtrail:StartQuery", "Resource": allowed},
        {"Effect": "Allow", "Action": "cloudtrail:GetQueryResults", "Resource": "*"}]})
    key, secret = new_user(server, "analyst", policy)
    analyst = server.client("cloudtrail", key=key, secret=secret)
    query_id = analyst.start_query(QueryStatement=f"SELECT count(*) FROM {store_id(allowed)}")["QueryId"]
    assert finished(analyst, query_id)["QueryStatus"] == "FINISHED"
    code, _, message = error_of(analyst.start_query, QueryStatement=f"SELECT count(*) FROM {store_id(forbidden)}")
    assert code == "AccessDeniedException" and forbidden in message
    code, _, _ = error_of(analyst.start_query, QueryStatement=f"SELECT a.eventName FROM {store_id(allowed)} a "
                                                             f"JOIN {store_id(forbidden)} b ON a.eventID = b.eventID")
    assert code == "AccessDeniedException"


def test_sample_queries_are_searched_and_run(ct, s3):
    import botocore.session
    if "SearchSampleQueries" not in botocore.session.get_session().get_service_model("cloudtrail").operation_names:
        pytest.skip("this botocore predates SearchSampleQueries (the current-boto3 run covers it)")
    found = ct.search_sample_queries(SearchPhrase="access denied")["SearchResults"]
    assert found[0]["Name"] == "Access denied" and found[0]["Relevance"] == 1.0
    assert all(0 < r["Relevance"] <= 1 for r in found)
    assert [r["Relevance"] for r in found] == sorted((r["Relevance"] for r in found), reverse=True)
    store = store_id(ct.create_event_data_store(Name="samples")["EventDataStoreArn"])
    s3.create_bucket(Bucket="sample-bucket")
    everything = ct.search_sample_queries(SearchPhrase="calls", MaxResults=50)["SearchResults"]
    assert len(everything) >= 5
    for sample in everything:
        query_id = ct.start_query(QueryStatement=sample["SQL"].replace("$EDS_ID", store))["QueryId"]
        page = finished(ct, query_id)
        assert page["QueryStatus"] == "FINISHED", (sample["Name"], page.get("ErrorMessage"))


def test_results_are_delivered_to_s3_with_a_sign_file_that_verifies(ct, s3):
    import gzip
    import hashlib
    store = store_id(ct.create_event_data_store(Name="delivered")["EventDataStoreArn"])
    s3.create_bucket(Bucket="query-results")
    s3.put_bucket_policy(Bucket="query-results", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": "arn:aws:s3:::query-results/*"}]}))
    s3.create_bucket(Bucket="no-policy")
    for name in ("lake-d1", "lake-d2"):
        s3.create_bucket(Bucket=name)
    sql = (f"SELECT element_at(requestParameters, 'bucketName') AS bucket, eventName FROM {store} "
           f"WHERE eventName = 'CreateBucket' AND element_at(requestParameters, 'bucketName') LIKE 'lake-d%' ORDER BY 1")

    query_id = ct.start_query(QueryStatement=sql, DeliveryS3Uri="s3://query-results/exports")["QueryId"]
    finished(ct, query_id)
    described = wait_for(lambda: (lambda d: d if d.get("DeliveryStatus") not in (None, "PENDING") else None)(
        ct.describe_query(QueryId=query_id)), what="the delivery")
    assert described["DeliveryStatus"] == "SUCCESS"
    assert described["DeliveryS3Uri"] == "s3://query-results/exports"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="query-results")["Contents"]]
    folder = keys[0].rsplit("/", 1)[0]
    assert folder.startswith(f"exports/AWSLogs/{ACCOUNT}/CloudTrail-Lake/Query/") and folder.endswith(query_id)
    assert sorted(k.rsplit("/", 1)[1] for k in keys) == ["result_1.csv.gz", "result_sign.json"]
    body = s3.get_object(Bucket="query-results", Key=f"{folder}/result_1.csv.gz")["Body"].read()
    assert gzip.decompress(body).decode() == "bucket,eventName\nlake-d1,CreateBucket\nlake-d2,CreateBucket\n"
    sign = json.loads(s3.get_object(Bucket="query-results", Key=f"{folder}/result_sign.json")["Body"].read())
    assert sign["files"] == [{"fileHashValue": hashlib.sha256(body).hexdigest(), "fileName": "result_1.csv.gz"}]
    assert (sign["hashAlgorithm"], sign["signatureAlgorithm"], sign["region"]) == ("SHA-256", "SHA256withRSA", "us-east-1")
    try:
        import rsa
    except ImportError:
        rsa = None
    if rsa is not None:
        keys_listed = ct.list_public_keys()["PublicKeyList"]
        der = next(k["Value"] for k in keys_listed if k["Fingerprint"] == sign["publicKeyFingerprint"])
        public = rsa.PublicKey.load_pkcs1(der, format="DER")
        message = " ".join(f["fileHashValue"] for f in sign["files"]).encode()
        assert rsa.verify(message, bytes.fromhex(sign["hashSignature"]), public) == "SHA-256"
        with pytest.raises(rsa.VerificationError):
            rsa.verify(message + b"x", bytes.fromhex(sign["hashSignature"]), public)

    # A bucket whose policy does not let CloudTrail write: the query finishes, delivery is refused.
    query_id = ct.start_query(QueryStatement=sql, DeliveryS3Uri="s3://no-policy/")["QueryId"]
    finished(ct, query_id)
    described = wait_for(lambda: (lambda d: d if d.get("DeliveryStatus") not in (None, "PENDING") else None)(
        ct.describe_query(QueryId=query_id)), what="the refused delivery")
    assert described["DeliveryStatus"] == "ACCESS_DENIED"
    assert error_of(ct.start_query, QueryStatement=sql, DeliveryS3Uri="s3://no-such-bucket/x")[0] == \
        "S3BucketDoesNotExistException"


def test_an_organization_store_collects_every_member_account(organization):
    ct = organization.client("cloudtrail")
    member = organization.client("cloudtrail", key=MEMBER_KEY, secret=MEMBER_SECRET)
    assert error_of(member.create_event_data_store, Name="mine", OrganizationEnabled=True)[0] == \
        "NotOrganizationMasterAccountException"
    own = store_id(ct.create_event_data_store(Name="own-only")["EventDataStoreArn"])
    org = store_id(ct.create_event_data_store(Name="whole-org", OrganizationEnabled=True)["EventDataStoreArn"])
    member.list_trails()
    ct.describe_trails()
    sql = "SELECT recipientAccountId, eventName FROM {} WHERE eventName IN ('ListTrails', 'DescribeTrails') ORDER BY 1"
    assert rows(run(ct, sql.format(org))[1]) == [
        [("recipientAccountId", ACCOUNT), ("eventName", "DescribeTrails")],
        [("recipientAccountId", MEMBER), ("eventName", "ListTrails")],
    ]
    assert rows(run(ct, sql.format(own))[1]) == [[("recipientAccountId", ACCOUNT), ("eventName", "DescribeTrails")]]


def test_ten_queries_at_a_time_and_cancellation(ct):
    store = store_id(ct.create_event_data_store(Name="busy")["EventDataStoreArn"])
    ct.list_trails()
    endless = (f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
               f"SELECT count(*) FROM n CROSS JOIN {store}")
    running = [ct.start_query(QueryStatement=endless)["QueryId"] for _ in range(10)]
    assert error_of(ct.start_query, QueryStatement=endless)[0] == "MaxConcurrentQueriesException"
    assert {ct.describe_query(QueryId=q)["QueryStatus"] for q in running} <= {"QUEUED", "RUNNING"}
    for query_id in running:
        assert ct.cancel_query(QueryId=query_id)["QueryStatus"] == "CANCELLED"
    assert {ct.describe_query(QueryId=q)["QueryStatus"] for q in running} == {"CANCELLED"}
    assert error_of(ct.cancel_query, QueryId=running[0])[0] == "InactiveQueryException"
    _, page = run(ct, f"SELECT count(*) AS n FROM {store} WHERE eventName = 'ListTrails'")
    assert rows(page) == [[("n", "1")]]


def test_stores_queries_and_results_survive_a_kill(server, ct):
    store = store_id(ct.create_event_data_store(Name="durable")["EventDataStoreArn"])
    ct.list_trails()
    done, _ = run(ct, f"SELECT eventName FROM {store} WHERE eventName = 'ListTrails'")
    endless = ct.start_query(QueryStatement=f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                                            f"SELECT count(*) FROM n CROSS JOIN {store}")["QueryId"]
    server.kill()
    server.start()
    ct = server.client("cloudtrail")
    assert rows(ct.get_query_results(QueryId=done)) == [[("eventName", "ListTrails")]]
    stopped = ct.describe_query(QueryId=endless)
    assert stopped["QueryStatus"] == "FAILED" and "stopped" in stopped["ErrorMessage"]
    ct.list_trails()
    _, page = run(ct, f"SELECT count(*) AS n FROM {store} WHERE eventName = 'ListTrails'")
    assert rows(page) == [[("n", "2")]]


def test_a_channel_takes_events_from_outside_aws(server, ct):
    import hashlib
    activity = [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["ActivityAuditLog"]}]}]
    store_arn = ct.create_event_data_store(Name="app-events", AdvancedEventSelectors=activity,
                                           TerminationProtectionEnabled=False)["EventDataStoreArn"]
    management = ct.create_event_data_store(Name="management")["EventDataStoreArn"]
    data_events = ct.create_event_data_store(Name="channel-calls", AdvancedEventSelectors=[{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::CloudTrail::Channel"]}]}])["EventDataStoreArn"]
    destination = [{"Type": "EVENT_DATA_STORE", "Location": store_arn}]
    assert error_of(ct.create_channel, Name="wrong", Source="Custom",
                    Destinations=[{"Type": "EVENT_DATA_STORE", "Location": management}])[0] == \
        "InvalidEventDataStoreCategoryException"
    channel = ct.create_channel(Name="my-app", Source="Custom", Destinations=destination,
                                Tags=[{"Key": "team", "Value": "apps"}])
    channel_arn = channel["ChannelArn"]
    assert channel_arn.startswith(f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:channel/")
    assert error_of(ct.create_channel, Name="my-app", Source="Custom", Destinations=destination)[0] == \
        "ChannelAlreadyExistsException"

    data = server.client("cloudtrail-data")
    event = {"version": "1.0", "userIdentity": {"type": "CustomUser", "principalId": "alice@example.com",
                                                "details": {"team": "payments"}},
             "eventSource": "billing.example.com", "eventName": "ApproveRefund",
             "eventTime": "2026-12-01T10:00:00Z", "UID": "evt-0001",
             "requestParameters": {"refundId": "r-42"}, "recipientAccountId": ACCOUNT}
    text = json.dumps(event)
    answer = data.put_audit_events(channelArn=channel_arn, auditEvents=[
        {"id": "one", "eventData": text, "eventDataChecksum": hashlib.sha256(text.encode()).hexdigest()},
        {"id": "two", "eventData": "not json"},
        {"id": "three", "eventData": json.dumps({**event, "UID": None})},
        {"id": "four", "eventData": text, "eventDataChecksum": "0" * 64},
        {"id": "five", "eventData": json.dumps({**event, "recipientAccountId": "999999999999"})},
    ])
    assert [s["id"] for s in answer["successful"]] == ["one"]
    assert {f["id"]: f["errorCode"] for f in answer["failed"]} == {
        "two": "InvalidData", "three": "FieldNotFound", "four": "InvalidChecksum", "five": "InvalidRecipient"}
    event_id = answer["successful"][0]["eventID"]

    assert error_of(data.put_audit_events, channelArn=channel_arn,
                    auditEvents=[{"id": "x", "eventData": text}, {"id": "x", "eventData": text}])[0] == \
        "DuplicatedAuditEventId"
    missing = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:channel/00000000-0000-0000-0000-000000000000"
    assert error_of(data.put_audit_events, channelArn=missing, auditEvents=[{"id": "x", "eventData": text}])[0] == \
        "ChannelNotFound"

    _, page = run(ct, f"SELECT eventData.eventName AS name, eventData.userIdentity.principalId AS who, "
                      f"element_at(eventData.requestParameters, 'refundId') AS refund, "
                      f"metadata.channelARN AS channel, eventTime FROM {store_id(store_arn)}")
    assert rows(page) == [[("name", "ApproveRefund"), ("who", "alice@example.com"), ("refund", "r-42"),
                           ("channel", channel_arn), ("eventTime", "2026-12-01 10:00:00.000")]]

    got = ct.get_channel(Channel=channel_arn)
    assert got["Destinations"] == destination and got["Source"] == "Custom"
    assert got["IngestionStatus"]["LatestIngestionSuccessEventID"] == event_id
    assert [c["Name"] for c in ct.list_channels()["Channels"]] == ["my-app"]
    assert ct.update_channel(Channel=channel_arn, Name="renamed")["Name"] == "renamed"
    assert error_of(ct.delete_event_data_store, EventDataStore=store_arn)[0] == "ChannelExistsForEDSException"
    ct.delete_channel(Channel=channel_arn)
    assert error_of(ct.get_channel, Channel=channel_arn)[0] == "ChannelNotFoundException"
    ct.delete_event_data_store(EventDataStore=store_arn)

    # PutAuditEvents is a data event on the channel: not in Event history, in a store that asks.
    recorded = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "PutAuditEvents"}])
    assert recorded["Events"] == []
    _, page = run(ct, f"SELECT eventSource, eventCategory, managementEvent, errorCode, "
                      f"json_extract_scalar(eventjson, '$.requestParameters.channelArn') AS channel, r.type AS type "
                      f"FROM {store_id(data_events)} CROSS JOIN UNNEST(resources) AS t(r) "
                      f"WHERE eventName = 'PutAuditEvents' ORDER BY eventTime")
    got = [dict(r) for r in rows(page)]
    assert len(got) == 3
    assert {(r["eventSource"], r["eventCategory"], r["managementEvent"], r["type"]) for r in got} == {
        ("cloudtrail-data.amazonaws.com", "Data", "false", "AWS::CloudTrail::Channel")}
    assert [r.get("errorCode") for r in got] == [None, "DuplicatedAuditEventId", "ChannelNotFound"]
    assert got[0]["channel"] == channel_arn
