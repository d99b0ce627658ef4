//! Evaluation: one policy's verdict on a request, and the whole decision in AWS's documented
//! order (IAM User Guide, "Policy evaluation logic"):
//!
//! 1. An explicit `Deny` in any policy that applies (service control, resource-based,
//!    permissions boundary, session, identity-based) denies.
//! 2. Each level of service control policies must allow (the management account has none).
//! 3. Same account: a resource-based policy that names the principal itself (its ARN, or anyone)
//!    allows, even without an identity-based policy; one that names only the account delegates
//!    to the account's identity-based policies. Otherwise an identity-based policy must allow,
//!    and, where set, the permissions boundary and the session policies too.
//! 4. Cross account: both the caller's side (identity-based, boundary, session) and the
//!    resource-based policy of the resource's account must allow.
//!
//! The root user needs no identity-based policy in its own account; service control policies and
//! explicit denies still apply to it. A service principal is allowed only by a resource-based
//! policy naming it.

use crate::document::{Effect, Policy, Principals, Statement};
use crate::pattern::{action_matches, arn_matches};
use crate::variables::substitute;
use crate::{Principal, Request};

/// Where a policy comes from, which decides how it is read and how a denial names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Attached to the principal (inline or managed, directly or through a group).
    Identity,
    /// Attached to the resource (bucket, topic, trust policy): statements name principals.
    Resource,
    /// The principal's permissions boundary.
    PermissionsBoundary,
    /// Passed when the session was made (AssumeRole, GetFederationToken).
    Session,
    /// A service control policy of the principal's organization.
    ServiceControl,
}

impl PolicyKind {
    /// How AWS's denial messages name it.
    pub fn phrase(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity-based policy",
            PolicyKind::Resource => "resource-based policy",
            PolicyKind::PermissionsBoundary => "permissions boundary",
            PolicyKind::Session => "session policy",
            PolicyKind::ServiceControl => "service control policy",
        }
    }

    fn article(self) -> &'static str {
        match self {
            PolicyKind::Identity => "an",
            _ => "a",
        }
    }
}

/// One policy's verdict on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A statement that applies allows, none denies.
    Allow,
    /// A statement that applies denies.
    Deny,
    /// No statement applies.
    NotApplicable,
}

/// How a resource-based policy's Allow reached the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    /// Nothing allows.
    None,
    /// Through the account (`"AWS": "123456789012"` or its root ARN): the account's own
    /// policies decide for its principals.
    Account,
    /// The principal itself (its ARN, its service, or anyone).
    Direct,
}

impl Policy {
    /// This policy's verdict on `request`, read as a policy of `kind`.
    pub fn evaluate(&self, kind: PolicyKind, request: &Request<'_>) -> Verdict {
        let mut verdict = Verdict::NotApplicable;
        for statement in &self.statements {
            if statement.applies(kind, request).is_none() {
                continue;
            }
            match statement.effect {
                Effect::Deny => return Verdict::Deny,
                Effect::Allow => verdict = Verdict::Allow,
            }
        }
        verdict
    }

    /// How (if at all) this resource-based policy allows `request`; `Deny` is checked apart.
    fn grant(&self, request: &Request<'_>) -> Grant {
        let mut grant = Grant::None;
        for statement in &self.statements {
            if statement.effect == Effect::Allow
                && let Some(reach) = statement.applies(PolicyKind::Resource, request)
            {
                grant = match (grant, reach) {
                    (Grant::Direct, _) | (_, Grant::Direct) => Grant::Direct,
                    _ => Grant::Account,
                };
            }
        }
        grant
    }
}

impl Statement {
    /// Whether the statement applies to `request`; for a resource-based statement, how it
    /// reaches the principal.
    fn applies(&self, kind: PolicyKind, request: &Request<'_>) -> Option<Grant> {
        let reach = match kind {
            PolicyKind::Resource => self
                .principal
                .as_ref()
                .map_or(Grant::None, |p| principal_reach(p, request.principal)),
            _ => Grant::Direct,
        };
        if reach == Grant::None {
            return None;
        }
        let action = self.action.as_ref()?;
        let named = action
            .values
            .iter()
            .any(|p| action_matches(p, request.action));
        if named == action.negated {
            return None;
        }
        if let Some(resource) = &self.resource {
            let named = resource.values.iter().any(|p| {
                substitute(p, request.context).is_some_and(|p| arn_matches(&p, request.resource))
            });
            if named == resource.negated {
                return None;
            }
        }
        self.conditions
            .iter()
            .all(|c| c.holds(request.context))
            .then_some(reach)
    }
}

/// How a `Principal` element reaches `who` (`NotPrincipal` reaches everyone it does not name).
fn principal_reach(element: &Principals, who: &Principal) -> Grant {
    let named = named(element, who);
    match (element.negated, named) {
        (false, reach) => reach,
        (true, Grant::None) => Grant::Direct,
        (true, _) => Grant::None,
    }
}

fn named(element: &Principals, who: &Principal) -> Grant {
    if element.anyone {
        return Grant::Direct;
    }
    if let Some(service) = &who.service
        && element
            .service
            .iter()
            .any(|s| s.eq_ignore_ascii_case(service))
    {
        return Grant::Direct;
    }
    if let Some(provider) = &who.federated
        && element.federated.iter().any(|f| f == provider)
    {
        return Grant::Direct;
    }
    let root = format!("arn:aws:iam::{}:root", who.account);
    let mut reach = Grant::None;
    for id in &element.aws {
        if who.arns.iter().any(|arn| arn == id) || (who.is_root && *id == root) {
            return Grant::Direct;
        }
        if !who.account.is_empty() && (*id == who.account || *id == root) {
            reach = Grant::Account;
        }
    }
    reach
}

/// Every policy that bears on one request.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'a> {
    /// The principal's identity-based policies.
    pub identity: Vec<&'a Policy>,
    /// Its permissions boundary, when one is set.
    pub boundary: Option<Vec<&'a Policy>>,
    /// Its session policies, when the session was given some.
    pub session: Option<Vec<&'a Policy>>,
    /// Service control policies, one list per level (organization root, OUs, account); every
    /// level must allow. Empty outside an organization and for its management account.
    pub service_control: Vec<Vec<&'a Policy>>,
    /// The resource's resource-based policy, if it has one.
    pub resource: Option<&'a Policy>,
    /// The account that owns the resource, when known (else the caller's).
    pub resource_account: Option<&'a str>,
}

/// Why a request was denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denial {
    /// A `Deny` statement applied (else: nothing allowed).
    pub explicit: bool,
    /// The policy type that denied, or that did not allow.
    pub kind: PolicyKind,
}

impl Denial {
    /// The end of AWS's message: `because no identity-based policy allows the s3:GetObject
    /// action`, `with an explicit deny in a service control policy`, …
    pub fn reason(&self, action: &str) -> String {
        match self.explicit {
            true => format!(
                "with an explicit deny in {} {}",
                self.kind.article(),
                self.kind.phrase()
            ),
            false => format!(
                "because no {} allows the {action} action",
                self.kind.phrase()
            ),
        }
    }
}

/// The decision on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// Denied, and why.
    Deny(Denial),
}

/// Decides `request` under `policies`, in AWS's order (see the module doc).
pub fn authorize(policies: &PolicySet<'_>, request: &Request<'_>) -> Decision {
    let deny = |explicit, kind| Decision::Deny(Denial { explicit, kind });
    let verdicts = |list: &[&Policy], kind| -> Vec<Verdict> {
        list.iter().map(|p| p.evaluate(kind, request)).collect()
    };
    let resource = policies
        .resource
        .map(|p| p.evaluate(PolicyKind::Resource, request));
    let scp_levels: Vec<Vec<Verdict>> = policies
        .service_control
        .iter()
        .map(|level| verdicts(level, PolicyKind::ServiceControl))
        .collect();
    let boundary = policies
        .boundary
        .as_ref()
        .map(|b| verdicts(b, PolicyKind::PermissionsBoundary));
    let session = policies
        .session
        .as_ref()
        .map(|s| verdicts(s, PolicyKind::Session));
    let identity = verdicts(&policies.identity, PolicyKind::Identity);

    // 1. Explicit deny, anywhere.
    let denied = |list: &[Verdict]| list.contains(&Verdict::Deny);
    if scp_levels.iter().any(|l| denied(l)) {
        return deny(true, PolicyKind::ServiceControl);
    }
    if resource == Some(Verdict::Deny) {
        return deny(true, PolicyKind::Resource);
    }
    if boundary.as_deref().is_some_and(denied) {
        return deny(true, PolicyKind::PermissionsBoundary);
    }
    if session.as_deref().is_some_and(denied) {
        return deny(true, PolicyKind::Session);
    }
    if denied(&identity) {
        return deny(true, PolicyKind::Identity);
    }
    // 2. Every level of service control policies must allow.
    let allows = |list: &[Verdict]| list.contains(&Verdict::Allow);
    if scp_levels.iter().any(|l| !allows(l)) {
        return deny(false, PolicyKind::ServiceControl);
    }
    let principal = request.principal;
    let grant = policies.resource.map_or(Grant::None, |p| p.grant(request));
    // A service acting on its own is allowed only by a resource-based policy naming it.
    if principal.service.is_some() {
        return match grant {
            Grant::Direct => Decision::Allow,
            _ => deny(false, PolicyKind::Resource),
        };
    }
    let same_account = policies
        .resource_account
        .is_none_or(|owner| owner == principal.account);
    let session_ok = session.as_deref().is_none_or(allows);
    // 3. Same account: a resource-based policy naming the principal is enough.
    if same_account && grant == Grant::Direct {
        return match session_ok {
            true => Decision::Allow,
            false => deny(false, PolicyKind::Session),
        };
    }
    // The caller's side: identity (root needs none), boundary, session.
    if !principal.is_root && !allows(&identity) {
        return deny(false, PolicyKind::Identity);
    }
    if !principal.is_root && boundary.as_deref().is_some_and(|b| !allows(b)) {
        return deny(false, PolicyKind::PermissionsBoundary);
    }
    if !session_ok {
        return deny(false, PolicyKind::Session);
    }
    // 4. Cross account: the resource's side must allow too.
    if !same_account && grant == Grant::None {
        return deny(false, PolicyKind::Resource);
    }
    Decision::Allow
}

/// Whether the resource-based policy `text` lets `principal` do `action` on `resource`: it
/// parses, an `Allow` applies and no `Deny` does. For checks made on behalf of a service (a trail's
/// destinations, deliveries) and for trust policies, where the resource's policy alone decides.
/// A document that does not parse allows nothing.
pub fn resource_policy_allows(
    text: &str,
    principal: &Principal,
    action: &str,
    resource: &str,
    context: &crate::Context,
) -> bool {
    let Ok(policy) = Policy::parse(text) else {
        return false;
    };
    let request = Request {
        principal,
        action,
        resource,
        context,
    };
    policy.evaluate(PolicyKind::Resource, &request) == Verdict::Allow
}
