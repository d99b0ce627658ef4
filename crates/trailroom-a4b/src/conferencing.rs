//! Conferencing: not written yet; every operation answers NotImplementedException.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) async fn create_conference_provider(ctx: &CallContext, input: CreateConferenceProviderRequest) -> Result<CreateConferenceProviderResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("CreateConferenceProvider"))
}

pub(crate) async fn get_conference_provider(ctx: &CallContext, input: GetConferenceProviderRequest) -> Result<GetConferenceProviderResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("GetConferenceProvider"))
}

pub(crate) async fn update_conference_provider(ctx: &CallContext, input: UpdateConferenceProviderRequest) -> Result<UpdateConferenceProviderResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("UpdateConferenceProvider"))
}

pub(crate) async fn delete_conference_provider(ctx: &CallContext, input: DeleteConferenceProviderRequest) -> Result<DeleteConferenceProviderResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DeleteConferenceProvider"))
}

pub(crate) async fn list_conference_providers(ctx: &CallContext, input: ListConferenceProvidersRequest) -> Result<ListConferenceProvidersResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("ListConferenceProviders"))
}

pub(crate) async fn put_conference_preference(ctx: &CallContext, input: PutConferencePreferenceRequest) -> Result<PutConferencePreferenceResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("PutConferencePreference"))
}

pub(crate) async fn get_conference_preference(ctx: &CallContext, input: GetConferencePreferenceRequest) -> Result<GetConferencePreferenceResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("GetConferencePreference"))
}
