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
//!
//! Every frame a peer sends is screened ([`BoundPeer::screen`]) before samod
//! reads it: samod starts a document actor, which lives until the repo
//! stops, for any document id a peer names, so a message about a document
//! this node does not hold never reaches it.

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

    /// The samod peer id for an endpoint iroh has just authenticated,
    /// remembered so that decisions about that peer id concern it.
    pub fn bind_peer(&self, endpoint: &str) -> BoundPeer {
        let peer = peer_id_of(endpoint);
        self.peers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(peer.as_str().to_owned(), endpoint.to_owned());
        BoundPeer {
            peer,
            index: self.clone(),
        }
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

/// A samod peer id bound to the endpoint iroh authenticated for one
/// connection, and the index that peer's frames are screened against.
#[derive(Clone, Debug)]
pub struct BoundPeer {
    peer: PeerId,
    index: AccessIndex,
}

/// What to do with one frame a peer sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screened {
    /// Hand it to samod.
    Pass,
    /// Drop it: it is about a document this node does not hold.
    Drop,
    /// Drop it and send this frame back: samod's `doc-unavailable`, the
    /// answer a request for a document one does not have expects, so an
    /// honest requester stops waiting.
    Answer(Vec<u8>),
    /// Not a samod message at all: hang up.
    Malformed,
}

impl BoundPeer {
    /// The samod peer id the connection is bound to.
    pub fn peer_id(&self) -> &PeerId {
        &self.peer
    }

    /// Decides what becomes of a frame from this peer before samod sees it.
    ///
    /// samod spawns a document actor for every document id a message names
    /// and keeps it until the repo stops, so without this an admitted peer
    /// naming random ids would make this node allocate without bound. Only
    /// messages about documents this node holds (or is fetching) pass.
    /// Whatever samod would hang up on (a forged sender, an unreadable
    /// document id) passes too, so that it does.
    pub fn screen(&self, frame: &[u8]) -> Screened {
        let Ok(fields) = Fields::decode(frame) else {
            return Screened::Malformed;
        };
        // samod would hand the changes to automerge inside the document's
        // actor, where a parser panic takes the actor down.
        if matches!(fields.kind, Some("sync" | "request"))
            && let Some(data) = fields.data
            && crate::store::check_sync_message(data).is_err()
        {
            return Screened::Malformed;
        }
        let (Some(kind), Some(doc)) = (fields.kind, fields.document) else {
            return Screened::Pass;
        };
        // samod reads no document id from any other kind of message.
        if !matches!(kind, "request" | "sync" | "doc-unavailable" | "ephemeral") {
            return Screened::Pass;
        }
        let Some(doc) = doc.parse() else {
            return Screened::Pass;
        };
        if self.index.holds(&doc.to_string()) {
            return Screened::Pass;
        }
        // Ephemeral messages carry their original author, not this peer.
        if kind != "ephemeral" && fields.sender != Some(self.peer.as_str()) {
            return Screened::Pass;
        }
        match (kind, fields.target) {
            ("request", Some(us)) => doc_unavailable(us, self.peer.as_str(), &doc)
                .map_or(Screened::Drop, Screened::Answer),
            _ => Screened::Drop,
        }
    }
}

/// A document id as a samod message carries it.
enum DocRef<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

impl DocRef<'_> {
    fn parse(&self) -> Option<DocumentId> {
        match self {
            DocRef::Text(text) => text.parse().ok(),
            DocRef::Bytes(bytes) => DocumentId::try_from(bytes.to_vec()).ok(),
        }
    }
}

/// The top-level fields of a samod message that decide where it goes.
#[derive(Default)]
struct Fields<'a> {
    kind: Option<&'a str>,
    document: Option<DocRef<'a>>,
    sender: Option<&'a str>,
    target: Option<&'a str>,
    data: Option<&'a [u8]>,
}

impl<'a> Fields<'a> {
    /// Reads a frame the way samod's own decoder does (same CBOR library,
    /// same calls per field, the last of repeated keys wins; other values
    /// skipped, which is laxer than samod), so that a frame read differently
    /// here and there cannot slip a document id past [`BoundPeer::screen`]:
    /// what fails here fails in samod too.
    fn decode(frame: &'a [u8]) -> Result<Self, minicbor::decode::Error> {
        let mut decoder = minicbor::Decoder::new(frame);
        let len = decoder
            .map()?
            .ok_or_else(|| minicbor::decode::Error::message("a map of unknown length"))?;
        let mut fields = Self::default();
        for _ in 0..len {
            match decoder.str()? {
                "type" => fields.kind = Some(decoder.str()?),
                "senderId" => fields.sender = Some(decoder.str()?),
                "targetId" => fields.target = Some(decoder.str()?),
                "data" => fields.data = Some(decoder.bytes()?),
                "documentId" => {
                    fields.document = Some(if decoder.probe().str().is_ok() {
                        DocRef::Text(decoder.str()?)
                    } else {
                        DocRef::Bytes(decoder.bytes()?)
                    });
                }
                _ => decoder.skip()?,
            }
        }
        Ok(fields)
    }
}

/// samod's `doc-unavailable` message, as samod encodes it.
fn doc_unavailable(sender: &str, target: &str, doc: &DocumentId) -> Option<Vec<u8>> {
    let mut encoder = minicbor::Encoder::new(Vec::new());
    encoder
        .map(4)
        .and_then(|e| e.str("type")?.str("doc-unavailable"))
        .and_then(|e| e.str("senderId")?.str(sender))
        .and_then(|e| e.str("targetId")?.str(target))
        .and_then(|e| e.str("documentId")?.str(&doc.to_string()))
        .ok()?;
    Some(encoder.into_writer())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "0123456789abcdef01234567";
    const PEER: &str = "76543210fedcba9876543210";

    /// A samod message: a CBOR map of the given text fields, then
    /// `documentId` as text or bytes when given.
    fn message(fields: &[(&str, &str)], doc: Option<Result<&str, &[u8]>>) -> Vec<u8> {
        let mut e = minicbor::Encoder::new(Vec::new());
        e.map(fields.len() as u64 + u64::from(doc.is_some()) + 1)
            .unwrap();
        for (key, value) in fields {
            e.str(key).unwrap().str(value).unwrap();
        }
        match doc {
            Some(Ok(text)) => {
                e.str("documentId").unwrap().str(text).unwrap();
            }
            Some(Err(bytes)) => {
                e.str("documentId").unwrap().bytes(bytes).unwrap();
            }
            None => {}
        }
        e.str("data").unwrap().bytes(&[0x42, 0x01]).unwrap();
        e.into_writer()
    }

    fn about(kind: &str, sender: &str, doc: &DocumentId) -> Vec<u8> {
        let text = doc.to_string();
        message(
            &[("type", kind), ("senderId", sender), ("targetId", ME)],
            Some(Ok(&text)),
        )
    }

    fn setup() -> (AccessIndex, BoundPeer, DocumentId, DocumentId) {
        let index = AccessIndex::new();
        let endpoint = format!("{PEER}{}", "0".repeat(40));
        let bound = index.bind_peer(&endpoint);
        assert_eq!(bound.peer_id().as_str(), PEER);
        let held = DocumentId::new(&mut rand::rng());
        index.set(&held.to_string(), DocAccess::Known(Access::default()));
        (index, bound, held, DocumentId::new(&mut rand::rng()))
    }

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

    #[test]
    fn messages_about_held_documents_pass() {
        let (index, bound, held, other) = setup();
        for kind in ["request", "sync", "doc-unavailable", "ephemeral"] {
            assert_eq!(bound.screen(&about(kind, PEER, &held)), Screened::Pass);
        }
        index.set(
            &other.to_string(),
            DocAccess::Joining {
                inviter: "someone".into(),
            },
        );
        assert_eq!(bound.screen(&about("sync", PEER, &other)), Screened::Pass);
    }

    #[test]
    fn a_request_for_an_unheld_document_is_answered_without_samod() {
        let (index, bound, _, unknown) = setup();
        for doc in [
            message(
                &[("type", "request"), ("senderId", PEER), ("targetId", ME)],
                Some(Ok(&unknown.to_string())),
            ),
            message(
                &[("type", "request"), ("senderId", PEER), ("targetId", ME)],
                Some(Err(unknown.as_bytes())),
            ),
        ] {
            let Screened::Answer(answer) = bound.screen(&doc) else {
                panic!("no answer");
            };
            let fields = Fields::decode(&answer).unwrap();
            assert_eq!(fields.kind, Some("doc-unavailable"));
            assert_eq!(fields.sender, Some(ME));
            assert_eq!(fields.target, Some(PEER));
            let named = fields.document.unwrap().parse().unwrap();
            assert_eq!(named, unknown);
        }
        // Nothing was started for it, not even an index entry.
        assert_eq!(index.get(&unknown.to_string()), DocAccess::Unknown);
        index.set(&unknown.to_string(), DocAccess::Absent);
        assert!(matches!(
            bound.screen(&about("request", PEER, &unknown)),
            Screened::Answer(_)
        ));
    }

    #[test]
    fn other_messages_about_unheld_documents_are_dropped() {
        let (_, bound, _, unknown) = setup();
        for kind in ["sync", "doc-unavailable", "ephemeral"] {
            assert_eq!(bound.screen(&about(kind, PEER, &unknown)), Screened::Drop);
        }
        // Ephemera carry their author, not the peer that forwards them.
        assert_eq!(
            bound.screen(&about("ephemeral", "someone-else", &unknown)),
            Screened::Drop
        );
    }

    #[test]
    fn what_samod_hangs_up_on_reaches_samod() {
        let (_, bound, _, unknown) = setup();
        // A forged sender.
        assert_eq!(
            bound.screen(&about("request", "someone-else", &unknown)),
            Screened::Pass
        );
        // A document id samod cannot read.
        let bad = message(
            &[("type", "sync"), ("senderId", PEER), ("targetId", ME)],
            Some(Ok("not-a-document")),
        );
        assert_eq!(bound.screen(&bad), Screened::Pass);
        // Messages without a document, or of no known kind.
        for frame in [
            message(&[("type", "join"), ("senderId", "anyone")], None),
            message(&[("type", "leave"), ("senderId", PEER)], None),
            about("remote-heads-changed", PEER, &unknown),
            about("no-such-kind", PEER, &unknown),
            message(&[("senderId", PEER)], Some(Ok(&unknown.to_string()))),
        ] {
            assert_eq!(bound.screen(&frame), Screened::Pass);
        }
    }

    #[test]
    fn a_repeated_document_id_is_read_as_samod_reads_it_the_last_one() {
        let (_, bound, held, unknown) = setup();
        let mut e = minicbor::Encoder::new(Vec::new());
        e.map(5).unwrap();
        e.str("type").unwrap().str("sync").unwrap();
        e.str("documentId").unwrap().str(&held.to_string()).unwrap();
        e.str("senderId").unwrap().str(PEER).unwrap();
        e.str("targetId").unwrap().str(ME).unwrap();
        e.str("documentId")
            .unwrap()
            .bytes(unknown.as_bytes())
            .unwrap();
        assert_eq!(bound.screen(&e.into_writer()), Screened::Drop);
    }

    #[test]
    fn frames_that_are_not_samod_messages_are_malformed() {
        let (_, bound, held, _) = setup();
        let whole = about("sync", PEER, &held);
        let mut indefinite = vec![0xbf];
        indefinite.extend_from_slice(&whole[1..]);
        indefinite.push(0xff);
        for frame in [
            &[][..],
            &[0x00],
            b"random bytes",
            &whole[..whole.len() / 2],
            &indefinite,
        ] {
            assert_eq!(bound.screen(frame), Screened::Malformed, "{frame:?}");
        }
    }
}
