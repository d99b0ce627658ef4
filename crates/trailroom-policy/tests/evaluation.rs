//! AWS's policy evaluation logic as tables: each case is an example of the IAM User Guide's
//! "Policy evaluation logic" (identity versus resource, cross-account, boundaries, session
//! policies, SCPs, explicit deny), with the decision and the reason AWS's message gives.

use trailroom_policy::{
    Context, Decision, Denial, Policy, PolicyKind, PolicySet, Principal, Request, authorize,
};

const ALICE: &str = "arn:aws:iam::111111111111:user/alice";

fn alice() -> Principal {
    Principal {
        account: "111111111111".into(),
        arns: vec![ALICE.into()],
        ..Principal::default()
    }
}

fn root(account: &str) -> Principal {
    Principal {
        account: account.into(),
        arns: vec![format!("arn:aws:iam::{account}:root")],
        is_root: true,
        ..Principal::default()
    }
}

fn policy(text: &str) -> Policy {
    Policy::parse(text).unwrap()
}

fn allow(action: &str, resource: &str) -> Policy {
    policy(&format!(
        r#"{{"Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
    ))
}

fn deny(action: &str, resource: &str) -> Policy {
    policy(&format!(
        r#"{{"Statement":[{{"Effect":"Deny","Action":"{action}","Resource":"{resource}"}}]}}"#
    ))
}

fn resource_policy(principal: &str, action: &str) -> Policy {
    policy(&format!(
        r#"{{"Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"{action}","Resource":"*"}}]}}"#
    ))
}

fn decide(set: &PolicySet<'_>, who: &Principal, action: &str, resource: &str) -> Decision {
    let context = Context::new();
    authorize(
        set,
        &Request {
            principal: who,
            action,
            resource,
            context: &context,
        },
    )
}

fn denied(explicit: bool, kind: PolicyKind) -> Decision {
    Decision::Deny(Denial { explicit, kind })
}

const BUCKET: &str = "arn:aws:s3:::logs/key";

#[test]
fn identity_policies_allow_and_deny() {
    let s3 = allow("s3:*", "*");
    let no_delete = deny("s3:DeleteObject", "*");
    let set = PolicySet {
        identity: vec![&s3, &no_delete],
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&set, &alice(), "s3:GetObject", BUCKET),
        Decision::Allow
    );
    assert_eq!(
        decide(&set, &alice(), "s3:DeleteObject", BUCKET),
        denied(true, PolicyKind::Identity),
        "an explicit deny overrides any allow"
    );
    assert_eq!(
        decide(&set, &alice(), "iam:CreateUser", "*"),
        denied(false, PolicyKind::Identity),
        "nothing allows: implicit deny"
    );
    assert_eq!(
        decide(&PolicySet::default(), &alice(), "s3:GetObject", BUCKET),
        denied(false, PolicyKind::Identity)
    );
}

#[test]
fn the_root_user_needs_no_identity_policy_but_is_bound_by_explicit_denies() {
    let who = root("111111111111");
    assert_eq!(
        decide(&PolicySet::default(), &who, "cloudtrail:StopLogging", "*"),
        Decision::Allow
    );
    let bucket_deny = policy(
        r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}"#,
    );
    let set = PolicySet {
        resource: Some(&bucket_deny),
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&set, &who, "s3:GetObject", BUCKET),
        denied(true, PolicyKind::Resource)
    );
}

#[test]
fn same_account_resource_policies() {
    // Naming the user itself: allowed without any identity-based policy.
    let to_alice = resource_policy(&format!(r#"{{"AWS":"{ALICE}"}}"#), "s3:GetObject");
    let set = PolicySet {
        resource: Some(&to_alice),
        resource_account: Some("111111111111"),
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&set, &alice(), "s3:GetObject", BUCKET),
        Decision::Allow
    );
    // Naming only the account delegates to the account's identity-based policies.
    for account in [
        r#"{"AWS":"111111111111"}"#,
        r#"{"AWS":"arn:aws:iam::111111111111:root"}"#,
    ] {
        let to_account = resource_policy(account, "s3:GetObject");
        let mut set = PolicySet {
            resource: Some(&to_account),
            resource_account: Some("111111111111"),
            ..PolicySet::default()
        };
        assert_eq!(
            decide(&set, &alice(), "s3:GetObject", BUCKET),
            denied(false, PolicyKind::Identity)
        );
        let read = allow("s3:GetObject", "*");
        set.identity = vec![&read];
        assert_eq!(
            decide(&set, &alice(), "s3:GetObject", BUCKET),
            Decision::Allow
        );
    }
}

#[test]
fn cross_account_access_needs_both_sides() {
    let read = allow("s3:GetObject", "*");
    let to_alice = resource_policy(&format!(r#"{{"AWS":"{ALICE}"}}"#), "s3:GetObject");
    let caller_only = PolicySet {
        identity: vec![&read],
        resource_account: Some("222222222222"),
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&caller_only, &alice(), "s3:GetObject", BUCKET),
        denied(false, PolicyKind::Resource)
    );
    let resource_only = PolicySet {
        resource: Some(&to_alice),
        resource_account: Some("222222222222"),
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&resource_only, &alice(), "s3:GetObject", BUCKET),
        denied(false, PolicyKind::Identity)
    );
    let both = PolicySet {
        identity: vec![&read],
        resource: Some(&to_alice),
        resource_account: Some("222222222222"),
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&both, &alice(), "s3:GetObject", BUCKET),
        Decision::Allow
    );
    // The other account's root grants to the whole caller account: allowed, with the identity side.
    let to_account = resource_policy(r#"{"AWS":"111111111111"}"#, "s3:GetObject");
    let delegated = PolicySet {
        identity: vec![&read],
        resource: Some(&to_account),
        resource_account: Some("222222222222"),
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&delegated, &alice(), "s3:GetObject", BUCKET),
        Decision::Allow
    );
    // Another account's root has everything in its own account, nothing here.
    assert_eq!(
        decide(&caller_only, &root("111111111111"), "s3:GetObject", BUCKET),
        denied(false, PolicyKind::Resource)
    );
}

#[test]
fn permissions_boundaries_cap_identity_policies() {
    let s3 = allow("s3:*", "*");
    let read_only = allow("s3:GetObject", "*");
    let set = PolicySet {
        identity: vec![&s3],
        boundary: Some(vec![&read_only]),
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&set, &alice(), "s3:GetObject", BUCKET),
        Decision::Allow
    );
    assert_eq!(
        decide(&set, &alice(), "s3:PutObject", BUCKET),
        denied(false, PolicyKind::PermissionsBoundary)
    );
    // A boundary grants nothing by itself.
    let only_boundary = PolicySet {
        boundary: Some(vec![&s3]),
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&only_boundary, &alice(), "s3:GetObject", BUCKET),
        denied(false, PolicyKind::Identity)
    );
    // A resource-based policy naming the user is not capped by the boundary (same account).
    let to_alice = resource_policy(&format!(r#"{{"AWS":"{ALICE}"}}"#), "s3:PutObject");
    let direct = PolicySet {
        boundary: Some(vec![&read_only]),
        resource: Some(&to_alice),
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&direct, &alice(), "s3:PutObject", BUCKET),
        Decision::Allow
    );
    let boundary_deny = deny("s3:GetObject", "*");
    let explicit = PolicySet {
        identity: vec![&s3],
        boundary: Some(vec![&s3, &boundary_deny]),
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&explicit, &alice(), "s3:GetObject", BUCKET),
        denied(true, PolicyKind::PermissionsBoundary)
    );
}

#[test]
fn session_policies_cap_the_session() {
    let everything = allow("*", "*");
    let s3_read = allow("s3:Get*", "*");
    let set = PolicySet {
        identity: vec![&everything],
        session: Some(vec![&s3_read]),
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&set, &alice(), "s3:GetObject", BUCKET),
        Decision::Allow
    );
    assert_eq!(
        decide(&set, &alice(), "iam:CreateUser", "*"),
        denied(false, PolicyKind::Session)
    );
}

#[test]
fn service_control_policies_bind_member_accounts_and_their_root() {
    let full = allow("*", "*");
    let no_stop = deny("cloudtrail:StopLogging", "*");
    let member_root = root("222222222222");
    let set = PolicySet {
        service_control: vec![vec![&full, &no_stop]],
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&set, &member_root, "cloudtrail:StopLogging", "*"),
        denied(true, PolicyKind::ServiceControl)
    );
    assert_eq!(
        decide(&set, &member_root, "cloudtrail:StartLogging", "*"),
        Decision::Allow
    );
    // Without FullAWSAccess, only what an SCP allows, at every level.
    let s3_only = allow("s3:*", "*");
    let levels = PolicySet {
        service_control: vec![vec![&full], vec![&s3_only]],
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&levels, &member_root, "s3:GetObject", BUCKET),
        Decision::Allow
    );
    assert_eq!(
        decide(&levels, &member_root, "iam:CreateUser", "*"),
        denied(false, PolicyKind::ServiceControl)
    );
    // SCPs grant nothing: the identity side must still allow for a user.
    assert_eq!(
        decide(&levels, &alice(), "s3:GetObject", BUCKET),
        denied(false, PolicyKind::Identity)
    );
}

#[test]
fn service_principals_need_a_resource_policy_naming_them() {
    let cloudtrail = Principal {
        service: Some("cloudtrail.amazonaws.com".into()),
        ..Principal::default()
    };
    let bucket = resource_policy(r#"{"Service":"cloudtrail.amazonaws.com"}"#, "s3:PutObject");
    let set = PolicySet {
        resource: Some(&bucket),
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&set, &cloudtrail, "s3:PutObject", BUCKET),
        Decision::Allow
    );
    assert_eq!(
        decide(&PolicySet::default(), &cloudtrail, "s3:PutObject", BUCKET),
        denied(false, PolicyKind::Resource)
    );
}

#[test]
fn not_elements() {
    let all_but_iam = policy(
        r#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:s3:::secret/*"}]}"#,
    );
    let set = PolicySet {
        identity: vec![&all_but_iam],
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&set, &alice(), "s3:GetObject", BUCKET),
        Decision::Allow
    );
    assert_eq!(
        decide(&set, &alice(), "iam:CreateUser", "*"),
        denied(false, PolicyKind::Identity)
    );
    assert_eq!(
        decide(&set, &alice(), "s3:GetObject", "arn:aws:s3:::secret/x"),
        denied(false, PolicyKind::Identity)
    );
    let everyone_but_alice = policy(&format!(
        r#"{{"Statement":[{{"Effect":"Deny","NotPrincipal":{{"AWS":"{ALICE}"}},"Action":"s3:*","Resource":"*"}}]}}"#
    ));
    let bob = Principal {
        account: "111111111111".into(),
        arns: vec!["arn:aws:iam::111111111111:user/bob".into()],
        ..Principal::default()
    };
    let s3 = allow("s3:*", "*");
    let set = PolicySet {
        identity: vec![&s3],
        resource: Some(&everyone_but_alice),
        ..PolicySet::default()
    };
    assert_eq!(
        decide(&set, &alice(), "s3:GetObject", BUCKET),
        Decision::Allow
    );
    assert_eq!(
        decide(&set, &bob, "s3:GetObject", BUCKET),
        denied(true, PolicyKind::Resource)
    );
}

#[test]
fn policy_variables_name_the_callers_own_resources() {
    let home = allow("s3:*", "arn:aws:s3:::home/${aws:username}/*");
    let set = PolicySet {
        identity: vec![&home],
        ..PolicySet::default()
    };
    let context: Context = [("aws:username", "alice")].into_iter().collect();
    let who = alice();
    let request = |resource| Request {
        principal: &who,
        action: "s3:GetObject",
        resource,
        context: &context,
    };
    assert_eq!(
        authorize(&set, &request("arn:aws:s3:::home/alice/a")),
        Decision::Allow
    );
    assert!(matches!(
        authorize(&set, &request("arn:aws:s3:::home/bob/a")),
        Decision::Deny(_)
    ));
}

#[test]
fn denial_reasons_read_as_aws_writes_them() {
    let reason = |explicit, kind| Denial { explicit, kind }.reason("a4b:CreateRoom");
    assert_eq!(
        reason(false, PolicyKind::Identity),
        "because no identity-based policy allows the a4b:CreateRoom action"
    );
    assert_eq!(
        reason(true, PolicyKind::Identity),
        "with an explicit deny in an identity-based policy"
    );
    assert_eq!(
        reason(true, PolicyKind::ServiceControl),
        "with an explicit deny in a service control policy"
    );
    assert_eq!(
        reason(false, PolicyKind::PermissionsBoundary),
        "because no permissions boundary allows the a4b:CreateRoom action"
    );
    assert_eq!(
        reason(false, PolicyKind::Resource),
        "because no resource-based policy allows the a4b:CreateRoom action"
    );
}
