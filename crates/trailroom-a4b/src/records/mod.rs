//! The stored A4B records and the rules that tie them together: each family's stored type with
//! its save/require/list, and the cascades one family's change makes in another's records (a
//! deleted room detaches its devices, a changed network profile reaches its devices, a removed
//! skill leaves its groups). Operation modules import this layer and `support`, never each other.

pub(crate) mod address_books;
pub(crate) mod announcements;
pub(crate) mod catalogue;
pub(crate) mod devices;
pub(crate) mod network_profiles;
pub(crate) mod profiles;
pub(crate) mod rooms;
pub(crate) mod skill_groups;
pub(crate) mod skills;
pub(crate) mod smart_home;
