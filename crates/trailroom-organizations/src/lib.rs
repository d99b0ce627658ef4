//! AWS Organizations, as far as CloudTrail needs it: accounts grouped into an organization with
//! one management account (configured, or created with `trailroom organizations create`), the
//! lookups organization trails make, the reads clients and scanners make (`DescribeOrganization`,
//! which `aws cloudtrail validate-logs` uses to find an organization trail's key prefix,
//! `ListAccounts`, the structure reads of `structure`), and service control policies.
//!
//! # Stored documents
//!
//! **`org_organization`** ([`OrganizationRecord`]): account = management account, id = organization
//! id (`o-` + 10 lowercase letters or digits).
//! **`org_membership`** ([`Membership`]): account = a member (the management account included),
//! id = `membership`: which organization the account belongs to.
//! **`org_delegated_admin`** ([`delegated::DelegatedAdministrator`]): account = management
//! account, id = `<service principal>/<account>`.

mod api;
pub mod delegated;
mod record;
pub mod scp;
mod scp_api;
pub(crate) mod structure;

pub use api::{EVENT_SOURCE, OPERATIONS, Operation, TARGET_PREFIX, call, operations};
pub use record::{
    Membership, OrganizationRecord, account_arn, derive_id, ensure, is_valid_id, organization_of,
};
