"""SNS on the shared endpoint, driven by the pinned boto3: topics and attributes, HTTP
subscriptions confirmed through a real endpoint (a ThreadingHTTPServer on 127.0.0.1), Publish
reaching it with SNS's envelope and headers, retries, policies, errors and recording."""

import json
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from conftest import ACCOUNT, Server, error_of, server_with_account

OTHER_ACCOUNT = "210987654321"
OTHER_KEY = "AKIASECONDACCOUNT002"
OTHER_SECRET = "c2Vjb25kIGFjY291bnQgc2VjcmV0IGtleSBleGFtcGxlMDI"


@pytest.fixture(scope="module")
def srv():
    """One server with a second account, for the whole module."""
    with server_with_account(OTHER_ACCOUNT, OTHER_KEY, OTHER_SECRET) as server:
        yield server


class Endpoint:
    """An HTTP subscriber: records every POST; `fail_next` answers that many with 500 first."""

    def __init__(self):
        self.received = queue.Queue()
        self.fail_next = 0
        self.attempts = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                endpoint.attempts += 1
                if endpoint.fail_next > 0:
                    endpoint.fail_next -= 1
                    self.send_response(500)
                else:
                    endpoint.received.put((dict(self.headers), body))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self, timeout=10):
        headers, body = self.received.get(timeout=timeout)
        return {k.lower(): v for k, v in headers.items()}, body

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    e = Endpoint()
    try:
        yield e
    finally:
        e.close()


def confirmed_subscription(sns, topic, endpoint):
    """Subscribes `endpoint` and confirms with the token it received; returns the ARN."""
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
    _, body = endpoint.next()
    token = json.loads(body)["Token"]
    return sns.confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"]


# ---- topics ---------------------------------------------------------------------------------


def test_topic_lifecycle_and_attributes(srv):
    sns = srv.client("sns")
    arn = sns.create_topic(Name="life")["TopicArn"]
    assert arn == f"arn:aws:sns:us-east-1:{ACCOUNT}:life"
    assert sns.create_topic(Name="life")["TopicArn"] == arn
    assert {"TopicArn": arn} in sns.list_topics()["Topics"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["Owner"] == ACCOUNT and attrs["TopicArn"] == arn and attrs["DisplayName"] == ""
    assert attrs["SubscriptionsConfirmed"] == "0" and attrs["SubscriptionsPending"] == "0"
    policy = json.loads(attrs["Policy"])
    statement = policy["Statement"][0]
    assert statement["Sid"] == "__default_statement_ID"
    assert "SNS:Publish" in statement["Action"]
    assert statement["Condition"] == {"StringEquals": {"AWS:SourceOwner": ACCOUNT}}
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Trail notices")
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "Trail notices"
    sns.delete_topic(TopicArn=arn)
    sns.delete_topic(TopicArn=arn)
    assert {"TopicArn": arn} not in sns.list_topics()["Topics"]
    assert error_of(sns.get_topic_attributes, TopicArn=arn)[:2] == ("NotFound", 404)


def test_topic_errors(srv):
    sns = srv.client("sns")
    assert error_of(sns.create_topic, Name="bad name!")[:2] == ("InvalidParameter", 400)
    assert error_of(sns.get_topic_attributes, TopicArn="not-an-arn")[0] == "InvalidParameter"
    arn = sns.create_topic(Name="errors")["TopicArn"]
    code, _, message = error_of(sns.set_topic_attributes, TopicArn=arn, AttributeName="Bogus", AttributeValue="x")
    assert code == "InvalidParameter" and "AttributeName" in message
    code, _, _ = error_of(sns.set_topic_attributes, TopicArn=arn, AttributeName="Policy", AttributeValue="{nope")
    assert code == "InvalidParameter"
    assert error_of(sns.publish, TopicArn=arn.replace("errors", "missing"), Message="x")[:2] == ("NotFound", 404)
    assert error_of(sns.publish, TopicArn=arn, Message="")[0] == "InvalidParameter"
    assert error_of(sns.publish, TopicArn=arn, Message="x", Subject="two\nlines")[0] == "InvalidParameter"
    code, _, _ = error_of(sns.subscribe, TopicArn=arn, Protocol="email", Endpoint="a@example.com")
    assert code == "InvalidParameter"
    assert error_of(sns.subscribe, TopicArn=arn, Protocol="https", Endpoint="http://x/")[0] == "InvalidParameter"


def test_list_topics_pages(srv):
    sns = srv.client("sns", region="eu-west-1")
    arns = {sns.create_topic(Name=f"page-{i:03d}")["TopicArn"] for i in range(105)}
    pages = list(sns.get_paginator("list_topics").paginate())
    assert len(pages) == 2
    listed = [t["TopicArn"] for p in pages for t in p["Topics"]]
    assert set(listed) == arns and len(listed) == 105
    # Topics are regional.
    assert not any(":eu-west-1:" in t["TopicArn"] for t in srv.client("sns").list_topics()["Topics"])


# ---- subscriptions and delivery -------------------------------------------------------------


def assert_signed_by_published_certificate(message, fields):
    """Checks `Signature` (SignatureVersion 2: SHA256withRSA over `Name\nValue\n` of the signed
    fields) with the key of the certificate at `SigningCertURL`."""
    import base64

    import rsa
    from pyasn1.codec.der import decoder, encoder

    assert message["SignatureVersion"] == "2"
    pem = requests.get(message["SigningCertURL"]).text
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    der = base64.b64decode("".join(line for line in pem.splitlines() if not line.startswith("-----")))
    certificate, _ = decoder.decode(der)
    spki = certificate[0][6]  # tbsCertificate.subjectPublicKeyInfo (after the explicit version)
    key = rsa.PublicKey.load_pkcs1_openssl_der(encoder.encode(spki))
    signed = "".join(f"{name}\n{message[name]}\n" for name in fields).encode()
    assert rsa.verify(signed, base64.b64decode(message["Signature"]), key) == "SHA-256"
    tampered = signed + b" "
    with pytest.raises(rsa.VerificationError):
        rsa.verify(tampered, base64.b64decode(message["Signature"]), key)



def test_subscription_confirmation_flow(srv, endpoint):
    sns = srv.client("sns")
    topic = sns.create_topic(Name="confirm")["TopicArn"]
    response = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
    assert response["SubscriptionArn"] == "pending confirmation"
    headers, body = endpoint.next()
    assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert headers["x-amz-sns-topic-arn"] == topic
    assert headers["content-type"].startswith("text/plain")
    message = json.loads(body)
    assert message["Type"] == "SubscriptionConfirmation"
    assert message["TopicArn"] == topic
    assert headers["x-amz-sns-message-id"] == message["MessageId"]
    for field in ("Token", "Message", "SubscribeURL", "Timestamp", "SignatureVersion", "Signature", "SigningCertURL"):
        assert message[field], field
    assert_signed_by_published_certificate(
        message, ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    )
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert listed == [
        {"SubscriptionArn": "PendingConfirmation", "Owner": ACCOUNT, "Protocol": "http", "Endpoint": endpoint.url, "TopicArn": topic}
    ]
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsPending"] == "1"
    assert error_of(sns.confirm_subscription, TopicArn=topic, Token="0" * 128)[0] == "InvalidParameter"
    arn = sns.confirm_subscription(TopicArn=topic, Token=message["Token"])["SubscriptionArn"]
    assert arn.startswith(topic + ":")
    assert arn in [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]]
    attrs = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attrs["PendingConfirmation"] == "false" and attrs["ConfirmationWasAuthenticated"] == "true"
    assert attrs["Endpoint"] == endpoint.url and attrs["Protocol"] == "http"
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsConfirmed"] == "1"
    sns.unsubscribe(SubscriptionArn=arn)
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_subscribe_url_confirms_without_credentials(srv, endpoint):
    sns = srv.client("sns")
    topic = sns.create_topic(Name="link")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
    message = json.loads(endpoint.next()[1])
    r = requests.get(message["SubscribeURL"])
    assert r.status_code == 200 and "<SubscriptionArn>" in r.text
    [sub] = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert sub["SubscriptionArn"] != "PendingConfirmation"
    # Unsigned requests for anything else are refused.
    r = requests.get(f"{srv.endpoint}/?Action=ListTopics")
    assert r.status_code == 403 and "MissingAuthenticationToken" in r.text


def test_publish_reaches_the_endpoint(srv, endpoint):
    sns = srv.client("sns")
    topic = sns.create_topic(Name="publish")["TopicArn"]
    sub = confirmed_subscription(sns, topic, endpoint)
    payload = json.dumps({"s3Bucket": "logs", "s3ObjectKey": ["AWSLogs/x.json.gz"]})
    message_id = sns.publish(TopicArn=topic, Message=payload, Subject="[AWS CloudTrail]")["MessageId"]
    headers, body = endpoint.next()
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-message-id"] == message_id
    assert headers["x-amz-sns-topic-arn"] == topic
    assert headers["x-amz-sns-subscription-arn"] == sub
    assert headers["user-agent"] == "Amazon Simple Notification Service Agent"
    note = json.loads(body)
    assert note["Type"] == "Notification" and note["MessageId"] == message_id and note["TopicArn"] == topic
    assert note["Subject"] == "[AWS CloudTrail]"
    assert json.loads(note["Message"]) == json.loads(payload)
    for field in ("Timestamp", "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL"):
        assert note[field], field
    assert_signed_by_published_certificate(note, ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"])
    # No subject: no Subject field.
    sns.publish(TopicArn=topic, Message="plain")
    assert "Subject" not in json.loads(endpoint.next()[1])
    # The UnsubscribeURL works without credentials.
    assert requests.get(note["UnsubscribeURL"]).status_code == 200
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    sns.publish(TopicArn=topic, Message="nobody listens")
    with pytest.raises(queue.Empty):
        endpoint.next(timeout=1)


def test_delivery_is_retried(srv, endpoint):
    sns = srv.client("sns")
    topic = sns.create_topic(Name="retry")["TopicArn"]
    confirmed_subscription(sns, topic, endpoint)
    before = endpoint.attempts
    endpoint.fail_next = 2
    sns.publish(TopicArn=topic, Message="eventually")
    _, body = endpoint.next(timeout=15)
    assert json.loads(body)["Message"] == "eventually"
    assert endpoint.attempts - before == 3


def test_raw_delivery_and_json_structure(srv, endpoint):
    sns = srv.client("sns")
    topic = sns.create_topic(Name="raw")["TopicArn"]
    sub = confirmed_subscription(sns, topic, endpoint)
    sns.publish(
        TopicArn=topic,
        MessageStructure="json",
        Message=json.dumps({"default": "for everyone", "http": "for http"}),
        MessageAttributes={"color": {"DataType": "String", "StringValue": "red"}},
    )
    note = json.loads(endpoint.next()[1])
    assert note["Message"] == "for http"
    assert note["MessageAttributes"] == {"color": {"Type": "String", "Value": "red"}}
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="true")
    sns.publish(TopicArn=topic, Message="just the text")
    headers, body = endpoint.next()
    assert body == "just the text" and headers["x-amz-sns-rawdelivery"] == "true"


# ---- policies -------------------------------------------------------------------------------


def test_topic_policy_governs_other_accounts(srv, endpoint):
    sns = srv.client("sns")
    other = srv.client("sns", key=OTHER_KEY, secret=OTHER_SECRET)
    topic = sns.create_topic(Name="shared")["TopicArn"]
    code, status, message = error_of(other.publish, TopicArn=topic, Message="x")
    assert (code, status) == ("AuthorizationError", 403)
    assert "SNS:Publish" in message
    assert error_of(other.get_topic_attributes, TopicArn=topic)[0] == "AuthorizationError"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OtherMayPublish",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
                "Action": "SNS:Publish",
                "Resource": topic,
            },
            {
                "Sid": "AWSCloudTrailSNSPolicy20131101",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "SNS:Publish",
                "Resource": topic,
            },
        ],
    }
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    assert json.loads(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"]) == policy
    confirmed_subscription(sns, topic, endpoint)
    other.publish(TopicArn=topic, Message="from the other account")
    assert json.loads(endpoint.next()[1])["Message"] == "from the other account"
    assert error_of(other.get_topic_attributes, TopicArn=topic)[0] == "AuthorizationError"


# ---- authentication and recording ----------------------------------------------------------


def test_bad_signature(srv):
    code, status, _ = error_of(srv.client("sns", secret="wrong").list_topics)
    assert (code, status) == ("SignatureDoesNotMatch", 403)


def test_calls_are_recorded(srv, endpoint):
    sns = srv.client("sns")
    topic = sns.create_topic(Name="recorded", Attributes={"DisplayName": "R"})["TopicArn"]
    confirmed_subscription(sns, topic, endpoint)
    sns.publish(TopicArn=topic, Message="secret text")
    error_of(sns.get_topic_attributes, TopicArn=topic + "-missing")
    ct = srv.client("cloudtrail")

    def events(name):
        found = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}])
        return [json.loads(e["CloudTrailEvent"]) for e in found["Events"]]

    [created] = [e for e in events("CreateTopic") if e["requestParameters"]["name"] == "recorded"]
    assert created["eventSource"] == "sns.amazonaws.com"
    assert created["requestParameters"]["attributes"] == {"DisplayName": "R"}
    assert created["responseElements"] == {"topicArn": topic}
    [confirmed] = [e for e in events("ConfirmSubscription") if e["requestParameters"]["topicArn"] == topic]
    assert confirmed["requestParameters"]["token"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    failed = [e for e in events("GetTopicAttributes") if e["requestParameters"]["topicArn"] == topic + "-missing"]
    assert failed[0]["errorCode"] == "NotFound" and failed[0]["readOnly"] is True
    # Publish is a data event: not in Event history.
    assert events("Publish") == []


def test_resource_lookup_by_topic(srv):
    sns = srv.client("sns")
    topic = sns.create_topic(Name="by-resource")["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="x")
    ct = srv.client("cloudtrail")
    found = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": topic}])
    names = {e["EventName"] for e in found["Events"]}
    assert {"SetTopicAttributes"} <= names


def test_subscriptions_survive_restart(tmp_path, endpoint):
    server = Server(str(tmp_path / "data")).start()
    try:
        sns = server.client("sns")
        topic = sns.create_topic(Name="durable")["TopicArn"]
        confirmed_subscription(sns, topic, endpoint)
        server.restart()
        sns = server.client("sns")
        sns.publish(TopicArn=topic, Message="after restart")
        assert json.loads(endpoint.next()[1])["Message"] == "after restart"
    finally:
        server.stop()
