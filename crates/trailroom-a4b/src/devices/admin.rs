//! Admin actions for devices (a4b.md §2.6): what the hardware and the console did — an Echo
//! joining the organization, connection changes, resets and failures, the Alexa user id
//! ResolveRoom maps, and backfilled events.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::WriteTxn;

use crate::arn::new_arn;
use crate::records::devices::{
    self as record, CONNECTION_STATUS, DETAIL_CODES, DEVICE_STATUS, DeviceRecord, FEATURES,
    OFFLINE, ONLINE, STATUSES, check_room_capacity,
};
use crate::records::rooms::RoomRecord;
use crate::support::admin::{AdminAction, AdminCtx};
use crate::support::errors::invalid;
use crate::support::records::Record;

/// Admin actions of the device family.
pub(crate) const ADMIN: &[AdminAction] = &[
    AdminAction {
        name: "import-device",
        about: "An Echo device joins the organization: DeviceName, DeviceSerialNumber, DeviceType, \
                optional RoomArn, AlexaUserId, SoftwareVersion, MacAddress, ConnectionStatus \
                (default ONLINE). Returns DeviceArn.",
        run: import_device,
    },
    AdminAction {
        name: "set-device-connection",
        about: "A device goes ONLINE or OFFLINE: DeviceArn, ConnectionStatus. Appends an event.",
        run: set_device_connection,
    },
    AdminAction {
        name: "set-device-status",
        about: "Sets a device's status (e.g. DEREGISTERED after a reset, FAILED) with optional \
                Details [{Feature, Code}]: DeviceArn, DeviceStatus, Details. Appends an event.",
        run: set_device_status,
    },
    AdminAction {
        name: "map-alexa-user",
        about: "Maps an Alexa user id (amzn1.…) to a device, for ResolveRoom: DeviceArn, AlexaUserId.",
        run: map_alexa_user,
    },
    AdminAction {
        name: "add-device-event",
        about: "Backfills a device event without changing the device: DeviceArn, Type \
                (DEVICE_STATUS|CONNECTION_STATUS), Value, optional Timestamp (epoch seconds).",
        run: add_device_event,
    },
];

fn parse<T: DeserializeOwned>(args: Value) -> Result<T, ApiError> {
    serde_json::from_value(args).map_err(|e| invalid(format!("Invalid arguments: {e}")))
}

fn one_of(member: &str, value: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{member} must be one of {}, not {value}.",
            allowed.join(", ")
        )))
    }
}

fn alphanumeric(member: &str, value: &str) -> Result<(), ApiError> {
    if (1..=200).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{member} must be 1 to 200 letters and digits."
        )))
    }
}

/// The ResolveRoom user id form: `amzn1.` then up to 300 of `[A-Za-z0-9+-/=.]` [M].
fn check_alexa_user_id(user_id: &str) -> Result<(), ApiError> {
    let rest = user_id.strip_prefix("amzn1.").unwrap_or_default();
    // `+-\/` in the model's class is the range `+` to `/`.
    let allowed = |c: char| c.is_ascii_alphanumeric() || ('+'..='/').contains(&c) || c == '=';
    if (1..=300).contains(&rest.len()) && rest.chars().all(allowed) {
        Ok(())
    } else {
        Err(invalid(
            "AlexaUserId must look like amzn1.ask.account.<id>.",
        ))
    }
}

/// An Alexa user id maps to one device only.
fn check_user_unmapped(
    tx: &dyn trailroom_store::ReadTxn,
    account: &str,
    user_id: &str,
    device_arn: &str,
) -> Result<(), ApiError> {
    let devices = DeviceRecord::all(tx, account)?;
    match devices
        .iter()
        .find(|d| d.alexa_user_id.as_deref() == Some(user_id) && d.arn() != device_arn)
    {
        Some(other) => Err(invalid(format!(
            "AlexaUserId {user_id} is already mapped to {}.",
            other.arn()
        ))),
        None => Ok(()),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ImportDevice {
    device_name: String,
    device_serial_number: String,
    device_type: String,
    room_arn: Option<String>,
    alexa_user_id: Option<String>,
    software_version: Option<String>,
    mac_address: Option<String>,
    connection_status: Option<String>,
}

fn import_device(tx: &mut dyn WriteTxn, ctx: &AdminCtx, args: Value) -> Result<Value, ApiError> {
    let args: ImportDevice = parse(args)?;
    let name_length = args.device_name.chars().count();
    if !(2..=100).contains(&name_length) || args.device_name.chars().any(char::is_control) {
        return Err(invalid("DeviceName must be 2 to 100 printable characters."));
    }
    alphanumeric("DeviceSerialNumber", &args.device_serial_number)?;
    alphanumeric("DeviceType", &args.device_type)?;
    let connection = args.connection_status.as_deref().unwrap_or(ONLINE);
    one_of("ConnectionStatus", connection, &[ONLINE, OFFLINE])?;
    let account = ctx.account.as_str();
    let arn = new_arn(record::TYPE, account, &ctx.region);
    let devices = DeviceRecord::all(tx, account)?;
    if devices
        .iter()
        .any(|d| d.device.device_serial_number.as_ref() == Some(&args.device_serial_number))
    {
        return Err(ApiError::client(
            "AlreadyExistsException",
            format!(
                "A device with serial number {} is already in the organization.",
                args.device_serial_number
            ),
        ));
    }
    if let Some(user_id) = &args.alexa_user_id {
        check_alexa_user_id(user_id)?;
        check_user_unmapped(tx, account, user_id, &arn)?;
    }
    if let Some(room) = &args.room_arn {
        RoomRecord::require(tx, account, room)?;
        check_room_capacity(tx, account, room, &arn)?;
    }
    let device = Device {
        device_arn: Some(arn.clone()),
        device_serial_number: Some(args.device_serial_number),
        device_type: Some(args.device_type),
        device_name: Some(args.device_name),
        software_version: args.software_version.or_else(|| Some("1.0.0".to_owned())),
        mac_address: args.mac_address,
        room_arn: args.room_arn,
        ..Device::default()
    };
    let mut record = DeviceRecord::joined(device, connection, ctx.now_ms);
    record.alexa_user_id = args.alexa_user_id;
    record.save(tx, account)?;
    Ok(json!({ "DeviceArn": arn }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SetConnection {
    device_arn: String,
    connection_status: String,
}

fn set_device_connection(
    tx: &mut dyn WriteTxn,
    ctx: &AdminCtx,
    args: Value,
) -> Result<Value, ApiError> {
    let args: SetConnection = parse(args)?;
    one_of(
        "ConnectionStatus",
        &args.connection_status,
        &[ONLINE, OFFLINE],
    )?;
    let mut record = DeviceRecord::require(tx, &ctx.account, &args.device_arn)?;
    record.set_connection(&args.connection_status, ctx.now_ms);
    record.save(tx, &ctx.account)?;
    Ok(summary(&record))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SetStatus {
    device_arn: String,
    device_status: String,
    #[serde(default)]
    details: Vec<Detail>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Detail {
    feature: Option<String>,
    code: String,
}

fn set_device_status(
    tx: &mut dyn WriteTxn,
    ctx: &AdminCtx,
    args: Value,
) -> Result<Value, ApiError> {
    let args: SetStatus = parse(args)?;
    one_of("DeviceStatus", &args.device_status, STATUSES)?;
    let mut details = Vec::new();
    for detail in args.details {
        one_of("Details.Code", &detail.code, DETAIL_CODES)?;
        if let Some(feature) = &detail.feature {
            one_of("Details.Feature", feature, FEATURES)?;
        }
        details.push(DeviceStatusDetail {
            feature: detail.feature,
            code: Some(detail.code),
        });
    }
    let mut record = DeviceRecord::require(tx, &ctx.account, &args.device_arn)?;
    record.set_status(&args.device_status, details, ctx.now_ms);
    record.save(tx, &ctx.account)?;
    Ok(summary(&record))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct MapAlexaUser {
    device_arn: String,
    alexa_user_id: String,
}

fn map_alexa_user(tx: &mut dyn WriteTxn, ctx: &AdminCtx, args: Value) -> Result<Value, ApiError> {
    let args: MapAlexaUser = parse(args)?;
    check_alexa_user_id(&args.alexa_user_id)?;
    let mut record = DeviceRecord::require(tx, &ctx.account, &args.device_arn)?;
    check_user_unmapped(tx, &ctx.account, &args.alexa_user_id, &args.device_arn)?;
    record.alexa_user_id = Some(args.alexa_user_id.clone());
    record.save(tx, &ctx.account)?;
    Ok(json!({ "DeviceArn": args.device_arn, "AlexaUserId": args.alexa_user_id }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct AddEvent {
    device_arn: String,
    #[serde(rename = "Type")]
    kind: String,
    value: String,
    timestamp: Option<f64>,
}

fn add_device_event(tx: &mut dyn WriteTxn, ctx: &AdminCtx, args: Value) -> Result<Value, ApiError> {
    let args: AddEvent = parse(args)?;
    one_of("Type", &args.kind, &[DEVICE_STATUS, CONNECTION_STATUS])?;
    let allowed = if args.kind == DEVICE_STATUS {
        STATUSES
    } else {
        &[ONLINE, OFFLINE][..]
    };
    one_of("Value", &args.value, allowed)?;
    let at_ms = match args.timestamp {
        Some(secs) => trailroom_model::Timestamp::from_epoch_seconds_f64(secs)
            .ok_or_else(|| invalid("Timestamp is out of range."))?
            .epoch_millis(),
        None => ctx.now_ms,
    };
    if at_ms > ctx.now_ms {
        return Err(invalid("Timestamp must not be in the future."));
    }
    let mut record = DeviceRecord::require(tx, &ctx.account, &args.device_arn)?;
    record.push_event(&args.kind, &args.value, at_ms);
    // Events are kept in time order so that pruning and paging see them as history.
    record.events.sort_by_key(|e| e.timestamp);
    record.save(tx, &ctx.account)?;
    Ok(json!({ "DeviceArn": args.device_arn, "Events": record.events.len() }))
}

fn summary(record: &DeviceRecord) -> Value {
    json!({
        "DeviceArn": record.arn(),
        "DeviceStatus": record.status(),
        "ConnectionStatus": record.connection(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alexa_user_ids_follow_the_resolve_room_pattern() {
        assert!(check_alexa_user_id("amzn1.ask.account.AF3X").is_ok());
        assert!(check_alexa_user_id("amzn1.").is_err());
        assert!(check_alexa_user_id("user-1").is_err());
        assert!(check_alexa_user_id("amzn1.a b").is_err());
    }
}
