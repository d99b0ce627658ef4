//! The shape of an admin action (see `crate::admin`), in a leaf module so the families that
//! list actions need not import the registry that lists the families.

use serde_json::Value;
use trailroom_protocol::ApiError;
use trailroom_store::WriteTxn;

/// Who and when an admin action acts for.
#[derive(Debug, Clone)]
pub struct AdminCtx {
    /// Account whose A4B organization is changed.
    pub account: String,
    /// Region (always us-east-1 for A4B).
    pub region: String,
    /// Current time, ms since the epoch.
    pub now_ms: i64,
}

/// One admin action: takes the JSON arguments, returns a JSON result.
pub type AdminFn = fn(&mut dyn WriteTxn, &AdminCtx, Value) -> Result<Value, ApiError>;

/// A named admin action with a one-line description.
pub struct AdminAction {
    /// Name used on the command line and in the admin API path.
    pub name: &'static str,
    /// What it does, for `trailroom admin a4b --help`-style listings.
    pub about: &'static str,
    /// The action.
    pub run: AdminFn,
}
