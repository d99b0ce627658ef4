//! The stored trail (`ct_trail`) and its status (`ct_trail_status`), and how a stored trail is
//! shown on the wire. The document shapes are described in the [module doc](super); keep them
//! stable, other parts (the delivery worker, the console) read them.

use serde::{Deserialize, Serialize};
use trailroom_model::cloudtrail::{Trail, TrailInfo};
use trailroom_store::{Doc, StoreResult};

use super::selectors::SelectorSet;

/// Document kind of [`TrailRecord`]s.
pub const TRAIL_KIND: &str = "ct_trail";
/// Document kind of [`TrailStatus`]es.
pub const STATUS_KIND: &str = "ct_trail_status";
/// Document kind of [`DeletedTrail`]s.
pub const DELETED_KIND: &str = "ct_deleted_trail";

/// A trail as stored: one document per trail, in its home region only. Shadow trails are not
/// stored; a multi-region trail is simply visible from every region (see [`Self::visible_in`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrailRecord {
    /// Trail name, unique per account in every region where the trail is visible.
    pub name: String,
    /// `arn:aws:cloudtrail:<home region>:<account>:trail/<name>`; also the document id.
    #[serde(rename = "TrailARN")]
    pub trail_arn: String,
    /// Owning account (the document's account).
    pub account_id: String,
    /// Region the trail was created in.
    pub home_region: String,
    /// Destination bucket.
    pub s3_bucket_name: String,
    /// Key prefix, without a trailing slash; `None` when unset.
    #[serde(default)]
    pub s3_key_prefix: Option<String>,
    /// Full ARN of the notification topic, when set.
    #[serde(rename = "SnsTopicARN", default)]
    pub sns_topic_arn: Option<String>,
    /// Whether IAM/STS/CloudFront events are delivered.
    pub include_global_service_events: bool,
    /// Whether the trail logs every region.
    pub is_multi_region_trail: bool,
    /// Whether hourly digests are written.
    pub log_file_validation_enabled: bool,
    /// CloudWatch Logs log group ARN (stored and reflected; nothing is sent there).
    #[serde(default)]
    pub cloud_watch_logs_log_group_arn: Option<String>,
    /// CloudWatch Logs role ARN (stored and reflected).
    #[serde(default)]
    pub cloud_watch_logs_role_arn: Option<String>,
    /// Full KMS key (or alias) ARN for SSE-KMS of log files; `None` means SSE-S3.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// `false` suppresses events caused by CloudTrail's own deliveries.
    #[serde(default = "yes")]
    pub recursive_logging: bool,
    /// What the trail logs. New trails: all management events, read and write.
    pub event_selectors: SelectorSet,
    /// Whether PutEventSelectors was ever called (`HasCustomEventSelectors`).
    #[serde(default)]
    pub has_custom_event_selectors: bool,
    /// Insights types turned on; empty when Insights is off.
    #[serde(default)]
    pub insight_selectors: Vec<InsightSelectorRecord>,
    /// Tags in the order they were first added.
    #[serde(default)]
    pub tags: Vec<TagRecord>,
    /// The bucket was one of the configured external buckets at the last CreateTrail or
    /// UpdateTrail (delivered to the external S3-compatible endpoint, not a local bucket).
    #[serde(default)]
    pub external_bucket: bool,
    /// An organization trail: owned by the organization's management account, it receives every
    /// account's events of the organization.
    #[serde(default)]
    pub is_organization_trail: bool,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// Last configuration change, ms since the epoch.
    pub updated_ms: i64,
    /// This incarnation of the trail's ARN: a trail deleted and created again under the same
    /// name is a new incarnation, delivered from its own position with its own digest chains.
    /// Empty for trails stored before incarnations existed.
    #[serde(default)]
    pub incarnation: String,
    /// The trail's earlier event scopes, oldest first, each with the last event position it
    /// decided: an event is judged by the scope in effect when it was recorded. Entries the
    /// delivery worker has passed are dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope_history: Vec<PastScope>,
    /// Aggregated data event templates (PutEventConfiguration), delivered under
    /// `CloudTrail-Aggregated/`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aggregation_templates: Vec<String>,
}

/// What decides whether a trail takes an event, besides its account and home region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventScope {
    /// Every account of the organization.
    pub is_organization_trail: bool,
    /// Every region.
    pub is_multi_region_trail: bool,
    /// IAM, STS (global endpoint), CloudFront, … events.
    pub include_global_service_events: bool,
    /// The selectors.
    pub event_selectors: SelectorSet,
}

/// A scope the trail had, and the last event position it decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PastScope {
    /// Events up to this position were judged by `scope`.
    pub until_seq: i64,
    /// The scope.
    pub scope: EventScope,
}

fn yes() -> bool {
    true
}

/// One Insights type and the event categories it analyses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InsightSelectorRecord {
    /// `ApiCallRateInsight` or `ApiErrorRateInsight`.
    pub insight_type: String,
    /// `Management` and/or `Data`; empty when the caller gave none.
    #[serde(default)]
    pub event_categories: Vec<String>,
}

/// A tag; the value is `None` when added without one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagRecord {
    /// Key, 1–128 characters.
    pub key: String,
    /// Value, up to 256 characters.
    #[serde(default)]
    pub value: Option<String>,
}

impl TrailRecord {
    /// The current event scope.
    pub fn scope(&self) -> EventScope {
        EventScope {
            is_organization_trail: self.is_organization_trail,
            is_multi_region_trail: self.is_multi_region_trail,
            include_global_service_events: self.include_global_service_events,
            event_selectors: self.event_selectors.clone(),
        }
    }

    /// The scope that decides the event at position `seq`.
    pub fn scope_at(&self, seq: i64) -> EventScope {
        self.scope_history
            .iter()
            .find(|past| seq <= past.until_seq)
            .map_or_else(|| self.scope(), |past| past.scope.clone())
    }

    /// After a change of configuration: keeps `before` as the scope of events up to
    /// `last_seq` (the newest position before the changing call's own event) when it differs.
    pub fn remember_scope(&mut self, before: EventScope, last_seq: i64) {
        if before == self.scope()
            || self
                .scope_history
                .last()
                .is_some_and(|past| past.until_seq >= last_seq)
        {
            return;
        }
        self.scope_history.push(PastScope {
            until_seq: last_seq,
            scope: before,
        });
    }

    /// Drops the scopes of events up to `seq` (delivered, so never judged again).
    pub fn forget_scopes_through(&mut self, seq: i64) -> bool {
        let before = self.scope_history.len();
        self.scope_history.retain(|past| past.until_seq > seq);
        self.scope_history.len() != before
    }

    /// The key of this incarnation's delivery state: the ARN for trails stored before
    /// incarnations, else `<ARN>#<incarnation>`.
    pub fn delivery_key(&self) -> String {
        match self.incarnation.is_empty() {
            true => self.trail_arn.clone(),
            false => format!("{}#{}", self.trail_arn, self.incarnation),
        }
    }

    /// Whether the trail shows up in `region`: its home region, or anywhere when multi-region.
    pub fn visible_in(&self, region: &str) -> bool {
        self.is_multi_region_trail || self.home_region == region
    }

    /// Whether the trail is a shadow (a multi-region trail seen outside its home) in `region`.
    pub fn is_shadow_in(&self, region: &str) -> bool {
        self.home_region != region
    }

    /// The unique document name: trail names are unique per home region.
    pub fn doc_name(&self) -> String {
        doc_name(&self.home_region, &self.name)
    }

    /// The stored document.
    pub fn to_doc(&self) -> StoreResult<Doc> {
        Ok(
            Doc::new(&self.account_id, TRAIL_KIND, &self.trail_arn, self)?
                .with_name(self.doc_name()),
        )
    }

    /// The topic name (last ARN segment), for the deprecated `SnsTopicName` member.
    pub fn sns_topic_name(&self) -> Option<String> {
        let arn = self.sns_topic_arn.as_deref()?;
        arn.rsplit(':').next().map(str::to_owned)
    }

    /// The wire `Trail`: string members only when set.
    pub fn to_wire(&self) -> Trail {
        Trail {
            name: Some(self.name.clone()),
            s3_bucket_name: Some(self.s3_bucket_name.clone()),
            s3_key_prefix: self.s3_key_prefix.clone(),
            sns_topic_name: self.sns_topic_name(),
            sns_topic_arn: self.sns_topic_arn.clone(),
            include_global_service_events: Some(self.include_global_service_events),
            is_multi_region_trail: Some(self.is_multi_region_trail),
            home_region: Some(self.home_region.clone()),
            trail_arn: Some(self.trail_arn.clone()),
            log_file_validation_enabled: Some(self.log_file_validation_enabled),
            cloud_watch_logs_log_group_arn: self.cloud_watch_logs_log_group_arn.clone(),
            cloud_watch_logs_role_arn: self.cloud_watch_logs_role_arn.clone(),
            kms_key_id: self.kms_key_id.clone(),
            has_custom_event_selectors: Some(self.has_custom_event_selectors),
            has_insight_selectors: Some(!self.insight_selectors.is_empty()),
            is_organization_trail: Some(self.is_organization_trail),
            recursive_logging: Some(self.recursive_logging),
        }
    }

    /// The `ListTrails` entry.
    pub fn info(&self) -> TrailInfo {
        TrailInfo {
            trail_arn: Some(self.trail_arn.clone()),
            name: Some(self.name.clone()),
            home_region: Some(self.home_region.clone()),
        }
    }
}

/// The unique document name of trail `name` homed in `region`.
pub(crate) fn doc_name(region: &str, name: &str) -> String {
    format!("{region}/{name}")
}

/// Logging state and delivery outcomes of one trail (document id = trail ARN, account = owner).
///
/// Times are ms since the epoch. An `…Error` field holds the error of the latest failed attempt
/// and is cleared by the next success; `Latest…Ms` (without "Attempt") is the latest success.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TrailStatus {
    /// The trail this status belongs to.
    #[serde(rename = "TrailARN")]
    pub trail_arn: String,
    /// The trail's incarnation ([`TrailRecord::incarnation`]).
    pub incarnation: String,
    /// Every logging window, oldest first: StartLogging opens one, StopLogging and DeleteTrail
    /// close it at their own event. Kept as a history, never rewritten.
    pub windows: Vec<LoggingWindow>,
    /// Whether the trail is logging (new trails are not, until StartLogging).
    pub is_logging: bool,
    /// Latest StartLogging.
    pub start_logging_ms: Option<i64>,
    /// Older versions: the position of the newest stored event at the latest StartLogging (the
    /// only window they kept). Read, never written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_logging_seq: Option<i64>,
    /// Latest StopLogging.
    pub stop_logging_ms: Option<i64>,
    /// Latest successful log file delivery.
    pub latest_delivery_ms: Option<i64>,
    /// Latest log file delivery attempt, successful or not.
    pub latest_delivery_attempt_ms: Option<i64>,
    /// Error (S3 error code or message) of the latest failed log delivery.
    pub latest_delivery_error: Option<String>,
    /// Latest successful digest delivery.
    pub latest_digest_delivery_ms: Option<i64>,
    /// Latest digest delivery attempt.
    pub latest_digest_delivery_attempt_ms: Option<i64>,
    /// Error of the latest failed digest delivery.
    pub latest_digest_delivery_error: Option<String>,
    /// Latest successful SNS notification.
    pub latest_notification_ms: Option<i64>,
    /// Latest notification attempt.
    pub latest_notification_attempt_ms: Option<i64>,
    /// Error (SNS error code or message) of the latest failed notification.
    pub latest_notification_error: Option<String>,
    /// Latest CloudWatch Logs delivery (never set: nothing is sent to CloudWatch Logs).
    pub latest_cloud_watch_logs_delivery_ms: Option<i64>,
    /// Latest CloudWatch Logs delivery error (never set).
    pub latest_cloud_watch_logs_delivery_error: Option<String>,
}

/// One period of logging.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingWindow {
    /// When StartLogging ran, ms.
    pub started_ms: i64,
    /// The newest event position before StartLogging's own event: the window holds later ones.
    pub after_seq: i64,
    /// When logging stopped, ms; `None` while logging.
    pub stopped_ms: Option<i64>,
    /// The stopping call's own event position, the window's last; `None` while logging (and for
    /// windows of older versions, which ended at `stopped_ms` only).
    pub upto_seq: Option<i64>,
}

impl TrailStatus {
    /// A new trail's status: not logging, nothing delivered.
    pub fn new(trail: &TrailRecord) -> Self {
        Self {
            trail_arn: trail.trail_arn.clone(),
            incarnation: trail.incarnation.clone(),
            ..Self::default()
        }
    }

    /// The logging windows, as stored or, for a status of an older version, the one window it
    /// describes.
    pub fn logging_windows(&self) -> Vec<LoggingWindow> {
        if !self.windows.is_empty() {
            return self.windows.clone();
        }
        let Some(started_ms) = self.start_logging_ms else {
            return Vec::new();
        };
        vec![LoggingWindow {
            started_ms,
            after_seq: self.start_logging_seq.unwrap_or_default(),
            stopped_ms: (!self.is_logging).then_some(self.stop_logging_ms).flatten(),
            upto_seq: None,
        }]
    }

    /// Starts logging at `now_ms` after position `last_seq`.
    pub fn start(&mut self, now_ms: i64, last_seq: i64) {
        self.windows = self.logging_windows();
        self.windows.push(LoggingWindow {
            started_ms: now_ms,
            after_seq: last_seq,
            stopped_ms: None,
            upto_seq: None,
        });
        self.is_logging = true;
        self.start_logging_ms = Some(now_ms);
        self.start_logging_seq = None;
    }

    /// Stops logging at `now_ms`; [`Self::close_window`] then ends the window at the stopping
    /// call's own event.
    pub fn stop(&mut self, now_ms: i64) {
        self.windows = self.logging_windows();
        self.is_logging = false;
        self.stop_logging_ms = Some(now_ms);
        self.start_logging_seq = None;
    }

    /// Ends the open window at `now_ms` and position `seq`.
    pub fn close_window(&mut self, now_ms: i64, seq: i64) {
        if let Some(window) = self.windows.last_mut()
            && window.stopped_ms.is_none()
        {
            window.stopped_ms = Some(now_ms);
            window.upto_seq = Some(seq);
        }
    }

    /// The stored document (`account` owns the trail).
    pub fn to_doc(&self, account: &str) -> StoreResult<Doc> {
        Doc::new(account, STATUS_KIND, &self.trail_arn, self)
    }
}

/// What is left of a deleted trail that had logged, so the delivery worker can deliver the
/// events recorded before the deletion and the final digest, then forget it (document id =
/// `<trail ARN>#<deleted ms>`, account = owner).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeletedTrail {
    /// The trail as it was.
    pub trail: TrailRecord,
    /// Its status as it was (`is_logging` tells whether it was still logging).
    pub status: TrailStatus,
    /// When DeleteTrail ran, ms since the epoch.
    pub deleted_ms: i64,
}

impl DeletedTrail {
    /// The document id: `<ARN>#<incarnation>` (`<ARN>#<deleted ms>` for trails stored before
    /// incarnations).
    pub fn id(&self) -> String {
        match self.trail.incarnation.is_empty() {
            true => format!("{}#{}", self.trail.trail_arn, self.deleted_ms),
            false => self.trail.delivery_key(),
        }
    }

    /// The stored document.
    pub fn to_doc(&self) -> StoreResult<Doc> {
        Doc::new(&self.trail.account_id, DELETED_KIND, &self.id(), self)
    }
}
