//! Properties of the evaluation for random policies and requests: an explicit Deny added
//! anywhere never turns a denied request into an allowed one, and without any Allow everything is
//! denied to everyone but the root user.

use proptest::prelude::*;
use trailroom_policy::{Context, Decision, Policy, PolicySet, Principal, Request, authorize};

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "iam:CreateUser",
    "a4b:CreateRoom",
    "cloudtrail:StopLogging",
];
const ACTION_PATTERNS: &[&str] = &[
    "*",
    "s3:*",
    "s3:Get*",
    "iam:CreateUser",
    "a4b:*",
    "cloudtrail:Stop*",
    "sts:*",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::logs/*",
    "arn:aws:s3:::other/*",
    "arn:aws:iam::111111111111:user/*",
];
const PRINCIPALS: &[&str] = &[
    r#""*""#,
    r#"{"AWS":"111111111111"}"#,
    r#"{"AWS":"arn:aws:iam::111111111111:user/alice"}"#,
    r#"{"AWS":"222222222222"}"#,
    r#"{"Service":"cloudtrail.amazonaws.com"}"#,
];

#[derive(Debug, Clone)]
struct Stmt {
    allow: bool,
    not_action: bool,
    action: usize,
    resource: usize,
    principal: usize,
    condition: bool,
}

fn stmt() -> impl Strategy<Value = Stmt> {
    (
        any::<bool>(),
        any::<bool>(),
        0..ACTION_PATTERNS.len(),
        0..RESOURCES.len(),
        0..PRINCIPALS.len(),
        any::<bool>(),
    )
        .prop_map(
            |(allow, not_action, action, resource, principal, condition)| Stmt {
                allow,
                not_action,
                action,
                resource,
                principal,
                condition,
            },
        )
}

fn render(statements: &[Stmt], resource_policy: bool) -> String {
    let items: Vec<String> = statements
        .iter()
        .map(|s| {
            let effect = if s.allow { "Allow" } else { "Deny" };
            let action = if s.not_action { "NotAction" } else { "Action" };
            let principal = match resource_policy {
                true => format!(r#""Principal":{},"#, PRINCIPALS[s.principal]),
                false => String::new(),
            };
            let condition = match s.condition {
                true => r#","Condition":{"StringEquals":{"aws:username":"alice"}}"#,
                false => "",
            };
            format!(
                r#"{{"Effect":"{effect}",{principal}"{action}":"{}","Resource":"{}"{condition}}}"#,
                ACTION_PATTERNS[s.action], RESOURCES[s.resource]
            )
        })
        .collect();
    format!(r#"{{"Statement":[{}]}}"#, items.join(","))
}

#[derive(Debug, Clone)]
struct Case {
    identity: Vec<Vec<Stmt>>,
    boundary: Option<Vec<Stmt>>,
    session: Option<Vec<Stmt>>,
    scp: Option<Vec<Stmt>>,
    resource: Option<Vec<Stmt>>,
    cross_account: bool,
    root: bool,
    action: usize,
    resource_arn: usize,
    username: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let list = || prop::collection::vec(stmt(), 0..4);
    (
        prop::collection::vec(list(), 0..3),
        prop::option::of(list()),
        prop::option::of(list()),
        prop::option::of(list()),
        prop::option::of(list()),
        any::<bool>(),
        any::<bool>(),
        0..ACTIONS.len(),
        1..RESOURCES.len(),
        any::<bool>(),
    )
        .prop_map(
            |(
                identity,
                boundary,
                session,
                scp,
                resource,
                cross_account,
                root,
                action,
                resource_arn,
                username,
            )| Case {
                identity,
                boundary,
                session,
                scp,
                resource,
                cross_account,
                root,
                action,
                resource_arn,
                username,
            },
        )
}

fn decide(case: &Case) -> Decision {
    let parse = |s: &[Stmt], resource| Policy::parse(&render(s, resource)).unwrap();
    let identity: Vec<Policy> = case.identity.iter().map(|s| parse(s, false)).collect();
    let boundary = case.boundary.as_ref().map(|s| parse(s, false));
    let session = case.session.as_ref().map(|s| parse(s, false));
    let scp = case.scp.as_ref().map(|s| parse(s, false));
    let resource = case.resource.as_ref().map(|s| parse(s, true));
    let set = PolicySet {
        identity: identity.iter().collect(),
        boundary: boundary.as_ref().map(|b| vec![b]),
        session: session.as_ref().map(|s| vec![s]),
        service_control: scp.as_ref().map(|s| vec![vec![s]]).unwrap_or_default(),
        resource: resource.as_ref(),
        resource_account: Some(if case.cross_account {
            "222222222222"
        } else {
            "111111111111"
        }),
    };
    let principal = Principal {
        account: "111111111111".into(),
        arns: vec![if case.root {
            "arn:aws:iam::111111111111:root".into()
        } else {
            "arn:aws:iam::111111111111:user/alice".into()
        }],
        is_root: case.root,
        ..Principal::default()
    };
    let mut context = Context::new();
    if case.username {
        context.set("aws:username", "alice");
    }
    authorize(
        &set,
        &Request {
            principal: &principal,
            action: ACTIONS[case.action],
            resource: &RESOURCES[case.resource_arn].replace('*', "x"),
            context: &context,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]

    #[test]
    fn an_explicit_deny_never_grants(mut case in case(), deny in stmt(), target in 0..5usize) {
        let before = decide(&case);
        let deny = Stmt { allow: false, ..deny };
        match target {
            0 => case.identity.push(vec![deny]),
            1 => case.boundary.get_or_insert_with(Vec::new).push(deny),
            2 => case.session.get_or_insert_with(Vec::new).push(deny),
            3 => case.scp.get_or_insert_with(Vec::new).push(deny),
            _ => case.resource.get_or_insert_with(Vec::new).push(deny),
        }
        let after = decide(&case);
        if before != Decision::Allow {
            prop_assert_ne!(after, Decision::Allow);
        }
    }

    #[test]
    fn without_any_allow_only_root_is_allowed(mut case in case()) {
        let strip = |list: &mut Vec<Stmt>| list.retain(|s| !s.allow);
        case.identity.iter_mut().for_each(strip);
        case.boundary.iter_mut().for_each(strip);
        case.session.iter_mut().for_each(strip);
        case.scp.iter_mut().for_each(strip);
        case.resource.iter_mut().for_each(strip);
        let decision = decide(&case);
        if !case.root {
            prop_assert_ne!(decision, Decision::Allow);
        }
    }
}
