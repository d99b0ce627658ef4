//! The one error type of this crate, [`SigV4Error`], and its coarse [`ErrorKind`].
//!
//! Each variant is a distinct way a request can fail SigV4 authentication. The
//! messages follow AWS's wording where AWS has one, so a caller can put them on the
//! wire as they are; the mapping to per-protocol AWS error codes
//! (`IncompleteSignatureException`, `SignatureDoesNotMatch`, ...) is the protocol
//! crate's job, not this one's. No variant ever carries a secret key.

use crate::time;

/// Why a request failed SigV4 authentication.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigV4Error {
    /// Neither an `Authorization` header nor an `X-Amz-Algorithm` query parameter
    /// (AWS: `MissingAuthenticationToken`).
    #[error("Missing Authentication Token")]
    Missing,
    /// A malformed or incomplete header, scope, date or query parameter set
    /// (AWS: `IncompleteSignature`); the text says what is wrong.
    #[error("{0}")]
    Incomplete(String),
    /// An algorithm other than `AWS4-HMAC-SHA256` (SigV2, SigV4a, ...).
    #[error("Unsupported AWS 'algorithm': '{0}'")]
    UnsupportedAlgorithm(String),
    /// The signature computed here differs from the one sent.
    #[error(
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method. \
         Consult the service documentation for details."
    )]
    SignatureMismatch,
    /// Header auth whose time is more than 15 minutes from the server's clock.
    /// Both times are `yyyymmddThhmmssZ`.
    #[error("{}", time::skew_message(request_time, server_time))]
    Skewed {
        /// The request's `X-Amz-Date` (or converted `Date`).
        request_time: String,
        /// The server's clock.
        server_time: String,
    },
    /// A presigned request past its `X-Amz-Expires` window. Both times are
    /// ISO 8601 extended (`2026-01-01T00:15:00Z`), as S3 reports them.
    #[error("Request has expired")]
    PresignExpired {
        /// When the presigned request stopped being valid.
        expires_at: String,
        /// The server's clock.
        server_time: String,
    },
    /// S3: `x-amz-content-sha256` is a SHA-256 that is not the body's.
    #[error("The provided 'x-amz-content-sha256' header does not match what was computed.")]
    PayloadHashMismatch {
        /// The hash the client sent.
        client_computed: String,
        /// The hash of the body as received.
        server_computed: String,
    },
    /// S3: an `x-amz-content-sha256` this verifier does not handle
    /// (`STREAMING-*` chunked uploads, or a value that is not a hash at all).
    #[error("x-amz-content-sha256 value '{0}' is not supported")]
    UnsupportedPayload(String),
    /// The credential scope's date is not the first 8 characters of the request time.
    #[error(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
         from HTTP: '{scope_date}' != '{}', from '{amz_date}'.",
        amz_date.get(..8).unwrap_or(amz_date)
    )]
    ScopeDateMismatch {
        /// The date in the credential scope.
        scope_date: String,
        /// The request time (`yyyymmddThhmmssZ`).
        amz_date: String,
    },
    /// `x-amz-security-token` was sent but is not among the signed headers.
    #[error("'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.")]
    SecurityTokenNotSigned,
    /// A header that must be signed (`host`, `x-amz-date` or `date`) is not.
    #[error("'{0}' must be a 'SignedHeader' in the AWS Authorization.")]
    HeaderNotSigned(String),
}

/// The coarse class of a [`SigV4Error`], one per variant, for callers that map
/// failures to wire error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`SigV4Error::Missing`].
    Missing,
    /// See [`SigV4Error::Incomplete`].
    Incomplete,
    /// See [`SigV4Error::UnsupportedAlgorithm`].
    UnsupportedAlgorithm,
    /// See [`SigV4Error::SignatureMismatch`].
    SignatureMismatch,
    /// See [`SigV4Error::Skewed`].
    Skewed,
    /// See [`SigV4Error::PresignExpired`].
    PresignExpired,
    /// See [`SigV4Error::PayloadHashMismatch`].
    PayloadHashMismatch,
    /// See [`SigV4Error::UnsupportedPayload`].
    UnsupportedPayload,
    /// See [`SigV4Error::ScopeDateMismatch`].
    ScopeDateMismatch,
    /// See [`SigV4Error::SecurityTokenNotSigned`].
    SecurityTokenNotSigned,
    /// See [`SigV4Error::HeaderNotSigned`].
    HeaderNotSigned,
}

impl SigV4Error {
    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Missing => ErrorKind::Missing,
            Self::Incomplete(_) => ErrorKind::Incomplete,
            Self::UnsupportedAlgorithm(_) => ErrorKind::UnsupportedAlgorithm,
            Self::SignatureMismatch => ErrorKind::SignatureMismatch,
            Self::Skewed { .. } => ErrorKind::Skewed,
            Self::PresignExpired { .. } => ErrorKind::PresignExpired,
            Self::PayloadHashMismatch { .. } => ErrorKind::PayloadHashMismatch,
            Self::UnsupportedPayload(_) => ErrorKind::UnsupportedPayload,
            Self::ScopeDateMismatch { .. } => ErrorKind::ScopeDateMismatch,
            Self::SecurityTokenNotSigned => ErrorKind::SecurityTokenNotSigned,
            Self::HeaderNotSigned(_) => ErrorKind::HeaderNotSigned,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_message_matches_aws_wording() {
        let e = SigV4Error::Skewed {
            request_time: "20260101T000000Z".into(),
            server_time: "20260101T001500Z".into(),
        };
        assert_eq!(
            e.to_string(),
            "Signature expired: 20260101T000000Z is now earlier than 20260101T000000Z \
             (20260101T001500Z - 15 min.)"
        );
        let e = SigV4Error::Skewed {
            request_time: "20260101T003100Z".into(),
            server_time: "20260101T001500Z".into(),
        };
        assert_eq!(
            e.to_string(),
            "Signature not yet current: 20260101T003100Z is still later than 20260101T003000Z \
             (20260101T001500Z + 15 min.)"
        );
        assert_eq!(e.kind(), ErrorKind::Skewed);
    }

    #[test]
    fn scope_date_message() {
        let e = SigV4Error::ScopeDateMismatch {
            scope_date: "20150831".into(),
            amz_date: "20150830T123600Z".into(),
        };
        assert_eq!(
            e.to_string(),
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '20150831' != '20150830', from '20150830T123600Z'."
        );
    }
}
