//! Announcements: not written yet; every operation answers NotImplementedException.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) async fn send_announcement(ctx: &CallContext, input: SendAnnouncementRequest) -> Result<SendAnnouncementResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("SendAnnouncement"))
}
