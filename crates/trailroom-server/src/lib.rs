//! The trailroom server: one endpoint that AWS clients talk to unmodified.
//!
//! Owns: configuration ([`config`]), start-up and the default account ([`bootstrap`]), the state
//! every handler reaches ([`state`]), the HTTP router and its layers ([`app`]), connection limits
//! and timeouts (`listener`), the front door that reads every AWS request once and routes it by
//! protocol ([`front_door`]), the request pipeline each protocol hooks into (`pipeline`:
//! authentication with [`auth`], the call's context, its event, its answer), and wiring services
//! to the store. It is the only crate
//! that knows axum, configuration files or which storage backend is used. The subcommands beside
//! `serve` (admin, events, idp, validate) are in [`cli`].

pub mod admin_api;
pub mod app;
pub mod archive;
pub mod auth;
pub mod bootstrap;
pub mod cli;
mod cloudtrail_data_api;
pub mod config;
pub mod console;
pub mod data_dir;
pub mod delivery;
mod ec2_api;
mod federation_api;
pub mod front_door;
mod import_objects;
mod insights;
mod json_api;
mod lake_feed;
mod listener;
pub mod local_objects;
pub mod metrics;
mod pipeline;
mod query_api;
pub mod reports;
mod request_log;
pub mod retention;
mod s3_api;
mod sns_api;
pub mod state;
pub mod store_choice;
pub mod test_api;
pub mod tls;
pub mod tls_session;
mod trail_destinations;

pub use app::serve;
pub use config::Config;
pub use state::AppState;
