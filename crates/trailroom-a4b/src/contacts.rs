//! Contacts: people Alexa can call from a room. Names are not unique; a contact carries either
//! the single legacy `PhoneNumber` or the typed `PhoneNumbers` list, and needs at least one number
//! or SIP address (a4b.md §4). Membership in address books lives on the books.

use std::collections::HashMap;

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

use crate::arn::{ResourceType, new_arn};
use crate::records::address_books;
use crate::records::address_books::AddressBookRecord;
use crate::support::convert::{convert, merged};
use crate::support::errors::{invalid, limit_exceeded};
use crate::support::idempotency::{Token, once};
use crate::support::records::Record;
use crate::support::records::{self};
use crate::support::search::{Match, SearchSpec, search_request};
use crate::support::tags;

const TYPE: ResourceType = ResourceType::Contact;
/// Contacts per account [AG quotas].
const MAX_CONTACTS: usize = 10_000;

/// Drops empty number lists and an empty legacy number, so "absent" has one spelling.
fn normalize(mut contact: Contact) -> Contact {
    contact.phone_number = contact.phone_number.filter(|n| !n.is_empty());
    contact.phone_numbers = contact.phone_numbers.filter(|l| !l.is_empty());
    contact.sip_addresses = contact.sip_addresses.filter(|l| !l.is_empty());
    contact
}

/// The number rules of a4b.md §4: `PhoneNumber` and `PhoneNumbers` are alternatives, and a
/// contact must be reachable by at least one number or SIP address.
fn check_reachable(contact: &Contact) -> Result<(), ApiError> {
    if contact.phone_number.is_some() && contact.phone_numbers.is_some() {
        return Err(invalid(
            "Specify either PhoneNumber or PhoneNumbers, not both.",
        ));
    }
    if contact.phone_number.is_none()
        && contact.phone_numbers.is_none()
        && contact.sip_addresses.is_none()
    {
        return Err(invalid(
            "A contact needs at least one of PhoneNumber, PhoneNumbers or SipAddresses.",
        ));
    }
    Ok(())
}

pub(crate) async fn create_contact(
    ctx: &CallContext,
    input: CreateContactRequest,
) -> Result<CreateContactResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = new_arn(TYPE, &account, ctx.region());
    let contact = normalize(Contact {
        contact_arn: Some(arn.clone()),
        display_name: input.display_name.clone(),
        first_name: input.first_name.clone(),
        last_name: input.last_name.clone(),
        phone_number: input.phone_number.clone(),
        phone_numbers: input.phone_numbers.clone(),
        sip_addresses: input.sip_addresses.clone(),
    });
    check_reachable(&contact)?;
    ctx.write(move |tx| {
        let token = Token::of(
            "CreateContact",
            input.client_request_token.as_deref(),
            &input,
        );
        once(tx, &account, token, |tx| {
            if tx
                .list(&account, TYPE.kind())
                .map_err(trailroom_audit::store_failure)?
                .len()
                >= MAX_CONTACTS
            {
                return Err(limit_exceeded("contacts", MAX_CONTACTS));
            }
            contact.save(tx, &account)?;
            tags::set_on_create(tx, &account, &arn, input.tags.as_deref())?;
            let response = CreateContactResponse {
                contact_arn: Some(arn),
            };
            Ok(response)
        })
    })
    .await
}

pub(crate) async fn get_contact(
    ctx: &CallContext,
    input: GetContactRequest,
) -> Result<GetContactResponse, ApiError> {
    let contact = ctx
        .read(|txn| Contact::require_member(txn, ctx.account_id(), input.contact_arn.as_deref()))?;
    Ok(GetContactResponse {
        contact: Some(contact),
    })
}

/// `current` with the members `input` sets. The number lists are replaced, not merged, and
/// sending one phone style drops the other, so a contact can move between them (a4b.md §7.11).
fn updated(current: &Contact, input: &UpdateContactRequest) -> Result<Contact, ApiError> {
    if input.phone_number.is_some() && input.phone_numbers.is_some() {
        return Err(invalid(
            "Specify either PhoneNumber or PhoneNumbers, not both.",
        ));
    }
    let patch = UpdateContactRequest {
        contact_arn: None,
        ..input.clone()
    };
    let mut contact: Contact = merged(current, &patch)?;
    if input.phone_numbers.is_some() {
        contact.phone_number = None;
    }
    if input.phone_number.is_some() {
        contact.phone_numbers = None;
    }
    let contact = normalize(contact);
    check_reachable(&contact)?;
    Ok(contact)
}

pub(crate) async fn update_contact(
    ctx: &CallContext,
    input: UpdateContactRequest,
) -> Result<UpdateContactResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let current = Contact::require_member(tx, &account, input.contact_arn.as_deref())?;
        updated(&current, &input)?.save(tx, &account)?;
        Ok(UpdateContactResponse {})
    })
    .await
}

pub(crate) async fn delete_contact(
    ctx: &CallContext,
    input: DeleteContactRequest,
) -> Result<DeleteContactResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let arn = Contact::require_member(tx, &account, input.contact_arn.as_deref())?
            .contact_arn
            .unwrap_or_default();
        records::delete(tx, &account, TYPE, &arn)?;
        tags::forget(tx, &account, &arn)?;
        address_books::forget_contact(tx, &account, &arn)?;
        Ok(DeleteContactResponse {})
    })
    .await
}

/// A contact as SearchContacts sees it: its data plus the books it belongs to.
struct Searchable {
    data: ContactData,
    books: Vec<String>,
}

fn contact_field(item: &Searchable, key: &str) -> Vec<String> {
    let contact = &item.data;
    let value = match key {
        "DisplayName" => contact.display_name.clone(),
        "FirstName" => contact.first_name.clone(),
        "LastName" => contact.last_name.clone(),
        "AddressBookArns" => return item.books.clone(),
        _ => None,
    };
    value.into_iter().collect()
}

const SEARCH: SearchSpec<Searchable> = SearchSpec {
    filter_keys: &[
        ("DisplayName", Match::Prefix),
        ("FirstName", Match::Prefix),
        ("LastName", Match::Prefix),
        ("AddressBookArns", Match::Exact),
    ],
    sort_keys: &["DisplayName", "FirstName", "LastName"],
    default_sort: "DisplayName",
    field: contact_field,
    id: |c| c.data.contact_arn.clone().unwrap_or_default(),
};

/// Every contact with the books that hold it.
fn searchable(txn: &dyn ReadTxn, account: &str) -> Result<Vec<Searchable>, ApiError> {
    let mut books_of: HashMap<String, Vec<String>> = HashMap::new();
    for book in AddressBookRecord::all(txn, account)? {
        let book_arn = book.book.address_book_arn.clone().unwrap_or_default();
        for contact in book.contact_arns {
            books_of.entry(contact).or_default().push(book_arn.clone());
        }
    }
    let contacts: Vec<Contact> = records::list(txn, account, TYPE)?;
    contacts
        .iter()
        .map(|c| {
            let books = books_of
                .remove(c.contact_arn.as_deref().unwrap_or_default())
                .unwrap_or_default();
            Ok(Searchable {
                data: convert(c)?,
                books,
            })
        })
        .collect()
}

pub(crate) async fn search_contacts(
    ctx: &CallContext,
    input: SearchContactsRequest,
) -> Result<SearchContactsResponse, ApiError> {
    let items = ctx.read(|txn| searchable(txn, ctx.account_id()))?;
    let page = search_request(items, &SEARCH, &input)?;
    Ok(SearchContactsResponse {
        contacts: Some(page.items.into_iter().map(|i| i.data).collect()),
        next_token: page.next_token,
        total_count: Some(page.total_count),
    })
}

impl Record for Contact {
    const TYPE: ResourceType = TYPE;
    const LABEL: &'static str = "contact";

    fn record_arn(&self) -> String {
        self.contact_arn.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(n: &str) -> PhoneNumber {
        PhoneNumber {
            number: Some(n.into()),
            type_: Some("WORK".into()),
        }
    }

    fn contact() -> Contact {
        Contact {
            first_name: Some("Ada".into()),
            phone_number: Some("+15550100".into()),
            ..Contact::default()
        }
    }

    #[test]
    fn a_contact_needs_exactly_one_phone_style_or_a_sip_address() {
        assert!(check_reachable(&contact()).is_ok());
        let both = Contact {
            phone_numbers: Some(vec![number("+1")]),
            ..contact()
        };
        assert_eq!(
            check_reachable(&both).unwrap_err().code(),
            "ValidationException"
        );
        let none = normalize(Contact {
            phone_number: Some(String::new()),
            phone_numbers: Some(vec![]),
            ..contact()
        });
        assert_eq!(
            check_reachable(&none).unwrap_err().code(),
            "ValidationException"
        );
        let sip = SipAddress {
            uri: Some("sip:ada@example.com".into()),
            type_: Some("WORK".into()),
        };
        let sip_only = Contact {
            phone_number: None,
            sip_addresses: Some(vec![sip]),
            ..contact()
        };
        assert!(check_reachable(&sip_only).is_ok());
    }

    #[test]
    fn updates_replace_lists_and_switch_phone_styles() {
        let listed = UpdateContactRequest {
            phone_numbers: Some(vec![number("+2"), number("+3")]),
            ..Default::default()
        };
        let after = updated(&contact(), &listed).unwrap();
        assert_eq!(after.phone_number, None);
        assert_eq!(after.phone_numbers.as_ref().map(Vec::len), Some(2));
        let shorter = UpdateContactRequest {
            phone_numbers: Some(vec![number("+4")]),
            ..Default::default()
        };
        assert_eq!(
            updated(&after, &shorter).unwrap().phone_numbers,
            Some(vec![number("+4")])
        );
        let back = UpdateContactRequest {
            phone_number: Some("+5".into()),
            ..Default::default()
        };
        let single = updated(&after, &back).unwrap();
        assert_eq!(
            (single.phone_number.as_deref(), single.phone_numbers),
            (Some("+5"), None)
        );
        let emptied = UpdateContactRequest {
            phone_numbers: Some(vec![]),
            ..Default::default()
        };
        assert_eq!(
            updated(&after, &emptied).unwrap_err().code(),
            "ValidationException"
        );
        let renamed = UpdateContactRequest {
            last_name: Some("Lovelace".into()),
            ..Default::default()
        };
        let kept = updated(&contact(), &renamed).unwrap();
        assert_eq!(
            (kept.last_name.as_deref(), kept.phone_number.as_deref()),
            (Some("Lovelace"), Some("+15550100"))
        );
    }
}
