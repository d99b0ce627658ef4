//! The client side of the admin API: `trailroom admin a4b --endpoint URL`, and any admin
//! command whose data directory a running server holds. Sends `POST /admin/a4b/<action>`
//! SigV4-signed (signing name `trailroom`) with an account's root key.

use anyhow::{Context as _, anyhow, bail};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, header};
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use trailroom_sigv4::{Credentials, Payload, SignedRequest, SigningParams, UriEncoding};

/// A root key to sign admin calls with.
#[derive(Debug, Clone)]
pub struct RootKey {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
}

/// Runs admin action `action` with `args` on the server at `endpoint`; its JSON answer.
pub async fn run_action(
    endpoint: &str,
    key: &RootKey,
    action: &str,
    args: &serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let uri: http::Uri = endpoint
        .parse()
        .with_context(|| format!("--endpoint {endpoint:?} is not a URL"))?;
    if uri.scheme_str() != Some("http") {
        bail!("--endpoint must be an http:// URL, not {endpoint:?}");
    }
    let authority = uri
        .authority()
        .ok_or_else(|| anyhow!("--endpoint {endpoint:?} names no host"))?
        .clone();
    let path = format!("/admin/a4b/{action}");
    let body = Bytes::from(args.to_string());
    let mut headers = HeaderMap::new();
    headers.insert(header::HOST, HeaderValue::from_str(authority.as_str())?);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let signed = SignedRequest {
        method: "POST",
        raw_path: &path,
        raw_query: "",
        headers: &headers,
        body: &body,
    };
    let params = SigningParams {
        credentials: Credentials {
            access_key_id: &key.access_key_id,
            secret_access_key: &key.secret_access_key,
            session_token: None,
        },
        region: trailroom_a4b::REGION,
        service: "trailroom",
        time_unix_secs: crate::cli::time::now_ms() / 1000,
        encoding: UriEncoding::Double,
        payload: Payload::Hash,
    };
    let added = trailroom_sigv4::sign(&signed, &params).map_err(|e| anyhow!("cannot sign: {e}"))?;
    headers.extend(added);
    let mut request = Request::post(&path).body(Full::new(body))?;
    *request.headers_mut() = headers;
    let port = authority.port_u16().unwrap_or(80);
    let stream = tokio::net::TcpStream::connect((authority.host(), port))
        .await
        .with_context(|| format!("cannot connect to {endpoint}"))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    let value: serde_json::Value = serde_json::from_slice(&body)
        .with_context(|| format!("{endpoint} answered {status} with no JSON"))?;
    if !status.is_success() {
        let code = value["__type"].as_str().unwrap_or("error");
        let message = value["message"].as_str().unwrap_or_default();
        bail!("{code}: {message}");
    }
    Ok(value)
}
