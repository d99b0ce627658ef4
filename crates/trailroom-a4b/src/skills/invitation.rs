//! The invitation configuration (a4b.md §7.5): an account singleton that renders the enrollment
//! email, naming the organization, a contact address and up to three private skills to
//! recommend. Put replaces it whole; Get is NotFound until the first Put.

use trailroom_audit::{CallContext, store_failure};
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::Doc;

use crate::records::skills as org;
use crate::support::errors::{not_found, required};

const KIND: &str = "a4b_invitation_configuration";
/// The singleton's id within the account.
const ID: &str = "configuration";

pub(crate) async fn put_invitation_configuration(
    ctx: &CallContext,
    input: PutInvitationConfigurationRequest,
) -> Result<PutInvitationConfigurationResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let configuration = GetInvitationConfigurationResponse {
        organization_name: Some(required(input.organization_name, "organizationName")?),
        contact_email: input.contact_email,
        private_skill_ids: input.private_skill_ids,
    };
    ctx.write(move |tx| {
        for id in configuration.private_skill_ids.iter().flatten() {
            let private = org::known(tx, &account, id)?.is_some_and(|s| s.private);
            if !private {
                return Err(not_found(&format!("private skill {id}")));
            }
        }
        let doc = Doc::new(&account, KIND, ID, &configuration).map_err(store_failure)?;
        tx.put(&doc).map_err(store_failure)?;
        Ok(PutInvitationConfigurationResponse {})
    })
    .await
}

pub(crate) async fn get_invitation_configuration(
    ctx: &CallContext,
    _input: GetInvitationConfigurationRequest,
) -> Result<GetInvitationConfigurationResponse, ApiError> {
    let doc = ctx.read(|txn| txn.get(ctx.account_id(), KIND, ID).map_err(store_failure))?;
    let doc = doc.ok_or_else(|| not_found("invitation configuration"))?;
    doc.decode().map_err(store_failure)
}
