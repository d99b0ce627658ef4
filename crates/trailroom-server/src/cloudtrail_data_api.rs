//! The `cloudtrail-data` service (REST JSON, signing name `cloudtrail-data`): `POST
//! /PutAuditEvents?channelArn=…[&externalId=…]`, events from outside AWS sent to a Lake channel
//! (`trailroom_cloudtrail::lake::audit_events`). Authenticated like every call, authorized as
//! `cloudtrail-data:PutAuditEvents` on the channel, recorded as a data event on the channel
//! (`AWS::CloudTrail::Channel`, `eventSource` `cloudtrail-data.amazonaws.com`; the request's
//! channel, not its events).

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use serde::Deserialize;
use serde_json::json;
use trailroom_audit::{CallContext, DataEvent, Resource, data_event, store_failure};
use trailroom_authz::Access;
use trailroom_cloudtrail::lake::audit_events::{AuditEvent, put_audit_events};
use trailroom_protocol::{ApiError, json as json_protocol};

use crate::auth::{AuthFailure, Authenticated, Family};
use crate::pipeline::{self, CallFacts, Denial, Incoming, Protocol, Resolved};
use crate::state::AppState;

/// The signing name (and endpoint prefix) of the service.
pub(crate) const SIGNING_NAME: &str = "cloudtrail-data";
const EVENT_SOURCE: &str = "cloudtrail-data.amazonaws.com";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    #[serde(default)]
    audit_events: Option<Vec<AuditEvent>>,
}

/// The `cloudtrail-data` protocol's hooks. The call is the request's query string.
struct CloudTrailData;

impl Protocol for CloudTrailData {
    type Call = BTreeMap<String, String>;
    type Answer = Vec<u8>;
    const FAMILY: Family = Family::Json;

    fn resolve(
        &self,
        incoming: &Incoming,
        authed: &Authenticated,
    ) -> Result<Resolved<Self::Call>, ApiError> {
        if authed.service != SIGNING_NAME {
            return Err(AuthFailure::WrongService(SIGNING_NAME).to_api_error(Family::Json));
        }
        if incoming.parts.method != Method::POST || incoming.parts.uri.path() != "/PutAuditEvents" {
            return Err(ApiError::unknown_operation());
        }
        trailroom_audit::request_note::note(|n| {
            n.operation
                .get_or_insert_with(|| "PutAuditEvents".to_owned());
        });
        let query = serde_urlencoded::from_str(incoming.parts.uri.query().unwrap_or_default())
            .map_err(|_| ApiError::validation("The query string is not valid."))?;
        Ok(Resolved {
            call: query,
            region: authed.region.clone(),
            facts: CallFacts {
                event_source: EVENT_SOURCE.into(),
                event_name: "PutAuditEvents".into(),
                read_only: false,
                log_response: false,
                named_resources: None,
            },
            // A data event on the channel, not a management event of the context.
            records_itself: true,
        })
    }

    async fn run(
        &self,
        state: &AppState,
        ctx: &CallContext,
        query: &Self::Call,
        incoming: &Incoming,
    ) -> Result<Vec<u8>, ApiError> {
        let result = put(state, ctx, query, &incoming.body).await;
        if state.config.recording {
            record(state, ctx.info(), query, result.as_ref().map(|_| ())).await?;
        }
        result
    }

    fn audit(&self, _: &mut Vec<u8>) -> serde_json::Value {
        serde_json::Value::Null
    }

    fn success(&self, _: &Self::Call, body: Vec<u8>, _: &str) -> http::Response<Bytes> {
        json_protocol::success(body)
    }

    fn error(&self, err: &ApiError, _: &str) -> http::Response<Bytes> {
        json_protocol::error(err)
    }
}

/// Handles one `cloudtrail-data` request.
pub(crate) async fn call(state: &AppState, incoming: Incoming) -> http::Response<Bytes> {
    pipeline::serve(state, &incoming, &CloudTrailData).await
}

/// Records the call as a data event on its channel, durable before the answer.
async fn record(
    state: &AppState,
    info: &trailroom_audit::CallInfo,
    query: &BTreeMap<String, String>,
    outcome: Result<(), &ApiError>,
) -> Result<(), ApiError> {
    let channel = query.get("channelArn").cloned().unwrap_or_default();
    let arn = match channel.starts_with("arn:") {
        true => channel.clone(),
        false => format!(
            "arn:aws:cloudtrail:{}:{}:channel/{channel}",
            info.region,
            info.caller.principal.account_id()
        ),
    };
    let mut parameters = json!({ "channelArn": channel });
    if let Some(external) = query.get("externalId") {
        parameters["externalId"] = json!(external);
    }
    let resources = [Resource {
        resource_type: "AWS::CloudTrail::Channel".into(),
        name: arn,
    }];
    let event = DataEvent {
        info,
        request_parameters: parameters,
        response_elements: serde_json::Value::Null,
        resources: if channel.is_empty() { &[] } else { &resources },
        resource_account: None,
    };
    let row = data_event(&event, outcome, state.clock.now_ms());
    trailroom_store::write(state.store.as_ref(), move |txn| txn.append_event(&row))
        .await
        .map_err(store_failure)?
        .map_err(store_failure)?;
    Ok(())
}

async fn put(
    state: &AppState,
    ctx: &CallContext,
    query: &BTreeMap<String, String>,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let channel = query.get("channelArn").cloned().unwrap_or_default();
    let mut parameters = json!({ "channelArn": channel });
    if let Some(external) = query.get("externalId") {
        parameters["externalId"] = json!(external);
    }
    ctx.set_request_parameters(parameters.clone());
    if state.config.authorization {
        ctx.set_authorizer(Arc::new(move |ctx, parameters| {
            let channel = parameters
                .and_then(|p| p.get("channelArn"))
                .and_then(serde_json::Value::as_str)
                .unwrap_or("*");
            let access = Access::new("cloudtrail-data:PutAuditEvents", channel);
            trailroom_authz::check_call(ctx, &[access]).map_err(|r| Denial::REST_JSON.refuse(r))
        }));
    }
    ctx.check_authorized(Some(&parameters))?;
    if channel.is_empty() {
        return Err(ApiError::validation(
            "1 validation error detected: Value null at 'channelArn' failed to satisfy \
             constraint: Member must not be null",
        ));
    }
    let body: Body = serde_json::from_slice(body)
        .map_err(|e| ApiError::validation(format!("The request body is not valid JSON: {e}")))?;
    let events = body.audit_events.ok_or_else(|| {
        ApiError::validation(
            "1 validation error detected: Value null at 'auditEvents' failed to satisfy \
             constraint: Member must not be null",
        )
    })?;
    let lake = state.cloudtrail.lake.as_ref().ok_or_else(|| {
        ApiError::client(
            "UnsupportedOperationException",
            "CloudTrail Lake is not enabled on this server.",
        )
    })?;
    let now_iso = trailroom_audit::record::format_event_time(ctx.now_ms());
    let output = put_audit_events(ctx, lake, &channel, events, &now_iso).await?;
    Ok(serde_json::to_vec(&output).unwrap_or_default())
}
