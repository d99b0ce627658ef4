"""CloudTrail Lake dashboards through boto3 and the AWS CLI: custom dashboards (create, get,
list, update, delete with termination protection, tags), the Highlights dashboard, and
refreshes that run each widget's query as CloudTrail (allowed by the stores' resource
policies), found by QueryAlias and RefreshId.

The pinned clients predate dashboards: this module runs with the current boto3 (scripts/test).
"""

import json

import botocore.session
import pytest

from conftest import ACCOUNT, aws_cli, error_of, wait_for

if "CreateDashboard" not in botocore.session.get_session().get_service_model("cloudtrail").operation_names:
    pytest.skip("this botocore predates CloudTrail Lake dashboards", allow_module_level=True)

TOP_EVENTS = ("SELECT eventName, count(*) AS calls FROM {store} WHERE eventTime > '?' AND "
              "eventTime < '?' GROUP BY eventName ORDER BY calls DESC, eventName")
TABLE = {"Height": "2", "Width": "4", "Title": "TopEvents", "View": "Table"}


def dashboard_arn(name, region="us-east-1"):
    return f"arn:aws:cloudtrail:{region}:{ACCOUNT}:dashboard/{name}"


def store_id(arn):
    return arn.rsplit("/", 1)[1]


def widget(store, statement=TOP_EVENTS, parameters=("$StartTime$", "$EndTime$"), view=TABLE):
    out = {"QueryStatement": statement.format(store=store), "ViewProperties": view}
    if parameters:
        out["QueryParameters"] = list(parameters)
    return out


def lets_cloudtrail_query(ct, store_arn, *dashboards):
    """The store policy AWS documents for dashboards: CloudTrail may run StartQuery for them."""
    ct.put_resource_policy(ResourceArn=store_arn, ResourcePolicy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DashboardQueries",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "cloudtrail:StartQuery",
            "Resource": store_arn,
            "Condition": {"StringEquals": {
                "AWS:SourceArn": [dashboard_arn(d) for d in dashboards],
                "AWS:SourceAccount": ACCOUNT,
            }},
        }],
    }))


def refreshed(ct, alias, refresh_id):
    """Waits for a widget's query of a refresh to stop; returns (DescribeQuery, first page)."""
    def done():
        described = ct.describe_query(QueryAlias=alias, RefreshId=refresh_id)
        return described if described["QueryStatus"] not in ("QUEUED", "RUNNING") else None
    described = wait_for(done, timeout=30, what=f"{alias} in refresh {refresh_id}")
    page = ct.get_query_results(QueryId=described["QueryId"])
    return described, page


def rows(page):
    return [[next(iter(cell.items())) for cell in row] for row in page.get("QueryResultRows", [])]


@pytest.fixture
def ct(server):
    return server.client("cloudtrail")


@pytest.fixture
def store(ct):
    return ct.create_event_data_store(Name="dash-store", TerminationProtectionEnabled=False)["EventDataStoreArn"]


def test_a_custom_dashboard_lives_and_dies_as_aws_describes(ct, store):
    sid = store_id(store)
    created = ct.create_dashboard(
        Name="ops-view",
        Widgets=[widget(sid), widget(sid, "SELECT count(*) AS n FROM {store}", parameters=None)],
        RefreshSchedule={"Frequency": {"Unit": "HOURS", "Value": 6}, "Status": "ENABLED", "TimeOfDay": "00:30"},
        TagsList=[{"Key": "team", "Value": "sec"}],
        TerminationProtectionEnabled=True,
    )
    arn = dashboard_arn("ops-view")
    assert created["DashboardArn"] == arn
    assert created["Name"] == "ops-view" and created["Type"] == "CUSTOM"
    assert [w["QueryAlias"] for w in created["Widgets"]] == ["Widget.ops-view.1", "Widget.ops-view.2"]
    assert created["Widgets"][0]["QueryParameters"] == ["$StartTime$", "$EndTime$"]
    assert created["Widgets"][0]["ViewProperties"] == TABLE
    assert created["RefreshSchedule"] == {
        "Frequency": {"Unit": "HOURS", "Value": 6}, "Status": "ENABLED", "TimeOfDay": "00:30"}
    assert created["TerminationProtectionEnabled"] is True
    assert created["TagsList"] == [{"Key": "team", "Value": "sec"}]

    got = ct.get_dashboard(DashboardId="ops-view")
    assert got["DashboardArn"] == arn and got["Status"] == "CREATED" and got["Type"] == "CUSTOM"
    assert got["Widgets"] == created["Widgets"]
    assert got["CreatedTimestamp"] == got["UpdatedTimestamp"]
    assert "LastRefreshId" not in got
    assert ct.get_dashboard(DashboardId=arn)["DashboardArn"] == arn

    ct.create_dashboard(Name="other-view", Widgets=[widget(sid)])
    listed = ct.list_dashboards()["Dashboards"]
    assert listed == [{"DashboardArn": arn, "Type": "CUSTOM"},
                      {"DashboardArn": dashboard_arn("other-view"), "Type": "CUSTOM"}]
    assert [d["DashboardArn"] for d in ct.list_dashboards(NamePrefix="ops")["Dashboards"]] == [arn]
    assert ct.list_dashboards(Type="MANAGED")["Dashboards"] == []
    first = ct.list_dashboards(MaxResults=1)
    assert len(first["Dashboards"]) == 1
    assert ct.list_dashboards(NextToken=first["NextToken"])["Dashboards"][0]["DashboardArn"] == dashboard_arn("other-view")

    ct.add_tags(ResourceId=arn, TagsList=[{"Key": "env", "Value": "ci"}])
    tags = ct.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]
    assert tags["ResourceId"] == arn
    assert sorted(t["Key"] for t in tags["TagsList"]) == ["env", "team"]

    updated = ct.update_dashboard(DashboardId=arn, Widgets=[widget(sid)],
                                  RefreshSchedule={"Frequency": {"Unit": "DAYS", "Value": 1}, "Status": "DISABLED"})
    assert len(updated["Widgets"]) == 1
    assert updated["RefreshSchedule"]["Status"] == "DISABLED"
    assert updated["RefreshSchedule"]["TimeOfDay"] == "00:00"
    assert updated["UpdatedTimestamp"] > updated["CreatedTimestamp"]
    assert ct.get_dashboard(DashboardId=arn)["Status"] == "UPDATED"

    assert error_of(ct.delete_dashboard, DashboardId=arn)[0] == "ConflictException"
    ct.update_dashboard(DashboardId=arn, TerminationProtectionEnabled=False)
    ct.delete_dashboard(DashboardId=arn)
    assert error_of(ct.get_dashboard, DashboardId=arn)[0] == "ResourceNotFoundException"
    assert error_of(ct.delete_dashboard, DashboardId=arn)[0] == "ResourceNotFoundException"


def test_bad_dashboards_are_refused_with_the_reason(ct, store):
    sid = store_id(store)
    ct.create_dashboard(Name="taken", Widgets=[widget(sid)])
    cases = [
        (dict(Name="taken", Widgets=[widget(sid)]), "ConflictException", "already exists"),
        (dict(Name="bad-sql", Widgets=[widget(sid, "SELEC eventName FROM {store}", None)]),
         "InvalidQueryStatementException", None),
        (dict(Name="no-store", Widgets=[widget("00000000-0000-4000-8000-000000000000")]),
         "EventDataStoreNotFoundException", None),
        (dict(Name="eleven", Widgets=[widget(sid)] * 11), "ServiceQuotaExceededException", "10"),
        (dict(Name="counts", Widgets=[widget(sid, parameters=("$StartTime$",))]),
         "InvalidQueryStatementException", "placeholders"),
        (dict(Name="unknown-param", Widgets=[widget(sid, parameters=("$StartTime$", "$Yesterday$"))]),
         "InvalidQueryStatementException", "$Yesterday$"),
        (dict(Name="every-2h", Widgets=[widget(sid)],
              RefreshSchedule={"Frequency": {"Unit": "HOURS", "Value": 2}, "Status": "ENABLED"}),
         "InvalidParameterException", "HOURS"),
        (dict(Name="bad-time", Widgets=[widget(sid)],
              RefreshSchedule={"Frequency": {"Unit": "DAYS", "Value": 1}, "Status": "ENABLED", "TimeOfDay": "25:00"}),
         "InvalidParameterException", "TimeOfDay"),
        (dict(Name="AWSCloudTrail-Highlights"), "InvalidParameterException", "RefreshSchedule"),
        (dict(Name="AWSCloudTrail-Highlights", Widgets=[widget(sid)],
              RefreshSchedule={"Frequency": {"Unit": "HOURS", "Value": 6}, "Status": "ENABLED"}),
         "InvalidParameterException", "Widgets"),
    ]
    for request, code, words in cases:
        got, status, message = error_of(ct.create_dashboard, **request)
        assert (got, status) == (code, 400), request["Name"]
        assert words is None or words in message, message
    assert [d["DashboardArn"] for d in ct.list_dashboards()["Dashboards"]] == [dashboard_arn("taken")]
    assert error_of(ct.start_dashboard_refresh, DashboardId="missing")[0] == "ResourceNotFoundException"
    assert error_of(ct.start_dashboard_refresh, DashboardId="taken",
                    QueryParameterValues={"$Region$": "us-east-1"})[0] == "InvalidParameterException"
    assert error_of(ct.describe_query, QueryAlias="Widget.taken.1")[0] == "QueryIdNotFoundException"
    assert error_of(ct.start_query, QueryAlias="Widget.none.1")[0] == "InvalidParameterException"


def test_a_refresh_runs_each_widget_as_cloudtrail_when_the_store_allows_it(server, ct, store):
    sid = store_id(store)
    ct.list_trails()
    ct.describe_trails()
    ct.describe_trails()
    ct.create_dashboard(Name="ops-view", Widgets=[widget(sid), widget(sid, "SELECT count(*) AS n FROM {store}", None)])

    # Without the store's policy CloudTrail may not query it: the widgets fail and say why.
    refresh_id = ct.start_dashboard_refresh(DashboardId="ops-view")["RefreshId"]
    assert refresh_id.isdigit() and 10 <= len(refresh_id) <= 20
    described, _ = refreshed(ct, "Widget.ops-view.1", refresh_id)
    assert described["QueryStatus"] == "FAILED"
    assert "resource policy" in described["ErrorMessage"]
    got = ct.get_dashboard(DashboardId="ops-view")
    assert got["LastRefreshId"] == refresh_id
    assert "StartQuery" in got["LastRefreshFailureReason"]

    lets_cloudtrail_query(ct, store, "ops-view")
    second = ct.start_dashboard_refresh(DashboardId="ops-view")["RefreshId"]
    assert int(second) > int(refresh_id)
    described, page = refreshed(ct, "Widget.ops-view.1", second)
    assert described["QueryStatus"] == "FINISHED", described.get("ErrorMessage")
    counts = dict((r[0][1], int(r[1][1])) for r in rows(page))
    assert counts["DescribeTrails"] == 2 and counts["ListTrails"] == 1
    _, total = refreshed(ct, "Widget.ops-view.2", second)
    assert int(rows(total)[0][0][1]) >= 3
    got = ct.get_dashboard(DashboardId="ops-view")
    assert got["LastRefreshId"] == second and "LastRefreshFailureReason" not in got

    # The alias alone names its latest query; the first refresh's is still there.
    assert ct.describe_query(QueryAlias="Widget.ops-view.1")["QueryId"] == described["QueryId"]
    assert ct.describe_query(QueryAlias="Widget.ops-view.1", RefreshId=refresh_id)["QueryStatus"] == "FAILED"

    # A time range narrows every widget.
    third = ct.start_dashboard_refresh(DashboardId="ops-view", QueryParameterValues={
        "$StartTime$": "2001-01-01T00:00:00Z", "$EndTime$": "2001-01-02T00:00:00Z"})["RefreshId"]
    _, empty = refreshed(ct, "Widget.ops-view.1", third)
    assert rows(empty) == []

    # StartQuery runs a widget by its alias, with the caller's values for its placeholders.
    query_id = ct.start_query(QueryAlias="Widget.ops-view.1",
                              QueryParameters=["2000-01-01 00:00:00", "2100-01-01 00:00:00"])["QueryId"]
    page = wait_for(lambda: (lambda p: p if p["QueryStatus"] == "FINISHED" else None)(
        ct.get_query_results(QueryId=query_id)), what="the aliased query")
    assert dict((r[0][1], int(r[1][1])) for r in rows(page))["DescribeTrails"] == 2

    # The refresh is recorded with the dashboard it refreshed.
    def refresh_events():
        return ct.lookup_events(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "StartDashboardRefresh"}])["Events"]
    event = wait_for(refresh_events, what="the StartDashboardRefresh event")[0]
    assert event["Resources"] == [{"ResourceType": "AWS::CloudTrail::Dashboard",
                                   "ResourceName": dashboard_arn("ops-view")}]
    record = json.loads(event["CloudTrailEvent"])
    assert record["responseElements"]["refreshId"] == third
    assert record["readOnly"] is False


def test_the_highlights_dashboard_summarizes_a_store(ct, store):
    sid = store_id(store)
    created = ct.create_dashboard(
        Name="AWSCloudTrail-Highlights",
        RefreshSchedule={"Frequency": {"Unit": "HOURS", "Value": 6}, "Status": "ENABLED"})
    assert created["Type"] == "MANAGED"
    aliases = [w["QueryAlias"] for w in created["Widgets"]]
    assert "Highlights.TopServices" in aliases and len(aliases) == 6
    assert all("$EventDataStoreId$" in w["QueryParameters"] for w in created["Widgets"])
    assert ct.list_dashboards(Type="MANAGED")["Dashboards"] == [
        {"DashboardArn": dashboard_arn("AWSCloudTrail-Highlights"), "Type": "MANAGED"}]
    assert error_of(ct.update_dashboard, DashboardId="AWSCloudTrail-Highlights",
                    Widgets=[widget(sid)])[0] == "UnsupportedOperationException"
    assert error_of(ct.start_dashboard_refresh, DashboardId="AWSCloudTrail-Highlights")[0] == "InvalidParameterException"
    assert error_of(ct.start_dashboard_refresh, DashboardId="AWSCloudTrail-Highlights",
                    QueryParameterValues={"$EventDataStoreId$": "00000000-0000-4000-8000-000000000000"}
                    )[0] == "EventDataStoreNotFoundException"

    lets_cloudtrail_query(ct, store, "AWSCloudTrail-Highlights")
    ct.describe_trails()
    refresh_id = ct.start_dashboard_refresh(
        DashboardId="AWSCloudTrail-Highlights", QueryParameterValues={"$EventDataStoreId$": sid})["RefreshId"]
    for alias in aliases:
        described, _ = refreshed(ct, alias, refresh_id)
        assert described["QueryStatus"] == "FINISHED", (alias, described.get("ErrorMessage"))
    _, services = refreshed(ct, "Highlights.TopServices", refresh_id)
    assert ("eventSource", "cloudtrail.amazonaws.com") in rows(services)[0]


def test_a_dashboard_policy_and_the_aws_cli(server, ct, store):
    sid = store_id(store)
    aws_cli(server, "cloudtrail", "create-dashboard", "--name", "cli-view",
            "--widgets", json.dumps([widget(sid)]))
    arn = dashboard_arn("cli-view")
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "cloudtrail:StartDashboardRefresh", "Resource": arn,
        "Condition": {"StringEquals": {"AWS:SourceArn": arn}}}]})
    ct.put_resource_policy(ResourceArn=arn, ResourcePolicy=policy)
    assert json.loads(ct.get_resource_policy(ResourceArn=arn)["ResourcePolicy"]) == json.loads(policy)
    out = json.loads(aws_cli(server, "cloudtrail", "start-dashboard-refresh", "--dashboard-id", "cli-view").stdout)
    assert out["RefreshId"].isdigit()
    listed = json.loads(aws_cli(server, "cloudtrail", "list-dashboards").stdout)
    assert listed["Dashboards"] == [{"DashboardArn": arn, "Type": "CUSTOM"}]
    ct.delete_resource_policy(ResourceArn=arn)
    assert error_of(ct.get_resource_policy, ResourceArn=arn)[0] == "ResourcePolicyNotFoundException"
    aws_cli(server, "cloudtrail", "delete-dashboard", "--dashboard-id", arn)
    assert ct.list_dashboards()["Dashboards"] == []
