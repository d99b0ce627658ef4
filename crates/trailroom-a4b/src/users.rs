//! Users: people enrolled into the organization so that their personal Alexa accounts can use the
//! organization's private skills. Owns CreateUser, DeleteUser, SearchUsers, SendInvitation and
//! RevokeInvitation, the enrollment state machine of a4b.md §2.7, and the `accept-invitation`
//! admin action (the user clicking the link in the invitation email).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, WriteTxn};

use crate::arn::{ResourceType, new_arn};
use crate::support::admin::{AdminAction, AdminCtx};
use crate::support::errors::{in_use, invalid, limit_exceeded, not_found, required};
use crate::support::idempotency::{Token, once};
use crate::support::records::Record;
use crate::support::records::{self, Keys};
use crate::support::search::{Match, SearchSpec, search_request};
use crate::support::tags;

const TYPE: ResourceType = ResourceType::User;
/// Users per account [AG quotas].
const MAX_USERS: usize = 10_000;
/// How long an invitation URL stays valid (the model's SendInvitation text).
const INVITATION_VALIDITY_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// A stored user: the search view plus the admin-chosen `UserId` (which no output returns) and
/// the current invitation, if one was sent. Stored under its ARN, named by `UserId` (unique).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct UserRecord {
    #[serde(flatten)]
    user: UserData,
    #[serde(rename = "UserId")]
    user_id: String,
    /// Id of the URL in the last invitation email; a new invitation voids the previous one.
    #[serde(
        rename = "InvitationId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    invitation_id: Option<String>,
    /// When that invitation was sent, ms since the epoch.
    #[serde(
        rename = "InvitationSentTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    invitation_sent_ms: Option<i64>,
}

/// Enrollment statuses of the model's `EnrollmentStatus` enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Initialized,
    Pending,
    Registered,
    Disassociating,
    Deregistering,
}

impl Status {
    fn parse(text: Option<&str>) -> Self {
        match text {
            Some("PENDING") => Self::Pending,
            Some("REGISTERED") => Self::Registered,
            Some("DISASSOCIATING") => Self::Disassociating,
            Some("DEREGISTERING") => Self::Deregistering,
            _ => Self::Initialized,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Initialized => "INITIALIZED",
            Self::Pending => "PENDING",
            Self::Registered => "REGISTERED",
            Self::Disassociating => "DISASSOCIATING",
            Self::Deregistering => "DEREGISTERING",
        }
    }
}

/// What can happen to an enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    SendInvitation,
    Accept,
    Revoke,
}

/// How an event changes an enrollment (a4b.md §2.7): the new status and whether the enrollment
/// gets a new EnrollmentId.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Transition {
    to: Status,
    new_enrollment: bool,
}

/// Why an event is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// `InvalidUserStatusException`.
    Status,
    /// `NotFoundException`: there is no invitation or enrollment to act on.
    NothingToRevoke,
}

/// The enrollment state machine. DISASSOCIATING and DEREGISTERING are passed through within one
/// call (the emulator has no asynchronous back end), so they are never stored; an event arriving
/// in them is refused like any other invalid status.
fn transition(from: Status, event: Event) -> Result<Transition, Refusal> {
    let to = |to, new_enrollment| Ok(Transition { to, new_enrollment });
    match (from, event) {
        (Status::Initialized | Status::Pending, Event::SendInvitation) => {
            to(Status::Pending, false)
        }
        (Status::Pending, Event::Accept) => to(Status::Registered, false),
        (Status::Pending, Event::Revoke) => to(Status::Initialized, false),
        // DISASSOCIATING → INITIALIZED: the old enrollment is gone, a fresh one starts.
        (Status::Registered, Event::Revoke) => to(Status::Initialized, true),
        (Status::Initialized, Event::Revoke) => Err(Refusal::NothingToRevoke),
        _ => Err(Refusal::Status),
    }
}

fn refusal_error(refusal: Refusal, status: Status, event: Event) -> ApiError {
    match refusal {
        Refusal::Status => ApiError::client(
            "InvalidUserStatusException",
            format!(
                "The user's enrollment status {} does not allow {event:?}.",
                status.as_str()
            ),
        ),
        Refusal::NothingToRevoke => ApiError::client(
            "NotFoundException",
            "The user has no invitation or enrollment to revoke.",
        ),
    }
}

/// Applies `event` to `user` at `now_ms`, or explains why it cannot happen.
fn apply(user: &mut UserRecord, event: Event, now_ms: i64) -> Result<(), ApiError> {
    let from = Status::parse(user.user.enrollment_status.as_deref());
    let step = transition(from, event).map_err(|r| refusal_error(r, from, event))?;
    if event == Event::Accept && invitation_expired(user.invitation_sent_ms, now_ms) {
        return Err(ApiError::client(
            "InvalidUserStatusException",
            "The invitation has expired; send a new one.",
        ));
    }
    user.user.enrollment_status = Some(step.to.as_str().to_owned());
    if step.new_enrollment {
        user.user.enrollment_id = Some(new_id());
    }
    match event {
        Event::SendInvitation => {
            user.invitation_id = Some(new_id());
            user.invitation_sent_ms = Some(now_ms);
        }
        Event::Accept | Event::Revoke => {
            user.invitation_id = None;
            user.invitation_sent_ms = None;
        }
    }
    Ok(())
}

fn invitation_expired(sent_ms: Option<i64>, now_ms: i64) -> bool {
    sent_ms.is_some_and(|sent| now_ms.saturating_sub(sent) > INVITATION_VALIDITY_MS)
}

/// A fresh 32-hex id (EnrollmentId, invitation URL id; a4b.md §1.3).
fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The user at `arn` whose enrollment is `enrollment_id`; a mismatch is not found.
fn require_enrollment(
    txn: &dyn ReadTxn,
    account: &str,
    arn: &str,
    enrollment_id: &str,
) -> Result<UserRecord, ApiError> {
    let user = UserRecord::require(txn, account, arn)?;
    if user.user.enrollment_id.as_deref().unwrap_or_default() != enrollment_id {
        return Err(not_found(&format!("enrollment {enrollment_id} of {arn}")));
    }
    Ok(user)
}

pub(crate) async fn create_user(
    ctx: &CallContext,
    input: CreateUserRequest,
) -> Result<CreateUserResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let user_id = required(input.user_id.clone(), "userId")?;
    let arn = new_arn(TYPE, &account, ctx.region());
    ctx.write(move |tx| {
        let token = Token::of("CreateUser", input.client_request_token.as_deref(), &input);
        once(tx, &account, token, |tx| {
            let existing: Vec<Value> = records::list(tx, &account, TYPE)?;
            if existing.len() >= MAX_USERS {
                return Err(limit_exceeded("users", MAX_USERS));
            }
            let user = UserRecord {
                user: UserData {
                    user_arn: Some(arn.clone()),
                    first_name: input.first_name.clone(),
                    last_name: input.last_name.clone(),
                    email: input.email.clone(),
                    enrollment_status: Some(Status::Initialized.as_str().to_owned()),
                    enrollment_id: Some(new_id()),
                },
                user_id,
                invitation_id: None,
                invitation_sent_ms: None,
            };
            user.save(tx, &account)?;
            tags::set_on_create(tx, &account, &arn, input.tags.as_deref())?;
            let response = CreateUserResponse {
                user_arn: Some(arn),
            };
            Ok(response)
        })
    })
    .await
}

pub(crate) async fn delete_user(
    ctx: &CallContext,
    input: DeleteUserRequest,
) -> Result<DeleteUserResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = required(input.user_arn, "userArn")?;
    let enrollment_id = required(input.enrollment_id, "enrollmentId")?;
    ctx.write(move |tx| {
        // A registered user passes through DEREGISTERING; either way the user is gone when the
        // call returns, and an unused invitation URL dies with the record.
        require_enrollment(tx, &account, &arn, &enrollment_id)?;
        records::delete(tx, &account, TYPE, &arn)?;
        tags::forget(tx, &account, &arn)?;
        Ok(DeleteUserResponse {})
    })
    .await
}

pub(crate) async fn send_invitation(
    ctx: &CallContext,
    input: SendInvitationRequest,
) -> Result<SendInvitationResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = required(input.user_arn, "userArn")?;
    let now = ctx.now_ms();
    ctx.write(move |tx| {
        let mut user = UserRecord::require(tx, &account, &arn)?;
        apply(&mut user, Event::SendInvitation, now)?;
        user.save(tx, &account)?;
        Ok(SendInvitationResponse {})
    })
    .await
}

pub(crate) async fn revoke_invitation(
    ctx: &CallContext,
    input: RevokeInvitationRequest,
) -> Result<RevokeInvitationResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = required(input.user_arn, "userArn")?;
    let enrollment_id = required(input.enrollment_id, "enrollmentId")?;
    let now = ctx.now_ms();
    ctx.write(move |tx| {
        let mut user = require_enrollment(tx, &account, &arn, &enrollment_id)?;
        apply(&mut user, Event::Revoke, now)?;
        user.save(tx, &account)?;
        Ok(RevokeInvitationResponse {})
    })
    .await
}

fn user_field(user: &UserRecord, key: &str) -> Vec<String> {
    let value = match key {
        "UserId" => Some(user.user_id.clone()),
        "FirstName" => user.user.first_name.clone(),
        "LastName" => user.user.last_name.clone(),
        "Email" => user.user.email.clone(),
        "EnrollmentStatus" => user.user.enrollment_status.clone(),
        _ => None,
    };
    value.into_iter().collect()
}

const SEARCH: SearchSpec<UserRecord> = SearchSpec {
    filter_keys: &[
        ("UserId", Match::Prefix),
        ("FirstName", Match::Prefix),
        ("LastName", Match::Prefix),
        ("Email", Match::Prefix),
        ("EnrollmentStatus", Match::Exact),
    ],
    sort_keys: &[
        "UserId",
        "FirstName",
        "LastName",
        "Email",
        "EnrollmentStatus",
    ],
    default_sort: "UserId",
    field: user_field,
    id: |u| u.user.user_arn.clone().unwrap_or_default(),
};

pub(crate) async fn search_users(
    ctx: &CallContext,
    input: SearchUsersRequest,
) -> Result<SearchUsersResponse, ApiError> {
    let users: Vec<UserRecord> = ctx.read(|txn| records::list(txn, ctx.account_id(), TYPE))?;
    let page = search_request(users, &SEARCH, &input)?;
    Ok(SearchUsersResponse {
        users: Some(page.items.into_iter().map(|u| u.user).collect()),
        next_token: page.next_token,
        total_count: Some(page.total_count),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptArgs {
    #[serde(rename = "UserArn")]
    user_arn: String,
}

/// `accept-invitation {UserArn}`: the user follows the invitation link (PENDING → REGISTERED).
fn accept_invitation(
    tx: &mut dyn WriteTxn,
    ctx: &AdminCtx,
    args: Value,
) -> Result<Value, ApiError> {
    let args: AcceptArgs = serde_json::from_value(args)
        .map_err(|e| invalid(format!("Invalid accept-invitation arguments: {e}")))?;
    let mut user = UserRecord::require(tx, &ctx.account, &args.user_arn)?;
    apply(&mut user, Event::Accept, ctx.now_ms)?;
    user.save(tx, &ctx.account)?;
    Ok(json!({
        "UserArn": args.user_arn,
        "EnrollmentStatus": user.user.enrollment_status,
        "EnrollmentId": user.user.enrollment_id,
    }))
}

/// Admin actions of this family (see `crate::admin`).
pub(crate) const ADMIN: &[AdminAction] = &[AdminAction {
    name: "accept-invitation",
    about: "The user at UserArn accepts the pending invitation and becomes REGISTERED.",
    run: accept_invitation,
}];

impl Record for UserRecord {
    const TYPE: ResourceType = TYPE;
    const LABEL: &'static str = "user";

    fn record_arn(&self) -> String {
        self.user.user_arn.clone().unwrap_or_default()
    }

    fn keys(&self) -> Keys<'_> {
        Keys {
            name: Some(&self.user_id),
            parent: None,
        }
    }

    fn name_taken(name: &str) -> ApiError {
        in_use(format!("A user with the UserId {name} already exists."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitations_move_initialized_and_pending_to_pending_only() {
        for from in [Status::Initialized, Status::Pending] {
            assert_eq!(
                transition(from, Event::SendInvitation).map(|t| t.to),
                Ok(Status::Pending)
            );
        }
        for from in [
            Status::Registered,
            Status::Disassociating,
            Status::Deregistering,
        ] {
            assert_eq!(
                transition(from, Event::SendInvitation),
                Err(Refusal::Status)
            );
        }
    }

    #[test]
    fn accepting_needs_a_pending_invitation() {
        assert_eq!(
            transition(Status::Pending, Event::Accept).map(|t| t.to),
            Ok(Status::Registered)
        );
        assert_eq!(
            transition(Status::Initialized, Event::Accept),
            Err(Refusal::Status)
        );
        assert_eq!(
            transition(Status::Registered, Event::Accept),
            Err(Refusal::Status)
        );
    }

    #[test]
    fn revoking_returns_to_initialized_and_renews_a_registered_enrollment() {
        let pending = transition(Status::Pending, Event::Revoke).unwrap();
        assert_eq!(
            pending,
            Transition {
                to: Status::Initialized,
                new_enrollment: false
            }
        );
        let registered = transition(Status::Registered, Event::Revoke).unwrap();
        assert_eq!(
            registered,
            Transition {
                to: Status::Initialized,
                new_enrollment: true
            }
        );
        assert_eq!(
            transition(Status::Initialized, Event::Revoke),
            Err(Refusal::NothingToRevoke)
        );
    }

    #[test]
    fn apply_voids_old_invitations_and_expires_after_thirty_days() {
        let mut user = UserRecord::default();
        apply(&mut user, Event::SendInvitation, 1_000).unwrap();
        let first = user.invitation_id.clone().unwrap();
        apply(&mut user, Event::SendInvitation, 2_000).unwrap();
        assert_ne!(user.invitation_id.as_deref(), Some(first.as_str()));
        let late = 2_000 + INVITATION_VALIDITY_MS + 1;
        let err = apply(&mut user.clone(), Event::Accept, late).unwrap_err();
        assert_eq!(err.code(), "InvalidUserStatusException");
        apply(&mut user, Event::Accept, 3_000).unwrap();
        assert_eq!(user.user.enrollment_status.as_deref(), Some("REGISTERED"));
        assert!(user.invitation_id.is_none());
    }

    #[test]
    fn statuses_round_trip() {
        for status in [
            Status::Initialized,
            Status::Pending,
            Status::Registered,
            Status::Disassociating,
            Status::Deregistering,
        ] {
            assert_eq!(Status::parse(Some(status.as_str())), status);
        }
    }
}
