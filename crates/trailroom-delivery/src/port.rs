//! What the worker needs from the outside, as narrow traits: which trails deliver and which
//! events they take ([`Trails`]), where files and notifications go ([`Sinks`]), and who signs
//! digests ([`DigestKeys`]). The server and CloudTrail implement them; tests use fakes.

use trailroom_store::{EventRow, ReadTxn, StoreError, WriteTxn};

use crate::digest::DigestKey;

/// A trail incarnation as delivery sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Trail ARN.
    pub trail_arn: String,
    /// Key of this incarnation's delivery state (cursor and digest chains). A trail deleted and
    /// created again under the same name has the same ARN and a new key.
    pub key: String,
    /// The [`Trails`] source's own id of the record behind this target (opaque here).
    pub origin: String,
    /// Trail name, for digest keys.
    pub trail_name: String,
    /// Home region, for digest keys.
    pub home_region: String,
    /// Account that owns the trail (and its delivery state documents).
    pub owner_account: String,
    /// Destination bucket.
    pub bucket: String,
    /// `S3KeyPrefix`.
    pub prefix: Option<String>,
    /// Organization id, for organization trails.
    pub org_id: Option<String>,
    /// Accounts whose events the trail may receive.
    pub accounts: Vec<String>,
    /// Regions that get a digest every period even without log files.
    pub regions: Vec<String>,
    /// Topic notified of each file.
    pub sns_topic_arn: Option<String>,
    /// Whether digests are written (log file validation).
    pub digests: bool,
    /// Every logging window of this incarnation, oldest first (a history: windows are only ever
    /// appended, and the last one closed).
    pub windows: Vec<Window>,
    /// When the trail was deleted, ms: once every window is finished it is forgotten.
    pub deleted_ms: Option<i64>,
    /// Aggregated data event templates (`API_ACTIVITY`, …); none: no aggregated events.
    pub aggregation: Vec<String>,
}

/// One period of logging: from StartLogging to StopLogging (or DeleteTrail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// When logging started, ms: the start of the window's first digest period.
    pub started_ms: i64,
    /// The newest event position when logging started: the window holds later events only.
    pub after_seq: i64,
    /// Where the window ends; `None` while logging.
    pub end: Option<WindowEnd>,
}

/// Where a logging window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowEnd {
    /// At the position of the stopping call's own event, which the window holds.
    AtEvent {
        /// When logging stopped, ms.
        stopped_ms: i64,
        /// The stopping call's event position.
        upto_seq: i64,
    },
    /// At a time only (windows stopped before positions were kept): events up to `stopped_ms`,
    /// once calls in flight at the stop had time to be stored.
    AtTime {
        /// When logging stopped, ms.
        stopped_ms: i64,
    },
}

impl WindowEnd {
    /// When logging stopped, ms.
    pub fn stopped_ms(&self) -> i64 {
        match *self {
            WindowEnd::AtEvent { stopped_ms, .. } | WindowEnd::AtTime { stopped_ms } => stopped_ms,
        }
    }
}

/// A trail's decision on one event (its selectors, regions and accounts as they were when the
/// event was recorded), made once per batch.
pub type Admission = Box<dyn Fn(&EventRow) -> bool + Send>;

/// A destination's refusal, with the S3/SNS error code GetTrailStatus reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SinkError {
    /// S3 or SNS error code (`NoSuchBucket`, `AccessDenied`, …).
    pub code: String,
    /// Details.
    pub message: String,
}

/// Where files and notifications go.
#[async_trait::async_trait]
pub trait Sinks: Send + Sync {
    /// Stores an object for `target` (its bucket) with `x-amz-meta-*` `metadata`.
    async fn put(
        &self,
        target: &Target,
        key: &str,
        body: Vec<u8>,
        metadata: &[(String, String)],
    ) -> Result<(), SinkError>;
    /// Publishes `message` to `topic_arn` on behalf of `target`.
    async fn notify(
        &self,
        target: &Target,
        topic_arn: &str,
        message: String,
    ) -> Result<(), SinkError>;
}

/// What a delivery attempt was, for the trail's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Log files: on success, the events up to `upto_seq` are done with (`files` were written,
    /// possibly none when the trail admitted none of them).
    LogFiles {
        /// The delivery position reached.
        upto_seq: i64,
        /// Files written.
        files: usize,
    },
    /// A digest file.
    Digest,
    /// An SNS notification.
    Notification,
}

/// Which trails log, which events they take, and where their status goes.
pub trait Trails: Send + Sync {
    /// Every trail that logs, logged and stopped, or was deleted while deliveries were owed.
    fn targets(&self, txn: &dyn ReadTxn) -> Result<Vec<Target>, StoreError>;
    /// How `target` decides which events it takes.
    fn admission(&self, txn: &dyn ReadTxn, target: &Target) -> Result<Admission, StoreError>;
    /// Drops a deleted trail that has been finished.
    fn forget(&self, tx: &mut dyn WriteTxn, target: &Target) -> Result<(), StoreError>;
    /// Records an attempt's outcome at `now_ms` (`Err` holds the destination's error code).
    fn record(
        &self,
        tx: &mut dyn WriteTxn,
        target: &Target,
        now_ms: i64,
        attempt: Attempt,
        outcome: Result<(), &str>,
    ) -> Result<(), StoreError>;
}

/// Finds the key that signs an account's digests for a region (made when none is valid).
#[async_trait::async_trait]
pub trait DigestKeys: Send + Sync {
    /// The key signing `account`'s digests of `region` at `now_ms`.
    async fn key(
        &self,
        account: &str,
        region: &str,
        now_ms: i64,
    ) -> Result<Box<dyn DigestKey>, String>;
}
