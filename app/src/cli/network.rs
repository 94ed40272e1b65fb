//! Network commands: share, join, devices, revoke, sync and serve.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use guild_model::{AccessLevel, Op};
use guild_sync::net::node::{NetOptions, Node, Relay, SyncStatus};
use guild_sync::net::ticket::InviteTicket;
use guild_sync::{DataDir, Library};

use super::Host;
use super::output::Out;
use crate::control::protocol::Request;
use crate::control::{Reply, Runner, server};
use crate::present::access_of;

/// How this device reaches the network (for share, join, sync, serve).
#[derive(Debug, Args)]
pub(crate) struct NetArgs {
    /// Find and be found by peers on the local network (mDNS): host a workshop.
    #[arg(long, global = true)]
    lan: bool,
    /// Use relays to reach peers behind NATs: `default` (n0's) or a relay URL. Off unless given.
    #[arg(long, global = true, value_name = "default|URL")]
    relay: Option<String>,
    /// The address and port to listen on [default: all interfaces, this data dir's port].
    #[arg(long, global = true, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// This device's name as peers see it [default: the host name].
    #[arg(long, global = true, value_name = "NAME")]
    name: Option<String>,
}

impl NetArgs {
    pub(crate) fn options(&self) -> Result<NetOptions> {
        let relay = match self.relay.as_deref() {
            None => Relay::Disabled,
            Some("default") => Relay::Default,
            Some(url) => Relay::Custom(
                url.parse()
                    .with_context(|| format!("`{url}` is not a relay URL"))?,
            ),
        };
        Ok(NetOptions {
            listen: self.listen,
            lan: self.lan,
            relay,
            label: self.name.clone(),
        })
    }
}

#[derive(Debug, Args)]
pub(crate) struct ShareArgs {
    /// The charter.
    doc: String,
    /// The invitee may read but not edit.
    #[arg(long)]
    read_only: bool,
    /// Print only the ticket, no QR code.
    #[arg(long)]
    no_qr: bool,
}

#[derive(Debug, Args)]
pub(crate) struct JoinArgs {
    /// The invite ticket (`guild…`).
    ticket: String,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// The charter.
    doc: String,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

fn node<'a>(host: &'a Host<'_>) -> Result<&'a Node> {
    match host {
        Host::Node(node) => Ok(node),
        Host::Library(_) => bail!("this command needs the network"),
    }
}

pub(super) async fn share(out: &mut Out, host: &Host<'_>, args: ShareArgs) -> Result<()> {
    let node = node(host)?;
    let ticket = node.share(&args.doc, access_of(args.read_only)).await?;
    let text = ticket.to_string();
    let _ = writeln!(out.stdout, "{text}");
    if !args.no_qr
        && let Ok(code) = qrcode::QrCode::new(text.as_bytes())
    {
        let qr = code
            .render::<qrcode::render::unicode::Dense1x2>()
            .quiet_zone(true)
            .build();
        let _ = writeln!(out.stdout, "{qr}");
    }
    let kind = if args.read_only {
        "read-only"
    } else {
        "read-write"
    };
    let _ = writeln!(
        out.stderr,
        "guild: a {kind} invite to {}; the invitee runs: guild join <ticket>. This device must be online for them (guild serve).",
        ticket.doc
    );
    Ok(())
}

pub(super) async fn join(out: &mut Out, host: &Host<'_>, args: JoinArgs) -> Result<()> {
    let node = node(host)?;
    let ticket: InviteTicket = args.ticket.parse()?;
    let doc = node
        .join(&ticket, Duration::from_secs(args.timeout))
        .await?;
    let title = node
        .library()
        .charter(&doc)
        .await
        .map(|c| c.meta.title.as_str().to_owned())
        .unwrap_or_default();
    let _ = writeln!(out.stdout, "{doc}");
    let access = if ticket.access == AccessLevel::ReadOnly {
        " (read-only)"
    } else {
        ""
    };
    let _ = writeln!(out.stderr, "guild: joined “{title}”{access}");
    Ok(())
}

pub(super) async fn devices(out: &mut Out, library: &Library, doc: &str) -> Result<()> {
    let doc = library.resolve(doc)?;
    let access = library.access(&doc).await?;
    let me = library.endpoint_id();
    for (endpoint, device) in &access.devices {
        let state = if access.revoked.contains_key(endpoint) {
            "revoked"
        } else {
            device.access.as_str()
        };
        let this = if *endpoint == me {
            "  (this device)"
        } else {
            ""
        };
        let _ = writeln!(
            out.stdout,
            "{endpoint}  {state:<10}  {}{this}",
            device.label
        );
    }
    for endpoint in access
        .revoked
        .keys()
        .filter(|e| !access.devices.contains_key(*e))
    {
        let _ = writeln!(out.stdout, "{endpoint}  revoked");
    }
    Ok(())
}

pub(super) async fn revoke(out: &mut Out, host: &Host<'_>, doc: &str, device: &str) -> Result<()> {
    let library = host.library();
    let doc = library.resolve(doc)?;
    let access = library.access(&doc).await?;
    let endpoint = super::resolve::item_id("device", &access.devices, |d| d.label.clone(), device)?;
    if endpoint == library.endpoint_id() {
        bail!("this is this device; revoke it from another one");
    }
    library
        .edit(
            &doc,
            &Op::RevokeDevice {
                endpoint: endpoint.clone(),
            },
        )
        .await?;
    if let Host::Node(node) = host {
        node.disconnect(&endpoint);
    }
    let _ = writeln!(
        out.stderr,
        "guild: revoked {endpoint}; peers refuse it once they have synced this"
    );
    Ok(())
}

pub(super) async fn sync(out: &mut Out, host: &Host<'_>, args: SyncArgs) -> Result<()> {
    let node = node(host)?;
    let status = node
        .sync(&args.doc, Duration::from_secs(args.timeout))
        .await?;
    summarize(out, &status);
    if status.peers.iter().all(|p| !p.connected) {
        bail!("no peer of this charter could be reached (is one running `guild serve`?)");
    }
    Ok(())
}

fn summarize(out: &mut Out, status: &SyncStatus) {
    let connected = status.peers.iter().filter(|p| p.connected).count();
    let in_sync = status
        .peers
        .iter()
        .filter(|p| p.connected && p.has_our_changes && p.we_have_theirs)
        .count();
    let _ = writeln!(
        out.stdout,
        "{}: {in_sync} of {} peers up to date ({connected} reachable), {} change(s) pending",
        status.doc,
        status.peers.len(),
        status.pending_changes
    );
    for peer in &status.peers {
        let state = match (peer.connected, peer.has_our_changes && peer.we_have_theirs) {
            (false, _) => "offline",
            (true, true) => "up to date",
            (true, false) => "syncing",
        };
        let _ = writeln!(
            out.stdout,
            "  {:.16}…  {state:<10}  {}",
            peer.endpoint, peer.label
        );
    }
}

/// The headless peer runs other processes' commands itself, at once.
struct Headless {
    node: Arc<Node>,
}

impl Runner for Headless {
    fn run(&self, request: Request) -> Reply {
        let node = Arc::clone(&self.node);
        Box::pin(async move { super::execute(node, request).await.response })
    }
}

/// Runs the headless peer until SIGINT or SIGTERM.
pub(super) async fn serve(node: &Arc<Node>, data_dir: &DataDir) -> Result<()> {
    let docs = node.library().document_ids()?;
    let addr = node.addr();
    println!(
        "Guild is serving {} charter(s) from {}",
        docs.len(),
        data_dir.root().display()
    );
    println!("endpoint id: {}", addr.id);
    for socket in node.endpoint().bound_sockets() {
        println!("listening on: {socket}");
    }
    for doc in &docs {
        if let Err(e) = node.connect_peers(doc).await {
            tracing::warn!(%doc, error = %e, "cannot reach this charter's peers");
        }
    }
    let control = server::listen(
        data_dir,
        Arc::new(Headless {
            node: Arc::clone(node),
        }),
    )?;
    tracing::info!("ready");
    wait_for_shutdown().await;
    tracing::info!("shutting down: flushing every charter to disk");
    control.stop();
    Ok(())
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
