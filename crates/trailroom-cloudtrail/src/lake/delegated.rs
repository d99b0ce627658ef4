//! What a CloudTrail delegated administrator reaches of its organization's event data stores:
//! the organization stores, owned by the management account, which it creates, lists, changes,
//! deletes and queries as if they were its own (its identity policies decide).

use trailroom_audit::store_failure;
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

use super::record::{EDS_KIND, EventDataStoreRecord};
use crate::trails::{is_delegated_admin, organization_of};

/// Whether `caller` administers `store` as its organization's delegated administrator.
pub(crate) fn administers(
    txn: &dyn ReadTxn,
    caller: &str,
    store: &EventDataStoreRecord,
) -> Result<bool, ApiError> {
    if !store.organization || store.account_id == caller {
        return Ok(false);
    }
    let Some(org) = organization_of(txn, caller).map_err(store_failure)? else {
        return Ok(false);
    };
    Ok(org.management_account_id == store.account_id && is_delegated_admin(txn, &org, caller)?)
}

/// The live organization stores of `region` that `caller` administers as a delegated
/// administrator (none for anyone else).
pub(crate) fn administered_stores(
    txn: &dyn ReadTxn,
    caller: &str,
    region: &str,
    now_ms: i64,
) -> Result<Vec<EventDataStoreRecord>, ApiError> {
    let Some(org) = organization_of(txn, caller).map_err(store_failure)? else {
        return Ok(Vec::new());
    };
    if org.management_account_id == caller || !is_delegated_admin(txn, &org, caller)? {
        return Ok(Vec::new());
    }
    let mut stores = Vec::new();
    for doc in txn
        .list(&org.management_account_id, EDS_KIND)
        .map_err(store_failure)?
    {
        let store: EventDataStoreRecord = doc.decode().map_err(store_failure)?;
        if store.organization && store.home_region == region && !store.is_gone(now_ms) {
            stores.push(store);
        }
    }
    Ok(stores)
}
