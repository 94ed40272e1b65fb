//! Every frame a peer sends is screened ([`BoundPeer::screen`]) before samod
//! reads it: samod starts a document actor, which lives until the repo
//! stops, for any document id a peer names, so a message about a document
//! this node does not hold never reaches it. Frames that are not samod
//! messages end the connection.

use samod::{DocumentId, PeerId};

use crate::access::AccessIndex;

impl AccessIndex {
    /// The samod peer id for an endpoint iroh has just authenticated,
    /// remembered so that decisions about that peer id concern it, and
    /// bound to this index for screening that peer's frames.
    pub fn bind_peer(&self, endpoint: &str) -> BoundPeer {
        BoundPeer {
            peer: self.record_peer(endpoint),
            index: self.clone(),
        }
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
    use crate::access::DocAccess;
    use guild_model::Access;

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
