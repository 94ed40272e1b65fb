//! Network commands: share, invites, join, devices, revoke, sync and serve.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use guild_model::{AccessLevel, Op};
use guild_sync::net::node::{InviteOptions, NetOptions, Node, Relay, SyncStatus};
use guild_sync::net::relays;
use guild_sync::net::ticket::InviteTicket;
use guild_sync::{DataDir, Library};

use super::Host;
use super::output::Out;
use crate::control::protocol::Request;
use crate::control::{Reply, Runner, server};
use crate::present::{access_of, format_time, open_invites, parse_duration, unix_now};

/// How this device reaches the network (for share, join, sync, serve).
#[derive(Debug, Args)]
pub(crate) struct NetArgs {
    /// Find and be found by peers on the local network (mDNS): host a workshop.
    #[arg(long, global = true)]
    lan: bool,
    /// Use relays to reach peers behind NATs: `default` (n0's) or a relay URL [default: the charter's relay (`guild relay use`, or the ticket's); else none].
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
            Some(url) => Relay::Custom(relays::parse_relay(url).map_err(anyhow::Error::msg)?),
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
    /// Stop admitting after this long (30m, 2h, 1h30m, 7d) [default: until closed].
    #[arg(long, value_name = "DURATION")]
    expires: Option<String>,
}

/// `guild invites DOC` lists; `guild invites close DOC INVITE` closes.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct InvitesArgs {
    #[command(subcommand)]
    command: Option<InvitesCommand>,
    /// The charter whose open invites to list.
    #[arg(required = true)]
    doc: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
enum InvitesCommand {
    /// Close an invite: nobody more joins with it; who joined stays.
    Close {
        /// The charter.
        doc: String,
        /// The invite: its id (or a unique prefix, as `guild invites` lists it) or its ticket.
        invite: String,
    },
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

/// The relay a network command uses when `--relay` is not given: the
/// ticket's for `join`, the charter's remembered one for `share` and
/// `sync`, and for `serve` the first charter's that has one (a community
/// has one relay; a device in two communities passes `--relay`).
pub(super) fn community_relay(library: &Library, command: &super::Command) -> Option<Relay> {
    let data_dir = library.data_dir();
    let url = match command {
        super::Command::Join(args) => args.ticket.parse::<InviteTicket>().ok()?.relay,
        super::Command::Share(args) => {
            relays::remembered_for(data_dir, &library.resolve(&args.doc).ok()?)
        }
        super::Command::Sync(args) => {
            relays::remembered_for(data_dir, &library.resolve(&args.doc).ok()?)
        }
        super::Command::Serve => return first_remembered_relay(data_dir),
        _ => None,
    }?;
    relays::parse_relay(&url).ok().map(Relay::Custom)
}

/// The first charter's remembered relay (for `guild serve` and the window,
/// which serve every charter).
pub(super) fn first_remembered_relay(data_dir: &DataDir) -> Option<Relay> {
    relays::remembered(data_dir)
        .into_values()
        .find_map(|url| relays::parse_relay(&url).ok())
        .map(Relay::Custom)
}

pub(super) fn node<'a>(host: &'a Host<'_>) -> Result<&'a Node> {
    match host {
        Host::Node(node) => Ok(node),
        Host::Library(_) => bail!("this command needs the network"),
    }
}

pub(super) async fn share(out: &mut Out, host: &Host<'_>, args: ShareArgs) -> Result<()> {
    // Parsed here, not by clap, so that a bad one is one `guild:` line.
    let expires = args
        .expires
        .as_deref()
        .map(parse_duration)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let node = node(host)?;
    let options = InviteOptions {
        access: access_of(args.read_only),
        expires,
        workshop: false,
    };
    let ticket = node.share_with(&args.doc, options).await?;
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
    let until = expires.map_or(String::new(), |d| {
        let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        format!(
            " until {}",
            format_time(node.clock().now().saturating_add(secs))
        )
    });
    let _ = writeln!(
        out.stderr,
        "guild: a {kind} invite to {}{until}; the invitee runs: guild join <ticket>. This device must be online for them (guild serve).",
        ticket.doc
    );
    Ok(())
}

pub(super) async fn invites(out: &mut Out, library: &Library, args: InvitesArgs) -> Result<()> {
    match args.command {
        Some(InvitesCommand::Close { doc, invite }) => {
            close_invite(out, library, &doc, &invite).await
        }
        None => {
            // `required = true` makes clap refuse a bare `guild invites`.
            let doc = library.resolve(args.doc.as_deref().unwrap_or_default())?;
            let access = library.access(&doc).await?;
            let rows = open_invites(&access, &library.endpoint_id(), unix_now());
            if rows.is_empty() {
                let _ = writeln!(out.stderr, "guild: no open invites to {doc}");
            }
            for row in rows {
                let workshop = if row.workshop { "  (workshop)" } else { "" };
                let _ = writeln!(
                    out.stdout,
                    "{:.12}  {:<10}  by {}  {}  {} joined{workshop}",
                    row.hash,
                    row.access.as_str(),
                    row.made_by,
                    row.expiry,
                    row.joined
                );
            }
            Ok(())
        }
    }
}

async fn close_invite(out: &mut Out, library: &Library, doc: &str, invite: &str) -> Result<()> {
    let doc = library.resolve(doc)?;
    let access = library.access(&doc).await?;
    // A ticket names its invite too: whoever holds it can close it.
    let hash = match invite.parse::<InviteTicket>() {
        Ok(ticket) if ticket.doc == doc => ticket.secret_hash(),
        Ok(_) => bail!("that ticket invites to another charter"),
        Err(_) => {
            if access.closed.contains_key(invite) {
                bail!("that invite is already closed");
            }
            super::resolve::item_id("open invite", &access.invites, |_| String::new(), invite)?
        }
    };
    if !access.invites.contains_key(&hash) {
        bail!(if access.closed.contains_key(&hash) {
            "that invite is already closed"
        } else {
            "no open invite to this charter matches"
        });
    }
    library
        .edit(
            &doc,
            &Op::CloseInvite {
                secret_hash: hash.clone(),
            },
        )
        .await?;
    let joined = access.joined_with(&hash);
    let _ = writeln!(
        out.stderr,
        "guild: closed invite {hash:.12}; the {joined} device(s) that joined with it stay until revoked"
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
    if let Some(relay) = &ticket.relay {
        // The community's relay, from now on, for this charter.
        relays::remember(node.library().data_dir(), &doc, Some(relay))
            .context("cannot remember the charter's relay")?;
    }
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
        // "How am I connected?": direct or through the relay, and how far.
        let how = match (peer.path, peer.rtt_us) {
            (Some(path), Some(rtt)) => format!("{}, {:.1} ms", path.as_str(), rtt as f64 / 1000.0),
            (Some(path), None) => path.as_str().to_owned(),
            _ => String::new(),
        };
        let _ = writeln!(
            out.stdout,
            "  {:.16}…  {state:<10}  {how:<16}  {}",
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
    if let Relay::Custom(url) = node.relay() {
        println!("relay: {}", super::relay::hide_token(url.as_str()));
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
    super::shutdown::signalled().await;
    tracing::info!("shutting down: flushing every charter to disk");
    control.stop();
    Ok(())
}
