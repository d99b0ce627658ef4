//! RegisterOrganizationDelegatedAdmin and DeregisterOrganizationDelegatedAdmin: the management
//! account of an organization names member accounts (at most three) as CloudTrail's delegated
//! administrators; Organizations then lists them for `cloudtrail.amazonaws.com`
//! (`trailroom_organizations::delegated`).

use trailroom_audit::{CallContext, store_failure};
use trailroom_model::cloudtrail::{
    DeregisterOrganizationDelegatedAdminRequest, DeregisterOrganizationDelegatedAdminResponse,
    RegisterOrganizationDelegatedAdminRequest, RegisterOrganizationDelegatedAdminResponse,
};
use trailroom_organizations::delegated::{self, DelegatedAdministrator};
use trailroom_organizations::{OrganizationRecord, organization_of};
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

use super::organization::not_in_use;
use super::{CLOUDTRAIL_PRINCIPAL, required};

/// Delegated administrators CloudTrail allows per organization.
pub const MAX_DELEGATED_ADMINS: usize = 3;

/// The caller's organization, which it must manage.
fn managed(txn: &dyn ReadTxn, account: &str) -> Result<OrganizationRecord, ApiError> {
    let org = organization_of(txn, account)
        .map_err(store_failure)?
        .ok_or_else(not_in_use)?;
    match org.management_account_id == account {
        true => Ok(org),
        false => Err(ApiError::client(
            "NotOrganizationManagementAccountException",
            format!(
                "Only the management account of organization {} manages its delegated \
                 administrators.",
                org.id
            ),
        )),
    }
}

/// `member`, an account of `org` other than its management account.
fn member_of(org: &OrganizationRecord, member: &str) -> Result<(), ApiError> {
    if member == org.management_account_id {
        return Err(ApiError::client(
            "CannotDelegateManagementAccountException",
            "The management account cannot be its organization's delegated administrator.",
        ));
    }
    match org.member_account_ids.iter().any(|a| a == member) {
        true => Ok(()),
        false => Err(ApiError::client(
            "AccountNotFoundException",
            format!("The account {member} is not in organization {}.", org.id),
        )),
    }
}

/// RegisterOrganizationDelegatedAdmin.
pub(crate) async fn register_delegated_admin(
    ctx: &CallContext,
    input: RegisterOrganizationDelegatedAdminRequest,
) -> Result<RegisterOrganizationDelegatedAdminResponse, ApiError> {
    let member = required(input.member_account_id, "MemberAccountId")?;
    let (account, now) = (ctx.account_id().to_owned(), ctx.now_ms());
    ctx.write(move |tx| {
        let org = managed(&*tx, &account)?;
        member_of(&org, &member)?;
        let admins = delegated::delegated_administrators(&*tx, &org, Some(CLOUDTRAIL_PRINCIPAL))
            .map_err(store_failure)?;
        if admins.iter().any(|a| a.account_id == member) {
            return Err(ApiError::client(
                "AccountRegisteredException",
                format!("The account {member} is already a delegated administrator."),
            ));
        }
        if admins.len() >= MAX_DELEGATED_ADMINS {
            return Err(ApiError::client(
                "DelegatedAdminAccountLimitExceededException",
                format!(
                    "Organization {} already has {MAX_DELEGATED_ADMINS} delegated \
                     administrators for CloudTrail.",
                    org.id
                ),
            ));
        }
        let admin = DelegatedAdministrator {
            account_id: member,
            service_principal: CLOUDTRAIL_PRINCIPAL.to_owned(),
            enabled_ms: now,
        };
        delegated::register(tx, &org, &admin).map_err(store_failure)?;
        Ok(RegisterOrganizationDelegatedAdminResponse {})
    })
    .await
}

/// DeregisterOrganizationDelegatedAdmin.
pub(crate) async fn deregister_delegated_admin(
    ctx: &CallContext,
    input: DeregisterOrganizationDelegatedAdminRequest,
) -> Result<DeregisterOrganizationDelegatedAdminResponse, ApiError> {
    let member = required(input.delegated_admin_account_id, "DelegatedAdminAccountId")?;
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let org = managed(&*tx, &account)?;
        member_of(&org, &member)?;
        let removed = delegated::deregister(tx, &org, &member, CLOUDTRAIL_PRINCIPAL)
            .map_err(store_failure)?;
        match removed {
            true => Ok(DeregisterOrganizationDelegatedAdminResponse {}),
            false => Err(ApiError::client(
                "AccountNotRegisteredException",
                format!("The account {member} is not a delegated administrator."),
            )),
        }
    })
    .await
}
