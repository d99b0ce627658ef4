//! Alexa for Business.
//!
//! Owns: [`A4bService`], the implementation of the generated `AlexaForBusiness` trait, one module
//! per resource family; ARNs as AWS issued them ([`arn`]); and which resources a call names, for
//! the audit record ([`resources`]).
//!
//! Knows nothing about HTTP or SQL: handlers take a `CallContext` and talk to the store traits.

pub mod arn;
pub mod resources;

use trailroom_audit::CallContext;
use trailroom_model::a4b::AlexaForBusiness;

/// The only region Alexa for Business was offered in.
pub const REGION: &str = "us-east-1";

/// Alexa for Business's handlers.
#[derive(Debug, Clone, Default)]
pub struct A4bService;

impl AlexaForBusiness for A4bService {
    type Context = CallContext;
}
