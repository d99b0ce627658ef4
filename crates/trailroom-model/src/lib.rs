//! The typed A4B and CloudTrail APIs: wire shapes, model validation, audit rendering, the
//! operation tables, one service trait per API and the dispatch from raw JSON to a handler.
//!
//! Owns: the generated modules [`a4b`] and [`cloudtrail`] (written by `cargo xtask codegen` from
//! `model/*.json`; never edit them by hand) and the small hand-written runtime they rely on:
//! [`Timestamp`], the [`Validate`] / [`Violations`] message builder, the [`Audit`] rendering with
//! its [`HIDDEN`] placeholder, and the [`Dispatched`] outcome.
//!
//! Must not know: HTTP routing, authentication, storage or the audit log itself. Dispatch takes
//! the operation and body bytes and hands back the response body plus what the audit record
//! needs; the server decides what to do with it.

mod audit;
mod dispatch;
mod timestamp;
mod validate;

pub mod a4b;
pub mod cloudtrail;

pub(crate) use audit::Redacted;
pub use audit::{Audit, HIDDEN};
pub use dispatch::{
    CallObserver, Dispatched, DispatchedOk, Empty, GENERIC_ERRORS, OperationMeta, is_generic_error,
    not_implemented,
};
pub use timestamp::Timestamp;
pub use validate::{
    Constraint, FieldPath, Validate, Violated, Violations, is_printable, is_printable_char,
};
