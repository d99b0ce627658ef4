//! HTTPS for clients that insist on it: a certificate and key from PEM files, or a self-signed
//! certificate for `localhost`, `127.0.0.1` and `::1` generated at start (its PEM written to
//! `<data dir>/tls/self-signed.pem` so clients can trust it: `--ca-bundle`, `AWS_CA_BUNDLE`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;

/// Where a server's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// PEM files: the certificate chain and its private key.
    Files {
        /// Certificate chain (PEM).
        cert: PathBuf,
        /// Private key (PEM).
        key: PathBuf,
    },
    /// A certificate generated at start for the loopback names.
    SelfSigned,
}

/// The acceptor for `source`; for a self-signed certificate, also the PEM file written.
pub fn acceptor(
    source: &TlsSource,
    data_dir: &Path,
) -> anyhow::Result<(TlsAcceptor, Option<PathBuf>)> {
    let (chain, key, written) = match source {
        TlsSource::Files { cert, key } => {
            let chain = CertificateDer::pem_file_iter(cert)
                .with_context(|| format!("cannot read certificate {}", cert.display()))?
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| format!("{} is not a PEM certificate chain", cert.display()))?;
            if chain.is_empty() {
                bail!("{} holds no certificate", cert.display());
            }
            let key = PrivateKeyDer::from_pem_file(key)
                .with_context(|| format!("{} is not a PEM private key", key.display()))?;
            (chain, key, None)
        }
        TlsSource::SelfSigned => {
            let names = ["localhost", "127.0.0.1", "::1"]
                .map(str::to_owned)
                .to_vec();
            let generated = rcgen::generate_simple_self_signed(names)
                .context("cannot generate a self-signed certificate")?;
            let dir = data_dir.join("tls");
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let pem = dir.join("self-signed.pem");
            std::fs::write(&pem, generated.cert.pem())
                .with_context(|| format!("cannot write {}", pem.display()))?;
            let key = PrivateKeyDer::try_from(generated.signing_key.serialize_der())
                .map_err(|e| anyhow::anyhow!("generated key: {e}"))?;
            (vec![generated.cert.der().clone()], key, Some(pem))
        }
    };
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("no TLS protocol version is available")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the certificate and key do not make a TLS configuration")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((TlsAcceptor::from(Arc::new(config)), written))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_is_written_for_clients() {
        let dir = tempfile::tempdir().unwrap();
        let (_, pem) = acceptor(&TlsSource::SelfSigned, dir.path()).unwrap();
        let pem = pem.unwrap();
        assert!(
            std::fs::read_to_string(&pem)
                .unwrap()
                .contains("BEGIN CERTIFICATE")
        );
        let files = TlsSource::Files {
            cert: pem.clone(),
            key: dir.path().join("missing.pem"),
        };
        assert!(acceptor(&files, dir.path()).is_err());
    }
}
