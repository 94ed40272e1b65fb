//! Access control: which peer may sync which charter, enforced by samod's
//! share policy on every document and connection.
//!
//! Each charter carries its own access list (`access` in the document:
//! admitted devices by iroh endpoint id, open invites by secret hash,
//! revocations). The [`AccessIndex`] keeps the current list of every known
//! charter and publishes changes, so a revocation synced from anywhere
//! cuts the revoked device off live. Peer ids are bound to iroh's
//! authenticated endpoint ids (see `wire::FramedStream::into_transport`),
//! so a peer cannot claim another's rights.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use futures::{Stream, StreamExt as _};
use guild_model::{Access, AccessLevel};
use samod::{DocumentId, PeerId, ShareConfig};
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
        }
    }

    /// The samod peer id for an endpoint iroh has just authenticated,
    /// remembered so that decisions about that peer id concern it.
    pub fn bind_peer(&self, endpoint: &str) -> PeerId {
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
        match docs.get(doc) {
            Some(tx) => {
                tx.send_if_modified(|current| {
                    if *current == state {
                        false
                    } else {
                        *current = state;
                        true
                    }
                });
            }
            None => {
                docs.insert(doc.to_owned(), watch::Sender::new(state));
            }
        }
    }

    /// The document's current access state.
    pub fn get(&self, doc: &str) -> DocAccess {
        self.docs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(doc)
            .map_or(DocAccess::Unknown, |tx| tx.borrow().clone())
    }

    /// Whether `peer` may sync at least one charter here.
    pub fn admits_anywhere(&self, peer: &str) -> bool {
        self.docs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .any(|tx| tx.borrow().level_of(peer).is_some())
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

    /// The live sharing decision for `peer` on `doc`: the first once the
    /// document's access list is known, then one per change of it.
    pub fn decisions(
        &self,
        doc: &str,
        peer: &str,
    ) -> impl Stream<Item = ShareConfig> + Send + 'static + use<> {
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
        .map(move |state| share_config(state.level_of(&peer)))
    }
}

fn share_config(level: Option<AccessLevel>) -> ShareConfig {
    match level {
        Some(AccessLevel::ReadWrite) => ShareConfig::read_write(),
        Some(AccessLevel::ReadOnly) => ShareConfig::read_only(),
        None => ShareConfig::none(),
    }
}

/// samod's share policy for a Guild node: every decision comes from the
/// charter's own access list.
#[derive(Clone, Debug)]
pub struct GuildSharePolicy {
    index: AccessIndex,
}

impl GuildSharePolicy {
    /// A policy reading `index`.
    pub fn new(index: AccessIndex) -> Self {
        Self { index }
    }
}

impl samod::SharePolicy for GuildSharePolicy {
    fn share(
        &self,
        doc_id: DocumentId,
        peer_id: PeerId,
    ) -> impl Stream<Item = ShareConfig> + Send + 'static {
        // An unbound peer id stands for nobody and gets nothing.
        let endpoint = self.index.endpoint_of(peer_id.as_str()).unwrap_or_default();
        self.index.decisions(&doc_id.to_string(), &endpoint)
    }
}
