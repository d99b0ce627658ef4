//! Finding and parsing the credential part of a request: the `Authorization`
//! header (`AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`) or
//! the presigned query (`X-Amz-Algorithm`, `X-Amz-Credential`, ...).
//!
//! Parsing checks structure only (scope shape, date format, scope date = request
//! date); it needs no secret, so a caller can look the access key up between
//! [`parse_authorization`] and [`crate::verify`].

use http::HeaderMap;

use crate::canonical::query_pairs;
use crate::crypto::ALGORITHM;
use crate::error::SigV4Error;
use crate::time::{MAX_PRESIGN_EXPIRES, bad_date, http_date_to_amz, parse_amz_date};

/// What the verifier needs to see of an HTTP request, as received on the wire.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// The path exactly as on the wire, still percent-encoded (no query).
    pub raw_path: &'a str,
    /// The query string without `?`, as on the wire (`""` if none).
    pub raw_query: &'a str,
    /// The headers as received; `host` must be among them (for HTTP/2, put the
    /// `:authority` there as `host`).
    pub headers: &'a HeaderMap,
    /// The body bytes as received (before any content decoding).
    pub body: &'a [u8],
}

/// The `<date>/<region>/<service>` part of a credential scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    /// `yyyymmdd`.
    pub date: String,
    /// e.g. `us-east-1`.
    pub region: String,
    /// e.g. `cloudtrail`, `s3`.
    pub service: String,
}

impl CredentialScope {
    /// `<date>/<region>/<service>/aws4_request`, as in the string to sign.
    pub fn to_scope_string(&self) -> String {
        let Self {
            date,
            region,
            service,
        } = self;
        format!("{date}/{region}/{service}/aws4_request")
    }
}

/// The parsed credential part of a request (from the Authorization header or the
/// presigned query). `Debug` shows the session token only as `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id from the credential.
    pub access_key_id: String,
    /// Date, region and service the request was signed for.
    pub scope: CredentialScope,
    /// Lower-case signed header names, in the order the client listed them.
    pub signed_headers: Vec<String>,
    /// The signature, decoded from hex.
    pub signature: Vec<u8>,
    /// The request time, `yyyymmddThhmmssZ` (from `X-Amz-Date`, or a converted `Date`).
    pub amz_date: String,
    /// `X-Amz-Security-Token` (header, or query parameter when presigned).
    pub security_token: Option<String>,
    /// `X-Amz-Expires` in seconds; `Some` exactly when the request is presigned.
    pub presigned_expires: Option<u64>,
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorization")
            .field("access_key_id", &self.access_key_id)
            .field("scope", &self.scope)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &hex::encode(&self.signature))
            .field("amz_date", &self.amz_date)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .field("presigned_expires", &self.presigned_expires)
            .finish()
    }
}

impl Authorization {
    /// Whether the credentials came from the query string (a presigned URL).
    pub fn is_presigned(&self) -> bool {
        self.presigned_expires.is_some()
    }
}

/// AWS's complaint when presigned parameters are missing.
const QUERY_PARAMS_REQUIRED: &str = "Query-string authentication version 4 requires the \
    X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, \
    and X-Amz-Expires parameters.";

/// Shorthand for [`SigV4Error::Incomplete`].
fn incomplete(msg: impl Into<String>) -> SigV4Error {
    SigV4Error::Incomplete(msg.into())
}

/// Finds and parses the SigV4 credentials of a request, from the `Authorization`
/// header or else the presigned query. Checks shape only, not the signature.
pub fn parse_authorization(req: &SignedRequest<'_>) -> Result<Authorization, SigV4Error> {
    let header = req.headers.get(http::header::AUTHORIZATION);
    let presigned = query_pairs(req.raw_query).any(|(k, _)| k == "X-Amz-Algorithm");
    match (header, presigned) {
        (Some(_), true) => Err(incomplete(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, \
             Signature query string parameter or the Authorization header should be specified",
        )),
        (Some(h), false) => {
            let not_ascii = |_| incomplete("Authorization header is not ASCII");
            parse_header_form(h.to_str().map_err(not_ascii)?, req.headers)
        }
        (None, true) => parse_query_form(req.raw_query),
        (None, false) => Err(SigV4Error::Missing),
    }
}

/// Parses `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
fn parse_header_form(header: &str, headers: &HeaderMap) -> Result<Authorization, SigV4Error> {
    let header = header.trim();
    let (alg, rest) = header.split_once(' ').unwrap_or((header, ""));
    if alg != ALGORITHM {
        return Err(SigV4Error::UnsupportedAlgorithm(alg.to_owned()));
    }
    let (mut cred, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',').map(str::trim) {
        match part.split_once('=') {
            Some(("Credential", v)) => cred = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => sig = Some(v),
            _ => {}
        }
    }
    let date = request_date(headers)?;
    let complaints = [
        (cred.is_none(), "'Credential' parameter."),
        (sig.is_none(), "'Signature' parameter."),
        (signed.is_none(), "'SignedHeaders' parameter."),
        (
            date.is_none(),
            "existence of either a 'X-Amz-Date' or a 'Date' header.",
        ),
    ];
    let (Some(cred), Some(signed), Some(sig), Some(date)) = (cred, signed, sig, date) else {
        let mut msg = String::new();
        for (_, what) in complaints.iter().filter(|c| c.0) {
            msg.push_str(&format!("Authorization header requires {what} "));
        }
        return Err(incomplete(format!("{msg}Authorization={header}")));
    };
    let token = headers.get("x-amz-security-token").map(|v| v.to_str());
    let not_ascii = |_| incomplete("X-Amz-Security-Token is not ASCII");
    let token = token.transpose().map_err(not_ascii)?.map(str::to_owned);
    build(cred, signed, sig, date, token, None)
}

/// The request time from `X-Amz-Date`, else from `Date`; `Ok(None)` if neither.
fn request_date(headers: &HeaderMap) -> Result<Option<String>, SigV4Error> {
    fn ascii(v: &http::HeaderValue) -> Result<&str, SigV4Error> {
        v.to_str().map_err(|_| bad_date("(not ASCII)"))
    }
    if let Some(v) = headers.get("x-amz-date") {
        return Ok(Some(ascii(v)?.trim().to_owned()));
    }
    let Some(v) = headers.get(http::header::DATE) else {
        return Ok(None);
    };
    let v = ascii(v)?;
    http_date_to_amz(v).map(Some).ok_or_else(|| bad_date(v))
}

/// Parses the presigned query parameters.
fn parse_query_form(raw_query: &str) -> Result<Authorization, SigV4Error> {
    let pairs: Vec<(String, String)> = query_pairs(raw_query).collect();
    let get = |name: &str| pairs.iter().find(|p| p.0 == name).map(|p| p.1.as_str());
    let alg = get("X-Amz-Algorithm").unwrap_or_default();
    if alg != ALGORITHM {
        return Err(SigV4Error::UnsupportedAlgorithm(alg.to_owned()));
    }
    let need = |name: &str| get(name).ok_or_else(|| incomplete(QUERY_PARAMS_REQUIRED));
    let (cred, sig) = (need("X-Amz-Credential")?, need("X-Amz-Signature")?);
    let (date, signed) = (need("X-Amz-Date")?, need("X-Amz-SignedHeaders")?);
    let expires = parse_expires(need("X-Amz-Expires")?)?;
    let token = get("X-Amz-Security-Token").map(str::to_owned);
    build(cred, signed, sig, date.to_owned(), token, Some(expires))
}

/// Validates `X-Amz-Expires`: a whole number of seconds from 1 to one week.
fn parse_expires(v: &str) -> Result<u64, SigV4Error> {
    match v.parse::<u64>() {
        Err(_) => Err(incomplete("X-Amz-Expires should be a number")),
        Ok(0) => Err(incomplete("X-Amz-Expires must be positive")),
        Ok(n) if n > MAX_PRESIGN_EXPIRES => Err(incomplete(
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        )),
        Ok(n) => Ok(n),
    }
}

/// Parses `AKID/yyyymmdd/region/service/aws4_request` into key and scope.
fn parse_credential(cred: &str) -> Result<(String, CredentialScope), SigV4Error> {
    let parts: Vec<&str> = cred.split('/').collect();
    let [key, date, region, service, term] = parts.as_slice() else {
        return Err(incomplete(format!(
            "Credential must have exactly 5 slash-delimited elements, \
             e.g. keyid/date/region/service/term, got '{cred}'"
        )));
    };
    if *term != "aws4_request" {
        return Err(incomplete(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{term}'."
        )));
    }
    if [key, region, service].iter().any(|p| p.is_empty()) {
        return Err(incomplete(format!(
            "Credential '{cred}' has an empty element."
        )));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(incomplete(format!(
            "Credential should be scoped to a valid date (yyyymmdd), not '{date}'."
        )));
    }
    let own = |s: &&str| (*s).to_owned();
    let scope = CredentialScope {
        date: own(date),
        region: own(region),
        service: own(service),
    };
    Ok((own(key), scope))
}

/// Assembles and cross-checks the pieces common to both forms.
fn build(
    cred: &str,
    signed: &str,
    sig: &str,
    amz_date: String,
    security_token: Option<String>,
    presigned_expires: Option<u64>,
) -> Result<Authorization, SigV4Error> {
    let (access_key_id, scope) = parse_credential(cred)?;
    if parse_amz_date(&amz_date).is_none() {
        return Err(bad_date(&amz_date));
    }
    if !amz_date.starts_with(&scope.date) {
        return Err(SigV4Error::ScopeDateMismatch {
            scope_date: scope.date,
            amz_date,
        });
    }
    let signed_headers: Vec<String> = signed
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if signed_headers.iter().any(String::is_empty) {
        return Err(incomplete(format!(
            "SignedHeaders '{signed}' is malformed."
        )));
    }
    // A signature that is not hex cannot match anything we compute.
    let signature = hex::decode(sig).map_err(|_| SigV4Error::SignatureMismatch)?;
    Ok(Authorization {
        access_key_id,
        scope,
        signed_headers,
        signature,
        amz_date,
        security_token,
        presigned_expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
        SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

    fn headers(auth: &str, date: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("iam.amazonaws.com"));
        h.insert("authorization", HeaderValue::from_str(auth).unwrap());
        if let Some(d) = date {
            h.insert("x-amz-date", HeaderValue::from_str(d).unwrap());
        }
        h
    }

    fn parse(h: &HeaderMap, query: &str) -> Result<Authorization, SigV4Error> {
        let req = SignedRequest {
            method: "GET",
            raw_path: "/",
            raw_query: query,
            headers: h,
            body: b"",
        };
        parse_authorization(&req)
    }

    #[test]
    fn parses_header_form() {
        let a = parse(&headers(AUTH, Some("20150830T123600Z")), "").unwrap();
        assert_eq!(a.access_key_id, "AKIDEXAMPLE");
        assert_eq!(
            a.scope.to_scope_string(),
            "20150830/us-east-1/iam/aws4_request"
        );
        assert_eq!(a.signed_headers, ["content-type", "host", "x-amz-date"]);
        assert_eq!(a.signature.len(), 32);
        assert!(!a.is_presigned());
        let shown = format!("{a:?}");
        assert!(
            shown.contains("5d672d79c15b") && shown.contains("AKIDEXAMPLE"),
            "{shown}"
        );
    }

    #[test]
    fn tolerates_missing_spaces() {
        let tight = AUTH.replace(", ", ",");
        assert!(parse(&headers(&tight, Some("20150830T123600Z")), "").is_ok());
    }

    #[test]
    fn reports_every_missing_piece() {
        let bad = "AWS4-HMAC-SHA256 SignedHeaders=host";
        let e = parse(&headers(bad, None), "").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Authorization header requires 'Credential' parameter. Authorization header \
             requires 'Signature' parameter. Authorization header requires existence of either \
             a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 SignedHeaders=host"
        );
    }

    #[test]
    fn rejects_bad_scopes_and_dates() {
        let date = Some("20150830T123600Z");
        let e = parse(&headers(&AUTH.replace("/aws4_request", "/aws4"), date), "").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Incomplete);
        let e = parse(&headers(&AUTH.replace("/iam/", "/"), date), "").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Incomplete);
        let e = parse(&headers(AUTH, Some("20150831T000000Z")), "").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::ScopeDateMismatch);
        let e = parse(&headers(AUTH, Some("2015-08-30T12:36:00Z")), "").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Incomplete);
    }

    #[test]
    fn debug_redacts_session_token() {
        let mut h = headers(AUTH, Some("20150830T123600Z"));
        h.insert(
            "x-amz-security-token",
            HeaderValue::from_static("tok-secret"),
        );
        let a = parse(&h, "").unwrap();
        assert_eq!(a.security_token.as_deref(), Some("tok-secret"));
        assert!(!format!("{a:?}").contains("tok-secret"));
    }

    #[test]
    fn date_header_fallback() {
        let mut h = headers(AUTH, None);
        h.insert(
            "date",
            HeaderValue::from_static("Sun, 30 Aug 2015 12:36:00 GMT"),
        );
        assert_eq!(parse(&h, "").unwrap().amz_date, "20150830T123600Z");
    }

    #[test]
    fn other_algorithms_and_missing() {
        let e = parse(&headers("AWS AKID:c2ln", None), "").unwrap_err();
        assert_eq!(e, SigV4Error::UnsupportedAlgorithm("AWS".into()));
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("x"));
        assert_eq!(parse(&h, "a=b").unwrap_err(), SigV4Error::Missing);
        let e = parse(
            &h,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20150830T123600Z",
        );
        assert_eq!(e.unwrap_err().kind(), crate::ErrorKind::Incomplete);
        assert_eq!(
            parse(&headers(AUTH, None), "X-Amz-Algorithm=x")
                .unwrap_err()
                .kind(),
            { crate::ErrorKind::Incomplete }
        );
    }

    #[test]
    fn presigned_expiry_bounds() {
        let q = |exp: &str| {
            format!(
                "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20150830%2Fus-east-1%2Fs3\
                 %2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires={exp}\
                 &X-Amz-SignedHeaders=host&X-Amz-Signature=00"
            )
        };
        let h = HeaderMap::new();
        assert_eq!(
            parse(&h, &q("604800")).unwrap().presigned_expires,
            Some(604_800)
        );
        for bad in ["604801", "0", "-1", "soon"] {
            assert_eq!(
                parse(&h, &q(bad)).unwrap_err().kind(),
                crate::ErrorKind::Incomplete
            );
        }
    }
}
