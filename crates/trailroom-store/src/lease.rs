//! Leases: work that must be done by one node of a cluster at a time (a trail's delivery,
//! retention pruning) is done by whoever holds its lease. A lease is a document; taking it is a
//! write job, and write jobs of every node are serialized (the conformance suite's
//! `writes_are_serialized_across_nodes`), so two nodes never both take one.
//!
//! A holder that stops renewing (killed, paused, cut off) loses the lease when it expires, and
//! another node takes it over with a higher token. The token is the fence: the holder's writes
//! check in the same job that the lease still names it with its token ([`check`]), so a holder
//! that lost the lease without knowing changes nothing the new holder relies on.
//!
//! A node is named by its holder name, unique among running nodes and kept across restarts, and
//! each process by a random id: a node that restarts takes its leases back at once (its former
//! process is gone), with a higher token that fences off anything the former one still sends.
//!
//! Expiry is judged by each node's clock: nodes must agree on the time to well within the lease
//! length (NTP does), or a node may take over early.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::{Doc, ReadTxn, Store, StoreError, StoreResult, WriteTxn};

/// Document kind of leases.
pub const LEASE_KIND: &str = "lease";
/// The account cluster-wide documents are kept under (no AWS account id has letters).
pub const CLUSTER_ACCOUNT: &str = "cluster";

/// A lease as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The node holding it.
    pub holder: String,
    /// The holder's process.
    #[serde(default)]
    pub process: String,
    /// Raised each time the lease changes hands.
    pub token: u64,
    /// When it lapses unless renewed, ms.
    pub expires_ms: i64,
}

/// A lease held: what the holder's writes check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    /// The lease's name.
    pub name: String,
    /// This node.
    pub holder: String,
    /// This process.
    pub process: String,
    /// The token it was taken with.
    pub token: u64,
    /// When it lapses unless renewed, ms.
    pub expires_ms: i64,
}

/// Takes or renews the lease `name` for `holder`'s `process` until `now_ms + ttl_ms`; `None`
/// when another node holds it and it has not lapsed.
pub fn acquire(
    tx: &mut dyn WriteTxn,
    name: &str,
    holder: &str,
    process: &str,
    now_ms: i64,
    ttl_ms: i64,
) -> StoreResult<Option<Fence>> {
    let token = match stored(&*tx, name)? {
        Some(lease) if lease.holder == holder && lease.process == process => lease.token,
        // The node restarted: its former process is gone.
        Some(lease) if lease.holder == holder => lease.token + 1,
        Some(lease) if lease.expires_ms > now_ms => return Ok(None),
        Some(lease) => lease.token + 1,
        None => 1,
    };
    let lease = Lease {
        holder: holder.to_owned(),
        process: process.to_owned(),
        token,
        expires_ms: now_ms + ttl_ms,
    };
    tx.put(&Doc::new(CLUSTER_ACCOUNT, LEASE_KIND, name, &lease)?)?;
    Ok(Some(Fence {
        name: name.to_owned(),
        holder: lease.holder,
        process: lease.process,
        token,
        expires_ms: lease.expires_ms,
    }))
}

/// Fails with [`StoreError::Fenced`] unless the lease still names the fence's holder and token:
/// called in a holder's write job, it undoes the job when the lease changed hands.
pub fn check(txn: &dyn ReadTxn, fence: &Fence) -> StoreResult<()> {
    match stored(txn, &fence.name)? {
        Some(lease)
            if lease.holder == fence.holder
                && lease.process == fence.process
                && lease.token == fence.token =>
        {
            Ok(())
        }
        Some(lease) => Err(StoreError::Fenced(format!(
            "lease {} is held by {} (token {})",
            fence.name, lease.holder, lease.token
        ))),
        None => Err(StoreError::Fenced(format!(
            "lease {} was dropped",
            fence.name
        ))),
    }
}

/// Gives the lease up if the fence still holds it, so another node may take it at once. It is
/// kept, lapsed, so the next holder's token is still higher.
pub fn release(tx: &mut dyn WriteTxn, fence: &Fence) -> StoreResult<()> {
    if check(&*tx, fence).is_ok() {
        let lapsed = Lease {
            holder: fence.holder.clone(),
            process: fence.process.clone(),
            token: fence.token,
            expires_ms: i64::MIN,
        };
        tx.put(&Doc::new(
            CLUSTER_ACCOUNT,
            LEASE_KIND,
            &fence.name,
            &lapsed,
        )?)?;
    }
    Ok(())
}

/// Every lease, by name.
pub fn all(txn: &dyn ReadTxn) -> StoreResult<Vec<(String, Lease)>> {
    txn.list(CLUSTER_ACCOUNT, LEASE_KIND)?
        .into_iter()
        .map(|doc| Ok((doc.id.clone(), doc.decode()?)))
        .collect()
}

fn stored(txn: &dyn ReadTxn, name: &str) -> StoreResult<Option<Lease>> {
    txn.get(CLUSTER_ACCOUNT, LEASE_KIND, name)?
        .map(|doc| doc.decode())
        .transpose()
}

/// The time as a node sees it, ms.
pub type Now = Arc<dyn Fn() -> i64 + Send + Sync>;

/// One node's leases: taken when asked for, renewed once half their time is gone (so a node
/// that holds a lease writes it only every `ttl/2`), remembered until lost.
pub struct Leases {
    store: Arc<dyn Store>,
    holder: String,
    process: String,
    ttl_ms: i64,
    now: Now,
    held: Mutex<HashMap<String, Fence>>,
}

impl Leases {
    /// Leases of this process of the node `holder` (unique among running nodes), lasting
    /// `ttl_ms`.
    pub fn new(store: Arc<dyn Store>, holder: String, ttl_ms: i64, now: Now) -> Self {
        let process = format!("{}-{:x}", std::process::id(), random_u64());
        Self {
            store,
            holder,
            process,
            ttl_ms,
            now,
            held: Mutex::new(HashMap::new()),
        }
    }

    /// This node's name in leases.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// How long a lease lasts unless renewed, ms.
    pub fn ttl_ms(&self) -> i64 {
        self.ttl_ms
    }

    /// The fence of `name` if this node holds it (taking or renewing it as needed); `None` while
    /// another node does.
    pub async fn hold(&self, name: &str) -> StoreResult<Option<Fence>> {
        let now = (self.now)();
        if let Some(fence) = self.held(name)
            && fence.expires_ms - now > self.ttl_ms / 2
        {
            return Ok(Some(fence));
        }
        let (name_, holder, process) = (name.to_owned(), self.holder.clone(), self.process.clone());
        let ttl = self.ttl_ms;
        let taken = crate::write(self.store.as_ref(), move |tx| {
            acquire(tx, &name_, &holder, &process, now, ttl)
        })
        .await??;
        let mut held = self.lock();
        match &taken {
            Some(fence) => held.insert(name.to_owned(), fence.clone()),
            None => held.remove(name),
        };
        Ok(taken)
    }

    /// The fence of `name` as last taken, without renewing it.
    pub fn held(&self, name: &str) -> Option<Fence> {
        self.lock().get(name).cloned()
    }

    /// Forgets `name` (its fence was refused): the next [`Leases::hold`] asks the store again.
    pub fn forget(&self, name: &str) {
        self.lock().remove(name);
    }

    /// Forgets every lease (the store was emptied): the next [`Leases::hold`] asks the store.
    pub fn forget_all(&self) {
        self.lock().clear();
    }

    /// Names of the leases this node holds now.
    pub fn names(&self) -> Vec<String> {
        let now = (self.now)();
        let mut names: Vec<String> = self
            .lock()
            .values()
            .filter(|f| f.expires_ms > now)
            .map(|f| f.name.clone())
            .collect();
        names.sort();
        names
    }

    /// The time as this node's leases see it, ms.
    pub fn now_ms(&self) -> i64 {
        (self.now)()
    }

    /// Gives every held lease up (shutdown), so other nodes take over without waiting.
    pub async fn release_all(&self) -> StoreResult<()> {
        let fences: Vec<Fence> = self.lock().drain().map(|(_, f)| f).collect();
        crate::write(self.store.as_ref(), move |tx| {
            fences.iter().try_for_each(|fence| release(tx, fence))
        })
        .await?
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Fence>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A random number for this process's id: the std hasher's keys are random per instance.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::process::id())
}
