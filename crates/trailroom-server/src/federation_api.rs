//! The STS calls that come without AWS credentials: `AssumeRoleWithWebIdentity` and
//! `AssumeRoleWithSAML`. The caller is who its token or assertion claims to be, recorded in the
//! account of the role it asks for (as AWS records these calls), and STS decides the rest.

use bytes::Bytes;
use trailroom_iam::federation;
use trailroom_protocol::query::{self, QueryParams};
use trailroom_protocol::{ApiError, StatusCode};

use crate::pipeline::{CallFacts, Incoming, call_context, conclude};
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
    let request_id = incoming.request_id();
    let fail = |err: ApiError| query::error(&err, xmlns, request_id);
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
    let info = incoming.arrival.call_info(
        caller,
        REGION.into(),
        CallFacts {
            event_source: trailroom_iam::QueryService::Sts.event_source().into(),
            event_name: action.to_owned(),
            read_only: true,
            log_response: true,
            named_resources: None,
        },
    );
    let ctx = call_context(state, info);
    ctx.set_request_parameters(request_parameters);
    let result = federation::call(&ctx, &state.web_identity, action, params).await;
    match conclude(&ctx, result, |out| std::mem::take(&mut out.audit)).await {
        Ok(output) => query::success(action, xmlns, request_id, |x| {
            x.raw(&output.result_xml);
        }),
        Err(err) => fail(err),
    }
}
