//! `guild relay`'s access rule, against real iroh endpoints on loopback
//! (no root, nothing leaves the machine): a device on the allow list is
//! relayed for, a stranger is refused with the relay's reason, and a
//! stranger whose relay URL carries the shared secret (`?token=`, as a
//! ticket passes it on) is let in — through the same URL handling Guild's
//! node uses.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use guild_sync::net::relays::{parse_relay, relay_config};
use guild_sync::relay::{RelayFile, RunningRelay};
use iroh::endpoint::presets;
use iroh::{Endpoint, RelayMap, RelayMode, SecretKey, Watcher as _};

/// What the relay made of an endpoint: `Ok` once it is connected, or the
/// relay's reason for refusing it.
async fn relay_verdict(key: SecretKey, url: &str) -> Result<(), String> {
    let map: RelayMap = relay_config(&parse_relay(url).unwrap()).into();
    let endpoint = Endpoint::builder(presets::Minimal)
        .secret_key(key)
        .relay_mode(RelayMode::Custom(map))
        .bind_addr("127.0.0.1:0")
        .unwrap()
        .bind()
        .await
        .unwrap();
    let mut status = endpoint.home_relay_status();
    let verdict = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            let now = status.get();
            if now.iter().any(iroh::endpoint::RelayStatus::is_connected) {
                return Ok(());
            }
            if let Some(reason) = now.iter().find_map(|s| s.auth_denied_reason()) {
                return Err(reason.to_owned());
            }
            if status.updated().await.is_err() {
                return Err("the endpoint closed".into());
            }
        }
    })
    .await
    .unwrap_or_else(|_| Err("neither connected nor refused within 15 s".into()));
    endpoint.close().await;
    verdict
}

#[test]
fn the_relay_relays_only_for_allowed_devices_or_the_shared_secret() {
    let runtime = guild_tests::runtime();
    runtime.block_on(async {
        let allowed = SecretKey::generate();
        let stranger = SecretKey::generate();
        let settings = RelayFile {
            listen: Some("127.0.0.1:0".parse().unwrap()),
            allow: vec![allowed.public().to_string()],
            tokens: vec!["community-secret".into()],
            ..RelayFile::default()
        }
        .settings()
        .unwrap();
        let relay = RunningRelay::start(settings).await.unwrap();
        let url = relay.url().expect("the relay has a URL").to_string();

        assert_eq!(relay_verdict(allowed, &url).await, Ok(()));
        let refused = relay_verdict(stranger.clone(), &url).await;
        let reason = refused.expect_err("a stranger must be refused");
        assert!(
            reason.contains("does not relay for this device"),
            "the relay's own reason reaches the device: {reason}"
        );
        let wrong = relay_verdict(stranger.clone(), &format!("{url}?token=guess")).await;
        assert!(
            wrong
                .as_ref()
                .is_err_and(|r| r.contains("does not relay for this device")),
            "a wrong secret admits nobody: {wrong:?}"
        );
        assert_eq!(
            relay_verdict(stranger, &format!("{url}?token=community-secret")).await,
            Ok(()),
            "the shared secret in the URL admits"
        );
        relay.shutdown().await.unwrap();
    });
}
