//! The JSON envelopes SNS POSTs to HTTP subscribers (`Notification`, `SubscriptionConfirmation`)
//! and their signatures.
//!
//! Signatures follow SNS's `SignatureVersion` 2 (SHA256withRSA over the documented
//! `Name\nValue\n` string of the signed fields). The key is generated per process, with a
//! self-signed certificate that the server publishes at [`SIGNING_CERT_PATH`], the envelope's
//! `SigningCertURL`.

use std::sync::OnceLock;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::Engine as _;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};

/// `SignatureVersion` of every envelope.
pub const SIGNATURE_VERSION: &str = "2";

/// `Timestamp`: ISO 8601 with milliseconds, as SNS writes it.
pub fn timestamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn encode(value: &str) -> String {
    utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()
}

/// The link that confirms a subscription.
pub fn subscribe_url(service_url: &str, topic_arn: &str, token: &str) -> String {
    format!(
        "{service_url}/?Action=ConfirmSubscription&TopicArn={}&Token={}",
        encode(topic_arn),
        encode(token)
    )
}

/// The link that ends a subscription.
pub fn unsubscribe_url(service_url: &str, subscription_arn: &str) -> String {
    format!(
        "{service_url}/?Action=Unsubscribe&SubscriptionArn={}",
        encode(subscription_arn)
    )
}

/// Where the server publishes the signing certificate.
pub const SIGNING_CERT_PATH: &str = "/_trailroom/sns/SimpleNotificationService.pem";

fn signing_cert_url(service_url: &str) -> String {
    format!("{service_url}{SIGNING_CERT_PATH}")
}

/// A notification for one subscription.
pub struct Notification<'a> {
    pub message_id: &'a str,
    pub topic_arn: &'a str,
    pub subject: Option<&'a str>,
    pub message: &'a str,
    pub timestamp: &'a str,
    pub service_url: &'a str,
    pub subscription_arn: &'a str,
    pub message_attributes: &'a Map<String, Value>,
}

/// The `Notification` envelope.
pub fn notification(n: &Notification<'_>) -> String {
    let mut signed = vec![("Message", n.message), ("MessageId", n.message_id)];
    if let Some(subject) = n.subject {
        signed.push(("Subject", subject));
    }
    signed.extend([
        ("Timestamp", n.timestamp),
        ("TopicArn", n.topic_arn),
        ("Type", "Notification"),
    ]);
    let mut envelope = json!({
        "Type": "Notification",
        "MessageId": n.message_id,
        "TopicArn": n.topic_arn,
    });
    if let Some(subject) = n.subject {
        envelope["Subject"] = subject.into();
    }
    envelope["Message"] = n.message.into();
    envelope["Timestamp"] = n.timestamp.into();
    envelope["SignatureVersion"] = SIGNATURE_VERSION.into();
    envelope["Signature"] = sign(&signed).into();
    envelope["SigningCertURL"] = signing_cert_url(n.service_url).into();
    envelope["UnsubscribeURL"] = unsubscribe_url(n.service_url, n.subscription_arn).into();
    if !n.message_attributes.is_empty() {
        envelope["MessageAttributes"] = Value::Object(n.message_attributes.clone());
    }
    envelope.to_string()
}

/// The `SubscriptionConfirmation` envelope.
pub fn subscription_confirmation(
    message_id: &str,
    topic_arn: &str,
    token: &str,
    timestamp: &str,
    service_url: &str,
) -> String {
    let message = format!(
        "You have chosen to subscribe to the topic {topic_arn}.\nTo confirm the subscription, visit \
         the SubscribeURL included in this message."
    );
    let subscribe = subscribe_url(service_url, topic_arn, token);
    let signed = [
        ("Message", message.as_str()),
        ("MessageId", message_id),
        ("SubscribeURL", subscribe.as_str()),
        ("Timestamp", timestamp),
        ("Token", token),
        ("TopicArn", topic_arn),
        ("Type", "SubscriptionConfirmation"),
    ];
    json!({
        "Type": "SubscriptionConfirmation",
        "MessageId": message_id,
        "Token": token,
        "TopicArn": topic_arn,
        "Message": message,
        "SubscribeURL": subscribe,
        "Timestamp": timestamp,
        "SignatureVersion": SIGNATURE_VERSION,
        "Signature": sign(&signed),
        "SigningCertURL": signing_cert_url(service_url),
    })
    .to_string()
}

/// The string SNS signs: each field as `Name\nValue\n`, in the documented order.
pub fn string_to_sign(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(name, value)| format!("{name}\n{value}\n"))
        .collect()
}

/// The signing key and its self-signed certificate (PEM), made once per process.
struct Signer {
    key: KeyPair,
    certificate_pem: String,
}

fn signer() -> Option<&'static Signer> {
    static SIGNER: OnceLock<Option<Signer>> = OnceLock::new();
    SIGNER.get_or_init(make_signer).as_ref()
}

fn make_signer() -> Option<Signer> {
    let key = KeyPair::generate(KeySize::Rsa2048).ok()?;
    let pkcs8 = AsDer::<Pkcs8V1Der<'static>>::as_der(&key).ok()?;
    // The same key, in rcgen's type, signs the certificate.
    let cert_key = rcgen::KeyPair::try_from(pkcs8.as_ref()).ok()?;
    let mut params = rcgen::CertificateParams::new(vec!["sns.trailroom.local".to_owned()]).ok()?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "sns.trailroom.local");
    let certificate_pem = params.self_signed(&cert_key).ok()?.pem();
    Some(Signer {
        key,
        certificate_pem,
    })
}

/// The PEM certificate whose key signs every envelope of this process.
pub fn signing_certificate() -> Option<&'static str> {
    signer().map(|s| s.certificate_pem.as_str())
}

/// Base64 SHA256withRSA signature of the fields (empty if no key could be made).
fn sign(fields: &[(&str, &str)]) -> String {
    let Some(Signer { key, .. }) = signer() else {
        return String::new();
    };
    let mut signature = vec![0; key.public_modulus_len()];
    match key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        string_to_sign(fields).as_bytes(),
        &mut signature,
    ) {
        Ok(()) => base64::engine::general_purpose::STANDARD.encode(signature),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notification_envelope_has_every_field() {
        let attrs = Map::new();
        let body = notification(&Notification {
            message_id: "id-1",
            topic_arn: "arn:aws:sns:us-east-1:123456789012:t",
            subject: Some("subj"),
            message: "{\"s3Bucket\":\"b\"}",
            timestamp: "2026-01-01T00:00:00.000Z",
            service_url: "http://127.0.0.1:4570",
            subscription_arn: "arn:aws:sns:us-east-1:123456789012:t:abc",
            message_attributes: &attrs,
        });
        let v: Value = serde_json::from_str(&body).unwrap();
        for field in [
            "Type",
            "MessageId",
            "TopicArn",
            "Subject",
            "Message",
            "Timestamp",
            "SignatureVersion",
            "Signature",
            "SigningCertURL",
            "UnsubscribeURL",
        ] {
            assert!(v.get(field).is_some(), "{field}");
        }
        assert_eq!(v["Message"], "{\"s3Bucket\":\"b\"}");
        assert_eq!(
            v["UnsubscribeURL"],
            "http://127.0.0.1:4570/?Action=Unsubscribe&SubscriptionArn=arn%3Aaws%3Asns%3Aus%2Deast%2D1%3A123456789012%3At%3Aabc"
        );
        let raw = base64::engine::general_purpose::STANDARD
            .decode(v["Signature"].as_str().unwrap())
            .unwrap();
        assert_eq!(raw.len(), 256);
        // The signature verifies with the published certificate's key.
        use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
        let signed = string_to_sign(&[
            ("Message", "{\"s3Bucket\":\"b\"}"),
            ("MessageId", "id-1"),
            ("Subject", "subj"),
            ("Timestamp", "2026-01-01T00:00:00.000Z"),
            ("TopicArn", "arn:aws:sns:us-east-1:123456789012:t"),
            ("Type", "Notification"),
        ]);
        let public = signer().unwrap().key.public_key().as_ref().to_vec();
        let key = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public);
        assert!(key.verify(signed.as_bytes(), &raw).is_ok());
        assert!(key.verify(b"other", &raw).is_err());
        assert!(
            signing_certificate()
                .unwrap()
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
    }

    #[test]
    fn signed_string_and_confirmation() {
        assert_eq!(string_to_sign(&[("A", "1"), ("B", "2")]), "A\n1\nB\n2\n");
        let body = subscription_confirmation(
            "m",
            "arn:aws:sns:us-east-1:123456789012:t",
            "tok",
            "ts",
            "http://h:1",
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["Type"], "SubscriptionConfirmation");
        assert_eq!(
            v["SubscribeURL"],
            "http://h:1/?Action=ConfirmSubscription&TopicArn=arn%3Aaws%3Asns%3Aus%2Deast%2D1%3A123456789012%3At&Token=tok"
        );
        assert_eq!(timestamp(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
    }
}
