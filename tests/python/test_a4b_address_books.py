"""Address books through the pinned boto3: every operation with its errors, membership with
contacts (many-to-many, 100 per book), deletes, the 25-book quota, search and paging, tags and
idempotency tokens."""

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, admin, code, status, unchecked


def missing_arn(kind):
    return f"arn:aws:a4b:us-east-1:{ACCOUNT}:{kind}/{'0' * 32}/{'1' * 32}"


def new_contact(a4b, first="Ada", **extra):
    extra.setdefault("PhoneNumber", "+15550100")
    return a4b.create_contact(FirstName=first, **extra)["ContactArn"]


def test_create_get_update_delete(a4b):
    arn = a4b.create_address_book(Name="Sales", Description="sales team",
                                  Tags=[{"Key": "team", "Value": "sales"}])["AddressBookArn"]
    assert arn.startswith(f"arn:aws:a4b:us-east-1:{ACCOUNT}:address-book/")
    book = a4b.get_address_book(AddressBookArn=arn)["AddressBook"]
    assert book == {"AddressBookArn": arn, "Name": "Sales", "Description": "sales team"}
    assert a4b.list_tags(Arn=arn)["Tags"] == [{"Key": "team", "Value": "sales"}]
    a4b.update_address_book(AddressBookArn=arn, Description="all of sales")
    book = a4b.get_address_book(AddressBookArn=arn)["AddressBook"]
    assert (book["Name"], book["Description"]) == ("Sales", "all of sales")
    a4b.update_address_book(AddressBookArn=arn, Name="Sales EMEA")
    assert a4b.get_address_book(AddressBookArn=arn)["AddressBook"]["Description"] == "all of sales"
    a4b.delete_address_book(AddressBookArn=arn)
    with pytest.raises(ClientError) as err:
        a4b.get_address_book(AddressBookArn=arn)
    assert code(err) == "NotFoundException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.list_tags(Arn=arn)
    assert code(err) == "NotFoundException"


def test_errors(server, a4b):
    arn = a4b.create_address_book(Name="Sales")["AddressBookArn"]
    with pytest.raises(ClientError) as err:
        a4b.create_address_book(Name="Sales")
    assert code(err) == "AlreadyExistsException" and status(err) == 400
    other = a4b.create_address_book(Name="Support")["AddressBookArn"]
    with pytest.raises(ClientError) as err:
        a4b.update_address_book(AddressBookArn=other, Name="Sales")
    assert code(err) == "NameInUseException" and status(err) == 400
    a4b.update_address_book(AddressBookArn=arn, Name="Sales")  # its own name is no conflict
    for call in (a4b.get_address_book, a4b.delete_address_book):
        with pytest.raises(ClientError) as err:
            call(AddressBookArn=missing_arn("address-book"))
        assert code(err) == "NotFoundException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.update_address_book(AddressBookArn=missing_arn("address-book"), Name="x")
    assert code(err) == "NotFoundException"
    # An ARN of another type is not an address book.
    contact = new_contact(a4b)
    with pytest.raises(ClientError) as err:
        a4b.get_address_book(AddressBookArn=contact)
    assert code(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        unchecked(server).update_address_book(AddressBookArn=arn, Description="")
    assert code(err) == "ValidationException"


def test_quota_of_25_books(a4b):
    for i in range(25):
        a4b.create_address_book(Name=f"Book {i:02}")
    with pytest.raises(ClientError) as err:
        a4b.create_address_book(Name="One too many")
    assert code(err) == "LimitExceededException" and status(err) == 400


def test_idempotency_token(a4b):
    first = a4b.create_address_book(Name="Ops", ClientRequestToken="token-0000001")["AddressBookArn"]
    again = a4b.create_address_book(Name="Ops", ClientRequestToken="token-0000001")["AddressBookArn"]
    assert first == again
    with pytest.raises(ClientError) as err:
        a4b.create_address_book(Name="Ops2", ClientRequestToken="token-0000001")
    assert code(err) == "AlreadyExistsException"
    assert a4b.search_address_books()["TotalCount"] == 1


def test_search_filters_sort_and_paging(a4b):
    names = [f"Team {i:03}" for i in range(20)] + ["alpha", "Beta"]
    for name in names:
        a4b.create_address_book(Name=name)
    everything = a4b.search_address_books()
    assert everything["TotalCount"] == 22
    assert [b["Name"] for b in everything["AddressBooks"]] == sorted(names)
    teams = a4b.search_address_books(Filters=[{"Key": "AddressBookName", "Values": ["team 01"]}])
    assert [b["Name"] for b in teams["AddressBooks"]] == [f"Team {i:03}" for i in range(10, 20)]
    desc = a4b.search_address_books(SortCriteria=[{"Key": "AddressBookName", "Value": "DESC"}], MaxResults=2)
    assert [b["Name"] for b in desc["AddressBooks"]] == ["alpha", "Team 019"]
    seen, token = [], None
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = a4b.search_address_books(MaxResults=5, **kwargs)
        assert page["TotalCount"] == 22
        seen += [b["Name"] for b in page["AddressBooks"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == sorted(names)
    with pytest.raises(ClientError) as err:
        a4b.search_address_books(Filters=[{"Key": "Name", "Values": ["x"]}])
    assert code(err) == "ValidationException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.search_address_books(NextToken="not-a-token")
    assert code(err) == "ValidationException"


def test_membership_is_many_to_many(a4b):
    sales = a4b.create_address_book(Name="Sales")["AddressBookArn"]
    support = a4b.create_address_book(Name="Support")["AddressBookArn"]
    ada = new_contact(a4b, "Ada")
    bob = new_contact(a4b, "Bob")
    for book, contact in ((sales, ada), (support, ada), (sales, bob)):
        a4b.associate_contact_with_address_book(ContactArn=contact, AddressBookArn=book)
    a4b.associate_contact_with_address_book(ContactArn=ada, AddressBookArn=sales)  # again: no-op

    def members(book):
        found = a4b.search_contacts(Filters=[{"Key": "AddressBookArns", "Values": [book]}])["Contacts"]
        return sorted(c["FirstName"] for c in found)

    assert members(sales) == ["Ada", "Bob"]
    assert members(support) == ["Ada"]
    a4b.disassociate_contact_from_address_book(ContactArn=ada, AddressBookArn=sales)
    a4b.disassociate_contact_from_address_book(ContactArn=ada, AddressBookArn=sales)  # not a member: fine
    assert members(sales) == ["Bob"]
    # Deleting a book leaves its contacts; deleting a contact leaves the books.
    a4b.delete_address_book(AddressBookArn=support)
    assert a4b.get_contact(ContactArn=ada)["Contact"]["FirstName"] == "Ada"
    a4b.delete_contact(ContactArn=bob)
    assert members(sales) == []
    assert a4b.get_address_book(AddressBookArn=sales)["AddressBook"]["Name"] == "Sales"


def test_membership_errors(a4b):
    book = a4b.create_address_book(Name="Sales")["AddressBookArn"]
    contact = new_contact(a4b)
    calls = (a4b.associate_contact_with_address_book, a4b.disassociate_contact_from_address_book)
    for call in calls:
        with pytest.raises(ClientError) as err:
            call(ContactArn=missing_arn("contact"), AddressBookArn=book)
        assert code(err) == "NotFoundException" and status(err) == 400
        with pytest.raises(ClientError) as err:
            call(ContactArn=contact, AddressBookArn=missing_arn("address-book"))
        assert code(err) == "NotFoundException"


def test_a_book_holds_at_most_100_contacts(a4b):
    book = a4b.create_address_book(Name="Everyone")["AddressBookArn"]
    contacts = [new_contact(a4b, f"C{i:03}") for i in range(101)]
    for contact in contacts[:100]:
        a4b.associate_contact_with_address_book(ContactArn=contact, AddressBookArn=book)
    with pytest.raises(ClientError) as err:
        a4b.associate_contact_with_address_book(ContactArn=contacts[100], AddressBookArn=book)
    assert code(err) == "LimitExceededException" and status(err) == 400
    # Re-associating a member at the limit is still fine.
    a4b.associate_contact_with_address_book(ContactArn=contacts[0], AddressBookArn=book)
    page = a4b.search_contacts(Filters=[{"Key": "AddressBookArns", "Values": [book]}], MaxResults=10)
    assert page["TotalCount"] == 100


def test_deleting_a_book_clears_the_profile_reference(server, a4b):
    profile = a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="1 Main St", DistanceUnit="METRIC",
                                 TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]
    book = a4b.create_address_book(Name="Lobby phones")["AddressBookArn"]
    admin(server, "set-profile-address-book", ProfileArn=profile, AddressBookArn=book)
    assert a4b.get_profile(ProfileArn=profile)["Profile"]["AddressBookArn"] == book
    a4b.delete_address_book(AddressBookArn=book)
    stored = a4b.get_profile(ProfileArn=profile)["Profile"]
    assert "AddressBookArn" not in stored and stored["ProfileName"] == "HQ"
    # The profile keeps its unique name after being rewritten.
    with pytest.raises(ClientError) as err:
        a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="x", DistanceUnit="METRIC",
                           TemperatureUnit="CELSIUS", WakeWord="ALEXA")
    assert code(err) == "AlreadyExistsException"
