//! The EC2 path of the Query front: requests signed for service `ec2` (region and zone
//! discovery), authorized as `ec2:<Action>` on `*`, recorded as read-only management events, and
//! answered in EC2's XML (no result wrapper; errors as `<Response><Errors>`).

use bytes::Bytes;
use trailroom_audit::CallContext;
use trailroom_protocol::query::QueryParams;
use trailroom_protocol::{ApiError, StatusCode};

use crate::auth::Authenticated;
use crate::front_door::CallFacts;
use crate::front_door::Incoming;
use crate::state::AppState;

fn xml(status: StatusCode, body: String) -> http::Response<Bytes> {
    let mut response = http::Response::new(Bytes::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/xml;charset=UTF-8"),
    );
    response
}

/// An EC2 error answer.
pub(crate) fn failure(err: &ApiError, request_id: &str) -> http::Response<Bytes> {
    xml(err.status(), trailroom_ec2::error(err, request_id))
}

/// Handles one authenticated EC2 request.
pub(crate) async fn call(
    state: &AppState,
    incoming: &Incoming,
    params: &QueryParams,
    authed: Authenticated,
) -> http::Response<Bytes> {
    let request_id = incoming.request_id.as_str();
    let action = params.action().unwrap_or_default().to_owned();
    if !trailroom_ec2::knows(&action) {
        let err = ApiError::client(
            "InvalidAction",
            format!("The action {action} is not valid for this web service."),
        );
        return failure(&err, request_id);
    }
    let region = authed.region.clone();
    let ctx = CallContext::new(
        incoming.call_info(
            authed.caller,
            authed.region,
            CallFacts {
                event_source: trailroom_ec2::EVENT_SOURCE.into(),
                event_name: action.clone(),
                read_only: true,
                log_response: false,
                named_resources: None,
            },
        ),
        state.store.clone(),
        state.clock.clone(),
        state.config.recording,
    );
    ctx.set_request_parameters(trailroom_iam::request_parameters(params));
    let access = trailroom_authz::Access::new(format!("ec2:{action}"), "*");
    let allowed = match state.config.authorization {
        true => trailroom_authz::check_call(&ctx, &[access]).map_err(|refused| match refused {
            trailroom_authz::Refused::Denied(denied) => ApiError::new(
                "UnauthorizedOperation",
                StatusCode::FORBIDDEN,
                format!(
                    "You are not authorized to perform this operation. {}",
                    denied.message()
                ),
            ),
            trailroom_authz::Refused::Failed(err) => err,
        }),
        false => Ok(()),
    };
    let result = allowed.and_then(|()| trailroom_ec2::call(&action, params, &region));
    let recorded = ctx
        .finish(result.as_ref().map(|_| serde_json::Value::Null))
        .await;
    match (result, recorded) {
        (_, Err(err)) | (Err(err), Ok(())) => failure(&err, request_id),
        (Ok(inner), Ok(())) => xml(
            StatusCode::OK,
            trailroom_ec2::success(&action, request_id, &inner),
        ),
    }
}
