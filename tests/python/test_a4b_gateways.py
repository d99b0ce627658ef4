"""Gateways and gateway groups through the pinned boto3 (gateways registered with the admin
surface): every operation with its errors, partial updates and unique names, ResourceAssociated
on deleting a group that holds gateways, filtering ListGateways by group, and paging both lists
in creation order up to their quotas."""

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, admin, code, status


def missing(kind):
    return f"arn:aws:a4b:us-east-1:{ACCOUNT}:{kind}/{'0' * 32}/{'1' * 32}"


def register(server, group, name, **extra):
    return admin(server, "register-gateway", GatewayGroupArn=group, Name=name, **extra)["GatewayArn"]


def walk(call, key, **kwargs):
    """Every item of a NextToken-paged list (these two operations have no boto3 paginator)."""
    items, token = [], None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        items += page[key]
        token = page.get("NextToken")
        if not token:
            return items


def test_gateway_group_lifecycle(a4b):
    arn = a4b.create_gateway_group(Name="HQ", Description="head office",
                                   Tags=[{"Key": "site", "Value": "hq"}])["GatewayGroupArn"]
    assert arn.startswith(f"arn:aws:a4b:us-east-1:{ACCOUNT}:gateway-group/")
    assert a4b.get_gateway_group(GatewayGroupArn=arn)["GatewayGroup"] == {
        "Arn": arn, "Name": "HQ", "Description": "head office"}
    assert a4b.list_tags(Arn=arn)["Tags"] == [{"Key": "site", "Value": "hq"}]
    a4b.update_gateway_group(GatewayGroupArn=arn, Name="Head office")
    assert a4b.get_gateway_group(GatewayGroupArn=arn)["GatewayGroup"] == {
        "Arn": arn, "Name": "Head office", "Description": "head office"}
    assert a4b.list_gateway_groups()["GatewayGroups"] == [
        {"Arn": arn, "Name": "Head office", "Description": "head office"}]
    a4b.delete_gateway_group(GatewayGroupArn=arn)
    with pytest.raises(ClientError) as err:
        a4b.get_gateway_group(GatewayGroupArn=arn)
    assert code(err) == "NotFoundException" and status(err) == 400
    assert a4b.list_gateway_groups()["GatewayGroups"] == []


def test_gateway_group_errors(a4b):
    arn = a4b.create_gateway_group(Name="HQ")["GatewayGroupArn"]
    with pytest.raises(ClientError) as err:
        a4b.create_gateway_group(Name="HQ")
    assert code(err) == "AlreadyExistsException" and status(err) == 400
    other = a4b.create_gateway_group(Name="Branch")["GatewayGroupArn"]
    with pytest.raises(ClientError) as err:
        a4b.update_gateway_group(GatewayGroupArn=other, Name="HQ")
    assert code(err) == "NameInUseException" and status(err) == 400
    for call in (a4b.get_gateway_group, a4b.delete_gateway_group):
        with pytest.raises(ClientError) as err:
            call(GatewayGroupArn=missing("gateway-group"))
        assert code(err) == "NotFoundException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.update_gateway_group(GatewayGroupArn=missing("gateway-group"), Description="x")
    assert code(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        a4b.list_gateway_groups(NextToken="garbage")
    assert code(err) == "ValidationException" and status(err) == 400
    first = a4b.create_gateway_group(Name="Tok", ClientRequestToken="group-token-01")["GatewayGroupArn"]
    assert a4b.create_gateway_group(Name="Tok", ClientRequestToken="group-token-01")["GatewayGroupArn"] == first
    with pytest.raises(ClientError) as err:
        a4b.create_gateway_group(Name="Tok2", ClientRequestToken="group-token-01")
    assert code(err) == "AlreadyExistsException"
    assert arn != first


def test_gateways(server, a4b):
    hq = a4b.create_gateway_group(Name="HQ")["GatewayGroupArn"]
    branch = a4b.create_gateway_group(Name="Branch")["GatewayGroupArn"]
    gw1 = register(server, hq, "gw-1", Description="rack 1")
    gw2 = register(server, branch, "gw-2", SoftwareVersion="2.3.1")
    assert gw1.startswith(f"arn:aws:a4b:us-east-1:{ACCOUNT}:gateway/")
    assert a4b.get_gateway(GatewayArn=gw1)["Gateway"] == {
        "Arn": gw1, "Name": "gw-1", "Description": "rack 1", "GatewayGroupArn": hq, "SoftwareVersion": "1.0.0"}
    # Only the members given change.
    a4b.update_gateway(GatewayArn=gw1, SoftwareVersion="1.1.0")
    a4b.update_gateway(GatewayArn=gw1, Name="gw-one")
    assert a4b.get_gateway(GatewayArn=gw1)["Gateway"] == {
        "Arn": gw1, "Name": "gw-one", "Description": "rack 1", "GatewayGroupArn": hq, "SoftwareVersion": "1.1.0"}
    assert [g["Arn"] for g in a4b.list_gateways()["Gateways"]] == [gw1, gw2]
    assert a4b.list_gateways(GatewayGroupArn=branch)["Gateways"] == [
        {"Arn": gw2, "Name": "gw-2", "GatewayGroupArn": branch, "SoftwareVersion": "2.3.1"}]
    # A group holding gateways cannot go; empty it first.
    with pytest.raises(ClientError) as err:
        a4b.delete_gateway_group(GatewayGroupArn=branch)
    assert code(err) == "ResourceAssociatedException" and status(err) == 400
    admin(server, "deregister-gateway", GatewayArn=gw2)
    a4b.delete_gateway_group(GatewayGroupArn=branch)
    with pytest.raises(ClientError) as err:
        a4b.get_gateway(GatewayArn=gw2)
    assert code(err) == "NotFoundException"


def test_gateway_errors(server, a4b):
    hq = a4b.create_gateway_group(Name="HQ")["GatewayGroupArn"]
    gw1 = register(server, hq, "gw-1")
    register(server, hq, "gw-2")
    with pytest.raises(ClientError) as err:
        a4b.update_gateway(GatewayArn=gw1, Name="gw-2")
    assert code(err) == "NameInUseException" and status(err) == 400
    a4b.update_gateway(GatewayArn=gw1, Name="gw-1")
    with pytest.raises(ClientError) as err:
        a4b.get_gateway(GatewayArn=missing("gateway"))
    assert code(err) == "NotFoundException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.get_gateway(GatewayArn=hq)  # a group is not a gateway
    assert code(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        a4b.update_gateway(GatewayArn=missing("gateway"), Description="x")
    assert code(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        a4b.list_gateways(GatewayGroupArn=missing("gateway-group"))
    assert code(err) == "NotFoundException" and status(err) == 400
    token = a4b.list_gateways(MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as err:
        a4b.list_gateways(MaxResults=1, NextToken=token, GatewayGroupArn=hq)
    assert code(err) == "ValidationException"
    # The admin surface checks its arguments too.
    with pytest.raises(AssertionError):
        register(server, missing("gateway-group"), "gw-3")
    with pytest.raises(AssertionError):
        register(server, hq, "gw-1")


def test_lists_page_in_creation_order_up_to_the_quotas(server, a4b):
    groups = [a4b.create_gateway_group(Name=f"G{(i * 37) % 100:02}")["GatewayGroupArn"] for i in range(100)]
    with pytest.raises(ClientError) as err:
        a4b.create_gateway_group(Name="One too many")
    assert code(err) == "LimitExceededException" and status(err) == 400
    assert [g["Arn"] for g in walk(a4b.list_gateway_groups, "GatewayGroups", MaxResults=9)] == groups
    assert len(a4b.list_gateway_groups()["GatewayGroups"]) == 50
    gateways = [register(server, groups[i % 3], f"gw-{(i * 37) % 100:02}") for i in range(100)]
    with pytest.raises(AssertionError) as err:
        register(server, groups[0], "gw-extra")
    assert "LimitExceededException" in str(err.value)
    assert [g["Arn"] for g in walk(a4b.list_gateways, "Gateways", MaxResults=8)] == gateways
    in_first = walk(a4b.list_gateways, "Gateways", MaxResults=5, GatewayGroupArn=groups[0])
    assert [g["Arn"] for g in in_first] == gateways[0::3]
