//! Room profiles: the settings every room (and its devices) takes. Exactly one profile of an
//! account is the default; the first one created becomes it (a4b.md §2.4).

use serde_json::Value;
use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

use crate::arn::{ResourceType, new_arn};
use crate::records::profiles::{TYPE, default_profile};
use crate::support::convert::{convert, merged};
use crate::support::errors::{in_use, invalid, limit_exceeded, renamed};
use crate::support::idempotency::{Token, once};
use crate::support::records::Record;
use crate::support::records::{self};
use crate::support::search::{Match, SearchSpec, search_request, views};
use crate::support::tags;

/// Profiles per account [AG quotas].
const MAX_PROFILES: usize = 100;

/// Checks the meeting-room ranges the documentation gives (a4b.md §4).
fn check_meeting_room(config: &Value) -> Result<(), ApiError> {
    let number = |path: &[&str]| {
        path.iter()
            .try_fold(config, |v, key| v.get(*key))
            .and_then(Value::as_i64)
    };
    if let Some(reminders) = config
        .pointer("/EndOfMeetingReminder/ReminderAtMinutes")
        .and_then(Value::as_array)
    {
        let ok =
            reminders.len() == 1 && reminders[0].as_i64().is_some_and(|m| (3..=15).contains(&m));
        if !ok {
            return Err(invalid(
                "EndOfMeetingReminder.ReminderAtMinutes must hold one value from 3 to 15.",
            ));
        }
    }
    if let Some(minutes) = number(&["InstantBooking", "DurationInMinutes"])
        && (!(15..=240).contains(&minutes) || minutes % 15 != 0)
    {
        return Err(invalid(
            "InstantBooking.DurationInMinutes must be 15 to 240 in steps of 15.",
        ));
    }
    if let Some(minutes) = number(&["RequireCheckIn", "ReleaseAfterMinutes"])
        && !(5..=20).contains(&minutes)
    {
        return Err(invalid(
            "RequireCheckIn.ReleaseAfterMinutes must be from 5 to 20.",
        ));
    }
    Ok(())
}

pub(crate) async fn create_profile(
    ctx: &CallContext,
    input: CreateProfileRequest,
) -> Result<CreateProfileResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    if let Some(config) = &input.meeting_room_configuration {
        check_meeting_room(&serde_json::to_value(config).unwrap_or_default())?;
    }
    let arn = new_arn(TYPE, &account, ctx.region());
    ctx.write(move |tx| {
        let token = Token::of(
            "CreateProfile",
            input.client_request_token.as_deref(),
            &input,
        );
        once(tx, &account, token, |tx| {
            let existing: Vec<Profile> = records::list(tx, &account, TYPE)?;
            if existing.len() >= MAX_PROFILES {
                return Err(limit_exceeded("room profiles", MAX_PROFILES));
            }
            let profile = Profile {
                profile_arn: Some(arn.clone()),
                profile_name: input.profile_name.clone(),
                is_default: Some(existing.iter().all(|p| p.is_default != Some(true))),
                address: input.address.clone(),
                timezone: input.timezone.clone(),
                distance_unit: input.distance_unit.clone(),
                temperature_unit: input.temperature_unit.clone(),
                wake_word: input.wake_word.clone(),
                locale: input.locale.clone(),
                setup_mode_disabled: input.setup_mode_disabled,
                max_volume_limit: input.max_volume_limit,
                pstn_enabled: input.pstn_enabled,
                data_retention_opt_in: input.data_retention_opt_in,
                address_book_arn: None,
                meeting_room_configuration: input
                    .meeting_room_configuration
                    .as_ref()
                    .map(convert)
                    .transpose()?,
            };
            profile.save(tx, &account)?;
            tags::set_on_create(tx, &account, &arn, input.tags.as_deref())?;
            let response = CreateProfileResponse {
                profile_arn: Some(arn),
            };
            Ok(response)
        })
    })
    .await
}

/// The profile a request names, or the default profile when it names none (GetProfile and
/// UpdateProfile treat a missing ARN that way).
fn named_or_default(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
    arn: Option<&str>,
) -> Result<Profile, ApiError> {
    match arn {
        Some(arn) => records::require(txn, account, TYPE, arn),
        None => default_profile(txn, account)?
            .ok_or_else(|| crate::support::errors::not_found("default profile")),
    }
}

pub(crate) async fn get_profile(
    ctx: &CallContext,
    input: GetProfileRequest,
) -> Result<GetProfileResponse, ApiError> {
    let profile =
        ctx.read(|txn| named_or_default(txn, ctx.account_id(), input.profile_arn.as_deref()))?;
    Ok(GetProfileResponse {
        profile: Some(profile),
    })
}

pub(crate) async fn update_profile(
    ctx: &CallContext,
    input: UpdateProfileRequest,
) -> Result<UpdateProfileResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    if let Some(config) = &input.meeting_room_configuration {
        check_meeting_room(&serde_json::to_value(config).unwrap_or_default())?;
    }
    ctx.write(move |tx| {
        let current = named_or_default(tx, &account, input.profile_arn.as_deref())?;
        let mut patch = input.clone();
        patch.profile_arn = None;
        let mut updated: Profile = merged(&current, &patch)?;
        // Clearing the default flag directly is ignored: some profile must stay the default.
        updated.is_default = current.is_default;
        if input.is_default == Some(true) && current.is_default != Some(true) {
            if let Some(mut previous) = default_profile(tx, &account)? {
                previous.is_default = Some(false);
                previous.save(tx, &account)?;
            }
            updated.is_default = Some(true);
        }
        let new_name = updated.profile_name.clone().unwrap_or_default();
        updated
            .save(tx, &account)
            .map_err(renamed("profile", new_name))?;
        Ok(UpdateProfileResponse {})
    })
    .await
}

pub(crate) async fn delete_profile(
    ctx: &CallContext,
    input: DeleteProfileRequest,
) -> Result<DeleteProfileResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let profile = named_or_default(tx, &account, input.profile_arn.as_deref())?;
        let arn = profile.profile_arn.unwrap_or_default();
        let rooms: Vec<Value> = records::children(tx, &account, ResourceType::Room, &arn)?;
        if !rooms.is_empty() {
            return Err(in_use(format!(
                "The profile {arn} is used by {} room(s).",
                rooms.len()
            )));
        }
        records::delete(tx, &account, TYPE, &arn)?;
        tags::forget(tx, &account, &arn)?;
        Ok(DeleteProfileResponse {})
    })
    .await
}

fn profile_field(profile: &ProfileData, key: &str) -> Vec<String> {
    let value = match key {
        "ProfileName" => profile.profile_name.clone(),
        "Address" => profile.address.clone(),
        _ => None,
    };
    value.into_iter().collect()
}

const SEARCH: SearchSpec<ProfileData> = SearchSpec {
    filter_keys: &[("ProfileName", Match::Prefix), ("Address", Match::Prefix)],
    sort_keys: &["ProfileName", "Address"],
    default_sort: "ProfileName",
    field: profile_field,
    id: |p| p.profile_arn.clone().unwrap_or_default(),
};

pub(crate) async fn search_profiles(
    ctx: &CallContext,
    input: SearchProfilesRequest,
) -> Result<SearchProfilesResponse, ApiError> {
    let profiles: Vec<Profile> = ctx.read(|txn| records::list(txn, ctx.account_id(), TYPE))?;
    let data: Vec<ProfileData> = views(&profiles, |x| x)?;
    let page = search_request(data, &SEARCH, &input)?;
    Ok(SearchProfilesResponse {
        profiles: Some(page.items),
        next_token: page.next_token,
        total_count: Some(page.total_count),
    })
}
