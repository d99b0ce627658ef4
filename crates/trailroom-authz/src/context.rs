//! The global condition keys trailroom knows for every call: who (`aws:PrincipalArn`,
//! `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:userid`, `aws:username`,
//! `aws:PrincipalTag/*`), from where (`aws:SourceIp`, `aws:SecureTransport`), when
//! (`aws:CurrentTime`, `aws:EpochTime`, `aws:TokenIssueTime`), in which region
//! (`aws:RequestedRegion`), and how (`aws:MultiFactorAuthPresent`, `aws:ViaAWSService`,
//! `aws:SourceIdentity`). `aws:PrincipalOrgID` is set by [`crate::check`], which reads the
//! organization with its SCPs.

use trailroom_audit::record::format_event_time;
use trailroom_identity::{CallerPolicies, Principal};
use trailroom_policy::Context;

use crate::CallFacts;

/// The global keys of a call, with the caller's tags from `stored`.
pub fn global_context(facts: &CallFacts<'_>, stored: &CallerPolicies) -> Context {
    let caller = facts.caller;
    let principal = &caller.principal;
    let now = facts.now_ms;
    let mut context = Context::new();
    context
        .set("aws:PrincipalArn", principal_arn(principal))
        .set("aws:PrincipalAccount", principal.account_id())
        .set("aws:PrincipalType", principal_type(principal))
        .set("aws:userid", principal.principal_id())
        .set("aws:SourceIp", facts.source_ip)
        .set("aws:RequestedRegion", facts.region)
        .set("aws:CurrentTime", format_event_time(now))
        .set("aws:EpochTime", (now / 1000).to_string())
        .set("aws:SecureTransport", facts.secure.to_string())
        .set("aws:ViaAWSService", "false");
    if let Principal::IamUser { user_name, .. } = principal {
        context.set("aws:username", user_name.clone());
    }
    if let Some(session) = &caller.session {
        context
            .set("aws:TokenIssueTime", format_event_time(session.created_ms))
            .set(
                "aws:MultiFactorAuthPresent",
                session.mfa_authenticated.to_string(),
            );
        if let Some(source) = &session.source_identity {
            context.set("aws:SourceIdentity", source.clone());
        }
    }
    for (key, value) in &stored.tags {
        context.set(&format!("aws:PrincipalTag/{key}"), value.clone());
    }
    context
}

/// `aws:PrincipalArn`: for a role session the role's ARN, not the session's.
fn principal_arn(principal: &Principal) -> String {
    match principal {
        Principal::AssumedRole { .. } => principal
            .policy_arns()
            .pop()
            .unwrap_or_else(|| principal.arn()),
        other => other.arn(),
    }
}

fn principal_type(principal: &Principal) -> &'static str {
    match principal {
        Principal::Root { .. } => "Account",
        Principal::IamUser { .. } => "User",
        Principal::AssumedRole { .. } => "AssumedRole",
        Principal::FederatedUser { .. } => "FederatedUser",
        // Callers of AssumeRoleWithWebIdentity / AssumeRoleWithSAML, which no identity policy
        // decides; AWS counts them as anonymous.
        Principal::WebIdentityUser { .. } | Principal::SamlUser { .. } => "Anonymous",
        Principal::AwsService { .. } => "AWSService",
    }
}
