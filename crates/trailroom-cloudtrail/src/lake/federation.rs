//! EnableFederation and DisableFederation: Lake query federation of an event data store. AWS
//! registers the store in the Glue Data Catalog for Athena; this server serves neither, so
//! federation here is the store's state as CloudTrail keeps it (`FederationStatus`,
//! `FederationRoleArn`, shown by GetEventDataStore), with its rules: the role must be an IAM
//! role of the caller's account that exists, the store must be active, and a federated store
//! cannot be deleted until federation is disabled.

use trailroom_audit::{CallContext, store_failure};
use trailroom_identity::kinds::ROLE;
use trailroom_model::cloudtrail::{
    DisableFederationRequest, DisableFederationResponse, EnableFederationRequest,
    EnableFederationResponse,
};
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

use super::record::{EdsStatus, EventDataStoreRecord};
use super::{EDS_RESOURCE_TYPE, StoreRef};
use crate::trails::required;

fn invalid_parameter(message: String) -> ApiError {
    ApiError::client("InvalidParameterException", message)
}

/// The role a `FederationRoleArn` names: an existing role of `account`.
fn checked_role(txn: &dyn ReadTxn, account: &str, arn: &str) -> Result<(), ApiError> {
    let name = arn
        .strip_prefix(&format!("arn:aws:iam::{account}:role/"))
        .map(|path_and_name| path_and_name.rsplit('/').next().unwrap_or_default())
        .filter(|name| !name.is_empty())
        .ok_or_else(|| {
            invalid_parameter(format!(
                "FederationRoleArn must be the ARN of an IAM role of account {account}: {arn}"
            ))
        })?;
    match txn.get(account, ROLE, name).map_err(store_failure)? {
        Some(_) => Ok(()),
        None => Err(invalid_parameter(format!(
            "The federation role {arn} does not exist."
        ))),
    }
}

fn active(store: &EventDataStoreRecord) -> Result<(), ApiError> {
    match store.status {
        EdsStatus::PendingDeletion => Err(ApiError::client(
            "InactiveEventDataStoreException",
            format!("The event data store {} is pending deletion.", store.arn),
        )),
        _ => Ok(()),
    }
}

/// EnableFederation.
pub(crate) async fn enable_federation(
    ctx: &CallContext,
    input: EnableFederationRequest,
) -> Result<EnableFederationResponse, ApiError> {
    let target = StoreRef::parse(&required(input.event_data_store, "EventDataStore")?, ctx)?;
    let role = required(input.federation_role_arn, "FederationRoleArn")?;
    ctx.add_resource(EDS_RESOURCE_TYPE, target.arn.clone());
    let (account, now) = (ctx.account_id().to_owned(), ctx.now_ms());
    ctx.write(move |tx| {
        let mut store = target.find(&*tx, now)?;
        active(&store)?;
        checked_role(&*tx, &account, &role)?;
        store.federation_role = Some(role.clone());
        store.updated_ms = now;
        tx.put(&store.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(EnableFederationResponse {
            event_data_store_arn: Some(store.arn),
            federation_status: Some("ENABLED".into()),
            federation_role_arn: Some(role),
        })
    })
    .await
}

/// DisableFederation.
pub(crate) async fn disable_federation(
    ctx: &CallContext,
    input: DisableFederationRequest,
) -> Result<DisableFederationResponse, ApiError> {
    let target = StoreRef::parse(&required(input.event_data_store, "EventDataStore")?, ctx)?;
    ctx.add_resource(EDS_RESOURCE_TYPE, target.arn.clone());
    let now = ctx.now_ms();
    ctx.write(move |tx| {
        let mut store = target.find(&*tx, now)?;
        active(&store)?;
        if store.federation_role.take().is_some() {
            store.updated_ms = now;
            tx.put(&store.to_doc().map_err(store_failure)?)
                .map_err(store_failure)?;
        }
        Ok(DisableFederationResponse {
            event_data_store_arn: Some(store.arn),
            federation_status: Some("DISABLED".into()),
        })
    })
    .await
}
