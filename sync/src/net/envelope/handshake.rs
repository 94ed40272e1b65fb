//! samod's handshake (`join`, then `peer`) in compact envelopes, wire
//! version 3.
//!
//! Each is a CBOR map of about 150 bytes: both 24-character peer ids, the
//! protocol version and the sender's storage id as text. On a Guild
//! connection the peer ids are the authenticated endpoints and the only
//! protocol version is samod's "1", so a compact frame carries the tag, a
//! flags byte and the storage id's 16 bytes; the receiving side rebuilds
//! the map exactly as samod writes it. Anything else samod might say in a
//! handshake travels as it is.

use super::EnvelopeError;

/// samod's `join`: flags, then the storage id if any.
pub(super) const TAG_JOIN: u8 = 4;
/// samod's `peer`: the same.
pub(super) const TAG_PEER: u8 = 5;

/// The only protocol version samod 0.16 speaks.
const PROTOCOL_VERSION: &str = "1";

/// Flags byte: the sender says it is ephemeral.
const FLAG_EPHEMERAL: u8 = 1;
/// Flags byte: a storage id follows.
const FLAG_STORAGE: u8 = 2;

/// A UUID's length in bytes, and as samod writes it (hyphenated hex).
const UUID_BYTES: usize = 16;
const UUID_TEXT: usize = 36;

/// What a compact `join` or `peer` carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Handshake {
    tag: u8,
    ephemeral: bool,
    storage: Option<[u8; UUID_BYTES]>,
}

impl Handshake {
    /// The parts of samod's `join` or `peer` from `ours` to `theirs`, if it
    /// has exactly the fields a compact frame rebuilds to the same bytes.
    pub(super) fn read(message: &[u8], ours: &str, theirs: &str) -> Option<Self> {
        let mut d = minicbor::Decoder::new(message);
        let len = d.map().ok()??;
        let (mut kind, mut sender, mut target, mut selected, mut supported, mut metadata) =
            (None, None, None, None, None, None);
        for _ in 0..len {
            let slot = match d.str().ok()? {
                "type" => &mut kind,
                "senderId" => &mut sender,
                "targetId" => &mut target,
                "selectedProtocolVersion" => &mut selected,
                "supportedProtocolVersions" => {
                    if supported.is_some() || d.array().ok()? != Some(1) {
                        return None;
                    }
                    &mut supported
                }
                "peerMetadata" => {
                    if metadata.is_some() {
                        return None;
                    }
                    metadata = Some(read_metadata(&mut d)?);
                    continue;
                }
                _ => return None,
            };
            if slot.is_some() {
                return None;
            }
            *slot = Some(d.str().ok()?);
        }
        if d.position() != message.len() || sender? != ours {
            return None;
        }
        let tag = match (kind?, target, supported, selected) {
            ("join", None, Some(PROTOCOL_VERSION), None) => TAG_JOIN,
            ("peer", Some(target), None, Some(PROTOCOL_VERSION)) if target == theirs => TAG_PEER,
            _ => return None,
        };
        // Without metadata samod writes a shorter map; not worth a tag.
        let (storage, ephemeral) = metadata?;
        Some(Self {
            tag,
            ephemeral,
            storage,
        })
    }

    /// Whether a compact frame starting with `tag` is one of these.
    pub(super) fn is_tag(tag: u8) -> bool {
        tag == TAG_JOIN || tag == TAG_PEER
    }

    /// The compact frame.
    pub(super) fn frame(&self) -> Vec<u8> {
        let mut frame = Vec::with_capacity(2 + UUID_BYTES);
        frame.push(self.tag);
        let mut flags = 0;
        if self.ephemeral {
            flags |= FLAG_EPHEMERAL;
        }
        if self.storage.is_some() {
            flags |= FLAG_STORAGE;
        }
        frame.push(flags);
        if let Some(storage) = &self.storage {
            frame.extend_from_slice(storage);
        }
        frame
    }

    /// The parts of a compact frame whose tag byte is `tag` and the rest
    /// `rest`.
    pub(super) fn parse(tag: u8, rest: &[u8]) -> Result<Self, EnvelopeError> {
        let (&flags, rest) = rest
            .split_first()
            .ok_or(EnvelopeError("a handshake without flags"))?;
        if flags & !(FLAG_EPHEMERAL | FLAG_STORAGE) != 0 {
            return Err(EnvelopeError("unknown handshake flags"));
        }
        let storage = if flags & FLAG_STORAGE == 0 {
            if !rest.is_empty() {
                return Err(EnvelopeError("data after a handshake"));
            }
            None
        } else {
            Some(
                <[u8; UUID_BYTES]>::try_from(rest)
                    .map_err(|_| EnvelopeError("a storage id that is not 16 bytes"))?,
            )
        };
        Ok(Self {
            tag,
            ephemeral: flags & FLAG_EPHEMERAL != 0,
            storage,
        })
    }

    /// samod's message, from `theirs` to `ours`, as samod writes it.
    pub(super) fn rebuild(&self, theirs: &str, ours: &str) -> Result<Vec<u8>, EnvelopeError> {
        let mut e = minicbor::Encoder::new(Vec::with_capacity(160));
        let written = if self.tag == TAG_JOIN {
            e.map(4)
                .and_then(|e| e.str("type")?.str("join"))
                .and_then(|e| e.str("senderId")?.str(theirs))
                .and_then(|e| {
                    e.str("supportedProtocolVersions")?
                        .array(1)?
                        .str(PROTOCOL_VERSION)
                })
        } else {
            e.map(5)
                .and_then(|e| e.str("type")?.str("peer"))
                .and_then(|e| e.str("senderId")?.str(theirs))
                .and_then(|e| e.str("selectedProtocolVersion")?.str(PROTOCOL_VERSION))
                .and_then(|e| e.str("targetId")?.str(ours))
        };
        let written = written
            .and_then(|e| {
                e.str("peerMetadata")?
                    .map(1 + u64::from(self.storage.is_some()))
            })
            .and_then(|e| match &self.storage {
                Some(storage) => e.str("storageId")?.str(&uuid_text(storage)),
                None => Ok(e),
            })
            .and_then(|e| e.str("isEphemeral")?.bool(self.ephemeral));
        written.map_err(|_| EnvelopeError("cannot be rebuilt"))?;
        Ok(e.into_writer())
    }
}

/// `(storage id, ephemeral)` from samod's metadata map, if it is exactly
/// what a compact frame rebuilds: a storage id in UUID form, or none.
fn read_metadata(d: &mut minicbor::Decoder) -> Option<(Option<[u8; UUID_BYTES]>, bool)> {
    let len = d.map().ok()??;
    let (mut storage, mut ephemeral) = (None, None);
    for _ in 0..len {
        match d.str().ok()? {
            "storageId" if storage.is_none() => storage = Some(uuid_bytes(d.str().ok()?)?),
            "isEphemeral" if ephemeral.is_none() => ephemeral = Some(d.bool().ok()?),
            _ => return None,
        }
    }
    // samod writes the storage id first; a rebuilt map must read the same.
    Some((storage, ephemeral?))
}

/// The bytes of a UUID written as samod writes one, if it is exactly that
/// (lower-case, hyphenated), so the rebuilt text is the same.
fn uuid_bytes(text: &str) -> Option<[u8; UUID_BYTES]> {
    if text.len() != UUID_TEXT {
        return None;
    }
    let digits: String = text.chars().filter(|&c| c != '-').collect();
    let bytes = <[u8; UUID_BYTES]>::try_from(hex::decode(digits).ok()?).ok()?;
    (uuid_text(&bytes) == text).then_some(bytes)
}

/// A UUID's text: 8-4-4-4-12 lower-case hex digits.
fn uuid_text(bytes: &[u8; UUID_BYTES]) -> String {
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
