//! SendAnnouncement: one text, SSML or audio item spoken in every room the RoomFilters select
//! (a4b.md §7.10). Delivery is simulated: the announcement is recorded with the rooms it reached
//! and its expiry, which business reports count; zero matching rooms is still a success.

use serde::Deserialize;
use serde_json::Value;
use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, WriteTxn};

use crate::arn::{Arn, ResourceType, new_arn};
use crate::records::announcements::{AnnouncementRecord, TYPE, sent};
use crate::records::rooms::RoomRecord;
use crate::support::admin::{AdminAction, AdminCtx};
use crate::support::errors::{already_exists, invalid, required};
use crate::support::idempotency::{Token, once};
use crate::support::records::Record;
use crate::support::records::{self, Keys};
use crate::support::search::{Match, SearchSpec, search};

/// Announcements an account may send per second (a4b.md §7.10).
const MAX_PER_SECOND: usize = 10;
/// Default `TimeToLiveInSeconds` [M].
const DEFAULT_TTL_SECONDS: i32 = 300;
/// How long sent announcements are kept for business reports (the longest report range plus a
/// margin).
const KEEP_MS: i64 = 35 * 86_400_000;

/// Exactly one of the three content lists, holding one item (a4b.md §4).
fn check_content(content: &Content) -> Result<(), ApiError> {
    let kinds = [
        content.text_list.as_ref().map(Vec::len),
        content.ssml_list.as_ref().map(Vec::len),
        content.audio_list.as_ref().map(Vec::len),
    ];
    let given: Vec<usize> = kinds.into_iter().flatten().filter(|n| *n > 0).collect();
    if given.len() != 1 {
        return Err(invalid(
            "Content must contain exactly one of TextList, SsmlList or AudioList.",
        ));
    }
    Ok(())
}

/// A room as RoomFilters see it.
struct Target {
    room: Room,
    profile_name: Option<String>,
}

fn target_field(target: &Target, key: &str) -> Vec<String> {
    let value = match key {
        "RoomName" => target.room.room_name.clone(),
        "RoomArn" => target.room.room_arn.clone(),
        "ProfileName" => target.profile_name.clone(),
        "ProfileArn" => target.room.profile_arn.clone(),
        _ => None,
    };
    value.into_iter().collect()
}

const FILTERS: SearchSpec<Target> = SearchSpec {
    filter_keys: &[
        ("RoomName", Match::Prefix),
        ("ProfileName", Match::Prefix),
        ("RoomArn", Match::Exact),
        ("ProfileArn", Match::Exact),
    ],
    sort_keys: &[],
    default_sort: "RoomName",
    field: target_field,
    id: |t| t.room.room_arn.clone().unwrap_or_default(),
};

/// The ARNs of the rooms `filters` select; no filters select every room.
fn matching_rooms(
    txn: &dyn ReadTxn,
    account: &str,
    filters: &[Filter],
) -> Result<Vec<String>, ApiError> {
    let profiles: Vec<Profile> = records::list(txn, account, ResourceType::Profile)?;
    let profile_name = |arn: Option<&str>| {
        profiles
            .iter()
            .find(|p| p.profile_arn.as_deref() == arn)
            .and_then(|p| p.profile_name.clone())
    };
    let targets: Vec<Target> = RoomRecord::all(txn, account)?
        .into_iter()
        .map(|r| Target {
            profile_name: profile_name(r.room.profile_arn.as_deref()),
            room: r.room,
        })
        .collect();
    let page = search(targets, &FILTERS, Some(filters), None, Some(i32::MAX), None)?;
    Ok(page
        .items
        .into_iter()
        .filter_map(|t| t.room.room_arn)
        .collect())
}

/// Drops records older than any report can cover, and fails when the account has sent its
/// per-second allowance already.
fn enforce_rate(tx: &mut dyn WriteTxn, account: &str, now: i64) -> Result<(), ApiError> {
    let mut recent = 0;
    for record in sent(tx, account)? {
        if record.created_time < now - KEEP_MS {
            records::delete(tx, account, TYPE, &record.announcement_arn)?;
        } else if record.created_time > now - 1000 {
            recent += 1;
        }
    }
    if recent >= MAX_PER_SECOND {
        return Err(ApiError::client(
            "LimitExceededException",
            format!("You can send at most {MAX_PER_SECOND} announcements per second."),
        ));
    }
    Ok(())
}

pub(crate) async fn send_announcement(
    ctx: &CallContext,
    input: SendAnnouncementRequest,
) -> Result<SendAnnouncementResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let filters = required(input.room_filters.clone(), "roomFilters")?;
    let content = required(input.content.clone(), "content")?;
    required(input.client_request_token.clone(), "clientRequestToken")?;
    check_content(&content)?;
    // Rooms and profiles named in the filters are the event's resources (a4b.md §5.2).
    for filter in &filters {
        if matches!(filter.key.as_deref(), Some("RoomArn" | "ProfileArn")) {
            for value in filter.values.iter().flatten() {
                if let Some(kind) =
                    Arn::parse(value).and_then(|a| a.resource_type.cloudtrail_type())
                {
                    ctx.add_resource(kind, value.clone());
                }
            }
        }
    }
    let arn = new_arn(TYPE, &account, ctx.region());
    let now = ctx.now_ms();
    let ttl = i64::from(input.time_to_live_in_seconds.unwrap_or(DEFAULT_TTL_SECONDS));
    ctx.write(move |tx| {
        let token = Token::of(
            "SendAnnouncement",
            input.client_request_token.as_deref(),
            &input,
        );
        once(tx, &account, token, |tx| {
            enforce_rate(tx, &account, now)?;
            let record = AnnouncementRecord {
                announcement_arn: arn.clone(),
                created_time: now,
                expires_time: now + ttl * 1000,
                room_arns: matching_rooms(tx, &account, &filters)?,
                content,
            };
            records::save(tx, &account, TYPE, &arn, &record, Keys::default(), |n| {
                already_exists("announcement", n)
            })?;
            let response = SendAnnouncementResponse {
                announcement_arn: Some(arn),
            };
            Ok(response)
        })
    })
    .await
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetAnnouncement {
    announcement_arn: String,
}

/// Admin: what an announcement was sent to (the API returns only its ARN).
fn get_announcement(tx: &mut dyn WriteTxn, ctx: &AdminCtx, args: Value) -> Result<Value, ApiError> {
    let args: GetAnnouncement = serde_json::from_value(args)
        .map_err(|e| ApiError::validation(format!("Invalid arguments: {e}")))?;
    let record: AnnouncementRecord =
        records::require(tx, &ctx.account, TYPE, &args.announcement_arn)?;
    serde_json::to_value(record).map_err(|_| ApiError::internal())
}

/// Admin actions of this family (see `crate::admin`).
pub(crate) const ADMIN: &[AdminAction] = &[AdminAction {
    name: "get-announcement",
    about: "A sent announcement (AnnouncementArn) → RoomArns reached, Content, CreatedTime, ExpiresTime",
    run: get_announcement,
}];

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Text {
        Text {
            locale: Some("en-US".into()),
            value: Some(value.into()),
        }
    }

    #[test]
    fn content_has_exactly_one_kind() {
        let one = Content {
            text_list: Some(vec![text("hi")]),
            ..Content::default()
        };
        assert!(check_content(&one).is_ok());
        assert!(check_content(&Content::default()).is_err());
        let empty = Content {
            text_list: Some(vec![]),
            ..Content::default()
        };
        assert!(check_content(&empty).is_err());
        let ssml = Ssml {
            locale: Some("en-US".into()),
            value: Some("<speak>hi</speak>".into()),
        };
        let two = Content {
            ssml_list: Some(vec![ssml]),
            ..one
        };
        assert_eq!(
            check_content(&two).unwrap_err().code(),
            "ValidationException"
        );
    }
}
