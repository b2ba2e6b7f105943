//! TLS settings (Alloy's `tls` blocks) and their translation to rustls.
//!
//! Certificates and keys are read (from PEM files, or taken from the
//! `*_pem` arguments) at start, so a bad path or key shows up as a start
//! error instead of a failing handshake later.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::rustls;

use crate::error::ConfigError;

/// A PEM document: a file (`*_file`, read at start) or inline contents
/// (`*_pem`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pem {
    File(PathBuf),
    Inline(String),
}

impl Default for Pem {
    fn default() -> Self {
        Pem::Inline(String::new())
    }
}

impl From<PathBuf> for Pem {
    fn from(path: PathBuf) -> Self {
        Pem::File(path)
    }
}

impl Pem {
    pub fn read(&self) -> Result<Vec<u8>, ConfigError> {
        match self {
            Pem::File(path) => read_file(path),
            Pem::Inline(text) => Ok(text.as_bytes().to_vec()),
        }
    }

    /// How errors name it: the path, or `inline PEM`.
    fn describe(&self) -> String {
        match self {
            Pem::File(path) => path.display().to_string(),
            Pem::Inline(_) => "inline PEM".to_owned(),
        }
    }
}

/// A TLS protocol version (`min_version`, `max_version`). rustls implements
/// 1.2 and 1.3 only; Go's 1.0 and 1.1 are refused by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    V1_2,
    V1_3,
}

impl TlsVersion {
    /// Upstream's spellings (`"1.2"`, and the documented `"TLS 1.2"`).
    pub fn parse(text: &str) -> Result<TlsVersion, String> {
        match text.trim().trim_start_matches("TLS").trim() {
            "1.2" => Ok(TlsVersion::V1_2),
            "1.3" => Ok(TlsVersion::V1_3),
            "1.0" | "1.1" => Err(format!(
                "TLS version {text:?} is not supported by this runtime (1.2 or 1.3)"
            )),
            _ => Err(format!("unsupported TLS version: {text:?}")),
        }
    }
}

/// The accepted range of TLS versions; upstream's default is 1.2 to 1.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsVersions {
    pub min: TlsVersion,
    pub max: TlsVersion,
}

impl Default for TlsVersions {
    fn default() -> Self {
        TlsVersions {
            min: TlsVersion::V1_2,
            max: TlsVersion::V1_3,
        }
    }
}

impl TlsVersions {
    fn protocols(&self) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, ConfigError> {
        if self.min > self.max {
            return Err(ConfigError::invalid(
                "tls.min_version",
                "must not be greater than max_version",
            ));
        }
        let mut out = Vec::new();
        if self.min <= TlsVersion::V1_2 {
            out.push(&rustls::version::TLS12);
        }
        if self.max >= TlsVersion::V1_3 {
            out.push(&rustls::version::TLS13);
        }
        Ok(out)
    }

    /// For the tonic (gRPC) side, whose TLS config always offers 1.2 and
    /// 1.3: anything narrower is refused rather than silently widened.
    pub(crate) fn require_default(&self, who: &str) -> Result<(), ConfigError> {
        if *self == TlsVersions::default() {
            return Ok(());
        }
        Err(ConfigError::invalid(
            "tls.min_version/max_version",
            format!("{who} always offers TLS 1.2 and 1.3; narrowing the range is not supported by this runtime yet"),
        ))
    }
}

/// Server-side TLS (`grpc > tls`, `http > tls` of the receiver).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsServerConfig {
    /// `cert_file` or `cert_pem`.
    pub cert: Pem,
    /// `key_file` or `key_pem`.
    pub key: Pem,
    /// When set, clients must present a certificate signed by this CA (mTLS).
    pub client_ca: Option<Pem>,
    pub versions: TlsVersions,
}

/// Client-side TLS (`client > tls` of the exporters). Upstream's default is
/// TLS on, verified against the system roots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsClientConfig {
    /// Plaintext; no TLS at all (gRPC exporter only; HTTP uses the URL scheme).
    pub insecure: bool,
    /// Accept any server certificate. For tests against self-signed peers.
    pub insecure_skip_verify: bool,
    /// `ca_file` or `ca_pem`.
    pub ca: Option<Pem>,
    pub cert: Option<Pem>,
    pub key: Option<Pem>,
    pub server_name: Option<String>,
    pub versions: TlsVersions,
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

fn load_certs(src: &Pem) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, ConfigError> {
    let pem = src.read()?;
    let certs: Result<Vec<_>, _> = rustls_pemfile::certs(&mut pem.as_slice()).collect();
    let certs = certs.map_err(|e| ConfigError::Tls(format!("{}: {e}", src.describe())))?;
    if certs.is_empty() {
        return Err(ConfigError::Tls(format!(
            "{}: no certificates found",
            src.describe()
        )));
    }
    Ok(certs)
}

fn load_key(src: &Pem) -> Result<rustls::pki_types::PrivateKeyDer<'static>, ConfigError> {
    let pem = src.read()?;
    rustls_pemfile::private_key(&mut pem.as_slice())
        .map_err(|e| ConfigError::Tls(format!("{}: {e}", src.describe())))?
        .ok_or_else(|| ConfigError::Tls(format!("{}: no private key found", src.describe())))
}

fn root_store(ca: Option<&Pem>) -> Result<rustls::RootCertStore, ConfigError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(ca) => {
            for c in load_certs(ca)? {
                roots
                    .add(c)
                    .map_err(|e| ConfigError::Tls(format!("{}: {e}", ca.describe())))?;
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
    let certs = load_certs(&cfg.cert)?;
    let key = load_key(&cfg.key)?;
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&cfg.versions.protocols()?)
        .map_err(|e| ConfigError::Tls(e.to_string()))?;
    let builder = match &cfg.client_ca {
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
        .with_protocol_versions(&cfg.versions.protocols()?)
        .map_err(|e| ConfigError::Tls(e.to_string()))?;
    let builder = if cfg.insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(danger::AcceptAny(provider())))
    } else {
        builder.with_root_certificates(root_store(cfg.ca.as_ref())?)
    };
    match (&cfg.cert, &cfg.key) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_bound() {
        assert_eq!(TlsVersion::parse("1.2"), Ok(TlsVersion::V1_2));
        assert_eq!(TlsVersion::parse("TLS 1.3"), Ok(TlsVersion::V1_3));
        assert!(TlsVersion::parse("1.1")
            .expect_err("1.1 is refused")
            .contains("not supported by this runtime"));
        assert!(TlsVersion::parse("2.0").is_err());
        let only13 = TlsVersions {
            min: TlsVersion::V1_3,
            max: TlsVersion::V1_3,
        };
        assert_eq!(only13.protocols().map(|p| p.len()).ok(), Some(1));
        assert_eq!(
            TlsVersions::default().protocols().map(|p| p.len()).ok(),
            Some(2)
        );
        let backwards = TlsVersions {
            min: TlsVersion::V1_3,
            max: TlsVersion::V1_2,
        };
        assert!(backwards.protocols().is_err());
        assert!(only13.require_default("x").is_err());
        assert!(TlsVersions::default().require_default("x").is_ok());
    }

    #[test]
    fn inline_pem_that_is_not_pem_is_a_config_error() {
        let cfg = TlsServerConfig {
            cert: Pem::Inline("not a certificate".into()),
            key: Pem::Inline("not a key".into()),
            ..Default::default()
        };
        let e = server_config(&cfg, &[]).err().map(|e| e.to_string());
        assert!(
            e.as_deref().is_some_and(|e| e.contains("inline PEM")),
            "{e:?}"
        );
    }
}
