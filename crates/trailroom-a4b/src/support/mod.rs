//! What every A4B family module uses: typed records in the store ([`records`]), Search and List
//! paging ([`search`]), the service's errors ([`errors`]), tags ([`tags`]) and the shape of admin
//! actions ([`admin`]).

pub mod admin;
pub mod convert;
pub mod errors;
pub mod idempotency;
pub mod records;
pub mod search;
pub mod tags;
