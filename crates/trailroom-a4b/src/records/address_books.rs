//! The stored address book: named (unique), with the contacts it holds; deleting a contact
//! removes it from every book.

use crate::arn::ResourceType;
use crate::support::records::Keys;
use crate::support::records::Record;
use serde::{Deserialize, Serialize};
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::WriteTxn;

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

/// Removes a deleted contact from every book that holds it (a4b.md §2.3).
pub(crate) fn forget_contact(
    tx: &mut dyn WriteTxn,
    account: &str,
    contact_arn: &str,
) -> Result<(), ApiError> {
    for mut record in AddressBookRecord::all(tx, account)? {
        if record.contact_arns.iter().any(|c| c == contact_arn) {
            record.contact_arns.retain(|c| c != contact_arn);
            record.save(tx, account)?;
        }
    }
    Ok(())
}

impl Record for AddressBookRecord {
    const TYPE: ResourceType = TYPE;
    const LABEL: &'static str = "address book";

    fn record_arn(&self) -> String {
        self.arn()
    }

    fn keys(&self) -> Keys<'_> {
        Keys {
            name: self.book.name.as_deref(),
            parent: None,
        }
    }
}
