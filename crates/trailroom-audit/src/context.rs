//! The per-call context: who calls, where, and the one event the call produces.
//!
//! Invariant: every call that reaches a service produces exactly one event, committed before the
//! response. A mutating handler calls [`CallContext::write`], which runs its writes and appends the
//! event in the same savepoint of the same group transaction; anything else (reads, errors raised
//! before a write) is recorded by [`CallContext::finish`], which the server always calls.

use std::sync::{Arc, Mutex};

use serde_json::Value;
use trailroom_identity::Caller;
use trailroom_model::{Audit, CallObserver};
use trailroom_protocol::ApiError;
use trailroom_store::{EventRow, ReadTxn, Store, StoreError, WriteTxn};

use crate::call_info::{CallInfo, Resource};
use crate::clock::Clock;
use crate::event::{Category, EventParts, event_row, non_empty};

/// Decides whether a call may run, from its rendered input (installed by the server when
/// authorization is on).
pub type Authorizer =
    Arc<dyn Fn(&CallContext, Option<&Value>) -> Result<(), ApiError> + Send + Sync>;

/// A change made after a call's own event is stored, given the event's position.
pub type Seal = Box<dyn FnOnce(&mut dyn WriteTxn, i64) -> Result<(), StoreError> + Send>;

#[derive(Default)]
struct CallState {
    request_parameters: Value,
    resources: Vec<Resource>,
    recorded: bool,
    /// A console sign-in: `eventType` `AwsConsoleSignIn` with this `additionalEventData`.
    sign_in: Option<Value>,
    /// `responseElements` of a failed call that still answers some (a failed sign-in).
    failure_response: Option<Value>,
    /// Decides whether the call may run.
    authorizer: Option<Authorizer>,
}

struct Inner {
    info: CallInfo,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// When the call arrived: its `eventTime` ("the date and time the request was made").
    received_ms: i64,
    recording: bool,
    state: Mutex<CallState>,
}

/// The handle every handler receives. Cheap to clone.
#[derive(Clone)]
pub struct CallContext {
    inner: Arc<Inner>,
}

impl CallContext {
    /// A context for one call. `recording` is off only for benchmarks that measure its cost.
    pub fn new(
        info: CallInfo,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        recording: bool,
    ) -> Self {
        let state = Mutex::new(CallState::default());
        let received_ms = clock.now_ms();
        crate::request_note::note(|n| {
            let service = info.event_source.trim_end_matches(".amazonaws.com");
            n.service = Some(service.to_owned());
            n.operation = Some(info.event_name.clone());
            n.principal = Some(info.caller.principal.arn());
        });
        Self {
            inner: Arc::new(Inner {
                info,
                store,
                clock,
                received_ms,
                recording,
                state,
            }),
        }
    }

    /// The fixed facts of the call.
    pub fn info(&self) -> &CallInfo {
        &self.inner.info
    }

    /// The verified caller.
    pub fn caller(&self) -> &Caller {
        &self.inner.info.caller
    }

    /// The caller's account, which owns whatever the call creates.
    pub fn account_id(&self) -> &str {
        self.inner.info.caller.principal.account_id()
    }

    /// The region the call was signed for.
    pub fn region(&self) -> &str {
        &self.inner.info.region
    }

    /// The current time, ms since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// When the call arrived (its `eventTime`), ms since the epoch; never after [`Self::now_ms`].
    pub fn received_ms(&self) -> i64 {
        self.inner.received_ms
    }

    /// The store, for services that need more than [`Self::read`] and [`Self::write`].
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// Sets `requestParameters` (already rendered with [`Audit`]).
    pub fn set_request_parameters(&self, parameters: Value) {
        self.state().request_parameters = parameters;
    }

    /// Whether the call may run, given its rendered input: the installed authorizer's answer
    /// (always yes when none is installed).
    pub fn check_authorized(&self, parameters: Option<&Value>) -> Result<(), ApiError> {
        let authorizer = self.state().authorizer.clone();
        match authorizer {
            Some(authorize) => authorize(self, parameters),
            None => Ok(()),
        }
    }

    /// Whether calls are being authorized (an authorizer is installed), so a handler that acts
    /// on several resources checks each one itself.
    pub fn is_authorizing(&self) -> bool {
        self.state().authorizer.is_some()
    }

    /// Installs the decision whether the call may run ([`CallObserver::authorize`]).
    pub fn set_authorizer(&self, authorizer: Authorizer) {
        self.state().authorizer = Some(authorizer);
    }

    /// Makes the event a console sign-in (`eventType` `AwsConsoleSignIn`) with
    /// `additionalEventData`.
    pub fn set_console_sign_in(&self, additional_event_data: Value) {
        self.state().sign_in = Some(additional_event_data);
    }

    /// Adds an entry to the event's `resources`.
    pub fn add_resource(&self, resource_type: impl Into<String>, name: impl Into<String>) {
        let resource = Resource {
            resource_type: resource_type.into(),
            name: name.into(),
        };
        let mut state = self.state();
        if !state.resources.contains(&resource) {
            state.resources.push(resource);
        }
    }

    /// Runs a read against a consistent view of the store.
    pub fn read<R>(
        &self,
        mut work: impl FnMut(&dyn ReadTxn) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        trailroom_store::read(self.inner.store.as_ref(), &mut work).map_err(store_failure)?
    }

    /// Runs the call's writes and records its event in the same transaction.
    ///
    /// When `work` fails, its writes are undone and the failure is recorded instead. A handler
    /// calls this (or [`Self::write_sealed`]) at most once, as its last step.
    pub async fn write<R>(
        &self,
        work: impl FnOnce(&mut dyn WriteTxn) -> Result<R, ApiError> + Send + 'static,
    ) -> Result<R, ApiError>
    where
        R: Audit + Send + 'static,
    {
        self.write_sealed(move |txn| work(txn).map(|r| (r, None)))
            .await
    }

    /// [`Self::write`] for changes that must name the call's own event: the [`Seal`] that `work`
    /// may return runs after the event is appended, in the same transaction, with the event's
    /// position (StopLogging closes a logging window at its own event).
    pub async fn write_sealed<R>(
        &self,
        work: impl FnOnce(&mut dyn WriteTxn) -> Result<(R, Option<Seal>), ApiError> + Send + 'static,
    ) -> Result<R, ApiError>
    where
        R: Audit + Send + 'static,
    {
        let ctx = self.clone();
        let record = self.inner.recording && !self.state().recorded;
        let outcome = trailroom_store::write(self.inner.store.as_ref(), move |txn| {
            let result = run_nested(txn, work)?;
            let (result, seal) = match result {
                Ok((value, seal)) => (Ok(value), seal),
                Err(err) => (Err(err), None),
            };
            let position = match record {
                true => {
                    let response = result.as_ref().map(|r| r.to_audit_json());
                    txn.append_event(&ctx.event_row(response))?
                }
                false => txn.last_event_seq()?,
            };
            if let Some(seal) = seal {
                seal(txn, position)?;
            }
            Ok::<_, StoreError>(result)
        })
        .await;
        let result = outcome.map_err(store_failure)?.map_err(store_failure)?;
        if record {
            self.state().recorded = true;
            crate::request_note::note(|n| n.recorded = true);
        }
        result
    }

    /// Records the call's event unless [`Self::write`] already did, and waits until it is durable.
    ///
    /// `response` is the rendered response (ignored for read-only calls) or the error returned to
    /// the client. Fails only when the event could not be stored; the call must then fail too.
    pub async fn finish(&self, response: Result<Value, &ApiError>) -> Result<(), ApiError> {
        if !self.inner.recording || self.state().recorded {
            return Ok(());
        }
        let row = self.event_row(response);
        trailroom_store::write(self.inner.store.as_ref(), move |txn| {
            txn.append_event(&row).map(|_| ())
        })
        .await
        .map_err(store_failure)?
        .map_err(store_failure)?;
        self.state().recorded = true;
        crate::request_note::note(|n| n.recorded = true);
        Ok(())
    }

    /// Records a failed call that still answers `response_elements`, as a failed console sign-in
    /// is recorded (`errorMessage` only, when the error has no code).
    pub async fn finish_failure(
        &self,
        error: &ApiError,
        response_elements: Value,
    ) -> Result<(), ApiError> {
        self.state().failure_response = Some(response_elements);
        self.finish(Err(error)).await
    }

    fn state(&self) -> std::sync::MutexGuard<'_, CallState> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Builds the stored event for this call with the given outcome.
    fn event_row(&self, response: Result<Value, &ApiError>) -> EventRow {
        let info = &self.inner.info;
        let now_ms = self.inner.received_ms;
        let (request_parameters, mut resources, sign_in, failure_response) = {
            let state = self.state();
            let parameters = state.request_parameters.clone();
            let failure_response = state.failure_response.clone();
            (
                parameters,
                state.resources.clone(),
                state.sign_in.clone(),
                failure_response,
            )
        };
        if let Some(rule) = info.named_resources {
            let response_value = response.as_ref().map_or(&Value::Null, |v| v);
            for resource in rule(&request_parameters, response_value) {
                if !resources.contains(&resource) {
                    resources.push(resource);
                }
            }
        }
        let (response_elements, error) = match response {
            Ok(_) if !info.log_response => (Value::Null, None),
            Ok(value) => (non_empty(value), None),
            Err(err) => (failure_response.unwrap_or(Value::Null), Some(err)),
        };
        event_row(EventParts {
            info,
            category: Category::Management,
            now_ms,
            request_parameters,
            response_elements,
            error,
            resources: &resources,
            resource_account: None,
            sign_in,
        })
    }
}

impl CallObserver for CallContext {
    fn observe_request_parameters(&self, parameters: Option<&Value>) {
        self.set_request_parameters(parameters.cloned().unwrap_or(Value::Null));
    }

    /// A call whose write already recorded its event (rendered from the typed response inside
    /// the write) needs no second rendering.
    fn wants_response_elements(&self) -> bool {
        let info = &self.inner.info;
        self.inner.recording
            && (info.log_response || info.named_resources.is_some())
            && !self.state().recorded
    }

    fn authorize(&self, parameters: Option<&Value>) -> Result<(), ApiError> {
        self.check_authorized(parameters)
    }
}

/// Runs `work` in a savepoint, undoing its writes when it fails.
fn run_nested<R>(
    txn: &mut dyn WriteTxn,
    work: impl FnOnce(&mut dyn WriteTxn) -> Result<R, ApiError>,
) -> Result<Result<R, ApiError>, StoreError> {
    txn.begin_nested()?;
    let result = work(txn);
    if result.is_ok() {
        txn.commit_nested()?
    } else {
        txn.rollback_nested()?
    }
    Ok(result)
}

/// A store failure as the client sees it: never the internals.
pub fn store_failure(err: StoreError) -> ApiError {
    match err {
        StoreError::Unavailable(reason) => {
            tracing::warn!(%reason, "store unavailable");
            ApiError::new(
                "ServiceUnavailableException",
                http_status(503),
                "The service is unavailable. Please retry.",
            )
        }
        other => {
            tracing::error!(error = %other, "store failure");
            ApiError::internal()
        }
    }
}

fn http_status(code: u16) -> trailroom_protocol::StatusCode {
    trailroom_protocol::StatusCode::from_u16(code)
        .unwrap_or(trailroom_protocol::StatusCode::INTERNAL_SERVER_ERROR)
}

#[cfg(test)]
mod store_failure_tests {
    use super::*;

    /// A handler that meets a failing store answers what [`store_failure`] makes of it; every
    /// operation must be allowed to (the dispatcher asserts it in debug builds).
    #[test]
    fn every_operation_may_answer_a_store_failure() {
        for err in [
            StoreError::Unavailable("disk full".into()),
            StoreError::Backend("io".into()),
        ] {
            let code = store_failure(err).code().to_owned();
            for op in trailroom_model::a4b::Operation::ALL {
                assert!(
                    op.allows_error(&code),
                    "{} may not answer {code}",
                    op.name()
                );
            }
            for op in trailroom_model::cloudtrail::Operation::ALL {
                assert!(
                    op.allows_error(&code),
                    "{} may not answer {code}",
                    op.name()
                );
            }
        }
    }
}
