//! Start-up state: the accounts and root keys the configuration asks for, created once, and the
//! organizations that group them.

use trailroom_identity::{AccessKeyOwner, AccessKeyRecord, AccessKeyStatus, AccountRecord, kinds};
use trailroom_store::{Doc, Store, StoreError, write};

use crate::config::{AccountConfig, OrganizationConfig};

/// Creates each account and its root key unless they exist. A key id already owned by another
/// account is an error, never silently reassigned.
pub async fn ensure_accounts(
    store: &dyn Store,
    accounts: &[AccountConfig],
    now_ms: i64,
) -> Result<(), StoreError> {
    for account in accounts {
        let account = account.clone();
        write(store, move |tx| {
            if tx.get(&account.id, kinds::ACCOUNT, &account.id)?.is_none() {
                let record = AccountRecord {
                    account_id: account.id.clone(),
                    alias: None,
                    created_ms: now_ms,
                };
                tx.put(&Doc::new(
                    &account.id,
                    kinds::ACCOUNT,
                    &account.id,
                    &record,
                )?)?;
            }
            if let Some(existing) = tx.find_by_id(kinds::ACCESS_KEY, &account.root_access_key_id)? {
                if existing.account != account.id {
                    return Err(StoreError::AlreadyExists(format!(
                        "access key {} belongs to account {}",
                        account.root_access_key_id, existing.account
                    )));
                }
                let mut key: AccessKeyRecord = existing.decode()?;
                key.secret_access_key = account.root_secret_access_key.clone();
                return tx.put(
                    &Doc::new(&account.id, kinds::ACCESS_KEY, &key.access_key_id, &key)?
                        .with_parent(""),
                );
            }
            let key = AccessKeyRecord {
                account_id: account.id.clone(),
                access_key_id: account.root_access_key_id.clone(),
                secret_access_key: account.root_secret_access_key.clone(),
                owner: AccessKeyOwner::Root,
                status: AccessKeyStatus::Active,
                created_ms: now_ms,
            };
            tx.put(
                &Doc::new(&account.id, kinds::ACCESS_KEY, &key.access_key_id, &key)?
                    .with_parent(""),
            )
        })
        .await??;
    }
    Ok(())
}

/// Stores each organization and its accounts' memberships (see
/// [`trailroom_organizations::ensure`]).
pub async fn ensure_organizations(
    store: &dyn Store,
    organizations: &[OrganizationConfig],
    now_ms: i64,
) -> Result<(), StoreError> {
    for org in organizations {
        let mut members = org.member_accounts.clone();
        members.sort();
        members.dedup();
        let record = trailroom_organizations::OrganizationRecord {
            id: org.organization_id(),
            management_account_id: org.management_account.clone(),
            member_account_ids: members,
            created_ms: now_ms,
        };
        write(store, move |tx| {
            trailroom_organizations::ensure(tx, &record)
        })
        .await??;
    }
    Ok(())
}
