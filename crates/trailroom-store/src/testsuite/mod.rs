//! Conformance suite: behaviour every [`Store`](crate::Store) backend must show, one file per
//! topic (documents, events, concurrency, durability). Each backend's tests call these functions
//! on a fresh store, so SQLite and later backends are held to the same contract.

mod concurrency;
mod documents;
mod durability;
mod events;
mod leases;

pub use concurrency::{
    followers_miss_nothing, many_concurrent_writers, writes_are_serialized_across_nodes,
};
pub use documents::{clear_all, documents, failed_work_is_undone};
pub use durability::{check_marker, write_marker};
pub use events::{EventStep, events, events_match_a_model, log_walk_and_removal};
pub use leases::{leases_pass_between_nodes, one_holder_among_racers};
