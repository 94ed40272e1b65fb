//! The [`AccessIndex`]: the live access list of every charter this node
//! knows, read from the charters themselves, and which samod peer id stands
//! for which authenticated endpoint.
//!
//! Each charter carries its own access list (`access` in the document:
//! admitted devices by iroh endpoint id, open invites by secret hash,
//! revocations). The index keeps the current list of every known charter
//! and publishes changes, so a revocation synced from anywhere cuts the
//! revoked device off live. It decides nothing about frames or connections
//! (that is `net::screen` and `net::node`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use futures::{Stream, StreamExt as _};
use guild_model::{Access, AccessLevel};
use samod::PeerId;
use tokio::sync::watch;

/// What this node knows about one charter's access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocAccess {
    /// Not decided yet (the charter is being loaded).
    Unknown,
    /// Not a charter this node has: nobody gets anything.
    Absent,
    /// Being fetched from an inviter: only the inviter may send it.
    Joining {
        /// The inviter's endpoint id.
        inviter: String,
    },
    /// The charter's own access list.
    Known(Access),
}

impl DocAccess {
    /// What `peer` may do with the charter.
    pub fn level_of(&self, peer: &str) -> Option<AccessLevel> {
        match self {
            DocAccess::Unknown | DocAccess::Absent => None,
            DocAccess::Joining { inviter } => (inviter == peer).then_some(AccessLevel::ReadWrite),
            DocAccess::Known(access) => access.level_of(peer),
        }
    }
}

/// Asks for a document's access list to be loaded; called at most once per
/// unknown document.
pub type Loader = Arc<dyn Fn(String) + Send + Sync>;

/// samod's peer id for an endpoint: the first 12 bytes of its key, hex.
///
/// Every samod message names its sender and target, so a 24-character id
/// instead of the 64-character endpoint id saves ~80 bytes a message (a
/// reconnect with nothing new drops from ~1.1 KB to ~0.7 KB). Peer ids are
/// only ever trusted through [`AccessIndex::bind_peer`], which maps them
/// back to an endpoint authenticated by iroh; matching a victim's 96-bit
/// prefix would take ~2^96 key generations.
pub fn peer_id_of(endpoint: &str) -> PeerId {
    PeerId::from(endpoint.get(..24).unwrap_or(endpoint))
}

/// The access lists of every charter this node knows, live.
#[derive(Clone)]
pub struct AccessIndex {
    docs: Arc<Mutex<HashMap<String, watch::Sender<DocAccess>>>>,
    loader: Arc<Mutex<Option<Loader>>>,
    /// samod peer id → the authenticated endpoint id it stands for.
    peers: Arc<Mutex<HashMap<String, String>>>,
    /// Bumped on every change of any document's state, so that whoever
    /// holds connections can drop those a revocation ended.
    generation: watch::Sender<u64>,
}

impl std::fmt::Debug for AccessIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessIndex").finish_non_exhaustive()
    }
}

impl Default for AccessIndex {
    fn default() -> Self {
        Self::new()
    }
}

impl AccessIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self {
            docs: Arc::default(),
            loader: Arc::default(),
            peers: Arc::default(),
            generation: watch::Sender::new(0),
        }
    }

    /// Records that samod peer id [`peer_id_of`]`(endpoint)` stands for
    /// `endpoint`, which iroh has just authenticated, so that decisions
    /// about that peer id concern it; returns the peer id.
    pub fn record_peer(&self, endpoint: &str) -> PeerId {
        let peer = peer_id_of(endpoint);
        self.peers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(peer.as_str().to_owned(), endpoint.to_owned());
        peer
    }

    /// The endpoint a samod peer id stands for, if one was bound.
    pub fn endpoint_of(&self, peer: &str) -> Option<String> {
        self.peers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(peer)
            .cloned()
    }

    /// Sets who loads unknown documents' access lists.
    pub fn set_loader(&self, loader: Loader) {
        *self.loader.lock().unwrap_or_else(PoisonError::into_inner) = Some(loader);
    }

    /// Records a document's access state; subscribers see it at once.
    pub fn set(&self, doc: &str, state: DocAccess) {
        let mut docs = self.docs.lock().unwrap_or_else(PoisonError::into_inner);
        let changed = if let Some(tx) = docs.get(doc) {
            tx.send_if_modified(|current| {
                if *current == state {
                    false
                } else {
                    *current = state;
                    true
                }
            })
        } else {
            docs.insert(doc.to_owned(), watch::Sender::new(state));
            true
        };
        drop(docs);
        if changed {
            self.generation.send_modify(|g| *g = g.wrapping_add(1));
        }
    }

    /// Wakes on every change of any document's access state.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }

    /// The document's current access state.
    pub fn get(&self, doc: &str) -> DocAccess {
        self.docs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(doc)
            .map_or(DocAccess::Unknown, |tx| tx.borrow().clone())
    }

    /// Whether this node holds the document (or is fetching it): every
    /// charter on disk is in the index from `Node::start` on, and every one
    /// created, imported or joined since.
    pub fn holds(&self, doc: &str) -> bool {
        self.docs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(doc)
            .is_some_and(|tx| {
                matches!(
                    *tx.borrow(),
                    DocAccess::Known(_) | DocAccess::Joining { .. }
                )
            })
    }

    /// Whether `peer` may sync at least one charter here.
    pub fn admits_anywhere(&self, peer: &str) -> bool {
        self.docs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .any(|tx| tx.borrow().level_of(peer).is_some())
    }

    /// The charters whose access lists admit both `peer` and `me`, with
    /// each one's level: `(charter, peer's level, mine)`.
    pub fn shared_with(&self, peer: &str, me: &str) -> Vec<(String, AccessLevel, AccessLevel)> {
        self.docs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(|(doc, tx)| match &*tx.borrow() {
                DocAccess::Known(access) => {
                    Some((doc.clone(), access.level_of(peer)?, access.level_of(me)?))
                }
                _ => None,
            })
            .collect()
    }

    /// Whether `peer` was revoked from a charter here and may sync none: a
    /// device whose connections should end. A device merely absent from
    /// every list (an access list not loaded yet, a peer dialled by hand)
    /// is not one.
    pub fn revoked_everywhere(&self, peer: &str) -> bool {
        let docs = self.docs.lock().unwrap_or_else(PoisonError::into_inner);
        let mut revoked = false;
        for tx in docs.values() {
            let state = tx.borrow();
            if state.level_of(peer).is_some() {
                return false;
            }
            revoked |=
                matches!(&*state, DocAccess::Known(access) if access.revoked.contains_key(peer));
        }
        revoked
    }

    fn subscribe(&self, doc: &str) -> watch::Receiver<DocAccess> {
        let (rx, fresh) = {
            let mut docs = self.docs.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(tx) = docs.get(doc) {
                (tx.subscribe(), false)
            } else {
                let tx = watch::Sender::new(DocAccess::Unknown);
                let rx = tx.subscribe();
                docs.insert(doc.to_owned(), tx);
                (rx, true)
            }
        };
        if fresh {
            let loader = self
                .loader
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            match loader {
                Some(load) => load(doc.to_owned()),
                None => self.set(doc, DocAccess::Absent),
            }
        }
        rx
    }

    /// The live access level of `peer` on `doc` (`None`: no access): the
    /// first once the document's access list is known, then one per change
    /// of it. The share policy turns each into samod's decision.
    pub fn decisions(
        &self,
        doc: &str,
        peer: &str,
    ) -> impl Stream<Item = Option<AccessLevel>> + Send + 'static + use<> {
        let rx = self.subscribe(doc);
        let peer = peer.to_owned();
        futures::stream::unfold((rx, true), |(mut rx, first)| async move {
            if !first {
                rx.changed().await.ok()?;
            }
            loop {
                let state = rx.borrow_and_update().clone();
                if state != DocAccess::Unknown {
                    return Some((state, (rx, false)));
                }
                rx.changed().await.ok()?;
            }
        })
        .map(move |state| state.level_of(&peer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_revoked_everywhere_only_when_no_charter_still_admits_it() {
        let index = AccessIndex::new();
        let mut changes = index.changes();
        let device = "d".repeat(64);
        let mut admitted = Access::default();
        admitted.devices.insert(
            device.clone(),
            guild_model::DeviceAccess {
                access: AccessLevel::ReadWrite,
                ..Default::default()
            },
        );
        let mut revoked = Access::default();
        revoked.revoked.insert(device.clone(), 1);
        index.set("a", DocAccess::Known(admitted));
        index.set("b", DocAccess::Known(revoked.clone()));
        assert!(changes.has_changed().unwrap_or(false));
        changes.mark_unchanged();
        assert!(!index.revoked_everywhere(&device), "charter a admits it");
        index.set("a", DocAccess::Known(revoked));
        assert!(changes.has_changed().unwrap_or(false));
        assert!(index.revoked_everywhere(&device));
        assert!(
            !index.revoked_everywhere(&"e".repeat(64)),
            "a device no list names is not revoked"
        );
    }
}
