//! aws-chunked bodies (S3's streaming uploads) behind a valid seed signature: every body either
//! decodes or is refused as malformed, never a panic or an endless loop.
#![no_main]

use std::sync::OnceLock;

use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use trailroom_sigv4::{
    Credentials, Payload, SignedRequest, SigningParams, StreamingPayload, UriEncoding,
    parse_authorization, sign, verify_chunked,
};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const NOW: i64 = 1_700_000_000;

/// Headers of a PUT signed for the unsigned-trailer form (chunks are not signed, so any body
/// reaches the decoder), and the signed form (chunks signed: any body reaches the first check).
fn headers(form: StreamingPayload) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("127.0.0.1:4570"));
    headers.insert("content-encoding", HeaderValue::from_static("aws-chunked"));
    let request = SignedRequest {
        method: "PUT",
        raw_path: "/bucket/key",
        raw_query: "",
        headers: &headers,
        body: b"",
    };
    let params = SigningParams {
        credentials: Credentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            secret_access_key: SECRET,
            session_token: None,
        },
        region: "us-east-1",
        service: "s3",
        time_unix_secs: NOW,
        encoding: UriEncoding::S3,
        payload: Payload::Streaming(form),
    };
    let added = sign(&request, &params).expect("signs");
    for (name, value) in &added {
        headers.insert(name, value.clone());
    }
    headers
}

fuzz_target!(|data: &[u8]| {
    static FORMS: OnceLock<[HeaderMap; 2]> = OnceLock::new();
    let forms = FORMS.get_or_init(|| {
        [
            headers(StreamingPayload::UnsignedTrailer),
            headers(StreamingPayload::Signed),
        ]
    });
    for headers in forms {
        let request = SignedRequest {
            method: "PUT",
            raw_path: "/bucket/key",
            raw_query: "",
            headers,
            body: data,
        };
        let auth = parse_authorization(&request).expect("parses");
        if let Ok(decoded) = verify_chunked(&request, &auth, SECRET, NOW) {
            assert!(decoded.len() <= data.len());
        }
    }
});
