//! The STS calls that come without AWS credentials: `AssumeRoleWithWebIdentity` and
//! `AssumeRoleWithSAML`. The caller is who its token or assertion claims to be, recorded in the
//! account of the role it asks for (as AWS records these calls), and STS decides the rest.

use bytes::Bytes;
use trailroom_audit::CallContext;
use trailroom_iam::federation;
use trailroom_protocol::query::{self, QueryParams};
use trailroom_protocol::{ApiError, StatusCode};

use crate::front_door::CallFacts;
use crate::front_door::Incoming;
use crate::state::AppState;

/// STS's events of calls without a credential scope are recorded in us-east-1, as the global
/// endpoint's are.
const REGION: &str = "us-east-1";

/// Handles one federated request (`action` is one [`federation::is_federated`] accepts).
pub(crate) async fn call(
    state: &AppState,
    incoming: &Incoming,
    action: &str,
    params: &QueryParams,
) -> http::Response<Bytes> {
    let xmlns = trailroom_iam::STS_XMLNS;
    let fail = |err: ApiError| query::error(&err, xmlns, &incoming.request_id);
    if params.get("RoleArn").is_none() {
        return fail(ApiError::client(
            "MissingParameter",
            "The request must contain the parameter RoleArn",
        ));
    }
    let claimed = trailroom_store::read(state.store.as_ref(), |txn| {
        federation::claimed_caller(txn, action, params)
    });
    let Ok(Some((caller, request_parameters))) = claimed else {
        // The role's account is not served here: nothing to record it in.
        return fail(ApiError::new(
            "AccessDenied",
            StatusCode::FORBIDDEN,
            format!("Not authorized to perform sts:{action}"),
        ));
    };
    let ctx = CallContext::new(
        incoming.call_info(
            caller,
            REGION.into(),
            CallFacts {
                event_source: trailroom_iam::QueryService::Sts.event_source().into(),
                event_name: action.to_owned(),
                read_only: true,
                log_response: true,
                named_resources: None,
            },
        ),
        state.store.clone(),
        state.clock.clone(),
        state.config.recording,
    );
    ctx.set_request_parameters(request_parameters);
    let result = federation::call(&ctx, &state.web_identity, action, params).await;
    let recorded = ctx
        .finish(result.as_ref().map(|out| out.audit.clone()))
        .await;
    match (result, recorded) {
        (_, Err(err)) | (Err(err), Ok(())) => fail(err),
        (Ok(output), Ok(())) => query::success(action, xmlns, &incoming.request_id, |x| {
            x.raw(&output.result_xml);
        }),
    }
}
