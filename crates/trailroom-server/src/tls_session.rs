//! What a TLS connection negotiated, as CloudTrail records it in `tlsDetails`: the protocol
//! version (`TLSv1.3`), the cipher suite (IANA names for TLS 1.3, OpenSSL names for TLS 1.2, as
//! AWS's records show them), the key exchange group, and the Host header the client sent.

use serde_json::{Value, json};
use tokio_rustls::rustls::{CipherSuite, NamedGroup, ProtocolVersion, ServerConnection};

/// One connection's negotiated parameters, carried on each of its requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSession {
    /// `TLSv1.2` or `TLSv1.3`.
    pub version: String,
    /// The cipher suite.
    pub cipher_suite: String,
    /// The key exchange group (`x25519`, `secp256r1`, `X25519MLKEM768`), when known.
    pub key_exchange: Option<String>,
}

impl TlsSession {
    /// What `conn` negotiated; `None` before the handshake is done.
    pub fn of(conn: &ServerConnection) -> Option<Self> {
        let version = match conn.protocol_version()? {
            ProtocolVersion::TLSv1_3 => "TLSv1.3".to_owned(),
            ProtocolVersion::TLSv1_2 => "TLSv1.2".to_owned(),
            other => format!("{other:?}"),
        };
        let cipher_suite = suite_name(conn.negotiated_cipher_suite()?.suite());
        let key_exchange = conn
            .negotiated_key_exchange_group()
            .map(|group| group_name(group.name()));
        Some(Self {
            version,
            cipher_suite,
            key_exchange,
        })
    }

    /// `tlsDetails` for a request that named `host` in its Host header.
    pub fn details(&self, host: &str) -> Value {
        let mut details = json!({
            "tlsVersion": self.version,
            "cipherSuite": self.cipher_suite,
            "clientProvidedHostHeader": host,
        });
        if let Some(group) = &self.key_exchange {
            details["keyExchange"] = group.clone().into();
        }
        details
    }
}

/// A cipher suite as CloudTrail names it.
fn suite_name(suite: CipherSuite) -> String {
    let openssl = match suite {
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "ECDHE-ECDSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "ECDHE-ECDSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "ECDHE-ECDSA-CHACHA20-POLY1305"
        }
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "ECDHE-RSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "ECDHE-RSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-RSA-CHACHA20-POLY1305",
        other => {
            let name = format!("{other:?}");
            return match name.strip_prefix("TLS13_") {
                Some(rest) => format!("TLS_{rest}"),
                None => name,
            };
        }
    };
    openssl.to_owned()
}

/// A key exchange group as CloudTrail names it.
fn group_name(group: NamedGroup) -> String {
    match group {
        NamedGroup::X25519 => "x25519".to_owned(),
        NamedGroup::secp256r1 => "secp256r1".to_owned(),
        NamedGroup::secp384r1 => "secp384r1".to_owned(),
        NamedGroup::secp521r1 => "secp521r1".to_owned(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_and_groups_are_named_as_cloudtrail_names_them() {
        assert_eq!(
            suite_name(CipherSuite::TLS13_AES_128_GCM_SHA256),
            "TLS_AES_128_GCM_SHA256"
        );
        assert_eq!(
            suite_name(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
            "ECDHE-RSA-AES128-GCM-SHA256"
        );
        assert_eq!(group_name(NamedGroup::X25519), "x25519");
        assert_eq!(group_name(NamedGroup::X25519MLKEM768), "X25519MLKEM768");
        let session = TlsSession {
            version: "TLSv1.3".into(),
            cipher_suite: "TLS_AES_128_GCM_SHA256".into(),
            key_exchange: Some("x25519".into()),
        };
        assert_eq!(
            session.details("a4b.us-east-1.amazonaws.com"),
            json!({"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                   "clientProvidedHostHeader": "a4b.us-east-1.amazonaws.com", "keyExchange": "x25519"})
        );
    }
}
