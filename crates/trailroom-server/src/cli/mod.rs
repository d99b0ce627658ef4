//! The command line beside `serve`: each subcommand's code, run by `main.rs`.
//!
//! - [`archive`]: `archive verify`, the long-term archive's segments and signed manifests;
//! - [`admin`]: `admin` (A4B admin actions against a data dir or an endpoint; accounts,
//!   organizations), with [`admin_client`] signing its calls to a running server;
//! - [`events`]: `events lookup` and `events tail` over a data dir;
//! - [`idp`]: `idp`, a local OpenID Connect/SAML identity provider for federation tests;
//! - [`validate`]: `validate`, a trail's log files and digests checked as `validate-logs` does;
//! - [`time`]: the wall clock the commands read (the one place they may).

pub mod admin;
pub mod admin_client;
pub mod archive;
pub mod events;
pub mod idp;
pub mod time;
pub mod validate;
