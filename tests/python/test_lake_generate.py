"""GenerateQuery through boto3: an English prompt becomes a Lake query over one store, runs by
its QueryAlias (DescribeQuery shows the prompt), and a prompt that cannot be answered is refused
with GenerateResponseException.

The pinned clients predate GenerateQuery: this module runs with the current boto3 (scripts/test).
"""

import botocore.session
import pytest

from conftest import error_of, wait_for

if "GenerateQuery" not in botocore.session.get_session().get_service_model("cloudtrail").operation_names:
    pytest.skip("this botocore predates GenerateQuery", allow_module_level=True)


def finished(ct, query_id):
    def done():
        page = ct.get_query_results(QueryId=query_id)
        return page if page["QueryStatus"] not in ("QUEUED", "RUNNING") else None
    return wait_for(done, what=f"query {query_id}")


def test_prompts_become_queries_that_run_by_alias(server):
    ct = server.client("cloudtrail")
    store = ct.create_event_data_store(Name="asked", TerminationProtectionEnabled=False)["EventDataStoreArn"]
    sid = store.rsplit("/", 1)[1]
    for _ in range(3):
        ct.describe_trails()
    for _ in range(2):
        error_of(ct.get_trail, Name="missing")

    generated = ct.generate_query(EventDataStores=[store], Prompt="What are my top errors in the past month?")
    assert generated["QueryStatement"].startswith(f"SELECT errorCode AS errorCode, count(*) AS eventCount FROM {sid}")
    assert generated["QueryAlias"].startswith("Generated.")
    query_id = ct.start_query(QueryAlias=generated["QueryAlias"])["QueryId"]
    page = finished(ct, query_id)
    assert page["QueryStatus"] == "FINISHED"
    rows = [{k: v for cell in row for k, v in cell.items()} for row in page["QueryResultRows"]]
    assert rows == [{"errorCode": "TrailNotFoundException", "eventCount": "2"}]
    described = ct.describe_query(QueryId=query_id)
    assert described["Prompt"] == "What are my top errors in the past month?"
    assert described["QueryString"] == generated["QueryStatement"]

    by_id = ct.generate_query(EventDataStores=[sid], Prompt="Most frequent API calls to CloudTrail today")
    plain_id = ct.start_query(QueryStatement=by_id["QueryStatement"])["QueryId"]
    page = finished(ct, plain_id)
    top = {k: v for cell in page["QueryResultRows"][0] for k, v in cell.items()}
    assert top == {"eventName": "DescribeTrails", "eventCount": "3"}
    # Run as a statement, it is not a generated query: no prompt.
    assert "Prompt" not in ct.describe_query(QueryId=plain_id)

    assert error_of(ct.generate_query, EventDataStores=[store], Prompt="Write me a poem about the sea")[0] == \
        "GenerateResponseException"
    assert error_of(ct.generate_query, EventDataStores=["00000000-0000-4000-8000-000000000000"],
                    Prompt="top users")[0] == "EventDataStoreNotFoundException"
    ct.delete_event_data_store(EventDataStore=store)
    assert error_of(ct.generate_query, EventDataStores=[store], Prompt="top users")[0] == \
        "InactiveEventDataStoreException"
