//! Tests of trailroom-model's generated API, one binary with a module per concern: validation
//! messages, audit rendering and serde, dispatch, and the operation tables.

mod audit_serde;
mod dispatch;
mod operations;
mod validation;
