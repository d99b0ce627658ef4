"""Lake queries against an independent engine: the events a store ingested are exported (through
a Lake query of `eventjson`), loaded into DuckDB with CloudTrail's schema, and each query's
result set must equal DuckDB's for the same question (DuckDB's SQL differs where the dialects
do: JSON maps, regular expressions, string/timestamp comparison).

Each pair covers a feature: grouping, struct paths, map lookups, UNNEST of resources, time
windows, date_trunc, count_if/approx_distinct, window functions, set operations, joins,
HAVING, NULL handling, booleans, LIKE and regular expressions.
"""

import datetime
import json

import duckdb
import pytest

from conftest import ACCOUNT, new_user, wait_for

SCHEMA = {
    "eventVersion": "VARCHAR",
    "userIdentity": "STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, "
                    "accessKeyId VARCHAR, userName VARCHAR)",
    "eventTime": "TIMESTAMP",
    "eventSource": "VARCHAR",
    "eventName": "VARCHAR",
    "awsRegion": "VARCHAR",
    "sourceIPAddress": "VARCHAR",
    "userAgent": "VARCHAR",
    "errorCode": "VARCHAR",
    "errorMessage": "VARCHAR",
    "requestParameters": "JSON",
    "requestID": "VARCHAR",
    "eventID": "VARCHAR",
    "readOnly": "BOOLEAN",
    "resources": "STRUCT(accountId VARCHAR, type VARCHAR, ARN VARCHAR)[]",
    "eventType": "VARCHAR",
    "managementEvent": "BOOLEAN",
    "recipientAccountId": "VARCHAR",
    "eventCategory": "VARCHAR",
}

# (feature, Lake SQL, DuckDB SQL); {t} is the table, {u} the second table of a join.
PAIRS = [
    ("group by",
     "SELECT eventSource, eventName, count(*) AS n FROM {t} GROUP BY 1, 2 ORDER BY 1, 2",
     None),
    ("struct path",
     "SELECT userIdentity.type AS kind, userIdentity.userName AS who, count(*) AS n FROM {t} "
     "GROUP BY 1, 2 ORDER BY 1, 2",
     None),
    ("map lookup",
     "SELECT element_at(requestParameters, 'bucketName') AS bucket FROM {t} "
     "WHERE eventName = 'CreateBucket' ORDER BY 1",
     "SELECT json_extract_string(requestParameters, '$.bucketName') AS bucket FROM {t} "
     "WHERE eventName = 'CreateBucket' ORDER BY 1"),
    ("map subscript, null where absent",
     "SELECT eventName, requestParameters['userName'] AS name FROM {t} "
     "WHERE eventSource = 'iam.amazonaws.com' ORDER BY 1, 2",
     "SELECT eventName, json_extract_string(requestParameters, '$.userName') AS name FROM {t} "
     "WHERE eventSource = 'iam.amazonaws.com' ORDER BY 1, 2"),
    ("unnest resources",
     "SELECT r.type AS type, r.arn AS arn FROM {t} CROSS JOIN UNNEST(resources) AS x(r) "
     "ORDER BY 1, 2",
     "SELECT r.type AS type, r.ARN AS arn FROM {t} CROSS JOIN UNNEST(resources) AS x(r) "
     "ORDER BY 1, 2"),
    ("time window with strings",
     "SELECT count(*) AS n FROM {t} WHERE eventTime >= '{start}' AND eventTime < '{end}'",
     "SELECT count(*) AS n FROM {t} WHERE eventTime >= TIMESTAMP '{start}' "
     "AND eventTime < TIMESTAMP '{end}'"),
    ("date_trunc",
     "SELECT date_trunc('day', eventTime) AS day, count(*) AS n FROM {t} GROUP BY 1 ORDER BY 1",
     None),
    ("count_if and approx_distinct",
     "SELECT count_if(errorCode IS NOT NULL) AS failed, approx_distinct(eventName) AS names, "
     "count(DISTINCT userIdentity.arn) AS callers FROM {t}",
     "SELECT count_if(errorCode IS NOT NULL) AS failed, count(DISTINCT eventName) AS names, "
     "count(DISTINCT userIdentity.arn) AS callers FROM {t}"),
    ("errors",
     "SELECT eventName, errorCode, count(*) AS n FROM {t} WHERE errorCode IS NOT NULL "
     "GROUP BY 1, 2 ORDER BY 1, 2",
     None),
    ("booleans",
     "SELECT readOnly, managementEvent, count(*) AS n FROM {t} GROUP BY 1, 2 ORDER BY 1, 2",
     None),
    ("boolean literal",
     "SELECT count(*) AS n FROM {t} WHERE readOnly = false",
     None),
    ("booleans as conditions",
     "SELECT IF(readOnly, 'read', 'write') AS kind, count_if(NOT readOnly) AS writes, count(*) AS n "
     "FROM {t} WHERE readOnly OR managementEvent GROUP BY 1 ORDER BY 1",
     None),
    ("window function",
     "SELECT eventID, row_number() OVER (PARTITION BY eventName ORDER BY eventTime, eventID) AS k "
     "FROM {t} ORDER BY eventID",
     None),
    ("running count",
     "SELECT eventName, count(*) OVER (PARTITION BY eventSource) AS per_source FROM {t} "
     "ORDER BY eventID",
     None),
    ("union all and except",
     "SELECT eventName AS name FROM {t} WHERE readOnly = true UNION ALL "
     "SELECT eventSource AS name FROM {t} WHERE readOnly = false ORDER BY 1",
     None),
    ("except",
     "SELECT eventName FROM {t} EXCEPT SELECT eventName FROM {t} WHERE readOnly = true ORDER BY 1",
     None),
    ("intersect",
     "SELECT userIdentity.arn AS arn FROM {t} WHERE eventSource = 's3.amazonaws.com' "
     "INTERSECT SELECT userIdentity.arn AS arn FROM {t} WHERE eventSource = 'iam.amazonaws.com' "
     "ORDER BY 1",
     None),
    ("join of two stores",
     "SELECT a.eventName AS name, count(*) AS n FROM {t} a JOIN {u} b ON a.eventID = b.eventID "
     "GROUP BY 1 ORDER BY 1",
     None),
    ("left join keeps the unmatched",
     "SELECT a.eventName AS name, count(b.eventID) AS matched FROM {t} a LEFT JOIN {u} b "
     "ON a.eventID = b.eventID GROUP BY 1 ORDER BY 1",
     None),
    ("having",
     "SELECT eventName, count(*) AS n FROM {t} GROUP BY 1 HAVING count(*) > 1 ORDER BY 1",
     None),
    ("like and regexp",
     "SELECT eventName FROM {t} WHERE eventName LIKE 'Create%' AND regexp_like(eventName, "
     "'Bucket$|User$') GROUP BY 1 ORDER BY 1",
     "SELECT eventName FROM {t} WHERE eventName LIKE 'Create%' AND regexp_matches(eventName, "
     "'Bucket$|User$') GROUP BY 1 ORDER BY 1"),
    ("in list and coalesce",
     "SELECT coalesce(errorCode, 'ok') AS outcome, count(*) AS n FROM {t} "
     "WHERE eventName IN ('CreateBucket', 'GetBucketLocation', 'CreateUser') GROUP BY 1 ORDER BY 1",
     None),
    ("cte and subquery",
     "WITH writes AS (SELECT eventID FROM {t} WHERE readOnly = false) "
     "SELECT count(*) AS n FROM {t} WHERE eventID IN (SELECT eventID FROM writes)",
     None),
    ("order by with nulls last and limit",
     "SELECT eventName, errorCode FROM {t} ORDER BY errorCode NULLS LAST, eventName, eventID LIMIT 5",
     "SELECT eventName, errorCode FROM {t} ORDER BY errorCode NULLS LAST, eventName, eventID LIMIT 5"),
]


def lake_rows(ct, sql):
    query_id = ct.start_query(QueryStatement=sql)["QueryId"]

    def done():
        page = ct.get_query_results(QueryId=query_id)
        return page if page["QueryStatus"] not in ("QUEUED", "RUNNING") else None
    page = wait_for(done, what=f"query {sql}")
    assert page["QueryStatus"] == "FINISHED", (sql, page.get("ErrorMessage"))
    out = [[next(iter(c.items())) for c in row] for row in page.get("QueryResultRows", [])]
    token = page.get("NextToken")
    while token:
        page = ct.get_query_results(QueryId=query_id, NextToken=token)
        out += [[next(iter(c.items())) for c in row] for row in page.get("QueryResultRows", [])]
        token = page.get("NextToken")
    return out


def as_lake_text(value):
    """A DuckDB value as Lake shows it; None when Lake leaves the cell out."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if isinstance(value, float):
        return repr(value)
    return str(value)


def duck_rows(con, sql):
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [[(n, as_lake_text(v)) for n, v in zip(names, row) if v is not None] for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def loaded(shared_server, tmp_path_factory):
    """Two stores filled by real calls (S3, IAM, STS, CloudTrail; root and IAM users; some
    failing), the events exported and loaded into DuckDB."""
    ct = shared_server.client("cloudtrail")
    everything = ct.create_event_data_store(Name="diff-all")["EventDataStoreArn"].rsplit("/", 1)[1]
    writes = ct.create_event_data_store(Name="diff-writes", AdvancedEventSelectors=[{
        "Name": "writes", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
                                             {"Field": "readOnly", "Equals": ["false"]}]}],
    )["EventDataStoreArn"].rsplit("/", 1)[1]
    s3 = shared_server.client("s3")
    iam = shared_server.client("iam")
    for i in range(4):
        s3.create_bucket(Bucket=f"diff-bucket-{i}")
        s3.get_bucket_location(Bucket=f"diff-bucket-{i}")
    for name in ("alice", "bob"):
        key, secret = new_user(shared_server, f"diff-{name}")
        user_s3 = shared_server.client("s3", key=key, secret=secret)
        user_s3.create_bucket(Bucket=f"diff-{name}-bucket")
        user_s3.list_buckets()
        shared_server.client("sts", key=key, secret=secret).get_caller_identity()
        shared_server.client("iam", key=key, secret=secret).list_users()
    for missing in ("diff-missing-1", "diff-missing-2"):
        with pytest.raises(Exception):
            s3.get_bucket_location(Bucket=missing)
    with pytest.raises(Exception):
        iam.create_user(UserName="diff-alice")
    ct.list_trails()
    # Frozen from here: the queries below would otherwise be ingested as they run.
    ct.stop_event_data_store_ingestion(EventDataStore=everything)
    ct.stop_event_data_store_ingestion(EventDataStore=writes)

    exported = lake_rows(ct, f"SELECT eventjson FROM {everything}")
    path = tmp_path_factory.mktemp("lake") / "events.ndjson"
    with open(path, "w") as f:
        for row in exported:
            f.write(dict(row)["eventjson"] + "\n")
    second = {dict(r)["eventID"] for r in lake_rows(ct, f"SELECT eventID FROM {writes}")}
    con = duckdb.connect()
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in SCHEMA.items()) + "}"
    con.execute(f"CREATE TABLE events AS SELECT * FROM read_json('{path}', format = 'newline_delimited', "
                f"columns = {columns})")
    con.execute("CREATE TABLE writes AS SELECT * FROM events WHERE eventID IN (SELECT unnest(?))",
                [sorted(second)])
    times = con.execute("SELECT min(eventTime), max(eventTime) FROM events").fetchone()
    middle = times[0] + (times[1] - times[0]) / 2
    return ct, con, everything, writes, len(exported), middle


def test_the_export_holds_every_ingested_event(loaded):
    ct, con, everything, _, exported, _ = loaded
    assert exported >= 25
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] == exported
    assert lake_rows(ct, f"SELECT count(*) AS n FROM {everything}") == [[("n", str(exported))]]


@pytest.mark.parametrize("feature,lake_sql,duck_sql", PAIRS, ids=[p[0] for p in PAIRS])
def test_lake_and_duckdb_agree(loaded, feature, lake_sql, duck_sql):
    ct, con, everything, writes, _, middle = loaded
    start = (middle - datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    end = middle.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    ours = lake_rows(ct, lake_sql.format(t=everything, u=writes, start=start, end=end))
    theirs = duck_rows(con, (duck_sql or lake_sql).format(t="events", u="writes", start=start, end=end))
    assert ours, f"{feature}: the query should return rows"
    assert ours == theirs, feature
