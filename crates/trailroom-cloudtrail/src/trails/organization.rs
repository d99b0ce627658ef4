//! Organization trails: an organization's management account (or a CloudTrail delegated
//! administrator, for it) creates them; they deliver
//! every account's events under `AWSLogs/<org id>/<account>/…`, and every member account sees
//! them as read-only trails (with the management account's ARN) wherever they log.

use trailroom_audit::store_failure;
use trailroom_organizations::delegated::delegated_administrators;
use trailroom_organizations::{OrganizationRecord, organization_of};
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

use super::record::{TRAIL_KIND, TrailRecord};

/// The organization whose trail `account` may create: `account` must be its management account.
pub(crate) fn managed_organization(
    txn: &dyn ReadTxn,
    account: &str,
) -> Result<OrganizationRecord, ApiError> {
    let org = organization_of(txn, account)
        .map_err(store_failure)?
        .ok_or_else(not_in_use)?;
    match org.management_account_id == account {
        true => Ok(org),
        false => Err(not_management_account(&org)),
    }
}

/// The organization `account` administers for CloudTrail: as its management account, or as a
/// delegated administrator (RegisterOrganizationDelegatedAdmin), who may create, change and
/// delete the organization's trails and event data stores; the management account keeps owning
/// them.
pub(crate) fn administered_organization(
    txn: &dyn ReadTxn,
    account: &str,
) -> Result<OrganizationRecord, ApiError> {
    let org = organization_of(txn, account)
        .map_err(store_failure)?
        .ok_or_else(not_in_use)?;
    match org.management_account_id == account || is_delegated_admin(txn, &org, account)? {
        true => Ok(org),
        false => Err(not_management_account(&org)),
    }
}

/// Whether `account` is one of `org`'s CloudTrail delegated administrators.
pub(crate) fn is_delegated_admin(
    txn: &dyn ReadTxn,
    org: &OrganizationRecord,
    account: &str,
) -> Result<bool, ApiError> {
    let admins = delegated_administrators(txn, org, Some(super::CLOUDTRAIL_PRINCIPAL))
        .map_err(store_failure)?;
    Ok(admins.iter().any(|a| a.account_id == account))
}

/// The account that owns an organization resource `account` creates: the management account of
/// the organization it administers.
pub(crate) fn organization_owner(txn: &dyn ReadTxn, account: &str) -> Result<String, ApiError> {
    Ok(administered_organization(txn, account)?.management_account_id)
}

/// The organization trails `account` sees as a member (none for a management account, whose
/// trails are its own).
pub(crate) fn member_view(txn: &dyn ReadTxn, account: &str) -> Result<Vec<TrailRecord>, ApiError> {
    let Some(org) = organization_of(txn, account).map_err(store_failure)? else {
        return Ok(Vec::new());
    };
    if org.management_account_id == account {
        return Ok(Vec::new());
    }
    let mut trails = Vec::new();
    for doc in txn
        .list(&org.management_account_id, TRAIL_KIND)
        .map_err(store_failure)?
    {
        let trail: TrailRecord = doc.decode().map_err(store_failure)?;
        if trail.is_organization_trail {
            trails.push(trail);
        }
    }
    Ok(trails)
}

/// `OrganizationsNotInUseException`: the account belongs to no organization.
pub(crate) fn not_in_use() -> ApiError {
    ApiError::client(
        "OrganizationsNotInUseException",
        "This account is not a member of an organization.",
    )
}

/// `NotOrganizationMasterAccountException`: a member account asked for what only the management
/// account may do.
pub(crate) fn not_management_account(org: &OrganizationRecord) -> ApiError {
    ApiError::client(
        "NotOrganizationMasterAccountException",
        format!(
            "This operation is allowed only for the management account of organization {} ({}).",
            org.id, org.management_account_id
        ),
    )
}
