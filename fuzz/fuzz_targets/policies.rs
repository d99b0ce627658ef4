//! Policy documents (bucket, topic and trust policies) through the policy engine: validation and
//! evaluation of arbitrary JSON with arbitrary principals, actions, resources and condition
//! values. Never a panic; an explicit Deny added to a policy never turns a refusal into a grant.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use trailroom_identity::Principal;
use trailroom_policy::resource::{Decision, PolicyPrincipal, evaluate_text};
use trailroom_s3::policy::validate_bucket_policy;
use trailroom_sns::validate_topic_policy;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\u{1}');
    let policy = parts.next().unwrap_or_default();
    let action = parts.next().unwrap_or("s3:PutObject");
    let resource = parts
        .next()
        .unwrap_or("arn:aws:s3:::logs/AWSLogs/123456789012/x");
    let context_value = parts.next().unwrap_or_default();
    let _ = validate_bucket_policy(policy, "logs");
    let _ = validate_topic_policy(policy);
    let mut context = BTreeMap::new();
    context.insert("aws:SourceArn".to_owned(), context_value.to_owned());
    context.insert(
        "s3:x-amz-acl".to_owned(),
        "bucket-owner-full-control".to_owned(),
    );
    let arns = vec!["arn:aws:iam::123456789012:user/alice".to_owned()];
    let principals = [
        PolicyPrincipal::Service("cloudtrail.amazonaws.com"),
        PolicyPrincipal::Aws {
            arns: &arns,
            account: "123456789012",
        },
    ];
    for principal in &principals {
        let decision = evaluate_text(policy, principal, action, resource, &context);
        // The same policy with an explicit Deny of everything in front never allows.
        if let Ok(serde_json::Value::Object(mut doc)) =
            serde_json::from_str::<serde_json::Value>(policy)
            && let Some(serde_json::Value::Array(statements)) = doc.get_mut("Statement")
        {
            statements.insert(0, serde_json::json!({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}));
            let denied = evaluate_text(
                &serde_json::Value::Object(doc).to_string(),
                principal,
                action,
                resource,
                &context,
            );
            assert_ne!(
                denied,
                Decision::Allow,
                "an explicit Deny was overridden (was {decision:?})"
            );
        }
    }
    let cloudtrail = trailroom_policy::Principal {
        service: Some("cloudtrail.amazonaws.com".into()),
        ..trailroom_policy::Principal::default()
    };
    let context: trailroom_policy::Context =
        [("aws:SourceArn", context_value)].into_iter().collect();
    let _ =
        trailroom_policy::resource_policy_allows(policy, &cloudtrail, action, resource, &context);
    if let Ok(parsed) = trailroom_policy::Policy::parse(policy) {
        let _ = parsed.check_identity();
        let _ = parsed.check_resource();
    }
    let role_session = Principal::Root {
        account_id: "123456789012".into(),
    };
    let _ = trailroom_identity::trust::allows(policy, &role_session, "sts:AssumeRole", &context);
    let _ = trailroom_identity::trust::allows_federated(
        policy,
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        "sts:AssumeRoleWithWebIdentity",
        &context,
    );
});
