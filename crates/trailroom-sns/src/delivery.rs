//! HTTP/HTTPS delivery: POSTs a message to a subscriber in the background, with the
//! `x-amz-sns-*` headers, retrying on failure.
//!
//! A 2xx answer is delivered; 5xx, 429, timeouts and connection failures are retried after
//! [`RETRY_DELAYS`]; other answers are permanent failures. Nothing waits on delivery: Publish
//! answers once its event is committed, as SNS answers before delivering.

use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Pauses before the second, third and fourth attempt.
pub const RETRY_DELAYS: [Duration; 3] = [
    Duration::from_millis(500),
    Duration::from_secs(2),
    Duration::from_secs(5),
];

/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// One message for one endpoint.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The subscriber's URL.
    pub url: String,
    /// `Notification`, `SubscriptionConfirmation` or `UnsubscribeConfirmation`.
    pub message_type: &'static str,
    /// `x-amz-sns-message-id`.
    pub message_id: String,
    /// `x-amz-sns-topic-arn`.
    pub topic_arn: String,
    /// `x-amz-sns-subscription-arn` (notifications only).
    pub subscription_arn: Option<String>,
    /// The JSON envelope, or the bare message for raw delivery.
    pub body: String,
    /// Raw message delivery (`x-amz-sns-rawdelivery: true`).
    pub raw: bool,
}

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

fn client() -> &'static HttpClient {
    static CLIENT: OnceLock<HttpClient> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        Client::builder(TokioExecutor::new()).build(connector)
    })
}

/// Delivers `message` in the background.
pub fn send_in_background(message: Outgoing) {
    tokio::spawn(async move {
        if !send_with_retries(&message).await {
            tracing::warn!(url = %message.url, id = %message.message_id, "SNS delivery failed");
        }
    });
}

/// Sends until delivered, refused for good, or out of retries; returns whether it was delivered.
pub async fn send_with_retries(message: &Outgoing) -> bool {
    let mut delays = RETRY_DELAYS.iter();
    loop {
        match send_once(message).await {
            Attempt::Delivered => return true,
            Attempt::GiveUp => return false,
            Attempt::Retry => match delays.next() {
                Some(delay) => tokio::time::sleep(*delay).await,
                None => return false,
            },
        }
    }
}

enum Attempt {
    Delivered,
    Retry,
    GiveUp,
}

async fn send_once(message: &Outgoing) -> Attempt {
    let Ok(request) = build_request(message) else {
        return Attempt::GiveUp;
    };
    match tokio::time::timeout(ATTEMPT_TIMEOUT, client().request(request)).await {
        Ok(Ok(response)) => {
            let status = response.status();
            // Drain the body so the connection can be reused.
            let _ = response.into_body().collect().await;
            if status.is_success() {
                Attempt::Delivered
            } else if status.is_server_error() || status.as_u16() == 429 {
                Attempt::Retry
            } else {
                Attempt::GiveUp
            }
        }
        Ok(Err(err)) => {
            tracing::debug!(%err, url = %message.url, "SNS delivery attempt failed");
            Attempt::Retry
        }
        Err(_) => Attempt::Retry,
    }
}

fn build_request(message: &Outgoing) -> Result<http::Request<Full<Bytes>>, http::Error> {
    let mut request = http::Request::post(&message.url)
        .header(http::header::CONTENT_TYPE, "text/plain; charset=UTF-8")
        .header(
            http::header::USER_AGENT,
            "Amazon Simple Notification Service Agent",
        )
        .header("x-amz-sns-message-type", message.message_type)
        .header("x-amz-sns-message-id", &message.message_id)
        .header("x-amz-sns-topic-arn", &message.topic_arn);
    if let Some(arn) = &message.subscription_arn {
        request = request.header("x-amz-sns-subscription-arn", arn);
    }
    if message.raw {
        request = request.header("x-amz-sns-rawdelivery", "true");
    }
    request.body(Full::new(Bytes::from(message.body.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unreachable_endpoint_is_not_delivered() {
        let message = Outgoing {
            url: "http://127.0.0.1:9/".into(),
            message_type: "Notification",
            message_id: "m".into(),
            topic_arn: "arn:aws:sns:us-east-1:123456789012:t".into(),
            subscription_arn: None,
            body: "{}".into(),
            raw: false,
        };
        let request = build_request(&message).unwrap();
        assert_eq!(request.headers()["x-amz-sns-message-type"], "Notification");
        assert!(matches!(send_once(&message).await, Attempt::Retry));
        let bad = Outgoing {
            url: "not a url".into(),
            ..message
        };
        assert!(matches!(send_once(&bad).await, Attempt::GiveUp));
    }
}
