//! Alexa for Business.
//!
//! Owns: [`A4bService`], the implementation of the generated `AlexaForBusiness` trait (its
//! forwarding, `operations.rs`, generated from `model/implemented.toml`); one module per resource
//! family over the stored records and their cascades (`records/`: operation modules import it
//! and `support`, never each other); ARNs as AWS issued them ([`arn`]); and which resources a
//! call names, for the audit record ([`resources`]) and for authorization ([`access`]).
//!
//! Knows nothing about HTTP or SQL: handlers take a `CallContext` and talk to the store traits.

pub mod access;
pub mod admin;
pub mod arn;
pub mod resources;
pub mod support;

pub use schedules::{DEFAULT_PUBLIC_URL, ReportFile, report_download};
pub use tagging::{change_tags, resources_with_tags};

mod address_books;
mod announcements;
mod conferencing;
mod contacts;
mod devices;
mod gateways;
mod network_profiles;
mod operations;
mod profiles;
pub(crate) mod records;
mod rooms;
mod schedules;
mod skill_groups;
mod skills;
mod smart_home;
mod tagging;
mod users;

/// The only region Alexa for Business was offered in.
pub const REGION: &str = "us-east-1";

/// Refuses a call signed for any other region than [`REGION`].
pub fn check_region(region: &str) -> Result<(), trailroom_protocol::ApiError> {
    match region == REGION {
        true => Ok(()),
        false => Err(trailroom_protocol::ApiError::client(
            "ValidationException",
            format!(
                "Alexa for Business is available only in {REGION}; this request was signed for {region}"
            ),
        )),
    }
}

/// Alexa for Business's handlers.
#[derive(Debug, Clone)]
pub struct A4bService {
    /// The server's public base URL (`http://host:port`), where report download links point.
    pub public_url: String,
}

impl Default for A4bService {
    fn default() -> Self {
        Self {
            public_url: DEFAULT_PUBLIC_URL.to_owned(),
        }
    }
}
