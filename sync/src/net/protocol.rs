//! The accepting side of Guild's ALPN: a [`ProtocolHandler`] that checks who
//! is connecting before any document data flows, then hands the stream to
//! samod.
//!
//! A connection is refused unless the remote endpoint presents a valid
//! invite (and is then admitted to that charter's device list) or is
//! already admitted to some charter here. Which charters it then receives
//! is samod's share policy's decision, per document.

use std::sync::Arc;

use futures::StreamExt as _;
use guild_model::{AccessLevel, InviteState, Op};
use iroh::endpoint::Connection;
use iroh::protocol::{AcceptError, ProtocolHandler};
use samod::{AcceptorEvent, AcceptorHandle};

use super::agreement;
use super::clock::Clock;
use super::envelope::Envelopes;
use super::in_sync::InSync;
use super::netsplit::Netsplit;
use super::peers::PeerBook;
use super::ticket::secret_hash;
use super::wire::{FramedStream, HANDSHAKE_TIMEOUT, Hello, Welcome, WireCounters};
use crate::library::Library;

/// QUIC close code: refused by access control.
pub const CLOSE_REFUSED: u32 = 403;
/// QUIC close code: broke the protocol (garbage, oversize, silence).
pub const CLOSE_PROTOCOL: u32 = 400;

/// The refusal of an invite past its expiry (the joiner shows it as is).
pub const INVITE_EXPIRED: &str = "this invite has expired; ask for a new one";
/// The refusal of a closed invite (the joiner shows it as is).
pub const INVITE_CLOSED: &str = "this invite was closed; ask for a new one";

/// The most addresses kept per peer from its incoming connections.
const MAX_REMEMBERED: usize = 8;

/// Accepts Guild sync connections.
#[derive(Clone)]
pub struct GuildProtocol {
    library: Arc<Library>,
    acceptor: AcceptorHandle,
    counters: Arc<WireCounters>,
    /// Where admitted peers' addresses are recorded, if anywhere.
    peers: Option<PeerBook>,
    /// What invites' expiry is judged by.
    clock: Clock,
    /// Peers the network to which is down (only ever in the simulation).
    netsplit: Netsplit,
}

impl std::fmt::Debug for GuildProtocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuildProtocol").finish_non_exhaustive()
    }
}

impl GuildProtocol {
    /// A handler feeding `acceptor`, deciding with `library`'s access lists.
    pub fn new(
        library: Arc<Library>,
        acceptor: AcceptorHandle,
        counters: Arc<WireCounters>,
    ) -> Self {
        Self {
            library,
            acceptor,
            counters,
            peers: None,
            clock: Clock::default(),
            netsplit: Netsplit::default(),
        }
    }

    /// Accepts nobody `netsplit` cuts off.
    #[must_use]
    pub fn with_netsplit(mut self, netsplit: Netsplit) -> Self {
        self.netsplit = netsplit;
        self
    }

    /// Judges invites' expiry by `clock` (the node's, which tests move).
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Records the address each admitted peer dialled from in `peers`, so
    /// this node can dial it back after a restart: iroh sends from the
    /// socket it listens on, so that address is where the peer listens.
    #[must_use]
    pub fn remembering(mut self, peers: PeerBook) -> Self {
        self.peers = Some(peers);
        self
    }

    /// Adds the direct addresses `conn` reaches its peer at to the peer book.
    fn remember(&self, remote: &str, conn: &Connection) {
        let Some(book) = &self.peers else { return };
        let paths = conn.paths();
        let seen: Vec<std::net::SocketAddr> = (&paths)
            .into_iter()
            .filter_map(|path| match path.remote_addr() {
                iroh::TransportAddr::Ip(addr) => Some(*addr),
                _ => None,
            })
            .collect();
        if seen.is_empty() {
            return;
        }
        // Earlier addresses (a ticket's, another network's) stay beside the
        // new one, up to a few: a peer that keeps changing ports does not
        // grow the book without end.
        let mut addrs = book.addrs(remote);
        if addrs.len() >= MAX_REMEMBERED {
            addrs.clear();
        }
        addrs.extend(seen);
        book.record(remote, addrs);
    }

    /// Admits the remote, or says why not.
    async fn admit(&self, remote: &str, hello: &Hello) -> Result<(), String> {
        if let Some(proof) = &hello.invite {
            let doc = self
                .library
                .resolve(&proof.doc)
                .map_err(|_| "invalid invite".to_owned())?;
            if doc != proof.doc {
                return Err("invalid invite".into());
            }
            let access = self
                .library
                .access(&doc)
                .await
                .map_err(|_| "invalid invite".to_owned())?;
            if access.revoked.contains_key(remote) {
                return Err("this device's access to the charter was revoked".into());
            }
            let secret = hex::decode(&proof.secret).map_err(|_| "invalid invite".to_owned())?;
            let hash = secret_hash(&secret);
            let invite = match access.invite_state(&hash, self.clock.now()) {
                InviteState::Open(invite) => invite,
                // A device admitted before stays admitted: its old ticket
                // grants nothing new, but is no reason to hang up on it.
                InviteState::Expired | InviteState::Closed if access.level_of(remote).is_some() => {
                    return Ok(());
                }
                InviteState::Expired => return Err(INVITE_EXPIRED.into()),
                InviteState::Closed => return Err(INVITE_CLOSED.into()),
                InviteState::Unknown => return Err("invalid invite".into()),
            };
            let stronger = access.level_of(remote).is_none_or(|have| {
                have == AccessLevel::ReadOnly && invite.access == AccessLevel::ReadWrite
            });
            if stronger {
                let admit = Op::AdmitDevice {
                    endpoint: remote.to_owned(),
                    access: invite.access,
                    label: hello.label.chars().take(64).collect(),
                    actor: Some(hello.device.chars().take(64).collect()),
                    admitted_by: self.library.endpoint_id(),
                    invite: Some(hash),
                };
                self.library.edit(&doc, &admit).await.map_err(|e| {
                    tracing::warn!(error = %e, "cannot admit an invited device");
                    "the inviter could not record the new device".to_owned()
                })?;
            }
            tracing::info!(peer = %remote, %doc, "admitted with an invite");
            return Ok(());
        }
        if self.library.access_index().admits_anywhere(remote) {
            Ok(())
        } else {
            Err("this device is not invited to any charter here".into())
        }
    }
}

/// The stream an accepted connection's first bi-stream is, framed.
pub(crate) type AcceptedStream =
    FramedStream<tokio::io::Join<iroh::endpoint::RecvStream, iroh::endpoint::SendStream>>;

/// Takes an accepted connection's first bi-stream and first message,
/// within the handshake timeout; `Ok(None)` once the connection has been
/// closed for silence or garbage (nothing more to do with it).
pub(crate) async fn first_message<T: for<'de> serde::Deserialize<'de>>(
    conn: &Connection,
    counters: Arc<WireCounters>,
) -> Result<Option<(AcceptedStream, T)>, AcceptError> {
    let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, conn.accept_bi()).await {
        Ok(Ok((send, recv))) => tokio::io::join(recv, send),
        Ok(Err(e)) => return Err(AcceptError::from_err(e)),
        Err(_) => {
            conn.close(CLOSE_PROTOCOL.into(), b"silent");
            return Ok(None);
        }
    };
    let mut framed = FramedStream::new(stream, counters);
    match framed.recv().await {
        Ok(message) => Ok(Some((framed, message))),
        Err(e) => {
            tracing::info!(peer = %conn.remote_id(), error = %e, "handshake failed");
            conn.close(CLOSE_PROTOCOL.into(), b"bad handshake");
            Ok(None)
        }
    }
}

impl ProtocolHandler for GuildProtocol {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let remote = conn.remote_id().to_string();
        if self.netsplit.cuts(&remote) {
            conn.close(CLOSE_REFUSED.into(), b"unreachable");
            return Ok(());
        }
        let Some((mut framed, hello)) =
            first_message::<Hello>(&conn, Arc::clone(&self.counters)).await?
        else {
            return Ok(());
        };
        if let Err(reason) = self.admit(&remote, &hello).await {
            tracing::info!(peer = %remote, %reason, "refused");
            let _ = framed.send(&Welcome::Refused(reason.clone())).await;
            // Give the refusal a moment to arrive before the close does.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            conn.close(CLOSE_REFUSED.into(), reason.as_bytes());
            return Ok(());
        }
        let (places, agreed) = if hello.version >= 3 {
            agreement::agree(&self.library, &remote, &hello.heads).await
        } else {
            (Vec::new(), Vec::new())
        };
        let welcome = Welcome::accepting(hello.version, places);
        framed.send(&welcome).await.map_err(AcceptError::from_err)?;
        self.remember(&remote, &conn);
        let compact = || Envelopes::compact(&self.library.endpoint_id(), &remote);
        let (envelopes, in_sync) = match welcome {
            Welcome::AcceptedCompact => (compact(), InSync::none()),
            Welcome::AcceptedInSync(_) => (compact().with_handshakes(), InSync::new(agreed)),
            Welcome::Accepted | Welcome::Refused(_) => (Envelopes::Plain, InSync::none()),
        };
        let transport = framed.into_transport(
            self.library.access_index().bind_peer(&remote),
            envelopes,
            in_sync,
        );
        let handle = self
            .acceptor
            .accept(transport)
            .map_err(AcceptError::from_err)?;
        let mut events = handle.events();
        // samod has no handshake deadline of its own: an admitted peer that
        // goes quiet before samod's handshake is hung up on. This also
        // catches a connection that ended before `events` subscribed.
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, handle.handshake_complete()).await {
            Ok(Ok(_)) => {}
            Ok(Err(reason)) => {
                tracing::info!(peer = %remote, ?reason, "sync handshake failed");
                conn.close(CLOSE_PROTOCOL.into(), b"bad handshake");
                return Ok(());
            }
            Err(_) => {
                tracing::info!(peer = %remote, "silent after the welcome");
                conn.close(CLOSE_PROTOCOL.into(), b"silent");
                return Ok(());
            }
        }
        tracing::info!(peer = %remote, "syncing");
        let ended = async {
            while let Some(event) = events.next().await {
                if let AcceptorEvent::ClientDisconnected { reason, .. } = event {
                    tracing::info!(peer = %remote, ?reason, "sync connection ended");
                    break;
                }
            }
        };
        let index = self.library.access_index().clone();
        let mut access_changes = index.changes();
        // Checked once before the first wait: the revocation may have
        // landed between the admission and the subscription.
        let revoked = async {
            loop {
                if index.revoked_everywhere(&remote) {
                    return;
                }
                if access_changes.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::select! {
            () = ended => conn.close(CLOSE_PROTOCOL.into(), b"done"),
            () = revoked => {
                tracing::info!(peer = %remote, "revoked: connection ended");
                conn.close(CLOSE_REFUSED.into(), b"revoked");
            }
            _ = conn.closed() => {}
        }
        Ok(())
    }
}
