//! What a generated `dispatch` returns ([`Dispatched`]) and the one generic routine every arm
//! runs: parse → audit the input → validate → call the handler → serialize → audit the output.

use std::fmt;
use std::future::Future;

use http::StatusCode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use trailroom_protocol::ApiError;

use crate::{Audit, Validate};

/// The outcome of one dispatched call, with what the audit record needs.
#[derive(Debug)]
pub struct Dispatched {
    /// The handler's result: the response body, or the error to answer with.
    pub result: Result<DispatchedOk, ApiError>,
}

/// A successful call.
#[derive(Debug)]
pub struct DispatchedOk {
    /// The serialized JSON response body (PascalCase wire form).
    pub body: Vec<u8>,
    /// The output's audit form for CloudTrail `responseElements`; `None` when the output is
    /// empty or nobody wants it ([`CallObserver::wants_response_elements`]). The caller decides
    /// whether to keep it (CloudTrail records `null` for reads).
    pub response_elements: Option<Value>,
}

/// Facts about an operation that do not depend on the service, so server code can be generic.
pub trait OperationMeta: Copy + fmt::Debug + Send + Sync + 'static {
    /// The operation name (`CreateRoom`).
    fn name(self) -> &'static str;
    /// CloudTrail `readOnly`.
    fn read_only(self) -> bool;
    /// Deprecated in the model.
    fn deprecated(self) -> bool;
    /// Error codes the model lists for the operation.
    fn errors(self) -> &'static [&'static str];
    /// Whether a handler may answer with `code` (see the generated `allows_error`).
    fn allows_error(self, code: &str) -> bool;
    /// The service's own exception for these model violations, where it has one instead of
    /// `ValidationException` (generated from the service's table of them).
    fn validation_exception(self, violated: &[crate::Violated]) -> Option<&'static str>;
}

/// The input or output of an operation that has none: `{}` on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

impl Validate for Empty {
    fn validate_into(&self, _path: &crate::FieldPath<'_>, _violations: &mut crate::Violations) {}
}

/// Protocol-level codes any operation may answer with, beyond its service's exceptions.
pub const GENERIC_ERRORS: &[&str] = &[
    "AccessDeniedException",
    "IncompleteSignature",
    "InternalFailure",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "MissingAuthenticationToken",
    "NotImplementedException",
    "RequestExpired",
    "SerializationException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "SignatureDoesNotMatch",
    "ThrottlingException",
    "UnknownOperationException",
    "UnrecognizedClientException",
    "ValidationException",
];

/// Told what a call's input looks like before the handler runs, so the audit record can carry
/// `requestParameters` even when the handler writes its event itself.
pub trait CallObserver {
    /// The rendered input (`None` when it is empty). Called once, after parsing succeeded.
    fn observe_request_parameters(&self, parameters: Option<&Value>) {
        let _ = parameters;
    }

    /// Whether the rendered output will be used (logged as `responseElements`, or searched for
    /// the resources the call names). When not, rendering it is skipped: for a LookupEvents page
    /// that is fifty records copied into a JSON tree for nothing.
    fn wants_response_elements(&self) -> bool {
        true
    }

    /// Whether the caller may make the call, given its rendered input. Called once, after
    /// parsing and before validation; a refusal is the call's answer.
    fn authorize(&self, parameters: Option<&Value>) -> Result<(), ApiError> {
        let _ = parameters;
        Ok(())
    }
}

impl CallObserver for () {}

/// Whether `code` is one of [`GENERIC_ERRORS`].
pub fn is_generic_error(code: &str) -> bool {
    GENERIC_ERRORS.contains(&code)
}

/// `NotImplementedException` (HTTP 501) for an operation with no handler yet.
pub fn not_implemented(operation: &str) -> ApiError {
    ApiError::new(
        "NotImplementedException",
        StatusCode::NOT_IMPLEMENTED,
        format!("{operation} is not implemented by this server yet"),
    )
}

/// One dispatch arm: everything between the raw body and the [`Dispatched`] outcome.
pub(crate) async fn run_operation<Op, I, O, Fut>(
    op: Op,
    observer: &impl CallObserver,
    body: &[u8],
    call: impl FnOnce(I) -> Fut,
) -> Dispatched
where
    Op: OperationMeta,
    I: DeserializeOwned + Validate + Audit,
    O: Serialize + Audit,
    Fut: Future<Output = Result<O, ApiError>>,
{
    let input: I = match parse_input(op, body) {
        Ok(input) => input,
        Err(err) => {
            return Dispatched { result: Err(err) };
        }
    };
    let request_parameters = non_empty(input.to_audit_json());
    observer.observe_request_parameters(request_parameters.as_ref());
    if let Err(err) = observer.authorize(request_parameters.as_ref()) {
        return Dispatched { result: Err(err) };
    }
    let mut violations = crate::Violations::new();
    input.validate_into(&crate::FieldPath::root(), &mut violations);
    if let Some(message) = violations.message() {
        let error = match op.validation_exception(violations.violated()) {
            Some(code) => ApiError::client(code, message),
            None => ApiError::validation(message),
        };
        return Dispatched { result: Err(error) };
    }
    let result = match call(input).await {
        Ok(output) => encode_output(&output, observer.wants_response_elements()),
        Err(err) => {
            debug_assert!(
                op.allows_error(err.code()),
                "{} returned {}, which is neither modelled for it nor a protocol code",
                op.name(),
                err.code()
            );
            Err(err)
        }
    };
    Dispatched { result }
}

/// Parses the request body; an empty body means `{}`.
fn parse_input<Op: OperationMeta, I: DeserializeOwned>(op: Op, body: &[u8]) -> Result<I, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|err| {
        ApiError::serialization(format!(
            "Could not read the {} request body: {}",
            op.name(),
            without_values(&err.to_string())
        ))
    })
}

/// Serializes a handler's output, and renders it for the audit record when `audit`.
fn encode_output<O: Serialize + Audit>(output: &O, audit: bool) -> Result<DispatchedOk, ApiError> {
    let body = serde_json::to_vec(output).map_err(|_| ApiError::internal())?;
    Ok(DispatchedOk {
        body,
        response_elements: audit.then(|| output.to_audit_json()).and_then(non_empty),
    })
}

/// `None` for an empty object: CloudTrail records `null` when there is nothing to show.
fn non_empty(value: Value) -> Option<Value> {
    match &value {
        Value::Object(map) if map.is_empty() => None,
        _ => Some(value),
    }
}

/// A serde_json message with quoted and back-ticked values replaced by `***`: a member sent with
/// the wrong type could be a secret, and parse errors are reported before we know which members
/// are sensitive.
fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' => {
                out.push(c);
                out.push_str("***");
                skip_quoted(&mut chars, c);
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Advances past the closing `quote`, honouring backslash escapes.
fn skip_quoted(chars: &mut std::str::Chars<'_>, quote: char) {
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == quote {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_removed_from_parse_errors() {
        let err = serde_json::from_str::<i32>("\"hunter2\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("hunter2"));
        let clean = without_values(&err);
        assert!(!clean.contains("hunter2"), "{clean}");
        assert!(clean.starts_with("invalid type: string \"***\""), "{clean}");
        assert_eq!(
            without_values("integer `42`, expected"),
            "integer `***`, expected"
        );
    }

    #[test]
    fn empty_objects_audit_as_none() {
        assert_eq!(non_empty(serde_json::json!({})), None);
        assert!(non_empty(serde_json::json!({"a": 1})).is_some());
    }
}
