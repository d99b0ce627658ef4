//! The stored address book: named (unique), with the contacts it holds; deleting a contact
//! removes it from every book.

use crate::arn::ResourceType;
use crate::support::errors::already_exists;
use crate::support::records::{self, Keys};
use serde::{Deserialize, Serialize};
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, WriteTxn};

pub(crate) const TYPE: ResourceType = ResourceType::AddressBook;

/// A stored address book: the model's `AddressBook` plus its members. Stored under its ARN,
/// named by `Name` (unique).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct AddressBookRecord {
    /// The book as GetAddressBook returns it.
    #[serde(flatten)]
    pub book: AddressBook,
    /// Contacts in the book, in the order they were added.
    #[serde(rename = "ContactArns", default)]
    pub contact_arns: Vec<String>,
}

impl AddressBookRecord {
    pub(crate) fn arn(&self) -> String {
        self.book.address_book_arn.clone().unwrap_or_default()
    }
}

pub(crate) fn save(
    tx: &mut dyn WriteTxn,
    account: &str,
    record: &AddressBookRecord,
) -> Result<(), ApiError> {
    let name = record.book.name.clone().unwrap_or_default();
    records::save(
        tx,
        account,
        TYPE,
        &record.arn(),
        record,
        Keys {
            name: Some(&name),
            parent: None,
        },
        |n| already_exists("address book", n),
    )
}

/// Every address book of `account` (for contact searches and deletes).
pub(crate) fn all_books(
    txn: &dyn ReadTxn,
    account: &str,
) -> Result<Vec<AddressBookRecord>, ApiError> {
    records::list(txn, account, TYPE)
}

/// Removes a deleted contact from every book that holds it (a4b.md §2.3).
pub(crate) fn forget_contact(
    tx: &mut dyn WriteTxn,
    account: &str,
    contact_arn: &str,
) -> Result<(), ApiError> {
    for mut record in all_books(tx, account)? {
        if record.contact_arns.iter().any(|c| c == contact_arn) {
            record.contact_arns.retain(|c| c != contact_arn);
            save(tx, account, &record)?;
        }
    }
    Ok(())
}

pub(crate) fn require(
    txn: &dyn ReadTxn,
    account: &str,
    arn: Option<&str>,
) -> Result<AddressBookRecord, ApiError> {
    records::require(txn, account, TYPE, arn.unwrap_or_default())
}
