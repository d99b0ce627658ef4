"""Model-driven negative tests: for every A4B operation, each kind of constraint its top-level
members carry (required, max length, pattern, enum) is broken on purpose and must come back as a
400 `ValidationException` naming the member and the constraint. The cases are derived from the
pinned botocore model, not written by hand."""

import re

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ROOT_KEY, ROOT_SECRET

MODEL = botocore.session.get_session().get_service_model("alexaforbusiness")
RAW = Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"})
BAD_PATTERN_CANDIDATES = ["\x01", "has space!", "!!!", "-", "a" * 3]


def lower_first(name):
    return name[:1].lower() + name[1:]


def python_pattern(pattern):
    """The model's Java-flavoured pattern in Python syntax, or None when it can't be read."""
    translated = pattern.replace("\\p{IsLetter}", "a-zA-Z").replace("\\p{L}", "a-zA-Z").replace(
        "\\p{Z}", " ").replace("\\p{N}", "0-9")
    translated = re.sub(r"\\u([0-9A-Fa-f]{4})", lambda m: "\\u" + m.group(1), translated)
    translated = translated.replace("\\u10000-\\u10FFFF", "\U00010000-\U0010FFFF")
    try:
        return re.compile(translated)
    except re.error:
        return None


def cases():
    for name in MODEL.operation_names:
        shape = MODEL.operation_model(name).input_shape
        if shape is None:
            continue
        for member in shape.required_members:
            if shape.members[member].metadata.get("idempotencyToken"):
                continue  # botocore fills idempotency tokens in itself
            yield pytest.param(name, {}, member, "Member must not be null", id=f"{name}-missing-{member}")
        for member, target in shape.members.items():
            if target.type_name != "string":
                continue
            meta = target.metadata
            if "max" in meta and meta["max"] < 5000:
                value = "a" * (meta["max"] + 1)
                yield pytest.param(name, {member: value}, member, "length less than or equal to",
                                   id=f"{name}-long-{member}")
            if target.enum:
                yield pytest.param(name, {member: "NOT_A_MODEL_VALUE"}, member, "enum value set",
                                   id=f"{name}-enum-{member}")
            elif "pattern" in meta:
                compiled = python_pattern(meta["pattern"])
                if compiled is None:
                    continue
                low, high = meta.get("min", 0), meta.get("max", 10_000)
                for candidate in BAD_PATTERN_CANDIDATES:
                    if low <= len(candidate) <= high and not compiled.fullmatch(candidate):
                        yield pytest.param(name, {member: candidate}, member, "regular expression pattern",
                                           id=f"{name}-pattern-{member}")
                        break


CASES = list(cases())


def test_every_operation_with_constraints_has_negative_cases():
    covered = {c.values[0] for c in CASES}
    constrained = {
        name for name in MODEL.operation_names
        if MODEL.operation_model(name).input_shape is not None and (
            MODEL.operation_model(name).input_shape.required_members
            or any(t.type_name == "string" and ("max" in t.metadata or t.enum or "pattern" in t.metadata)
                   for t in MODEL.operation_model(name).input_shape.members.values()))
    }
    assert constrained <= covered, sorted(constrained - covered)
    assert len(covered) >= 85


@pytest.fixture(scope="module")
def raw_a4b(shared_server):
    import boto3

    return boto3.client("alexaforbusiness", endpoint_url=shared_server.endpoint, region_name="us-east-1",
                        aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET, config=RAW)


@pytest.mark.parametrize("operation,params,member,constraint", CASES)
def test_constraint_violation_is_a_validation_exception(raw_a4b, operation, params, member, constraint):
    method = getattr(raw_a4b, botocore.xform_name(operation))
    with pytest.raises(ClientError) as err:
        method(**params)
    error = err.value.response["Error"]
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Code"] == "ValidationException", error
    assert f"'{lower_first(member)}'" in error["Message"], error["Message"]
    assert constraint in error["Message"], error["Message"]
