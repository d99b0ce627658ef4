//! Trust policies: may this principal assume that role?
//!
//! A role's trust policy decides who may assume it: its `Principal.AWS` (an account id, an
//! account root ARN, a user or role ARN, `*`), `Action` and `Effect`, as the policy engine reads
//! any resource-based policy. When authorization is on, the caller's own policies must also
//! allow `sts:AssumeRole` unless the trust policy names the caller itself.

use crate::Principal;

/// Whether `principal` may call `action` (e.g. `sts:AssumeRole`, `sts:TagSession`) on a role
/// with `policy`: the trust policy read as the role's resource-based policy by the one policy
/// engine, with the request's condition keys in `context` (an explicit `Deny` wins; conditions
/// on keys the context lacks do not hold).
pub fn allows(
    policy: &str,
    principal: &Principal,
    action: &str,
    context: &trailroom_policy::Context,
) -> bool {
    let who = trailroom_policy::Principal {
        account: principal.account_id().to_owned(),
        arns: principal.policy_arns(),
        is_root: matches!(principal, Principal::Root { .. }),
        service: None,
        federated: None,
    };
    trailroom_policy::resource_policy_allows(policy, &who, action, "*", context)
}

/// Whether a user of the identity provider `provider` (an IAM OIDC or SAML provider ARN) may
/// call `action` (`sts:AssumeRoleWithWebIdentity`, `sts:AssumeRoleWithSAML`, `sts:TagSession`,
/// `sts:SetSourceIdentity`) on a role with `policy`: a statement must name the provider as its
/// `Federated` principal, with conditions on the token's or assertion's keys in `context`.
pub fn allows_federated(
    policy: &str,
    provider: &str,
    action: &str,
    context: &trailroom_policy::Context,
) -> bool {
    let who = trailroom_policy::Principal {
        account: String::new(),
        arns: Vec::new(),
        is_root: false,
        service: None,
        federated: Some(provider.to_owned()),
    };
    trailroom_policy::resource_policy_allows(policy, &who, action, "*", context)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(policy: &str, principal: &Principal, action: &str) -> bool {
        super::allows(policy, principal, action, &trailroom_policy::Context::new())
    }

    fn user(account: &str) -> Principal {
        Principal::IamUser {
            account_id: account.into(),
            user_name: "alice".into(),
            user_id: "AIDAX".into(),
            path: "/".into(),
        }
    }

    const ACCOUNT_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}"#;

    #[test]
    fn account_root_trusts_every_principal_of_the_account() {
        assert!(allows(
            ACCOUNT_TRUST,
            &user("111111111111"),
            "sts:AssumeRole"
        ));
        assert!(!allows(
            ACCOUNT_TRUST,
            &user("222222222222"),
            "sts:AssumeRole"
        ));
        assert!(!allows(
            ACCOUNT_TRUST,
            &user("111111111111"),
            "sts:TagSession"
        ));
    }

    #[test]
    fn user_arn_list_and_deny() {
        let policy = r#"{"Statement":[
            {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:user/alice"]},"Action":["sts:*"]},
            {"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
        assert!(!allows(policy, &user("111111111111"), "sts:AssumeRole"));
        let allow_only = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"sts:*"}}"#;
        assert!(allows(allow_only, &user("111111111111"), "sts:AssumeRole"));
    }

    #[test]
    fn service_principals_and_garbage_do_not_allow_users() {
        let policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        assert!(!allows(policy, &user("111111111111"), "sts:AssumeRole"));
        assert!(!allows("not json", &user("111111111111"), "sts:AssumeRole"));
    }

    #[test]
    fn federated_principals_need_their_provider_and_conditions() {
        let provider =
            "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";
        let policy = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{provider}"}},
            "Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringLike":{{
            "token.actions.githubusercontent.com:sub":"repo:octo-org/*"}}}}}}]}}"#
        );
        let mut context = trailroom_policy::Context::new();
        context.set(
            "token.actions.githubusercontent.com:sub",
            "repo:octo-org/app:ref:refs/heads/main",
        );
        let action = "sts:AssumeRoleWithWebIdentity";
        assert!(allows_federated(&policy, provider, action, &context));
        assert!(!allows_federated(
            &policy,
            "arn:aws:iam::111111111111:oidc-provider/other",
            action,
            &context
        ));
        assert!(!allows_federated(
            &policy,
            provider,
            "sts:AssumeRoleWithSAML",
            &context
        ));
        let mut other = trailroom_policy::Context::new();
        other.set(
            "token.actions.githubusercontent.com:sub",
            "repo:evil/app:ref:refs/heads/main",
        );
        assert!(!allows_federated(&policy, provider, action, &other));
        // A user of the account is not the provider.
        assert!(!allows(&policy, &user("111111111111"), action));
    }
}
