"""Organizations reads with boto3: the structure the management account reads (one root, every
account under it), trusted access for CloudTrail, member accounts refused, and the answer where
no organization exists."""

from conftest import ACCOUNT, MEMBER, MEMBER_KEY, MEMBER_SECRET, error_of


def test_structure_reads_of_the_management_account(organization):
    org = organization.client("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    accounts = {a["Id"] for a in org.list_accounts_for_parent(ParentId=root)["Accounts"]}
    assert accounts == {ACCOUNT, MEMBER}
    assert org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"] == []
    children = org.list_children(ParentId=root, ChildType="ACCOUNT")["Children"]
    assert {c["Id"] for c in children} == {ACCOUNT, MEMBER}
    assert org.list_children(ParentId=root, ChildType="ORGANIZATIONAL_UNIT")["Children"] == []
    assert org.list_parents(ChildId=MEMBER)["Parents"] == [{"Id": root, "Type": "ROOT"}]
    account = org.describe_account(AccountId=MEMBER)["Account"]
    assert account["Id"] == MEMBER and account["Status"] == "ACTIVE"
    principals = org.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert [p["ServicePrincipal"] for p in principals] == ["cloudtrail.amazonaws.com"]
    assert org.list_delegated_administrators()["DelegatedAdministrators"] == []
    assert error_of(lambda: org.describe_account(AccountId="999999999999"))[0] == "AccountNotFoundException"
    assert error_of(lambda: org.list_parents(ChildId="999999999999"))[0] == "ChildNotFoundException"
    assert error_of(lambda: org.list_accounts_for_parent(ParentId="r-zzzz"))[0] == "ParentNotFoundException"
    member = organization.client("organizations", MEMBER_KEY, MEMBER_SECRET)
    assert member.describe_organization()["Organization"]["MasterAccountId"] == ACCOUNT
    assert error_of(lambda: member.list_accounts_for_parent(ParentId=root))[0] == "AccessDeniedException"


def test_outside_an_organization(server):
    org = server.client("organizations")
    code, _, message = error_of(org.describe_organization)
    assert (code, message) == ("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
    assert error_of(lambda: org.list_parents(ChildId=ACCOUNT))[0] == "AWSOrganizationsNotInUseException"


def test_service_control_policy_management(organization):
    org = organization.client("organizations")
    content = '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "cloudtrail:DeleteTrail", "Resource": "*"}]}'
    summary = org.create_policy(Name="KeepTrails", Description="no deletes", Type="SERVICE_CONTROL_POLICY",
                                Content=content)["Policy"]["PolicySummary"]
    described = org.describe_policy(PolicyId=summary["Id"])["Policy"]
    assert described["PolicySummary"]["Name"] == "KeepTrails" and described["Content"] == content
    assert described["PolicySummary"]["AwsManaged"] is False
    updated = org.update_policy(PolicyId=summary["Id"], Name="KeepTrailsAlways",
                                Description="still no deletes")["Policy"]
    assert updated["PolicySummary"]["Name"] == "KeepTrailsAlways" and updated["Content"] == content
    org.attach_policy(PolicyId=summary["Id"], TargetId=MEMBER)
    attached = org.list_policies_for_target(TargetId=MEMBER, Filter="SERVICE_CONTROL_POLICY")["Policies"]
    assert {p["Id"] for p in attached} == {"p-FullAWSAccess", summary["Id"]}
    assert error_of(lambda: org.delete_policy(PolicyId=summary["Id"]))[0] == "PolicyInUseException"
    org.detach_policy(PolicyId=summary["Id"], TargetId=MEMBER)
    org.delete_policy(PolicyId=summary["Id"])
    assert error_of(lambda: org.describe_policy(PolicyId=summary["Id"]))[0] == "PolicyNotFoundException"
    assert org.describe_policy(PolicyId="p-FullAWSAccess")["Policy"]["PolicySummary"]["AwsManaged"] is True


def test_cloudtrail_delegated_administrators(organization):
    ct = organization.client("cloudtrail")
    org = organization.client("organizations")
    member_ct = organization.client("cloudtrail", MEMBER_KEY, MEMBER_SECRET)
    assert error_of(member_ct.register_organization_delegated_admin, MemberAccountId=MEMBER)[0] == \
        "NotOrganizationManagementAccountException"
    assert error_of(ct.register_organization_delegated_admin, MemberAccountId=ACCOUNT)[0] == \
        "CannotDelegateManagementAccountException"
    assert error_of(ct.register_organization_delegated_admin, MemberAccountId="999999999999")[0] == \
        "AccountNotFoundException"
    assert error_of(ct.deregister_organization_delegated_admin, DelegatedAdminAccountId=MEMBER)[0] == \
        "AccountNotRegisteredException"

    ct.register_organization_delegated_admin(MemberAccountId=MEMBER)
    assert error_of(ct.register_organization_delegated_admin, MemberAccountId=MEMBER)[0] == \
        "AccountRegisteredException"
    admins = org.list_delegated_administrators(ServicePrincipal="cloudtrail.amazonaws.com")["DelegatedAdministrators"]
    assert [(a["Id"], a["Status"]) for a in admins] == [(MEMBER, "ACTIVE")]
    assert "DelegationEnabledDate" in admins[0]
    assert org.list_delegated_administrators(ServicePrincipal="guardduty.amazonaws.com")["DelegatedAdministrators"] == []
    services = org.list_delegated_services_for_account(AccountId=MEMBER)["DelegatedServices"]
    assert [s["ServicePrincipal"] for s in services] == ["cloudtrail.amazonaws.com"]

    ct.deregister_organization_delegated_admin(DelegatedAdminAccountId=MEMBER)
    assert org.list_delegated_administrators()["DelegatedAdministrators"] == []
    assert error_of(org.list_delegated_services_for_account, AccountId=MEMBER)[0] == "AccountNotRegisteredException"
    events = ct.lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "RegisterOrganizationDelegatedAdmin"}])["Events"]
    assert len(events) == 4  # the success and three refusals; the member's is in its own history
    mine = member_ct.lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "RegisterOrganizationDelegatedAdmin"}])["Events"]
    assert len(mine) == 1


def test_cloudtrail_delegated_admins_outside_an_organization(server):
    ct = server.client("cloudtrail")
    assert error_of(ct.register_organization_delegated_admin, MemberAccountId=MEMBER)[0] == \
        "OrganizationsNotInUseException"
