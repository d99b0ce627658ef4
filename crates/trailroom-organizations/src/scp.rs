//! Service control policies: the organization's policies of type `SERVICE_CONTROL_POLICY`, the
//! targets they are attached to (the organization root and accounts), and the levels
//! authorization must find an `Allow` in for a member account's principals.
//!
//! `FullAWSAccess` (`p-FullAWSAccess`, AWS managed) is attached to the root and to every account
//! until detached, as in a new AWS organization; a target keeps at least one policy.
//!
//! # Stored documents
//!
//! **`org_policy`**: account = management account, id = policy id (`p-` + 8 lowercase letters or
//! digits, or `p-FullAWSAccess`): `{"Id", "Name", "Description", "Content", "AwsManaged",
//! "Targets": [root id or account id]}`. `p-FullAWSAccess` is stored only once its targets change.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use trailroom_store::{Doc, ReadTxn, StoreResult, WriteTxn};

use crate::record::{OrganizationRecord, organization_of};

/// Document kind of [`ScpRecord`]s.
pub const POLICY_KIND: &str = "org_policy";
/// The AWS managed policy every target starts with.
pub const FULL_AWS_ACCESS: &str = "p-FullAWSAccess";
const FULL_AWS_ACCESS_CONTENT: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// A service control policy and where it is attached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScpRecord {
    /// `p-…`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// The policy document.
    pub content: String,
    /// AWS managed (`FullAWSAccess`).
    #[serde(default)]
    pub aws_managed: bool,
    /// Root and account ids it is attached to.
    #[serde(default)]
    pub targets: Vec<String>,
}

impl ScpRecord {
    /// The policy's ARN.
    pub fn arn(&self, org: &OrganizationRecord) -> String {
        match self.aws_managed {
            true => format!(
                "arn:aws:organizations::aws:policy/service_control_policy/{}",
                self.id
            ),
            false => format!(
                "arn:aws:organizations::{}:policy/{}/service_control_policy/{}",
                org.management_account_id, org.id, self.id
            ),
        }
    }

    /// The stored document (in the management account).
    pub fn to_doc(&self, org: &OrganizationRecord) -> StoreResult<Doc> {
        Doc::new(&org.management_account_id, POLICY_KIND, &self.id, self)
    }
}

/// The organization root's id (`r-` + 4 lowercase letters or digits, stable per organization).
pub fn root_id(org: &OrganizationRecord) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let hash = Sha256::digest(format!("root:{}", org.id).as_bytes());
    let suffix: String = hash
        .iter()
        .take(4)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("r-{suffix}")
}

/// `FullAWSAccess` as a new organization has it: attached to the root and every account.
fn full_aws_access(org: &OrganizationRecord) -> ScpRecord {
    let mut targets = vec![root_id(org)];
    targets.extend(org.accounts());
    ScpRecord {
        id: FULL_AWS_ACCESS.into(),
        name: "FullAWSAccess".into(),
        description: "Allows access to every operation".into(),
        content: FULL_AWS_ACCESS_CONTENT.into(),
        aws_managed: true,
        targets,
    }
}

/// Every service control policy of `org`, `FullAWSAccess` first.
pub fn policies(txn: &dyn ReadTxn, org: &OrganizationRecord) -> StoreResult<Vec<ScpRecord>> {
    let mut stored: Vec<ScpRecord> = txn
        .list(&org.management_account_id, POLICY_KIND)?
        .iter()
        .map(|d| d.decode())
        .collect::<StoreResult<_>>()?;
    if !stored.iter().any(|p| p.id == FULL_AWS_ACCESS) {
        stored.insert(0, full_aws_access(org));
    } else {
        stored.sort_by_key(|p| p.id != FULL_AWS_ACCESS);
    }
    Ok(stored)
}

/// Stores a policy (creating or changing it).
pub fn save(
    tx: &mut dyn WriteTxn,
    org: &OrganizationRecord,
    policy: &ScpRecord,
) -> StoreResult<()> {
    tx.put(&policy.to_doc(org)?)
}

/// What an account's organization means for its principals' calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bindings {
    /// The organization's id (`aws:PrincipalOrgID`), outside one `None`.
    pub organization_id: Option<String>,
    /// The SCP documents that bind the account, one list per level (root, account), each of
    /// which must allow; empty outside an organization and for its management account.
    pub scp_levels: Vec<Vec<String>>,
}

/// The organization and SCPs that bind principals of `account`.
pub fn bindings_for(txn: &dyn ReadTxn, account: &str) -> StoreResult<Bindings> {
    let Some(org) = organization_of(txn, account)? else {
        return Ok(Bindings::default());
    };
    Ok(Bindings {
        organization_id: Some(org.id.clone()),
        scp_levels: levels_of(txn, &org, account)?,
    })
}

/// The SCP documents that bind principals of `account`, one list per level (root, account),
/// each of which must allow; empty outside an organization and for its management account.
pub fn levels_for(txn: &dyn ReadTxn, account: &str) -> StoreResult<Vec<Vec<String>>> {
    match organization_of(txn, account)? {
        Some(org) => levels_of(txn, &org, account),
        None => Ok(Vec::new()),
    }
}

fn levels_of(
    txn: &dyn ReadTxn,
    org: &OrganizationRecord,
    account: &str,
) -> StoreResult<Vec<Vec<String>>> {
    if org.management_account_id == account {
        return Ok(Vec::new());
    }
    let all = policies(txn, org)?;
    let attached_to = |target: &str| -> Vec<String> {
        all.iter()
            .filter(|p| p.targets.iter().any(|t| t == target))
            .map(|p| p.content.clone())
            .collect()
    };
    Ok(vec![attached_to(&root_id(org)), attached_to(account)])
}

/// A fresh policy id: `p-` and 8 lowercase letters or digits.
pub fn new_policy_id() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let suffix: String = (0..8)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("p-{suffix}")
}
