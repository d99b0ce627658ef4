//! SigV4 parsing and verification of arbitrary `Authorization` headers, presigned queries and
//! dates: never a panic, and a request accepted only with the right signature.
#![no_main]

use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use trailroom_sigv4::{SignedRequest, UriEncoding, parse_authorization, verify};

fuzz_target!(|data: &[u8]| {
    // Four fields separated by NUL: Authorization, X-Amz-Date, query, path.
    let mut fields = data.split(|b| *b == 0);
    let authorization = fields.next().unwrap_or_default();
    let date = fields.next().unwrap_or_default();
    let query = String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let path = String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("127.0.0.1:4570"));
    if let Ok(value) = HeaderValue::from_bytes(authorization) {
        headers.insert("authorization", value);
    }
    if let Ok(value) = HeaderValue::from_bytes(date) {
        headers.insert("x-amz-date", value);
    }
    let request = SignedRequest {
        method: "POST",
        raw_path: if path.is_empty() { "/" } else { &path },
        raw_query: &query,
        headers: &headers,
        body: b"Action=GetCallerIdentity",
    };
    if let Ok(auth) = parse_authorization(&request) {
        for encoding in [UriEncoding::Double, UriEncoding::S3] {
            let verified = verify(
                &request,
                &auth,
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                encoding,
                1_700_000_000,
            );
            // Random bytes never make a valid signature.
            assert!(verified.is_err() || auth.signature.len() == 32);
        }
    }
});
