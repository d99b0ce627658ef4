//! PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy on event data stores and
//! dashboards. A store's policy lets other accounts (or principals) query it: authorization reads
//! it as the resource's policy (`crate::access::add_resource_tags`), so another account's
//! StartQuery needs it; and it lets CloudTrail query it for a dashboard's refresh. A dashboard's
//! policy lets CloudTrail refresh it on schedule (`super::dashboards::refresh`).

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
use super::dashboards::{DASHBOARD_KIND, DASHBOARD_RESOURCE_TYPE, DashboardRecord};
use super::record::{EDS_KIND, EventDataStoreRecord};
use crate::trails::required;

/// AWS's limit on a resource policy's size, in characters.
const MAX_POLICY_CHARS: usize = 8192;

/// What a policy call names: an event data store or a dashboard.
enum Target {
    Store(EventDataStoreRecord),
    Dashboard(DashboardRecord),
}

impl Target {
    fn policy(&mut self) -> &mut Option<String> {
        match self {
            Self::Store(s) => &mut s.resource_policy,
            Self::Dashboard(d) => &mut d.resource_policy,
        }
    }

    fn save(&mut self, tx: &mut dyn trailroom_store::WriteTxn, now: i64) -> Result<(), ApiError> {
        let doc = match self {
            Self::Store(s) => {
                s.updated_ms = now;
                s.to_doc()
            }
            Self::Dashboard(d) => d.to_doc(),
        };
        tx.put(&doc.map_err(store_failure)?).map_err(store_failure)
    }
}

/// The `resources[].type` of what `arn` names.
fn resource_type(arn: &str) -> &'static str {
    match arn.contains(":dashboard/") {
        true => DASHBOARD_RESOURCE_TYPE,
        false => EDS_RESOURCE_TYPE,
    }
}

/// The store or dashboard a policy call names by ARN: the caller's, in the calling region.
fn target(
    txn: &dyn ReadTxn,
    ctx_account: &str,
    ctx_region: &str,
    arn: &str,
    now_ms: i64,
) -> Result<Target, ApiError> {
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
    let kind = match resource.split('/').next() {
        Some("eventdatastore") => EDS_KIND,
        Some("dashboard") => DASHBOARD_KIND,
        _ => {
            return Err(ApiError::client(
                "ResourceTypeNotSupportedException",
                format!(
                    "Resource policies are supported on event data stores and dashboards here: \
                     {arn}"
                ),
            ));
        }
    };
    let not_found = || {
        ApiError::client(
            "ResourceNotFoundException",
            format!("The resource {arn} was not found."),
        )
    };
    if *account != ctx_account || *region != ctx_region {
        return Err(not_found());
    }
    let doc = txn
        .get(account, kind, arn)
        .map_err(store_failure)?
        .ok_or_else(not_found)?;
    if kind == DASHBOARD_KIND {
        return Ok(Target::Dashboard(doc.decode().map_err(store_failure)?));
    }
    let store: EventDataStoreRecord = doc.decode().map_err(store_failure)?;
    match store.is_gone(now_ms) {
        true => Err(not_found()),
        false => Ok(Target::Store(store)),
    }
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
    ctx.add_resource(resource_type(&arn), arn.clone());
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    ctx.write(move |tx| {
        let mut found = target(&*tx, &account, &region, &arn, now)?;
        *found.policy() = Some(policy.clone());
        found.save(tx, now)?;
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
    let mut found =
        ctx.read(|txn| target(txn, ctx.account_id(), ctx.region(), &arn, ctx.now_ms()))?;
    ctx.add_resource(resource_type(&arn), arn.clone());
    let policy = found.policy().take().ok_or_else(|| no_policy(&arn))?;
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
    ctx.add_resource(resource_type(&arn), arn.clone());
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    ctx.write(move |tx| {
        let mut found = target(&*tx, &account, &region, &arn, now)?;
        if found.policy().take().is_none() {
            return Err(no_policy(&arn));
        }
        found.save(tx, now)?;
        Ok(DeleteResourcePolicyResponse {})
    })
    .await
}
