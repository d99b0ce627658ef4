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
use trailroom_sns::{Recording, SnsOutput, XMLNS};

use crate::auth::{Authenticated, Family};
use crate::pipeline::{self, CallFacts, Denial, Incoming, Protocol, Resolved};
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
    trailroom_authz::check(store, &facts, &accesses).map_err(|r| Denial::SNS.refuse(r))
}

/// SNS's hooks: the call is the action and how it is recorded.
struct SnsProtocol<'a> {
    params: &'a QueryParams,
}

impl Protocol for SnsProtocol<'_> {
    type Call = (String, Recording);
    type Answer = SnsOutput;
    const FAMILY: Family = Family::Query;

    fn resolve(
        &self,
        _incoming: &Incoming,
        authed: &Authenticated,
    ) -> Result<Resolved<Self::Call>, ApiError> {
        let action = self.params.action().unwrap_or_default().to_owned();
        let Some(recording) = trailroom_sns::operation(&action) else {
            return Err(ApiError::client(
                "InvalidAction",
                format!("Could not find operation {action} for version 2010-03-31"),
            ));
        };
        let (read_only, log_response) = match recording {
            Recording::Data => (false, true),
            Recording::Management {
                read_only,
                log_response,
            } => (read_only, log_response),
        };
        Ok(Resolved {
            region: authed.region.clone(),
            facts: CallFacts {
                event_source: trailroom_sns::EVENT_SOURCE.into(),
                event_name: action.clone(),
                read_only,
                log_response,
                named_resources: None,
            },
            call: (action, recording),
            // Publish records its data event itself.
            records_itself: recording == Recording::Data,
        })
    }

    async fn run(
        &self,
        state: &AppState,
        ctx: &CallContext,
        (action, recording): &Self::Call,
        incoming: &Incoming,
    ) -> Result<SnsOutput, ApiError> {
        let params = self.params;
        if *recording == Recording::Data {
            let denied = authorize(state, ctx.info(), action, params).err();
            let (store, clock) = (&state.store, state.clock.as_ref());
            let recording = state.config.recording;
            return trailroom_sns::publish(ctx.info(), store, clock, recording, params, denied)
                .await;
        }
        ctx.set_request_parameters(trailroom_sns::request_parameters(params));
        if let Some(topic) = params.get("TopicArn").filter(|t| !t.is_empty()) {
            ctx.add_resource("AWS::SNS::Topic", topic);
        }
        authorize(state, ctx.info(), action, params)?;
        trailroom_sns::call(ctx, action, params, &service_url(incoming)).await
    }

    fn audit(&self, output: &mut SnsOutput) -> serde_json::Value {
        std::mem::take(&mut output.audit)
    }

    fn success(
        &self,
        call: &Self::Call,
        output: SnsOutput,
        request_id: &str,
    ) -> http::Response<Bytes> {
        query::success(&call.0, XMLNS, request_id, |x| {
            x.raw(&output.result_xml);
        })
    }

    fn error(&self, err: &ApiError, request_id: &str) -> http::Response<Bytes> {
        query::error(err, XMLNS, request_id)
    }
}

/// Handles one authenticated SNS request.
pub(crate) async fn call(
    state: &AppState,
    incoming: &Incoming,
    params: &QueryParams,
    authed: Authenticated,
) -> http::Response<Bytes> {
    pipeline::serve_authenticated(state, incoming, authed, &SnsProtocol { params }).await
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
    let request_id = incoming.request_id();
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
