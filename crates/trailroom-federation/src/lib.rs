//! Identity federation: the credentials an outside identity provider hands a user, checked as
//! STS checks them before `AssumeRoleWithWebIdentity` and `AssumeRoleWithSAML` issue a role
//! session.
//!
//! - [`oidc`]: OpenID Connect ID tokens (JWTs): signature against the issuer's JSON Web Key Set,
//!   lifetime, the claims trust policies condition on, AWS's session-tag and source-identity
//!   claims.
//! - [`saml`]: SAML 2.0 responses: XML signature against the certificates of the provider's
//!   metadata document (only the signed assertion is read), issuer, audience, lifetime, and
//!   AWS's role, session-name, session-duration, tag and source-identity attributes.
//! - [`test_idp`]: the test identity provider of a data directory: one RSA key (stored like any
//!   other document) that mints ID tokens for any issuer and signs SAML responses, so detections
//!   and CI can exercise federation without a real identity provider.
//!
//! Knows nothing about IAM's records, STS's wire format or HTTP: callers pass the keys or
//! metadata to check against, and get back what the token or assertion says.

pub mod oidc;
pub mod saml;
pub mod test_idp;

use std::collections::BTreeMap;

/// Session attributes an identity provider may set on the role session it federates into:
/// session tags (`aws:PrincipalTag/…`), which of them pass on to chained role sessions, and the
/// source identity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionAttributes {
    /// Session tags: key to value.
    pub tags: BTreeMap<String, String>,
    /// Keys of the tags that carry over when the session assumes another role.
    pub transitive_tag_keys: Vec<String>,
    /// `SourceIdentity` of the session.
    pub source_identity: Option<String>,
}
