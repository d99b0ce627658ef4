//! Gateways and gateway groups: on-premises agents that relay conferencing commands, grouped by
//! site (a4b.md §7.9). Groups come from CreateGatewayGroup; gateways join a group only through the
//! admin surface (the real ones registered themselves with an installer), and the public API can
//! only read and rename them. A group with gateways cannot be deleted.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use trailroom_audit::{CallContext, store_failure};
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::WriteTxn;

use crate::arn::{ResourceType, new_arn};
use crate::support::admin::{AdminAction, AdminCtx};
use crate::support::convert::merged;
use crate::support::errors::{limit_exceeded, renamed};
use crate::support::idempotency::{Token, once};
use crate::support::records::Record;
use crate::support::records::{self, Keys};
use crate::support::search::{binding, page, views};
use crate::support::tags;

const GROUP: ResourceType = ResourceType::GatewayGroup;
const GATEWAY: ResourceType = ResourceType::Gateway;
/// Gateway groups per account (no published quota; a4b.md §5.1).
const MAX_GROUPS: usize = 100;
/// Gateways per account [AG quotas].
const MAX_GATEWAYS: usize = 100;
/// Software version of a freshly registered gateway (a4b.md §7.9).
const DEFAULT_SOFTWARE_VERSION: &str = "1.0.0";

/// A stored gateway group with its creation time (List order). Named by `Name` (unique).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct GroupRecord {
    #[serde(flatten)]
    group: GatewayGroup,
    #[serde(rename = "CreatedTime", default)]
    created_ms: i64,
}

/// A stored gateway with its creation time. Named by `Name` (unique), parented by its group.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct GatewayRecord {
    #[serde(flatten)]
    gateway: Gateway,
    #[serde(rename = "CreatedTime", default)]
    created_ms: i64,
}

pub(crate) async fn get_gateway(
    ctx: &CallContext,
    input: GetGatewayRequest,
) -> Result<GetGatewayResponse, ApiError> {
    let record = ctx.read(|txn| {
        GatewayRecord::require_member(txn, ctx.account_id(), input.gateway_arn.as_deref())
    })?;
    Ok(GetGatewayResponse {
        gateway: Some(record.gateway),
    })
}

/// Changes only the members given; the group cannot change (a4b.md §2.2).
pub(crate) async fn update_gateway(
    ctx: &CallContext,
    input: UpdateGatewayRequest,
) -> Result<UpdateGatewayResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let mut record = GatewayRecord::require_member(tx, &account, input.gateway_arn.as_deref())?;
        let patch = UpdateGatewayRequest {
            gateway_arn: None,
            ..input.clone()
        };
        record.gateway = merged(&record.gateway, &patch)?;
        let name = record.gateway.name.clone().unwrap_or_default();
        record
            .save(tx, &account)
            .map_err(renamed("gateway", name))?;
        Ok(UpdateGatewayResponse {})
    })
    .await
}

/// Sorts records oldest first (ties by ARN) and keeps the model part.
fn oldest_first<R, T>(
    mut records: Vec<R>,
    key: impl Fn(&R) -> (i64, String),
    model: impl Fn(R) -> T,
) -> Vec<T> {
    records.sort_by_key(|r| key(r));
    records.into_iter().map(model).collect()
}

pub(crate) async fn list_gateways(
    ctx: &CallContext,
    input: ListGatewaysRequest,
) -> Result<ListGatewaysResponse, ApiError> {
    let account = ctx.account_id();
    let group = input.gateway_group_arn.as_deref();
    let gateways: Vec<GatewayRecord> = ctx.read(|txn| match group {
        Some(group) => {
            GroupRecord::require_member(txn, account, Some(group))?;
            records::children(txn, account, GATEWAY, group)
        }
        None => records::list(txn, account, GATEWAY),
    })?;
    let gateways = oldest_first(
        gateways,
        |r| (r.created_ms, r.gateway.arn.clone().unwrap_or_default()),
        |r| r.gateway,
    );
    let summaries: Vec<GatewaySummary> = views(&gateways, |x| x)?;
    let (items, next_token) = page(
        summaries,
        input.max_results,
        50,
        input.next_token.as_deref(),
        &binding(&("ListGateways", group)),
    )?;
    Ok(ListGatewaysResponse {
        gateways: Some(items),
        next_token,
    })
}

pub(crate) async fn create_gateway_group(
    ctx: &CallContext,
    input: CreateGatewayGroupRequest,
) -> Result<CreateGatewayGroupResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = new_arn(GROUP, &account, ctx.region());
    let now = ctx.now_ms();
    ctx.write(move |tx| {
        let token = Token::of(
            "CreateGatewayGroup",
            input.client_request_token.as_deref(),
            &input,
        );
        once(tx, &account, token, |tx| {
            if tx
                .list(&account, GROUP.kind())
                .map_err(store_failure)?
                .len()
                >= MAX_GROUPS
            {
                return Err(limit_exceeded("gateway groups", MAX_GROUPS));
            }
            let record = GroupRecord {
                group: GatewayGroup {
                    arn: Some(arn.clone()),
                    name: input.name.clone(),
                    description: input.description.clone(),
                },
                created_ms: records::next_created_time(tx, &account, GROUP, now)?,
            };
            record.save(tx, &account)?;
            tags::set_on_create(tx, &account, &arn, input.tags.as_deref())?;
            let response = CreateGatewayGroupResponse {
                gateway_group_arn: Some(arn),
            };
            Ok(response)
        })
    })
    .await
}

pub(crate) async fn get_gateway_group(
    ctx: &CallContext,
    input: GetGatewayGroupRequest,
) -> Result<GetGatewayGroupResponse, ApiError> {
    let record = ctx.read(|txn| {
        GroupRecord::require_member(txn, ctx.account_id(), input.gateway_group_arn.as_deref())
    })?;
    Ok(GetGatewayGroupResponse {
        gateway_group: Some(record.group),
    })
}

pub(crate) async fn update_gateway_group(
    ctx: &CallContext,
    input: UpdateGatewayGroupRequest,
) -> Result<UpdateGatewayGroupResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let mut record =
            GroupRecord::require_member(tx, &account, input.gateway_group_arn.as_deref())?;
        let patch = UpdateGatewayGroupRequest {
            gateway_group_arn: None,
            ..input.clone()
        };
        record.group = merged(&record.group, &patch)?;
        let name = record.group.name.clone().unwrap_or_default();
        record
            .save(tx, &account)
            .map_err(renamed("gateway group", name))?;
        Ok(UpdateGatewayGroupResponse {})
    })
    .await
}

pub(crate) async fn delete_gateway_group(
    ctx: &CallContext,
    input: DeleteGatewayGroupRequest,
) -> Result<DeleteGatewayGroupResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let arn = GroupRecord::require_member(tx, &account, input.gateway_group_arn.as_deref())?
            .group
            .arn
            .unwrap_or_default();
        let members = tx
            .list_children(&account, GATEWAY.kind(), &arn)
            .map_err(store_failure)?;
        if !members.is_empty() {
            return Err(ApiError::client(
                "ResourceAssociatedException",
                format!(
                    "The gateway group {arn} still contains {} gateway(s).",
                    members.len()
                ),
            ));
        }
        records::delete(tx, &account, GROUP, &arn)?;
        tags::forget(tx, &account, &arn)?;
        Ok(DeleteGatewayGroupResponse {})
    })
    .await
}

pub(crate) async fn list_gateway_groups(
    ctx: &CallContext,
    input: ListGatewayGroupsRequest,
) -> Result<ListGatewayGroupsResponse, ApiError> {
    let groups: Vec<GroupRecord> = ctx.read(|txn| records::list(txn, ctx.account_id(), GROUP))?;
    let groups = oldest_first(
        groups,
        |r| (r.created_ms, r.group.arn.clone().unwrap_or_default()),
        |r| r.group,
    );
    let summaries: Vec<GatewayGroupSummary> = views(&groups, |x| x)?;
    let (items, next_token) = page(
        summaries,
        input.max_results,
        50,
        input.next_token.as_deref(),
        &binding(&"ListGatewayGroups"),
    )?;
    Ok(ListGatewayGroupsResponse {
        gateway_groups: Some(items),
        next_token,
    })
}

fn parse_args<T: serde::de::DeserializeOwned>(args: Value) -> Result<T, ApiError> {
    serde_json::from_value(args)
        .map_err(|e| ApiError::validation(format!("Invalid arguments: {e}")))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RegisterGateway {
    gateway_group_arn: String,
    name: String,
    description: Option<String>,
    software_version: Option<String>,
}

/// Admin: a gateway installed on premises registers itself into a group.
fn register_gateway(tx: &mut dyn WriteTxn, ctx: &AdminCtx, args: Value) -> Result<Value, ApiError> {
    let args: RegisterGateway = parse_args(args)?;
    if args.name.is_empty() || args.name.chars().count() > 253 {
        return Err(ApiError::validation("Name must be 1 to 253 characters."));
    }
    GroupRecord::require_member(tx, &ctx.account, Some(&args.gateway_group_arn))?;
    if tx
        .list(&ctx.account, GATEWAY.kind())
        .map_err(store_failure)?
        .len()
        >= MAX_GATEWAYS
    {
        return Err(limit_exceeded("gateways", MAX_GATEWAYS));
    }
    let arn = new_arn(GATEWAY, &ctx.account, &ctx.region);
    let record = GatewayRecord {
        gateway: Gateway {
            arn: Some(arn.clone()),
            name: Some(args.name),
            description: args.description,
            gateway_group_arn: Some(args.gateway_group_arn),
            software_version: Some(
                args.software_version
                    .unwrap_or_else(|| DEFAULT_SOFTWARE_VERSION.into()),
            ),
        },
        created_ms: records::next_created_time(tx, &ctx.account, GATEWAY, ctx.now_ms)?,
    };
    record.save(tx, &ctx.account)?;
    Ok(serde_json::json!({ "GatewayArn": arn }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeregisterGateway {
    gateway_arn: String,
}

/// Admin: a gateway is uninstalled (moving one = deregister, then register into another group).
fn deregister_gateway(
    tx: &mut dyn WriteTxn,
    ctx: &AdminCtx,
    args: Value,
) -> Result<Value, ApiError> {
    let args: DeregisterGateway = parse_args(args)?;
    GatewayRecord::require_member(tx, &ctx.account, Some(&args.gateway_arn))?;
    records::delete(tx, &ctx.account, GATEWAY, &args.gateway_arn)?;
    tags::forget(tx, &ctx.account, &args.gateway_arn)?;
    Ok(serde_json::json!({ "GatewayArn": args.gateway_arn }))
}

/// Admin actions of this family (see `crate::admin`).
pub(crate) const ADMIN: &[AdminAction] = &[
    AdminAction {
        name: "register-gateway",
        about: "Register a gateway into a gateway group (GatewayGroupArn, Name, Description?, SoftwareVersion? = 1.0.0) → GatewayArn",
        run: register_gateway,
    },
    AdminAction {
        name: "deregister-gateway",
        about: "Remove a gateway from the account (GatewayArn)",
        run: deregister_gateway,
    },
];

impl Record for GroupRecord {
    const TYPE: ResourceType = GROUP;
    const LABEL: &'static str = "gateway group";

    fn record_arn(&self) -> String {
        self.group.arn.clone().unwrap_or_default()
    }

    fn keys(&self) -> Keys<'_> {
        Keys {
            name: self.group.name.as_deref(),
            parent: None,
        }
    }
}

impl Record for GatewayRecord {
    const TYPE: ResourceType = GATEWAY;
    const LABEL: &'static str = "gateway";

    fn record_arn(&self) -> String {
        self.gateway.arn.clone().unwrap_or_default()
    }

    fn keys(&self) -> Keys<'_> {
        Keys {
            name: self.gateway.name.as_deref(),
            parent: self.gateway.gateway_group_arn.as_deref(),
        }
    }
}
