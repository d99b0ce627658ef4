//! The IAM policy language and AWS's policy evaluation logic, for every service of trailroom.
//!
//! Owns: parsing policy documents ([`Policy`]: Effect, Principal/NotPrincipal, Action/NotAction,
//! Resource/NotResource, Condition), matching with wildcards and policy variables, every condition
//! operator family ([`condition`]), one policy's verdict on a request ([`Policy::evaluate`]), and
//! the whole decision across policy types in AWS's documented order ([`authorize`]): explicit
//! deny anywhere, service control policies, resource-based policies (same-account and
//! cross-account rules), permissions boundaries, session policies, identity-based policies.
//!
//! Knows nothing about services, storage or the wire: callers say who asks ([`Principal`]), for
//! what ([`Request`]), with which context keys ([`Context`]), under which policies
//! ([`PolicySet`]); the answer names what allowed or denied, for AWS's error messages.

pub mod condition;
mod context;
mod document;
mod evaluate;
mod pattern;
pub mod resource;
mod variables;

pub use context::Context;
pub use document::{Effect, Policy, PolicyError, Statement};
pub use evaluate::{
    Decision, Denial, PolicyKind, PolicySet, Verdict, authorize, resource_policy_allows,
};
pub use pattern::{action_matches, arn_matches, wildcard_match};

/// Who makes a request, as policies see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principal {
    /// The account the principal belongs to (empty for a service).
    pub account: String,
    /// Every ARN the principal answers to in a `Principal` element: the user ARN; for a role
    /// session the assumed-role ARN and the role ARN.
    pub arns: Vec<String>,
    /// The account's root user.
    pub is_root: bool,
    /// An AWS service principal (`cloudtrail.amazonaws.com`), for services acting on their own.
    pub service: Option<String>,
    /// A federated identity (`cognito-identity.amazonaws.com`, a SAML provider ARN).
    pub federated: Option<String>,
}

/// One authorization question.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Who asks.
    pub principal: &'a Principal,
    /// The IAM action, `service:Operation`.
    pub action: &'a str,
    /// The resource ARN (or `*`).
    pub resource: &'a str,
    /// The condition keys known for this request.
    pub context: &'a Context,
}
