"""Every CloudTrail Lake operation this server serves, through the AWS CLI as a user types it
(a current CLI from .venv-awscli: the pinned one predates dashboards and GenerateQuery), each
answer read back, and one modelled error per operation family."""

import json
import os
import subprocess

from conftest import ACCOUNT, ROOT_KEY, ROOT_SECRET, wait_for

CLI = os.path.join(os.path.dirname(__file__), "..", "..", ".venv-awscli", "bin", "aws")


def cli(srv, *args, ok=True):
    """Runs `aws cloudtrail <args>`; returns the parsed JSON answer, or the error text."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ROOT_KEY, AWS_SECRET_ACCESS_KEY=ROOT_SECRET,
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    done = subprocess.run([CLI, "cloudtrail", *args, "--endpoint-url", srv.endpoint, "--output", "json"],
                          env=env, capture_output=True, text=True)
    if not ok:
        assert done.returncode != 0, done.stdout
        return done.stderr
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


def finished(srv, query_id):
    return wait_for(lambda: (lambda d: d if d["QueryStatus"] == "FINISHED" else None)(
        cli(srv, "describe-query", "--query-id", query_id)), what=f"query {query_id}")


def test_every_lake_operation_through_the_aws_cli(server):
    s = server
    # Event data stores.
    arn = cli(s, "create-event-data-store", "--name", "cli-store", "--no-termination-protection-enabled",
              "--retention-period", "30")["EventDataStoreArn"]
    sid = arn.rsplit("/", 1)[1]
    assert cli(s, "get-event-data-store", "--event-data-store", sid)["RetentionPeriod"] == 30
    assert [e["EventDataStoreArn"] for e in cli(s, "list-event-data-stores")["EventDataStores"]] == [arn]
    assert cli(s, "update-event-data-store", "--event-data-store", arn, "--retention-period", "60")["RetentionPeriod"] == 60
    assert cli(s, "stop-event-data-store-ingestion", "--event-data-store", arn) == {}
    assert cli(s, "start-event-data-store-ingestion", "--event-data-store", arn) == {}
    assert "EventDataStoreAlreadyExistsException" in cli(s, "create-event-data-store", "--name", "cli-store", ok=False)

    # Tags and resource policies.
    cli(s, "add-tags", "--resource-id", arn, "--tags-list", "Key=team,Value=sec")
    assert cli(s, "list-tags", "--resource-id-list", arn)["ResourceTagList"][0]["TagsList"] == [{"Key": "team", "Value": "sec"}]
    cli(s, "remove-tags", "--resource-id", arn, "--tags-list", "Key=team")
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "cloudtrail:StartQuery",
        "Resource": arn, "Condition": {"StringEquals": {
            "AWS:SourceArn": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:dashboard/cli-dash"}}}]})
    cli(s, "put-resource-policy", "--resource-arn", arn, "--resource-policy", policy)
    assert json.loads(cli(s, "get-resource-policy", "--resource-arn", arn)["ResourcePolicy"]) == json.loads(policy)

    # Queries.
    cli(s, "describe-trails")
    query_id = cli(s, "start-query", "--query-statement", f"SELECT eventName FROM {sid} WHERE eventName = 'DescribeTrails'")["QueryId"]
    assert finished(s, query_id)["QueryStatistics"]["EventsMatched"] == 1
    assert cli(s, "get-query-results", "--query-id", query_id)["QueryResultRows"] == [[{"eventName": "DescribeTrails"}]]
    assert [q["QueryId"] for q in cli(s, "list-queries", "--event-data-store", sid)["Queries"]] == [query_id]
    assert "InactiveQueryException" in cli(s, "cancel-query", "--query-id", query_id, ok=False)
    assert "InvalidQueryStatementException" in cli(s, "start-query", "--query-statement", "SELEC 1", ok=False)
    assert cli(s, "search-sample-queries", "--search-phrase", "top callers")["SearchResults"]
    generated = cli(s, "generate-query", "--event-data-stores", sid, "--prompt", "How many events happened today?")
    assert generated["QueryStatement"].startswith("SELECT count(*)")

    # Dashboards.
    widgets = json.dumps([{"QueryStatement": f"SELECT count(*) AS n FROM {sid}", "ViewProperties": {"View": "Table"}}])
    assert cli(s, "create-dashboard", "--name", "cli-dash", "--widgets", widgets)["Type"] == "CUSTOM"
    assert cli(s, "get-dashboard", "--dashboard-id", "cli-dash")["Status"] == "CREATED"
    assert cli(s, "update-dashboard", "--dashboard-id", "cli-dash", "--termination-protection-enabled")["TerminationProtectionEnabled"]
    refresh = cli(s, "start-dashboard-refresh", "--dashboard-id", "cli-dash")["RefreshId"]
    wait_for(lambda: cli(s, "describe-query", "--query-alias", "Widget.cli-dash.1", "--refresh-id", refresh)["QueryStatus"] == "FINISHED",
             what="the widget's query")
    assert [d["DashboardArn"].rsplit("/", 1)[1] for d in cli(s, "list-dashboards")["Dashboards"]] == ["cli-dash"]
    assert "ConflictException" in cli(s, "delete-dashboard", "--dashboard-id", "cli-dash", ok=False)
    cli(s, "update-dashboard", "--dashboard-id", "cli-dash", "--no-termination-protection-enabled")
    cli(s, "delete-dashboard", "--dashboard-id", "cli-dash")

    # Channels.
    audit_arn = cli(s, "create-event-data-store", "--name", "cli-audit", "--no-termination-protection-enabled",
                    "--advanced-event-selectors",
                    '[{"FieldSelectors":[{"Field":"eventCategory","Equals":["ActivityAuditLog"]}]}]')["EventDataStoreArn"]
    channel = cli(s, "create-channel", "--name", "cli-channel", "--source", "Custom",
                  "--destinations", f"Type=EVENT_DATA_STORE,Location={audit_arn}")["ChannelArn"]
    assert cli(s, "get-channel", "--channel", channel)["Name"] == "cli-channel"
    assert [c["ChannelArn"] for c in cli(s, "list-channels")["Channels"]] == [channel]
    assert cli(s, "update-channel", "--channel", channel, "--name", "cli-channel-2")["Name"] == "cli-channel-2"
    cli(s, "delete-channel", "--channel", channel)
    assert "ChannelNotFoundException" in cli(s, "get-channel", "--channel", channel, ok=False)

    # Imports (from a bucket of this server) and federation.
    import_id = cli(s, "start-import", "--destinations", arn, "--import-source",
                    "S3={S3LocationUri=s3://no-such-bucket/AWSLogs/,S3BucketRegion=us-east-1,"
                    f"S3BucketAccessRoleArn=arn:aws:iam::{ACCOUNT}:role/import}}")["ImportId"]
    done = wait_for(lambda: (lambda i: i if i["ImportStatus"] not in ("INITIALIZING", "IN_PROGRESS") else None)(
        cli(s, "get-import", "--import-id", import_id)), what="the import")
    assert done["ImportStatus"] == "FAILED"
    assert cli(s, "list-import-failures", "--import-id", import_id)["Failures"]
    assert [i["ImportId"] for i in cli(s, "list-imports")["Imports"]] == [import_id]
    assert cli(s, "stop-import", "--import-id", import_id)["ImportStatus"] == "FAILED"
    assert "InvalidParameterException" in cli(s, "enable-federation", "--event-data-store", arn,
                                              "--federation-role-arn", f"arn:aws:iam::{ACCOUNT}:role/none", ok=False)
    assert cli(s, "disable-federation", "--event-data-store", arn)["FederationStatus"] == "DISABLED"

    # Insights metrics (no Insights on any trail: an empty series).
    metrics = cli(s, "list-insights-metric-data", "--event-source", "cloudtrail.amazonaws.com",
                  "--event-name", "DescribeTrails", "--insight-type", "ApiCallRateInsight")
    assert metrics["Values"] == []

    # Deleting, restoring, deleting for good.
    cli(s, "delete-resource-policy", "--resource-arn", arn)
    cli(s, "delete-event-data-store", "--event-data-store", arn)
    assert cli(s, "restore-event-data-store", "--event-data-store", arn)["Status"] == "ENABLED"
    cli(s, "delete-event-data-store", "--event-data-store", arn)
    assert "InactiveEventDataStoreException" in cli(s, "start-query", "--query-statement", f"SELECT 1 FROM {sid}", ok=False)
