//! The connecting side: a samod [`Dialer`] that reaches a peer over iroh,
//! says hello (with an invite when joining), and hands the stream to samod
//! bound to the peer's authenticated endpoint id. samod re-dials with
//! backoff after a drop.

use std::sync::{Arc, Weak};

use futures::future::BoxFuture;
use iroh::{Endpoint, EndpointAddr};
use samod::{DialError, Dialer, Transport};

use crate::access::AccessIndex;
use crate::library::Library;

use super::agreement;
use super::envelope::Envelopes;
use super::in_sync::InSync;
use super::netsplit::Netsplit;
use super::protocol::CLOSE_REFUSED;
use super::wire::{ALPN, FramedStream, Hello, Welcome, WireCounters};

/// The peer refused us: retrying will not help.
#[derive(Debug, thiserror::Error)]
#[error("refused by {peer}: {reason}")]
pub struct Refused {
    /// The peer's endpoint id.
    pub peer: String,
    /// What it said.
    pub reason: String,
}

/// Dials one peer.
pub struct IrohDialer {
    /// Weak: the library's repo holds this dialer.
    library: Weak<Library>,
    index: AccessIndex,
    endpoint: Endpoint,
    addr: EndpointAddr,
    hello: Hello,
    counters: Arc<WireCounters>,
    netsplit: Netsplit,
}

impl IrohDialer {
    /// A dialer for `addr` that opens with `hello` (and, each time, the
    /// heads of the charters `library` shares with the peer).
    pub fn new(
        library: &Arc<Library>,
        endpoint: Endpoint,
        addr: EndpointAddr,
        hello: Hello,
        counters: Arc<WireCounters>,
    ) -> Self {
        Self {
            index: library.access_index().clone(),
            library: Arc::downgrade(library),
            endpoint,
            addr,
            hello,
            counters,
            netsplit: Netsplit::default(),
        }
    }

    /// Fails every dial `netsplit` cuts off, as an unreachable network
    /// would (a transient failure: samod keeps re-dialling).
    #[must_use]
    pub fn with_netsplit(mut self, netsplit: Netsplit) -> Self {
        self.netsplit = netsplit;
        self
    }
}

impl Dialer for IrohDialer {
    type Error = Refused;

    fn url(&self) -> samod::Url {
        // Endpoint ids are hex, always a valid host.
        samod::Url::parse(&format!("guild://{}", self.addr.id)).unwrap_or_else(|_| {
            samod::Url::parse("guild://peer")
                .unwrap_or_else(|_| unreachable!("a constant URL parses"))
        })
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Self::Error>>> {
        let endpoint = self.endpoint.clone();
        let addr = self.addr.clone();
        let mut hello = self.hello.clone();
        let counters = Arc::clone(&self.counters);
        let library = self.library.clone();
        let index = self.index.clone();
        let netsplit = self.netsplit.clone();
        Box::pin(async move {
            let peer = addr.id.to_string();
            if netsplit.cuts(&peer) {
                return Err(DialError::transient(std::io::Error::new(
                    std::io::ErrorKind::NetworkUnreachable,
                    "the network to this peer is down",
                )));
            }
            if index.revoked_everywhere(&peer) {
                return Err(DialError::PermanentFailure(Refused {
                    peer,
                    reason: "its access was revoked".into(),
                }));
            }
            let conn = endpoint
                .connect(addr, ALPN)
                .await
                .map_err(DialError::transient)?;
            let (send, recv) = conn.open_bi().await.map_err(DialError::transient)?;
            let mut framed = FramedStream::new(tokio::io::join(recv, send), counters);
            // The heads as they are now, not when the dialer was made.
            let candidates = match library.upgrade() {
                Some(library) => agreement::candidates(&library, &peer).await,
                None => Vec::new(),
            };
            hello.heads = agreement::claims(&candidates);
            framed.send(&hello).await.map_err(DialError::transient)?;
            let compact = || Envelopes::compact(&endpoint.id().to_string(), &peer);
            let (envelopes, in_sync) = match framed.recv::<Welcome>().await {
                Ok(Welcome::Accepted) => (Envelopes::Plain, InSync::none()),
                Ok(Welcome::AcceptedCompact) => (compact(), InSync::none()),
                Ok(Welcome::AcceptedInSync(places)) => (
                    compact().with_handshakes(),
                    InSync::new(agreement::agreed_at(&candidates, &places)),
                ),
                Ok(Welcome::Refused(reason)) => {
                    return Err(DialError::PermanentFailure(Refused { peer, reason }));
                }
                Err(e) => {
                    // A close with our refusal code is a refusal, not a hiccup.
                    if let Some(reason) = conn.close_reason()
                        && reason.to_string().contains("403")
                    {
                        return Err(DialError::PermanentFailure(Refused {
                            peer,
                            reason: reason.to_string(),
                        }));
                    }
                    return Err(DialError::transient(e));
                }
            };
            end_when_revoked(index.clone(), peer.clone(), conn.clone());
            // The QUIC connection lives as long as its streams; keep a handle
            // in the transport anyway so nothing closes it under samod.
            let transport =
                framed.into_transport_keeping(index.bind_peer(&peer), envelopes, in_sync, conn);
            Ok(transport)
        })
    }
}

/// Ends a dialled connection once `peer` is revoked from every charter
/// here, as the accepting side does for the connections it took.
///
/// Closing the dialer is not enough: samod 0.16 still creates the
/// connection of a dial that completes after its dialer was removed (it
/// logs "`create_dialer_connection` for unknown dialer") and then nothing
/// owns it. The simulation's rooms, where dialers come and go, caught a
/// revoked device's link outliving its revocation that way.
fn end_when_revoked(index: AccessIndex, peer: String, conn: iroh::endpoint::Connection) {
    tokio::spawn(async move {
        let mut access_changes = index.changes();
        loop {
            if index.revoked_everywhere(&peer) {
                tracing::info!(%peer, "revoked: dialled connection ended");
                conn.close(CLOSE_REFUSED.into(), b"revoked");
                return;
            }
            tokio::select! {
                changed = access_changes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
                _ = conn.closed() => return,
            }
        }
    });
}
