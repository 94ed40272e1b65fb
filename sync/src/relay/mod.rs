//! `guild relay`: the iroh relay server (the `iroh-relay` crate's) that a
//! community runs itself, so its members' devices behind NATs can find and
//! reach each other without a third party's relay.
//!
//! This module owns the relay's settings (a TOML file, which flags
//! override), starting and stopping the server; [`access`] owns who it
//! relays for, [`tls`] where its certificate comes from. A relay carries QUIC packets
//! that are end-to-end encrypted between the two devices: it sees which
//! endpoint ids talk, when and how much, never a charter
//! (`docs/security.md`).

pub mod access;
pub mod tls;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use iroh::RelayUrl;
use iroh_relay::server::{QuicConfig, RelayConfig, Server, ServerConfig, TlsConfig};

pub use access::AllowRule;
pub use tls::Certificate;

/// The relay's config file, as written by its operator (every key optional;
/// flags given on the command line win):
///
/// ```toml
/// listen = "0.0.0.0:80"            # plain HTTP (with TLS too: iroh's captive-portal probe)
/// https_listen = "0.0.0.0:443"     # with a certificate:
/// cert = "/etc/guild-relay/fullchain.pem"   # files …
/// key = "/etc/guild-relay/privkey.pem"
/// # acme_domains = ["relay.example.org"]     # … or Let's Encrypt
/// # acme_contact = "ops@example.org"
/// # acme_cache = "/var/lib/guild-relay/acme"
/// quic_listen = "0.0.0.0:7842"     # QUIC address discovery (needs TLS): helps hole punching
/// allow = ["<endpoint id>"]        # devices it relays for
/// allow_files = ["/etc/guild-relay/devices.txt"]   # re-read at each connection
/// tokens = ["<shared secret>"]     # or anyone presenting one of these
/// anyone = false                   # relay for anyone (a closed LAN only)
/// ```
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayFile {
    /// Plain HTTP address.
    pub listen: Option<SocketAddr>,
    /// HTTPS address (with `cert` and `key`).
    pub https_listen: Option<SocketAddr>,
    /// PEM certificate chain.
    pub cert: Option<PathBuf>,
    /// PEM private key.
    pub key: Option<PathBuf>,
    /// Let's Encrypt for these names (instead of `cert` and `key`).
    #[serde(default)]
    pub acme_domains: Vec<String>,
    /// The e-mail address Let's Encrypt writes to.
    pub acme_contact: Option<String>,
    /// Where ACME keeps its account and certificates.
    pub acme_cache: Option<PathBuf>,
    /// QUIC address discovery's address (needs TLS).
    pub quic_listen: Option<SocketAddr>,
    /// Endpoint ids it relays for.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Files of endpoint ids it relays for.
    #[serde(default)]
    pub allow_files: Vec<PathBuf>,
    /// Shared secrets.
    #[serde(default)]
    pub tokens: Vec<String>,
    /// Relay for anyone.
    #[serde(default)]
    pub anyone: bool,
}

impl RelayFile {
    /// Reads a config file.
    pub fn read(path: &Path) -> Result<Self, RelayError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| RelayError::Config(format!("cannot read {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| {
            RelayError::Config(format!("{} is not a relay config: {e}", path.display()))
        })
    }

    /// These settings over `self`: scalars set in `over` win, lists add up.
    #[must_use]
    pub fn overridden_by(mut self, over: RelayFile) -> Self {
        self.listen = over.listen.or(self.listen);
        self.https_listen = over.https_listen.or(self.https_listen);
        self.cert = over.cert.or(self.cert);
        self.key = over.key.or(self.key);
        if !over.acme_domains.is_empty() {
            self.acme_domains = over.acme_domains;
        }
        self.acme_contact = over.acme_contact.or(self.acme_contact);
        self.acme_cache = over.acme_cache.or(self.acme_cache);
        self.quic_listen = over.quic_listen.or(self.quic_listen);
        self.allow.extend(over.allow);
        self.allow_files.extend(over.allow_files);
        self.tokens.extend(over.tokens);
        self.anyone |= over.anyone;
        self
    }

    /// Checks the settings and makes them what the server takes.
    pub fn settings(self) -> Result<RelaySettings, RelayError> {
        let mut allow = AllowRule {
            files: self.allow_files,
            tokens: self.tokens,
            anyone: self.anyone,
            ..AllowRule::default()
        };
        for id in &self.allow {
            allow.ids.insert(id.parse().map_err(|_| {
                RelayError::Config(format!("`{id}` in the allow list is not an endpoint id"))
            })?);
        }
        if allow.tokens.iter().any(String::is_empty) {
            return Err(RelayError::Config(
                "a shared secret may not be empty".into(),
            ));
        }
        if !allow.admits_someone() {
            return Err(RelayError::Config(
                "say who this relay is for: --allow ID, --allow-file FILE, --token SECRET, or --anyone (a closed LAN only)".into(),
            ));
        }
        let acme = !self.acme_domains.is_empty();
        let certificate = match (self.cert, self.key, acme) {
            (Some(_), _, true) | (_, Some(_), true) => {
                return Err(RelayError::Config(
                    "choose a certificate file (--cert, --key) or ACME (--acme-domain), not both"
                        .into(),
                ));
            }
            (Some(cert), Some(key), false) => Some(Certificate::Files { cert, key }),
            (None, None, true) => Some(Certificate::Acme {
                domains: self.acme_domains,
                contact: self.acme_contact.ok_or_else(|| {
                    RelayError::Config("ACME needs a contact address (--acme-contact)".into())
                })?,
                cache: self.acme_cache.ok_or_else(|| {
                    RelayError::Config(
                        "ACME needs a directory to keep its certificates in (--acme-cache)".into(),
                    )
                })?,
            }),
            (None, None, false) => None,
            _ => {
                return Err(RelayError::Config(
                    "TLS needs both a certificate (--cert) and its key (--key)".into(),
                ));
            }
        };
        let tls = match certificate {
            Some(certificate) => Some(Tls {
                certificate,
                https_listen: self
                    .https_listen
                    .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 443))),
                quic_listen: self.quic_listen,
            }),
            None if self.https_listen.is_some() || self.quic_listen.is_some() => {
                return Err(RelayError::Config(
                    "HTTPS and QUIC address discovery need a certificate (--cert and --key, or --acme-domain)"
                        .into(),
                ));
            }
            None => None,
        };
        Ok(RelaySettings {
            listen: self
                .listen
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 3340))),
            tls,
            allow,
        })
    }
}

/// A relay's checked settings.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// Plain HTTP address (the only one without TLS).
    pub listen: SocketAddr,
    /// TLS, when the relay faces the internet.
    pub tls: Option<Tls>,
    /// Who it relays for.
    pub allow: AllowRule,
}

/// The relay's certificate, and where HTTPS (and QUIC address discovery)
/// listen.
#[derive(Debug, Clone)]
pub struct Tls {
    /// Where the certificate comes from.
    pub certificate: Certificate,
    /// HTTPS address.
    pub https_listen: SocketAddr,
    /// QUIC address discovery's address, if on.
    pub quic_listen: Option<SocketAddr>,
}

/// What went wrong starting or running a relay.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The settings make no sense.
    #[error("{0}")]
    Config(String),
    /// The certificate or key cannot be used.
    #[error("TLS: {0}")]
    Tls(String),
    /// The server could not start or failed.
    #[error("the relay could not run: {0}")]
    Server(String),
}

/// A running relay server.
pub struct RunningRelay {
    server: Server,
}

impl RunningRelay {
    /// Starts the relay server as `settings` say.
    pub async fn start(settings: RelaySettings) -> Result<Self, RelayError> {
        let mut relay = RelayConfig::new(settings.listen);
        relay.access = Arc::new(access::Gate(settings.allow));
        let mut quic = None;
        if let Some(tls) = &settings.tls {
            // QUIC address discovery serves the HTTPS certificate (the
            // server takes it from the TLS config, ACME's too).
            quic = tls.quic_listen.map(QuicConfig::new);
            relay.tls = Some(TlsConfig::new(
                tls.https_listen,
                tls.certificate.cert_config()?,
            ));
        }
        let mut config = ServerConfig::default();
        config.relay = Some(relay);
        config.quic = quic;
        let server = Server::spawn(config)
            .await
            .map_err(|e| RelayError::Server(e.to_string()))?;
        Ok(Self { server })
    }

    /// The plain HTTP address it listens on.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.server.http_addr()
    }

    /// The HTTPS address it listens on, with TLS.
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.server.https_addr()
    }

    /// The QUIC address discovery address, when on.
    pub fn quic_addr(&self) -> Option<SocketAddr> {
        self.server.quic_addr()
    }

    /// The URL devices use (HTTPS when it has TLS, else plain HTTP), with
    /// the listening address as its host: behind a name, use the name.
    pub fn url(&self) -> Option<RelayUrl> {
        let (scheme, addr) = match (self.server.https_addr(), self.server.http_addr()) {
            (Some(addr), _) => ("https", addr),
            (None, Some(addr)) => ("http", addr),
            (None, None) => return None,
        };
        format!("{scheme}://{addr}").parse().ok()
    }

    /// Waits until the server stops on its own (a failure).
    pub async fn stopped(&mut self) -> Result<(), RelayError> {
        match self.server.join().await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(RelayError::Server(e.to_string())),
            Err(e) => Err(RelayError::Server(e.to_string())),
        }
    }

    /// Stops the server: closes every device's connection.
    pub async fn shutdown(self) -> Result<(), RelayError> {
        self.server
            .shutdown()
            .await
            .map_err(|e| RelayError::Server(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_relay_for_nobody_or_half_a_tls_setup_is_refused_with_a_reason() {
        let err = RelayFile::default().settings().unwrap_err();
        assert!(
            err.to_string().contains("say who this relay is for"),
            "{err}"
        );
        let half = RelayFile {
            anyone: true,
            cert: Some("cert.pem".into()),
            ..RelayFile::default()
        };
        assert!(half.settings().unwrap_err().to_string().contains("--key"));
        let bad_id = RelayFile {
            allow: vec!["nope".into()],
            ..RelayFile::default()
        };
        assert!(
            bad_id
                .settings()
                .unwrap_err()
                .to_string()
                .contains("`nope`")
        );
    }

    #[test]
    fn acme_needs_its_contact_and_cache_and_excludes_certificate_files() {
        let acme = || RelayFile {
            anyone: true,
            acme_domains: vec!["relay.example.org".into()],
            acme_contact: Some("ops@example.org".into()),
            acme_cache: Some("/var/lib/guild-relay/acme".into()),
            ..RelayFile::default()
        };
        let settings = acme().settings().unwrap();
        let tls = settings.tls.expect("ACME is TLS");
        assert!(matches!(tls.certificate, Certificate::Acme { .. }));
        assert_eq!(tls.https_listen.port(), 443);
        let both = RelayFile {
            cert: Some("cert.pem".into()),
            ..acme()
        };
        assert!(
            both.settings()
                .unwrap_err()
                .to_string()
                .contains("not both")
        );
        let no_contact = RelayFile {
            acme_contact: None,
            ..acme()
        };
        assert!(
            no_contact
                .settings()
                .unwrap_err()
                .to_string()
                .contains("--acme-contact")
        );
        let no_cache = RelayFile {
            acme_cache: None,
            ..acme()
        };
        assert!(
            no_cache
                .settings()
                .unwrap_err()
                .to_string()
                .contains("--acme-cache")
        );
    }

    #[test]
    fn flags_override_the_file_and_lists_add_up() {
        let file: RelayFile =
            toml::from_str("listen = \"127.0.0.1:1\"\ntokens = [\"a\"]\nallow_files = [\"/x\"]\n")
                .unwrap();
        let flags = RelayFile {
            listen: Some("127.0.0.1:2".parse().unwrap()),
            tokens: vec!["b".into()],
            ..RelayFile::default()
        };
        let settings = file.overridden_by(flags).settings().unwrap();
        assert_eq!(settings.listen.port(), 2);
        assert_eq!(settings.allow.tokens, ["a", "b"]);
        assert_eq!(settings.allow.files.len(), 1);
        assert!(
            toml::from_str::<RelayFile>("lisen = 1").is_err(),
            "typos are errors"
        );
    }
}
