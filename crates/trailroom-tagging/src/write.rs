//! TagResources and UntagResources: each named resource is changed through its owning service's
//! rules and permission (`cloudtrail:AddTags`, `s3:PutBucketTagging`, …); a resource that cannot
//! be changed is reported in `FailedResourcesMap` and the others still change.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use trailroom_audit::CallContext;
use trailroom_authz::{Access, Refused};
use trailroom_protocol::ApiError;

use crate::invalid;
use crate::inventory::{Failure, tag_action, tags_of};

/// TagResources' and UntagResources' input.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ChangeInput {
    #[serde(rename = "ResourceARNList")]
    resource_arn_list: Option<Vec<String>>,
    tags: Option<BTreeMap<String, String>>,
    tag_keys: Option<Vec<String>>,
}

/// What one call changes.
pub(crate) struct Change {
    arns: Vec<String>,
    add: BTreeMap<String, String>,
    remove: Vec<String>,
}

impl Change {
    /// TagResources: 1–20 ARNs, 1–50 tags.
    pub(crate) fn tag(input: ChangeInput) -> Result<Self, ApiError> {
        let tags = input.tags.unwrap_or_default();
        if tags.is_empty() || tags.len() > 50 {
            return Err(invalid("Tags must have 1 to 50 entries."));
        }
        Ok(Self {
            arns: arn_list(input.resource_arn_list)?,
            add: tags,
            remove: Vec::new(),
        })
    }

    /// UntagResources: 1–20 ARNs, 1–50 keys.
    pub(crate) fn untag(input: ChangeInput) -> Result<Self, ApiError> {
        let keys = input.tag_keys.unwrap_or_default();
        if keys.is_empty() || keys.len() > 50 {
            return Err(invalid("TagKeys must have 1 to 50 entries."));
        }
        Ok(Self {
            arns: arn_list(input.resource_arn_list)?,
            add: BTreeMap::new(),
            remove: keys,
        })
    }
}

fn arn_list(arns: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
    let mut arns = arns.unwrap_or_default();
    if arns.is_empty() || arns.len() > 20 {
        return Err(invalid("ResourceARNList must name 1 to 20 resources."));
    }
    if arns
        .iter()
        .any(|a| !a.starts_with("arn:") || a.len() > 1011)
    {
        return Err(invalid(
            "ResourceARNList must hold ARNs of up to 1011 characters.",
        ));
    }
    arns.dedup();
    Ok(arns)
}

/// The owning service's permission for the change on `arn`, with the resource's tags.
fn authorize(ctx: &CallContext, arn: &str, adding: bool) -> Result<(), Failure> {
    if !ctx.is_authorizing() {
        return Ok(());
    }
    let action = tag_action(arn, adding)
        .ok_or_else(|| Failure::invalid(400, format!("Unsupported resource type: {arn}")))?;
    let tags = ctx
        .read(|txn| tags_of(txn, ctx.account_id(), ctx.region(), arn))
        .unwrap_or_default()
        .unwrap_or_default();
    let access = Access::new(action, arn).with_resource_tags(&tags);
    trailroom_authz::check_call(ctx, &[access]).map_err(|refused| match refused {
        Refused::Denied(denied) => Failure::invalid(403, denied.message()),
        Refused::Failed(err) => Failure::from_api(&err),
    })
}

/// `FailedResourcesMap`: the ARNs that could not be changed, and why.
pub(crate) struct Failed(Map<String, Value>);

impl Failed {
    /// The response body.
    pub(crate) fn to_response(&self) -> Value {
        json!({"FailedResourcesMap": self.0})
    }
}

impl trailroom_model::Audit for Failed {
    fn to_audit_json(&self) -> Value {
        let failed: Map<String, Value> = self
            .0
            .iter()
            .map(|(arn, f)| {
                let entry = json!({
                    "statusCode": f["StatusCode"],
                    "errorCode": f["ErrorCode"],
                    "errorMessage": f["ErrorMessage"],
                });
                (arn.clone(), entry)
            })
            .collect();
        json!({"failedResourcesMap": failed})
    }
}

fn failure_entry(failure: &Failure) -> Value {
    json!({
        "StatusCode": failure.status,
        "ErrorCode": failure.code,
        "ErrorMessage": failure.message,
    })
}

/// Applies `change` to each permitted resource in one transaction, each resource in its own
/// savepoint so that one refused by its service leaves the others changed.
pub(crate) async fn apply(ctx: &CallContext, change: Change) -> Result<Failed, ApiError> {
    let adding = !change.add.is_empty();
    let mut failed = Map::new();
    let mut permitted = Vec::new();
    for arn in change.arns {
        match authorize(ctx, &arn, adding) {
            Ok(()) => permitted.push(arn),
            Err(failure) => {
                failed.insert(arn, failure_entry(&failure));
            }
        }
    }
    let (account, region) = (ctx.account_id().to_owned(), ctx.region().to_owned());
    let (add, remove) = (change.add, change.remove);
    ctx.write(move |txn| {
        for arn in permitted {
            txn.begin_nested().map_err(trailroom_audit::store_failure)?;
            match crate::inventory::change(txn, &account, &region, &arn, &add, &remove) {
                Ok(()) => txn.commit_nested(),
                Err(failure) => {
                    failed.insert(arn, failure_entry(&failure));
                    txn.rollback_nested()
                }
            }
            .map_err(trailroom_audit::store_failure)?;
        }
        Ok(Failed(failed))
    })
    .await
}
