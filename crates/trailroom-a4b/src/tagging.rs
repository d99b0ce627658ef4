//! Tagging: not written yet; every operation answers NotImplementedException.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) async fn tag_resource(ctx: &CallContext, input: TagResourceRequest) -> Result<TagResourceResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("TagResource"))
}

pub(crate) async fn untag_resource(ctx: &CallContext, input: UntagResourceRequest) -> Result<UntagResourceResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("UntagResource"))
}

pub(crate) async fn list_tags(ctx: &CallContext, input: ListTagsRequest) -> Result<ListTagsResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("ListTags"))
}
