//! The stored event data store and its wire forms.

use serde::{Deserialize, Serialize};
use trailroom_model::Timestamp;
use trailroom_model::cloudtrail::{AdvancedEventSelector, EventDataStore};
use trailroom_store::{Doc, StoreResult};

use super::enrich::ContextKeys;
use crate::trails::{AdvancedSelector, SelectorSet, TagRecord, selectors_to_wire};

/// The event category of events from outside AWS (channels, `PutAuditEvents`).
pub const ACTIVITY_AUDIT_LOG: &str = "ActivityAuditLog";

/// Document kind of event data stores.
pub const EDS_KIND: &str = "ct_event_data_store";
/// How long a deleted store waits in `PENDING_DELETION` before it is gone (AWS: 7 days).
pub const PENDING_DELETION_MS: i64 = 7 * 24 * 3600 * 1000;

/// Where a store is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EdsStatus {
    /// Created without ingestion.
    Created,
    /// Ingesting.
    Enabled,
    /// Ingestion stopped.
    StoppedIngestion,
    /// Deleted, restorable until the pending period ends.
    PendingDeletion,
}

impl EdsStatus {
    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "CREATED",
            Self::Enabled => "ENABLED",
            Self::StoppedIngestion => "STOPPED_INGESTION",
            Self::PendingDeletion => "PENDING_DELETION",
        }
    }
}

/// A span of positions a store ingests: after `AfterSeq`, through `UptoSeq` when closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IngestionWindow {
    /// The newest position before the window's first event.
    pub after_seq: i64,
    /// The position of the call that closed it.
    pub upto_seq: Option<i64>,
}

impl IngestionWindow {
    /// Whether the event at `seq` falls inside.
    pub fn holds(&self, seq: i64) -> bool {
        seq > self.after_seq && self.upto_seq.is_none_or(|upto| seq <= upto)
    }
}

/// An event data store (document `ct_event_data_store`: account = owner, id = ARN, name =
/// `<home region>/<name>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventDataStoreRecord {
    /// `Name`.
    pub name: String,
    /// `EventDataStoreArn`.
    pub arn: String,
    /// The id (the ARN's last part): the table name in queries.
    pub id: String,
    /// The owner.
    pub account_id: String,
    /// The region it was created in.
    pub home_region: String,
    /// `Status`.
    pub status: EdsStatus,
    /// The status to return to on RestoreEventDataStore.
    #[serde(default)]
    pub status_before_deletion: Option<EdsStatus>,
    /// `AdvancedEventSelectors`.
    pub selectors: Vec<AdvancedSelector>,
    /// `MultiRegionEnabled`.
    pub multi_region: bool,
    /// `OrganizationEnabled`.
    pub organization: bool,
    /// `RetentionPeriod`, days.
    pub retention_days: i32,
    /// `TerminationProtectionEnabled`.
    pub termination_protection: bool,
    /// `BillingMode`.
    pub billing_mode: String,
    /// `KmsKeyId`.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<TagRecord>,
    /// The resource policy (PutResourcePolicy), as written.
    #[serde(default)]
    pub resource_policy: Option<String>,
    /// `CreatedTimestamp`, ms.
    pub created_ms: i64,
    /// `UpdatedTimestamp`, ms.
    pub updated_ms: i64,
    /// When DeleteEventDataStore was called, ms.
    #[serde(default)]
    pub deleted_ms: Option<i64>,
    /// The ingestion history, oldest first.
    #[serde(default)]
    pub windows: Vec<IngestionWindow>,
    /// `FederationRoleArn` while Lake query federation is enabled.
    #[serde(default)]
    pub federation_role: Option<String>,
    /// `MaxEventSize` `Large` (PutEventConfiguration); `Standard` otherwise.
    #[serde(default)]
    pub large_events: bool,
    /// `ContextKeySelectors`: what each event gets in `eventContext` ([`super::enrich`]).
    #[serde(default)]
    pub context_keys: Vec<ContextKeys>,
}

impl EventDataStoreRecord {
    /// The stored document.
    pub fn to_doc(&self) -> StoreResult<Doc> {
        Ok(Doc::new(&self.account_id, EDS_KIND, &self.arn, self)?
            .with_name(format!("{}/{}", self.home_region, self.name)))
    }

    /// `FederationStatus`.
    pub fn federation_status(&self) -> &'static str {
        match self.federation_role {
            Some(_) => "ENABLED",
            None => "DISABLED",
        }
    }

    /// Whether the pending deletion period is over at `now_ms`: the store is gone.
    pub fn is_gone(&self, now_ms: i64) -> bool {
        self.status == EdsStatus::PendingDeletion
            && self
                .deleted_ms
                .is_some_and(|at| now_ms >= at + PENDING_DELETION_MS)
    }

    /// Opens an ingestion window after position `last_seq`.
    pub fn open_window(&mut self, last_seq: i64) {
        self.windows.push(IngestionWindow {
            after_seq: last_seq,
            upto_seq: None,
        });
    }

    /// Closes the open window at position `seq`.
    pub fn close_window(&mut self, seq: i64) {
        if let Some(window) = self.windows.last_mut()
            && window.upto_seq.is_none()
        {
            window.upto_seq = Some(seq);
        }
    }

    /// Whether an ingestion window holds position `seq`.
    pub fn ingests(&self, seq: i64) -> bool {
        self.windows.iter().any(|w| w.holds(seq))
    }

    /// Whether the store is made for events from outside AWS (`eventCategory` is
    /// `ActivityAuditLog`): channels deliver to it, the event log does not.
    pub fn takes_activity_audit_log(&self) -> bool {
        self.selectors.iter().any(|s| {
            s.field_selectors.iter().any(|f| {
                f.field == "eventCategory" && f.equals.iter().any(|c| c == ACTIVITY_AUDIT_LOG)
            })
        })
    }

    /// The selectors as the admission code reads them.
    pub fn selector_set(&self) -> SelectorSet {
        SelectorSet::Advanced(self.selectors.clone())
    }

    /// The selectors on the wire.
    pub fn wire_selectors(&self) -> Option<Vec<AdvancedEventSelector>> {
        selectors_to_wire(&self.selector_set()).1
    }

    /// The ListEventDataStores entry.
    pub fn to_list_entry(&self) -> EventDataStore {
        EventDataStore {
            event_data_store_arn: Some(self.arn.clone()),
            name: Some(self.name.clone()),
            ..EventDataStore::default()
        }
    }

    /// `CreatedTimestamp`.
    pub fn created(&self) -> Timestamp {
        Timestamp::from_epoch_millis(self.created_ms)
    }

    /// `UpdatedTimestamp`.
    pub fn updated(&self) -> Timestamp {
        Timestamp::from_epoch_millis(self.updated_ms)
    }
}

/// The ARN of store `id`.
pub fn eds_arn(region: &str, account: &str, id: &str) -> String {
    format!("arn:aws:cloudtrail:{region}:{account}:eventdatastore/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_hold_positions_after_their_start_through_their_end() {
        let mut record = EventDataStoreRecord {
            name: "s".into(),
            arn: eds_arn("us-east-1", "111122223333", "id"),
            id: "id".into(),
            account_id: "111122223333".into(),
            home_region: "us-east-1".into(),
            status: EdsStatus::Enabled,
            status_before_deletion: None,
            selectors: Vec::new(),
            multi_region: true,
            organization: false,
            retention_days: 7,
            termination_protection: false,
            billing_mode: "EXTENDABLE_RETENTION_PRICING".into(),
            kms_key_id: None,
            tags: Vec::new(),
            resource_policy: None,
            created_ms: 0,
            updated_ms: 0,
            deleted_ms: None,
            windows: Vec::new(),
            federation_role: None,
            large_events: false,
            context_keys: Vec::new(),
        };
        record.open_window(10);
        assert!(!record.ingests(10));
        assert!(record.ingests(11));
        record.close_window(20);
        assert!(record.ingests(20));
        assert!(!record.ingests(21));
        record.open_window(30);
        assert!(!record.ingests(25));
        assert!(record.ingests(1000));
        record.status = EdsStatus::PendingDeletion;
        record.deleted_ms = Some(5);
        assert!(!record.is_gone(5 + PENDING_DELETION_MS - 1));
        assert!(record.is_gone(5 + PENDING_DELETION_MS));
    }
}
