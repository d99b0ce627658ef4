//! Delegated administrators: member accounts an AWS service lets administer the organization
//! for it (CloudTrail's RegisterOrganizationDelegatedAdmin makes them), as Organizations'
//! ListDelegatedAdministrators and ListDelegatedServicesForAccount show them. An account that
//! leaves the organization is no longer one.
//!
//! Stored as `org_delegated_admin` documents: account = the management account, id =
//! `<service principal>/<account>`; body [`DelegatedAdministrator`].

use serde::{Deserialize, Serialize};
use trailroom_store::{Doc, ReadTxn, StoreResult, WriteTxn};

use crate::record::OrganizationRecord;

/// Document kind of delegated administrators.
pub const DELEGATED_KIND: &str = "org_delegated_admin";

/// A member account delegated to administer the organization for a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DelegatedAdministrator {
    /// The member account.
    pub account_id: String,
    /// The service, e.g. `cloudtrail.amazonaws.com`.
    pub service_principal: String,
    /// `DelegationEnabledDate`, ms.
    pub enabled_ms: i64,
}

fn doc_id(service: &str, account: &str) -> String {
    format!("{service}/{account}")
}

/// The organization's delegated administrators (for `service`, when given), by account.
pub fn delegated_administrators(
    txn: &dyn ReadTxn,
    org: &OrganizationRecord,
    service: Option<&str>,
) -> StoreResult<Vec<DelegatedAdministrator>> {
    let members = org.accounts();
    let mut found: Vec<DelegatedAdministrator> = txn
        .list(&org.management_account_id, DELEGATED_KIND)?
        .iter()
        .map(|doc| doc.decode::<DelegatedAdministrator>())
        .collect::<Result<_, _>>()?;
    found.retain(|d| {
        members.contains(&d.account_id) && service.is_none_or(|s| s == d.service_principal)
    });
    found.sort_by(|a, b| {
        (&a.account_id, &a.service_principal).cmp(&(&b.account_id, &b.service_principal))
    });
    Ok(found)
}

/// Makes `admin` a delegated administrator of `org`.
pub fn register(
    tx: &mut dyn WriteTxn,
    org: &OrganizationRecord,
    admin: &DelegatedAdministrator,
) -> StoreResult<()> {
    let id = doc_id(&admin.service_principal, &admin.account_id);
    tx.put(&Doc::new(
        &org.management_account_id,
        DELEGATED_KIND,
        &id,
        admin,
    )?)
}

/// Ends `account`'s delegation for `service`; whether it had one.
pub fn deregister(
    tx: &mut dyn WriteTxn,
    org: &OrganizationRecord,
    account: &str,
    service: &str,
) -> StoreResult<bool> {
    tx.delete(
        &org.management_account_id,
        DELEGATED_KIND,
        &doc_id(service, account),
    )
}
