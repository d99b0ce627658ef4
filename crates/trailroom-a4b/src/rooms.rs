//! Rooms: where devices live. Each room has exactly one profile (the account default when none
//! is given), any number of skill groups, and per-skill parameters that ResolveRoom hands to
//! skills (a4b.md §2.2, §7.6).

use std::collections::HashMap;

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

use trailroom_audit::store_failure;
use trailroom_store::{Doc, ReadTxn};

use crate::arn::{ResourceType, new_arn};
use crate::records::rooms::RoomRecord;
use crate::records::rooms::TYPE;
use crate::support::convert::convert;
use crate::support::errors::{invalid, not_found, renamed, required};
use crate::support::idempotency::{Token, once};
use crate::support::records::Record;
use crate::support::records::{self};
use crate::support::search::{Match, SearchSpec, search_request};
use crate::support::tags;

/// Document kind of room skill parameters: id `<room>|<skill>|<key>`, parent the room.
const PARAMETER_KIND: &str = "a4b_room_skill_parameter";

/// The profile a new or updated room uses: the one named, or the account default.
fn resolve_profile(
    txn: &dyn ReadTxn,
    account: &str,
    arn: Option<&str>,
) -> Result<Profile, ApiError> {
    match arn {
        Some(arn) => records::require(txn, account, ResourceType::Profile, arn),
        None => crate::records::profiles::default_profile(txn, account)?.ok_or_else(|| {
            invalid("ProfileArn is required: the account has no default room profile yet.")
        }),
    }
}

pub(crate) async fn create_room(
    ctx: &CallContext,
    input: CreateRoomRequest,
) -> Result<CreateRoomResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = new_arn(TYPE, &account, ctx.region());
    let ctx_in = ctx.clone();
    ctx.write(move |tx| {
        let token = Token::of("CreateRoom", input.client_request_token.as_deref(), &input);
        once(tx, &account, token, |tx| {
            let profile = resolve_profile(tx, &account, input.profile_arn.as_deref())?;
            let profile_arn = profile.profile_arn.unwrap_or_default();
            // The record names the profile the room got, given or default, before the room itself.
            ctx_in.add_resource("AWS::A4B::Profile", profile_arn.clone());
            let record = RoomRecord {
                room: Room {
                    room_arn: Some(arn.clone()),
                    room_name: input.room_name.clone(),
                    description: input.description.clone(),
                    provider_calendar_id: input.provider_calendar_id.clone(),
                    profile_arn: Some(profile_arn),
                },
                skill_group_arns: Vec::new(),
            };
            record.save(tx, &account)?;
            tags::set_on_create(tx, &account, &arn, input.tags.as_deref())?;
            let response = CreateRoomResponse {
                room_arn: Some(arn),
            };
            Ok(response)
        })
    })
    .await
}

pub(crate) async fn get_room(
    ctx: &CallContext,
    input: GetRoomRequest,
) -> Result<GetRoomResponse, ApiError> {
    let arn = required(input.room_arn, "roomArn")?;
    let record = ctx.read(|txn| RoomRecord::require(txn, ctx.account_id(), &arn))?;
    Ok(GetRoomResponse {
        room: Some(record.room),
    })
}

pub(crate) async fn update_room(
    ctx: &CallContext,
    input: UpdateRoomRequest,
) -> Result<UpdateRoomResponse, ApiError> {
    let arn = required(input.room_arn.clone(), "roomArn")?;
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let mut record = RoomRecord::require(tx, &account, &arn)?;
        if let Some(profile_arn) = &input.profile_arn {
            records::require::<Profile>(tx, &account, ResourceType::Profile, profile_arn)?;
            record.room.profile_arn = Some(profile_arn.clone());
        }
        let room = &mut record.room;
        room.room_name = input.room_name.clone().or(room.room_name.take());
        room.description = input.description.clone().or(room.description.take());
        room.provider_calendar_id = input
            .provider_calendar_id
            .clone()
            .or(room.provider_calendar_id.take());
        let name = room.room_name.clone().unwrap_or_default();
        record.save(tx, &account).map_err(renamed("room", name))?;
        Ok(UpdateRoomResponse {})
    })
    .await
}

pub(crate) async fn delete_room(
    ctx: &CallContext,
    input: DeleteRoomRequest,
) -> Result<DeleteRoomResponse, ApiError> {
    let arn = required(input.room_arn, "roomArn")?;
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        RoomRecord::require(tx, &account, &arn)?;
        // Devices stay registered without a room; links, parameters and appliances go (§2.3).
        crate::records::devices::detach_room(tx, &account, &arn)?;
        crate::records::smart_home::forget_room(tx, &account, &arn)?;
        crate::records::skills::forget_room(tx, &account, &arn)?;
        for parameter in tx
            .list_children(&account, PARAMETER_KIND, &arn)
            .map_err(store_failure)?
        {
            tx.delete(&account, PARAMETER_KIND, &parameter.id)
                .map_err(store_failure)?;
        }
        records::delete(tx, &account, TYPE, &arn)?;
        tags::forget(tx, &account, &arn)?;
        Ok(DeleteRoomResponse {})
    })
    .await
}

/// What SearchRooms filters and sorts on: a room's name and its profile's name, both kept with
/// the documents' keys, so a search reads every room's keys but only one page of rooms.
struct RoomKey {
    arn: String,
    room_name: Option<String>,
    profile_name: Option<String>,
}

fn room_field(room: &RoomKey, key: &str) -> Vec<String> {
    let value = match key {
        "RoomName" => room.room_name.clone(),
        "ProfileName" => room.profile_name.clone(),
        _ => None,
    };
    value.into_iter().collect()
}

const SEARCH: SearchSpec<RoomKey> = SearchSpec {
    filter_keys: &[("RoomName", Match::Prefix), ("ProfileName", Match::Prefix)],
    sort_keys: &["RoomName", "ProfileName"],
    default_sort: "RoomName",
    field: room_field,
    id: |r| r.arn.clone(),
};

/// Every room of `account` as [`RoomKey`]s: room names and profile ARNs from the rooms' keys,
/// profile names from the profiles' keys.
fn room_keys(txn: &dyn ReadTxn, account: &str) -> Result<Vec<RoomKey>, ApiError> {
    let profile_names: HashMap<String, Option<String>> = txn
        .list_keys(account, ResourceType::Profile.kind())
        .map_err(store_failure)?
        .into_iter()
        .map(|key| (key.id, key.name))
        .collect();
    let rooms = txn
        .list_keys(account, ResourceType::Room.kind())
        .map_err(store_failure)?;
    Ok(rooms
        .into_iter()
        .map(|key| RoomKey {
            profile_name: key
                .parent
                .and_then(|arn| profile_names.get(&arn).cloned().flatten()),
            arn: key.id,
            room_name: key.name,
        })
        .collect())
}

pub(crate) async fn search_rooms(
    ctx: &CallContext,
    input: SearchRoomsRequest,
) -> Result<SearchRoomsResponse, ApiError> {
    let account = ctx.account_id();
    let (page, rooms) = ctx.read(|txn| {
        let page = search_request(room_keys(txn, account)?, &SEARCH, &input)?;
        let rooms = page
            .items
            .iter()
            .map(|key| RoomRecord::require(txn, account, &key.arn))
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok((page, rooms))
    })?;
    let data = page
        .items
        .into_iter()
        .zip(rooms)
        .map(|(key, record)| {
            let mut data: RoomData = convert(&record.room)?;
            data.profile_name = key.profile_name;
            Ok(data)
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(SearchRoomsResponse {
        rooms: Some(data),
        next_token: page.next_token,
        total_count: Some(page.total_count),
    })
}

pub(crate) async fn associate_skill_group_with_room(
    ctx: &CallContext,
    input: AssociateSkillGroupWithRoomRequest,
) -> Result<AssociateSkillGroupWithRoomResponse, ApiError> {
    let group = required(input.skill_group_arn, "skillGroupArn")?;
    let room = required(input.room_arn, "roomArn")?;
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        records::require::<serde_json::Value>(tx, &account, ResourceType::SkillGroup, &group)?;
        let mut record = RoomRecord::require(tx, &account, &room)?;
        if !record.skill_group_arns.contains(&group) {
            record.skill_group_arns.push(group);
            record.save(tx, &account)?;
        }
        Ok(AssociateSkillGroupWithRoomResponse {})
    })
    .await
}

pub(crate) async fn disassociate_skill_group_from_room(
    ctx: &CallContext,
    input: DisassociateSkillGroupFromRoomRequest,
) -> Result<DisassociateSkillGroupFromRoomResponse, ApiError> {
    let group = required(input.skill_group_arn, "skillGroupArn")?;
    let room = required(input.room_arn, "roomArn")?;
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        records::require::<serde_json::Value>(tx, &account, ResourceType::SkillGroup, &group)?;
        let mut record = RoomRecord::require(tx, &account, &room)?;
        record.skill_group_arns.retain(|g| g != &group);
        record.save(tx, &account)?;
        Ok(DisassociateSkillGroupFromRoomResponse {})
    })
    .await
}

/// Room skill parameter keys the documentation allows.
const PARAMETER_KEYS: [&str; 2] = ["DEFAULT", "SCOPE"];

fn parameter_id(room: &str, skill: &str, key: &str) -> String {
    format!("{room}|{skill}|{key}")
}

fn load_parameter(
    txn: &dyn ReadTxn,
    account: &str,
    id: &str,
) -> Result<Option<RoomSkillParameter>, ApiError> {
    let doc = txn
        .get(account, PARAMETER_KIND, id)
        .map_err(store_failure)?;
    doc.map(|d| d.decode().map_err(store_failure)).transpose()
}

pub(crate) async fn put_room_skill_parameter(
    ctx: &CallContext,
    input: PutRoomSkillParameterRequest,
) -> Result<PutRoomSkillParameterResponse, ApiError> {
    let room = required(input.room_arn, "roomArn")?;
    let skill = required(input.skill_id, "skillId")?;
    let parameter = required(input.room_skill_parameter, "roomSkillParameter")?;
    let key = parameter.parameter_key.clone().unwrap_or_default();
    if !PARAMETER_KEYS.contains(&key.as_str()) {
        return Err(invalid(format!(
            "ParameterKey must be DEFAULT or SCOPE, not {key}."
        )));
    }
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        RoomRecord::require(tx, &account, &room)?;
        let id = parameter_id(&room, &skill, &key);
        let mut doc = Doc::new(&account, PARAMETER_KIND, &id, &parameter).map_err(store_failure)?;
        doc.parent = Some(room.clone());
        tx.put(&doc).map_err(store_failure)?;
        Ok(PutRoomSkillParameterResponse {})
    })
    .await
}

pub(crate) async fn get_room_skill_parameter(
    ctx: &CallContext,
    input: GetRoomSkillParameterRequest,
) -> Result<GetRoomSkillParameterResponse, ApiError> {
    let room = required(input.room_arn, "roomArn")?;
    let skill = required(input.skill_id, "skillId")?;
    let key = required(input.parameter_key, "parameterKey")?;
    let parameter = ctx.read(|txn| {
        RoomRecord::require(txn, ctx.account_id(), &room)?;
        load_parameter(txn, ctx.account_id(), &parameter_id(&room, &skill, &key))
    })?;
    let parameter =
        parameter.ok_or_else(|| not_found(&format!("room skill parameter {key} of {skill}")))?;
    Ok(GetRoomSkillParameterResponse {
        room_skill_parameter: Some(parameter),
    })
}

pub(crate) async fn delete_room_skill_parameter(
    ctx: &CallContext,
    input: DeleteRoomSkillParameterRequest,
) -> Result<DeleteRoomSkillParameterResponse, ApiError> {
    let room = required(input.room_arn, "roomArn")?;
    let skill = required(input.skill_id, "skillId")?;
    let key = required(input.parameter_key, "parameterKey")?;
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        RoomRecord::require(tx, &account, &room)?;
        let id = parameter_id(&room, &skill, &key);
        if !tx
            .delete(&account, PARAMETER_KIND, &id)
            .map_err(store_failure)?
        {
            return Err(not_found(&format!("room skill parameter {key} of {skill}")));
        }
        Ok(DeleteRoomSkillParameterResponse {})
    })
    .await
}

pub(crate) async fn resolve_room(
    ctx: &CallContext,
    input: ResolveRoomRequest,
) -> Result<ResolveRoomResponse, ApiError> {
    let user = required(input.user_id, "userId")?;
    let skill = required(input.skill_id, "skillId")?;
    let account = ctx.account_id();
    ctx.read(|txn| {
        let unresolved = || not_found(&format!("a room for user {user} and skill {skill}"));
        let room_arn = crate::records::devices::room_of_alexa_user(txn, account, &user)?
            .ok_or_else(unresolved)?;
        let record = RoomRecord::require(txn, account, &room_arn)?;
        let mut enabled = false;
        for group in &record.skill_group_arns {
            enabled |=
                crate::records::skill_groups::skill_ids(txn, account, group)?.contains(&skill);
        }
        if !enabled {
            return Err(unresolved());
        }
        let mut parameters = Vec::new();
        for key in PARAMETER_KEYS {
            if let Some(p) = load_parameter(txn, account, &parameter_id(&room_arn, &skill, key))? {
                parameters.push(p);
            }
        }
        Ok(ResolveRoomResponse {
            room_arn: Some(room_arn),
            room_name: record.room.room_name,
            room_skill_parameters: Some(parameters),
        })
    })
}
