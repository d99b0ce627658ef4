//! Trust policies: may this principal assume that role?
//!
//! Evaluates the parts of a role's trust policy that decide `sts:AssumeRole` for AWS principals:
//! `Effect`, `Action` (`sts:AssumeRole`, `sts:*`, `*`) and `Principal.AWS` (an account id, an
//! account root ARN, a user or role ARN, `*`). An explicit `Deny` wins. Conditions are not
//! evaluated; a statement with a `Condition` block is skipped for `Allow` and honoured for `Deny`.

use serde_json::Value;

use crate::Principal;

/// Whether `principal` may call `action` (e.g. `sts:AssumeRole`) on a role with `policy`.
pub fn allows(policy: &str, principal: &Principal, action: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<Value>(policy) else {
        return false;
    };
    let statements = match doc.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(single @ Value::Object(_)) => vec![single.clone()],
        _ => return false,
    };
    let mut allowed = false;
    for statement in &statements {
        if !statement_matches(statement, principal, action) {
            continue;
        }
        match statement.get("Effect").and_then(Value::as_str) {
            Some("Deny") => return false,
            Some("Allow") if statement.get("Condition").is_none() => allowed = true,
            _ => {}
        }
    }
    allowed
}

fn statement_matches(statement: &Value, principal: &Principal, action: &str) -> bool {
    action_matches(statement.get("Action"), action)
        && principal_matches(statement.get("Principal"), principal)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn action_matches(actions: Option<&Value>, action: &str) -> bool {
    let service = action.split(':').next().unwrap_or_default();
    strings(actions).iter().any(|a| {
        a == "*"
            || a.eq_ignore_ascii_case(action)
            || a.eq_ignore_ascii_case(&format!("{service}:*"))
    })
}

fn principal_matches(value: Option<&Value>, principal: &Principal) -> bool {
    let entries = match value {
        Some(Value::String(star)) if star == "*" => return true,
        Some(Value::Object(map)) => strings(map.get("AWS")),
        _ => return false,
    };
    let account = principal.account_id();
    let own_arns = principal.policy_arns();
    entries.iter().any(|entry| {
        entry == "*"
            || entry == account
            || *entry == format!("arn:aws:iam::{account}:root")
            || own_arns.iter().any(|arn| arn == entry)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
