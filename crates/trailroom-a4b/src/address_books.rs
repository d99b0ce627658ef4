//! Address books: named sets of contacts that room profiles point devices at. A book holds the
//! ARNs of its contacts (many-to-many, at most 100 per book); deleting a book leaves its contacts
//! alone and clears any profile that referenced it (a4b.md §2.2, §2.3).

use serde::Deserialize;
use serde_json::Value;
use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, WriteTxn};

use crate::arn::{ResourceType, new_arn};
use crate::records::address_books::{AddressBookRecord, TYPE};
use crate::support::admin::{AdminAction, AdminCtx};
use crate::support::convert::merged;
use crate::support::errors::{already_exists, limit_exceeded, renamed};
use crate::support::idempotency::{Token, once};
use crate::support::records::Record;
use crate::support::records::{self, Keys};
use crate::support::search::{Match, SearchSpec, search_request, views};
use crate::support::tags;

/// Address books per account [AG quotas].
const MAX_ADDRESS_BOOKS: usize = 25;
/// Contacts per address book [AG quotas].
const MAX_CONTACTS_PER_BOOK: usize = 100;

pub(crate) async fn create_address_book(
    ctx: &CallContext,
    input: CreateAddressBookRequest,
) -> Result<CreateAddressBookResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = new_arn(TYPE, &account, ctx.region());
    ctx.write(move |tx| {
        let token = Token::of(
            "CreateAddressBook",
            input.client_request_token.as_deref(),
            &input,
        );
        once(tx, &account, token, |tx| {
            if AddressBookRecord::all(tx, &account)?.len() >= MAX_ADDRESS_BOOKS {
                return Err(limit_exceeded("address books", MAX_ADDRESS_BOOKS));
            }
            let record = AddressBookRecord {
                book: AddressBook {
                    address_book_arn: Some(arn.clone()),
                    name: input.name.clone(),
                    description: input.description.clone(),
                },
                contact_arns: Vec::new(),
            };
            record.save(tx, &account)?;
            tags::set_on_create(tx, &account, &arn, input.tags.as_deref())?;
            let response = CreateAddressBookResponse {
                address_book_arn: Some(arn),
            };
            Ok(response)
        })
    })
    .await
}

pub(crate) async fn get_address_book(
    ctx: &CallContext,
    input: GetAddressBookRequest,
) -> Result<GetAddressBookResponse, ApiError> {
    let record = ctx.read(|txn| {
        AddressBookRecord::require_member(txn, ctx.account_id(), input.address_book_arn.as_deref())
    })?;
    Ok(GetAddressBookResponse {
        address_book: Some(record.book),
    })
}

pub(crate) async fn update_address_book(
    ctx: &CallContext,
    input: UpdateAddressBookRequest,
) -> Result<UpdateAddressBookResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let mut record =
            AddressBookRecord::require_member(tx, &account, input.address_book_arn.as_deref())?;
        let patch = UpdateAddressBookRequest {
            address_book_arn: None,
            ..input.clone()
        };
        record.book = merged(&record.book, &patch)?;
        let name = record.book.name.clone().unwrap_or_default();
        record
            .save(tx, &account)
            .map_err(renamed("address book", name))?;
        Ok(UpdateAddressBookResponse {})
    })
    .await
}

/// Clears `AddressBookArn` on every profile that points at a deleted book. Profiles are read as
/// plain JSON so this family does not depend on the profile record's Rust type.
fn clear_profile_references(
    tx: &mut dyn WriteTxn,
    account: &str,
    book_arn: &str,
) -> Result<(), ApiError> {
    let profiles: Vec<Value> = records::list(tx, account, ResourceType::Profile)?;
    for mut profile in profiles {
        if profile.get("AddressBookArn").and_then(Value::as_str) != Some(book_arn) {
            continue;
        }
        if let Some(members) = profile.as_object_mut() {
            members.remove("AddressBookArn");
        }
        save_profile_json(tx, account, &profile)?;
    }
    Ok(())
}

/// Stores a profile read as JSON back under its ARN and unique name.
fn save_profile_json(
    tx: &mut dyn WriteTxn,
    account: &str,
    profile: &Value,
) -> Result<(), ApiError> {
    let arn = profile
        .get("ProfileArn")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let name = profile
        .get("ProfileName")
        .and_then(Value::as_str)
        .map(str::to_owned);
    records::save(
        tx,
        account,
        ResourceType::Profile,
        &arn,
        profile,
        Keys {
            name: name.as_deref(),
            parent: None,
        },
        |n| already_exists("profile", n),
    )
}

pub(crate) async fn delete_address_book(
    ctx: &CallContext,
    input: DeleteAddressBookRequest,
) -> Result<DeleteAddressBookResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let arn =
            AddressBookRecord::require_member(tx, &account, input.address_book_arn.as_deref())?
                .arn();
        records::delete(tx, &account, TYPE, &arn)?;
        tags::forget(tx, &account, &arn)?;
        clear_profile_references(tx, &account, &arn)?;
        Ok(DeleteAddressBookResponse {})
    })
    .await
}

fn book_field(book: &AddressBookData, key: &str) -> Vec<String> {
    match key {
        "AddressBookName" => book.name.clone().into_iter().collect(),
        _ => Vec::new(),
    }
}

const SEARCH: SearchSpec<AddressBookData> = SearchSpec {
    filter_keys: &[("AddressBookName", Match::Prefix)],
    sort_keys: &["AddressBookName"],
    default_sort: "AddressBookName",
    field: book_field,
    id: |b| b.address_book_arn.clone().unwrap_or_default(),
};

pub(crate) async fn search_address_books(
    ctx: &CallContext,
    input: SearchAddressBooksRequest,
) -> Result<SearchAddressBooksResponse, ApiError> {
    let books = ctx.read(|txn| AddressBookRecord::all(txn, ctx.account_id()))?;
    let data: Vec<AddressBookData> = views(&books, |b| &b.book)?;
    let page = search_request(data, &SEARCH, &input)?;
    Ok(SearchAddressBooksResponse {
        address_books: Some(page.items),
        next_token: page.next_token,
        total_count: Some(page.total_count),
    })
}

/// The book and the (existing) contact a membership call names.
fn membership(
    txn: &dyn ReadTxn,
    account: &str,
    book_arn: Option<&str>,
    contact_arn: Option<&str>,
) -> Result<(AddressBookRecord, String), ApiError> {
    let contact_arn = contact_arn.unwrap_or_default();
    records::require::<Value>(txn, account, ResourceType::Contact, contact_arn)?;
    Ok((
        AddressBookRecord::require_member(txn, account, book_arn)?,
        contact_arn.to_owned(),
    ))
}

pub(crate) async fn associate_contact_with_address_book(
    ctx: &CallContext,
    input: AssociateContactWithAddressBookRequest,
) -> Result<AssociateContactWithAddressBookResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let (mut record, contact) = membership(
            tx,
            &account,
            input.address_book_arn.as_deref(),
            input.contact_arn.as_deref(),
        )?;
        // Associating a member again is a no-op, like the console.
        if !record.contact_arns.contains(&contact) {
            if record.contact_arns.len() >= MAX_CONTACTS_PER_BOOK {
                return Err(limit_exceeded(
                    "contacts in an address book",
                    MAX_CONTACTS_PER_BOOK,
                ));
            }
            record.contact_arns.push(contact);
            record.save(tx, &account)?;
        }
        Ok(AssociateContactWithAddressBookResponse {})
    })
    .await
}

pub(crate) async fn disassociate_contact_from_address_book(
    ctx: &CallContext,
    input: DisassociateContactFromAddressBookRequest,
) -> Result<DisassociateContactFromAddressBookResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let (mut record, contact) = membership(
            tx,
            &account,
            input.address_book_arn.as_deref(),
            input.contact_arn.as_deref(),
        )?;
        // A contact that is not in the book is already disassociated (a4b.md §5.2).
        if record.contact_arns.contains(&contact) {
            record.contact_arns.retain(|c| *c != contact);
            record.save(tx, &account)?;
        }
        Ok(DisassociateContactFromAddressBookResponse {})
    })
    .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SetProfileAddressBook {
    profile_arn: String,
    /// `None` clears the profile's address book.
    address_book_arn: Option<String>,
}

/// Admin: points a room profile at an address book (the console did this; no API does).
fn set_profile_address_book(
    tx: &mut dyn WriteTxn,
    ctx: &AdminCtx,
    args: Value,
) -> Result<Value, ApiError> {
    let args: SetProfileAddressBook =
        serde_json::from_value(args).map_err(|e| ApiError::validation(e.to_string()))?;
    let mut profile: Value =
        records::require(tx, &ctx.account, ResourceType::Profile, &args.profile_arn)?;
    if let Some(book) = &args.address_book_arn {
        AddressBookRecord::require_member(tx, &ctx.account, Some(book))?;
    }
    if let Some(members) = profile.as_object_mut() {
        match &args.address_book_arn {
            Some(book) => members.insert("AddressBookArn".into(), Value::String(book.clone())),
            None => members.remove("AddressBookArn"),
        };
    }
    save_profile_json(tx, &ctx.account, &profile)?;
    Ok(
        serde_json::json!({ "ProfileArn": args.profile_arn, "AddressBookArn": args.address_book_arn }),
    )
}

/// Admin actions of this family (see `crate::admin`).
pub(crate) const ADMIN: &[AdminAction] = &[AdminAction {
    name: "set-profile-address-book",
    about: "Assign an address book to a room profile (ProfileArn, AddressBookArn; omit AddressBookArn to clear)",
    run: set_profile_address_book,
}];
