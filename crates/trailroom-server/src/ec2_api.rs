//! The EC2 path of the Query front: requests signed for service `ec2` (region and zone
//! discovery), authorized as `ec2:<Action>` on `*`, recorded as read-only management events, and
//! answered in EC2's XML (no result wrapper; errors as `<Response><Errors>`).

use bytes::Bytes;
use trailroom_audit::CallContext;
use trailroom_protocol::query::QueryParams;
use trailroom_protocol::{ApiError, StatusCode};

use crate::auth::{Authenticated, Family};
use crate::pipeline::{self, CallFacts, Denial, Incoming, Protocol, Resolved};
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

/// EC2's hooks: the call is the action, recorded as a read-only management event.
struct Ec2Protocol<'a> {
    params: &'a QueryParams,
}

impl Protocol for Ec2Protocol<'_> {
    type Call = String;
    type Answer = String;
    const FAMILY: Family = Family::Query;

    fn resolve(
        &self,
        _incoming: &Incoming,
        authed: &Authenticated,
    ) -> Result<Resolved<String>, ApiError> {
        let action = self.params.action().unwrap_or_default().to_owned();
        if !trailroom_ec2::knows(&action) {
            return Err(ApiError::client(
                "InvalidAction",
                format!("The action {action} is not valid for this web service."),
            ));
        }
        Ok(Resolved {
            region: authed.region.clone(),
            facts: CallFacts {
                event_source: trailroom_ec2::EVENT_SOURCE.into(),
                event_name: action.clone(),
                read_only: true,
                log_response: false,
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
    ) -> Result<String, ApiError> {
        ctx.set_request_parameters(trailroom_iam::request_parameters(self.params));
        if state.config.authorization {
            let access = trailroom_authz::Access::new(format!("ec2:{action}"), "*");
            trailroom_authz::check_call(ctx, &[access]).map_err(|r| Denial::EC2.refuse(r))?;
        }
        trailroom_ec2::call(action, self.params, ctx.region())
    }

    fn audit(&self, _: &mut String) -> serde_json::Value {
        serde_json::Value::Null
    }

    fn success(&self, action: &String, inner: String, request_id: &str) -> http::Response<Bytes> {
        xml(
            StatusCode::OK,
            trailroom_ec2::success(action, request_id, &inner),
        )
    }

    fn error(&self, err: &ApiError, request_id: &str) -> http::Response<Bytes> {
        failure(err, request_id)
    }
}

/// Handles one authenticated EC2 request.
pub(crate) async fn call(
    state: &AppState,
    incoming: &Incoming,
    params: &QueryParams,
    authed: Authenticated,
) -> http::Response<Bytes> {
    pipeline::serve_authenticated(state, incoming, authed, &Ec2Protocol { params }).await
}
