"""Contacts through the pinned boto3: every operation with its errors, the phone-number rules
(PhoneNumber or PhoneNumbers, at least one number or SIP address), updates that replace lists,
search filters, sorting and paging over more than 100 contacts."""

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, code, status, unchecked


MISSING = f"arn:aws:a4b:us-east-1:{ACCOUNT}:contact/{'0' * 32}/{'1' * 32}"
SIP = [{"Uri": "sip:ada@example.com", "Type": "WORK"}]


def test_create_get_update_delete(a4b):
    arn = a4b.create_contact(DisplayName="Ada L.", FirstName="Ada", LastName="Lovelace",
                             PhoneNumbers=[{"Number": "+15550100", "Type": "WORK"},
                                           {"Number": "+15550101", "Type": "MOBILE"}],
                             SipAddresses=SIP, Tags=[{"Key": "dept", "Value": "math"}])["ContactArn"]
    assert arn.startswith(f"arn:aws:a4b:us-east-1:{ACCOUNT}:contact/")
    contact = a4b.get_contact(ContactArn=arn)["Contact"]
    assert contact == {
        "ContactArn": arn, "DisplayName": "Ada L.", "FirstName": "Ada", "LastName": "Lovelace",
        "PhoneNumbers": [{"Number": "+15550100", "Type": "WORK"}, {"Number": "+15550101", "Type": "MOBILE"}],
        "SipAddresses": SIP,
    }
    assert a4b.list_tags(Arn=arn)["Tags"] == [{"Key": "dept", "Value": "math"}]
    # Lists are replaced, other members kept.
    a4b.update_contact(ContactArn=arn, PhoneNumbers=[{"Number": "+15550199", "Type": "HOME"}])
    contact = a4b.get_contact(ContactArn=arn)["Contact"]
    assert contact["PhoneNumbers"] == [{"Number": "+15550199", "Type": "HOME"}]
    assert (contact["LastName"], contact["SipAddresses"]) == ("Lovelace", SIP)
    # Switching to the single legacy number drops the list.
    a4b.update_contact(ContactArn=arn, PhoneNumber="+15550142", LastName="King")
    contact = a4b.get_contact(ContactArn=arn)["Contact"]
    assert contact["PhoneNumber"] == "+15550142" and "PhoneNumbers" not in contact
    assert contact["LastName"] == "King"
    a4b.delete_contact(ContactArn=arn)
    with pytest.raises(ClientError) as err:
        a4b.get_contact(ContactArn=arn)
    assert code(err) == "NotFoundException" and status(err) == 400


def test_number_rules(a4b):
    with pytest.raises(ClientError) as err:
        a4b.create_contact(FirstName="Nobody")
    assert code(err) == "ValidationException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.create_contact(FirstName="Both", PhoneNumber="+15550100",
                           PhoneNumbers=[{"Number": "+15550101", "Type": "WORK"}])
    assert code(err) == "ValidationException"
    sip_only = a4b.create_contact(FirstName="Sip", SipAddresses=SIP)["ContactArn"]
    assert a4b.get_contact(ContactArn=sip_only)["Contact"]["SipAddresses"] == SIP
    # Emptying the only way to reach a contact is refused, and nothing changes.
    with pytest.raises(ClientError) as err:
        a4b.update_contact(ContactArn=sip_only, SipAddresses=[])
    assert code(err) == "ValidationException"
    assert a4b.get_contact(ContactArn=sip_only)["Contact"]["SipAddresses"] == SIP
    with pytest.raises(ClientError) as err:
        a4b.update_contact(ContactArn=sip_only, PhoneNumber="+15550100",
                           PhoneNumbers=[{"Number": "+15550101", "Type": "WORK"}])
    assert code(err) == "ValidationException"


def test_server_checks_model_constraints(server):
    raw = unchecked(server)
    with pytest.raises(ClientError) as err:
        raw.create_contact(FirstName="Bad", PhoneNumber="call me maybe")
    assert code(err) == "ValidationException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        raw.create_contact(PhoneNumber="+15550100")
    assert code(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        raw.create_contact(FirstName="Many",
                           PhoneNumbers=[{"Number": f"+1555010{i}", "Type": "WORK"} for i in range(4)])
    assert code(err) == "ValidationException"


def test_not_found(a4b):
    for call in (a4b.get_contact, a4b.delete_contact):
        with pytest.raises(ClientError) as err:
            call(ContactArn=MISSING)
        assert code(err) == "NotFoundException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.update_contact(ContactArn=MISSING, FirstName="x")
    assert code(err) == "NotFoundException"
    book = a4b.create_address_book(Name="B")["AddressBookArn"]
    with pytest.raises(ClientError) as err:
        a4b.get_contact(ContactArn=book)
    assert code(err) == "NotFoundException"


def test_names_are_not_unique_and_tokens_replay(a4b):
    one = a4b.create_contact(FirstName="Sam", PhoneNumber="+15550100")["ContactArn"]
    two = a4b.create_contact(FirstName="Sam", PhoneNumber="+15550100")["ContactArn"]
    assert one != two
    first = a4b.create_contact(FirstName="Tok", PhoneNumber="+15550100", ClientRequestToken="contact-token-1")
    again = a4b.create_contact(FirstName="Tok", PhoneNumber="+15550100", ClientRequestToken="contact-token-1")
    assert first["ContactArn"] == again["ContactArn"]
    with pytest.raises(ClientError) as err:
        a4b.create_contact(FirstName="Other", PhoneNumber="+15550100", ClientRequestToken="contact-token-1")
    assert code(err) == "AlreadyExistsException" and status(err) == 400


def test_search_over_more_than_100_contacts(a4b):
    for i in range(120):
        extra = {"DisplayName": f"Person {i:03}"} if i % 2 == 0 else {}
        a4b.create_contact(FirstName=f"F{119 - i:03}", LastName="Smith" if i < 10 else "Jones",
                           PhoneNumber=f"+1555{i:04}", **extra)
    seen, token = [], None
    while True:
        page = a4b.search_contacts(MaxResults=50, **({"NextToken": token} if token else {}))
        assert page["TotalCount"] == 120
        seen += page["Contacts"]
        token = page.get("NextToken")
        if not token:
            break
    assert len(seen) == 120 and len({c["ContactArn"] for c in seen}) == 120
    # Default order: DisplayName ascending, contacts without one first.
    assert all("DisplayName" not in c for c in seen[:60])
    assert [c["DisplayName"] for c in seen[60:63]] == ["Person 000", "Person 002", "Person 004"]
    by_first = a4b.search_contacts(SortCriteria=[{"Key": "FirstName", "Value": "DESC"}], MaxResults=3)
    assert [c["FirstName"] for c in by_first["Contacts"]] == ["F119", "F118", "F117"]
    smiths = a4b.search_contacts(Filters=[{"Key": "LastName", "Values": ["smi"]}])
    assert smiths["TotalCount"] == 10
    either = a4b.search_contacts(Filters=[{"Key": "FirstName", "Values": ["F000", "F001"]},
                                          {"Key": "LastName", "Values": ["Smith"]}])
    assert sorted(c["FirstName"] for c in either["Contacts"]) == []
    either = a4b.search_contacts(Filters=[{"Key": "FirstName", "Values": ["F119", "F118", "F000"]},
                                          {"Key": "LastName", "Values": ["Smith"]}])
    assert sorted(c["FirstName"] for c in either["Contacts"]) == ["F118", "F119"]
    nothing = a4b.search_contacts(Filters=[{"Key": "DisplayName", "Values": []}])
    assert nothing["TotalCount"] == 0 and nothing["Contacts"] == []


def test_search_errors(a4b):
    a4b.create_contact(FirstName="A", PhoneNumber="+15550100")
    a4b.create_contact(FirstName="B", PhoneNumber="+15550100")
    with pytest.raises(ClientError) as err:
        a4b.search_contacts(Filters=[{"Key": "PhoneNumber", "Values": ["+1"]}])
    assert code(err) == "ValidationException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.search_contacts(SortCriteria=[{"Key": "AddressBookArns", "Value": "ASC"}])
    assert code(err) == "ValidationException"
    token = a4b.search_contacts(MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as err:
        a4b.search_contacts(MaxResults=1, NextToken=token, Filters=[{"Key": "FirstName", "Values": ["A"]}])
    assert code(err) == "ValidationException"
