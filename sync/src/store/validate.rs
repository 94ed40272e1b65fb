//! Deciding whether a chunk read from disk is what its key says it is.
//!
//! A chunk that fails here is damaged (torn write from a crash before this
//! store existed, bit rot, a partial copy by sync software); handing it to
//! samod would at best be ignored and at worst stop the rest of the document
//! from loading, so the caller skips it and reports it instead.

use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::{Automerge, Change, LoadOptions, OnPartialLoad};
use samod::storage::StorageKey;

use super::layout::{ChunkKind, chunk_kind};

/// Checks `data` against `key`; the error is a one-line reason for the user.
pub(crate) fn validate(key: &StorageKey, data: &[u8]) -> Result<(), String> {
    // The file's bytes come from anywhere; a parser bug must cost one chunk,
    // not the process.
    catch_unwind(AssertUnwindSafe(|| validate_inner(key, data)))
        .unwrap_or_else(|_| Err("the chunk made the automerge parser panic".to_owned()))
}

/// The check the store runs on every chunk it loads, for a key given as its
/// parts (`[doc, "incremental", hash]`, `[doc, "snapshot", heads]`, …): the
/// entry point fuzzing uses. A key samod would not accept is an error too.
pub fn validate_chunk(key_parts: &[&str], data: &[u8]) -> Result<(), String> {
    let key = StorageKey::from_parts(key_parts).map_err(|e| format!("not a storage key: {e}"))?;
    validate(&key, data)
}

fn validate_inner(key: &StorageKey, data: &[u8]) -> Result<(), String> {
    match chunk_kind(key) {
        ChunkKind::Other => Ok(()),
        // An empty file is what a crash between create and write leaves;
        // automerge would read an empty snapshot as a valid empty document.
        ChunkKind::Incremental { .. } | ChunkKind::Snapshot if data.is_empty() => {
            Err("the file is empty".to_owned())
        }
        ChunkKind::Incremental { hash } => validate_change(hash, data),
        ChunkKind::Snapshot => match checksums_of(data) {
            Ok(Checked::Intact) => Ok(()),
            // Compressed chunks carry the checksum of their inflated bytes;
            // those few get the full load.
            Ok(Checked::NeedsLoad) => {
                load_strict(data).map_err(|e| format!("not a valid automerge document: {e}"))?;
                Ok(())
            }
            Err(reason) => Err(format!("not a valid automerge document: {reason}")),
        },
    }
}

/// Automerge's chunk header starts with these.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// What the checksums said.
#[derive(Debug, PartialEq, Eq)]
enum Checked {
    /// Every chunk's checksum matches its bytes.
    Intact,
    /// A compressed chunk: its checksum cannot be checked without inflating.
    NeedsLoad,
}

/// Checks every chunk's header and checksum (the first 4 bytes of the
/// SHA-256 of its type, length and contents), without parsing what is
/// inside. This catches what damages a file at rest — a torn write, bit rot,
/// a partial copy — at a fraction of the cost of loading the document,
/// which samod does next anyway: on a 260k-op charter, loading it twice was
/// a quarter of the time to open it.
fn checksums_of(mut data: &[u8]) -> Result<Checked, String> {
    use sha2::{Digest as _, Sha256};

    if data.is_empty() {
        return Err("no chunks".to_owned());
    }
    let mut checked = Checked::Intact;
    let mut first = true;
    while !data.is_empty() {
        let (magic, rest) = data
            .split_first_chunk::<4>()
            .ok_or("a chunk is cut short")?;
        if *magic != MAGIC {
            return Err("a chunk does not start with automerge's magic bytes".to_owned());
        }
        let (checksum, rest) = rest
            .split_first_chunk::<4>()
            .ok_or("a chunk is cut short")?;
        let (&kind, rest) = rest.split_first().ok_or("a chunk is cut short")?;
        if kind > 3 {
            return Err(format!("unknown chunk type {kind}"));
        }
        // samod (and `create`) write `save()`: a whole document first.
        if first && kind != 0 {
            return Err("a snapshot must start with a whole document".to_owned());
        }
        first = false;
        let (len, width) = uleb128(rest).ok_or("a chunk's length is unreadable")?;
        let (len_bytes, reader) = rest.split_at(width);
        let len = usize::try_from(len).map_err(|_| "chunk length out of range")?;
        if reader.len() < len {
            return Err("a chunk is cut short".to_owned());
        }
        let (body, next) = reader.split_at(len);
        if kind == 2 {
            checked = Checked::NeedsLoad;
        } else {
            let mut hasher = Sha256::new();
            hasher.update([kind]);
            hasher.update(len_bytes);
            hasher.update(body);
            if hasher.finalize()[..4] != checksum[..] {
                return Err("a chunk's checksum does not match its contents".to_owned());
            }
        }
        data = next;
    }
    Ok(checked)
}

/// An unsigned LEB128 number at the start of `bytes`, and its width.
fn uleb128(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().enumerate().take(10) {
        let low = u64::from(byte & 0x7f);
        let shift = 7 * u32::try_from(i).ok()?;
        if shift == 63 && low > 1 {
            return None;
        }
        value |= low << shift;
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

fn load_strict(data: &[u8]) -> Result<Automerge, automerge::AutomergeError> {
    Automerge::load_with_options(
        data,
        LoadOptions::new().on_partial_load(OnPartialLoad::Error),
    )
}

/// Loads a whole document from bytes that come from anywhere (a file given
/// to `guild import`): strictly, as snapshots are checked, and with a panic
/// of automerge's parser turned into an error — automerge 0.12 panics on
/// some changes whose checksum is valid (an op counter beyond 32 bits).
pub fn load_untrusted(data: &[u8]) -> Result<Automerge, String> {
    catch_unwind(AssertUnwindSafe(|| load_strict(data)))
        .map_err(|_| "the file made the automerge parser panic".to_owned())?
        .map_err(|e| e.to_string())
}

/// Parses the changes a peer's Automerge sync message carries before samod
/// applies them. samod runs automerge's parser inside the document's actor,
/// where a panic (see [`load_untrusted`]) takes the actor down; here it is
/// contained and the message refused. A message automerge rejects with an
/// ordinary error passes: samod rejects it too, without harm.
pub fn check_sync_message(data: &[u8]) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| {
        let Ok(message) = automerge::sync::Message::decode(data) else {
            return;
        };
        for chunk in message.changes.iter() {
            // `load_incremental` parses a change chunk with this very
            // function; anything else (a whole document) it loads.
            if Change::try_from(chunk).is_err() {
                let _ = Automerge::new().load_incremental(chunk);
            }
        }
    }))
    .map_err(|_| "a change in it made the automerge parser panic".to_owned())
}

fn validate_change(expected_hash: &str, data: &[u8]) -> Result<(), String> {
    // `Change::from_bytes` is this same conversion, minus a copy.
    let change =
        Change::try_from(data).map_err(|e| format!("not a valid automerge change: {e}"))?;
    let hash = change.hash();
    if hash.to_string() != expected_hash {
        return Err(format!(
            "the change's hash {hash} does not match its file name"
        ));
    }
    // Parsing does not check the header's checksum, so a flipped bit there
    // would otherwise pass: the hash is computed from the rest of the chunk.
    if data.get(4..8) != hash.0.get(..4) {
        return Err("the change's checksum does not match its contents".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use automerge::{ROOT, ReadDoc, transaction::Transactable};

    use super::*;

    fn key(parts: &[&str]) -> StorageKey {
        StorageKey::from_parts(parts).expect("valid key")
    }

    fn one_change() -> (Automerge, Change) {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        tx.put(ROOT, "title", "hello").expect("put");
        tx.commit();
        let change = doc.get_changes(&[]).remove(0);
        (doc, change)
    }

    #[test]
    fn a_snapshot_is_checked_by_its_chunk_checksums() {
        let mut doc = Automerge::new();
        for n in 0..50 {
            let mut tx = doc.transaction();
            tx.put(ROOT, format!("k{n}"), n).expect("put");
            tx.commit();
        }
        let saved = doc.save();
        assert_eq!(checksums_of(&saved), Ok(Checked::Intact));
        // Several chunks back to back, as `load` accepts them.
        let mut two = saved.clone();
        two.extend(doc.get_changes(&[])[0].raw_bytes());
        assert_eq!(checksums_of(&two), Ok(Checked::Intact));
        let mut damaged = saved.clone();
        let middle = damaged.len() / 2;
        damaged[middle] ^= 0x40;
        assert!(checksums_of(&damaged).is_err());
    }

    #[test]
    fn accepts_good_chunks() {
        let (doc, change) = one_change();
        let inc = key(&["doc", "incremental", &change.hash().to_string()]);
        assert_eq!(validate(&inc, change.raw_bytes()), Ok(()));
        assert_eq!(
            validate(&key(&["doc", "snapshot", "x"]), &doc.save()),
            Ok(())
        );
        assert!(doc.get(ROOT, "title").expect("get").is_some());
    }

    #[test]
    fn rejects_wrong_hash_and_every_single_bit_flip() {
        let (doc, change) = one_change();
        let inc = key(&["doc", "incremental", &change.hash().to_string()]);
        let wrong = key(&["doc", "incremental", "00"]);
        assert!(validate(&wrong, change.raw_bytes()).is_err());

        let bytes = change.raw_bytes().to_vec();
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x10;
            assert!(validate(&inc, &flipped).is_err(), "flip at {i} passed");
        }
        let snap = key(&["doc", "snapshot", "x"]);
        let saved = doc.save();
        for i in 0..saved.len() {
            let mut flipped = saved.clone();
            flipped[i] ^= 0x01;
            assert!(validate(&snap, &flipped).is_err(), "flip at {i} passed");
        }
    }

    #[test]
    fn rejects_truncated_and_empty_chunks() {
        let (doc, change) = one_change();
        let inc = key(&["doc", "incremental", &change.hash().to_string()]);
        let snap = key(&["doc", "snapshot", "x"]);
        let saved = doc.save();
        for len in 0..change.raw_bytes().len() {
            assert!(validate(&inc, &change.raw_bytes()[..len]).is_err());
        }
        for len in 0..saved.len() {
            assert!(validate(&snap, &saved[..len]).is_err(), "len {len} passed");
        }
        assert!(validate(&snap, b"garbage that is not automerge").is_err());
        assert_eq!(validate(&key(&["storage-adapter-id"]), b""), Ok(()));
    }
}
