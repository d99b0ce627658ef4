//! One signed HTTP/1.1 connection to an endpoint: builds each request from a [`Call`], signs it
//! with SigV4 (`trailroom_sigv4::sign`) at the moment it is sent, and reconnects when the server
//! closed the connection (Python peers answer HTTP/1.0 and close after each response).
//!
//! Knows nothing about workloads or measurements: it sends one call and returns what came back.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, anyhow};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, header};
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use trailroom_sigv4::{Credentials, Payload, SignedRequest, SigningParams, UriEncoding};

/// AWS JSON 1.1 bodies.
pub const JSON_11: &str = "application/x-amz-json-1.1";
/// AWS Query bodies, as botocore sends them.
pub const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// One request to make: everything that differs between workloads.
#[derive(Debug, Clone)]
pub struct Call {
    /// HTTP method.
    pub method: Method,
    /// Path and optional query, e.g. `/`, `/bucket` or `/bucket?policy`.
    pub path: String,
    /// The SigV4 signing name (`a4b`, `cloudtrail`, `sts`, `s3`).
    pub service: &'static str,
    /// `X-Amz-Target` for JSON 1.1 calls.
    pub target: Option<String>,
    /// `Content-Type`, when there is a body.
    pub content_type: Option<&'static str>,
    /// The body bytes.
    pub body: Bytes,
}

impl Call {
    /// An AWS JSON 1.1 call: `POST /` with `X-Amz-Target`.
    pub fn json(
        service: &'static str,
        target: impl Into<String>,
        body: &serde_json::Value,
    ) -> Self {
        Self {
            method: Method::POST,
            path: "/".into(),
            service,
            target: Some(target.into()),
            content_type: Some(JSON_11),
            body: Bytes::from(body.to_string()),
        }
    }

    /// An S3 REST call (path style): `path` may carry a query (`/bucket?policy`).
    pub fn s3(method: Method, path: impl Into<String>, body: Bytes) -> Self {
        Self {
            method,
            path: path.into(),
            service: "s3",
            target: None,
            content_type: None,
            body,
        }
    }

    /// An AWS Query call: `POST /` with a form body.
    pub fn query(service: &'static str, params: &[(&str, &str)]) -> Self {
        let body = serde_urlencoded::to_string(params).unwrap_or_default();
        Self {
            method: Method::POST,
            path: "/".into(),
            service,
            target: None,
            content_type: Some(FORM),
            body: Bytes::from(body),
        }
    }
}

/// Who signs, and for which region.
#[derive(Clone)]
pub struct Auth {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key. Never printed.
    pub secret_access_key: String,
    /// Session token of a temporary key.
    pub session_token: Option<String>,
    /// Region in the credential scope.
    pub region: String,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// The answer to one call.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The whole body.
    pub body: Bytes,
}

/// A keep-alive connection to `host` (`ip:port`) that signs what it sends.
pub struct Connection {
    host: String,
    host_header: HeaderValue,
    auth: Auth,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    /// A connection to `host`; the TCP connection opens on the first call.
    pub fn new(host: &str, auth: Auth) -> anyhow::Result<Self> {
        let host_header = HeaderValue::from_str(host).context("bad endpoint host")?;
        Ok(Self {
            host: host.to_owned(),
            host_header,
            auth,
            sender: None,
        })
    }

    /// Sends `call` (signed now) and reads the whole answer. Reconnects first when needed.
    pub async fn send(&mut self, call: &Call) -> anyhow::Result<Answer> {
        let request = self.signed_request(call)?;
        let sender = self.ready_sender().await?;
        let sent = sender.send_request(request).await;
        let response = match sent {
            Ok(response) => response,
            Err(err) => {
                self.sender = None;
                return Err(anyhow!(err).context("request failed"));
            }
        };
        let status = response.status().as_u16();
        let body = response.into_body().collect().await;
        let body = match body {
            Ok(body) => body.to_bytes(),
            Err(err) => {
                self.sender = None;
                return Err(anyhow!(err).context("reading the response failed"));
            }
        };
        Ok(Answer { status, body })
    }

    /// The open sender, or a new connection when there is none or the server closed it.
    async fn ready_sender(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        let usable = match self.sender.as_mut() {
            Some(sender) => sender.ready().await.is_ok(),
            None => false,
        };
        if !usable {
            self.sender = Some(self.connect().await?);
        }
        Ok(self.sender.as_mut().expect("just connected"))
    }

    async fn connect(&self) -> anyhow::Result<SendRequest<Full<Bytes>>> {
        let stream = TcpStream::connect(&self.host)
            .await
            .with_context(|| format!("cannot connect to {}", self.host))?;
        // Small requests and answers: send each at once rather than waiting for more bytes.
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Ends when the server closes the connection or the sender is dropped.
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// Builds the HTTP request for `call` and signs it at the current time.
    fn signed_request(&self, call: &Call) -> anyhow::Result<Request<Full<Bytes>>> {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, self.host_header.clone());
        if let Some(content_type) = call.content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        if let Some(target) = &call.target {
            headers.insert("x-amz-target", HeaderValue::from_str(target)?);
        }
        let signed = self.sign(call, &headers)?;
        headers.extend(signed);
        headers.insert(
            header::USER_AGENT,
            HeaderValue::from_static("trailroom-bench/0.1"),
        );
        let mut request = Request::builder()
            .method(call.method.clone())
            .uri(&call.path)
            .body(Full::new(call.body.clone()))?;
        *request.headers_mut() = headers;
        Ok(request)
    }

    fn sign(&self, call: &Call, headers: &HeaderMap) -> anyhow::Result<HeaderMap> {
        let s3 = call.service == "s3";
        let (raw_path, raw_query) = call.path.split_once('?').unwrap_or((&call.path, ""));
        let request = SignedRequest {
            method: call.method.as_str(),
            raw_path,
            raw_query,
            headers,
            body: &call.body,
        };
        let params = SigningParams {
            credentials: Credentials {
                access_key_id: &self.auth.access_key_id,
                secret_access_key: &self.auth.secret_access_key,
                session_token: self.auth.session_token.as_deref(),
            },
            region: &self.auth.region,
            service: call.service,
            time_unix_secs: unix_now(),
            encoding: if s3 {
                UriEncoding::S3
            } else {
                UriEncoding::Double
            },
            payload: if s3 {
                Payload::HashHeader
            } else {
                Payload::Hash
            },
        };
        trailroom_sigv4::sign(&request, &params).map_err(|e| anyhow!("cannot sign: {e}"))
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// The AWS error code in an error answer: JSON `__type` (without any `prefix#`) or Query XML
/// `<Code>`; `HTTP <status>` when neither is there.
pub fn error_code(answer: &Answer) -> String {
    let text = String::from_utf8_lossy(&answer.body);
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
        let code = value.get("__type").or_else(|| value.get("code"));
        if let Some(code) = code.and_then(|c| c.as_str()) {
            return code.rsplit('#').next().unwrap_or(code).to_owned();
        }
    }
    if let Some(start) = text.find("<Code>") {
        let rest = &text[start + 6..];
        if let Some(end) = rest.find("</Code>") {
            return rest[..end].to_owned();
        }
    }
    format!("HTTP {}", answer.status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn error_codes_come_from_json_xml_or_status() {
        let json = answer(
            400,
            r#"{"__type":"com.amazon#NotFoundException","message":"x"}"#,
        );
        assert_eq!(error_code(&json), "NotFoundException");
        let xml = answer(
            403,
            "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>",
        );
        assert_eq!(error_code(&xml), "InvalidClientTokenId");
        assert_eq!(error_code(&answer(502, "bad gateway")), "HTTP 502");
    }

    #[test]
    fn signed_requests_verify_with_the_server_side_verifier() {
        let auth = Auth {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
            region: "us-east-1".into(),
        };
        let conn = Connection::new("127.0.0.1:9", auth).unwrap();
        let call = Call::json(
            "a4b",
            "AlexaForBusiness.GetRoom",
            &serde_json::json!({"RoomArn": "x"}),
        );
        let request = conn.signed_request(&call).unwrap();
        let (parts, body) = request.into_parts();
        let body = futures_body(body);
        let signed = SignedRequest {
            method: "POST",
            raw_path: "/",
            raw_query: "",
            headers: &parts.headers,
            body: &body,
        };
        let authz = trailroom_sigv4::parse_authorization(&signed).unwrap();
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        let now = unix_now();
        trailroom_sigv4::verify(&signed, &authz, secret, UriEncoding::Double, now).unwrap();
        assert!(
            trailroom_sigv4::verify(&signed, &authz, "wrong", UriEncoding::Double, now).is_err()
        );
    }

    fn futures_body(body: Full<Bytes>) -> Bytes {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async { body.collect().await.unwrap().to_bytes() })
    }
}
