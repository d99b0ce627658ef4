//! Trail delivery.
//!
//! Owns: turning recorded events into CloudTrail's files — gzipped `{"Records":[…]}` log files in
//! CloudTrail's key layout ([`keys`], [`logfile`]), delivered **exactly once per trail** by a
//! cursor that moves only after the objects are stored ([`worker`]: its log-file side in
//! `worker/cursor.rs`, its digest side in `worker/chain.rs`, retry pacing in `backoff.rs`, the
//! stored cursor and chain formats in [`state`]); hourly signed digest files chained across
//! periods ([`digest`]); one SNS notification per delivered file.
//!
//! Knows nothing about HTTP, S3 or SNS wire formats, or how trails are configured: it asks a
//! [`Trails`] source which trails log and which events they admit, and hands bytes to [`Sinks`].

pub mod aggregate;
mod backoff;
pub mod digest;
pub mod keys;
pub mod logfile;
mod port;
pub mod state;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod validate;
pub mod worker;

pub use port::{
    Admission, Attempt, DigestKeys, SinkError, Sinks, Target, Trails, Window, WindowEnd,
};
pub use worker::{DeliveryReport, Worker};
