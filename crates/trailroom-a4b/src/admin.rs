//! The admin surface: things no public A4B API creates (devices joining the organization,
//! gateways, accepted invitations, smart-home appliances, private skills, device events).
//!
//! Each family module lists its actions in an `ADMIN` table; [`run`] finds one by name and runs it
//! in a store write. Admin actions are operator tooling, not A4B calls: they produce no CloudTrail
//! event (a4b.md §2.6).

use std::sync::Arc;

use serde_json::Value;
use trailroom_audit::store_failure;
use trailroom_protocol::ApiError;
use trailroom_store::Store;

pub use crate::support::admin::{AdminAction, AdminCtx, AdminFn};

/// Every action of every family.
pub fn actions() -> impl Iterator<Item = &'static AdminAction> {
    [
        crate::devices::ADMIN,
        crate::users::ADMIN,
        crate::skills::ADMIN,
        crate::smart_home::ADMIN,
        crate::gateways::ADMIN,
        crate::address_books::ADMIN,
        crate::schedules::ADMIN,
        crate::announcements::ADMIN,
    ]
    .into_iter()
    .flatten()
}

/// Runs action `name` with `args` for `ctx`.
pub async fn run(
    store: Arc<dyn Store>,
    ctx: AdminCtx,
    name: &str,
    args: Value,
) -> Result<Value, ApiError> {
    let action = actions().find(|a| a.name == name).ok_or_else(|| {
        ApiError::client(
            "UnknownOperationException",
            format!("No admin action named {name}"),
        )
    })?;
    let run = action.run;
    trailroom_store::write(store.as_ref(), move |tx| run(tx, &ctx, args))
        .await
        .map_err(store_failure)?
}
