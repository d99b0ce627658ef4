//! The stored organization and the membership of each account.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use trailroom_store::{Doc, ReadTxn, StoreError, StoreResult, WriteTxn};

/// Document kind of [`OrganizationRecord`]s.
pub const ORGANIZATION_KIND: &str = "org_organization";
/// Document kind of [`Membership`]s.
pub const MEMBERSHIP_KIND: &str = "org_membership";
/// The one membership document id per account.
const MEMBERSHIP_ID: &str = "membership";

/// An organization: its id, its management account and its member accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrganizationRecord {
    /// `o-` + 10 to 32 lowercase letters or digits.
    pub id: String,
    /// The management (formerly "master") account.
    pub management_account_id: String,
    /// Member accounts, the management account excluded, sorted.
    pub member_account_ids: Vec<String>,
    /// When the organization was first stored, ms since the epoch.
    pub created_ms: i64,
}

impl OrganizationRecord {
    /// Every account of the organization, the management account first.
    pub fn accounts(&self) -> Vec<String> {
        let mut all = vec![self.management_account_id.clone()];
        all.extend(self.member_account_ids.iter().cloned());
        all
    }

    /// `arn:aws:organizations::<management>:organization/<id>`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:organizations::{}:organization/{}",
            self.management_account_id, self.id
        )
    }
}

/// Which organization an account belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Membership {
    /// The organization's id.
    pub organization_id: String,
    /// Its management account (where the organization document lives).
    pub management_account_id: String,
}

/// `arn:aws:organizations::<management>:account/<org id>/<account>`.
pub fn account_arn(org: &OrganizationRecord, account: &str) -> String {
    format!(
        "arn:aws:organizations::{}:account/{}/{account}",
        org.management_account_id, org.id
    )
}

/// Whether `id` is an organization id: `o-` followed by 10 to 32 lowercase letters or digits.
pub fn is_valid_id(id: &str) -> bool {
    id.strip_prefix("o-").is_some_and(|rest| {
        (10..=32).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// The organization id used when none is configured: stable for a management account.
pub fn derive_id(management_account_id: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let hash = Sha256::digest(format!("organization:{management_account_id}").as_bytes());
    let suffix: String = hash
        .iter()
        .take(10)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("o-{suffix}")
}

/// The organization `account` belongs to (as management account or member), if any.
pub fn organization_of(
    txn: &dyn ReadTxn,
    account: &str,
) -> StoreResult<Option<OrganizationRecord>> {
    let Some(doc) = txn.get(account, MEMBERSHIP_KIND, MEMBERSHIP_ID)? else {
        return Ok(None);
    };
    let membership: Membership = doc.decode()?;
    txn.get(
        &membership.management_account_id,
        ORGANIZATION_KIND,
        &membership.organization_id,
    )?
    .map(|doc| doc.decode())
    .transpose()
}

/// Stores `org` and the membership of each of its accounts, replacing an earlier definition of
/// the same organization (accounts it no longer lists leave it). An account that belongs to
/// another organization is refused.
pub fn ensure(tx: &mut dyn WriteTxn, org: &OrganizationRecord) -> StoreResult<()> {
    let accounts = org.accounts();
    for account in &accounts {
        if let Some(current) = organization_of(&*tx, account)?
            && current.id != org.id
        {
            return Err(StoreError::AlreadyExists(format!(
                "account {account} already belongs to organization {}",
                current.id
            )));
        }
    }
    let mut stored = org.clone();
    if let Some(existing) = tx.get(&org.management_account_id, ORGANIZATION_KIND, &org.id)? {
        let existing: OrganizationRecord = existing.decode()?;
        stored.created_ms = existing.created_ms;
        for gone in existing.accounts().iter().filter(|a| !accounts.contains(a)) {
            tx.delete(gone, MEMBERSHIP_KIND, MEMBERSHIP_ID)?;
        }
    }
    tx.put(&Doc::new(
        &org.management_account_id,
        ORGANIZATION_KIND,
        &org.id,
        &stored,
    )?)?;
    let membership = Membership {
        organization_id: org.id.clone(),
        management_account_id: org.management_account_id.clone(),
    };
    for account in &accounts {
        tx.put(&Doc::new(
            account,
            MEMBERSHIP_KIND,
            MEMBERSHIP_ID,
            &membership,
        )?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_valid_id("o-exampleorgid"));
        assert!(is_valid_id("o-a1b2c3d4e5"));
        assert!(!is_valid_id("o-short"));
        assert!(!is_valid_id("o-UPPERCASE1"));
        assert!(!is_valid_id("x-a1b2c3d4e5"));
        let derived = derive_id("123456789012");
        assert!(is_valid_id(&derived), "{derived}");
        assert_eq!(derived, derive_id("123456789012"));
        assert_ne!(derived, derive_id("111122223333"));
    }

    #[tokio::test]
    async fn membership_follows_the_definition() {
        let dir = tempfile::tempdir().unwrap();
        let store = trailroom_store_sqlite::SqliteStore::open(&dir.path().join("db")).unwrap();
        let store = &*store;
        let org = OrganizationRecord {
            id: "o-a1b2c3d4e5".into(),
            management_account_id: "111111111111".into(),
            member_account_ids: vec!["222222222222".into(), "333333333333".into()],
            created_ms: 5,
        };
        let first = org.clone();
        trailroom_store::write(store, move |tx| ensure(tx, &first))
            .await
            .unwrap()
            .unwrap();
        let found = trailroom_store::read(store, |txn| organization_of(txn, "333333333333"))
            .unwrap()
            .unwrap();
        assert_eq!(found, Some(org.clone()));
        assert_eq!(
            found.unwrap().accounts(),
            ["111111111111", "222222222222", "333333333333"]
        );

        // Redefined without 333…: it leaves; the creation time stays.
        let smaller = OrganizationRecord {
            member_account_ids: vec!["222222222222".into()],
            created_ms: 99,
            ..org.clone()
        };
        trailroom_store::write(store, move |tx| ensure(tx, &smaller))
            .await
            .unwrap()
            .unwrap();
        let gone = trailroom_store::read(store, |txn| organization_of(txn, "333333333333"))
            .unwrap()
            .unwrap();
        assert_eq!(gone, None);
        let kept = trailroom_store::read(store, |txn| organization_of(txn, "222222222222"))
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(kept.created_ms, 5);

        // Another organization cannot take an account that belongs to this one.
        let other = OrganizationRecord {
            id: "o-zzzzzzzzzz".into(),
            management_account_id: "444444444444".into(),
            member_account_ids: vec!["222222222222".into()],
            created_ms: 1,
        };
        let refused = trailroom_store::write(store, move |tx| ensure(tx, &other))
            .await
            .unwrap();
        assert!(matches!(refused, Err(StoreError::AlreadyExists(_))));
    }
}
