//! Where a relay's TLS certificate comes from: PEM files its operator
//! keeps (certbot, an office CA, a self-signed one), or ACME (Let's
//! Encrypt), which the relay obtains and renews itself over the TLS-ALPN
//! challenge on its HTTPS port. Turned into what iroh-relay's server takes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use iroh_relay::server::{AcmeConfig, CertConfig};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::RelayError;

/// The relay's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Certificate {
    /// A PEM certificate chain and its key (read at start: restart the
    /// relay after renewing them).
    Files {
        /// The certificate chain.
        cert: PathBuf,
        /// Its private key.
        key: PathBuf,
    },
    /// Let's Encrypt, for these names.
    Acme {
        /// The relay's DNS names (each must point at it).
        domains: Vec<String>,
        /// The operator's e-mail address, for Let's Encrypt's notices.
        contact: String,
        /// Where certificates and the account are kept across restarts
        /// (Let's Encrypt limits how often a name may be issued one).
        cache: PathBuf,
    },
}

/// What a rustls server config starts from, with the same crypto provider
/// iroh uses.
fn builder()
-> Result<rustls::ConfigBuilder<rustls::ServerConfig, rustls::server::WantsServerCert>, RelayError>
{
    Ok(rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| RelayError::Tls(e.to_string()))?
    .with_no_client_auth())
}

impl Certificate {
    /// The certificate as iroh-relay's server takes it.
    pub(crate) fn cert_config(&self) -> Result<CertConfig, RelayError> {
        match self {
            Self::Files { cert, key } => Ok(CertConfig::Manual {
                server_config: load_files(cert, key)?,
            }),
            Self::Acme {
                domains,
                contact,
                cache,
            } => Ok(CertConfig::LetsEncrypt {
                acme_config: AcmeConfig::letsencrypt(true)
                    .domains(domains.clone())
                    .contact(vec![format!("mailto:{contact}")])
                    .cache_path(cache.clone()),
                server_config_builder: builder()?,
            }),
        }
    }
}

/// A rustls server config from a PEM certificate chain and key.
pub(crate) fn load_files(cert: &Path, key: &Path) -> Result<rustls::ServerConfig, RelayError> {
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| {
            RelayError::Tls(format!(
                "cannot read the certificate {}: {e}",
                cert.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(RelayError::Tls(format!(
            "{} holds no certificate",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| RelayError::Tls(format!("cannot read the key {}: {e}", key.display())))?;
    builder()?
        .with_single_cert(certs, key)
        .map_err(|e| RelayError::Tls(format!("the certificate and key do not go together: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_certificate_is_a_clear_error() {
        let files = Certificate::Files {
            cert: "/nonexistent/cert.pem".into(),
            key: "/nonexistent/key.pem".into(),
        };
        let Err(err) = files.cert_config() else {
            panic!("a missing certificate must be an error");
        };
        assert!(
            err.to_string().contains("cannot read the certificate"),
            "{err}"
        );
    }

    #[test]
    fn acme_is_configured_without_touching_the_network() {
        let acme = Certificate::Acme {
            domains: vec!["relay.example.org".into()],
            contact: "ops@example.org".into(),
            cache: "/var/lib/guild-relay/acme".into(),
        };
        assert!(matches!(
            acme.cert_config(),
            Ok(CertConfig::LetsEncrypt { .. })
        ));
    }
}
