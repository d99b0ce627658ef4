//! The canonical request: URI, query string, headers and their assembly, built from
//! the request exactly as received on the wire.
//!
//! The rules follow what botocore and aws-sdk-rust actually sign (see
//! `shared/docs/crates.md` §5): double URI encoding with dot-segment removal for
//! every service but S3, single encoding without normalisation for S3, and a
//! strict canonical query with a raw-query fallback for clients that sign a URL
//! they did not build.

use http::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::parse::SignedRequest;

/// Everything but the RFC 3986 unreserved characters `A-Z a-z 0-9 - _ . ~`.
const QUERY_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// As [`QUERY_SET`], but `/` stays as it is (paths).
const PATH_SET: &AsciiSet = &QUERY_SET.remove(b'/');

/// How the request path becomes the canonical URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriEncoding {
    /// Every service but S3: remove empty and `.` segments, resolve `..`, keep a
    /// trailing `/`, then percent-encode the (already encoded) wire path again,
    /// so `%2F` becomes `%252F`.
    Double,
    /// S3: no normalisation; the wire path is decoded once and encoded once.
    /// Also selects S3's payload rules (`x-amz-content-sha256`).
    S3,
}

/// The canonical URI of a wire path.
fn canonical_uri(raw_path: &str, encoding: UriEncoding) -> String {
    let encoded = match encoding {
        UriEncoding::Double => encode(remove_dot_segments(raw_path).as_bytes(), PATH_SET),
        UriEncoding::S3 => encode(&decode(raw_path), PATH_SET),
    };
    if encoded.is_empty() {
        "/".to_owned()
    } else {
        encoded
    }
}

/// botocore's `remove_dot_segments`: RFC 3986 §5.2.4, plus dropping empty
/// segments (AWS collapses `//`). A trailing `/` survives when anything is left.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let first = if path.starts_with('/') { "/" } else { "" };
    let last = if path.ends_with('/') && !out.is_empty() {
        "/"
    } else {
        ""
    };
    format!("{first}{}{last}", out.join("/"))
}

/// Percent-decodes bytes; a `+` stays a `+` (this is not form decoding).
fn decode(s: &str) -> Vec<u8> {
    percent_decode_str(s).collect()
}

/// Percent-encodes bytes with upper-case hex, leaving `set`'s complement alone.
fn encode(bytes: &[u8], set: &'static AsciiSet) -> String {
    percent_encoding::percent_encode(bytes, set).to_string()
}

/// Encodes a string for a query component (unreserved characters only).
pub(crate) fn encode_query_component(s: &str) -> String {
    utf8_percent_encode(s, QUERY_SET).to_string()
}

/// The strict canonical query: each `k=v` pair (split on the first `=`, a bare
/// key has an empty value) decoded and re-encoded, sorted by key then value.
/// Empty pairs (`a=1&&b=2`) are skipped. With `skip_signature`, the presigned
/// `X-Amz-Signature` parameter is left out.
pub(crate) fn canonical_query(raw_query: &str, skip_signature: bool) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(&decode(k), QUERY_SET), encode(&decode(v), QUERY_SET))
        })
        .filter(|(k, _)| !(skip_signature && k == "X-Amz-Signature"))
        .collect();
    join_sorted(&mut pairs)
}

/// botocore's canonical query for a URL it did not build: the raw pairs, sorted,
/// with nothing decoded or encoded.
pub(crate) fn raw_sorted_query(raw_query: &str, skip_signature: bool) -> String {
    if raw_query.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .filter(|(k, _)| !(skip_signature && *k == "X-Amz-Signature"))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    join_sorted(&mut pairs)
}

/// Sorts pairs by key then value and joins them as `k=v&...`.
fn join_sorted(pairs: &mut [(String, String)]) -> String {
    pairs.sort();
    let joined: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    joined.join("&")
}

/// Decoded `(key, value)` pairs of a query string, in order; `+` is kept.
pub(crate) fn query_pairs(raw_query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    raw_query.split('&').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        let d = |s: &str| String::from_utf8_lossy(&decode(s)).into_owned();
        (d(k), d(v))
    })
}

/// Trims a header value and collapses inner runs of whitespace to one space.
fn trim_all(value: &[u8], out: &mut Vec<u8>) {
    let mut words = value
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    if let Some(w) = words.next() {
        out.extend_from_slice(w);
    }
    for w in words {
        out.push(b' ');
        out.extend_from_slice(w);
    }
}

/// The canonical header block: `name:value\n` for each signed header, in the
/// order given, repeated values joined with `,`. `None` if a signed header is
/// absent from the request.
fn canonical_headers(headers: &HeaderMap, signed: &[String]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for name in signed {
        let mut values = headers.get_all(name.as_str()).iter().peekable();
        values.peek()?;
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        for (i, v) in values.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            trim_all(v.as_bytes(), &mut out);
        }
        out.push(b'\n');
    }
    Some(out)
}

/// `method\nuri\nquery\nheaders\n\nsigned;headers\npayload`, as bytes (header
/// values need not be UTF-8). `query` is already canonical; `signed` are the
/// lower-case header names in signing order. `None` if a signed header is missing.
pub(crate) fn canonical_request(
    req: &SignedRequest<'_>,
    encoding: UriEncoding,
    query: &str,
    signed: &[String],
    payload_hash: &str,
) -> Option<Vec<u8>> {
    let uri = canonical_uri(req.raw_path, encoding);
    let mut out = Vec::with_capacity(256);
    for line in [req.method, &uri, query] {
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out.extend(canonical_headers(req.headers, signed)?);
    out.push(b'\n');
    out.extend_from_slice(signed.join(";").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn double_encoding_normalises_then_encodes_again() {
        let c = |p| canonical_uri(p, UriEncoding::Double);
        assert_eq!(c(""), "/");
        assert_eq!(c("/"), "/");
        assert_eq!(c("/./"), "/");
        assert_eq!(c("//"), "/");
        assert_eq!(c("/example/.."), "/");
        assert_eq!(c("/example1/example2/../.."), "/");
        assert_eq!(c("//example//"), "/example/");
        assert_eq!(c("/./example"), "/example");
        assert_eq!(c("/a/./b/../c%2Fd/"), "/a/c%252Fd/");
        assert_eq!(c("/example space/"), "/example%20space/");
        assert_eq!(c("/\u{1234}"), "/%E1%88%B4");
        assert_eq!(c("/-._~AZaz09"), "/-._~AZaz09");
    }

    #[test]
    fn s3_encoding_is_single_and_unnormalised() {
        let c = |p| canonical_uri(p, UriEncoding::S3);
        assert_eq!(
            c("/bucket/a%20b%2Bc%3Dd~%C3%A9"),
            "/bucket/a%20b%2Bc%3Dd~%C3%A9"
        );
        assert_eq!(c("/bucket/a+b"), "/bucket/a%2Bb");
        assert_eq!(c("/./"), "/./");
        assert_eq!(c("//example//"), "//example//");
        assert_eq!(c("/%7e"), "/~");
        assert_eq!(c(""), "/");
    }

    #[test]
    fn strict_query() {
        assert_eq!(canonical_query("", false), "");
        assert_eq!(canonical_query("b=2&a=3&a=1&c=", false), "a=1&a=3&b=2&c=");
        assert_eq!(canonical_query("flag&a=1", false), "a=1&flag=");
        assert_eq!(canonical_query("q=a+b", false), "q=a%2Bb");
        assert_eq!(canonical_query("k=a%20b&x=%7e", false), "k=a%20b&x=~");
        assert_eq!(canonical_query("a=b=c", false), "a=b%3Dc");
        assert_eq!(canonical_query("a=1&X-Amz-Signature=ff", true), "a=1");
    }

    #[test]
    fn raw_query_is_only_sorted() {
        assert_eq!(raw_sorted_query("q=a+b&flag", false), "flag=&q=a+b");
        assert_eq!(raw_sorted_query("", false), "");
    }

    #[test]
    fn header_values_are_trimmed_and_joined() {
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("example.com"));
        h.append("x-a", HeaderValue::from_static("  a   b \t c  "));
        h.append("x-a", HeaderValue::from_static("d"));
        let signed = ["host".to_owned(), "x-a".to_owned()];
        let out = canonical_headers(&h, &signed).unwrap();
        assert_eq!(out, b"host:example.com\nx-a:a b c,d\n");
        assert!(canonical_headers(&h, &["x-missing".to_owned()]).is_none());
    }
}
