//! Authorization of every call, as AWS decides it.
//!
//! Owns: the question a service asks ([`Access`]: the IAM action, the resource ARN, the condition
//! keys only the service knows, the resource's own policy), the answers from the caller's
//! policies ([`check`]), and the denial as AWS words it ([`Denied::message`]: `User: <arn> is not
//! authorized to perform: <action> on resource: <arn> because no identity-based policy allows
//! the <action> action`). Each protocol family maps a denial to its own error code.
//!
//! Knows nothing about the wire: services build [`Access`]es from their requests; the caller's
//! identity-based policies, boundary, session policies and tags come from IAM's records
//! (`trailroom_identity::caller_policies`); global condition keys come from the call context.

mod context;

use trailroom_audit::CallContext;
use trailroom_identity::{Caller, CallerPolicies, Principal};
use trailroom_policy::{Decision, Denial, Policy, PolicySet, Request};
use trailroom_protocol::ApiError;
use trailroom_store::Store;

pub use context::global_context;

/// One permission a call needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// `service:Operation`, e.g. `a4b:CreateRoom`.
    pub action: String,
    /// The resource ARN, or `*` for actions on no particular resource.
    pub resource: String,
    /// Condition keys the service knows (`s3:prefix`, `aws:RequestTag/team`, …).
    pub context: Vec<(String, Vec<String>)>,
    /// The resource's own policy (bucket, topic, trust policy), if it has one.
    pub resource_policy: Option<String>,
    /// The account that owns the resource, when it may be another than the caller's.
    pub resource_account: Option<String>,
}

impl Access {
    /// `action` on `resource`, nothing else known.
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            resource: resource.into(),
            context: Vec::new(),
            resource_policy: None,
            resource_account: None,
        }
    }

    /// Adds a condition key with one value.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.context.push((key.to_owned(), vec![value.into()]));
        self
    }

    /// Adds condition keys with their values (`aws:TagKeys`, …).
    pub fn with_keys(mut self, keys: impl IntoIterator<Item = (String, Vec<String>)>) -> Self {
        self.context.extend(keys);
        self
    }

    /// Adds the resource's tags as `aws:ResourceTag/<key>`.
    pub fn with_resource_tags<'t>(
        mut self,
        tags: impl IntoIterator<Item = (&'t String, &'t String)>,
    ) -> Self {
        for (key, value) in tags {
            self.context
                .push((format!("aws:ResourceTag/{key}"), vec![value.clone()]));
        }
        self
    }

    /// Sets the resource's own policy and the account that owns the resource.
    pub fn with_resource_policy(mut self, document: String, owner_account: String) -> Self {
        self.resource_policy = Some(document);
        self.resource_account = Some(owner_account);
        self
    }

    /// Sets the account that owns the resource (a resource without a policy of its own).
    pub fn owned_by(mut self, account: impl Into<String>) -> Self {
        self.resource_account = Some(account.into());
        self
    }
}

/// A denied access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    /// The caller's ARN.
    pub principal_arn: String,
    /// The action refused.
    pub action: String,
    /// The resource it was refused on.
    pub resource: String,
    /// Why.
    pub denial: Denial,
}

impl Denied {
    /// AWS's message for it.
    pub fn message(&self) -> String {
        format!(
            "User: {} is not authorized to perform: {} on resource: {} {}",
            self.principal_arn,
            self.action,
            self.resource,
            self.denial.reason(&self.action)
        )
    }
}

/// Why [`check`] did not allow a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// The policies deny it.
    Denied(Denied),
    /// The policies could not be read.
    Failed(ApiError),
}

/// The facts about a call that authorization reads, besides what the caller asks.
#[derive(Debug, Clone, Copy)]
pub struct CallFacts<'a> {
    /// The verified caller.
    pub caller: &'a Caller,
    /// The region the call was signed for.
    pub region: &'a str,
    /// The client's address.
    pub source_ip: &'a str,
    /// Whether the call came over TLS.
    pub secure: bool,
    /// When, ms since the epoch.
    pub now_ms: i64,
}

impl<'a> CallFacts<'a> {
    /// The facts of the call `ctx`.
    pub fn of(ctx: &'a CallContext) -> Self {
        Self {
            caller: ctx.caller(),
            region: ctx.region(),
            source_ip: &ctx.info().source_ip,
            secure: ctx.info().tls_details.is_some(),
            now_ms: ctx.now_ms(),
        }
    }
}

/// [`check`] for the call `ctx`.
pub fn check_call(ctx: &CallContext, accesses: &[Access]) -> Result<(), Refused> {
    check(ctx.store().as_ref(), &CallFacts::of(ctx), accesses)
}

/// Decides every access a call needs, in order; the first denied one refuses the call.
pub fn check(store: &dyn Store, facts: &CallFacts<'_>, accesses: &[Access]) -> Result<(), Refused> {
    let caller = facts.caller;
    // A service acting on its own (delivery) is authorized by the resource it writes to, there.
    if matches!(caller.principal, Principal::AwsService { .. }) || accesses.is_empty() {
        return Ok(());
    }
    let (stored, bindings) = trailroom_store::read(store, |txn| {
        let policies = trailroom_identity::caller_policies(txn, caller)?;
        let bindings =
            trailroom_organizations::scp::bindings_for(txn, caller.principal.account_id())?;
        Ok::<_, trailroom_store::StoreError>((policies, bindings))
    })
    .and_then(|r| r)
    .map_err(|e| Refused::Failed(trailroom_audit::store_failure(e)))?;
    let parsed = Parsed::new(&stored);
    // A level whose documents no longer parse allows nothing.
    let scp_levels: Vec<Vec<Policy>> = bindings
        .scp_levels
        .iter()
        .map(|level| {
            level
                .iter()
                .filter_map(|text| Policy::parse(text).ok())
                .collect()
        })
        .collect();
    let principal = policy_principal(&caller.principal, stored.is_root);
    let mut base = global_context(facts, &stored);
    if let Some(org) = &bindings.organization_id {
        base.set("aws:PrincipalOrgID", org.clone());
    }
    for access in accesses {
        let mut context = base.clone();
        for (key, values) in &access.context {
            context.set_all(key, values.clone());
        }
        let resource_policy = access
            .resource_policy
            .as_ref()
            .and_then(|p| Policy::parse(p).ok());
        let set = PolicySet {
            identity: parsed.identity.iter().collect(),
            boundary: parsed.boundary.as_ref().map(|b| vec![b]),
            session: parsed.session.as_ref().map(|s| s.iter().collect()),
            service_control: scp_levels.iter().map(|l| l.iter().collect()).collect(),
            resource: resource_policy.as_ref(),
            resource_account: access.resource_account.as_deref(),
        };
        let request = Request {
            principal: &principal,
            action: &access.action,
            resource: &access.resource,
            context: &context,
        };
        if let Decision::Deny(denial) = trailroom_policy::authorize(&set, &request) {
            return Err(Refused::Denied(Denied {
                principal_arn: caller.principal.arn(),
                action: access.action.clone(),
                resource: access.resource.clone(),
                denial,
            }));
        }
    }
    Ok(())
}

/// The stored documents, parsed (a document that no longer parses grants nothing).
struct Parsed {
    identity: Vec<Policy>,
    boundary: Option<Policy>,
    session: Option<Vec<Policy>>,
}

impl Parsed {
    fn new(stored: &CallerPolicies) -> Self {
        let parse = |text: &String| Policy::parse(text).ok();
        let nothing = || Policy {
            version: None,
            statements: Vec::new(),
        };
        Self {
            identity: stored.identity.iter().filter_map(parse).collect(),
            boundary: stored
                .boundary
                .as_ref()
                .map(|b| parse(b).unwrap_or_else(nothing)),
            session: stored
                .session
                .as_ref()
                .map(|s| s.iter().filter_map(parse).collect()),
        }
    }
}

/// The caller as policies see it.
pub fn policy_principal(principal: &Principal, is_root: bool) -> trailroom_policy::Principal {
    trailroom_policy::Principal {
        account: principal.account_id().to_owned(),
        arns: principal.policy_arns(),
        is_root: is_root && matches!(principal, Principal::Root { .. }),
        service: match principal {
            Principal::AwsService { service } => Some(service.clone()),
            _ => None,
        },
        federated: None,
    }
}
