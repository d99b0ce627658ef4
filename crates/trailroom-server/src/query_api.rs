//! The AWS Query front: one path for every service that speaks AWS Query (STS, IAM, SNS, EC2),
//! told apart by the signing name of the credential scope ([`QueryTarget`]). It answers the
//! calls that need no AWS credentials (federation, SNS's confirmation links), authenticates the
//! rest once, and hands each to its service: STS and IAM run here (authorize, run the action,
//! record the event, answer in XML); SNS and EC2 through their own hooks (`sns_api`, `ec2_api`),
//! which record data events and answer in their own XML dialects.

use bytes::Bytes;
use trailroom_audit::CallContext;
use trailroom_iam::{QueryService, request_parameters};
use trailroom_protocol::query::{self, QueryParams};
use trailroom_protocol::{ApiError, StatusCode};
use trailroom_sigv4::UriEncoding;

use crate::auth::{AuthFailure, Authenticated, Family, authenticate_parsed};
use crate::front_door::CallFacts;
use crate::front_door::Incoming;
use crate::state::AppState;

/// A service of the Query front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QueryTarget {
    /// STS or IAM.
    Identity(QueryService),
    /// SNS.
    Sns,
    /// EC2 (the read-only calls scanners make).
    Ec2,
}

impl QueryTarget {
    /// The service a credential scope's signing name names.
    fn of(signing_name: &str) -> Option<Self> {
        match signing_name {
            "sns" => Some(Self::Sns),
            "ec2" => Some(Self::Ec2),
            other => QueryService::from_signing_name(other).map(Self::Identity),
        }
    }

    /// The XML namespace of its answers.
    fn xmlns(self) -> &'static str {
        match self {
            Self::Identity(service) => service.xmlns(),
            Self::Sns => trailroom_sns::XMLNS,
            Self::Ec2 => trailroom_ec2::XMLNS,
        }
    }
}

/// Whether the caller may make the call: IAM and STS answer a denial `AccessDenied` (403).
fn authorize(
    ctx: &CallContext,
    service: QueryService,
    action: &str,
    params: &QueryParams,
) -> Result<(), ApiError> {
    let accesses = trailroom_iam::access::accesses(ctx, service, action, params)?;
    trailroom_authz::check_call(ctx, &accesses).map_err(|refused| match refused {
        trailroom_authz::Refused::Denied(denied) => {
            ApiError::new("AccessDenied", StatusCode::FORBIDDEN, denied.message())
        }
        trailroom_authz::Refused::Failed(err) => err,
    })
}

/// Handles one Query request.
pub(crate) async fn call(
    state: &AppState,
    incoming: Incoming,
    params: QueryParams,
) -> http::Response<Bytes> {
    let scope_target = incoming.signing_name().and_then(QueryTarget::of);
    // Errors before the service is known are answered as STS answers them.
    let xmlns = scope_target
        .unwrap_or(QueryTarget::Identity(QueryService::Sts))
        .xmlns();
    let fail = |err: ApiError| query::error(&err, xmlns, &incoming.request_id);

    // Users of other identity providers call these without AWS credentials (a signature, if
    // one comes, is not what authorizes them).
    let action = params.action().unwrap_or_default().to_owned();
    if trailroom_iam::federation::is_federated(&action) && scope_target != Some(QueryTarget::Sns) {
        return crate::federation_api::call(state, &incoming, &action, &params).await;
    }

    let authed = match authenticate_parsed(
        state.store.as_ref(),
        &incoming.signed(),
        &incoming.authorization,
        UriEncoding::Double,
        state.clock.now_ms(),
    ) {
        Ok(authed) => authed,
        Err(AuthFailure::Missing) => {
            // SNS's SubscribeURL and UnsubscribeURL work without credentials.
            if let Some(response) = crate::sns_api::unsigned(state, &incoming, &params).await {
                return response;
            }
            return fail(AuthFailure::Missing.to_api_error(Family::Query));
        }
        Err(failure) => return fail(failure.to_api_error(Family::Query)),
    };
    match QueryTarget::of(&authed.service) {
        Some(QueryTarget::Identity(service)) => {
            identity_call(state, &incoming, &params, authed, service).await
        }
        Some(QueryTarget::Sns) => crate::sns_api::call(state, &incoming, &params, authed).await,
        Some(QueryTarget::Ec2) => crate::ec2_api::call(state, &incoming, &params, authed).await,
        None => fail(ApiError::client(
            "InvalidAction",
            format!("No Query service is named {}", authed.service),
        )),
    }
}

/// An authenticated STS or IAM call: authorize, run, record, answer.
async fn identity_call(
    state: &AppState,
    incoming: &Incoming,
    params: &QueryParams,
    authed: Authenticated,
    service: QueryService,
) -> http::Response<Bytes> {
    let xmlns = service.xmlns();
    let fail = |err: ApiError| query::error(&err, xmlns, &incoming.request_id);
    let action = params.action().unwrap_or_default().to_owned();
    let Some((read_only, log_response)) = service.operation(&action) else {
        return fail(ApiError::client(
            "InvalidAction",
            format!(
                "Could not find operation {action} for service {}",
                authed.service
            ),
        ));
    };
    let region = service.event_region(&authed.region);
    let ctx = CallContext::new(
        incoming.call_info(
            authed.caller,
            region,
            CallFacts {
                event_source: service.event_source().into(),
                event_name: action.clone(),
                read_only,
                log_response,
                named_resources: None,
            },
        ),
        state.store.clone(),
        state.clock.clone(),
        state.config.recording,
    );
    ctx.set_request_parameters(request_parameters(params));
    let allowed = match state.config.authorization {
        true => authorize(&ctx, service, &action, params),
        false => Ok(()),
    };
    let result = match allowed {
        Ok(()) => service.call(&ctx, &action, params).await,
        Err(err) => Err(err),
    };
    let recorded = ctx
        .finish(result.as_ref().map(|out| out.audit.clone()))
        .await;
    match (result, recorded) {
        (_, Err(err)) | (Err(err), Ok(())) => fail(err),
        (Ok(output), Ok(())) => query::success(&action, xmlns, &incoming.request_id, |x| {
            x.raw(&output.result_xml);
        }),
    }
}
