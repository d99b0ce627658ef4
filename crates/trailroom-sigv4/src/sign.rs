//! Client-side signing, header form ([`sign`]) and presigned query form
//! ([`presign`]), for the load generator and the tests.
//!
//! It reuses the verifier's canonicalisation, so anything signed here verifies
//! with [`crate::verify`] under the same [`UriEncoding`]. Header selection mirrors
//! botocore: every header present except hop-by-hop ones and `user-agent`.

use std::fmt;

use http::{HeaderMap, HeaderValue};

use crate::canonical::{UriEncoding, canonical_query, canonical_request, encode_query_component};
use crate::crypto::{ALGORITHM, sha256_hex, signature};
use crate::error::SigV4Error;
use crate::parse::{CredentialScope, SignedRequest};
use crate::time::{MAX_PRESIGN_EXPIRES, format_amz_date};
use crate::verify::UNSIGNED_PAYLOAD;

/// Headers botocore never signs (hop-by-hop, or rewritten in transit), plus
/// `authorization` itself.
const UNSIGNED_HEADERS: &str = "authorization connection expect keep-alive proxy-authenticate \
    proxy-authorization te trailer transfer-encoding upgrade user-agent x-amzn-trace-id";

/// AWS credentials. `Debug` never shows the secret key or the token.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    /// The access key id, e.g. `AKIDEXAMPLE`.
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret_access_key: &'a str,
    /// A session token, signed as `x-amz-security-token`.
    pub session_token: Option<&'a str>,
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.map(|_| "<redacted>"))
            .finish()
    }
}

/// What the header-form signer puts on the payload line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// `hex(sha256(body))`, not sent as a header (every service but S3).
    Hash,
    /// `hex(sha256(body))`, also sent as `x-amz-content-sha256` (S3).
    HashHeader,
    /// `UNSIGNED-PAYLOAD`, sent as `x-amz-content-sha256` (S3 only).
    UnsignedHeader,
    /// An aws-chunked body of this form, announced in `x-amz-content-sha256` (S3 only). Only
    /// the headers are signed here (the seed signature); the chunks are the sender's.
    Streaming(crate::StreamingPayload),
}

/// Everything the signer needs besides the request.
#[derive(Debug, Clone, Copy)]
pub struct SigningParams<'a> {
    /// Who signs.
    pub credentials: Credentials<'a>,
    /// e.g. `us-east-1`.
    pub region: &'a str,
    /// The signing name, e.g. `cloudtrail`, `s3`.
    pub service: &'a str,
    /// The signing time, seconds since the Unix epoch.
    pub time_unix_secs: i64,
    /// [`UriEncoding::S3`] for S3, [`UriEncoding::Double`] for everything else.
    pub encoding: UriEncoding,
    /// The payload line; ignored by [`presign`].
    pub payload: Payload,
}

impl SigningParams<'_> {
    /// The credential scope for the signing time.
    fn scope(&self) -> CredentialScope {
        CredentialScope {
            date: format_amz_date(self.time_unix_secs)[..8].to_owned(),
            region: self.region.to_owned(),
            service: self.service.to_owned(),
        }
    }

    /// `<access key>/<scope>`, as in `Credential=`.
    fn credential(&self) -> String {
        format!(
            "{}/{}",
            self.credentials.access_key_id,
            self.scope().to_scope_string()
        )
    }

    /// The hex signature of a canonical request, at the signing time.
    fn sign_canonical(&self, canonical: &[u8]) -> String {
        let date = format_amz_date(self.time_unix_secs);
        let secret = self.credentials.secret_access_key;
        hex::encode(signature(secret, &date, &self.scope(), canonical))
    }
}

/// Refuses a request without `host`, which both forms must sign.
fn require_host(req: &SignedRequest<'_>) -> Result<(), SigV4Error> {
    let msg = "a request to sign needs a Host header";
    let ok = req.headers.contains_key(http::header::HOST);
    ok.then_some(())
        .ok_or_else(|| SigV4Error::Incomplete(msg.into()))
}

/// A header value from a string we were given.
fn header_value(v: &str) -> Result<HeaderValue, SigV4Error> {
    HeaderValue::from_str(v).map_err(|_| SigV4Error::Incomplete(format!("bad header value {v:?}")))
}

/// Signs a request in header form. Returns the headers to add, replacing any of
/// the same name (`HeaderMap::insert`): `authorization`, `x-amz-date`, and
/// `x-amz-content-sha256` / `x-amz-security-token` when the payload mode or a
/// session token call for them. Every header already in `req.headers` is signed
/// except hop-by-hop ones and `user-agent`; `host` must be there.
pub fn sign(req: &SignedRequest<'_>, params: &SigningParams<'_>) -> Result<HeaderMap, SigV4Error> {
    require_host(req)?;
    let mut added = HeaderMap::new();
    let date = format_amz_date(params.time_unix_secs);
    added.insert("x-amz-date", header_value(&date)?);
    if let Some(token) = params.credentials.session_token {
        added.insert("x-amz-security-token", header_value(token)?);
    }
    let payload = match params.payload {
        Payload::Hash | Payload::HashHeader => sha256_hex(req.body),
        Payload::UnsignedHeader => UNSIGNED_PAYLOAD.to_owned(),
        Payload::Streaming(form) => form.header_value().to_owned(),
    };
    if params.payload != Payload::Hash {
        added.insert("x-amz-content-sha256", header_value(&payload)?);
    }
    let mut all = req.headers.clone();
    for (name, value) in &added {
        all.insert(name, value.clone());
    }
    let unsigned: Vec<&str> = UNSIGNED_HEADERS.split_ascii_whitespace().collect();
    let mut signed: Vec<String> = all.keys().map(|k| k.as_str().to_owned()).collect();
    signed.retain(|k| !unsigned.contains(&k.as_str()));
    signed.sort();
    let query = canonical_query(req.raw_query, false);
    let full = SignedRequest {
        headers: &all,
        ..*req
    };
    let canonical = canonical_request(&full, params.encoding, &query, &signed, &payload);
    let sig = params.sign_canonical(&canonical.expect("every signed header is present"));
    let (credential, signed) = (params.credential(), signed.join(";"));
    let authz =
        format!("{ALGORITHM} Credential={credential}, SignedHeaders={signed}, Signature={sig}");
    added.insert(http::header::AUTHORIZATION, header_value(&authz)?);
    Ok(added)
}

/// Presigns a request: returns the full query string to send instead of
/// `req.raw_query` (the original parameters, then `X-Amz-Algorithm`, ...,
/// `X-Amz-Signature`). Only `host` is signed. The payload line follows the
/// verifier: `UNSIGNED-PAYLOAD` for [`UriEncoding::S3`], the body hash otherwise.
pub fn presign(
    req: &SignedRequest<'_>,
    params: &SigningParams<'_>,
    expires_secs: u64,
) -> Result<String, SigV4Error> {
    require_host(req)?;
    if !(1..=MAX_PRESIGN_EXPIRES).contains(&expires_secs) {
        let msg = format!("X-Amz-Expires {expires_secs} out of range");
        return Err(SigV4Error::Incomplete(msg));
    }
    let (credential, date) = (params.credential(), format_amz_date(params.time_unix_secs));
    let expires = expires_secs.to_string();
    let mut auth_params = vec![
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", &credential),
        ("X-Amz-Date", &date),
        ("X-Amz-Expires", &expires),
        ("X-Amz-SignedHeaders", "host"),
    ];
    if let Some(token) = params.credentials.session_token {
        auth_params.push(("X-Amz-Security-Token", token));
    }
    let mut query = req.raw_query.to_owned();
    for (k, v) in auth_params {
        let sep = if query.is_empty() { "" } else { "&" };
        query = format!("{query}{sep}{k}={}", encode_query_component(v));
    }
    let payload = match params.encoding {
        UriEncoding::S3 => UNSIGNED_PAYLOAD.to_owned(),
        UriEncoding::Double => sha256_hex(req.body),
    };
    let signed = ["host".to_owned()];
    let canonical_q = canonical_query(&query, true);
    let canonical = canonical_request(req, params.encoding, &canonical_q, &signed, &payload);
    let sig = params.sign_canonical(&canonical.expect("host is present"));
    Ok(format!("{query}&X-Amz-Signature={sig}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let c = Credentials {
            access_key_id: "AKID",
            secret_access_key: "very-secret",
            session_token: Some("tok-secret"),
        };
        let shown = format!("{c:?}");
        assert!(shown.contains("AKID"));
        assert!(
            !shown.contains("very-secret") && !shown.contains("tok-secret"),
            "{shown}"
        );
    }
}
