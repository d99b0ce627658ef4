//! Server-side verification: the clock, the headers that must be signed, the
//! payload hash, then the signature itself, compared in constant time.
//!
//! The order matters only for which error a doubly-bad request gets; it follows
//! the recipe in `shared/docs/crates.md` §5 (time first, then the signature).

use crate::canonical::{UriEncoding, canonical_query, canonical_request, raw_sorted_query};
use crate::crypto::{sha256_hex, signature_matches};
use crate::error::SigV4Error;
use crate::parse::{Authorization, SignedRequest};
use crate::time::{check_presign_window, check_skew};

/// The payload hash for a request whose body is not hashed (S3, presigned S3).
pub(crate) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Checks time (±15 min skew for header auth; for presigned: the X-Amz-Expires
/// window, max 7 days), the headers that must be signed, the payload hash, then
/// the signature with the secret, in constant time.
///
/// The secret must be the one belonging to `auth.access_key_id` (and, when
/// `auth.security_token` is set, to that session); looking it up is the caller's job.
pub fn verify(
    req: &SignedRequest<'_>,
    auth: &Authorization,
    secret_access_key: &str,
    encoding: UriEncoding,
    now_unix_secs: i64,
) -> Result<(), SigV4Error> {
    match auth.presigned_expires {
        Some(expires) => check_presign_window(&auth.amz_date, expires, now_unix_secs)?,
        None => check_skew(&auth.amz_date, now_unix_secs)?,
    }
    check_signed_headers(req, auth)?;
    let payload = payload_hash(req, auth, encoding)?;
    check_signature(req, auth, secret_access_key, encoding, &payload)
}

/// The signature check proper, with `payload` as the canonical request's last line.
pub(crate) fn check_signature(
    req: &SignedRequest<'_>,
    auth: &Authorization,
    secret_access_key: &str,
    encoding: UriEncoding,
    payload: &str,
) -> Result<(), SigV4Error> {
    let matches = |query: &str| {
        canonical_request(req, encoding, query, &auth.signed_headers, payload)
            .is_some_and(|c| signature_matches(secret_access_key, auth, &c))
    };
    let strict = canonical_query(req.raw_query, auth.is_presigned());
    // botocore signs a URL it did not build with its raw query, only sorted.
    let raw = raw_sorted_query(req.raw_query, auth.is_presigned());
    if matches(&strict) || (raw != strict && matches(&raw)) {
        return Ok(());
    }
    Err(SigV4Error::SignatureMismatch)
}

/// The canonical request that [`verify`] checks first (strict query form), for
/// logging or for S3's `SignatureDoesNotMatch` details. `None` if a signed header
/// is missing from the request. Verifies nothing.
pub fn canonical_request_for(
    req: &SignedRequest<'_>,
    auth: &Authorization,
    encoding: UriEncoding,
) -> Result<Option<Vec<u8>>, SigV4Error> {
    let payload = payload_hash(req, auth, encoding)?;
    let query = canonical_query(req.raw_query, auth.is_presigned());
    let signed = &auth.signed_headers;
    Ok(canonical_request(req, encoding, &query, signed, &payload))
}

/// `host` is always signed; header auth also signs its date header and, when
/// sent, `x-amz-security-token` (a presigned token is a signed query parameter).
pub(crate) fn check_signed_headers(
    req: &SignedRequest<'_>,
    auth: &Authorization,
) -> Result<(), SigV4Error> {
    let signed = |name: &str| auth.signed_headers.iter().any(|h| h == name);
    if !signed("host") {
        return Err(SigV4Error::HeaderNotSigned("host".into()));
    }
    if auth.is_presigned() {
        return Ok(());
    }
    let date = if req.headers.contains_key("x-amz-date") {
        "x-amz-date"
    } else {
        "date"
    };
    if !signed(date) {
        return Err(SigV4Error::HeaderNotSigned(date.into()));
    }
    if req.headers.contains_key("x-amz-security-token") && !signed("x-amz-security-token") {
        return Err(SigV4Error::SecurityTokenNotSigned);
    }
    Ok(())
}

/// The payload line of the canonical request.
///
/// Non-S3: always `hex(sha256(body))`, header or presigned (as botocore signs).
/// S3: the `x-amz-content-sha256` header, checked against the body when it is a
/// hash; without the header, the body hash (header auth) or `UNSIGNED-PAYLOAD`
/// (presigned).
fn payload_hash(
    req: &SignedRequest<'_>,
    auth: &Authorization,
    encoding: UriEncoding,
) -> Result<String, SigV4Error> {
    if encoding == UriEncoding::Double {
        return Ok(sha256_hex(req.body));
    }
    let Some(claimed) = req.headers.get("x-amz-content-sha256") else {
        return Ok(if auth.is_presigned() {
            UNSIGNED_PAYLOAD.to_owned()
        } else {
            sha256_hex(req.body)
        });
    };
    let claimed = String::from_utf8_lossy(claimed.as_bytes())
        .trim()
        .to_owned();
    if claimed == UNSIGNED_PAYLOAD {
        return Ok(claimed);
    }
    if claimed.len() != 64 || !claimed.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SigV4Error::UnsupportedPayload(claimed));
    }
    let computed = sha256_hex(req.body);
    if !claimed.eq_ignore_ascii_case(&computed) {
        return Err(SigV4Error::PayloadHashMismatch {
            client_computed: claimed,
            server_computed: computed,
        });
    }
    Ok(claimed)
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue};

    use super::*;
    use crate::{Credentials, ErrorKind, Payload, SigningParams, parse_authorization, sign};

    const T: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    /// A GET signed by our signer, with its Authorization header passed through `edit`.
    fn check(
        encoding: UriEncoding,
        extra: &[(&'static str, &str)],
        edit: fn(&str) -> String,
    ) -> Result<(), SigV4Error> {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:4566"));
        let req = SignedRequest {
            method: "GET",
            raw_path: "/b/k",
            raw_query: "",
            headers: &headers,
            body: b"",
        };
        let credentials = Credentials {
            access_key_id: "AK",
            secret_access_key: "SK",
            session_token: None,
        };
        let payload = if encoding == UriEncoding::S3 {
            Payload::HashHeader
        } else {
            Payload::Hash
        };
        let params = SigningParams {
            credentials,
            region: "us-east-1",
            service: "s3",
            time_unix_secs: T,
            encoding,
            payload,
        };
        let mut signed = headers.clone();
        for (k, v) in &sign(&req, &params).unwrap() {
            signed.insert(k, v.clone());
        }
        let authz = edit(signed["authorization"].to_str().unwrap());
        signed.insert("authorization", HeaderValue::from_str(&authz).unwrap());
        for (k, v) in extra {
            signed.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        let req = SignedRequest {
            headers: &signed,
            ..req
        };
        let auth = parse_authorization(&req)?;
        verify(&req, &auth, "SK", encoding, T)
    }

    #[test]
    fn required_headers_must_be_signed() {
        assert_eq!(check(UriEncoding::Double, &[], str::to_owned), Ok(()));
        let e = check(UriEncoding::Double, &[], |a| {
            a.replace("SignedHeaders=host;", "SignedHeaders=")
        });
        assert_eq!(e, Err(SigV4Error::HeaderNotSigned("host".into())));
        let e = check(UriEncoding::Double, &[], |a| a.replace(";x-amz-date", ""));
        assert_eq!(e, Err(SigV4Error::HeaderNotSigned("x-amz-date".into())));
    }

    #[test]
    fn garbage_signature_is_a_mismatch() {
        let e = check(UriEncoding::Double, &[], |a| {
            a.split("Signature=").next().unwrap().to_owned() + "Signature=zz"
        });
        assert_eq!(e, Err(SigV4Error::SignatureMismatch));
    }

    #[test]
    fn s3_payload_modes() {
        assert_eq!(check(UriEncoding::S3, &[], str::to_owned), Ok(()));
        let streaming = [("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")];
        let e = check(UriEncoding::S3, &streaming, str::to_owned).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnsupportedPayload);
        let wrong = [("x-amz-content-sha256", &*"a".repeat(64))];
        let e = check(UriEncoding::S3, &wrong, str::to_owned).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PayloadHashMismatch);
    }
}
