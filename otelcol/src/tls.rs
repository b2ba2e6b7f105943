//! TLS settings (Alloy's `tls` blocks) and their translation to rustls.
//!
//! Certificates and keys are read from PEM files at start, so a bad path or
//! key shows up as a start error instead of a failing handshake later.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::rustls;

use crate::error::ConfigError;

/// Server-side TLS (`grpc > tls`, `http > tls` of the receiver).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsServerConfig {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    /// When set, clients must present a certificate signed by this CA (mTLS).
    pub client_ca_file: Option<PathBuf>,
}

/// Client-side TLS (`client > tls` of the exporters). Upstream's default is
/// TLS on, verified against the system roots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsClientConfig {
    /// Plaintext; no TLS at all (gRPC exporter only; HTTP uses the URL scheme).
    pub insecure: bool,
    /// Accept any server certificate. For tests against self-signed peers.
    pub insecure_skip_verify: bool,
    pub ca_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub server_name: Option<String>,
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|source| ConfigError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn load_certs(path: &Path) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, ConfigError> {
    let pem = read_file(path)?;
    let certs: Result<Vec<_>, _> = rustls_pemfile::certs(&mut pem.as_slice()).collect();
    let certs = certs.map_err(|e| ConfigError::Tls(format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(ConfigError::Tls(format!(
            "{}: no certificates found",
            path.display()
        )));
    }
    Ok(certs)
}

fn load_key(path: &Path) -> Result<rustls::pki_types::PrivateKeyDer<'static>, ConfigError> {
    let pem = read_file(path)?;
    rustls_pemfile::private_key(&mut pem.as_slice())
        .map_err(|e| ConfigError::Tls(format!("{}: {e}", path.display())))?
        .ok_or_else(|| ConfigError::Tls(format!("{}: no private key found", path.display())))
}

fn root_store(ca_file: Option<&Path>) -> Result<rustls::RootCertStore, ConfigError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(ca) => {
            for c in load_certs(ca)? {
                roots
                    .add(c)
                    .map_err(|e| ConfigError::Tls(format!("{}: {e}", ca.display())))?;
            }
        }
        None => {
            // Unreadable system certificates are skipped, as Go's x509 does.
            for c in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(c);
            }
        }
    }
    Ok(roots)
}

/// A rustls server config for the HTTP receiver, advertising `alpn`.
pub fn server_config(
    cfg: &TlsServerConfig,
    alpn: &[&[u8]],
) -> Result<Arc<rustls::ServerConfig>, ConfigError> {
    let certs = load_certs(&cfg.cert_file)?;
    let key = load_key(&cfg.key_file)?;
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Tls(e.to_string()))?;
    let builder = match &cfg.client_ca_file {
        Some(ca) => {
            let roots = root_store(Some(ca))?;
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider(),
            )
            .build()
            .map_err(|e| ConfigError::Tls(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut sc = builder
        .with_single_cert(certs, key)
        .map_err(|e| ConfigError::Tls(e.to_string()))?;
    sc.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(sc))
}

/// A rustls client config for the HTTP exporter.
pub fn client_config(cfg: &TlsClientConfig) -> Result<rustls::ClientConfig, ConfigError> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Tls(e.to_string()))?;
    let builder = if cfg.insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(danger::AcceptAny(provider())))
    } else {
        builder.with_root_certificates(root_store(cfg.ca_file.as_deref())?)
    };
    match (&cfg.cert_file, &cfg.key_file) {
        (Some(c), Some(k)) => builder
            .with_client_auth_cert(load_certs(c)?, load_key(k)?)
            .map_err(|e| ConfigError::Tls(e.to_string())),
        (None, None) => Ok(builder.with_no_client_auth()),
        _ => Err(ConfigError::invalid(
            "tls",
            "cert_file and key_file must be set together",
        )),
    }
}

mod danger {
    //! `insecure_skip_verify`: signatures are still checked so the handshake
    //! is well-formed, but the chain and name are not.
    use super::rustls;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use std::sync::Arc;

    #[derive(Debug)]
    pub struct AcceptAny(pub Arc<rustls::crypto::CryptoProvider>);

    impl ServerCertVerifier for AcceptAny {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }
        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }
}
