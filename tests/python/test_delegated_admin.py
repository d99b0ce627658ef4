"""CloudTrail's delegated administrator, with boto3: a member account the management account
registers creates, changes, stops and deletes the organization's trails and event data stores
(which the management account keeps owning), lists and queries the organization's stores; it
cannot turn them into the management account's own; once deregistered it is refused again, as
every other member is."""

import pytest

from conftest import ACCOUNT, MEMBER, MEMBER_KEY, MEMBER_SECRET, cloudtrail_bucket_policy, error_of
from test_lake import rows, run, store_id

BUCKET = "org-trail-logs"


@pytest.fixture
def clients(organization):
    mgmt = organization.client("cloudtrail")
    member = organization.client("cloudtrail", MEMBER_KEY, MEMBER_SECRET)
    s3 = organization.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=cloudtrail_bucket_policy(BUCKET))
    return mgmt, member


def test_a_delegated_administrator_manages_organization_trails(clients):
    mgmt, member = clients
    assert error_of(member.create_trail, Name="org", S3BucketName=BUCKET, IsOrganizationTrail=True)[0] == \
        "NotOrganizationMasterAccountException"
    mgmt.register_organization_delegated_admin(MemberAccountId=MEMBER)

    created = member.create_trail(Name="org", S3BucketName=BUCKET, IsOrganizationTrail=True)
    arn = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org"
    assert created["TrailARN"] == arn and created["IsOrganizationTrail"] is True
    # Owned by the management account: its own trail there, by name.
    assert [t["TrailARN"] for t in mgmt.describe_trails()["trailList"]] == [arn]
    assert mgmt.get_trail(Name="org")["Trail"]["IsOrganizationTrail"] is True
    # The delegated administrator changes it by ARN.
    member.start_logging(Name=arn)
    assert mgmt.get_trail_status(Name="org")["IsLogging"] is True
    member.update_trail(Name=arn, EnableLogFileValidation=True)
    assert mgmt.get_trail(Name="org")["Trail"]["LogFileValidationEnabled"] is True
    member.put_event_selectors(TrailName=arn, EventSelectors=[
        {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
    assert mgmt.get_event_selectors(TrailName="org")["EventSelectors"][0]["ReadWriteType"] == "WriteOnly"
    member.stop_logging(Name=arn)
    assert mgmt.get_trail_status(Name="org")["IsLogging"] is False
    # It cannot make it the management account's own trail, nor make its own trail one.
    assert error_of(member.update_trail, Name=arn, IsOrganizationTrail=False)[0] == \
        "NotOrganizationMasterAccountException"
    member.create_trail(Name="mine", S3BucketName=BUCKET)
    assert error_of(member.update_trail, Name="mine", IsOrganizationTrail=True)[0] == \
        "NotOrganizationMasterAccountException"

    # Deregistered, it is a member like any other: it reads the trail and changes nothing.
    mgmt.deregister_organization_delegated_admin(DelegatedAdminAccountId=MEMBER)
    assert member.get_trail_status(Name=arn)["IsLogging"] is False
    assert error_of(member.start_logging, Name=arn)[0] == "NotOrganizationMasterAccountException"
    assert error_of(member.delete_trail, Name=arn)[0] == "NotOrganizationMasterAccountException"
    mgmt.register_organization_delegated_admin(MemberAccountId=MEMBER)
    member.delete_trail(Name=arn)
    assert mgmt.describe_trails()["trailList"] == []


def test_a_delegated_administrator_manages_and_queries_organization_stores(clients):
    mgmt, member = clients
    assert error_of(member.create_event_data_store, Name="org", OrganizationEnabled=True)[0] == \
        "NotOrganizationMasterAccountException"
    mgmt.register_organization_delegated_admin(MemberAccountId=MEMBER)

    created = member.create_event_data_store(Name="org", OrganizationEnabled=True,
                                             TerminationProtectionEnabled=False)
    arn, store = created["EventDataStoreArn"], store_id(created["EventDataStoreArn"])
    assert arn.startswith(f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:eventdatastore/")
    mgmt_own = store_id(mgmt.create_event_data_store(Name="mgmt-only")["EventDataStoreArn"])
    member.create_event_data_store(Name="member-only")
    # The management account owns it; the delegated administrator lists it beside its own, and
    # not the management account's other stores.
    assert {s["Name"] for s in mgmt.list_event_data_stores()["EventDataStores"]} == {"org", "mgmt-only"}
    assert {s["Name"] for s in member.list_event_data_stores()["EventDataStores"]} == {"org", "member-only"}
    assert member.get_event_data_store(EventDataStore=arn)["OrganizationEnabled"] is True
    assert member.update_event_data_store(EventDataStore=arn, RetentionPeriod=30)["RetentionPeriod"] == 30
    assert mgmt.get_event_data_store(EventDataStore=store)["RetentionPeriod"] == 30
    assert error_of(member.update_event_data_store, EventDataStore=arn, OrganizationEnabled=False)[0] == \
        "NotOrganizationMasterAccountException"
    # Not the management account's other stores.
    mgmt_own_arn = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:eventdatastore/{mgmt_own}"
    assert error_of(member.get_event_data_store, EventDataStore=mgmt_own_arn)[0] == "AccessDeniedException"

    # It queries the organization's events (both accounts') by the store's id.
    member.list_trails()
    mgmt.describe_trails()
    sql = (f"SELECT recipientAccountId, eventName FROM {store} "
           "WHERE eventName IN ('ListTrails', 'DescribeTrails') ORDER BY 1")
    expected = [[("recipientAccountId", ACCOUNT), ("eventName", "DescribeTrails")],
                [("recipientAccountId", MEMBER), ("eventName", "ListTrails")]]
    assert rows(run(member, sql)[1]) == expected
    assert rows(run(mgmt, sql)[1]) == expected
    assert error_of(member.start_query, QueryStatement=f"SELECT eventName FROM {mgmt_own}")[0] == \
        "EventDataStoreNotFoundException"
    member.stop_event_data_store_ingestion(EventDataStore=arn)
    assert mgmt.get_event_data_store(EventDataStore=store)["Status"] == "STOPPED_INGESTION"

    # Deregistered: no longer listed, refused.
    mgmt.deregister_organization_delegated_admin(DelegatedAdminAccountId=MEMBER)
    assert {s["Name"] for s in member.list_event_data_stores()["EventDataStores"]} == {"member-only"}
    assert error_of(member.start_event_data_store_ingestion, EventDataStore=arn)[0] == "AccessDeniedException"
    assert error_of(member.start_query, QueryStatement=f"SELECT eventName FROM {store}")[0] == \
        "EventDataStoreNotFoundException"
    mgmt.register_organization_delegated_admin(MemberAccountId=MEMBER)
    member.delete_event_data_store(EventDataStore=arn)
    assert mgmt.get_event_data_store(EventDataStore=store)["Status"] == "PENDING_DELETION"
