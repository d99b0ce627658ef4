//! S3-compatible buckets and objects, served through the s3s crate.
//!
//! Owns: bucket documents (kind `s3_bucket`, body exactly [`BucketRecord`]) and object documents
//! (kind `s3_object`), object bytes as files under `<data_dir>/s3` written durably before their
//! document commits ([`blobs`]), bucket naming and location rules ([`names`]), resource-policy
//! validation and evaluation ([`policy`], also used for SNS topic policies), ListObjects paging
//! ([`listing`]), how S3 calls are recorded (bucket calls as management events, object calls as
//! data events: [`calls`]), the s3s backend, and the delivery path AWS services use
//! ([`put_object_as_service`]).
//!
//! Knows nothing about signatures, accounts' keys or the server's routing: the server verifies
//! SigV4, then hands the request and the verified [`RequestInfo`] to [`S3Endpoint::handle`].

mod backend;
mod blobs;
mod bucket_config;
pub use bucket_config::tag_door::{buckets_with_tags, change_bucket_tags};
mod buckets;
pub mod calls;
pub mod control;
pub mod delivery;
mod endpoint;
pub mod errors;
mod list_ops;
pub mod listing;
mod multipart;
pub mod names;
mod objects;
pub mod policy;
pub mod records;
mod service;
mod unhandled;
pub mod virtual_host;

pub use blobs::BlobStore;
pub use calls::{ObjectCall, RequestInfo, object_call};
pub use delivery::{S3DeliveryError, check_service_access, put_object_as_service};
pub use endpoint::{S3Endpoint, error_response, region_error};

/// The region of a bucket created without a location constraint, and the one S3 names when a
/// request is signed for a region that does not exist.
pub const DEFAULT_REGION: &str = "us-east-1";
pub use records::{BUCKET_KIND, BucketRecord, OBJECT_KIND, ObjectRecord};
pub use service::{S3Backend, bucket_named};
