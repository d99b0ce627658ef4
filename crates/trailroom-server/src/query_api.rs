//! The AWS Query front: one path for every service that speaks AWS Query (STS, IAM, SNS, EC2),
//! told apart by the signing name of the credential scope ([`QueryTarget`]). It answers the
//! calls that need no AWS credentials (federation, SNS's confirmation links), authenticates the
//! rest once, and hands each to its protocol's hooks in the request pipeline: STS and IAM here
//! ([`IdentityProtocol`]), SNS and EC2 in `sns_api` and `ec2_api` (their own XML dialects;
//! SNS's Publish records a data event).

use bytes::Bytes;
use trailroom_audit::CallContext;
use trailroom_iam::{QueryService, request_parameters};
use trailroom_protocol::ApiError;
use trailroom_protocol::query::{self, QueryParams};

use crate::auth::{AuthFailure, Authenticated, Family};
use crate::pipeline::{self, CallFacts, Denial, Incoming, Protocol, Resolved};
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
    let fail = |err: ApiError| query::error(&err, xmlns, incoming.request_id());

    // Users of other identity providers call these without AWS credentials (a signature, if
    // one comes, is not what authorizes them).
    let action = params.action().unwrap_or_default().to_owned();
    if trailroom_iam::federation::is_federated(&action) && scope_target != Some(QueryTarget::Sns) {
        return crate::federation_api::call(state, &incoming, &action, &params).await;
    }

    let authed = match pipeline::verify(state, &incoming) {
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
            let protocol = IdentityProtocol {
                service,
                params: &params,
            };
            pipeline::serve_authenticated(state, &incoming, authed, &protocol).await
        }
        Some(QueryTarget::Sns) => crate::sns_api::call(state, &incoming, &params, authed).await,
        Some(QueryTarget::Ec2) => crate::ec2_api::call(state, &incoming, &params, authed).await,
        None => fail(ApiError::client(
            "InvalidAction",
            format!("No Query service is named {}", authed.service),
        )),
    }
}

/// STS's and IAM's hooks: the call is the request's action.
struct IdentityProtocol<'a> {
    service: QueryService,
    params: &'a QueryParams,
}

impl Protocol for IdentityProtocol<'_> {
    type Call = String;
    type Answer = trailroom_iam::QueryOutput;
    const FAMILY: Family = Family::Query;

    fn resolve(
        &self,
        _incoming: &Incoming,
        authed: &Authenticated,
    ) -> Result<Resolved<String>, ApiError> {
        let action = self.params.action().unwrap_or_default().to_owned();
        let Some((read_only, log_response)) = self.service.operation(&action) else {
            return Err(ApiError::client(
                "InvalidAction",
                format!(
                    "Could not find operation {action} for service {}",
                    authed.service
                ),
            ));
        };
        Ok(Resolved {
            region: self.service.event_region(&authed.region),
            facts: CallFacts {
                event_source: self.service.event_source().into(),
                event_name: action.clone(),
                read_only,
                log_response,
                named_resources: None,
            },
            call: action,
            records_itself: false,
        })
    }

    async fn run(
        &self,
        state: &AppState,
        ctx: &CallContext,
        action: &String,
        _incoming: &Incoming,
    ) -> Result<Self::Answer, ApiError> {
        ctx.set_request_parameters(request_parameters(self.params));
        if state.config.authorization {
            let accesses = trailroom_iam::access::accesses(ctx, self.service, action, self.params)?;
            trailroom_authz::check_call(ctx, &accesses)
                .map_err(|r| Denial::ACCESS_DENIED.refuse(r))?;
        }
        self.service.call(ctx, action, self.params).await
    }

    fn audit(&self, output: &mut Self::Answer) -> serde_json::Value {
        std::mem::take(&mut output.audit)
    }

    fn success(
        &self,
        action: &String,
        output: Self::Answer,
        request_id: &str,
    ) -> http::Response<Bytes> {
        query::success(action, self.service.xmlns(), request_id, |x| {
            x.raw(&output.result_xml);
        })
    }

    fn error(&self, err: &ApiError, request_id: &str) -> http::Response<Bytes> {
        query::error(err, self.service.xmlns(), request_id)
    }
}
