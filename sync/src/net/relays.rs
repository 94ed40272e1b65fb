//! The relay a charter's community uses, remembered on this device
//! (`DIR/relays.json`: charter id → relay URL), so every command that
//! connects for that charter uses it without `--relay`. It is set by
//! joining with a ticket that carries the inviter's relay, or by `guild
//! relay use DOC URL`; nothing sets it otherwise, so relays stay off unless
//! someone chose one.
//!
//! A relay URL may carry the relay's shared secret as `?token=SECRET`: the
//! token is sent to the relay as its auth token and kept out of the address
//! this device tells peers ([`relay_config`]).
//!
//! A relay with a certificate from a public CA needs nothing more; one with
//! a certificate of the community's own (a self-signed one, an office CA)
//! is trusted when `GUILD_RELAY_CA` names a PEM file holding that
//! certificate or its CA ([`extra_roots`]).

use std::collections::BTreeMap;

use iroh::{RelayConfig, RelayUrl};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;

use crate::DataDir;

/// Every charter's remembered relay (an unreadable file counts as none:
/// it only costs a `--relay` flag).
pub fn remembered(data_dir: &DataDir) -> BTreeMap<String, String> {
    std::fs::read(data_dir.relays_path())
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// The relay remembered for `doc`.
pub fn remembered_for(data_dir: &DataDir, doc: &str) -> Option<String> {
    remembered(data_dir).remove(doc)
}

/// Remembers `relay` for `doc`, or forgets it (`None`).
pub fn remember(data_dir: &DataDir, doc: &str, relay: Option<&str>) -> std::io::Result<()> {
    let mut all = remembered(data_dir);
    match relay {
        Some(url) => all.insert(doc.to_owned(), url.to_owned()),
        None => all.remove(doc),
    };
    let bytes = serde_json::to_vec_pretty(&all).map_err(std::io::Error::other)?;
    data_dir.write_file(&data_dir.relays_path(), &bytes)
}

/// Parses a relay URL as a person writes it (`http://10.0.0.5:3340`,
/// `https://relay.example.org/?token=SECRET`).
pub fn parse_relay(text: &str) -> Result<RelayUrl, String> {
    let url: RelayUrl = text
        .parse()
        .map_err(|_| format!("`{text}` is not a relay URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "`{text}` is not a relay URL: it should start with http:// or https://"
        ));
    }
    Ok(url)
}

/// What iroh takes for `url`: the URL without its `token`, and the token as
/// the relay's auth token.
pub fn relay_config(url: &RelayUrl) -> RelayConfig {
    let token = url
        .query_pairs()
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned());
    let mut bare: url::Url = (**url).clone();
    bare.set_query(None);
    let config = RelayConfig::from(RelayUrl::from(bare));
    match token {
        Some(token) => config.with_auth_token(token),
        None => config,
    }
}

/// The environment variable naming extra root certificates (PEM) to trust
/// for relays.
pub const RELAY_CA_ENV: &str = "GUILD_RELAY_CA";

/// The certificates in the file `GUILD_RELAY_CA` names, if it is set.
pub fn extra_roots() -> Result<Option<Vec<CertificateDer<'static>>>, String> {
    let Some(path) = std::env::var_os(RELAY_CA_ENV) else {
        return Ok(None);
    };
    let shown = std::path::Path::new(&path).display().to_string();
    let roots = CertificateDer::pem_file_iter(&path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| {
            format!("cannot read the relay certificates in {shown} ({RELAY_CA_ENV}): {e}")
        })?;
    if roots.is_empty() {
        return Err(format!("{shown} ({RELAY_CA_ENV}) holds no certificate"));
    }
    Ok(Some(roots))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_token_goes_to_the_relay_not_into_the_address() {
        let url = parse_relay("http://10.0.0.5:3340/?token=s3cret").unwrap();
        let config = relay_config(&url);
        assert_eq!(config.url.as_str(), "http://10.0.0.5:3340/");
        assert!(format!("{config:?}").contains("s3cret"));
        assert!(parse_relay("ftp://x").unwrap_err().contains("http://"));
        assert!(parse_relay("not a url").is_err());
    }

    #[test]
    fn relays_are_remembered_per_charter_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::resolve(Some(dir.path().to_path_buf())).unwrap();
        std::fs::create_dir_all(data.root()).unwrap();
        assert_eq!(remembered_for(&data, "doc1"), None);
        remember(&data, "doc1", Some("http://r:1")).unwrap();
        remember(&data, "doc2", Some("http://s:2")).unwrap();
        assert_eq!(remembered_for(&data, "doc1").as_deref(), Some("http://r:1"));
        remember(&data, "doc1", None).unwrap();
        assert_eq!(remembered(&data).into_keys().collect::<Vec<_>>(), ["doc2"]);
    }
}
