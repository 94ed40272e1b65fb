//! Who a `guild relay` relays for: the relay's access rule, as iroh-relay's
//! [`AccessControl`] asks it, once per connecting device.
//!
//! A device is let in when its endpoint id (which the relay handshake has
//! authenticated) is listed — in the config, or in an allow file re-read on
//! every connection so that adding a device needs no restart — or when it
//! presents one of the shared secrets (iroh's relay auth token, which a
//! Guild client takes from the relay URL's `?token=`). Anyone else is
//! refused with a reason the device's log shows.

use std::collections::HashSet;
use std::path::PathBuf;

use iroh::EndpointId;
use iroh_relay::server::{Access, AccessControl, ClientRequest};
use sha2::{Digest as _, Sha256};

/// The relay's access rule.
#[derive(Debug, Clone, Default)]
pub struct AllowRule {
    /// Endpoint ids always let in.
    pub ids: HashSet<EndpointId>,
    /// Files of endpoint ids, one a line (`#` starts a comment; anything
    /// after the id on a line, such as `guild devices`' label, is ignored).
    pub files: Vec<PathBuf>,
    /// Shared secrets: a device presenting one is let in.
    pub tokens: Vec<String>,
    /// Relay for anyone (a relay on a closed LAN, or a test).
    pub anyone: bool,
}

impl AllowRule {
    /// Whether the rule lets anything in at all: a relay that relays for
    /// nobody is a configuration mistake, said at start.
    pub fn admits_someone(&self) -> bool {
        self.anyone || !self.ids.is_empty() || !self.files.is_empty() || !self.tokens.is_empty()
    }

    /// Whether `endpoint`, presenting `token`, may use the relay.
    pub fn admits(&self, endpoint: &EndpointId, token: Option<&str>) -> Result<(), String> {
        if self.anyone || self.ids.contains(endpoint) {
            return Ok(());
        }
        if let Some(token) = token
            && self.tokens.iter().any(|t| same_secret(t, token))
        {
            return Ok(());
        }
        for file in &self.files {
            match std::fs::read_to_string(file) {
                Ok(text) => {
                    if parse_ids(&text).any(|id| id == *endpoint) {
                        return Ok(());
                    }
                }
                // A missing or unreadable file admits nobody, loudly: the
                // relay keeps serving the devices its other rules admit.
                Err(e) => {
                    tracing::warn!(file = %file.display(), error = %e, "cannot read an allow file");
                }
            }
        }
        Err(
            "this relay does not relay for this device (not on its allow list, no valid token)"
                .into(),
        )
    }
}

/// Endpoint ids in an allow file's text, skipping comments, blank lines and
/// lines that hold no id.
pub fn parse_ids(text: &str) -> impl Iterator<Item = EndpointId> + '_ {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter_map(|line| line.split_whitespace().next())
        .filter_map(|word| word.parse().ok())
}

/// Compares two secrets by their hashes, so the time taken says nothing
/// about how much of a guess was right.
fn same_secret(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

/// The rule as iroh-relay asks it.
#[derive(Debug)]
pub(crate) struct Gate(pub(crate) AllowRule);

impl AccessControl for Gate {
    async fn on_connect(&self, request: &ClientRequest) -> Access {
        let endpoint = request.endpoint_id();
        let token = request.auth_token();
        match self.0.admits(&endpoint, token.as_deref()) {
            Ok(()) => {
                tracing::info!(%endpoint, "relaying for this device");
                Access::Allow
            }
            Err(reason) => {
                tracing::warn!(%endpoint, "refused: not allowed");
                Access::Deny {
                    reason: Some(reason),
                }
            }
        }
    }

    fn on_disconnect(&self, endpoint: EndpointId, _connection: iroh_relay::server::ConnectionId) {
        tracing::info!(%endpoint, "device left the relay");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn id() -> EndpointId {
        iroh::SecretKey::generate().public()
    }

    #[test]
    fn listed_ids_and_tokens_are_let_in_and_others_refused() {
        let (listed, stranger) = (id(), id());
        let rule = AllowRule {
            ids: [listed].into(),
            tokens: vec!["s3cret".into()],
            ..AllowRule::default()
        };
        assert!(rule.admits(&listed, None).is_ok());
        assert!(rule.admits(&stranger, Some("s3cret")).is_ok());
        assert!(rule.admits(&stranger, Some("s3cre")).is_err());
        assert!(rule.admits(&stranger, None).is_err());
        assert!(AllowRule::default().admits(&listed, None).is_err());
    }

    #[test]
    fn allow_files_are_read_at_each_connection() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("devices.txt");
        let device = id();
        let rule = AllowRule {
            files: vec![file.clone()],
            ..AllowRule::default()
        };
        assert!(rule.admits(&device, None).is_err(), "no file yet");
        std::fs::write(
            &file,
            format!("# office\n\n{device}  read_write  Ana's laptop\nnot-an-id\n"),
        )
        .unwrap();
        assert!(rule.admits(&device, None).is_ok());
        assert!(rule.admits(&id(), None).is_err());
    }
}
