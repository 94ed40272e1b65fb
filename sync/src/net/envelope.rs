//! Compact envelopes for samod's document messages on one Guild connection
//! (wire version 2, agreed in the handshake).
//!
//! samod wraps every sync message in a CBOR map that names its type, its
//! sender, its target and its document in text: about 110 bytes around
//! each message, which in a room is paid on every link for every change.
//! On a Guild connection both ends already know who is who (iroh
//! authenticated the endpoints, and a samod peer id is derived from one),
//! so `sync`, `request` and `doc-unavailable` messages travel as one tag
//! byte, the document id's 16 bytes and the sync data. Everything else
//! (samod's handshake, presence, anything unexpected) travels as it is,
//! behind a tag byte of its own.
//!
//! The receiving side rebuilds samod's message with the sender it
//! authenticated and itself as the target, so a compact frame cannot claim
//! to come from anyone else; the rebuilt message is then screened like any
//! other.
//!
//! Wire version 3 compacts samod's handshake too ([`handshake`]).

use std::borrow::Cow;

use samod::DocumentId;

use crate::access::peer_id_of;

mod handshake;

use handshake::Handshake;

/// A samod message as it is.
const TAG_PLAIN: u8 = 0;
/// `sync`: the document id, then the data.
const TAG_SYNC: u8 = 1;
/// `request`: the document id, then the data.
const TAG_REQUEST: u8 = 2;
/// `doc-unavailable`: the document id alone.
const TAG_UNAVAILABLE: u8 = 3;

/// A document id's length in bytes (a UUID).
const DOC_ID_BYTES: usize = 16;

/// How one connection wraps samod's messages.
#[derive(Debug, Clone)]
pub enum Envelopes {
    /// As samod writes them (wire version 1, and every raw client).
    Plain,
    /// Compact, between two known samod peer ids.
    Compact {
        /// This node's samod peer id.
        ours: String,
        /// The authenticated remote's samod peer id.
        theirs: String,
        /// samod's `join` and `peer` compact too (wire version 3).
        handshakes: bool,
    },
}

/// A compact frame that is not one.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a malformed compact frame: {0}")]
pub struct EnvelopeError(&'static str);

impl Envelopes {
    /// Compact envelopes between this node's endpoint and the remote's.
    pub fn compact(ours: &str, theirs: &str) -> Self {
        Self::Compact {
            ours: peer_id_of(ours).to_string(),
            theirs: peer_id_of(theirs).to_string(),
            handshakes: false,
        }
    }

    /// The same, with samod's handshake compact too (wire version 3).
    #[must_use]
    pub fn with_handshakes(self) -> Self {
        match self {
            Self::Plain => Self::Plain,
            Self::Compact { ours, theirs, .. } => Self::Compact {
                ours,
                theirs,
                handshakes: true,
            },
        }
    }

    /// Wraps one of samod's outgoing messages for the wire.
    pub fn seal(&self, message: Vec<u8>) -> Vec<u8> {
        let Self::Compact {
            ours,
            theirs,
            handshakes,
        } = self
        else {
            return message;
        };
        if *handshakes && let Some(handshake) = Handshake::read(&message, ours, theirs) {
            return handshake.frame();
        }
        let Some(Compactable { tag, doc, data }) = Compactable::read(&message, ours, theirs) else {
            let mut frame = Vec::with_capacity(1 + message.len());
            frame.push(TAG_PLAIN);
            frame.extend_from_slice(&message);
            return frame;
        };
        let mut frame = Vec::with_capacity(1 + DOC_ID_BYTES + data.len());
        frame.push(tag);
        frame.extend_from_slice(doc.as_bytes());
        frame.extend_from_slice(data);
        frame
    }

    /// samod's message from a frame off the wire.
    pub fn open<'a>(&self, frame: &'a [u8]) -> Result<Cow<'a, [u8]>, EnvelopeError> {
        let Self::Compact {
            ours,
            theirs,
            handshakes,
        } = self
        else {
            return Ok(Cow::Borrowed(frame));
        };
        let (&tag, rest) = frame.split_first().ok_or(EnvelopeError("empty"))?;
        if tag == TAG_PLAIN {
            return Ok(Cow::Borrowed(rest));
        }
        if *handshakes && Handshake::is_tag(tag) {
            return Ok(Cow::Owned(
                Handshake::parse(tag, rest)?.rebuild(theirs, ours)?,
            ));
        }
        let kind = match tag {
            TAG_SYNC => "sync",
            TAG_REQUEST => "request",
            TAG_UNAVAILABLE => "doc-unavailable",
            _ => return Err(EnvelopeError("an unknown tag")),
        };
        if rest.len() < DOC_ID_BYTES {
            return Err(EnvelopeError("shorter than a document id"));
        }
        let (doc, data) = rest.split_at(DOC_ID_BYTES);
        if tag == TAG_UNAVAILABLE && !data.is_empty() {
            return Err(EnvelopeError("data after doc-unavailable"));
        }
        rebuild(kind, theirs, ours, doc, data).map(Cow::Owned)
    }

    /// The document and Automerge data of `message`, if it is a `sync`
    /// samod is sending on this connection.
    pub fn sync_of<'a>(&self, message: &'a [u8]) -> Option<(DocumentId, &'a [u8])> {
        let Self::Compact { ours, theirs, .. } = self else {
            return None;
        };
        let Compactable { tag, doc, data } = Compactable::read(message, ours, theirs)?;
        (tag == TAG_SYNC).then_some((doc, data))
    }

    /// samod's `sync` message about `doc` carrying `data`, as if the peer
    /// had sent it.
    pub fn sync_from_peer(&self, doc: &DocumentId, data: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
        let Self::Compact { ours, theirs, .. } = self else {
            return Err(EnvelopeError("not a compact connection"));
        };
        rebuild("sync", theirs, ours, doc.as_bytes(), data)
    }
}

/// samod's message of `kind` from `sender` to `target` about `doc`, with
/// `data` unless it is a `doc-unavailable`.
fn rebuild(
    kind: &str,
    sender: &str,
    target: &str,
    doc: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, EnvelopeError> {
    let unavailable = kind == "doc-unavailable";
    let fields = if unavailable { 4 } else { 5 };
    let mut encoder = minicbor::Encoder::new(Vec::with_capacity(data.len() + 96));
    let written = encoder
        .map(fields)
        .and_then(|e| e.str("type")?.str(kind))
        .and_then(|e| e.str("senderId")?.str(sender))
        .and_then(|e| e.str("targetId")?.str(target))
        .and_then(|e| e.str("documentId")?.bytes(doc))
        .and_then(|e| {
            if unavailable {
                Ok(e)
            } else {
                e.str("data")?.bytes(data)
            }
        });
    // Writing to a Vec cannot fail; say so rather than panic if it did.
    written.map_err(|_| EnvelopeError("cannot be rebuilt"))?;
    Ok(encoder.into_writer())
}

/// The parts of a samod message that a compact frame carries.
struct Compactable<'a> {
    tag: u8,
    doc: DocumentId,
    data: &'a [u8],
}

impl<'a> Compactable<'a> {
    /// The message's parts, if it is a `sync`, `request` or
    /// `doc-unavailable` from `ours` to `theirs` with exactly samod's
    /// fields, which a compact frame rebuilds to the same meaning.
    fn read(message: &'a [u8], ours: &str, theirs: &str) -> Option<Self> {
        let mut decoder = minicbor::Decoder::new(message);
        let len = decoder.map().ok()??;
        let (mut kind, mut sender, mut target, mut doc, mut data) = (None, None, None, None, None);
        for _ in 0..len {
            let slot = match decoder.str().ok()? {
                "type" => &mut kind,
                "senderId" => &mut sender,
                "targetId" => &mut target,
                "documentId" => {
                    if doc.is_some() {
                        return None;
                    }
                    doc = Some(if decoder.probe().str().is_ok() {
                        decoder.str().ok()?.parse::<DocumentId>().ok()?
                    } else {
                        DocumentId::try_from(decoder.bytes().ok()?.to_vec()).ok()?
                    });
                    continue;
                }
                "data" => {
                    if data.is_some() {
                        return None;
                    }
                    data = Some(decoder.bytes().ok()?);
                    continue;
                }
                _ => return None,
            };
            if slot.is_some() {
                return None;
            }
            *slot = Some(decoder.str().ok()?);
        }
        if decoder.position() != message.len() || sender? != ours || target? != theirs {
            return None;
        }
        let doc = doc?;
        if doc.as_bytes().len() != DOC_ID_BYTES {
            return None;
        }
        let (tag, data) = match (kind?, data) {
            ("sync", Some(data)) => (TAG_SYNC, data),
            ("request", Some(data)) => (TAG_REQUEST, data),
            ("doc-unavailable", None) => (TAG_UNAVAILABLE, &[][..]),
            _ => return None,
        };
        Some(Self { tag, doc, data })
    }
}

#[cfg(test)]
mod tests;
