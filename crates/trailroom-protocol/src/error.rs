//! The one error type every handler returns, whatever the protocol.
//!
//! An [`ApiError`] carries the AWS error code (`__type` in JSON, `Code` in XML), the HTTP status and
//! a message for the client. It knows nothing about the service that raised it; the encoders in
//! [`crate::json`] and [`crate::query`] turn it into bytes on the wire.

use std::borrow::Cow;
use std::fmt;

use http::StatusCode;

/// An AWS-shaped error: a code, an HTTP status and a client-facing message.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiError {
    code: Cow<'static, str>,
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// An error with an explicit code and status.
    pub fn new(
        code: impl Into<Cow<'static, str>>,
        status: StatusCode,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            status,
            message: message.into(),
        }
    }

    /// A client error (HTTP 400) with a modelled exception code such as `NotFoundException`.
    pub fn client(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(code, StatusCode::BAD_REQUEST, message)
    }

    /// `ValidationException`: the input broke a model constraint or a documented rule.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::client("ValidationException", message)
    }

    /// `SerializationException`: the body is not the JSON the operation expects.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::client("SerializationException", message)
    }

    /// `UnknownOperationException`: the target names no operation of the service.
    pub fn unknown_operation() -> Self {
        Self::client("UnknownOperationException", "")
    }

    /// `InternalFailure` (HTTP 500): a fault on our side; the message never carries internals.
    pub fn internal() -> Self {
        Self::new(
            "InternalFailure",
            StatusCode::INTERNAL_SERVER_ERROR,
            "The request processing has failed because of an unknown error, exception or failure.",
        )
    }

    /// The AWS error code, e.g. `NotFoundException`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message shown to the client.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the fault lies with the caller (4xx) rather than the server.
    pub fn is_client_fault(&self) -> bool {
        self.status.is_client_error()
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.code,
            self.status.as_u16(),
            self.message
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Shorthand for `ApiError::client(code, format!(...))`.
#[macro_export]
macro_rules! api_error {
    ($code:literal, $($arg:tt)*) => {
        $crate::ApiError::client($code, format!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_are_400() {
        let err = api_error!("NotFoundException", "room {} not found", "x");
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert_eq!(err.code(), "NotFoundException");
        assert_eq!(err.message(), "room x not found");
        assert!(err.is_client_fault());
    }

    #[test]
    fn internal_is_500_and_not_client_fault() {
        let err = ApiError::internal();
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!err.is_client_fault());
    }
}
