"""Federation: AssumeRoleWithWebIdentity and AssumeRoleWithSAML from the pinned boto3 and AWS CLI,
with tokens and assertions from the test identity provider (`trailroom idp …`), IAM OIDC and SAML
providers, trust policies with `Federated` principals and their condition keys, session tags, and
every call (granted or refused) recorded as AWS records it."""

import base64
import hashlib
import json
import os
import subprocess
import time

from conftest import ACCOUNT, allow_role, error_of
from test_recording import record_of

ISSUER = "https://token.actions.githubusercontent.com"
PROVIDER_URL = "token.actions.githubusercontent.com"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{PROVIDER_URL}"
SUBJECT = "repo:octo-org/octo-repo:ref:refs/heads/main"
SAML_ENTITY = "https://idp.example.com/saml"
SAML_ARN = f"arn:aws:iam::{ACCOUNT}:saml-provider/ExampleIdP"


def idp(server, *args):
    """Runs `trailroom idp …` on the server's data directory; returns its output."""
    binary = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")
    out = subprocess.run(
        [binary, "idp", *args, "--data-dir", server.data_dir], check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def token(server, subject=SUBJECT, audience="sts.amazonaws.com", issuer=ISSUER, *extra):
    return idp(server, "token", "--issuer", issuer, "--subject", subject, "--audience", audience, *extra)


def web_trust(conditions=None, actions=("sts:AssumeRoleWithWebIdentity",)):
    statement = {"Effect": "Allow", "Principal": {"Federated": OIDC_ARN}, "Action": list(actions)}
    statement["Condition"] = conditions or {
        "StringEquals": {f"{PROVIDER_URL}:aud": "sts.amazonaws.com"},
        "StringLike": {f"{PROVIDER_URL}:sub": "repo:octo-org/*"},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def oidc_setup(server, role="Deploy", trust=None):
    iam = server.client("iam")
    arn = iam.create_open_id_connect_provider(
        Url=ISSUER, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"]
    )["OpenIDConnectProviderArn"]
    assert arn == OIDC_ARN
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust or web_trust())["Role"]["Arn"]
    allow_role(server, role)
    return role_arn


def test_web_identity_role_session_and_its_events(server):
    role_arn = oidc_setup(server)
    sts = server.client("sts")
    out = sts.assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="gha-run-1", WebIdentityToken=token(server), DurationSeconds=900
    )
    assert out["SubjectFromWebIdentityToken"] == SUBJECT
    assert out["Provider"] == OIDC_ARN and out["Audience"] == "sts.amazonaws.com"
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Deploy/gha-run-1"
    creds = out["Credentials"]
    as_role = server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert as_role.get_caller_identity()["Arn"] == out["AssumedRoleUser"]["Arn"]

    _, record = record_of(server, "AssumeRoleWithWebIdentity")
    assert record["userIdentity"] == {
        "type": "WebIdentityUser",
        "principalId": f"{OIDC_ARN}:sts.amazonaws.com:{SUBJECT}",
        "userName": SUBJECT,
        "identityProvider": OIDC_ARN,
    }
    assert record["eventSource"] == "sts.amazonaws.com" and record["recipientAccountId"] == ACCOUNT
    assert record["requestParameters"] == {"roleArn": role_arn, "roleSessionName": "gha-run-1", "durationSeconds": 900}
    response = record["responseElements"]
    assert response["subjectFromWebIdentityToken"] == SUBJECT and response["provider"] == OIDC_ARN
    assert response["audience"] == "sts.amazonaws.com"
    assert response["credentials"]["accessKeyId"] == creds["AccessKeyId"]
    assert "secretAccessKey" not in json.dumps(record)
    assert {"ARN": role_arn, "accountId": ACCOUNT, "type": "AWS::IAM::Role"} in record["resources"]

    _, call = record_of(server, "GetCallerIdentity")
    context = call["userIdentity"]["sessionContext"]
    assert context["webIdFederationData"] == {"federatedProvider": OIDC_ARN, "attributes": {}}
    assert context["sessionIssuer"]["arn"] == role_arn


def test_web_identity_refusals_are_answered_and_recorded(server):
    role_arn = oidc_setup(server)
    sts = server.client("sts")
    # The trust policy's subject condition does not hold.
    code, status, message = error_of(lambda: sts.assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="s1", WebIdentityToken=token(server, subject="repo:evil/repo:ref:x")))
    assert (code, status) == ("AccessDenied", 403)
    assert message == "Not authorized to perform sts:AssumeRoleWithWebIdentity"
    _, record = record_of(server, "AssumeRoleWithWebIdentity")
    assert record["errorCode"] == "AccessDenied" and record["userIdentity"]["userName"] == "repo:evil/repo:ref:x"

    code, status, message = error_of(lambda: sts.assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="s1", WebIdentityToken=token(server, audience="other")))
    assert (code, message, status) == ("InvalidIdentityToken", "Incorrect token audience", 400)

    code, _, message = error_of(lambda: sts.assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="s1", WebIdentityToken=token(server, issuer="https://accounts.example.com")))
    assert code == "InvalidIdentityToken"
    assert message == "No OpenIDConnect provider found in your account for https://accounts.example.com"

    good = token(server)
    head, body, signature = good.split(".")
    forged_claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    forged_claims["sub"] = "repo:octo-org/admin:ref:refs/heads/main"
    forged = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).decode().rstrip("=")
    code, _, _ = error_of(lambda: sts.assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="s1", WebIdentityToken=f"{head}.{forged}.{signature}"))
    assert code == "InvalidIdentityToken"

    short = token(server, SUBJECT, "sts.amazonaws.com", ISSUER, "--lifetime", "1s")
    time.sleep(2.1)
    code, _, message = error_of(lambda: sts.assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="s1", WebIdentityToken=short))
    assert code == "ExpiredTokenException"
    assert message.startswith("Token expired: current date/time ")

    code, _, _ = error_of(lambda: sts.assume_role_with_web_identity(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/Missing", RoleSessionName="s1", WebIdentityToken=good))
    assert code == "AccessDenied"
    codes = [json.loads(e["CloudTrailEvent"]).get("errorCode") for e in server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRoleWithWebIdentity"}])["Events"]]
    assert sorted(c for c in codes if c) == sorted(
        ["AccessDenied", "InvalidIdentityToken", "InvalidIdentityToken", "InvalidIdentityToken",
         "ExpiredTokenException", "AccessDenied"])


def test_token_session_tags_need_tag_session_and_become_principal_tags(server):
    conditions = {"StringEquals": {f"{PROVIDER_URL}:aud": "sts.amazonaws.com"}}
    role_arn = oidc_setup(server, trust=web_trust(conditions))
    tagged = token(server, SUBJECT, "sts.amazonaws.com", ISSUER, "--tag", "team=blue", "--source-identity", "octocat")
    sts = server.client("sts")
    code, _, _ = error_of(lambda: sts.assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="s1", WebIdentityToken=tagged))
    assert code == "AccessDenied"
    server.client("iam").update_assume_role_policy(RoleName="Deploy", PolicyDocument=web_trust(
        conditions, ("sts:AssumeRoleWithWebIdentity", "sts:TagSession", "sts:SetSourceIdentity")))
    out = sts.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="s1", WebIdentityToken=tagged)
    assert out["SourceIdentity"] == "octocat"
    # Only a principal tagged team=blue may list rooms.
    allow_role(server, "Deploy", json.dumps({"Statement": [{"Effect": "Allow", "Action": "a4b:SearchRooms",
                                                            "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}]}))
    creds = out["Credentials"]
    a4b = server.client("alexaforbusiness", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    a4b.search_rooms()
    _, record = record_of(server, "SearchRooms")
    assert record["userIdentity"]["sessionContext"]["sourceIdentity"] == "octocat"


def test_aws_cli_assumes_a_role_with_web_identity(server):
    role_arn = oidc_setup(server)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_DEFAULT_REGION": "us-east-1"}
    aws = os.path.join(os.path.dirname(os.environ.get("PYTHON", "")) or ".venv-clients/bin", "aws")
    if not os.path.exists(aws):
        aws = ".venv-clients/bin/aws"
    out = subprocess.run(
        [aws, "--endpoint-url", server.endpoint, "sts", "assume-role-with-web-identity", "--role-arn", role_arn,
         "--role-session-name", "cli", "--web-identity-token", token(server)],
        check=True, capture_output=True, text=True, env=env,
    )
    assert json.loads(out.stdout)["AssumedRoleUser"]["Arn"].endswith("assumed-role/Deploy/cli")


def test_oidc_provider_lifecycle(server):
    iam = server.client("iam")
    arn = iam.create_open_id_connect_provider(Url=ISSUER + "/", ClientIDList=["a"], Tags=[{"Key": "k", "Value": "v"}])[
        "OpenIDConnectProviderArn"]
    assert arn == OIDC_ARN
    code, status, _ = error_of(lambda: iam.create_open_id_connect_provider(Url=ISSUER, ClientIDList=["a"]))
    assert (code, status) == ("EntityAlreadyExists", 409)
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="b")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="a")
    iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn, ThumbprintList=["a" * 40])
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == PROVIDER_URL and got["ClientIDList"] == ["b"] and got["ThumbprintList"] == ["a" * 40]
    assert got["Tags"] == [{"Key": "k", "Value": "v"}]
    assert [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]] == [arn]
    code, _, _ = error_of(lambda: iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=arn, ThumbprintList=["z" * 40]))
    assert code == "ValidationError"
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    code, status, message = error_of(lambda: iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn))
    assert (code, status) == ("NoSuchEntity", 404)
    assert message == f"OpenIDConnect Provider not found for arn {arn}"


def saml_setup(server, role="Engineers", conditions=None):
    iam = server.client("iam")
    metadata = idp(server, "saml-metadata", "--entity-id", SAML_ENTITY)
    arn = iam.create_saml_provider(Name="ExampleIdP", SAMLMetadataDocument=metadata)["SAMLProviderArn"]
    assert arn == SAML_ARN
    trust = {"Effect": "Allow", "Principal": {"Federated": SAML_ARN}, "Action": "sts:AssumeRoleWithSAML",
             "Condition": conditions or {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Statement": [trust]}))["Role"]["Arn"]
    allow_role(server, role)
    return role_arn


def saml_response(server, role_arn, *extra):
    return idp(server, "saml-response", "--entity-id", SAML_ENTITY, "--subject", "alice@example.com",
               "--role", f"{role_arn},{SAML_ARN}", "--session-name", "alice", *extra)


def test_saml_role_session_and_its_events(server):
    role_arn = saml_setup(server)
    sts = server.client("sts")
    out = sts.assume_role_with_saml(RoleArn=role_arn, PrincipalArn=SAML_ARN, SAMLAssertion=saml_response(server, role_arn))
    qualifier = base64.b64encode(hashlib.sha1(f"{SAML_ENTITY}{ACCOUNT}/ExampleIdP".encode()).digest()).decode()
    assert out["Subject"] == "alice@example.com" and out["SubjectType"] == "persistent"
    assert out["Issuer"] == SAML_ENTITY and out["Audience"] == "https://signin.aws.amazon.com/saml"
    assert out["NameQualifier"] == qualifier
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Engineers/alice"
    creds = out["Credentials"]
    server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]).get_caller_identity()

    _, record = record_of(server, "AssumeRoleWithSAML")
    assert record["userIdentity"] == {
        "type": "SAMLUser",
        "principalId": f"{qualifier}:alice@example.com",
        "userName": "alice@example.com",
        "identityProvider": qualifier,
    }
    request = record["requestParameters"]
    assert request["roleArn"] == role_arn and request["principalArn"] == SAML_ARN
    assert request["roleSessionName"] == "alice" and request["sAMLAssertionID"].startswith("_")
    assert "sAMLAssertion" not in request
    assert record["responseElements"]["nameQualifier"] == qualifier
    assert record["responseElements"]["subjectType"] == "persistent"


def test_saml_refusals(server):
    role_arn = saml_setup(server)
    sts = server.client("sts")
    good = saml_response(server, role_arn)
    xml = base64.b64decode(good).decode()
    tampered = base64.b64encode(xml.replace("alice@example.com", "mallory@example.com").encode()).decode()
    code, status, message = error_of(lambda: sts.assume_role_with_saml(RoleArn=role_arn, PrincipalArn=SAML_ARN, SAMLAssertion=tampered))
    assert (code, message, status) == ("InvalidIdentityToken", "Response signature invalid", 400)
    other_role = f"arn:aws:iam::{ACCOUNT}:role/Admins"
    code, status, _ = error_of(lambda: sts.assume_role_with_saml(RoleArn=other_role, PrincipalArn=SAML_ARN, SAMLAssertion=good))
    assert (code, status) == ("AccessDenied", 403)
    # Another identity provider's key (a fresh data directory) signs nothing this provider trusts.
    import tempfile
    with tempfile.TemporaryDirectory() as other_dir:
        binary = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")
        foreign = subprocess.run(
            [binary, "idp", "saml-response", "--entity-id", SAML_ENTITY, "--subject", "eve", "--role",
             f"{role_arn},{SAML_ARN}", "--data-dir", other_dir], check=True, capture_output=True, text=True).stdout.strip()
    _, _, message = error_of(lambda: sts.assume_role_with_saml(RoleArn=role_arn, PrincipalArn=SAML_ARN, SAMLAssertion=foreign))
    assert message == "Response signature invalid"
    _, record = record_of(server, "AssumeRoleWithSAML")
    assert record["errorCode"] == "InvalidIdentityToken" and record["userIdentity"]["userName"] == "eve"


def test_saml_provider_lifecycle(server):
    iam = server.client("iam")
    metadata = idp(server, "saml-metadata", "--entity-id", SAML_ENTITY)
    arn = iam.create_saml_provider(Name="ExampleIdP", SAMLMetadataDocument=metadata)["SAMLProviderArn"]
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == metadata
    assert [p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]] == [arn]
    other = idp(server, "saml-metadata", "--entity-id", "https://other.example.com")
    iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=other)
    assert "other.example.com" in iam.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"]
    code, _, message = error_of(lambda: iam.create_saml_provider(Name="Bad", SAMLMetadataDocument="<x/>" * 300))
    assert (code, message) == ("InvalidInput", "Could not parse metadata")
    iam.delete_saml_provider(SAMLProviderArn=arn)
    assert iam.list_saml_providers()["SAMLProviderList"] == []


def test_assume_role_session_tags_and_transitive_chaining(server):
    iam = server.client("iam")
    trust = lambda actions: json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": actions}]})
    first = iam.create_role(RoleName="First", AssumeRolePolicyDocument=trust("sts:AssumeRole"))["Role"]["Arn"]
    second = iam.create_role(RoleName="Second", AssumeRolePolicyDocument=trust(["sts:AssumeRole", "sts:TagSession"]))["Role"]["Arn"]
    allow_role(server, "First")
    sts = server.client("sts")
    tags = [{"Key": "project", "Value": "apollo"}]
    code, status, message = error_of(lambda: sts.assume_role(RoleArn=first, RoleSessionName="first", Tags=tags))
    assert (code, status) == ("AccessDenied", 403)
    assert message == f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: sts:TagSession on resource: {first}"
    iam.update_assume_role_policy(RoleName="First", PolicyDocument=trust(["sts:AssumeRole", "sts:TagSession"]))
    creds = sts.assume_role(RoleArn=first, RoleSessionName="first", Tags=tags, TransitiveTagKeys=["project"])["Credentials"]
    _, record = record_of(server, "AssumeRole")
    assert record["requestParameters"]["tags"] == [{"key": "project", "value": "apollo"}]
    assert record["requestParameters"]["transitiveTagKeys"] == ["project"]
    # The chained session inherits the transitive tag: a condition on it holds there.
    allow_role(server, "Second", json.dumps({"Statement": [{"Effect": "Allow", "Action": "a4b:SearchRooms", "Resource": "*",
                                                            "Condition": {"StringEquals": {"aws:PrincipalTag/project": "apollo"}}}]}))
    as_first = server.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    chained = as_first.assume_role(RoleArn=second, RoleSessionName="chained")["Credentials"]
    server.client("alexaforbusiness", chained["AccessKeyId"], chained["SecretAccessKey"], chained["SessionToken"]).search_rooms()
    code, _, _ = error_of(lambda: as_first.assume_role(RoleArn=second, RoleSessionName="chained",
                                                    Tags=[{"Key": "project", "Value": "gemini"}]))
    assert code == "InvalidParameterValue"


def test_configured_issuer_keys_and_the_test_provider_switch(tmp_path):
    """An issuer configured with its JWKS file is trusted for its own tokens only; with
    `test_identity_provider = false` the data directory's key signs nothing STS accepts."""
    from conftest import Server

    binary = os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")
    issuer_dir = tmp_path / "issuer"

    def mint(data_dir, issuer=ISSUER):
        return subprocess.run(
            [binary, "idp", "token", "--issuer", issuer, "--subject", SUBJECT, "--audience", "sts.amazonaws.com",
             "--data-dir", str(data_dir)], check=True, capture_output=True, text=True).stdout.strip()

    jwks = subprocess.run([binary, "idp", "jwks", "--data-dir", str(issuer_dir)], check=True,
                          capture_output=True, text=True).stdout
    (tmp_path / "jwks.json").write_text(jwks)
    config = tmp_path / "trailroom.toml"
    config.write_text(
        "test_identity_provider = false\n"
        f'[[oidc_issuers]]\nissuer = "{ISSUER}"\njwks_file = "{tmp_path / "jwks.json"}"\n'
    )
    data_dir = tmp_path / "data"
    srv = Server(str(data_dir), ["--config", str(config)]).start()
    try:
        role_arn = oidc_setup(srv)
        sts = srv.client("sts")
        out = sts.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="ok", WebIdentityToken=mint(issuer_dir))
        assert out["Provider"] == OIDC_ARN
        # The issuer's key does not vouch for another issuer.
        srv.client("iam").create_open_id_connect_provider(Url="https://other.example.com", ClientIDList=["sts.amazonaws.com"])
        code, _, _ = error_of(lambda: sts.assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName="no", WebIdentityToken=mint(issuer_dir, "https://other.example.com")))
        assert code == "InvalidIdentityToken"
        # The server's own test identity provider is switched off.
        code, _, _ = error_of(lambda: sts.assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName="no", WebIdentityToken=mint(data_dir)))
        assert code == "InvalidIdentityToken"
    finally:
        srv.stop()
