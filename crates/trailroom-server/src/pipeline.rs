//! The request pipeline: the steps every AWS call takes between the front door and its answer,
//! and the hooks each protocol plugs into them.
//!
//! The front door reads a request once ([`Incoming`]: its body, its parsed SigV4 authorization,
//! how it arrived) and picks its protocol. [`serve`] then runs the same steps for every protocol:
//! authenticate against the parsed authorization, let the protocol resolve its operation and the
//! call's audit facts ([`Protocol::resolve`]), build the call's context with the one builder
//! ([`call_context`]), run the call ([`Protocol::run`], which authorizes with its protocol's
//! [`Denial`] wording), record its event unless its write already did ([`conclude`]), and answer
//! in the protocol's format. The Query front authenticates first and then picks one of several
//! protocols by signing name ([`serve_authenticated`]); S3 hands verified requests to s3s; the
//! console's calls use [`Arrival`], [`call_context`] and [`Denial`] directly.

use std::net::SocketAddr;

use bytes::Bytes;
use http::{HeaderMap, header, request::Parts};
use serde_json::Value;
use trailroom_audit::{CallContext, CallInfo, NamedResources};
use trailroom_authz::Refused;
use trailroom_identity::Caller;
use trailroom_protocol::{ApiError, StatusCode};
use trailroom_sigv4::{Authorization, SigV4Error, SignedRequest, UriEncoding};

use crate::auth::{AuthFailure, Authenticated, Family, authenticate_parsed};
use crate::state::AppState;
use crate::tls_session::TlsSession;

/// How a request arrived: what every event records beside the caller and the call.
#[derive(Debug, Clone)]
pub(crate) struct Arrival {
    /// `requestID`, also answered as `x-amzn-RequestId`.
    pub request_id: String,
    /// `sourceIPAddress`: the peer, or the first hop of the trusted proxy header.
    pub source_ip: String,
    /// `userAgent`.
    pub user_agent: String,
    /// `tlsDetails` when the request came over TLS.
    pub tls_details: Option<Value>,
}

impl Arrival {
    /// A request from `peer` with `headers`, under a fresh request id.
    pub(crate) fn new(
        state: &AppState,
        headers: &HeaderMap,
        peer: SocketAddr,
        tls: Option<&TlsSession>,
    ) -> Self {
        Self {
            request_id: uuid::Uuid::new_v4().to_string(),
            source_ip: source_ip(state, headers, peer),
            user_agent: header_text(headers, header::USER_AGENT.as_str()),
            tls_details: tls.map(|t| t.details(&header_text(headers, header::HOST.as_str()))),
        }
    }

    /// The call's audit facts: one builder for every protocol and the console.
    pub(crate) fn call_info(&self, caller: Caller, region: String, facts: CallFacts) -> CallInfo {
        CallInfo {
            caller,
            region,
            request_id: self.request_id.clone(),
            source_ip: self.source_ip.clone(),
            user_agent: self.user_agent.clone(),
            event_source: facts.event_source,
            event_name: facts.event_name,
            read_only: facts.read_only,
            log_response: facts.log_response,
            tls_details: self.tls_details.clone(),
            named_resources: facts.named_resources,
        }
    }
}

/// A request as the front door read it, for every protocol.
pub(crate) struct Incoming {
    pub parts: Parts,
    pub body: Bytes,
    pub arrival: Arrival,
    /// The request's SigV4 authorization (header or query), parsed once for every protocol.
    pub authorization: Result<Authorization, SigV4Error>,
}

impl Incoming {
    /// The request as SigV4 verifies it.
    pub(crate) fn signed(&self) -> SignedRequest<'_> {
        SignedRequest {
            method: self.parts.method.as_str(),
            raw_path: self.parts.uri.path(),
            raw_query: self.parts.uri.query().unwrap_or_default(),
            headers: &self.parts.headers,
            body: &self.body,
        }
    }

    /// The credential scope's service (the signing name), when the request is signed.
    pub(crate) fn signing_name(&self) -> Option<&str> {
        self.authorization
            .as_ref()
            .ok()
            .map(|auth| auth.scope.service.as_str())
    }

    /// `requestID`.
    pub(crate) fn request_id(&self) -> &str {
        &self.arrival.request_id
    }
}

/// What an audit record says about the call itself, beside who made it and how it arrived.
pub(crate) struct CallFacts {
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// `readOnly`.
    pub read_only: bool,
    /// Whether `responseElements` is logged.
    pub log_response: bool,
    /// The rule naming the call's resources, for services that have one.
    pub named_resources: Option<NamedResources>,
}

/// The one builder of a call's context (recording as the server is configured).
pub(crate) fn call_context(state: &AppState, info: CallInfo) -> CallContext {
    CallContext::new(
        info,
        state.store.clone(),
        state.clock.clone(),
        state.config.recording,
    )
}

/// Verifies the request's signature (SigV4's double URI encoding) and resolves its caller.
pub(crate) fn verify(state: &AppState, incoming: &Incoming) -> Result<Authenticated, AuthFailure> {
    authenticate_parsed(
        state.store.as_ref(),
        &incoming.signed(),
        &incoming.authorization,
        UriEncoding::Double,
        state.clock.now_ms(),
    )
}

/// [`verify`], failing in the words of `family`.
pub(crate) fn authenticate(
    state: &AppState,
    incoming: &Incoming,
    family: Family,
) -> Result<Authenticated, ApiError> {
    verify(state, incoming).map_err(|failure| failure.to_api_error(family))
}

/// How a protocol words a refused authorization.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Denial {
    code: &'static str,
    status: StatusCode,
    prefix: &'static str,
}

impl Denial {
    /// AWS JSON 1.1 services (A4B, CloudTrail, Organizations, tagging).
    pub(crate) const JSON: Self = Self::new("AccessDeniedException", StatusCode::BAD_REQUEST);
    /// REST JSON services (`cloudtrail-data`) and the console's own calls.
    pub(crate) const REST_JSON: Self = Self::new("AccessDeniedException", StatusCode::FORBIDDEN);
    /// STS, IAM, and S3 reads the console makes.
    pub(crate) const ACCESS_DENIED: Self = Self::new("AccessDenied", StatusCode::FORBIDDEN);
    /// SNS.
    pub(crate) const SNS: Self = Self::new("AuthorizationError", StatusCode::FORBIDDEN);
    /// EC2.
    pub(crate) const EC2: Self = Self {
        prefix: "You are not authorized to perform this operation. ",
        ..Self::new("UnauthorizedOperation", StatusCode::FORBIDDEN)
    };

    const fn new(code: &'static str, status: StatusCode) -> Self {
        Self {
            code,
            status,
            prefix: "",
        }
    }

    /// The error a refusal answers: a denial in this wording, a failure to decide as it is.
    pub(crate) fn refuse(self, refused: Refused) -> ApiError {
        match refused {
            Refused::Denied(denied) => ApiError::new(
                self.code,
                self.status,
                format!("{}{}", self.prefix, denied.message()),
            ),
            Refused::Failed(err) => err,
        }
    }
}

/// Ends a call: records its event unless its write already did (durable before the answer),
/// and returns what the client gets: a failure to record, else the call's own outcome.
pub(crate) async fn conclude<T>(
    ctx: &CallContext,
    mut result: Result<T, ApiError>,
    audit: impl FnOnce(&mut T) -> Value,
) -> Result<T, ApiError> {
    let recorded = ctx
        .finish(result.as_mut().map(audit).map_err(|err| &*err))
        .await;
    match (result, recorded) {
        (_, Err(err)) => Err(err),
        (result, Ok(())) => result,
    }
}

/// A call a protocol resolved once its caller was known.
pub(crate) struct Resolved<C> {
    /// The protocol's own description of the call (its operation).
    pub call: C,
    /// The region its event is recorded in.
    pub region: String,
    /// Its audit facts.
    pub facts: CallFacts,
    /// Whether the protocol records the call itself (a data event) instead of through the
    /// context.
    pub records_itself: bool,
}

/// A protocol's hooks into the pipeline.
pub(crate) trait Protocol: Sync {
    /// The resolved operation.
    type Call: Send + Sync;
    /// A successful call's answer before rendering.
    type Answer: Send;

    /// The vocabulary its authentication failures use.
    const FAMILY: Family;

    /// Resolves the operation and its facts for an authenticated caller; refuses operations
    /// it does not have, scopes signed for another service and regions it does not serve.
    fn resolve(
        &self,
        incoming: &Incoming,
        authed: &Authenticated,
    ) -> Result<Resolved<Self::Call>, ApiError>;

    /// Runs the call in its context (authorizing it first when authorization is on).
    fn run(
        &self,
        state: &AppState,
        ctx: &CallContext,
        call: &Self::Call,
        incoming: &Incoming,
    ) -> impl Future<Output = Result<Self::Answer, ApiError>> + Send;

    /// The answer's `responseElements` (ignored when the call does not log them); may take
    /// them out of the answer, which is not rendered from them.
    fn audit(&self, answer: &mut Self::Answer) -> Value;

    /// The answer on the wire.
    fn success(
        &self,
        call: &Self::Call,
        answer: Self::Answer,
        request_id: &str,
    ) -> http::Response<Bytes>;

    /// A failure on the wire.
    fn error(&self, err: &ApiError, request_id: &str) -> http::Response<Bytes>;
}

/// Authenticates a request and serves it through `protocol`.
pub(crate) async fn serve<P: Protocol>(
    state: &AppState,
    incoming: &Incoming,
    protocol: &P,
) -> http::Response<Bytes> {
    match authenticate(state, incoming, P::FAMILY) {
        Ok(authed) => serve_authenticated(state, incoming, authed, protocol).await,
        Err(err) => protocol.error(&err, incoming.request_id()),
    }
}

/// Serves an authenticated request through `protocol`: resolve, build the context, run,
/// record, answer.
pub(crate) async fn serve_authenticated<P: Protocol>(
    state: &AppState,
    incoming: &Incoming,
    authed: Authenticated,
    protocol: &P,
) -> http::Response<Bytes> {
    let request_id = incoming.request_id();
    let resolved = match protocol.resolve(incoming, &authed) {
        Ok(resolved) => resolved,
        Err(err) => return protocol.error(&err, request_id),
    };
    let info = incoming
        .arrival
        .call_info(authed.caller, resolved.region, resolved.facts);
    let ctx = match resolved.records_itself {
        true => CallContext::new(info, state.store.clone(), state.clock.clone(), false),
        false => call_context(state, info),
    };
    let call = &resolved.call;
    let result = protocol.run(state, &ctx, call, incoming).await;
    match conclude(&ctx, result, |answer| protocol.audit(answer)).await {
        Ok(answer) => protocol.success(call, answer, request_id),
        Err(err) => protocol.error(&err, request_id),
    }
}

/// The client's address: the peer, or the first hop of the trusted proxy header.
pub(crate) fn source_ip(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> String {
    let forwarded = state
        .config
        .trusted_proxy_header
        .as_deref()
        .and_then(|name| {
            let value = header_text(headers, name);
            value
                .split(',')
                .next()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        });
    forwarded.unwrap_or_else(|| peer.ip().to_string())
}

pub(crate) fn header_text(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_protocol_words_a_denial_its_own_way() {
        let denied = || {
            Refused::Denied(trailroom_authz::Denied {
                principal_arn: "arn:aws:iam::123456789012:user/alice".into(),
                action: "cloudtrail:LookupEvents".into(),
                resource: "*".into(),
                denial: trailroom_policy::Denial {
                    explicit: false,
                    kind: trailroom_policy::PolicyKind::Identity,
                },
            })
        };
        let json = Denial::JSON.refuse(denied());
        assert_eq!(
            (json.code(), json.status()),
            ("AccessDeniedException", StatusCode::BAD_REQUEST)
        );
        let ec2 = Denial::EC2.refuse(denied());
        assert_eq!(ec2.code(), "UnauthorizedOperation");
        assert!(
            ec2.message()
                .starts_with("You are not authorized to perform this operation. ")
        );
        let sns = Denial::SNS.refuse(denied());
        assert_eq!(
            (sns.code(), sns.status()),
            ("AuthorizationError", StatusCode::FORBIDDEN)
        );
        let failed = Denial::SNS.refuse(Refused::Failed(ApiError::internal()));
        assert_eq!(failed.code(), ApiError::internal().code());
    }
}
