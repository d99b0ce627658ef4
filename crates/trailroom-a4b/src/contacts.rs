//! Contacts: not written yet; every operation answers NotImplementedException.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) async fn create_contact(ctx: &CallContext, input: CreateContactRequest) -> Result<CreateContactResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("CreateContact"))
}

pub(crate) async fn get_contact(ctx: &CallContext, input: GetContactRequest) -> Result<GetContactResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("GetContact"))
}

pub(crate) async fn update_contact(ctx: &CallContext, input: UpdateContactRequest) -> Result<UpdateContactResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("UpdateContact"))
}

pub(crate) async fn delete_contact(ctx: &CallContext, input: DeleteContactRequest) -> Result<DeleteContactResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DeleteContact"))
}

pub(crate) async fn search_contacts(ctx: &CallContext, input: SearchContactsRequest) -> Result<SearchContactsResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("SearchContacts"))
}
