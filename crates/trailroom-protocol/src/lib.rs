//! AWS wire protocols spoken on trailroom's single endpoint.
//!
//! Owns: the [`ApiError`] type and its encodings, AWS JSON 1.1 (`X-Amz-Target` routing, error bodies)
//! and AWS Query (form-encoded `Action=…`, XML responses), and the partition's regions. Knows nothing about A4B, CloudTrail,
//! identities or storage: services hand it typed values and errors, it hands back bytes.

mod error;
pub mod json;
pub mod operations;
pub mod query;
pub mod regions;

pub use error::ApiError;

/// HTTP status codes, re-exported so services need not depend on `http`.
pub use http::StatusCode;
