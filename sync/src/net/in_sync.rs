//! Charters both ends of a connection already hold at the same heads (wire
//! version 3).
//!
//! With sync states kept between sessions, a reconnect with nothing new
//! still costs each side one Automerge message ("my heads are H, and I
//! have nothing since H"), about 100 bytes with its frame. Here the
//! dialer's hello names each charter it shares with the peer and a digest
//! of the heads it holds it at ([`Claim`]); the welcome says which of them
//! the accepting side holds at the same heads. For those ([`Agreed`]) each
//! side hands its own samod the message the other would have opened with,
//! built from the agreed heads, and keeps its samod's own opening at home
//! if it says exactly that ([`InSync::drops`]).
//!
//! What is handed over is true of the peer at the handshake, and says
//! nothing about changes since: an opening that says more (new heads,
//! changes, a request) is sent as always, and the normal sync takes it from
//! there. A peer that claims heads it does not hold gains nothing a false
//! sync message would not give it, and only about a charter it is admitted
//! to.

use std::collections::HashMap;

use automerge::ChangeHash;
use automerge::sync::{BloomFilter, ChunkList, Have, Message, MessageFlags, MessageVersion};
use samod::DocumentId;
use sha2::{Digest as _, Sha256};

/// Bytes of a document id a claim names it by (its first; document ids
/// are random UUIDs).
const DOC_PREFIX: usize = 8;
/// Bytes of a heads digest (a truncated SHA-256).
const DIGEST: usize = 8;
/// Bytes of one claim.
const CLAIM: usize = DOC_PREFIX + DIGEST;
/// The most charters one hello may name.
pub const MAX_CLAIMS: usize = 1024;

/// One charter a hello names, and a digest of the heads the dialer holds
/// it at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    prefix: [u8; DOC_PREFIX],
    digest: [u8; DIGEST],
}

impl Claim {
    /// The claim that this side holds `doc` at `heads`.
    pub fn new(doc: &DocumentId, heads: &[ChangeHash]) -> Self {
        let mut prefix = [0; DOC_PREFIX];
        let bytes = doc.as_bytes();
        let n = bytes.len().min(DOC_PREFIX);
        prefix[..n].copy_from_slice(&bytes[..n]);
        Self {
            prefix,
            digest: digest(heads),
        }
    }

    /// Whether this claim names `doc`.
    pub fn names(&self, doc: &DocumentId) -> bool {
        doc.as_bytes().get(..DOC_PREFIX) == Some(&self.prefix[..])
    }

    /// Whether it claims exactly `heads`.
    pub fn holds_at(&self, heads: &[ChangeHash]) -> bool {
        !heads.is_empty() && self.digest == digest(heads)
    }

    /// Claims as a hello carries them: each one's bytes, in hex.
    pub fn encode_all(claims: &[Claim]) -> String {
        let mut bytes = Vec::with_capacity(claims.len() * CLAIM);
        for claim in claims {
            bytes.extend_from_slice(&claim.prefix);
            bytes.extend_from_slice(&claim.digest);
        }
        hex::encode(bytes)
    }

    /// Claims from a hello; `None` if they are not exactly whole claims,
    /// or too many.
    pub fn decode_all(text: &str) -> Option<Vec<Claim>> {
        if text.len() > MAX_CLAIMS * CLAIM * 2 {
            return None;
        }
        let bytes = hex::decode(text).ok()?;
        if bytes.len() % CLAIM != 0 {
            return None;
        }
        bytes
            .chunks_exact(CLAIM)
            .map(|chunk| {
                let (prefix, digest) = chunk.split_at(DOC_PREFIX);
                Some(Claim {
                    prefix: prefix.try_into().ok()?,
                    digest: digest.try_into().ok()?,
                })
            })
            .collect()
    }
}

/// A digest of a document's heads (sorted, as Automerge returns them).
fn digest(heads: &[ChangeHash]) -> [u8; DIGEST] {
    let mut hasher = Sha256::new();
    for head in heads {
        hasher.update(head.0);
    }
    let full = hasher.finalize();
    let mut out = [0; DIGEST];
    out.copy_from_slice(&full[..DIGEST]);
    out
}

/// A charter both ends hold at the same heads, and how each side's samod
/// treats the other in it (per its access list, the same on both sides
/// since the documents are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreed {
    /// The charter.
    pub doc: DocumentId,
    /// Its heads on both sides.
    pub heads: Vec<ChangeHash>,
    /// This side's samod will not take the peer's changes (it may only read).
    pub peer_reads_only: bool,
    /// The peer's samod will not take this side's changes.
    pub we_read_only: bool,
}

impl Agreed {
    /// The opening Automerge sync message of a side at these heads whose
    /// sync state was kept from a session that ended in sync, as Automerge
    /// writes it (`generate_sync_message`); `read_only` when that side will
    /// not take the other's changes.
    fn opening(&self, read_only: bool) -> Message {
        let mut flags = MessageFlags::new();
        flags.set(MessageFlags::SUPPORTS_SYNC_RESET);
        if read_only {
            flags.set(MessageFlags::READ_ONLY);
        }
        Message {
            heads: self.heads.clone(),
            need: Vec::new(),
            have: vec![Have {
                last_sync: self.heads.clone(),
                bloom: BloomFilter::from_hashes(std::iter::empty::<ChangeHash>()),
            }],
            changes: ChunkList::empty(),
            flags: Some(flags),
            version: MessageVersion::V1,
        }
    }

    /// Whether `data` from this side's samod says no more than the opening
    /// the peer was told to assume: the agreed heads, nothing since, nothing
    /// needed, the same read-only flag.
    fn is_our_opening(&self, data: &[u8]) -> bool {
        let Ok(message) = Message::decode(data) else {
            return false;
        };
        let flags = message.flags.unwrap_or_default();
        message.heads == self.heads
            && message.need.is_empty()
            && message.changes.is_empty()
            && !flags.contains(MessageFlags::SYNC_RESET)
            && flags.contains(MessageFlags::READ_ONLY) == self.peer_reads_only
            && matches!(
                message.have.as_slice(),
                [have] if have.last_sync == self.heads && have.bloom.to_bytes().is_empty()
            )
    }
}

/// The charters agreed in sync on one connection.
#[derive(Debug, Clone, Default)]
pub struct InSync {
    /// By document, until this side's first `sync` about it has passed.
    waiting: HashMap<DocumentId, Agreed>,
}

impl InSync {
    /// Nothing agreed (an older peer, a joiner, nothing shared).
    pub fn none() -> Self {
        Self::default()
    }

    /// These charters agreed.
    pub fn new(agreed: Vec<Agreed>) -> Self {
        Self {
            waiting: agreed.into_iter().map(|a| (a.doc.clone(), a)).collect(),
        }
    }

    /// Whether nothing is agreed, or every agreed charter's first `sync` has passed.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// The Automerge messages the peer's samod would have opened with, by
    /// charter.
    pub fn peer_openings(&self) -> Vec<(DocumentId, Vec<u8>)> {
        self.waiting
            .values()
            .map(|agreed| {
                (
                    agreed.doc.clone(),
                    agreed.opening(agreed.we_read_only).encode(),
                )
            })
            .collect()
    }

    /// Whether this side's `sync` about `doc` carrying `data` stays home:
    /// the first about an agreed charter, saying exactly the opening the
    /// peer was handed in its place. Any later one is sent.
    pub fn drops(&mut self, doc: &DocumentId, data: &[u8]) -> bool {
        self.waiting
            .remove(doc)
            .is_some_and(|agreed| agreed.is_our_opening(data))
    }
}

#[cfg(test)]
mod tests;
