//! Authentication: a request's SigV4 signature, checked against the secret of the key it names.
//!
//! Failures are typed ([`AuthFailure`]) and mapped to wire codes once, per protocol family, in
//! [`AuthFailure::to_api_error`]: JSON services say `InvalidSignatureException`, Query services
//! `SignatureDoesNotMatch`, and so on.

use trailroom_identity::{Caller, ResolveError, resolve_access_key};
use trailroom_protocol::{ApiError, StatusCode};
use trailroom_sigv4::{ErrorKind, SigV4Error, SignedRequest, UriEncoding};
use trailroom_store::Store;

/// The wire families, which name the same auth failure differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// AWS JSON 1.1 (A4B, CloudTrail).
    Json,
    /// AWS Query (STS, IAM).
    Query,
}

/// A verified request.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Who signed.
    pub caller: Caller,
    /// Region of the credential scope.
    pub region: String,
    /// Signing name of the credential scope (`a4b`, `sts`, …).
    pub service: String,
}

/// Why a request was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// No signature at all.
    Missing,
    /// A signature that is not well-formed.
    Incomplete(String),
    /// The signature does not match, or the request time is out of bounds.
    Signature(String),
    /// The access key (or session token) is unknown.
    UnknownKey,
    /// The temporary credentials have expired.
    ExpiredToken,
    /// The credential scope names a region the partition does not have.
    InvalidRegion(String),
    /// The credential scope names another service than the one the request is for (the
    /// expected signing name).
    WrongService(&'static str),
    /// The store could not be reached while looking up the key (the call may be retried).
    Unavailable,
    /// The store failed while looking up the key.
    Internal,
}

impl AuthFailure {
    fn from_store(err: trailroom_store::StoreError) -> Self {
        match err {
            trailroom_store::StoreError::Unavailable(reason) => {
                tracing::warn!(%reason, "store unavailable");
                Self::Unavailable
            }
            other => {
                tracing::error!(error = %other, "store failure while authenticating");
                Self::Internal
            }
        }
    }

    fn from_sigv4(err: SigV4Error) -> Self {
        match err.kind() {
            ErrorKind::Missing => Self::Missing,
            ErrorKind::Incomplete
            | ErrorKind::UnsupportedAlgorithm
            | ErrorKind::ScopeDateMismatch
            | ErrorKind::SecurityTokenNotSigned
            | ErrorKind::HeaderNotSigned => Self::Incomplete(err.to_string()),
            ErrorKind::SignatureMismatch
            | ErrorKind::Skewed
            | ErrorKind::PresignExpired
            | ErrorKind::PayloadHashMismatch
            | ErrorKind::UnsupportedPayload => Self::Signature(err.to_string()),
            // Kinds added later default to the safest answer: the signature is not accepted.
            _ => Self::Signature(err.to_string()),
        }
    }

    /// The error the client sees, in the vocabulary of `family`.
    pub fn to_api_error(&self, family: Family) -> ApiError {
        let (json_code, query_code, status, message) = match self {
            Self::Missing => (
                "MissingAuthenticationTokenException",
                "MissingAuthenticationToken",
                StatusCode::FORBIDDEN,
                "Missing Authentication Token".to_owned(),
            ),
            Self::Incomplete(message) => (
                "IncompleteSignatureException",
                "IncompleteSignature",
                StatusCode::BAD_REQUEST,
                message.clone(),
            ),
            Self::Signature(message) => (
                "InvalidSignatureException",
                "SignatureDoesNotMatch",
                StatusCode::FORBIDDEN,
                message.clone(),
            ),
            Self::UnknownKey => (
                "UnrecognizedClientException",
                "InvalidClientTokenId",
                StatusCode::FORBIDDEN,
                "The security token included in the request is invalid.".to_owned(),
            ),
            Self::ExpiredToken => (
                "ExpiredTokenException",
                "ExpiredToken",
                StatusCode::FORBIDDEN,
                "The security token included in the request is expired".to_owned(),
            ),
            Self::InvalidRegion(region) => (
                "InvalidSignatureException",
                "SignatureDoesNotMatch",
                StatusCode::FORBIDDEN,
                trailroom_protocol::regions::invalid_region_message(region),
            ),
            Self::WrongService(service) => (
                "InvalidSignatureException",
                "SignatureDoesNotMatch",
                StatusCode::FORBIDDEN,
                format!("Credential should be scoped to correct service: '{service}'. "),
            ),
            Self::Unavailable => (
                "ServiceUnavailableException",
                "ServiceUnavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "The service is unavailable. Please retry.".to_owned(),
            ),
            Self::Internal => return ApiError::internal(),
        };
        let code = match family {
            Family::Json => json_code,
            Family::Query => query_code,
        };
        ApiError::new(code, status, message)
    }
}

/// Verifies `request` and resolves its caller.
pub fn authenticate(
    store: &dyn Store,
    request: &SignedRequest<'_>,
    encoding: UriEncoding,
    now_ms: i64,
) -> Result<Authenticated, AuthFailure> {
    let parsed = trailroom_sigv4::parse_authorization(request);
    authenticate_parsed(store, request, &parsed, encoding, now_ms)
}

/// [`authenticate`] with the request's authorization already parsed (the front door parses it
/// once for every protocol).
pub fn authenticate_parsed(
    store: &dyn Store,
    request: &SignedRequest<'_>,
    parsed: &Result<trailroom_sigv4::Authorization, SigV4Error>,
    encoding: UriEncoding,
    now_ms: i64,
) -> Result<Authenticated, AuthFailure> {
    let auth = parsed
        .as_ref()
        .map_err(|err| AuthFailure::from_sigv4(err.clone()))?;
    if !trailroom_protocol::regions::is_known(&auth.scope.region) {
        return Err(AuthFailure::InvalidRegion(auth.scope.region.clone()));
    }
    let resolved = trailroom_store::read(store, |txn| {
        resolve_access_key(
            txn,
            &auth.access_key_id,
            auth.security_token.as_deref(),
            now_ms,
        )
    })
    .map_err(AuthFailure::from_store)?
    .map_err(|err| match err {
        ResolveError::UnknownKey => AuthFailure::UnknownKey,
        ResolveError::Expired => AuthFailure::ExpiredToken,
        ResolveError::Store(err) => AuthFailure::from_store(err),
    })?;
    trailroom_sigv4::verify(
        request,
        auth,
        &resolved.secret_access_key,
        encoding,
        now_ms / 1000,
    )
    .map_err(AuthFailure::from_sigv4)?;
    Ok(Authenticated {
        caller: resolved.caller,
        region: auth.scope.region.clone(),
        service: auth.scope.service.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_name_failures_their_own_way() {
        let bad = AuthFailure::Signature("nope".into());
        assert_eq!(
            bad.to_api_error(Family::Json).code(),
            "InvalidSignatureException"
        );
        assert_eq!(
            bad.to_api_error(Family::Query).code(),
            "SignatureDoesNotMatch"
        );
        assert_eq!(
            bad.to_api_error(Family::Query).status(),
            StatusCode::FORBIDDEN
        );
        let unknown = AuthFailure::UnknownKey;
        assert_eq!(
            unknown.to_api_error(Family::Json).code(),
            "UnrecognizedClientException"
        );
        assert_eq!(
            unknown.to_api_error(Family::Query).code(),
            "InvalidClientTokenId"
        );
        let missing = AuthFailure::Missing.to_api_error(Family::Json);
        assert_eq!(missing.code(), "MissingAuthenticationTokenException");
        let incomplete = AuthFailure::Incomplete("x".into()).to_api_error(Family::Query);
        assert_eq!(incomplete.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            AuthFailure::ExpiredToken.to_api_error(Family::Json).code(),
            "ExpiredTokenException"
        );
        let region = AuthFailure::InvalidRegion("zz-fake-1".into());
        assert_eq!(
            region.to_api_error(Family::Json).message(),
            "Credential should be scoped to a valid region, not 'zz-fake-1'. "
        );
        assert_eq!(
            region.to_api_error(Family::Query).code(),
            "SignatureDoesNotMatch"
        );
        let service = AuthFailure::WrongService("cloudtrail").to_api_error(Family::Json);
        assert_eq!(
            (service.code(), service.message()),
            (
                "InvalidSignatureException",
                "Credential should be scoped to correct service: 'cloudtrail'. "
            )
        );
    }
}
