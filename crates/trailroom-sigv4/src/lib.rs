//! AWS Signature Version 4 (`AWS4-HMAC-SHA256`): a server-side verifier and a small
//! signer, with no knowledge of services, storage or async runtimes.
//!
//! This crate owns the SigV4 rules exactly as real clients (botocore,
//! aws-sdk-rust) apply them: parsing the credentials ([`parse_authorization`]),
//! checking them ([`verify`]), and producing them ([`sign`], [`presign`]) for the
//! load generator and tests. The recipe it follows is `shared/docs/crates.md` §5.
//!
//! Typical server use:
//! 1. [`parse_authorization`] the request as received (body buffered, not decompressed);
//! 2. look up the secret for `access_key_id` (and `security_token`), and check
//!    `scope.region` / `scope.service` are ones the endpoint serves;
//! 3. [`verify`] with [`UriEncoding::S3`] for S3 and [`UriEncoding::Double`] otherwise;
//! 4. map a [`SigV4Error`] (see [`SigV4Error::kind`]) to the protocol's wire error.
//!
//! Nothing is cached and no secret ever appears in an error or `Debug` output.

mod canonical;
mod chunked;
mod crypto;
mod error;
mod parse;
mod sign;
mod time;
mod verify;

pub use canonical::UriEncoding;
pub use chunked::{StreamingPayload, verify_chunked};
pub use error::{ErrorKind, SigV4Error};
pub use parse::{Authorization, CredentialScope, SignedRequest, parse_authorization};
pub use sign::{Credentials, Payload, SigningParams, presign, sign};
pub use time::format_amz_date;
pub use verify::{canonical_request_for, verify};
