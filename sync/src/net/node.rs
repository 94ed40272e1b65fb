//! A Guild node: the [`Library`] on the network. One iroh [`Endpoint`] with
//! a [`Router`] serving Guild's ALPN, samod syncing every charter with the
//! peers its access list admits, invites, joins, and sync status.
//!
//! Private by default: direct addresses only, no relays, no internet
//! discovery, no gateway probing. `--lan` adds mDNS on the local network;
//! relays are an explicit opt-in.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use guild_sync::{DataDir, Library, LibraryOptions};
//! use guild_sync::net::node::{NetOptions, Node};
//! use guild_model::AccessLevel;
//!
//! let library = Library::open(DataDir::resolve(None)?, LibraryOptions::interactive()).await?;
//! let node = Node::start(library, NetOptions::default()).await?;
//! let doc = node.library().create("Data CoP", true).await?;
//! let ticket = node.share(&doc, AccessLevel::ReadWrite).await?;
//! println!("join with: guild join {ticket}");
//! // … and on the other device: `node.join(&ticket).await?`
//! node.shutdown().await?;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use automerge::ChangeHash;
use automerge::ReadDoc as _;
use guild_model::{AccessLevel, Op};
use iroh::endpoint::{IdleTimeout, PortmapperConfig, QuicTransportConfig, presets};
use iroh::protocol::Router;
use iroh::{Endpoint, EndpointAddr, NetReportConfig, RelayMode, RelayUrl, TransportAddr};
use iroh_mdns_address_lookup::MdnsAddressLookup;
use samod::{
    ConnectionId, ConnectionInfo, ConnectionState, DialerFailed, DocumentId, PeerDocState,
};

use super::clock::Clock;
use super::netsplit::Netsplit;
use super::paths::{PathBook, PathKind};
use super::peers::PeerBook;
use super::protocol::GuildProtocol;
use super::ticket::InviteTicket;
use super::wire::{ALPN, InviteProof, WireCounters};
use super::workshop::desk::Desk;
use super::workshop::door::Door;
use super::workshop::knock::KNOCK_ALPN;
use crate::access::{AccessIndex, DocAccess};
use crate::library::{Library, LibraryError};

mod dialing;
mod hosting;
pub mod overlay;

use dialing::{Dialers, Dialing};
pub use hosting::{HostOptions, Hosted};
use overlay::Overlay;

/// Closes this node's dialers to every device a revocation has cut off from
/// every charter here, as soon as the revocation reaches the access index:
/// samod would otherwise keep re-dialling it, and the share policy alone
/// leaves the connection up for whatever the device sends next. Connections
/// the device dialled are ended by the protocol handler.
async fn close_revoked_dialers(index: AccessIndex, dialers: Dialers) {
    let mut changes = index.changes();
    while changes.changed().await.is_ok() {
        let mut dialers = dialers.lock().unwrap_or_else(PoisonError::into_inner);
        dialers.retain(|endpoint, dialer| {
            let keep = !index.revoked_everywhere(endpoint);
            if !keep {
                tracing::info!(peer = %endpoint, "revoked: no longer dialled");
                dialer.close();
            }
            keep
        });
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // The tasks hold the index and the dialers, never the node.
        self.revocations.abort();
        self.overlay_task.abort();
    }
}

/// Which relays to use (never in tests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Relay {
    /// None: direct addresses only.
    #[default]
    Disabled,
    /// n0's public relays.
    Default,
    /// A self-hosted iroh-relay (`guild relay`).
    Custom(RelayUrl),
    /// A self-hosted relay and no direct path at all, not even on a LAN:
    /// for measuring the relay against direct paths (the benchmark).
    Only(RelayUrl),
}

impl Relay {
    /// The self-hosted relay's URL, if it is one.
    pub fn url(&self) -> Option<&RelayUrl> {
        match self {
            Self::Custom(url) | Self::Only(url) => Some(url),
            Self::Disabled | Self::Default => None,
        }
    }
}

/// How a node reaches the network.
#[derive(Debug, Clone, Default)]
pub struct NetOptions {
    /// The address to bind (default: all interfaces, a random port).
    pub listen: Option<SocketAddr>,
    /// Find and be found by peers on the LAN (mDNS).
    pub lan: bool,
    /// Relays.
    pub relay: Relay,
    /// A name for this device that peers see ("Ana's laptop").
    pub label: Option<String>,
}

impl NetOptions {
    /// Loopback only, a random port: no LAN, no relays, no label (for tests
    /// and benchmarks; set `label` or `listen` with struct update syntax).
    ///
    /// ```
    /// use guild_sync::net::node::NetOptions;
    /// let options = NetOptions { label: Some("test peer".into()), ..NetOptions::loopback() };
    /// assert!(options.listen.is_some_and(|a| a.ip().is_loopback()));
    /// ```
    pub fn loopback() -> Self {
        Self {
            listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            lan: false,
            relay: Relay::Disabled,
            label: None,
        }
    }
}

/// What went wrong on the network side.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The endpoint could not start.
    #[error("cannot start networking: {0}")]
    Bind(String),
    /// The library refused.
    #[error(transparent)]
    Library(#[from] LibraryError),
    /// A peer refused us.
    #[error("{0}")]
    Refused(String),
    /// A request that makes no sense (an expiry past the end of time).
    #[error("{0}")]
    Invalid(String),
    /// Nothing arrived in time.
    #[error("{0}")]
    Timeout(String),
    /// The document store is stopping: nothing more can be synced.
    #[error("the document store is stopping")]
    Stopped,
}

/// How often a quiet connection on direct paths (LAN, loopback) sends a
/// keep-alive. iroh's default (5 s, with a 15 s path and 30 s connection
/// idle timeout) is for the internet: a peer switched off or killed without
/// closing would still show as connected for half a minute.
const DIRECT_KEEP_ALIVE: Duration = Duration::from_millis(300);

/// How long a connection on direct paths may stay silent before it counts as
/// gone: five keep-alives, so a lost packet or two ends nothing, and a window
/// (which reads the state every second) shows a departed peer within 2.5 s.
/// The effective timeout is the lower of both ends', so this holds with
/// older peers too.
const DIRECT_IDLE_TIMEOUT: Duration = Duration::from_millis(1500);

/// The longest wait between two dials of a peer that went away, on direct
/// paths: a peer that comes back is reached within about a second even when
/// it does not dial us itself. A dial of an absent LAN peer costs a few
/// packets.
const DIRECT_REDIAL_MAX: Duration = Duration::from_secs(1);

/// The same over relays, where a dial costs more and peers come and go with
/// their laptops' lids.
const RELAYED_REDIAL_MAX: Duration = Duration::from_secs(10);

/// How long the overlay dials a neighbour on direct paths before it lets
/// the next device on the ring stand in: a LAN or loopback connection is
/// up in milliseconds, and two seconds leave room for a busy laptop.
const DIRECT_ABSENT_AFTER: Duration = Duration::from_secs(2);

/// The same through a relay, whose first connection takes round trips to
/// the relay and a wait for the peer's turn there.
const RELAYED_ABSENT_AFTER: Duration = Duration::from_secs(6);

/// One peer of one charter, as `guild sync` and the window show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PeerStatus {
    /// The peer's endpoint id.
    pub endpoint: String,
    /// Its label in the charter's device list.
    pub label: String,
    /// Whether a connection to it is up.
    pub connected: bool,
    /// Whether it has every change we have.
    pub has_our_changes: bool,
    /// Whether we have every change it has.
    pub we_have_theirs: bool,
    /// How many of our changes it is not known to have: counted against what
    /// it acknowledged, now or when it was last connected while this node
    /// ran; `None` if it has not been connected since this node started.
    pub unshared: Option<usize>,
    /// How the connection runs now, direct or through a relay (`None`
    /// when not connected).
    pub path: Option<PathKind>,
    /// The connection's round-trip time in microseconds, when connected
    /// (a LAN's is well under a millisecond).
    pub rtt_us: Option<u64>,
}

/// A charter's sync state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyncStatus {
    /// The charter.
    pub doc: String,
    /// Every admitted device but this one.
    pub peers: Vec<PeerStatus>,
    /// Changes no connected peer has acknowledged yet; with none connected,
    /// changes no peer had when last connected; every change when no peer
    /// was connected since this node started.
    pub pending_changes: usize,
}

/// The heads each peer was last known to share with us, by charter and
/// endpoint id: what "not yet shared" counts against once it has gone.
type LastShared = Mutex<HashMap<(String, String), Vec<ChangeHash>>>;

/// A running Guild node.
pub struct Node {
    library: Arc<Library>,
    router: Router,
    dialing: Arc<Dialing>,
    /// Closes dialers to devices revoked everywhere; stopped at shutdown.
    revocations: tokio::task::AbortHandle,
    /// Which devices each charter's room keeps linked.
    overlay: Arc<Overlay>,
    /// Keeps those links; stopped at shutdown.
    overlay_task: tokio::task::AbortHandle,
    lan: std::sync::atomic::AtomicBool,
    last_shared: LastShared,
    /// What invites' expiry is set and judged by.
    clock: Clock,
    /// Every connection's paths, for "direct or relayed".
    paths: PathBook,
    /// The relays this node uses.
    relay: Relay,
    /// The workshop this node hosts, and who knocks.
    desk: Desk,
    /// The LAN discovery service while it runs (to browse workshops).
    mdns: Mutex<Option<MdnsAddressLookup>>,
}

/// What an invite grants and for how long.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InviteOptions {
    /// What a device joining with it may do.
    pub access: AccessLevel,
    /// How long it admits, if not until it is closed.
    pub expires: Option<Duration>,
    /// Made by hosting a workshop: [`Node::end_workshop`] closes it.
    pub workshop: bool,
}

impl Node {
    /// Binds the endpoint and starts serving every charter of `library`.
    pub async fn start(library: Library, options: NetOptions) -> Result<Self, NetError> {
        let started = std::time::Instant::now();
        let paths = PathBook::default();
        let endpoint = bind(&library, &options, &paths).await?;
        tracing::debug!(ms = started.elapsed().as_millis(), "endpoint bound");
        let library = Arc::new(library);
        let counters = Arc::new(WireCounters::default());
        let acceptor = library
            .repo()
            .make_acceptor(
                samod::Url::parse("guild://incoming").map_err(|e| NetError::Bind(e.to_string()))?,
            )
            .map_err(|_| NetError::Stopped)?;
        // Every charter's access list is known before the first peer knocks.
        for doc in library.document_ids()? {
            if let Err(e) = library.access(&doc).await {
                tracing::warn!(%doc, error = %e, "cannot read a charter's access list");
            }
        }
        tracing::debug!(ms = started.elapsed().as_millis(), "access lists read");
        let peers = PeerBook::open(library.data_dir());
        // Whoever dials us can be dialled back: when this node restarts, it
        // reaches them at once instead of waiting for their next re-dial.
        let clock = Clock::default();
        let netsplit = Netsplit::default();
        let protocol = GuildProtocol::new(Arc::clone(&library), acceptor, Arc::clone(&counters))
            .remembering(peers.clone())
            .with_clock(clock.clone())
            .with_netsplit(netsplit.clone());
        let desk = Desk::default();
        let door = Door::new(desk.clone(), Arc::clone(&library), Arc::clone(&counters));
        let router = Router::builder(endpoint)
            .accept(ALPN, protocol)
            .accept(KNOCK_ALPN, door)
            .spawn();
        let label = options.label.unwrap_or_else(crate::identity::default_label);
        library.set_label(&label);
        let dialers = Dialers::default();
        let revocations = tokio::spawn(close_revoked_dialers(
            library.access_index().clone(),
            Arc::clone(&dialers),
        ))
        .abort_handle();
        let direct = options.relay == Relay::Disabled;
        let dialing = Arc::new(Dialing {
            library: Arc::clone(&library),
            endpoint: router.endpoint().clone(),
            counters,
            dialers,
            pinned: Mutex::default(),
            peers,
            label,
            redial_max: if direct {
                DIRECT_REDIAL_MAX
            } else {
                RELAYED_REDIAL_MAX
            },
            relay: options
                .relay
                .url()
                .map(|url| TransportAddr::Relay(super::relays::relay_config(url).url.clone())),
            netsplit,
        });
        let overlay = Arc::new(Overlay::new(if direct {
            DIRECT_ABSENT_AFTER
        } else {
            RELAYED_ABSENT_AFTER
        }));
        let overlay_task = tokio::spawn(overlay::keep_linked(
            Arc::clone(&overlay),
            Arc::clone(&dialing),
        ))
        .abort_handle();
        let node = Self {
            library,
            router,
            dialing,
            revocations,
            overlay,
            overlay_task,
            lan: std::sync::atomic::AtomicBool::new(false),
            last_shared: LastShared::default(),
            clock,
            paths,
            relay: options.relay.clone(),
            desk,
            mdns: Mutex::new(None),
        };
        if options.lan {
            node.enable_lan()?;
        }
        Ok(node)
    }

    /// The relays this node uses.
    pub fn relay(&self) -> &Relay {
        &self.relay
    }

    /// The library this node serves.
    pub fn library(&self) -> &Library {
        &self.library
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        self.router.endpoint()
    }

    /// This node's address: its id and the direct addresses it listens on.
    pub fn addr(&self) -> EndpointAddr {
        self.endpoint().addr()
    }

    /// The direct IP addresses this node listens on, as another node's
    /// [`Node::remember_peer`] takes them.
    pub fn ip_addrs(&self) -> Vec<SocketAddr> {
        ip_addrs(&self.addr())
    }

    /// Bytes of Guild frames `(received, sent)` since start.
    pub fn wire_bytes(&self) -> (u64, u64) {
        self.dialing.counters.get()
    }

    /// Guild frames `(received, sent)` since start.
    pub fn wire_frames(&self) -> (u64, u64) {
        self.dialing.counters.frames()
    }

    /// Records direct addresses for a peer, for later dials.
    pub fn remember_peer(&self, endpoint: &str, addrs: impl IntoIterator<Item = SocketAddr>) {
        self.dialing.peers.record(endpoint, addrs);
    }

    /// Turns LAN discovery (mDNS) on for a running node: it announces
    /// itself and finds peers on the local network ("host a workshop").
    pub fn enable_lan(&self) -> Result<(), NetError> {
        if self.lan.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Ok(());
        }
        let started = MdnsAddressLookup::builder()
            .build(self.endpoint().id())
            .map_err(|e| e.to_string())
            .and_then(|mdns| {
                let services = self
                    .endpoint()
                    .address_lookup()
                    .map_err(|e| e.to_string())?;
                services.add(mdns.clone());
                Ok(mdns)
            });
        match started {
            Ok(mdns) => {
                *self.mdns.lock().unwrap_or_else(PoisonError::into_inner) = Some(mdns);
                Ok(())
            }
            Err(e) => {
                self.lan.store(false, std::sync::atomic::Ordering::SeqCst);
                Err(NetError::Bind(format!("cannot start LAN discovery: {e}")))
            }
        }
    }

    /// Turns LAN discovery off ("stop the workshop"): the node stops
    /// announcing itself and finding peers on the local network; live
    /// connections stay. mDNS is the only address lookup a node runs (it
    /// has no DNS or relay discovery), so every lookup service goes.
    pub fn disable_lan(&self) -> Result<(), NetError> {
        if !self.lan.swap(false, std::sync::atomic::Ordering::SeqCst) {
            return Ok(());
        }
        // Dropping the mDNS service aborts its task, which stops announcing.
        self.mdns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        self.endpoint()
            .address_lookup()
            .map_err(|e| NetError::Bind(format!("cannot stop LAN discovery: {e}")))?
            .clear();
        Ok(())
    }

    /// Whether LAN discovery is on.
    pub fn lan(&self) -> bool {
        self.lan.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Stops dialing `endpoint` (after a revocation, whose access is already
    /// withdrawn document by document by the share policy, or to cut a link
    /// dialled by hand).
    pub fn disconnect(&self, endpoint: &str) {
        self.dialing
            .pinned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(endpoint);
        self.dialing.hang_up(endpoint);
    }

    /// Opens an invite to `doc` that admits until it is closed, and
    /// returns its ticket.
    pub async fn share(&self, doc: &str, access: AccessLevel) -> Result<InviteTicket, NetError> {
        self.share_with(
            doc,
            InviteOptions {
                access,
                ..InviteOptions::default()
            },
        )
        .await
    }

    /// Opens an invite to `doc` as `options` say, and returns its ticket.
    pub async fn share_with(
        &self,
        doc: &str,
        options: InviteOptions,
    ) -> Result<InviteTicket, NetError> {
        let doc = self.library.resolve(doc)?;
        let expires_at = options
            .expires
            .map(|d| {
                i64::try_from(d.as_secs())
                    .ok()
                    .and_then(|secs| self.clock.now().checked_add(secs))
                    .ok_or_else(|| NetError::Invalid("that expiry is too far away".into()))
            })
            .transpose()?;
        // The ticket names this node's own relay: the joiner uses it too.
        let relay = self.relay.url().map(ToString::to_string);
        let ticket = InviteTicket::new(doc.clone(), self.addr(), options.access).with_relay(relay);
        let op = Op::OpenInvite {
            secret_hash: ticket.secret_hash(),
            access: options.access,
            created_by: self.library.endpoint_id(),
            expires_at,
            workshop: options.workshop,
        };
        self.library.edit(&doc, &op).await?;
        Ok(ticket)
    }

    /// Ends a workshop: stops announcing this device on the LAN and closes
    /// every still-open invite this device made by hosting one, in every
    /// charter here. Devices those invites admitted stay admitted. Returns
    /// how many invites it closed.
    pub async fn end_workshop(&self) -> Result<usize, NetError> {
        self.stop_hosting();
        self.disable_lan()?;
        let me = self.library.endpoint_id();
        let mut closed = 0;
        for doc in self.library.document_ids()? {
            let access = self.library.access(&doc).await?;
            let ops: Vec<Op> = access
                .invites
                .iter()
                .filter(|(_, invite)| invite.workshop && invite.created_by == me)
                .map(|(hash, _)| Op::CloseInvite {
                    secret_hash: hash.clone(),
                })
                .collect();
            if !ops.is_empty() {
                self.library.edit_batch(&doc, &ops, None).await?;
                closed += ops.len();
            }
        }
        Ok(closed)
    }

    /// The clock invites' expiry is set and judged by.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Joins the charter of `ticket`: proves the invite to the inviter, is
    /// admitted, fetches the charter and stores it. Returns its id.
    pub async fn join(&self, ticket: &InviteTicket, timeout: Duration) -> Result<String, NetError> {
        let inviter = ticket.inviter.id.to_string();
        if ticket.doc.parse::<DocumentId>().is_err() {
            return Err(NetError::Refused(
                "the ticket names no valid charter".into(),
            ));
        }
        self.dialing
            .peers
            .record(&inviter, ip_addrs(&ticket.inviter));
        if !matches!(
            self.library.access_index().get(&ticket.doc),
            DocAccess::Known(_)
        ) {
            self.library.access_index().set(
                &ticket.doc,
                DocAccess::Joining {
                    inviter: inviter.clone(),
                },
            );
        }
        let proof = InviteProof {
            doc: ticket.doc.clone(),
            secret: hex::encode(ticket.secret),
        };
        // The inviter is reached through the relay its ticket names, even
        // when it had not reached that relay yet when it made the ticket.
        let mut inviter_addr = ticket.inviter.clone();
        if let Some(url) = ticket
            .relay
            .as_deref()
            .and_then(|r| super::relays::parse_relay(r).ok())
        {
            inviter_addr.addrs.insert(TransportAddr::Relay(
                super::relays::relay_config(&url).url.clone(),
            ));
        }
        let dialer = self.dialing.dial(inviter_addr, Some(proof))?;
        let established = tokio::time::timeout(timeout, dialer.established())
            .await
            .map_err(|_| {
                NetError::Timeout(format!(
                    "could not reach the inviter within {} s",
                    timeout.as_secs()
                ))
            })?;
        established.map_err(|e| match e {
            // The inviter's own words ("this invite has expired; …") are
            // the message: samod's and the dialer's wrapping adds nothing
            // a person joining can act on.
            DialerFailed::PermanentFailure(refused) => NetError::Refused(refused.reason.clone()),
            other @ DialerFailed::MaxRetriesReached => NetError::Refused(other.to_string()),
        })?;
        self.fetch(&ticket.doc, &inviter, timeout).await
    }

    /// Fetches a charter this node does not have from a connected peer,
    /// waits until all of it has arrived, and stores it. The peer's share
    /// policy decides whether it sends anything: asking for a charter one
    /// was not invited to gets nothing.
    pub async fn fetch(
        &self,
        doc: &str,
        from: &str,
        timeout: Duration,
    ) -> Result<String, NetError> {
        let doc_id: DocumentId = doc
            .parse()
            .map_err(|_| NetError::Refused(format!("`{doc}` is not a charter id")))?;
        if !matches!(self.library.access_index().get(doc), DocAccess::Known(_)) {
            self.library.access_index().set(
                doc,
                DocAccess::Joining {
                    inviter: from.to_owned(),
                },
            );
        }
        let found = tokio::time::timeout(timeout, self.library.repo().find(doc_id))
            .await
            .map_err(|_| NetError::Timeout("the charter did not arrive in time".into()))?
            .map_err(|_| NetError::Stopped)?;
        let Some(handle) = found else {
            // Nothing may stay admitted on the strength of a failed request.
            if matches!(
                self.library.access_index().get(doc),
                DocAccess::Joining { .. }
            ) {
                self.library.access_index().set(doc, DocAccess::Absent);
            }
            return Err(NetError::Refused(
                "the peer does not share that charter with this device".into(),
            ));
        };
        // Wait for the whole charter, not just its first message, over
        // whichever connection to the inviter is up: the room's overlay may
        // close one of two (both sides dialled) while this waits on it.
        let deadline = tokio::time::Instant::now() + timeout;
        while let Some(conn) = self.connection_to(from) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let step = left.min(Duration::from_millis(250));
            if step.is_zero()
                || tokio::time::timeout(step, handle.we_have_their_changes(conn))
                    .await
                    .is_ok()
            {
                break;
            }
        }
        self.library.access(doc).await?;
        // samod stores what arrived a moment later: until its first chunk
        // is queued, the library does not list the charter, and the window
        // opening it at once would be told it does not exist.
        let listed = async {
            while !self.library.document_ids()?.iter().any(|id| id == doc) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Ok::<(), NetError>(())
        };
        tokio::time::timeout(timeout, listed).await.map_err(|_| {
            NetError::Timeout("the charter arrived but was not stored in time".into())
        })??;
        Ok(doc.to_owned())
    }

    /// A feed of how many peers are connected, sent when a peer comes or
    /// goes and, at most every 200 ms, when what peers have changes (samod's
    /// own feed fires on every message), so a window redraws its sync state
    /// at once instead of at its next tick.
    pub fn connection_changes(&self) -> tokio::sync::mpsc::UnboundedReceiver<usize> {
        use futures::StreamExt as _;
        const QUIET: Duration = Duration::from_millis(200);
        let connected = |infos: &[ConnectionInfo]| {
            infos
                .iter()
                .filter(|i| matches!(i.state, ConnectionState::Connected { .. }))
                .count()
        };
        let (now, mut stream) = self.library.repo().connected_peers();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let mut last = connected(&now);
        tokio::spawn(async move {
            // A change in what peers have, not yet sent on, and when the
            // feed last sent.
            let mut owed = false;
            let mut sent = tokio::time::Instant::now();
            loop {
                let next = if owed {
                    let wait = QUIET.saturating_sub(sent.elapsed());
                    if let Ok(next) = tokio::time::timeout(wait, stream.next()).await {
                        next
                    } else {
                        (owed, sent) = (false, tokio::time::Instant::now());
                        if tx.send(last).is_err() {
                            break;
                        }
                        continue;
                    }
                } else {
                    stream.next().await
                };
                let Some(infos) = next else { break };
                let count = connected(&infos);
                if count == last && sent.elapsed() < QUIET {
                    owed = true;
                    continue;
                }
                (last, owed, sent) = (count, false, tokio::time::Instant::now());
                if tx.send(count).is_err() {
                    break;
                }
            }
        });
        rx
    }

    /// The open connections whose handshake is done, by peer endpoint id.
    fn connections(&self) -> Vec<(String, ConnectionInfo)> {
        self.library
            .repo()
            .connected_peers()
            .0
            .into_iter()
            .filter_map(|info| match &info.state {
                ConnectionState::Connected { their_peer_id } => {
                    let endpoint = self
                        .library
                        .access_index()
                        .endpoint_of(their_peer_id.as_str())?;
                    Some((endpoint, info))
                }
                ConnectionState::Handshaking => None,
            })
            .collect()
    }

    fn connection_to(&self, endpoint: &str) -> Option<ConnectionId> {
        self.connections()
            .into_iter()
            .find(|(peer, _)| peer == endpoint)
            .map(|(_, info)| info.id)
    }

    /// Dials one device now, replacing any earlier dialer to it (whose
    /// backoff may have grown long while the device was away), and keeps
    /// dialling it whatever the room's overlay would choose. Its address
    /// comes from the address book (see [`Node::remember_peer`]).
    pub fn connect_peer(&self, endpoint: &str) -> Result<(), NetError> {
        endpoint
            .parse::<iroh::EndpointId>()
            .map_err(|_| NetError::Refused(format!("`{endpoint}` is not a device id")))?;
        self.disconnect(endpoint);
        self.dialing
            .pinned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(endpoint.to_owned());
        self.dialing.dial_known(endpoint)?;
        Ok(())
    }

    /// Whether a sync connection to `endpoint` is up (either side dialed).
    pub fn is_connected_to(&self, endpoint: &str) -> bool {
        self.connection_to(endpoint).is_some()
    }

    /// Links `doc`'s room from now on: dials its neighbours on the room's
    /// overlay ([`overlay`]: a few devices on a ring of the admitted ones,
    /// not all of them) at their known addresses and by mDNS when on a
    /// LAN, and keeps those links as devices come and go. Returns how many
    /// dials it started now.
    pub async fn connect_peers(&self, doc: &str) -> Result<usize, NetError> {
        // Loads the access list if it is not yet.
        self.library.access(doc).await?;
        self.overlay.keep(doc);
        Ok(self.overlay.look_over(&self.dialing))
    }

    /// Takes the network to `endpoint` down for this node, as a cable
    /// pulled between them would: no dial, no accept, and this node's link
    /// to it closed (the simulation cuts both sides).
    #[cfg(feature = "netsplit")]
    pub fn cut_off(&self, endpoint: &str) {
        self.dialing.netsplit.cut(endpoint);
        self.dialing.hang_up(endpoint);
    }

    /// Brings back every link [`Node::cut_off`] took down.
    #[cfg(feature = "netsplit")]
    pub fn mend_links(&self) {
        self.dialing.netsplit.mend();
    }

    /// The devices `doc`'s room keeps this node linked to, as of the
    /// overlay's last look (empty until [`Node::connect_peers`]).
    pub fn neighbours(&self, doc: &str) -> Vec<String> {
        self.overlay.neighbours(doc)
    }

    /// The charter's sync state now.
    pub async fn status(&self, doc: &str) -> Result<SyncStatus, NetError> {
        let handle = self.library.handle(doc).await?;
        let access = self.library.access(doc).await?;
        let me = self.library.endpoint_id();
        let doc_id = handle.document_id().clone();
        // A peer may have more than one connection: both sides dialled, or
        // it restarted and dialled us while its old connection had not yet
        // timed out. Each connection's state counts.
        let mut states: HashMap<String, Vec<PeerDocState>> = HashMap::new();
        for (peer, info) in self.connections() {
            if let Some(state) = info.docs.get(&doc_id) {
                states.entry(peer).or_default().push(state.clone());
            }
        }
        // Read outside the document's lock: how each connected peer is reached.
        let path_now: HashMap<String, super::paths::PathNow> = states
            .keys()
            .filter_map(|peer| {
                let id = peer.parse::<iroh::EndpointId>().ok()?;
                Some((peer.clone(), self.paths.path_to(&id)?))
            })
            .collect();
        let mut last_shared = self
            .last_shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (peers, pending) = handle.with_document(|d| {
            let heads = d.get_heads();
            let have_all =
                |theirs: &Vec<ChangeHash>| theirs.iter().all(|h| d.get_change_by_hash(h).is_some());
            // Asking automerge costs a walk of the history on a long one:
            // a peer with all of ours (the usual case) is answered at once.
            let unshared = |shared: &Vec<ChangeHash>| {
                if *shared == heads {
                    0
                } else {
                    d.get_changes(shared).len()
                }
            };
            let mut peers = Vec::new();
            for (endpoint, device) in access
                .devices
                .iter()
                .filter(|(e, _)| **e != me && access.level_of(e).is_some())
            {
                let states = states.get(endpoint).map_or(&[][..], Vec::as_slice);
                let key = (doc_id.to_string(), endpoint.clone());
                // The connection that has the most of ours.
                let shared = states
                    .iter()
                    .filter_map(|s| s.shared_heads.as_ref())
                    .min_by_key(|shared| unshared(shared));
                if let Some(shared) = shared {
                    last_shared.insert(key.clone(), shared.clone());
                }
                peers.push(PeerStatus {
                    endpoint: endpoint.clone(),
                    label: device.label.clone(),
                    connected: !states.is_empty(),
                    has_our_changes: states
                        .iter()
                        .any(|s| s.shared_heads.as_ref() == Some(&heads)),
                    we_have_theirs: states
                        .iter()
                        .any(|s| s.their_heads.as_ref().is_some_and(have_all)),
                    unshared: last_shared.get(&key).map(&unshared),
                    path: path_now.get(endpoint).map(|p| p.kind),
                    rtt_us: path_now
                        .get(endpoint)
                        .map(|p| u64::try_from(p.rtt.as_micros()).unwrap_or(u64::MAX)),
                });
            }
            let counted = |connected_only: bool| {
                peers
                    .iter()
                    .filter(|p| p.connected || !connected_only)
                    .filter_map(|p| p.unshared)
                    .min()
            };
            let pending = counted(true)
                .or_else(|| counted(false))
                .unwrap_or_else(|| usize::try_from(d.stats().num_changes).unwrap_or(usize::MAX));
            (peers, pending)
        });
        Ok(SyncStatus {
            doc: doc.to_owned(),
            peers,
            pending_changes: pending,
        })
    }

    /// Connects to the charter's peers and syncs until every reachable one
    /// has all our changes and we have all theirs, or `timeout` passes.
    pub async fn sync(&self, doc: &str, timeout: Duration) -> Result<SyncStatus, NetError> {
        let doc = self.library.resolve(doc)?;
        self.connect_peers(&doc).await?;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let status = self.status(&doc).await?;
            let connected: Vec<_> = status.peers.iter().filter(|p| p.connected).collect();
            let settled = !connected.is_empty()
                && connected
                    .iter()
                    .all(|p| p.has_our_changes && p.we_have_theirs);
            if settled || tokio::time::Instant::now() >= deadline {
                return Ok(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops networking and closes the library (every save flushed).
    pub async fn shutdown(&self) -> Result<(), NetError> {
        self.revocations.abort();
        self.overlay_task.abort();
        let dialers: Vec<_> = self
            .dialing
            .dialers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .collect();
        for (_, dialer) in dialers {
            dialer.close();
        }
        let _ = self.router.shutdown().await;
        self.library.stop().await?;
        Ok(())
    }
}

/// Binds the endpoint. Without `--listen`, it listens on all interfaces on
/// the port this data dir used last time (recorded in `net.json`), so
/// invite tickets and peers' address books stay valid across restarts.
async fn bind(
    library: &Library,
    options: &NetOptions,
    paths: &PathBook,
) -> Result<Endpoint, NetError> {
    let remembered = library.data_dir().net_config_path();
    let saved_port = std::fs::read(&remembered)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("port").and_then(serde_json::Value::as_u64))
        .and_then(|p| u16::try_from(p).ok());
    let attempts: Vec<Option<SocketAddr>> = match (options.listen, saved_port) {
        (Some(listen), _) => vec![Some(listen)],
        (None, Some(port)) => vec![Some(SocketAddr::from(([0, 0, 0, 0], port))), None],
        (None, None) => vec![None],
    };
    let mut last_error = String::new();
    for listen in attempts {
        match endpoint_builder(library, options, listen)?
            .hooks(paths.clone())
            .bind()
            .await
        {
            Ok(endpoint) => {
                if options.listen.is_none()
                    && let Some(port) = endpoint
                        .bound_sockets()
                        .iter()
                        .find(|s| s.is_ipv4())
                        .map(SocketAddr::port)
                    && saved_port != Some(port)
                {
                    let record = serde_json::json!({ "port": port }).to_string();
                    // Losing this only costs a new port next time.
                    if let Err(e) = library
                        .data_dir()
                        .write_file(&remembered, record.as_bytes())
                    {
                        tracing::warn!(error = %e, "cannot remember the listening port");
                    }
                }
                return Ok(endpoint);
            }
            Err(e) => last_error = e.to_string(),
        }
    }
    Err(NetError::Bind(last_error))
}

fn endpoint_builder(
    library: &Library,
    options: &NetOptions,
    listen: Option<SocketAddr>,
) -> Result<iroh::endpoint::Builder, NetError> {
    let mut builder = Endpoint::builder(presets::Minimal)
        .secret_key(library.secret_key().clone())
        .alpns(vec![ALPN.to_vec()]);
    builder = match &options.relay {
        Relay::Disabled => builder
            .relay_mode(RelayMode::Disabled)
            .portmapper_config(PortmapperConfig::Disabled)
            .net_report_config(NetReportConfig::minimal())
            .transport_config(direct_transport()?),
        Relay::Default => builder.relay_mode(RelayMode::Default),
        // A `?token=` in the URL is the relay's shared secret: sent to the
        // relay, kept out of the address peers are told.
        Relay::Custom(url) => {
            builder.relay_mode(RelayMode::Custom(super::relays::relay_config(url).into()))
        }
        Relay::Only(url) => builder
            .relay_mode(RelayMode::Custom(super::relays::relay_config(url).into()))
            .clear_ip_transports(),
    };
    // A community relay whose certificate is its own (GUILD_RELAY_CA).
    if options.relay.url().is_some()
        && let Some(roots) = super::relays::extra_roots().map_err(NetError::Bind)?
    {
        builder = builder.ca_tls_config(iroh::tls::CaTlsConfig::embedded().with_extra_roots(roots));
    }
    // A relay-only node binds no IP socket at all.
    if let Some(listen) = listen.filter(|_| !matches!(options.relay, Relay::Only(_))) {
        builder = builder
            .clear_ip_transports()
            .bind_addr(listen)
            .map_err(|e| NetError::Bind(e.to_string()))?;
    }
    // LAN discovery starts once the node runs ([`Node::enable_lan`]), so
    // the node holds the service to browse workshops with.
    Ok(builder)
}

/// QUIC settings for direct paths only: a peer that vanished without
/// closing is noticed within [`DIRECT_IDLE_TIMEOUT`]. Over relays iroh's
/// defaults stay, since a relay path may pause for seconds while the relay
/// reconnects.
fn direct_transport() -> Result<QuicTransportConfig, NetError> {
    let idle =
        IdleTimeout::try_from(DIRECT_IDLE_TIMEOUT).map_err(|e| NetError::Bind(e.to_string()))?;
    Ok(QuicTransportConfig::builder()
        .keep_alive_interval(DIRECT_KEEP_ALIVE)
        .max_idle_timeout(Some(idle))
        .default_path_keep_alive_interval(DIRECT_KEEP_ALIVE)
        .default_path_max_idle_timeout(DIRECT_IDLE_TIMEOUT)
        .build())
}

fn ip_addrs(addr: &EndpointAddr) -> Vec<SocketAddr> {
    addr.addrs
        .iter()
        .filter_map(|a| match a {
            TransportAddr::Ip(ip) => Some(*ip),
            _ => None,
        })
        .collect()
}
