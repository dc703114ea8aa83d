//! STARTTLS on the receiving side: a certificate chain and key from PEM files (rustls, ring).

use std::path::Path;

use tokio_rustls::TlsAcceptor;

pub use mamori_tls::TlsError;

/// A loaded server certificate, ready for STARTTLS.
#[derive(Clone)]
pub struct TlsConfig {
    pub(crate) acceptor: TlsAcceptor,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsConfig(..)")
    }
}

impl TlsConfig {
    /// `cert`: PEM chain (leaf first); `key`: PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<TlsConfig, TlsError> {
        Ok(TlsConfig {
            acceptor: TlsAcceptor::from(mamori_tls::server_config(cert, key, &[])?),
        })
    }
}
