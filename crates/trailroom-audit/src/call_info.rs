//! The facts of a call that every event is built from ([`CallInfo`]), known before any handler
//! runs, and the resources a call names ([`Resource`]). Shared by the per-call context and the
//! event builder, which both depend on this file and on nothing of each other's but what they
//! export.

use serde_json::Value;
use trailroom_identity::Caller;

/// The fixed facts of a call, known before any handler runs.
#[derive(Debug, Clone)]
pub struct CallInfo {
    /// The verified caller.
    pub caller: Caller,
    /// Region from the signature's credential scope.
    pub region: String,
    /// The `x-amzn-RequestId` returned to the client (`requestID`).
    pub request_id: String,
    /// Peer address (`sourceIPAddress`).
    pub source_ip: String,
    /// `User-Agent` header.
    pub user_agent: String,
    /// `eventSource`, e.g. `a4b.amazonaws.com`.
    pub event_source: String,
    /// `eventName`: the operation.
    pub event_name: String,
    /// `readOnly`.
    pub read_only: bool,
    /// Whether `responseElements` is logged. False for most read-only calls; STS logs the
    /// credentials it issued although its calls are read-only.
    pub log_response: bool,
    /// `tlsDetails` when the call came over TLS.
    pub tls_details: Option<Value>,
    /// The service's rule for which resources a call names, applied to the rendered request and
    /// response; resources added with `CallContext::add_resource` come first.
    pub named_resources: Option<NamedResources>,
}

/// A service's rule: `(requestParameters, response)` to the resources the call names.
pub type NamedResources = fn(&Value, &Value) -> Vec<Resource>;

/// A resource a call touched, for `resources` and Event history's resource filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// `AWS::<Service>::<Type>`.
    pub resource_type: String,
    /// The ARN (or name when the resource has no ARN).
    pub name: String,
}
