//! The SNS path of the Query front: requests signed for service `sns`, plus the two unsigned
//! links SNS puts in its messages (SubscribeURL and UnsubscribeURL).
//!
//! Management actions are recorded through a [`CallContext`] like IAM's; Publish records its own
//! data event inside trailroom-sns. Unsigned confirmations and unsubscribes record nothing (the
//! caller is unknown).

use bytes::Bytes;
use trailroom_audit::{CallContext, CallInfo};
use trailroom_protocol::ApiError;
use trailroom_protocol::query::{self, QueryParams};
use trailroom_sns::{Recording, XMLNS};

use crate::auth::Authenticated;
use crate::front_door::CallFacts;
use crate::front_door::Incoming;
use crate::state::AppState;

/// The base URL subscribers reach this endpoint at, from the request's `Host`.
fn service_url(incoming: &Incoming) -> String {
    let host = incoming
        .parts
        .headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn call_info(
    incoming: &Incoming,
    authed: Authenticated,
    action: &str,
    read_only: bool,
    log_response: bool,
) -> CallInfo {
    incoming.call_info(
        authed.caller,
        authed.region,
        CallFacts {
            event_source: trailroom_sns::EVENT_SOURCE.into(),
            event_name: action.to_owned(),
            read_only,
            log_response,
            named_resources: None,
        },
    )
}

/// Handles one authenticated SNS request.
/// Whether the caller may make the call; SNS answers a denial `AuthorizationError` (403).
fn authorize(
    state: &AppState,
    info: &CallInfo,
    action: &str,
    params: &QueryParams,
) -> Result<(), ApiError> {
    if !state.config.authorization {
        return Ok(());
    }
    let store = state.store.as_ref();
    let account = info.caller.principal.account_id();
    let accesses = trailroom_sns::access::accesses(store, action, params, &info.region, account);
    let facts = trailroom_authz::CallFacts {
        caller: &info.caller,
        region: &info.region,
        source_ip: &info.source_ip,
        secure: info.tls_details.is_some(),
        now_ms: state.clock.now_ms(),
    };
    trailroom_authz::check(store, &facts, &accesses).map_err(|refused| match refused {
        trailroom_authz::Refused::Denied(denied) => ApiError::new(
            "AuthorizationError",
            trailroom_protocol::StatusCode::FORBIDDEN,
            denied.message(),
        ),
        trailroom_authz::Refused::Failed(err) => err,
    })
}

pub(crate) async fn call(
    state: &AppState,
    incoming: &Incoming,
    params: &QueryParams,
    authed: Authenticated,
) -> http::Response<Bytes> {
    let request_id = incoming.request_id.as_str();
    let action = params.action().unwrap_or_default().to_owned();
    let result = match trailroom_sns::operation(&action) {
        None => Err(ApiError::client(
            "InvalidAction",
            format!("Could not find operation {action} for version 2010-03-31"),
        )),
        Some(Recording::Data) => {
            let info = call_info(incoming, authed, &action, false, true);
            let denied = authorize(state, &info, &action, params).err();
            trailroom_sns::publish(
                &info,
                &state.store,
                state.clock.as_ref(),
                state.config.recording,
                params,
                denied,
            )
            .await
        }
        Some(Recording::Management {
            read_only,
            log_response,
        }) => {
            let info = call_info(incoming, authed, &action, read_only, log_response);
            let ctx = CallContext::new(
                info,
                state.store.clone(),
                state.clock.clone(),
                state.config.recording,
            );
            ctx.set_request_parameters(trailroom_sns::request_parameters(params));
            if let Some(topic) = params.get("TopicArn").filter(|t| !t.is_empty()) {
                ctx.add_resource("AWS::SNS::Topic", topic);
            }
            let result = match authorize(state, ctx.info(), &action, params) {
                Ok(()) => trailroom_sns::call(&ctx, &action, params, &service_url(incoming)).await,
                Err(err) => Err(err),
            };
            match ctx
                .finish(result.as_ref().map(|out| out.audit.clone()))
                .await
            {
                Ok(()) => result,
                Err(err) => Err(err),
            }
        }
    };
    match result {
        Ok(output) => query::success(&action, XMLNS, request_id, |x| {
            x.raw(&output.result_xml);
        }),
        Err(err) => query::error(&err, XMLNS, request_id),
    }
}

/// An unsigned ConfirmSubscription or Unsubscribe (the links in SNS messages); `None` for any
/// other action, which then fails authentication as usual.
pub(crate) async fn unsigned(
    state: &AppState,
    incoming: &Incoming,
    params: &QueryParams,
) -> Option<http::Response<Bytes>> {
    let action = params.action()?;
    let result = match action {
        "ConfirmSubscription" => {
            trailroom_sns::confirm_anonymously(state.store.as_ref(), params).await
        }
        "Unsubscribe" => trailroom_sns::unsubscribe_anonymously(state.store.as_ref(), params).await,
        _ => return None,
    };
    let request_id = incoming.request_id.as_str();
    Some(match result {
        Ok(xml) => query::success(action, XMLNS, request_id, |x| {
            x.raw(&xml);
        }),
        Err(err) => query::error(&err, XMLNS, request_id),
    })
}

/// The certificate whose key signs this process's SNS messages (their `SigningCertURL`).
pub(crate) async fn signing_cert() -> axum::response::Response {
    use axum::response::IntoResponse;
    match trailroom_sns::signing_certificate() {
        Some(pem) => (
            [(http::header::CONTENT_TYPE, "application/x-pem-file")],
            pem,
        )
            .into_response(),
        None => http::StatusCode::NOT_FOUND.into_response(),
    }
}
