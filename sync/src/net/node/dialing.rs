//! How this node dials: one samod dialer per device it reaches (samod
//! re-dials it with backoff after a drop), the addresses it tries (the peer
//! book, and the community's relay), and the hello it opens with. Shared by
//! the node's commands and by the overlay that keeps a room's links.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use iroh::{Endpoint, EndpointAddr, TransportAddr};
use samod::{BackoffConfig, DialerHandle};

use super::NetError;
use crate::library::Library;
use crate::net::dialer::{IrohDialer, Refused};
use crate::net::netsplit::Netsplit;
use crate::net::peers::PeerBook;
use crate::net::wire::{Hello, InviteProof, WIRE_VERSION, WireCounters};

/// This node's dialers, by the endpoint id they reach.
pub(super) type Dialers = Arc<Mutex<HashMap<String, DialerHandle<Refused>>>>;

/// Everything a dial needs, held apart from the node so that the overlay's
/// task can dial without holding the node.
pub(super) struct Dialing {
    pub(super) library: Arc<Library>,
    pub(super) endpoint: Endpoint,
    pub(super) counters: Arc<WireCounters>,
    pub(super) dialers: Dialers,
    /// Devices dialled by hand ([`super::Node::connect_peer`]): the overlay
    /// never closes these.
    pub(super) pinned: Mutex<HashSet<String>>,
    pub(super) peers: PeerBook,
    pub(super) label: String,
    /// The longest wait between two dials of a peer that went away.
    pub(super) redial_max: Duration,
    /// The community's relay, where every peer is sought too.
    pub(super) relay: Option<TransportAddr>,
    /// Peers the network to which is down (only ever in the simulation).
    pub(super) netsplit: Netsplit,
}

impl Dialing {
    pub(super) fn hello(&self, invite: Option<InviteProof>) -> Hello {
        // Who this device is matters only to an inviter admitting it.
        let (device, label) = if invite.is_some() {
            (self.library.device().to_hex(), self.label.clone())
        } else {
            (String::new(), String::new())
        };
        Hello {
            version: WIRE_VERSION,
            device,
            label,
            invite,
            heads: String::new(),
        }
    }

    /// Dials `addr` (once per peer; samod re-dials after drops).
    pub(super) fn dial(
        &self,
        addr: EndpointAddr,
        invite: Option<InviteProof>,
    ) -> Result<DialerHandle<Refused>, NetError> {
        let key = addr.id.to_string();
        let mut dialers = self.dialers.lock().unwrap_or_else(PoisonError::into_inner);
        if invite.is_none()
            && let Some(existing) = dialers.get(&key)
        {
            return Ok(existing.clone());
        }
        let dialer = IrohDialer::new(
            &self.library,
            self.endpoint.clone(),
            addr,
            self.hello(invite),
            Arc::clone(&self.counters),
        )
        .with_netsplit(self.netsplit.clone());
        let backoff = BackoffConfig {
            initial_delay: Duration::from_millis(200),
            max_delay: self.redial_max,
            max_retries: None,
        };
        let handle = self
            .library
            .repo()
            .dial(backoff, Arc::new(dialer))
            .map_err(|_| NetError::Stopped)?;
        if let Some(old) = dialers.insert(key, handle.clone()) {
            old.close();
        }
        Ok(handle)
    }

    /// Dials `endpoint` at the addresses the peer book has for it.
    pub(super) fn dial_known(&self, endpoint: &str) -> Result<DialerHandle<Refused>, NetError> {
        let id = endpoint
            .parse::<iroh::EndpointId>()
            .map_err(|_| NetError::Refused(format!("`{endpoint}` is not a device id")))?;
        self.dial(self.known_addr(id, endpoint), None)
    }

    /// Stops dialling `endpoint` and closes the connection its dialer made.
    pub(super) fn hang_up(&self, endpoint: &str) {
        let dialer = self
            .dialers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(endpoint);
        if let Some(dialer) = dialer {
            dialer.close();
        }
    }

    /// `endpoint`'s address with the IP addresses the address book has for it.
    pub(super) fn known_addr(&self, id: iroh::EndpointId, endpoint: &str) -> EndpointAddr {
        let mut addr = EndpointAddr::from_parts(
            id,
            self.peers
                .addrs(endpoint)
                .into_iter()
                .map(TransportAddr::Ip),
        );
        // A community shares one relay, so a peer is sought there too: with
        // no address lookup, this is how a peer behind a NAT is reached.
        addr.addrs.extend(self.relay.clone());
        addr
    }
}
