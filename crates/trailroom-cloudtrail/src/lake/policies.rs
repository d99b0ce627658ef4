//! PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy on event data stores: the policy
//! lets other accounts (or principals) query a store; authorization reads it as the resource's
//! policy (`crate::access::add_resource_tags`), so another account's StartQuery needs it.

use serde_json::Value;
use trailroom_audit::{CallContext, store_failure};
use trailroom_model::cloudtrail::{
    DeleteResourcePolicyRequest, DeleteResourcePolicyResponse, GetResourcePolicyRequest,
    GetResourcePolicyResponse, PutResourcePolicyRequest, PutResourcePolicyResponse,
};
use trailroom_policy::resource::{statements, validate_statement};
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

use super::EDS_RESOURCE_TYPE;
use super::record::{EDS_KIND, EventDataStoreRecord};
use crate::trails::required;

/// AWS's limit on a resource policy's size, in characters.
const MAX_POLICY_CHARS: usize = 8192;

/// The store a policy call names by ARN: the caller's, in the calling region.
fn target(
    txn: &dyn ReadTxn,
    ctx_account: &str,
    ctx_region: &str,
    arn: &str,
    now_ms: i64,
) -> Result<EventDataStoreRecord, ApiError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, service, region, account, resource] = parts.as_slice() else {
        return Err(ApiError::client(
            "ResourceARNNotValidException",
            format!("The resource ARN is not valid: {arn}"),
        ));
    };
    if *service != "cloudtrail" {
        return Err(ApiError::client(
            "ResourceARNNotValidException",
            format!("The resource ARN is not a CloudTrail ARN: {arn}"),
        ));
    }
    if !resource.starts_with("eventdatastore/") {
        return Err(ApiError::client(
            "ResourceTypeNotSupportedException",
            format!("Resource policies are supported on event data stores here: {arn}"),
        ));
    }
    let not_found = || {
        ApiError::client(
            "ResourceNotFoundException",
            format!("The resource {arn} was not found."),
        )
    };
    if *account != ctx_account || *region != ctx_region {
        return Err(not_found());
    }
    txn.get(account, EDS_KIND, arn)
        .map_err(store_failure)?
        .map(|doc| doc.decode::<EventDataStoreRecord>())
        .transpose()
        .map_err(store_failure)?
        .filter(|s| !s.is_gone(now_ms))
        .ok_or_else(not_found)
}

/// Checks a policy's text: JSON with statements AWS would accept.
fn checked_policy(text: &str) -> Result<(), ApiError> {
    let invalid = |message: String| ApiError::client("ResourcePolicyNotValidException", message);
    if text.chars().count() > MAX_POLICY_CHARS {
        return Err(invalid(format!(
            "The policy is longer than {MAX_POLICY_CHARS} characters."
        )));
    }
    let policy: Value = serde_json::from_str(text)
        .map_err(|e| invalid(format!("The policy is not valid JSON: {e}")))?;
    let found = statements(&policy);
    if found.is_empty() {
        return Err(invalid("The policy has no Statement.".into()));
    }
    found
        .into_iter()
        .try_for_each(|s| validate_statement(s).map_err(invalid))
}

/// PutResourcePolicy.
pub(crate) async fn put_resource_policy(
    ctx: &CallContext,
    input: PutResourcePolicyRequest,
) -> Result<PutResourcePolicyResponse, ApiError> {
    let arn = required(input.resource_arn, "ResourceArn")?;
    let policy = required(input.resource_policy, "ResourcePolicy")?;
    checked_policy(&policy)?;
    ctx.add_resource(EDS_RESOURCE_TYPE, arn.clone());
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    ctx.write(move |tx| {
        let mut store = target(&*tx, &account, &region, &arn, now)?;
        store.resource_policy = Some(policy.clone());
        store.updated_ms = now;
        tx.put(&store.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(PutResourcePolicyResponse {
            resource_arn: Some(arn),
            resource_policy: Some(policy),
            delegated_admin_resource_policy: None,
        })
    })
    .await
}

/// GetResourcePolicy.
pub(crate) fn get_resource_policy(
    ctx: &CallContext,
    input: GetResourcePolicyRequest,
) -> Result<GetResourcePolicyResponse, ApiError> {
    let arn = required(input.resource_arn, "ResourceArn")?;
    let store = ctx.read(|txn| target(txn, ctx.account_id(), ctx.region(), &arn, ctx.now_ms()))?;
    ctx.add_resource(EDS_RESOURCE_TYPE, arn.clone());
    let policy = store.resource_policy.ok_or_else(|| no_policy(&arn))?;
    Ok(GetResourcePolicyResponse {
        resource_arn: Some(arn),
        resource_policy: Some(policy),
        delegated_admin_resource_policy: None,
    })
}

fn no_policy(arn: &str) -> ApiError {
    ApiError::client(
        "ResourcePolicyNotFoundException",
        format!("The resource {arn} has no resource policy."),
    )
}

/// DeleteResourcePolicy.
pub(crate) async fn delete_resource_policy(
    ctx: &CallContext,
    input: DeleteResourcePolicyRequest,
) -> Result<DeleteResourcePolicyResponse, ApiError> {
    let arn = required(input.resource_arn, "ResourceArn")?;
    ctx.add_resource(EDS_RESOURCE_TYPE, arn.clone());
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    ctx.write(move |tx| {
        let mut store = target(&*tx, &account, &region, &arn, now)?;
        if store.resource_policy.take().is_none() {
            return Err(no_policy(&arn));
        }
        store.updated_ms = now;
        tx.put(&store.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(DeleteResourcePolicyResponse {})
    })
    .await
}
