//! A stored document: a JSON body under (account, kind, id), with an optional unique name and an
//! optional parent for one-to-many listings.

use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::{StoreError, StoreResult};

/// One stored record.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    /// Owning account (12 digits).
    pub account: String,
    /// Record kind, e.g. `iam_user`, `a4b_room`.
    pub kind: String,
    /// Identifier, unique within (account, kind).
    pub id: String,
    /// Name unique within (account, kind), when the kind has one.
    pub name: Option<String>,
    /// Id of a parent record, for listing children.
    pub parent: Option<String>,
    /// The record itself.
    pub body: Value,
}

/// A document's keys without its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocKey {
    /// Identifier, unique within (account, kind).
    pub id: String,
    /// Unique name, when the kind has one.
    pub name: Option<String>,
    /// Id of the parent record.
    pub parent: Option<String>,
}

impl DocKey {
    /// The keys of `doc`.
    pub fn of(doc: Doc) -> Self {
        Self {
            id: doc.id,
            name: doc.name,
            parent: doc.parent,
        }
    }
}

impl Doc {
    /// Builds a document from a serializable record.
    pub fn new<T: Serialize>(account: &str, kind: &str, id: &str, record: &T) -> StoreResult<Self> {
        let body = serde_json::to_value(record).map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(Self {
            account: account.to_owned(),
            kind: kind.to_owned(),
            id: id.to_owned(),
            name: None,
            parent: None,
            body,
        })
    }

    /// Sets the unique name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the parent id.
    pub fn with_parent(mut self, parent: impl Into<String>) -> Self {
        self.parent = Some(parent.into());
        self
    }

    /// Decodes the body into a record type.
    pub fn decode<T: DeserializeOwned>(&self) -> StoreResult<T> {
        T::deserialize(&self.body)
            .map_err(|e| StoreError::Backend(format!("corrupt {} {}: {e}", self.kind, self.id)))
    }
}
