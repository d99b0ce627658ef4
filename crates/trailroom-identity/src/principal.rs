//! The principal a verified request acts as, with what CloudTrail's `userIdentity` needs.

use serde::{Deserialize, Serialize};

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Principal {
    /// The account's root user.
    Root {
        /// The account.
        account_id: String,
    },
    /// An IAM user.
    IamUser {
        /// Owning account.
        account_id: String,
        /// User name.
        user_name: String,
        /// `AIDA…` id.
        user_id: String,
        /// IAM path, `/` by default.
        path: String,
    },
    /// A role session obtained with `AssumeRole`.
    AssumedRole {
        /// Account that owns the role.
        account_id: String,
        /// Role name.
        role_name: String,
        /// `AROA…` id.
        role_id: String,
        /// IAM path of the role.
        path: String,
        /// `RoleSessionName`.
        session_name: String,
    },
    /// A federated user from `GetFederationToken`.
    FederatedUser {
        /// Account of the issuing user.
        account_id: String,
        /// The federated user name (`Name`).
        federated_name: String,
        /// The long-term principal that asked for the token (root or an IAM user).
        issuer: Box<Principal>,
    },
    /// A user of an OpenID Connect provider asking `AssumeRoleWithWebIdentity` for a role
    /// session: it has no credentials of its own, only its identity provider's token.
    WebIdentityUser {
        /// Account of the role asked for (where the call is recorded).
        account_id: String,
        /// The IAM OIDC provider's ARN (`identityProvider`).
        provider: String,
        /// The token's audience (client id).
        audience: String,
        /// The token's subject.
        subject: String,
    },
    /// A user of a SAML provider asking `AssumeRoleWithSAML` for a role session.
    SamlUser {
        /// Account of the role asked for (where the call is recorded).
        account_id: String,
        /// `NameQualifier`: base64 SHA-1 of issuer, account id and provider name.
        name_qualifier: String,
        /// The assertion's subject (`NameID`).
        subject: String,
    },
    /// An AWS service acting on its own behalf (`invokedBy`).
    AwsService {
        /// Service principal, e.g. `cloudtrail.amazonaws.com`.
        service: String,
    },
}

impl Principal {
    /// The account the principal belongs to (empty for services).
    pub fn account_id(&self) -> &str {
        match self {
            Self::Root { account_id }
            | Self::IamUser { account_id, .. }
            | Self::AssumedRole { account_id, .. }
            | Self::FederatedUser { account_id, .. }
            | Self::WebIdentityUser { account_id, .. }
            | Self::SamlUser { account_id, .. } => account_id,
            Self::AwsService { .. } => "",
        }
    }

    /// The principal's ARN, as `GetCallerIdentity` and CloudTrail show it.
    pub fn arn(&self) -> String {
        match self {
            Self::Root { account_id } => format!("arn:aws:iam::{account_id}:root"),
            Self::IamUser {
                account_id,
                user_name,
                path,
                ..
            } => {
                format!("arn:aws:iam::{account_id}:user{path}{user_name}")
            }
            Self::AssumedRole {
                account_id,
                role_name,
                session_name,
                ..
            } => {
                format!("arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}")
            }
            Self::FederatedUser {
                account_id,
                federated_name,
                ..
            } => {
                format!("arn:aws:sts::{account_id}:federated-user/{federated_name}")
            }
            // Identities of other providers have no ARN in AWS.
            Self::WebIdentityUser { .. } | Self::SamlUser { .. } => String::new(),
            Self::AwsService { service } => service.clone(),
        }
    }

    /// The unique id (`UserId` of `GetCallerIdentity`, `principalId` of CloudTrail).
    pub fn principal_id(&self) -> String {
        match self {
            Self::Root { account_id } => account_id.clone(),
            Self::IamUser { user_id, .. } => user_id.clone(),
            Self::AssumedRole {
                role_id,
                session_name,
                ..
            } => format!("{role_id}:{session_name}"),
            Self::FederatedUser {
                account_id,
                federated_name,
                ..
            } => {
                format!("{account_id}:{federated_name}")
            }
            Self::WebIdentityUser {
                provider,
                audience,
                subject,
                ..
            } => format!("{provider}:{audience}:{subject}"),
            Self::SamlUser {
                name_qualifier,
                subject,
                ..
            } => format!("{name_qualifier}:{subject}"),
            Self::AwsService { service } => service.clone(),
        }
    }

    /// The name Event history shows as `Username`.
    pub fn display_name(&self) -> String {
        match self {
            Self::Root { .. } => "root".into(),
            Self::IamUser { user_name, .. } => user_name.clone(),
            Self::AssumedRole { session_name, .. } => session_name.clone(),
            Self::FederatedUser { federated_name, .. } => federated_name.clone(),
            Self::WebIdentityUser { subject, .. } | Self::SamlUser { subject, .. } => {
                subject.clone()
            }
            Self::AwsService { service } => service.clone(),
        }
    }

    /// The ARN that `arn:aws:iam::<acct>:root` in a trust policy stands for, and similar: the
    /// ARNs this principal answers to in a policy's `Principal.AWS`.
    pub fn policy_arns(&self) -> Vec<String> {
        let mut arns = vec![self.arn()];
        if let Self::AssumedRole {
            account_id,
            role_name,
            path,
            ..
        } = self
        {
            arns.push(format!("arn:aws:iam::{account_id}:role{path}{role_name}"));
        }
        arns
    }
}

/// Facts about temporary credentials, for `sessionContext.attributes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// When the credentials were issued (ms since the epoch).
    pub created_ms: i64,
    /// When they expire (ms since the epoch).
    pub expires_ms: i64,
    /// Whether MFA was used to obtain them.
    pub mfa_authenticated: bool,
    /// `SourceIdentity` set at `AssumeRole`.
    pub source_identity: Option<String>,
    /// Session policies passed when the credentials were made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<String>,
    /// Session tags (`aws:PrincipalTag/…`, over the role's own tags).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tags: std::collections::BTreeMap<String, String>,
    /// Keys of the session tags a chained role session inherits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitive_tag_keys: Vec<String>,
    /// The OIDC provider the session was federated through (`webIdFederationData`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federated_provider: Option<String>,
}

/// A verified caller: the principal plus the key it signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Who acts.
    pub principal: Principal,
    /// The access key id that signed the request.
    pub access_key_id: String,
    /// Present when the key is temporary.
    pub session: Option<SessionInfo>,
    /// Service principal when an AWS service made the call on the principal's behalf.
    pub invoked_by: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_and_ids_follow_aws() {
        let role = Principal::AssumedRole {
            account_id: "123456789012".into(),
            role_name: "Admin".into(),
            role_id: "AROAEXAMPLEEXAMPLE123".into(),
            path: "/ops/".into(),
            session_name: "alice".into(),
        };
        assert_eq!(
            role.arn(),
            "arn:aws:sts::123456789012:assumed-role/Admin/alice"
        );
        assert_eq!(role.principal_id(), "AROAEXAMPLEEXAMPLE123:alice");
        assert_eq!(role.display_name(), "alice");
        assert!(
            role.policy_arns()
                .contains(&"arn:aws:iam::123456789012:role/ops/Admin".into())
        );
        let user = Principal::IamUser {
            account_id: "123456789012".into(),
            user_name: "Alice".into(),
            user_id: "AIDAEXAMPLE".into(),
            path: "/".into(),
        };
        assert_eq!(user.arn(), "arn:aws:iam::123456789012:user/Alice");
        let root = Principal::Root {
            account_id: "123456789012".into(),
        };
        assert_eq!(root.arn(), "arn:aws:iam::123456789012:root");
        assert_eq!(root.principal_id(), "123456789012");
        let fed = Principal::FederatedUser {
            account_id: "123456789012".into(),
            federated_name: "bob".into(),
            issuer: Box::new(user),
        };
        assert_eq!(fed.arn(), "arn:aws:sts::123456789012:federated-user/bob");
        assert_eq!(fed.principal_id(), "123456789012:bob");
    }
}
