//! What the request log line says about a call, noted where each fact becomes known: the front
//! door notes the request id and the claimed service and operation, [`CallContext`] the
//! authoritative ones and the principal once the caller is known, and whether the event was
//! recorded. The notes live in a task-local slot for the duration of one request ([`noting`]);
//! outside one, noting does nothing.
//!
//! [`CallContext`]: crate::CallContext

use std::future::Future;
use std::sync::{Arc, Mutex};

/// The facts of one request, as far as they became known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallNote {
    /// `x-amzn-RequestId` (and the event's `requestID`).
    pub request_id: Option<String>,
    /// The client's address.
    pub source_ip: Option<String>,
    /// The service (`cloudtrail`, `s3`, …).
    pub service: Option<String>,
    /// The operation (`eventName`).
    pub operation: Option<String>,
    /// The caller's ARN, once authenticated.
    pub principal: Option<String>,
    /// Whether the call's event was recorded.
    pub recorded: bool,
    /// The error code answered, if the call failed.
    pub error_code: Option<String>,
}

tokio::task_local! {
    static CURRENT: Arc<Mutex<CallNote>>;
}

/// Runs `request`, collecting what it notes.
pub async fn noting<F: Future>(request: F) -> (F::Output, CallNote) {
    let note = Arc::new(Mutex::new(CallNote::default()));
    let output = CURRENT.scope(note.clone(), request).await;
    let note = note
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    (output, note)
}

/// Changes the current request's note, if there is one.
pub fn note(change: impl FnOnce(&mut CallNote)) {
    let _ = CURRENT.try_with(|current| {
        change(
            &mut current
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
    });
}

/// The service and operation a request claims before it is authenticated; what the call itself
/// notes later wins.
pub fn claim(service: &str, operation: Option<&str>) {
    note(|n| {
        n.service.get_or_insert_with(|| service.to_owned());
        if let Some(operation) = operation {
            n.operation.get_or_insert_with(|| operation.to_owned());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn notes_are_scoped_to_one_request() {
        let ((), note) = noting(async {
            claim("sts", Some("GetCallerIdentity"));
            claim("s3", None);
            note(|n| n.recorded = true);
        })
        .await;
        assert_eq!(note.service.as_deref(), Some("sts"));
        assert_eq!(note.operation.as_deref(), Some("GetCallerIdentity"));
        assert!(note.recorded);
        // Outside a request nothing happens (and nothing panics).
        claim("iam", None);
    }
}
