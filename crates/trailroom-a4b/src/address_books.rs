//! Address books: not written yet; every operation answers NotImplementedException.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) async fn create_address_book(ctx: &CallContext, input: CreateAddressBookRequest) -> Result<CreateAddressBookResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("CreateAddressBook"))
}

pub(crate) async fn get_address_book(ctx: &CallContext, input: GetAddressBookRequest) -> Result<GetAddressBookResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("GetAddressBook"))
}

pub(crate) async fn update_address_book(ctx: &CallContext, input: UpdateAddressBookRequest) -> Result<UpdateAddressBookResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("UpdateAddressBook"))
}

pub(crate) async fn delete_address_book(ctx: &CallContext, input: DeleteAddressBookRequest) -> Result<DeleteAddressBookResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DeleteAddressBook"))
}

pub(crate) async fn search_address_books(ctx: &CallContext, input: SearchAddressBooksRequest) -> Result<SearchAddressBooksResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("SearchAddressBooks"))
}

pub(crate) async fn associate_contact_with_address_book(ctx: &CallContext, input: AssociateContactWithAddressBookRequest) -> Result<AssociateContactWithAddressBookResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("AssociateContactWithAddressBook"))
}

pub(crate) async fn disassociate_contact_from_address_book(ctx: &CallContext, input: DisassociateContactFromAddressBookRequest) -> Result<DisassociateContactFromAddressBookResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DisassociateContactFromAddressBook"))
}
