//! Smart-home appliances per room (a4b.md §7.2): what discovery found through the room's
//! smart-home skills, plus appliances the admin surface seeds. One document per room, keyed by the
//! room ARN, holding the appliances in the order they were found; it dies with the room.
//!
//! Discovery is synchronous and deterministic: every SMART_HOME skill of the room's skill groups
//! contributes a fixed set of appliances ([`DISCOVERABLE`]); a room without one discovers nothing.

use serde::Deserialize;
use serde_json::{Value, json};
use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, WriteTxn};

use crate::records::rooms::RoomRecord;
use crate::records::smart_home::{forget_room, load, save};
use crate::support::admin::{AdminAction, AdminCtx};
use crate::support::errors::{invalid, required};
use crate::support::records::Record;
use crate::support::search::{binding, page};

/// An appliance of the catalogue: (FriendlyName, Description, ManufacturerName).
type CatalogueAppliance = (&'static str, &'static str, &'static str);

/// What discovery finds for each smart-home skill of the built-in catalogue (a4b.md §7.1), by
/// skill id.
const DISCOVERABLE: &[(&str, &[CatalogueAppliance])] = &[
    (
        // Smart Office Lights
        "amzn1.ask.skill.9f5a0c2b-1d8d-4a0b-8c2a-0f4d7b1a6e10",
        &[
            ("Ceiling Light", "Dimmable light", "Example Lighting Co."),
            ("Desk Lamp", "Smart plug", "Example Lighting Co."),
        ],
    ),
    (
        // Thermostat Control
        "amzn1.ask.skill.a06b1d3c-2e9e-4b1c-9d3b-1a5e8c2b7f11",
        &[(
            "Room Thermostat",
            "Heating and cooling thermostat",
            "Example Climate Inc.",
        )],
    ),
];

pub(crate) async fn list_smart_home_appliances(
    ctx: &CallContext,
    input: ListSmartHomeAppliancesRequest,
) -> Result<ListSmartHomeAppliancesResponse, ApiError> {
    let room = required(input.room_arn, "roomArn")?;
    let found = ctx.read(|txn| {
        RoomRecord::require(txn, ctx.account_id(), &room)?;
        load(txn, ctx.account_id(), &room)
    })?;
    let (appliances, next_token) = page(
        found.appliances,
        input.max_results,
        50,
        input.next_token.as_deref(),
        &binding(&room),
    )?;
    Ok(ListSmartHomeAppliancesResponse {
        smart_home_appliances: Some(appliances),
        next_token,
    })
}

pub(crate) async fn forget_smart_home_appliances(
    ctx: &CallContext,
    input: ForgetSmartHomeAppliancesRequest,
) -> Result<ForgetSmartHomeAppliancesResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let room = required(input.room_arn, "roomArn")?;
    ctx.write(move |tx| {
        RoomRecord::require(tx, &account, &room)?;
        forget_room(tx, &account, &room)?;
        Ok(ForgetSmartHomeAppliancesResponse {})
    })
    .await
}

pub(crate) async fn start_smart_home_appliance_discovery(
    ctx: &CallContext,
    input: StartSmartHomeApplianceDiscoveryRequest,
) -> Result<StartSmartHomeApplianceDiscoveryResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let room_arn = required(input.room_arn, "roomArn")?;
    ctx.write(move |tx| {
        let room = RoomRecord::require(tx, &account, &room_arn)?;
        let mut known = load(tx, &account, &room_arn)?;
        let mut added = false;
        for appliance in discoverable(tx, &account, &room)? {
            added |= known.add(appliance);
        }
        if added {
            save(tx, &account, &room_arn, &known)?;
        }
        Ok(StartSmartHomeApplianceDiscoveryResponse {})
    })
    .await
}

/// The appliances the smart-home skills of `room`'s skill groups expose, in catalogue order.
fn discoverable(
    txn: &dyn ReadTxn,
    account: &str,
    room: &RoomRecord,
) -> Result<Vec<SmartHomeAppliance>, ApiError> {
    let mut skills = Vec::new();
    for group in &room.skill_group_arns {
        skills.extend(crate::records::skill_groups::skill_ids(
            txn, account, group,
        )?);
    }
    Ok(appliances_of(&skills))
}

/// The catalogue appliances of the smart-home skills among `skills`.
fn appliances_of(skills: &[String]) -> Vec<SmartHomeAppliance> {
    DISCOVERABLE
        .iter()
        .filter(|(skill, _)| skills.iter().any(|s| s == skill))
        .flat_map(|(_, appliances)| appliances.iter())
        .map(|(name, description, manufacturer)| SmartHomeAppliance {
            friendly_name: Some((*name).to_owned()),
            description: Some((*description).to_owned()),
            manufacturer_name: Some((*manufacturer).to_owned()),
        })
        .collect()
}

/// Admin actions of this family (see `crate::admin`).
pub(crate) const ADMIN: &[AdminAction] = &[AdminAction {
    name: "add-smart-home-appliance",
    about: "Seeds an appliance into a room as if discovered: RoomArn, FriendlyName, optional \
            Description, ManufacturerName. Returns RoomArn and the room's appliance count.",
    run: add_smart_home_appliance,
}];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct AddAppliance {
    room_arn: String,
    friendly_name: String,
    description: Option<String>,
    manufacturer_name: Option<String>,
}

fn add_smart_home_appliance(
    tx: &mut dyn WriteTxn,
    ctx: &AdminCtx,
    args: Value,
) -> Result<Value, ApiError> {
    let args: AddAppliance =
        serde_json::from_value(args).map_err(|e| invalid(format!("Invalid arguments: {e}")))?;
    for text in [
        Some(&args.friendly_name),
        args.description.as_ref(),
        args.manufacturer_name.as_ref(),
    ] {
        if text.is_some_and(|t| {
            t.is_empty() || t.chars().count() > 200 || t.chars().any(char::is_control)
        }) {
            return Err(invalid(
                "Appliance names and descriptions must be 1 to 200 printable characters.",
            ));
        }
    }
    RoomRecord::require(tx, &ctx.account, &args.room_arn)?;
    let mut known = load(tx, &ctx.account, &args.room_arn)?;
    let appliance = SmartHomeAppliance {
        friendly_name: Some(args.friendly_name.clone()),
        description: args.description,
        manufacturer_name: args.manufacturer_name,
    };
    if !known.add(appliance) {
        return Err(ApiError::client(
            "AlreadyExistsException",
            format!(
                "The room already has an appliance named {}.",
                args.friendly_name
            ),
        ));
    }
    save(tx, &ctx.account, &args.room_arn, &known)?;
    Ok(json!({ "RoomArn": args.room_arn, "Appliances": known.appliances.len() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::smart_home::RoomAppliances;

    #[test]
    fn discovery_finds_catalogue_appliances_of_smart_home_skills_only() {
        let lights = DISCOVERABLE[0].0.to_owned();
        let found = appliances_of(&[lights, "amzn1.ask.skill.other".into()]);
        let names: Vec<_> = found
            .iter()
            .filter_map(|a| a.friendly_name.as_deref())
            .collect();
        assert_eq!(names, ["Ceiling Light", "Desk Lamp"]);
        assert!(appliances_of(&[]).is_empty());
    }

    #[test]
    fn appliances_are_unique_by_friendly_name() {
        let mut room = RoomAppliances::default();
        let lamp = || SmartHomeAppliance {
            friendly_name: Some("Lamp".into()),
            ..Default::default()
        };
        assert!(room.add(lamp()));
        assert!(!room.add(lamp()));
        assert_eq!(room.appliances.len(), 1);
    }
}
