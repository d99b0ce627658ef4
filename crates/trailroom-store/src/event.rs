//! The audit log as stored: one row per recorded call, with the columns Event history searches on
//! and the full CloudTrail record as JSON text.

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// Position in the log, assigned by the store (0 before it is stored).
    pub seq: i64,
    /// The record's `eventID`.
    pub event_id: String,
    /// The account that receives the event (`recipientAccountId`).
    pub account_id: String,
    /// `awsRegion`.
    pub region: String,
    /// `eventTime` in milliseconds since the epoch.
    pub event_time_ms: i64,
    /// `eventName`.
    pub event_name: String,
    /// `eventSource`.
    pub event_source: String,
    /// The name Event history shows as `Username`.
    pub username: Option<String>,
    /// `userIdentity.accessKeyId`.
    pub access_key_id: Option<String>,
    /// `readOnly`.
    pub read_only: bool,
    /// `eventCategory` (`Management`, `Data`, ...).
    pub category: String,
    /// `(resource type, resource name)` pairs, as LookupEvents returns them.
    pub resources: Vec<(String, String)>,
    /// The whole CloudTrail record, serialized.
    pub record_json: String,
}

/// The one attribute an Event history query may filter on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupKey {
    /// `EventId`.
    EventId(String),
    /// `EventName`.
    EventName(String),
    /// `EventSource`.
    EventSource(String),
    /// `Username`.
    Username(String),
    /// `AccessKeyId`.
    AccessKeyId(String),
    /// `ReadOnly` (`true`/`false`).
    ReadOnly(bool),
    /// `ResourceType`.
    ResourceType(String),
    /// `ResourceName`.
    ResourceName(String),
}

/// Why a `Key=Value` pair is not a [`LookupKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupKeyError {
    /// The key is none of the eight Event history attributes.
    #[error("Lookup attribute key {0} is not supported.")]
    UnknownKey(String),
    /// `ReadOnly` takes `true` or `false` only.
    #[error("ReadOnly must be 'true' or 'false'.")]
    ReadOnlyNotBoolean,
}

impl LookupKey {
    /// The attribute named `key` (as LookupEvents spells it) with `value`.
    pub fn parse(key: &str, value: &str) -> Result<Self, LookupKeyError> {
        let text = || value.to_owned();
        Ok(match key {
            "EventId" => Self::EventId(text()),
            "EventName" => Self::EventName(text()),
            "EventSource" => Self::EventSource(text()),
            "Username" => Self::Username(text()),
            "AccessKeyId" => Self::AccessKeyId(text()),
            "ResourceType" => Self::ResourceType(text()),
            "ResourceName" => Self::ResourceName(text()),
            "ReadOnly" => match value {
                "true" => Self::ReadOnly(true),
                "false" => Self::ReadOnly(false),
                _ => return Err(LookupKeyError::ReadOnlyNotBoolean),
            },
            other => return Err(LookupKeyError::UnknownKey(other.to_owned())),
        })
    }

    /// Whether `event` has this attribute value (a resource attribute: any of its resources).
    pub fn matches(&self, event: &EventRow) -> bool {
        let resource = |part: fn(&(String, String)) -> &String, value: &String| {
            event.resources.iter().any(|r| part(r) == value)
        };
        match self {
            Self::EventId(v) => &event.event_id == v,
            Self::EventName(v) => &event.event_name == v,
            Self::EventSource(v) => &event.event_source == v,
            Self::Username(v) => event.username.as_ref() == Some(v),
            Self::AccessKeyId(v) => event.access_key_id.as_ref() == Some(v),
            Self::ReadOnly(v) => event.read_only == *v,
            Self::ResourceType(v) => resource(|r| &r.0, v),
            Self::ResourceName(v) => resource(|r| &r.1, v),
        }
    }
}

/// An Event history query: newest first, bounded by time and a position cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    /// Account whose events are searched.
    pub account_id: String,
    /// Region whose events are searched.
    pub region: String,
    /// Optional attribute filter.
    pub key: Option<LookupKey>,
    /// Inclusive lower bound on `eventTime`, in ms.
    pub start_ms: i64,
    /// Inclusive upper bound on `eventTime`, in ms.
    pub end_ms: i64,
    /// Only events strictly older than this position (event time ms, seq), for paging.
    pub before: Option<(i64, i64)>,
    /// `eventCategory` to return.
    pub category: String,
    /// Maximum number of rows.
    pub limit: usize,
}
