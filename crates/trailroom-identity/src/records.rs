//! Stored identity records and the document kinds they live under.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::principal::Principal;

/// Document kinds used by this crate.
pub mod kinds {
    /// [`super::AccountRecord`], id = account id.
    pub const ACCOUNT: &str = "account";
    /// [`super::UserRecord`], id = user name.
    pub const USER: &str = "iam_user";
    /// [`super::RoleRecord`], id = role name.
    pub const ROLE: &str = "iam_role";
    /// [`super::AccessKeyRecord`], id = access key id (globally unique).
    pub const ACCESS_KEY: &str = "access_key";
    /// [`super::SessionRecord`], id = temporary access key id (globally unique).
    pub const SESSION: &str = "sts_session";
    /// [`super::GroupRecord`], id = group name.
    pub const GROUP: &str = "iam_group";
    /// [`super::ManagedPolicyRecord`] (customer managed), id = policy name.
    pub const POLICY: &str = "iam_policy";
    /// [`super::OidcProviderRecord`], id = the provider's URL without `https://`.
    pub const OIDC_PROVIDER: &str = "iam_oidc_provider";
    /// [`super::SamlProviderRecord`], id = provider name.
    pub const SAML_PROVIDER: &str = "iam_saml_provider";
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    /// 12-digit id.
    pub account_id: String,
    /// Optional alias, shown as the root `userName`.
    pub alias: Option<String>,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
}

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    /// Owning account.
    pub account_id: String,
    /// Name, unique in the account.
    pub user_name: String,
    /// `AIDA…` id.
    pub user_id: String,
    /// IAM path.
    pub path: String,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// Inline policies by name (JSON documents as given).
    #[serde(default)]
    pub inline_policies: BTreeMap<String, String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// ARNs of the managed policies attached to the user.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// Names of the groups the user is in.
    #[serde(default)]
    pub groups: Vec<String>,
    /// ARN of the managed policy that is the user's permissions boundary.
    #[serde(default)]
    pub permissions_boundary: Option<String>,
}

impl UserRecord {
    /// The principal this user acts as.
    pub fn principal(&self) -> Principal {
        Principal::IamUser {
            account_id: self.account_id.clone(),
            user_name: self.user_name.clone(),
            user_id: self.user_id.clone(),
            path: self.path.clone(),
        }
    }

    /// The user's ARN.
    pub fn arn(&self) -> String {
        self.principal().arn()
    }
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRecord {
    /// Owning account.
    pub account_id: String,
    /// Name, unique in the account.
    pub role_name: String,
    /// `AROA…` id.
    pub role_id: String,
    /// IAM path.
    pub path: String,
    /// Trust policy (JSON text as given).
    pub assume_role_policy_document: String,
    /// Description.
    pub description: Option<String>,
    /// Longest session `AssumeRole` may grant, seconds.
    pub max_session_duration: i64,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// Inline policies by name.
    #[serde(default)]
    pub inline_policies: BTreeMap<String, String>,
    /// ARNs of the managed policies attached to the role.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// ARN of the managed policy that is the role's permissions boundary.
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An IAM group: its members are the users naming it in [`UserRecord::groups`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRecord {
    /// Owning account.
    pub account_id: String,
    /// Name, unique in the account.
    pub group_name: String,
    /// `AGPA…` id.
    pub group_id: String,
    /// IAM path.
    pub path: String,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// Inline policies by name.
    #[serde(default)]
    pub inline_policies: BTreeMap<String, String>,
    /// ARNs of the managed policies attached to the group.
    #[serde(default)]
    pub attached_policies: Vec<String>,
}

impl GroupRecord {
    /// The group's ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:group{}{}",
            self.account_id, self.path, self.group_name
        )
    }
}

/// One version of a managed policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersionRecord {
    /// `v1`, `v2`, …
    pub version_id: String,
    /// The document, as given.
    pub document: String,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
}

/// A customer managed policy (AWS managed policies are data shipped with the binary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedPolicyRecord {
    /// Owning account.
    pub account_id: String,
    /// Name, unique in the account.
    pub policy_name: String,
    /// `ANPA…` id.
    pub policy_id: String,
    /// IAM path.
    pub path: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// The version in force.
    pub default_version_id: String,
    /// Every version, oldest first (at most five).
    pub versions: Vec<PolicyVersionRecord>,
    /// The number the next version gets.
    pub next_version: u32,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// Last change (a new default version), ms since the epoch.
    pub updated_ms: i64,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl ManagedPolicyRecord {
    /// The policy's ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:policy{}{}",
            self.account_id, self.path, self.policy_name
        )
    }

    /// The document of the default version.
    pub fn default_document(&self) -> Option<&str> {
        self.versions
            .iter()
            .find(|v| v.version_id == self.default_version_id)
            .map(|v| v.document.as_str())
    }
}

impl RoleRecord {
    /// The role's ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:role{}{}",
            self.account_id, self.path, self.role_name
        )
    }
}

/// Whom a long-term key belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum AccessKeyOwner {
    /// The account's root user.
    Root,
    /// An IAM user, by name.
    User {
        /// User name.
        user_name: String,
    },
}

/// Whether a key may sign requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccessKeyStatus {
    /// Usable.
    Active,
    /// Refused.
    Inactive,
}

impl AccessKeyStatus {
    /// The name IAM uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
        }
    }
}

/// A long-term access key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKeyRecord {
    /// Owning account.
    pub account_id: String,
    /// `AKIA…` id.
    pub access_key_id: String,
    /// The secret. Never logged.
    pub secret_access_key: String,
    /// Owner.
    pub owner: AccessKeyOwner,
    /// Status.
    pub status: AccessKeyStatus,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
}

/// Temporary credentials issued by STS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Account of the principal.
    pub account_id: String,
    /// `ASIA…` id.
    pub access_key_id: String,
    /// The secret. Never logged.
    pub secret_access_key: String,
    /// The session token the caller must present.
    pub session_token: String,
    /// Who the credentials act as.
    pub principal: Principal,
    /// Issue time, ms.
    pub created_ms: i64,
    /// Expiry, ms.
    pub expires_ms: i64,
    /// `SourceIdentity`, when set.
    pub source_identity: Option<String>,
    /// Session policies passed when the credentials were made (inline `Policy` and the
    /// documents of `PolicyArns`): the session may do only what they allow too.
    #[serde(default)]
    pub session_policies: Vec<String>,
    /// Session tags.
    #[serde(default)]
    pub session_tags: BTreeMap<String, String>,
    /// Keys of the session tags chained sessions inherit.
    #[serde(default)]
    pub transitive_tag_keys: Vec<String>,
    /// The OIDC provider's ARN for sessions of `AssumeRoleWithWebIdentity`.
    #[serde(default)]
    pub federated_provider: Option<String>,
}

/// An IAM OpenID Connect identity provider: the issuer whose ID tokens roles may trust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcProviderRecord {
    /// Owning account.
    pub account_id: String,
    /// The issuer URL without `https://` (`token.actions.githubusercontent.com`).
    pub url: String,
    /// Audiences (client ids) the provider accepts.
    pub client_ids: Vec<String>,
    /// Certificate thumbprints, as given (IAM no longer needs them to trust an issuer).
    pub thumbprints: Vec<String>,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl OidcProviderRecord {
    /// `arn:aws:iam::<account>:oidc-provider/<url>`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:oidc-provider/{}",
            self.account_id, self.url
        )
    }
}

/// An IAM SAML identity provider: the metadata (entity id, signing certificates) roles trust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamlProviderRecord {
    /// Owning account.
    pub account_id: String,
    /// Name, unique in the account.
    pub name: String,
    /// The metadata document as given.
    pub metadata_document: String,
    /// `SAMLProviderUUID`.
    pub uuid: String,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// `validUntil` of the metadata, when given.
    #[serde(default)]
    pub valid_until: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl SamlProviderRecord {
    /// `arn:aws:iam::<account>:saml-provider/<name>`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:saml-provider/{}",
            self.account_id, self.name
        )
    }
}
