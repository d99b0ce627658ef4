//! Typed A4B records in the document store: one document per resource, keyed by its ARN, with the
//! unique name (when the type has one) and an optional parent id for one-to-many listings. The
//! [`Record`] trait gives every stored type the same save, require and list.

use serde::Serialize;
use serde::de::DeserializeOwned;
use trailroom_audit::store_failure;
use trailroom_protocol::ApiError;
use trailroom_store::{Doc, ReadTxn, StoreError, WriteTxn};

use crate::arn::{Arn, ResourceType};
use crate::support::errors;

/// The record of `resource_type` at `arn` in `account`, if it exists.
pub fn load<T: DeserializeOwned>(
    txn: &dyn ReadTxn,
    account: &str,
    resource_type: ResourceType,
    arn: &str,
) -> Result<Option<T>, ApiError> {
    let doc = txn
        .get(account, resource_type.kind(), arn)
        .map_err(store_failure)?;
    doc.map(|d| d.decode().map_err(store_failure)).transpose()
}

/// The record at `arn`, or `NotFoundException`. An ARN of another type or account is not found.
pub fn require<T: DeserializeOwned>(
    txn: &dyn ReadTxn,
    account: &str,
    resource_type: ResourceType,
    arn: &str,
) -> Result<T, ApiError> {
    let matches = Arn::parse(arn)
        .is_some_and(|a| a.resource_type == resource_type && a.account_id == account);
    if !matches {
        return Err(errors::not_found(arn));
    }
    load(txn, account, resource_type, arn)?.ok_or_else(|| errors::not_found(arn))
}

/// The record of `resource_type` whose unique name is `name`.
pub fn by_name<T: DeserializeOwned>(
    txn: &dyn ReadTxn,
    account: &str,
    resource_type: ResourceType,
    name: &str,
) -> Result<Option<T>, ApiError> {
    let doc = txn
        .get_by_name(account, resource_type.kind(), name)
        .map_err(store_failure)?;
    doc.map(|d| d.decode().map_err(store_failure)).transpose()
}

/// Every record of `resource_type` in `account`.
pub fn list<T: DeserializeOwned>(
    txn: &dyn ReadTxn,
    account: &str,
    resource_type: ResourceType,
) -> Result<Vec<T>, ApiError> {
    let docs = txn
        .list(account, resource_type.kind())
        .map_err(store_failure)?;
    docs.iter()
        .map(|d| d.decode().map_err(store_failure))
        .collect()
}

/// Every record of `resource_type` whose parent is `parent`.
pub fn children<T: DeserializeOwned>(
    txn: &dyn ReadTxn,
    account: &str,
    resource_type: ResourceType,
    parent: &str,
) -> Result<Vec<T>, ApiError> {
    let docs = txn
        .list_children(account, resource_type.kind(), parent)
        .map_err(store_failure)?;
    docs.iter()
        .map(|d| d.decode().map_err(store_failure))
        .collect()
}

/// A stored A4B resource: its type, the name AlreadyExistsException gives it, its ARN and how it
/// is indexed; saving, requiring and listing then work alike for every family.
pub trait Record: Serialize + DeserializeOwned {
    /// The resource type (document kind and ARN segment).
    const TYPE: ResourceType;
    /// The resource as messages name it ("room", "address book").
    const LABEL: &'static str;

    /// The record's ARN (its document id).
    fn record_arn(&self) -> String;

    /// Its unique name and parent, if it has them.
    fn keys(&self) -> Keys<'_> {
        Keys::default()
    }

    /// The error for a unique name another record already has.
    fn name_taken(name: &str) -> ApiError {
        errors::already_exists(Self::LABEL, name)
    }

    /// Stores the record under its ARN and keys; a taken name is [`Record::name_taken`].
    fn save(&self, tx: &mut dyn WriteTxn, account: &str) -> Result<(), ApiError> {
        save(
            tx,
            account,
            Self::TYPE,
            &self.record_arn(),
            self,
            self.keys(),
            Self::name_taken,
        )
    }

    /// The record at `arn`, or `NotFoundException` (also for an ARN of another type or account).
    fn require(txn: &dyn ReadTxn, account: &str, arn: &str) -> Result<Self, ApiError> {
        require(txn, account, Self::TYPE, arn)
    }

    /// The record an optional ARN member names; a missing member is `NotFoundException` too.
    fn require_member(
        txn: &dyn ReadTxn,
        account: &str,
        arn: Option<&str>,
    ) -> Result<Self, ApiError> {
        Self::require(txn, account, arn.unwrap_or_default())
    }

    /// Every record of this type in `account`.
    fn all(txn: &dyn ReadTxn, account: &str) -> Result<Vec<Self>, ApiError> {
        list(txn, account, Self::TYPE)
    }
}

/// How a record is indexed besides its ARN.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keys<'a> {
    /// Unique name within the account and type.
    pub name: Option<&'a str>,
    /// Parent id, for [`children`].
    pub parent: Option<&'a str>,
}

/// Stores `record` at `arn`. A taken unique name fails with the error `on_name_taken` builds.
pub fn save<T: Serialize>(
    tx: &mut dyn WriteTxn,
    account: &str,
    resource_type: ResourceType,
    arn: &str,
    record: &T,
    keys: Keys<'_>,
    on_name_taken: impl FnOnce(&str) -> ApiError,
) -> Result<(), ApiError> {
    let mut doc = Doc::new(account, resource_type.kind(), arn, record).map_err(store_failure)?;
    doc.name = keys.name.map(str::to_owned);
    doc.parent = keys.parent.map(str::to_owned);
    match tx.put(&doc) {
        Ok(()) => Ok(()),
        Err(StoreError::AlreadyExists(name)) => Err(on_name_taken(&name)),
        Err(other) => Err(store_failure(other)),
    }
}

/// Deletes the record at `arn`; returns whether it existed.
pub fn delete(
    tx: &mut dyn WriteTxn,
    account: &str,
    resource_type: ResourceType,
    arn: &str,
) -> Result<bool, ApiError> {
    tx.delete(account, resource_type.kind(), arn)
        .map_err(store_failure)
}

/// A creation time for a new record of `resource_type`: `now_ms`, or just after the newest
/// `CreatedTime` already stored, so List operations ordered by creation time keep calls made
/// within the same millisecond in call order.
pub fn next_created_time(
    txn: &dyn ReadTxn,
    account: &str,
    resource_type: ResourceType,
    now_ms: i64,
) -> Result<i64, ApiError> {
    let docs = txn
        .list(account, resource_type.kind())
        .map_err(store_failure)?;
    let newest = docs
        .iter()
        .filter_map(|d| {
            d.body
                .get("CreatedTime")
                .and_then(serde_json::Value::as_i64)
        })
        .max();
    Ok(newest.map_or(now_ms, |n| now_ms.max(n + 1)))
}
