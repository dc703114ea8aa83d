//! A server certificate chain and private key from PEM files, as a rustls configuration (ring).
//! `mamori serve --tls-cert/--tls-key` and the relay's STARTTLS both load theirs here.

use mamori_core::Lang;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS certificate {path}: {detail}")]
    Certificate { path: PathBuf, detail: String },
    #[error("cannot read the TLS private key {path}: {detail}")]
    Key { path: PathBuf, detail: String },
    #[error("the TLS certificate and key do not fit together: {0}")]
    Config(String),
}

impl TlsError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (TlsError::Certificate { path, detail }, Lang::Ja) => {
                format!("TLS 証明書 {} を読み取れません: {detail}", path.display())
            }
            (TlsError::Key { path, detail }, Lang::Ja) => {
                format!("TLS 秘密鍵 {} を読み取れません: {detail}", path.display())
            }
            (TlsError::Config(d), Lang::Ja) => {
                format!("TLS 証明書と秘密鍵の組合せが正しくありません: {d}")
            }
            (e, Lang::En) => e.to_string(),
        }
    }
}

/// `cert`: PEM chain (leaf first); `key`: PEM private key (PKCS#8, PKCS#1 or SEC1). `alpn`: the
/// application protocols to offer (empty for none).
pub fn server_config(
    cert: &Path,
    key: &Path,
    alpn: &[&[u8]],
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::Certificate {
            path: cert.to_path_buf(),
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Certificate {
            path: cert.to_path_buf(),
            detail: "no CERTIFICATE block / CERTIFICATE がありません".into(),
        });
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key {
        path: key.to_path_buf(),
        detail: e.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}
