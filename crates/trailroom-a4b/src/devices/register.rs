//! RegisterAVSDevice: an OEM's Alexa Voice Service device joins the organization (a4b.md §2.6).
//! The device ARN carries the AVS device-type id as a `:<AmazonId>` suffix (a4b.md §1.1).

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

use crate::arn::new_arn;
use crate::records::devices::{DeviceRecord, ONLINE, READY, TYPE, check_room_capacity};
use crate::records::rooms::RoomRecord;
use crate::support::errors::limit_exceeded;
use crate::support::records::Record;
use crate::support::tags;

/// Devices per account [AG quotas].
const MAX_DEVICES: usize = 100_000;
/// A serial number chosen for devices registered without one.
const SERIAL_LENGTH: usize = 20;

pub(crate) async fn register_avs_device(
    ctx: &CallContext,
    input: RegisterAVSDeviceRequest,
) -> Result<RegisterAVSDeviceResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let now_ms = ctx.now_ms();
    let product_id = input.product_id.clone().unwrap_or_default();
    let amazon_id = input.amazon_id.clone().unwrap_or_default();
    let device_type = format!("{product_id}:{amazon_id}");
    let registration_key = input
        .device_serial_number
        .as_ref()
        .map(|dsn| format!("{device_type}:{dsn}"));
    let serial = input
        .device_serial_number
        .clone()
        .unwrap_or_else(random_serial);
    let arn = format!("{}:{amazon_id}", new_arn(TYPE, &account, ctx.region()));
    ctx.write(move |tx| {
        // Test hook (a4b.md §2.6): code-based linking rejects these user codes.
        if input
            .user_code
            .as_deref()
            .is_some_and(|code| code.starts_with("INVALID"))
        {
            return Err(ApiError::client(
                "InvalidDeviceException",
                "The device could not be registered: the user code is not valid.",
            ));
        }
        if let Some(room) = &input.room_arn {
            RoomRecord::require(tx, &account, room)?;
        }
        let devices = DeviceRecord::all(tx, &account)?;
        let known = registration_key.as_ref().and_then(|key| {
            devices
                .iter()
                .find(|d| d.registration_key.as_ref() == Some(key))
                .cloned()
        });
        if let Some(existing) = known {
            return reregister(tx, &account, existing, input.room_arn, now_ms);
        }
        if devices.len() >= MAX_DEVICES {
            return Err(limit_exceeded("devices", MAX_DEVICES));
        }
        if let Some(room) = &input.room_arn {
            check_room_capacity(tx, &account, room, &arn)?;
        }
        let name_suffix = &serial[serial.len().saturating_sub(3)..];
        let device = Device {
            device_arn: Some(arn.clone()),
            device_name: Some(format!("{device_type}-{name_suffix}")),
            device_serial_number: Some(serial),
            device_type: Some(device_type),
            software_version: Some("1.0.0".to_owned()),
            room_arn: input.room_arn.clone(),
            ..Device::default()
        };
        let mut record = DeviceRecord::joined(device, ONLINE, now_ms);
        record.registration_key = registration_key;
        record.save(tx, &account)?;
        tags::set_on_create(tx, &account, &arn, input.tags.as_deref())?;
        Ok(RegisterAVSDeviceResponse {
            device_arn: Some(arn),
        })
    })
    .await
}

/// Registering a known (ProductId, AmazonId, DSN) again: an active device answers with its ARN
/// unchanged; a reset (DEREGISTERED) one comes back READY and online, in the given room if any.
fn reregister(
    tx: &mut dyn trailroom_store::WriteTxn,
    account: &str,
    mut existing: DeviceRecord,
    room: Option<String>,
    now_ms: i64,
) -> Result<RegisterAVSDeviceResponse, ApiError> {
    let arn = existing.arn().to_owned();
    if !existing.is_registered() {
        if let Some(room) = room.filter(|r| existing.room() != Some(r.as_str())) {
            check_room_capacity(tx, account, &room, &arn)?;
            existing.device.room_arn = Some(room);
        }
        existing.set_connection(ONLINE, now_ms);
        existing.set_status(READY, Vec::new(), now_ms);
        existing.save(tx, account)?;
    }
    Ok(RegisterAVSDeviceResponse {
        device_arn: Some(arn),
    })
}

/// 20 random upper-case letters and digits, like a device serial number (DSN).
fn random_serial() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let bytes = [
        uuid::Uuid::new_v4().into_bytes(),
        uuid::Uuid::new_v4().into_bytes(),
    ]
    .concat();
    bytes
        .iter()
        .take(SERIAL_LENGTH)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_serials_are_upper_alphanumeric() {
        let serial = random_serial();
        assert_eq!(serial.len(), SERIAL_LENGTH);
        assert!(
            serial
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        );
        assert_ne!(serial, random_serial());
    }
}
