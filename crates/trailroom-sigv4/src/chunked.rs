//! S3 `aws-chunked` uploads (`x-amz-content-sha256: STREAMING-…`): the seed signature over the
//! headers (whose payload line is the literal `STREAMING-…` value), then every chunk's signature,
//! each chained from the previous one, and the optional trailer; returns the decoded body.
//!
//! Follows <https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html> and its
//! trailer variants. Presigned requests cannot stream.

use http::HeaderMap;

use crate::canonical::UriEncoding;
use crate::crypto::{chained_signature_matches, sha256_hex};
use crate::error::SigV4Error;
use crate::parse::{Authorization, SignedRequest};
use crate::time::check_skew;
use crate::verify::{check_signature, check_signed_headers};

/// SHA-256 of nothing, the fixed line of every chunk's string to sign.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The streaming payload forms S3 clients send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamingPayload {
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: signed chunks.
    Signed,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks and a signed trailer.
    SignedTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: plain chunks and an unsigned trailer.
    UnsignedTrailer,
}

impl StreamingPayload {
    /// The form announced by `x-amz-content-sha256`, if it is one handled here.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        match headers.get("x-amz-content-sha256")?.to_str().ok()?.trim() {
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" => Some(Self::Signed),
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" => Some(Self::SignedTrailer),
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER" => Some(Self::UnsignedTrailer),
            _ => None,
        }
    }

    /// The `x-amz-content-sha256` value announcing this form.
    pub fn header_value(self) -> &'static str {
        match self {
            Self::Signed => "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            Self::SignedTrailer => "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
            Self::UnsignedTrailer => "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        }
    }

    fn signs_chunks(self) -> bool {
        self != Self::UnsignedTrailer
    }
}

fn malformed(what: &str) -> SigV4Error {
    SigV4Error::Incomplete(format!("malformed aws-chunked body: {what}"))
}

/// Verifies an aws-chunked S3 request (time, signed headers, seed signature, every chunk and
/// trailer signature, `x-amz-decoded-content-length`) and returns the decoded body.
pub fn verify_chunked(
    req: &SignedRequest<'_>,
    auth: &Authorization,
    secret_access_key: &str,
    now_unix_secs: i64,
) -> Result<Vec<u8>, SigV4Error> {
    let mode = StreamingPayload::from_headers(req.headers).ok_or_else(|| {
        let value = req.headers.get("x-amz-content-sha256");
        let value = value.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        SigV4Error::UnsupportedPayload(value.unwrap_or_default())
    })?;
    if auth.is_presigned() {
        return Err(SigV4Error::UnsupportedPayload(mode.header_value().into()));
    }
    check_skew(&auth.amz_date, now_unix_secs)?;
    check_signed_headers(req, auth)?;
    check_signature(
        req,
        auth,
        secret_access_key,
        UriEncoding::S3,
        mode.header_value(),
    )?;
    let chain = Chain {
        secret: secret_access_key,
        auth,
        previous: hex::encode(&auth.signature),
    };
    let decoded = decode(req.body, mode, chain)?;
    let declared = req
        .headers
        .get("x-amz-decoded-content-length")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().parse::<usize>());
    match declared {
        Some(Ok(n)) if n == decoded.len() => Ok(decoded),
        Some(_) => Err(malformed(
            "length differs from x-amz-decoded-content-length",
        )),
        None => Ok(decoded),
    }
}

/// The running signature chain.
struct Chain<'a> {
    secret: &'a str,
    auth: &'a Authorization,
    previous: String,
}

impl Chain<'_> {
    /// Checks the next link: `kind` is `PAYLOAD` for chunks, `TRAILER` for the trailer.
    fn check(
        &mut self,
        kind: &str,
        content_hash_lines: &str,
        signature_hex: &str,
    ) -> Result<(), SigV4Error> {
        let scope = &self.auth.scope;
        let sts = format!(
            "AWS4-HMAC-SHA256-{kind}\n{}\n{}\n{}\n{content_hash_lines}",
            self.auth.amz_date,
            scope.to_scope_string(),
            self.previous
        );
        let expected = hex::decode(signature_hex).map_err(|_| SigV4Error::SignatureMismatch)?;
        if !chained_signature_matches(self.secret, scope, &sts, &expected) {
            return Err(SigV4Error::SignatureMismatch);
        }
        self.previous = signature_hex.to_ascii_lowercase();
        Ok(())
    }
}

/// Splits off one `\r\n`-terminated line.
fn line(body: &[u8], pos: usize) -> Result<(&str, usize), SigV4Error> {
    let rest = body.get(pos..).ok_or_else(|| malformed("truncated"))?;
    let end = rest
        .windows(2)
        .position(|w| w == b"\r\n")
        .ok_or_else(|| malformed("missing CRLF"))?;
    let text =
        std::str::from_utf8(&rest[..end]).map_err(|_| malformed("chunk header is not text"))?;
    Ok((text, pos + end + 2))
}

fn decode(
    body: &[u8],
    mode: StreamingPayload,
    mut chain: Chain<'_>,
) -> Result<Vec<u8>, SigV4Error> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let (header, data_start) = line(body, pos)?;
        let (size, extension) = header.split_once(';').unwrap_or((header, ""));
        let size =
            usize::from_str_radix(size.trim(), 16).map_err(|_| malformed("bad chunk size"))?;
        let data_end = data_start
            .checked_add(size)
            .filter(|end| *end <= body.len())
            .ok_or_else(|| malformed("chunk longer than the body"))?;
        let data = &body[data_start..data_end];
        if mode.signs_chunks() {
            let signature = extension
                .trim()
                .strip_prefix("chunk-signature=")
                .ok_or_else(|| malformed("missing chunk-signature"))?;
            let hashes = format!("{EMPTY_SHA256}\n{}", sha256_hex(data));
            chain.check("PAYLOAD", &hashes, signature)?;
        }
        out.extend_from_slice(data);
        if size == 0 {
            trailer(body, data_start, mode, &mut chain)?;
            return Ok(out);
        }
        if body.get(data_end..data_end + 2) != Some(b"\r\n".as_slice()) {
            return Err(malformed("chunk not followed by CRLF"));
        }
        pos = data_end + 2;
    }
}

/// What follows the final chunk: trailer lines (checksums, and the trailer signature when it is
/// signed) up to an empty line.
fn trailer(
    body: &[u8],
    mut pos: usize,
    mode: StreamingPayload,
    chain: &mut Chain<'_>,
) -> Result<(), SigV4Error> {
    let mut canonical = String::new();
    let mut signature = None;
    while pos < body.len() {
        let (text, next) = line(body, pos)?;
        pos = next;
        if text.is_empty() {
            break;
        }
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| malformed("bad trailer line"))?;
        let name = name.trim().to_ascii_lowercase();
        if name == "x-amz-trailer-signature" {
            signature = Some(value.trim().to_owned());
        } else {
            canonical.push_str(&format!("{name}:{}\n", value.trim()));
        }
    }
    match (mode, signature) {
        (StreamingPayload::SignedTrailer, Some(sig)) => {
            chain.check("TRAILER", &sha256_hex(canonical.as_bytes()), &sig)
        }
        (StreamingPayload::SignedTrailer, None) => {
            Err(malformed("missing x-amz-trailer-signature"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;
    use crate::crypto::chained_signature;
    use crate::parse::parse_authorization;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const SEED: &str = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
    /// 2013-05-24T00:00:00Z, the time of AWS's example.
    const T: i64 = 1_369_353_600;

    fn headers(content_sha: &str, decoded_len: usize, content_len: usize, seed: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        let mut put = |k: &'static str, v: String| {
            h.insert(k, HeaderValue::from_str(&v).unwrap());
        };
        put("host", "s3.amazonaws.com".into());
        put("x-amz-date", "20130524T000000Z".into());
        put("x-amz-storage-class", "REDUCED_REDUNDANCY".into());
        put("content-encoding", "aws-chunked".into());
        put("x-amz-content-sha256", content_sha.into());
        put("x-amz-decoded-content-length", decoded_len.to_string());
        put("content-length", content_len.to_string());
        put(
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
                 SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;\
                 x-amz-decoded-content-length;x-amz-storage-class,Signature={seed}"
            ),
        );
        h
    }

    /// The chunked body of AWS's example, signed chunk by chunk from `seed`.
    fn example_body(seed: &str, tamper: bool) -> Vec<u8> {
        let scope = crate::parse::CredentialScope {
            date: "20130524".into(),
            region: "us-east-1".into(),
            service: "s3".into(),
        };
        let mut previous = seed.to_owned();
        let mut body = Vec::new();
        for size in [65536usize, 1024, 0] {
            let data = vec![b'a'; size];
            let sts = format!(
                "AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n{}\n{previous}\n{EMPTY_SHA256}\n{}",
                scope.to_scope_string(),
                sha256_hex(&data)
            );
            previous = chained_signature(SECRET, &scope, &sts);
            body.extend_from_slice(format!("{size:x};chunk-signature={previous}\r\n").as_bytes());
            body.extend_from_slice(&data);
            body.extend_from_slice(b"\r\n");
        }
        if tamper {
            body[200] = b'b';
        }
        body
    }

    fn run(body: &[u8], decoded_len: usize) -> Result<Vec<u8>, SigV4Error> {
        // The example's signed Content-Length, whatever body is sent.
        let headers = headers(
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            decoded_len,
            66824,
            SEED,
        );
        let req = SignedRequest {
            method: "PUT",
            raw_path: "/examplebucket/chunkObject.txt",
            raw_query: "",
            headers: &headers,
            body,
        };
        let auth = parse_authorization(&req)?;
        verify_chunked(&req, &auth, SECRET, T)
    }

    /// AWS's documented example: seed signature and the three chunk signatures.
    #[test]
    fn aws_example_verifies_and_decodes() {
        let body = example_body(SEED, false);
        assert_eq!(body.len(), 66824, "the example's Content-Length");
        let text = String::from_utf8_lossy(&body[..100]);
        assert!(
            text.starts_with("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"),
            "{text}"
        );
        assert!(String::from_utf8_lossy(&body).contains(
            "0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"
        ));
        let decoded = run(&body, 66560).unwrap();
        assert_eq!(decoded, vec![b'a'; 66560]);
    }

    #[test]
    fn tampering_and_bad_lengths_are_refused() {
        assert_eq!(
            run(&example_body(SEED, true), 66560),
            Err(SigV4Error::SignatureMismatch)
        );
        // The decoded length is a signed header: changing it breaks the seed signature.
        assert_eq!(
            run(&example_body(SEED, false), 5),
            Err(SigV4Error::SignatureMismatch)
        );
        let mut truncated = example_body(SEED, false);
        truncated.truncate(1000);
        assert!(matches!(
            run(&truncated, 66560),
            Err(SigV4Error::Incomplete(_))
        ));
    }

    #[test]
    fn unsigned_trailer_form_decodes() {
        let body = b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n";
        let auth = Authorization {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            scope: crate::parse::CredentialScope {
                date: "20130524".into(),
                region: "us-east-1".into(),
                service: "s3".into(),
            },
            signed_headers: vec![],
            signature: vec![],
            amz_date: "20130524T000000Z".into(),
            security_token: None,
            presigned_expires: None,
        };
        let chain = Chain {
            secret: SECRET,
            auth: &auth,
            previous: String::new(),
        };
        assert_eq!(
            decode(body, StreamingPayload::UnsignedTrailer, chain).unwrap(),
            b"hello"
        );
    }

    #[test]
    fn headers_signed_for_a_streaming_form_verify() {
        use crate::{Credentials, Payload, SigningParams, UriEncoding, parse_authorization, sign};
        let mut headers = HeaderMap::new();
        headers.insert("host", http::HeaderValue::from_static("127.0.0.1:4570"));
        let body = b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n";
        let request = SignedRequest {
            method: "PUT",
            raw_path: "/bucket/key",
            raw_query: "",
            headers: &headers,
            body,
        };
        let params = SigningParams {
            credentials: Credentials {
                access_key_id: "AKIAIOSFODNN7EXAMPLE",
                secret_access_key: SECRET,
                session_token: None,
            },
            region: "us-east-1",
            service: "s3",
            time_unix_secs: 1_700_000_000,
            encoding: UriEncoding::S3,
            payload: Payload::Streaming(StreamingPayload::UnsignedTrailer),
        };
        let added = sign(&request, &params).unwrap();
        let mut signed = headers.clone();
        for (name, value) in &added {
            signed.insert(name, value.clone());
        }
        let request = SignedRequest {
            headers: &signed,
            ..request
        };
        let auth = parse_authorization(&request).unwrap();
        assert_eq!(
            verify_chunked(&request, &auth, SECRET, 1_700_000_000).unwrap(),
            b"hello"
        );
        assert!(verify_chunked(&request, &auth, "another secret", 1_700_000_000).is_err());
    }
}
