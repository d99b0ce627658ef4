//! Organization trails: only an organization's management account creates them; they deliver
//! every account's events under `AWSLogs/<org id>/<account>/…`, and every member account sees
//! them as read-only trails (with the management account's ARN) wherever they log.

use trailroom_audit::store_failure;
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
