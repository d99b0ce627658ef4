//! Identities: who a request comes from.
//!
//! Owns: the stored identity records (accounts, IAM users, roles, long-term access keys, STS
//! sessions), id and key generation in AWS's formats (`AKIA…`, `ASIA…`, `AIDA…`, `AROA…`), the
//! [`Principal`] a verified request resolves to, trust-policy checks for `AssumeRole`, and the
//! lookup from an access key id (plus session token) to its secret and principal.
//!
//! Knows nothing about HTTP, signatures or CloudTrail's record format: the audit crate renders a
//! [`Caller`] as `userIdentity`, the server verifies signatures with the secret found here.

pub mod aws_managed;
mod ids;
mod policies;
mod principal;
mod records;
mod resolve;
pub mod trust;

pub use ids::{IdPrefix, new_access_key_id, new_secret_key, new_session_token, new_unique_id};
pub use policies::{
    CallerPolicies, caller_policies, customer_policy_name, managed_policy_document,
};
pub use principal::{Caller, Principal, SessionInfo};
pub use records::{
    AccessKeyOwner, AccessKeyRecord, AccessKeyStatus, AccountRecord, GroupRecord,
    ManagedPolicyRecord, OidcProviderRecord, PolicyVersionRecord, RoleRecord, SamlProviderRecord,
    SessionRecord, UserRecord, kinds,
};
pub use resolve::{ResolveError, Resolved, resolve_access_key};

/// The account every fresh data directory starts with.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";
/// AWS's documented example access key id, used as the default account's root key.
pub const DEFAULT_ROOT_ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
/// AWS's documented example secret key, paired with [`DEFAULT_ROOT_ACCESS_KEY_ID`].
pub const DEFAULT_ROOT_SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
