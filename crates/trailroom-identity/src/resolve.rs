//! From an access key id (and session token) to its secret and the caller it stands for.

use trailroom_store::{ReadTxn, StoreError};

use crate::Principal;
use crate::principal::{Caller, SessionInfo};
use crate::records::{
    AccessKeyOwner, AccessKeyRecord, AccessKeyStatus, SessionRecord, UserRecord, kinds,
};

/// Why a key could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// No such key, an inactive key, or a wrong or missing session token.
    #[error("the security token included in the request is invalid")]
    UnknownKey,
    /// Temporary credentials past their expiry.
    #[error("the security token included in the request is expired")]
    Expired,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A key that may sign: its secret and the caller it makes.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The secret to verify the signature with.
    pub secret_access_key: String,
    /// Who the request acts as.
    pub caller: Caller,
}

/// Looks up `access_key_id`; temporary keys also need their `session_token`.
pub fn resolve_access_key(
    txn: &dyn ReadTxn,
    access_key_id: &str,
    session_token: Option<&str>,
    now_ms: i64,
) -> Result<Resolved, ResolveError> {
    if access_key_id.starts_with("ASIA") {
        resolve_session(txn, access_key_id, session_token, now_ms)
    } else if session_token.is_some_and(|t| !t.is_empty()) {
        // A long-term key was never issued with a token: AWS refuses the pair.
        Err(ResolveError::UnknownKey)
    } else {
        resolve_long_term(txn, access_key_id)
    }
}

fn resolve_long_term(txn: &dyn ReadTxn, access_key_id: &str) -> Result<Resolved, ResolveError> {
    let doc = txn
        .find_by_id(kinds::ACCESS_KEY, access_key_id)?
        .ok_or(ResolveError::UnknownKey)?;
    let key: AccessKeyRecord = doc.decode()?;
    if key.status != AccessKeyStatus::Active {
        return Err(ResolveError::UnknownKey);
    }
    let principal = match &key.owner {
        AccessKeyOwner::Root => Principal::Root {
            account_id: key.account_id.clone(),
        },
        AccessKeyOwner::User { user_name } => {
            let user = txn
                .get(&key.account_id, kinds::USER, user_name)?
                .ok_or(ResolveError::UnknownKey)?;
            user.decode::<UserRecord>()?.principal()
        }
    };
    Ok(Resolved {
        secret_access_key: key.secret_access_key,
        caller: Caller {
            principal,
            access_key_id: key.access_key_id,
            session: None,
            invoked_by: None,
        },
    })
}

fn resolve_session(
    txn: &dyn ReadTxn,
    access_key_id: &str,
    session_token: Option<&str>,
    now_ms: i64,
) -> Result<Resolved, ResolveError> {
    let doc = txn
        .find_by_id(kinds::SESSION, access_key_id)?
        .ok_or(ResolveError::UnknownKey)?;
    let session: SessionRecord = doc.decode()?;
    let token_matches = session_token
        .is_some_and(|t| constant_time_eq(t.as_bytes(), session.session_token.as_bytes()));
    if !token_matches {
        return Err(ResolveError::UnknownKey);
    }
    if session.expires_ms <= now_ms {
        return Err(ResolveError::Expired);
    }
    let info = SessionInfo {
        created_ms: session.created_ms,
        expires_ms: session.expires_ms,
        mfa_authenticated: false,
        source_identity: session.source_identity.clone(),
        policies: session.session_policies.clone(),
        tags: session.session_tags.clone(),
        transitive_tag_keys: session.transitive_tag_keys.clone(),
        federated_provider: session.federated_provider.clone(),
    };
    Ok(Resolved {
        secret_access_key: session.secret_access_key,
        caller: Caller {
            principal: session.principal,
            access_key_id: session.access_key_id,
            session: Some(info),
            invoked_by: None,
        },
    })
}

/// Compares two byte strings without an early exit on the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use trailroom_store::Doc;

    use super::*;
    use crate::records::kinds;

    fn session(expires_ms: i64) -> SessionRecord {
        SessionRecord {
            account_id: "123456789012".into(),
            access_key_id: "ASIAEXAMPLEEXAMPLE01".into(),
            secret_access_key: "secret".into(),
            session_token: "token-1".into(),
            principal: Principal::Root {
                account_id: "123456789012".into(),
            },
            created_ms: 0,
            expires_ms,
            source_identity: None,
            session_policies: Vec::new(),
            session_tags: Default::default(),
            transitive_tag_keys: Vec::new(),
            federated_provider: None,
        }
    }

    #[tokio::test]
    async fn temporary_keys_need_their_token_and_expire() {
        let dir = tempfile::tempdir().unwrap();
        let store = trailroom_store_sqlite::SqliteStore::open(&dir.path().join("t.db")).unwrap();
        let record = session(1_000);
        let doc = Doc::new(
            "123456789012",
            kinds::SESSION,
            &record.access_key_id,
            &record,
        )
        .unwrap();
        trailroom_store::write(store.as_ref(), move |tx| tx.put(&doc))
            .await
            .unwrap()
            .unwrap();
        let resolve = |token: Option<&str>, now: i64| {
            trailroom_store::read(store.as_ref(), |txn| {
                resolve_access_key(txn, "ASIAEXAMPLEEXAMPLE01", token, now)
                    .map(|r| r.caller.access_key_id)
            })
            .unwrap()
        };
        assert_eq!(
            resolve(Some("token-1"), 999).unwrap(),
            "ASIAEXAMPLEEXAMPLE01"
        );
        assert_eq!(resolve(Some("token-1"), 1_000), Err(ResolveError::Expired));
        assert_eq!(resolve(Some("wrong"), 10), Err(ResolveError::UnknownKey));
        assert_eq!(resolve(None, 10), Err(ResolveError::UnknownKey));
        assert_eq!(
            trailroom_store::read(store.as_ref(), |txn| resolve_access_key(
                txn,
                "AKIANOBODY",
                None,
                0
            )
            .map(|_| ()))
            .unwrap(),
            Err(ResolveError::UnknownKey)
        );
    }
}
