"""SNS topic settings that infrastructure-as-code sets, driven by the pinned boto3: every
documented topic attribute accepted and returned, FIFO topics (naming, FIFO-only attributes,
Publish's group and deduplication rules), tags through SNS's own calls, data protection
policies, and CreateTopic's idempotency rules. Every call is recorded."""

import json

import pytest

from conftest import ACCOUNT, error_of


STANDARD_ATTRIBUTES = {
    "DisplayName": "alerts",
    "DeliveryPolicy": json.dumps({"http": {"defaultHealthyRetryPolicy": {"numRetries": 5}}}),
    "KmsMasterKeyId": "alias/aws/sns",
    "SignatureVersion": "2",
    "TracingConfig": "Active",
    "HTTPSuccessFeedbackRoleArn": f"arn:aws:iam::{ACCOUNT}:role/sns-feedback",
    "HTTPSuccessFeedbackSampleRate": "50",
    "HTTPFailureFeedbackRoleArn": f"arn:aws:iam::{ACCOUNT}:role/sns-feedback",
    "SQSSuccessFeedbackSampleRate": "100",
    "LambdaFailureFeedbackRoleArn": f"arn:aws:iam::{ACCOUNT}:role/sns-feedback",
    "FirehoseSuccessFeedbackRoleArn": f"arn:aws:iam::{ACCOUNT}:role/sns-feedback",
    "ApplicationSuccessFeedbackSampleRate": "0",
}


def test_every_standard_attribute_round_trips(shared_server):
    sns = shared_server.client("sns")
    arn = sns.create_topic(Name="iac-standard", Attributes=STANDARD_ATTRIBUTES)["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    for name, value in STANDARD_ATTRIBUTES.items():
        assert attrs[name] == value, name
    assert "FifoTopic" not in attrs
    # Set changes one at a time; an empty value removes an optional attribute.
    sns.set_topic_attributes(TopicArn=arn, AttributeName="TracingConfig", AttributeValue="PassThrough")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="KmsMasterKeyId", AttributeValue="")
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["TracingConfig"] == "PassThrough" and "KmsMasterKeyId" not in attrs
    # Same name, same attributes: the same topic. Different attributes: refused.
    assert sns.create_topic(Name="iac-standard", Attributes={"DisplayName": "alerts"})["TopicArn"] == arn
    code, status, message = error_of(sns.create_topic, Name="iac-standard", Attributes={"DisplayName": "other"})
    assert (code, status) == ("InvalidParameter", 400) and "different attributes" in message


@pytest.mark.parametrize("name,value", [
    ("SignatureVersion", "3"),
    ("TracingConfig", "Sometimes"),
    ("HTTPSuccessFeedbackSampleRate", "101"),
    ("DeliveryPolicy", "{not json"),
    ("ContentBasedDeduplication", "true"),  # FIFO only
    ("FifoThroughputScope", "Topic"),  # FIFO only
    ("ArchivePolicy", json.dumps({"MessageRetentionPeriod": "30"})),  # FIFO only
    ("FifoTopic", "true"),  # fixed at creation
    ("HTTPFailureFeedbackSampleRate", "5"),  # not an attribute
])
def test_bad_attributes_are_invalid_parameters(shared_server, name, value):
    sns = shared_server.client("sns")
    arn = sns.create_topic(Name="iac-bad")["TopicArn"]
    code, status, _ = error_of(sns.set_topic_attributes, TopicArn=arn, AttributeName=name, AttributeValue=value)
    assert (code, status) == ("InvalidParameter", 400)


def test_fifo_topics(shared_server):
    sns = shared_server.client("sns")
    assert error_of(sns.create_topic, Name="orders", Attributes={"FifoTopic": "true"})[0] == "InvalidParameter"
    assert error_of(sns.create_topic, Name="orders.fifo")[0] == "InvalidParameter"
    archive = json.dumps({"MessageRetentionPeriod": "30"})
    arn = sns.create_topic(Name="orders.fifo", Attributes={
        "FifoTopic": "true", "FifoThroughputScope": "MessageGroup", "ArchivePolicy": archive,
    })["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["FifoTopic"] == "true" and attrs["ContentBasedDeduplication"] == "false"
    assert attrs["FifoThroughputScope"] == "MessageGroup" and attrs["ArchivePolicy"] == archive
    assert attrs["BeginningArchiveTime"].endswith("Z")
    assert error_of(sns.set_topic_attributes, TopicArn=arn, AttributeName="TracingConfig",
                    AttributeValue="Active")[0] == "InvalidParameter"
    # Publish needs a group, and a deduplication id until content-based deduplication is on.
    assert "MessageGroupId" in error_of(sns.publish, TopicArn=arn, Message="m")[2]
    assert "ContentBasedDeduplication" in error_of(sns.publish, TopicArn=arn, Message="m", MessageGroupId="g")[2]
    first = sns.publish(TopicArn=arn, Message="m", MessageGroupId="g", MessageDeduplicationId="d1")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="ContentBasedDeduplication", AttributeValue="true")
    second = sns.publish(TopicArn=arn, Message="m", MessageGroupId="g")
    assert len(first["SequenceNumber"]) == 20 and int(second["SequenceNumber"]) > int(first["SequenceNumber"])
    # A standard topic refuses a deduplication id and has no sequence numbers.
    standard = sns.create_topic(Name="plain")["TopicArn"]
    assert "SequenceNumber" not in sns.publish(TopicArn=standard, Message="m")
    assert error_of(sns.publish, TopicArn=standard, Message="m", MessageDeduplicationId="d")[0] == "InvalidParameter"
    # FIFO topics deliver only to SQS, which this endpoint does not serve.
    assert error_of(sns.subscribe, TopicArn=arn, Protocol="https",
                    Endpoint="https://example.com/")[0] == "InvalidParameter"


def test_tags_through_sns(shared_server):
    sns = shared_server.client("sns")
    arn = sns.create_topic(Name="tagged", Tags=[{"Key": "team", "Value": "audit"}])["TopicArn"]
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "audit"}]
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "ci"}, {"Key": "team", "Value": "sec"}])
    tags = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=arn)["Tags"]}
    assert tags == {"team": "sec", "env": "ci"}
    sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "ci"}]
    code, status, _ = error_of(sns.list_tags_for_resource, ResourceArn=arn + "-missing")
    assert (code, status) == ("ResourceNotFound", 404)
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    assert error_of(sns.tag_resource, ResourceArn=arn, Tags=many)[0] == "TagLimitExceeded"
    assert error_of(sns.tag_resource, ResourceArn=arn, Tags=[{"Key": "aws:x", "Value": "v"}])[0] == "InvalidParameter"
    # Creating again with other tags is refused, as SNS does.
    assert "different tags" in error_of(sns.create_topic, Name="tagged", Tags=[{"Key": "x", "Value": "y"}])[2]
    ct = shared_server.client("cloudtrail")
    found = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "UntagResource"}])
    [event] = [json.loads(e["CloudTrailEvent"]) for e in found["Events"]
               if json.loads(e["CloudTrailEvent"])["requestParameters"].get("resourceArn") == arn]
    assert event["eventSource"] == "sns.amazonaws.com" and event["requestParameters"]["tagKeys"] == ["team"]
    assert event["readOnly"] is False


def test_data_protection_policy(shared_server):
    sns = shared_server.client("sns")
    policy = json.dumps({
        "Name": "basic", "Description": "", "Version": "2021-06-01",
        "Statement": [{
            "Sid": "audit", "DataDirection": "Inbound", "Principal": ["*"],
            "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],
            "Operation": {"Audit": {"SampleRate": "99", "FindingsDestination": {}}},
        }],
    })
    arn = sns.create_topic(Name="protected", DataProtectionPolicy=policy)["TopicArn"]
    assert sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"] == policy
    other = sns.create_topic(Name="unprotected")["TopicArn"]
    assert sns.get_data_protection_policy(ResourceArn=other).get("DataProtectionPolicy", "") == ""
    sns.put_data_protection_policy(ResourceArn=other, DataProtectionPolicy=policy)
    assert sns.get_data_protection_policy(ResourceArn=other)["DataProtectionPolicy"] == policy
    assert error_of(sns.put_data_protection_policy, ResourceArn=other, DataProtectionPolicy="{}")[0] == "InvalidParameter"
    assert error_of(sns.get_data_protection_policy, ResourceArn=other + "-x")[0] == "ResourceNotFound"
