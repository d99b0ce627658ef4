//! STS and IAM, the AWS Query services that manage and mint identities.
//!
//! Owns: the operations real clients use (`sts:GetCallerIdentity`, `AssumeRole`,
//! `GetSessionToken`, `GetFederationToken`; IAM users, access keys, roles and their inline
//! policies), their XML results and their audit rendering. Each handler takes the
//! [`CallContext`] and the parsed form parameters and returns a [`QueryOutput`].
//!
//! Knows nothing about HTTP or signatures; the server wraps [`QueryOutput`] in the XML envelope.

pub mod access;
mod iam;
mod output;
mod sts;

use trailroom_audit::CallContext;
use trailroom_protocol::ApiError;
use trailroom_protocol::query::QueryParams;

pub use output::QueryOutput;

/// XML namespace of STS responses.
pub const STS_XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// XML namespace of IAM responses.
pub const IAM_XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// A Query service served here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryService {
    /// AWS Security Token Service.
    Sts,
    /// AWS Identity and Access Management.
    Iam,
}

impl QueryService {
    /// The service for a SigV4 signing name.
    pub fn from_signing_name(name: &str) -> Option<Self> {
        match name {
            "sts" => Some(Self::Sts),
            "iam" => Some(Self::Iam),
            _ => None,
        }
    }

    /// `eventSource` of its events.
    pub fn event_source(self) -> &'static str {
        match self {
            Self::Sts => "sts.amazonaws.com",
            Self::Iam => "iam.amazonaws.com",
        }
    }

    /// XML namespace.
    pub fn xmlns(self) -> &'static str {
        match self {
            Self::Sts => STS_XMLNS,
            Self::Iam => IAM_XMLNS,
        }
    }

    /// Whether `action` is an operation of this service.
    pub fn knows(self, action: &str) -> bool {
        self.operation(action).is_some()
    }

    /// `(readOnly, logs responseElements)` for `action`, or `None` if unknown.
    pub fn operation(self, action: &str) -> Option<(bool, bool)> {
        match self {
            Self::Sts => sts::operation(action),
            Self::Iam => iam::operation(action),
        }
    }

    /// Runs `action`.
    pub async fn call(
        self,
        ctx: &CallContext,
        action: &str,
        params: &QueryParams,
    ) -> Result<QueryOutput, ApiError> {
        match self {
            Self::Sts => sts::call(ctx, action, params).await,
            Self::Iam => iam::call(ctx, action, params).await,
        }
    }
}

/// `requestParameters` for a Query call: every member but `Action` and `Version`, lowerCamelCase.
pub fn request_parameters(params: &QueryParams) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = params
        .iter()
        .filter(|(k, _)| !matches!(*k, "Action" | "Version"))
        .map(|(k, v)| {
            (
                trailroom_protocol::query::lower_first(k),
                parameter_value(v),
            )
        })
        .collect();
    serde_json::Value::Object(map)
}

fn parameter_value(raw: &str) -> serde_json::Value {
    raw.parse::<i64>()
        .map(Into::into)
        .unwrap_or_else(|_| raw.into())
}
