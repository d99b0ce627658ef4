//! The AWS JSON 1.1 protocol (A4B, CloudTrail, Organizations, the Resource Groups Tagging API):
//! its hooks into the request pipeline resolve the service and operation an `X-Amz-Target`
//! names, authorize and dispatch to the generated service code, and answer in JSON.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;
use trailroom_audit::{CallContext, NamedResources};
use trailroom_authz::Access;
use trailroom_model::{Dispatched, DispatchedOk, a4b, cloudtrail};
use trailroom_protocol::ApiError;
use trailroom_protocol::json::{self, Target};

use crate::auth::{AuthFailure, Authenticated, Family};
use crate::pipeline::{self, CallFacts, Denial, Incoming, Protocol, Resolved};
use crate::state::AppState;

/// The JSON services on this endpoint.
#[derive(Debug, Clone, Copy)]
enum JsonService {
    A4b(a4b::Operation),
    CloudTrail(cloudtrail::Operation),
    Organizations(trailroom_organizations::Operation),
    Tagging(trailroom_tagging::Operation),
}

impl JsonService {
    fn resolve(target: &Target<'_>) -> Result<Self, ApiError> {
        let unknown = ApiError::unknown_operation;
        if target.prefix_matches(a4b::TARGET_PREFIX) {
            a4b::Operation::from_name(target.operation)
                .map(Self::A4b)
                .ok_or_else(unknown)
        } else if target.prefix_matches(cloudtrail::TARGET_PREFIX) {
            cloudtrail::Operation::from_name(target.operation)
                .map(Self::CloudTrail)
                .ok_or_else(unknown)
        } else if target.prefix_matches(trailroom_organizations::TARGET_PREFIX) {
            trailroom_organizations::OPERATIONS
                .find(target.operation)
                .map(Self::Organizations)
                .ok_or_else(unknown)
        } else if target.prefix_matches(trailroom_tagging::TARGET_PREFIX) {
            trailroom_tagging::OPERATIONS
                .find(target.operation)
                .map(Self::Tagging)
                .ok_or_else(unknown)
        } else {
            Err(unknown())
        }
    }

    fn meta(self) -> (&'static str, bool, &'static str) {
        match self {
            Self::A4b(op) => (op.name(), op.read_only(), a4b::EVENT_SOURCE),
            Self::CloudTrail(op) => (op.name(), op.read_only(), cloudtrail::EVENT_SOURCE),
            Self::Organizations(op) => (
                op.name(),
                op.read_only(),
                trailroom_organizations::EVENT_SOURCE,
            ),
            Self::Tagging(op) => (op.name(), op.read_only(), trailroom_tagging::EVENT_SOURCE),
        }
    }

    /// The signing name its credential scope must carry.
    fn signing_name(self) -> &'static str {
        match self {
            Self::A4b(_) => "a4b",
            Self::CloudTrail(_) => "cloudtrail",
            Self::Organizations(_) => "organizations",
            Self::Tagging(_) => trailroom_tagging::SIGNING_NAME,
        }
    }

    /// What the call needs permission for.
    fn accesses(self, parameters: Option<&Value>, region: &str, account: &str) -> Vec<Access> {
        match self {
            Self::A4b(op) => trailroom_a4b::access::accesses(op, parameters, region, account),
            Self::CloudTrail(op) => {
                trailroom_cloudtrail::access::accesses(op, parameters, region, account)
            }
            Self::Organizations(op) => {
                vec![Access::new(format!("organizations:{}", op.name()), "*")]
            }
            // Each resource TagResources/UntagResources changes also needs its own service's
            // permission; the tagging crate checks those one by one.
            Self::Tagging(op) => vec![Access::new(format!("tag:{}", op.name()), "*")],
        }
    }

    /// The accesses with the named resources' own tags (`aws:ResourceTag/*`).
    fn with_resource_tags(
        self,
        ctx: &CallContext,
        accesses: Vec<Access>,
    ) -> Result<Vec<Access>, ApiError> {
        let named = |access: &Access| access.resource != "*" && !access.resource.ends_with("/*");
        if !accesses.iter().any(named) {
            return Ok(accesses);
        }
        let mut accesses = Some(accesses);
        ctx.read(|txn| {
            let accesses = accesses.take().unwrap_or_default();
            match self {
                Self::A4b(_) => trailroom_a4b::access::add_resource_tags(txn, accesses),
                Self::CloudTrail(_) => {
                    trailroom_cloudtrail::access::add_resource_tags(txn, ctx.account_id(), accesses)
                }
                Self::Organizations(_) | Self::Tagging(_) => Ok(accesses),
            }
        })
    }

    fn named_resources(self) -> Option<NamedResources> {
        match self {
            Self::A4b(_) => Some(trailroom_a4b::resources::named_resources),
            Self::CloudTrail(_) | Self::Organizations(_) | Self::Tagging(_) => None,
        }
    }

    /// The service's own region rule (A4B exists only in us-east-1).
    fn check_region(self, region: &str) -> Result<(), ApiError> {
        match self {
            Self::A4b(_) => trailroom_a4b::check_region(region),
            _ => Ok(()),
        }
    }
}

/// The JSON 1.1 protocol's hooks: the services behind one `X-Amz-Target`.
struct JsonProtocol<'a> {
    target: Target<'a>,
}

impl Protocol for JsonProtocol<'_> {
    type Call = JsonService;
    type Answer = DispatchedOk;
    const FAMILY: Family = Family::Json;

    fn resolve(
        &self,
        _incoming: &Incoming,
        authed: &Authenticated,
    ) -> Result<Resolved<JsonService>, ApiError> {
        let service = JsonService::resolve(&self.target)?;
        if authed.service != service.signing_name() {
            return Err(
                AuthFailure::WrongService(service.signing_name()).to_api_error(Family::Json)
            );
        }
        service.check_region(&authed.region)?;
        let (name, read_only, event_source) = service.meta();
        Ok(Resolved {
            call: service,
            region: authed.region.clone(),
            facts: CallFacts {
                event_source: event_source.into(),
                event_name: name.into(),
                read_only,
                log_response: !read_only,
                named_resources: service.named_resources(),
            },
            records_itself: false,
        })
    }

    async fn run(
        &self,
        state: &AppState,
        ctx: &CallContext,
        service: &JsonService,
        incoming: &Incoming,
    ) -> Result<DispatchedOk, ApiError> {
        let service = *service;
        if state.config.authorization {
            ctx.set_authorizer(Arc::new(move |ctx, parameters| {
                let accesses = service.accesses(parameters, ctx.region(), ctx.account_id());
                let accesses = service.with_resource_tags(ctx, accesses)?;
                trailroom_authz::check_call(ctx, &accesses).map_err(|r| Denial::JSON.refuse(r))
            }));
        }
        dispatch(state, ctx, service, &incoming.body).await.result
    }

    fn audit(&self, answer: &mut DispatchedOk) -> Value {
        answer.response_elements.take().unwrap_or_default()
    }

    fn success(&self, _: &JsonService, answer: DispatchedOk, _: &str) -> http::Response<Bytes> {
        json::success(answer.body)
    }

    fn error(&self, err: &ApiError, _: &str) -> http::Response<Bytes> {
        json::error(err)
    }
}

/// Handles one JSON 1.1 request.
pub(crate) async fn call(
    state: &AppState,
    incoming: Incoming,
    target: &str,
) -> http::Response<Bytes> {
    match Target::parse(target) {
        Some(target) => pipeline::serve(state, &incoming, &JsonProtocol { target }).await,
        None => json::error(&ApiError::unknown_operation()),
    }
}

async fn dispatch(
    state: &AppState,
    ctx: &CallContext,
    service: JsonService,
    body: &[u8],
) -> Dispatched {
    match service {
        JsonService::A4b(op) => a4b::dispatch(state.a4b.as_ref(), ctx, op, body).await,
        JsonService::CloudTrail(op) => {
            cloudtrail::dispatch(state.cloudtrail.as_ref(), ctx, op, body).await
        }
        JsonService::Organizations(op) => Dispatched {
            result: trailroom_organizations::call(ctx, op, body).await.map(
                |(body, response_elements)| trailroom_model::DispatchedOk {
                    body,
                    response_elements,
                },
            ),
        },
        JsonService::Tagging(op) => Dispatched {
            result: trailroom_tagging::call(ctx, op, body).await.map(|body| {
                trailroom_model::DispatchedOk {
                    body,
                    response_elements: None,
                }
            }),
        },
    }
}
