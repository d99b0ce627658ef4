"""Model-driven negative tests for the AWS APIs around a trail (the tagging API, SNS, EC2 region
discovery, Organizations reads, S3 bucket configuration and multipart uploads): every required
member of each operation is left out on purpose, and every string member is sent over its
model length or outside its enum. The answer must be a 4xx AWS-shaped error whose code is one
the operation's model declares (or the service's generic validation code), never a 5xx. The
cases come from the pinned botocore models, not from hand-written lists."""

import tempfile

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCOUNT, ROOT_KEY, ROOT_SECRET, Server

SESSION = botocore.session.get_session()
RAW = Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"})
OPERATIONS = {
    "resourcegroupstaggingapi": ["GetResources", "GetTagKeys", "GetTagValues", "TagResources", "UntagResources"],
    "sns": ["CreateTopic", "SetTopicAttributes", "GetTopicAttributes", "TagResource", "UntagResource",
            "ListTagsForResource", "GetDataProtectionPolicy", "PutDataProtectionPolicy", "Publish"],
    "ec2": ["DescribeRegions", "DescribeAvailabilityZones"],
    "organizations": ["DescribeAccount", "ListAccountsForParent", "ListOrganizationalUnitsForParent",
                      "ListParents", "ListChildren", "ListDelegatedAdministrators", "ListDelegatedServicesForAccount",
                      "ListAWSServiceAccessForOrganization"],
    "s3": ["PutBucketTagging", "PutBucketVersioning", "PutBucketEncryption", "PutPublicAccessBlock",
           "PutBucketOwnershipControls", "PutBucketLifecycleConfiguration", "PutBucketLogging",
           "PutBucketCors", "PutBucketWebsite", "PutBucketAcl", "PutBucketPolicy",
           "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "AbortMultipartUpload",
           "ListParts"],
}
# Codes a service uses for any malformed request, beside the ones each operation declares.
GENERIC = {
    "resourcegroupstaggingapi": {"InvalidParameterException", "ValidationException", "SerializationException"},
    "sns": {"InvalidParameter", "ValidationError"},
    "ec2": {"InvalidParameterValue", "InvalidParameterCombination", "MissingParameter"},
    "organizations": {"InvalidInputException", "ValidationException"},
    "s3": {"MalformedXML", "InvalidArgument", "InvalidRequest", "MissingRequestBodyError", "NoSuchUpload",
           "InvalidPart", "InvalidBucketName", "MalformedPolicy", "InvalidDigest"},
}
# Members a valid call needs so that the broken member is the only problem.
BUCKET = "validation-bucket"


def declared_codes(service, operation):
    model = SESSION.get_service_model(service).operation_model(operation)
    return {s.metadata.get("error", {}).get("code", s.name) for s in model.error_shapes}


def cases():
    for service, operations in OPERATIONS.items():
        model = SESSION.get_service_model(service)
        for name in operations:
            shape = model.operation_model(name).input_shape
            if shape is None:
                continue
            for member in shape.required_members:
                location = shape.members[member].serialization.get("location")
                if location in ("uri", "header") or (service == "s3" and location == "querystring"):
                    # The request cannot be addressed without it, or (S3's ?uploadId, ?partNumber)
                    # it then names another operation.
                    continue
                yield pytest.param(service, name, member, None, id=f"{service}-{name}-missing-{member}")
            for member, target in shape.members.items():
                if target.type_name != "string" or target.serialization.get("location") in ("uri", "header"):
                    continue
                if target.enum:
                    yield pytest.param(service, name, member, "NOT_A_MODEL_VALUE",
                                       id=f"{service}-{name}-enum-{member}")
                elif "max" in target.metadata and target.metadata["max"] < 5000:
                    yield pytest.param(service, name, member, "a" * (target.metadata["max"] + 1),
                                       id=f"{service}-{name}-long-{member}")


# Valid values for the members a case does not break.
def base_params(service, operation, topic):
    return {
        ("resourcegroupstaggingapi", "GetTagValues"): {"Key": "k"},
        ("resourcegroupstaggingapi", "TagResources"): {"ResourceARNList": [topic], "Tags": {"k": "v"}},
        ("resourcegroupstaggingapi", "UntagResources"): {"ResourceARNList": [topic], "TagKeys": ["k"]},
        ("sns", "CreateTopic"): {"Name": "validation"},
        ("sns", "SetTopicAttributes"): {"TopicArn": topic, "AttributeName": "DisplayName", "AttributeValue": "x"},
        ("sns", "GetTopicAttributes"): {"TopicArn": topic},
        ("sns", "TagResource"): {"ResourceArn": topic, "Tags": [{"Key": "k", "Value": "v"}]},
        ("sns", "UntagResource"): {"ResourceArn": topic, "TagKeys": ["k"]},
        ("sns", "ListTagsForResource"): {"ResourceArn": topic},
        ("sns", "GetDataProtectionPolicy"): {"ResourceArn": topic},
        ("sns", "PutDataProtectionPolicy"): {"ResourceArn": topic, "DataProtectionPolicy": "{}"},
        ("sns", "Publish"): {"TopicArn": topic, "Message": "m"},
        ("organizations", "DescribeAccount"): {"AccountId": ACCOUNT},
        ("organizations", "ListAccountsForParent"): {"ParentId": "r-0000"},
        ("organizations", "ListOrganizationalUnitsForParent"): {"ParentId": "r-0000"},
        ("organizations", "ListParents"): {"ChildId": ACCOUNT},
        ("organizations", "ListChildren"): {"ParentId": "r-0000", "ChildType": "ACCOUNT"},
        ("s3", "PutBucketTagging"): {"Tagging": {"TagSet": [{"Key": "k", "Value": "v"}]}},
        ("s3", "PutBucketVersioning"): {"VersioningConfiguration": {"Status": "Enabled"}},
        ("s3", "PutBucketEncryption"): {"ServerSideEncryptionConfiguration": {"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}},
        ("s3", "PutPublicAccessBlock"): {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True}},
        ("s3", "PutBucketOwnershipControls"): {"OwnershipControls": {"Rules": [
            {"ObjectOwnership": "BucketOwnerEnforced"}]}},
        ("s3", "PutBucketLogging"): {"BucketLoggingStatus": {}},
        ("s3", "PutBucketPolicy"): {"Policy": "{}"},
        ("s3", "UploadPart"): {"Key": "k", "UploadId": "none", "PartNumber": 1},
        ("s3", "CompleteMultipartUpload"): {"Key": "k", "UploadId": "none"},
        ("s3", "AbortMultipartUpload"): {"Key": "k", "UploadId": "none"},
        ("s3", "ListParts"): {"Key": "k", "UploadId": "none"},
        ("s3", "CreateMultipartUpload"): {"Key": "k"},
    }.get((service, operation), {})


CASES = list(cases())


@pytest.fixture(scope="module")
def srv():
    with tempfile.TemporaryDirectory() as tmp:
        config = f"{tmp}/trailroom.toml"
        with open(config, "w") as f:
            f.write(f'[[organizations]]\nmanagement_account = "{ACCOUNT}"\nmember_accounts = []\n')
        server = Server(f"{tmp}/data", ["--config", config]).start()
        try:
            server.client("s3").create_bucket(Bucket=BUCKET)
            server.topic = server.client("sns").create_topic(Name="validation")["TopicArn"]
            yield server
        finally:
            server.stop()


def raw_client(srv, service):
    return boto3.client(service, endpoint_url=srv.endpoint, region_name="us-east-1",
                        aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET, config=RAW)


def test_every_new_operation_with_required_members_has_cases():
    covered = {(c.values[0], c.values[1]) for c in CASES}
    for service, operations in OPERATIONS.items():
        model = SESSION.get_service_model(service)
        for name in operations:
            shape = model.operation_model(name).input_shape
            body_required = shape is not None and any(
                shape.members[m].serialization.get("location") not in ("uri", "header", "querystring")
                for m in shape.required_members)
            assert not body_required or (service, name) in covered, (service, name)


@pytest.mark.parametrize("service,operation,member,bad_value", CASES)
def test_broken_member_is_a_declared_client_error(srv, service, operation, member, bad_value):
    params = dict(base_params(service, operation, srv.topic))
    if service == "s3":
        params["Bucket"] = BUCKET
    if bad_value is None:
        params.pop(member, None)
    else:
        params[member] = bad_value
    client = raw_client(srv, service)
    method = getattr(client, botocore.xform_name(operation))
    try:
        method(**params)
    except ClientError as err:
        status = err.response["ResponseMetadata"]["HTTPStatusCode"]
        code = err.response["Error"].get("Code", "")
        assert 400 <= status < 500, (status, code, err.response["Error"].get("Message"))
        assert code in declared_codes(service, operation) | GENERIC[service], code
        return
    # Some broken values are harmless where AWS also accepts them (an unknown enum value a
    # filter simply does not match); the call must then have succeeded with a 2xx.
    assert bad_value is not None, f"{operation} without {member} succeeded"


def test_post_on_an_object_naming_no_operation_is_method_not_allowed(srv):
    import requests
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url=f"{srv.endpoint}/{BUCKET}/some-key", data=b"")
    SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), "s3", "us-east-1").add_auth(request)
    answer = requests.post(request.url, headers=dict(request.headers), data=b"")
    assert answer.status_code == 405 and "<Code>MethodNotAllowed</Code>" in answer.text
