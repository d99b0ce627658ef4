//! The stored device and its state machine (a4b.md §2.6): status, connection status, status
//! details and the event history ListDeviceEvents reads.
//!
//! A device is stored under its ARN with its room as parent (so a room's devices are its
//! children); device names are not unique.

use serde::{Deserialize, Serialize};
use trailroom_model::Timestamp;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

use crate::arn::ResourceType;
use crate::support::errors::limit_exceeded;
use crate::support::records::Record;
use crate::support::records::{self, Keys};

pub(crate) const TYPE: ResourceType = ResourceType::Device;
/// Devices per room [AG quotas].
pub(crate) const ROOM_CAPACITY: usize = 10;
/// ListDeviceEvents covers the last 30 days.
pub(crate) const EVENT_RETENTION_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// Events kept per device, newest last, so a chatty device's record stays small.
pub(crate) const MAX_EVENTS: usize = 1000;

pub(crate) const READY: &str = "READY";
pub(crate) const WAS_OFFLINE: &str = "WAS_OFFLINE";
pub(crate) const DEREGISTERED: &str = "DEREGISTERED";
pub(crate) const ONLINE: &str = "ONLINE";
pub(crate) const OFFLINE: &str = "OFFLINE";
pub(crate) const DEVICE_STATUS: &str = "DEVICE_STATUS";
pub(crate) const CONNECTION_STATUS: &str = "CONNECTION_STATUS";
/// The detail code of a change the device missed while offline.
pub(crate) const DEVICE_WAS_OFFLINE: &str = "DEVICE_WAS_OFFLINE";

/// The model's `DeviceStatus` values.
pub(crate) const STATUSES: &[&str] = &["READY", "PENDING", "WAS_OFFLINE", "DEREGISTERED", "FAILED"];
/// The model's `Feature` values.
pub(crate) const FEATURES: &[&str] = &[
    "BLUETOOTH",
    "VOLUME",
    "NOTIFICATIONS",
    "LISTS",
    "SKILLS",
    "NETWORK_PROFILE",
    "SETTINGS",
    "ALL",
];
/// The model's `DeviceStatusDetailCode` values.
pub(crate) const DETAIL_CODES: &[&str] = &[
    "DEVICE_SOFTWARE_UPDATE_NEEDED",
    "DEVICE_WAS_OFFLINE",
    "CREDENTIALS_ACCESS_FAILURE",
    "TLS_VERSION_MISMATCH",
    "ASSOCIATION_REJECTION",
    "AUTHENTICATION_FAILURE",
    "DHCP_FAILURE",
    "INTERNET_UNAVAILABLE",
    "DNS_FAILURE",
    "UNKNOWN_FAILURE",
    "CERTIFICATE_ISSUING_LIMIT_EXCEEDED",
    "INVALID_CERTIFICATE_AUTHORITY",
    "NETWORK_PROFILE_NOT_FOUND",
    "INVALID_PASSWORD_STATE",
    "PASSWORD_NOT_FOUND",
    "PASSWORD_MANAGER_ACCESS_DENIED",
    "CERTIFICATE_AUTHORITY_ACCESS_DENIED",
];

/// A stored device: the model's `Device` plus what only the emulator needs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct DeviceRecord {
    /// The device as GetDevice returns it.
    #[serde(flatten)]
    pub device: Device,
    /// When the device joined the organization (SearchDevices' `CreatedTime`).
    #[serde(rename = "CreatedTime")]
    pub created_time: Timestamp,
    /// The Alexa user id (`amzn1.ask.account.…`) ResolveRoom maps to this device.
    #[serde(
        rename = "AlexaUserId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub alexa_user_id: Option<String>,
    /// `<ProductId>:<AmazonId>:<DSN>` of an AVS device registered with a serial number, so that
    /// registering it again finds it.
    #[serde(
        rename = "RegistrationKey",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub registration_key: Option<String>,
    /// Status and connection events, oldest first.
    #[serde(rename = "Events", default)]
    pub events: Vec<DeviceEvent>,
    /// Last DeleteDeviceUsageData, ms since the epoch.
    #[serde(
        rename = "UsageDataDeletedAt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub usage_data_deleted_ms: Option<i64>,
}

impl DeviceRecord {
    /// A device that just joined: READY, with the given connection status, both recorded as events.
    pub fn joined(device: Device, connection: &str, now_ms: i64) -> Self {
        let mut record = Self {
            device,
            created_time: Timestamp::from_epoch_millis(now_ms),
            ..Self::default()
        };
        record.device.device_status = Some(READY.to_owned());
        record.push_event(DEVICE_STATUS, READY, now_ms);
        record.device.device_status_info = Some(DeviceStatusInfo {
            device_status_details: Some(Vec::new()),
            connection_status: Some(connection.to_owned()),
            connection_status_updated_time: Some(Timestamp::from_epoch_millis(now_ms)),
        });
        record.push_event(CONNECTION_STATUS, connection, now_ms);
        record
    }

    pub fn arn(&self) -> &str {
        self.device.device_arn.as_deref().unwrap_or_default()
    }

    pub fn room(&self) -> Option<&str> {
        self.device.room_arn.as_deref()
    }

    pub fn status(&self) -> &str {
        self.device.device_status.as_deref().unwrap_or(READY)
    }

    pub fn connection(&self) -> &str {
        self.device
            .device_status_info
            .as_ref()
            .and_then(|i| i.connection_status.as_deref())
            .unwrap_or(OFFLINE)
    }

    pub fn is_registered(&self) -> bool {
        self.status() != DEREGISTERED
    }

    /// `DeviceNotRegisteredException` for a deregistered (reset) device.
    pub fn ensure_registered(&self) -> Result<(), ApiError> {
        if self.is_registered() {
            Ok(())
        } else {
            Err(ApiError::client(
                "DeviceNotRegisteredException",
                format!("The device {} is not registered.", self.arn()),
            ))
        }
    }

    fn info_mut(&mut self) -> &mut DeviceStatusInfo {
        self.device
            .device_status_info
            .get_or_insert_with(DeviceStatusInfo::default)
    }

    fn details_mut(&mut self) -> &mut Vec<DeviceStatusDetail> {
        self.info_mut()
            .device_status_details
            .get_or_insert_with(Vec::new)
    }

    /// Appends an event, dropping those older than the retention window or beyond the cap.
    pub fn push_event(&mut self, kind: &str, value: &str, at_ms: i64) {
        self.events.push(DeviceEvent {
            type_: Some(kind.to_owned()),
            value: Some(value.to_owned()),
            timestamp: Some(Timestamp::from_epoch_millis(at_ms)),
        });
        self.prune_events(at_ms);
    }

    fn prune_events(&mut self, now_ms: i64) {
        let cutoff = now_ms - EVENT_RETENTION_MS;
        self.events
            .retain(|e| e.timestamp.is_some_and(|t| t.epoch_millis() >= cutoff));
        let excess = self.events.len().saturating_sub(MAX_EVENTS);
        self.events.drain(..excess);
    }

    /// Sets the status and its details; a changed status is recorded as an event.
    pub fn set_status(&mut self, status: &str, details: Vec<DeviceStatusDetail>, now_ms: i64) {
        let changed = self.status() != status;
        self.device.device_status = Some(status.to_owned());
        *self.details_mut() = details;
        if changed {
            self.push_event(DEVICE_STATUS, status, now_ms);
        }
    }

    /// Sets the connection status; a change updates its time and is recorded as an event.
    /// Coming back online does not sync by itself: a WAS_OFFLINE device waits for StartDeviceSync.
    pub fn set_connection(&mut self, connection: &str, now_ms: i64) {
        if self.connection() == connection && self.device.device_status_info.is_some() {
            return;
        }
        let info = self.info_mut();
        info.connection_status = Some(connection.to_owned());
        info.connection_status_updated_time = Some(Timestamp::from_epoch_millis(now_ms));
        self.push_event(CONNECTION_STATUS, connection, now_ms);
    }

    /// A setting of `feature` (room, profile, network) was changed for the device. An online
    /// device applies it at once; an offline one misses it and needs a sync (WAS_OFFLINE with a
    /// `DEVICE_WAS_OFFLINE` detail for the feature).
    pub fn settings_changed(&mut self, feature: &str, now_ms: i64) {
        if !self.is_registered() || self.connection() == ONLINE {
            return;
        }
        let mut details = self.details_mut().clone();
        let missed = DeviceStatusDetail {
            feature: Some(feature.to_owned()),
            code: Some(DEVICE_WAS_OFFLINE.to_owned()),
        };
        if !details.contains(&missed) {
            details.push(missed);
        }
        self.set_status(WAS_OFFLINE, details, now_ms);
    }

    /// StartDeviceSync of `features`. Online: the details of those features are resolved and the
    /// device is READY once none remain. Offline: each feature is marked missed (WAS_OFFLINE).
    /// Either way the attempt is recorded as a status event.
    pub fn sync(&mut self, features: &[String], now_ms: i64) {
        let all = features.iter().any(|f| f == "ALL");
        let mut details = self.details_mut().clone();
        let status = if self.connection() == ONLINE {
            details.retain(|d| !all && !features.iter().any(|f| d.feature.as_ref() == Some(f)));
            if details.is_empty() {
                READY.to_owned()
            } else {
                self.status().to_owned()
            }
        } else {
            for feature in features {
                let missed = DeviceStatusDetail {
                    feature: Some(feature.clone()),
                    code: Some(DEVICE_WAS_OFFLINE.to_owned()),
                };
                if !details.contains(&missed) {
                    details.push(missed);
                }
            }
            WAS_OFFLINE.to_owned()
        };
        let changed = self.status() != status;
        self.set_status(&status, details, now_ms);
        if !changed {
            self.push_event(DEVICE_STATUS, &status, now_ms);
        }
    }

    /// Moves the device to `room` (or out of any room).
    pub fn move_to_room(&mut self, room: Option<String>, now_ms: i64) {
        if self.device.room_arn == room {
            return;
        }
        self.device.room_arn = room;
        self.settings_changed("SETTINGS", now_ms);
    }

    /// Events of the last 30 days before `now_ms`, newest first, optionally of one type.
    pub fn recent_events(&self, event_type: Option<&str>, now_ms: i64) -> Vec<DeviceEvent> {
        let cutoff = now_ms - EVENT_RETENTION_MS;
        let mut events: Vec<DeviceEvent> = self
            .events
            .iter()
            .rev()
            .filter(|e| e.timestamp.is_some_and(|t| t.epoch_millis() >= cutoff))
            .filter(|e| event_type.is_none_or(|t| e.type_.as_deref() == Some(t)))
            .cloned()
            .collect();
        // Stable: events with the same time stay newest-recorded first.
        events.sort_by_key(|e| std::cmp::Reverse(e.timestamp));
        events
    }
}

/// The devices in `room`.
pub(crate) fn in_room(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
    room: &str,
) -> Result<Vec<DeviceRecord>, ApiError> {
    records::children(txn, account, TYPE, room)
}

/// LimitExceeded when `room` already holds [`ROOM_CAPACITY`] devices other than `device_arn`.
pub(crate) fn check_room_capacity(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
    room: &str,
    device_arn: &str,
) -> Result<(), ApiError> {
    let others = in_room(txn, account, room)?
        .iter()
        .filter(|d| d.arn() != device_arn)
        .count();
    if others >= ROOM_CAPACITY {
        return Err(limit_exceeded("devices in a room", ROOM_CAPACITY));
    }
    Ok(())
}

/// Device certificates issued for WPA2 Enterprise profiles last a year (a4b.md §7.8).
pub(crate) const CERTIFICATE_LIFETIME_MS: i64 = 365 * 24 * 60 * 60 * 1000;

/// A device's view of `profile`: WPA2 Enterprise profiles issue it a certificate under their CA.
pub(crate) fn network_profile_info(
    profile: &NetworkProfile,
    now_ms: i64,
) -> DeviceNetworkProfileInfo {
    let certificate = crate::records::network_profiles::is_enterprise(profile)
        .then_some(profile.certificate_authority_arn.as_deref())
        .flatten();
    DeviceNetworkProfileInfo {
        network_profile_arn: profile.network_profile_arn.clone(),
        certificate_arn: certificate
            .map(|ca| format!("{ca}/certificate/{}", uuid::Uuid::new_v4().simple())),
        certificate_expiration_time: certificate
            .map(|_| Timestamp::from_epoch_millis(now_ms + CERTIFICATE_LIFETIME_MS)),
    }
}

/// Unassigns every device of a deleted room (a4b.md §2.3): they stay registered, without room.
pub(crate) fn detach_room(
    tx: &mut dyn trailroom_store::WriteTxn,
    account: &str,
    room_arn: &str,
) -> Result<(), ApiError> {
    for mut record in in_room(tx, account, room_arn)? {
        // Losing a deleted room changes nothing the device must apply, so its status stays.
        record.device.room_arn = None;
        record.save(tx, account)?;
    }
    Ok(())
}

/// The room of the device an Alexa user id (`amzn1.ask.account.…`) is mapped to, for ResolveRoom.
pub(crate) fn room_of_alexa_user(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
    user_id: &str,
) -> Result<Option<String>, ApiError> {
    let devices = DeviceRecord::all(txn, account)?;
    let device = devices
        .into_iter()
        .find(|d| d.is_registered() && d.alexa_user_id.as_deref() == Some(user_id));
    Ok(device.and_then(|d| d.device.room_arn))
}

/// How many devices use the network profile at `arn` (DeleteNetworkProfile refuses while any do).
pub(crate) fn devices_using_network_profile(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
    arn: &str,
) -> Result<usize, ApiError> {
    Ok(DeviceRecord::all(txn, account)?
        .iter()
        .filter(|d| uses_network_profile(d, arn))
        .count())
}

pub(crate) fn uses_network_profile(record: &DeviceRecord, arn: &str) -> bool {
    let info = record.device.network_profile_info.as_ref();
    info.and_then(|i| i.network_profile_arn.as_deref()) == Some(arn)
}

/// Pushes a changed network profile to its devices: offline ones miss it (WAS_OFFLINE); a new
/// certificate authority reissues the device certificates.
pub(crate) fn network_profile_changed(
    tx: &mut dyn trailroom_store::WriteTxn,
    account: &str,
    profile: &NetworkProfile,
    certificate_authority_changed: bool,
    now_ms: i64,
) -> Result<(), ApiError> {
    let arn = profile.network_profile_arn.as_deref().unwrap_or_default();
    for mut record in DeviceRecord::all(tx, account)?
        .into_iter()
        .filter(|d| uses_network_profile(d, arn))
    {
        if certificate_authority_changed {
            record.device.network_profile_info = Some(network_profile_info(profile, now_ms));
        }
        record.settings_changed("NETWORK_PROFILE", now_ms);
        record.save(tx, account)?;
    }
    Ok(())
}

impl Record for DeviceRecord {
    const TYPE: ResourceType = TYPE;
    const LABEL: &'static str = "device";

    fn record_arn(&self) -> String {
        self.arn().to_owned()
    }

    fn keys(&self) -> Keys<'_> {
        Keys {
            name: None,
            parent: self.room(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000;

    fn device(connection: &str) -> DeviceRecord {
        let device = Device {
            device_arn: Some("arn".into()),
            ..Device::default()
        };
        DeviceRecord::joined(device, connection, T0)
    }

    fn codes(record: &DeviceRecord) -> Vec<(String, String)> {
        let details = record
            .device
            .device_status_info
            .as_ref()
            .and_then(|i| i.device_status_details.clone());
        details
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.feature.unwrap_or_default(), d.code.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn joining_records_status_and_connection_events() {
        let record = device(ONLINE);
        assert_eq!(record.status(), READY);
        let events = record.recent_events(None, T0);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].type_.as_deref(), Some(CONNECTION_STATUS));
        assert_eq!(record.recent_events(Some(DEVICE_STATUS), T0).len(), 1);
    }

    #[test]
    fn changes_while_offline_need_a_sync() {
        let mut record = device(OFFLINE);
        record.move_to_room(Some("room".into()), T0 + 1);
        assert_eq!(record.status(), WAS_OFFLINE);
        assert_eq!(
            codes(&record),
            [("SETTINGS".to_owned(), DEVICE_WAS_OFFLINE.to_owned())]
        );
        // Reconnecting does not sync by itself.
        record.set_connection(ONLINE, T0 + 2);
        assert_eq!(record.status(), WAS_OFFLINE);
        record.sync(&["VOLUME".into()], T0 + 3);
        assert_eq!(record.status(), WAS_OFFLINE);
        record.sync(&["SETTINGS".into()], T0 + 4);
        assert_eq!(record.status(), READY);
        assert!(codes(&record).is_empty());
    }

    #[test]
    fn changes_while_online_apply_at_once() {
        let mut record = device(ONLINE);
        record.move_to_room(Some("room".into()), T0 + 1);
        assert_eq!(record.status(), READY);
        assert_eq!(record.recent_events(None, T0 + 1).len(), 2);
    }

    #[test]
    fn offline_sync_marks_each_feature_and_every_sync_is_an_event() {
        let mut record = device(OFFLINE);
        record.sync(&["VOLUME".into(), "LISTS".into()], T0 + 1);
        assert_eq!(record.status(), WAS_OFFLINE);
        assert_eq!(codes(&record).len(), 2);
        record.sync(&["VOLUME".into()], T0 + 2);
        assert_eq!(codes(&record).len(), 2);
        assert_eq!(record.recent_events(Some(DEVICE_STATUS), T0 + 2).len(), 3);
        record.set_connection(ONLINE, T0 + 3);
        record.sync(&["ALL".into()], T0 + 4);
        assert_eq!(record.status(), READY);
    }

    #[test]
    fn deregistered_devices_ignore_setting_changes() {
        let mut record = device(OFFLINE);
        record.set_status(DEREGISTERED, Vec::new(), T0 + 1);
        assert!(record.ensure_registered().is_err());
        record.move_to_room(Some("room".into()), T0 + 2);
        assert_eq!(record.status(), DEREGISTERED);
    }

    #[test]
    fn events_are_newest_first_and_limited_to_thirty_days() {
        let mut record = device(ONLINE);
        record.push_event(CONNECTION_STATUS, OFFLINE, T0 + 5);
        let later = T0 + EVENT_RETENTION_MS + 1;
        let events = record.recent_events(None, later);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].value.as_deref(), Some(OFFLINE));
        record.push_event(CONNECTION_STATUS, ONLINE, later);
        assert_eq!(record.events.len(), 2);
    }

    #[test]
    fn record_round_trips_through_json() {
        let mut record = device(ONLINE);
        record.alexa_user_id = Some("amzn1.ask.account.X".into());
        let json = serde_json::to_value(&record).unwrap();
        assert!(json.get("DeviceArn").is_some() && json.get("CreatedTime").is_some());
        let back: DeviceRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back.created_time, record.created_time);
        assert_eq!(back.events.len(), 2);
        assert_eq!(back.device, record.device);
    }
}
