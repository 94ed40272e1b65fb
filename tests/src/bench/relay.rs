//! Row 9: a keystroke on peer A until it is in peer B's document through
//! a relay — `guild relay`'s server on loopback, the two nodes with no
//! direct path at all (`Relay::Only`) — against the same two nodes direct,
//! in the same run. What the relay adds is its hop and its framing; on
//! loopback there is no distance, so this is the relay's own cost.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use guild_sync::LibraryOptions;
use guild_sync::net::node::{NetOptions, Node, Relay};
use guild_sync::net::paths::PathKind;
use guild_sync::relay::{RelayFile, RunningRelay};

use super::{Row, STUCK, Unit, keystroke, median, ms, percentile, quiet_wire, share_with};

/// Edit → B's document, for each of `edits` keystrokes, over `relay`.
async fn run(bytes: &[u8], len: usize, edits: usize, relay: Relay) -> Result<Vec<Duration>> {
    let (a_dir, b_dir) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let options = || NetOptions {
        label: Some("bench peer".into()),
        relay: relay.clone(),
        ..NetOptions::loopback()
    };
    let mut nodes = Vec::new();
    for dir in [&a_dir, &b_dir] {
        let library = guild_tests::open_library(dir.path(), LibraryOptions::interactive()).await?;
        let node = Node::start(library, options()).await?;
        if relay != Relay::Disabled {
            // A node not yet at its relay cannot be reached through it.
            tokio::time::timeout(STUCK, node.endpoint().online())
                .await
                .context("the node never reached the relay")?;
        }
        nodes.push(node);
    }
    let (a, b) = (&nodes[0], &nodes[1]);
    let doc = share_with(a, b, bytes).await?;
    quiet_wire(b).await;
    let mut changed = b.library().changes(&doc).await?;
    let mut latencies = Vec::with_capacity(edits);
    for n in 0..edits {
        while changed.try_recv().is_ok() {}
        let started = Instant::now();
        a.library().edit(&doc, &keystroke(len, n)).await?;
        tokio::time::timeout(STUCK, changed.recv())
            .await
            .context("B never saw the edit")?
            .context("B's change feed closed")?;
        latencies.push(started.elapsed());
    }
    if latencies.len() != edits {
        bail!("measured {} of {edits} edits", latencies.len());
    }
    // The row means what it says only if the path was the one meant.
    let want = if relay == Relay::Disabled {
        PathKind::Direct
    } else {
        PathKind::Relayed
    };
    let path = b.status(&doc).await?.peers.first().and_then(|p| p.path);
    if path != Some(want) {
        bail!("the peers were connected {path:?}, not {want:?}");
    }
    for node in &nodes {
        node.shutdown().await?;
    }
    Ok(latencies)
}

/// Rows 9a–9b.
pub(crate) async fn rows(bytes: &[u8], len: usize, edits: usize) -> Result<Vec<Row>> {
    let settings = RelayFile {
        listen: Some("127.0.0.1:0".parse()?),
        anyone: true,
        ..RelayFile::default()
    }
    .settings()?;
    let relay = RunningRelay::start(settings).await?;
    let url = relay.url().context("the relay has no URL")?;
    let direct = Box::pin(run(bytes, len, edits, Relay::Disabled)).await?;
    let relayed = Box::pin(run(bytes, len, edits, Relay::Only(url))).await?;
    relay.shutdown().await?;
    Ok(vec![
        Row::new(
            "9a",
            "edit → visible on the peer through `guild relay` (loopback, no direct path), p50, vs the same two nodes direct",
            Unit::Ms,
            ms(median(&relayed)),
            ms(median(&direct)),
        ),
        Row::new(
            "9b",
            "edit → visible on the peer through `guild relay`, p99, vs direct",
            Unit::Ms,
            ms(percentile(&relayed, 99)),
            ms(percentile(&direct, 99)),
        ),
    ])
}
