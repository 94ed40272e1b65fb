//! Deciding whether a chunk read from disk is intact Automerge data.
//!
//! A chunk is judged by its content, never by its name: samod names an
//! incremental chunk by the hash of its one change, JavaScript
//! automerge-repo by the SHA-256 of the chunk's bytes (which may hold
//! several changes), and the two name snapshots by different hashes of the
//! heads. Whatever the name, a file that is a sequence of intact Automerge
//! chunks (a document, changes, compressed changes) is loaded.
//!
//! A chunk that fails here is damaged (torn write from a crash before this
//! store existed, bit rot, a partial copy by sync software); handing it to
//! samod would at best be ignored and at worst stop the rest of the document
//! from loading, so the caller skips it and reports it instead.

use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::{Automerge, Change, LoadOptions, OnPartialLoad};
use samod::storage::StorageKey;

use super::layout::{ChunkKind, chunk_kind};

/// Checks the data of `key`; the error is a one-line reason for the user.
pub(crate) fn validate(key: &StorageKey, data: &[u8]) -> Result<(), String> {
    // The file's bytes come from anywhere; a parser bug must cost one chunk,
    // not the process.
    catch_unwind(AssertUnwindSafe(|| validate_inner(key, data)))
        .unwrap_or_else(|_| Err("the chunk made the automerge parser panic".to_owned()))
}

/// The check the store runs on every chunk it loads, for a key given as its
/// parts (`[doc, "incremental", name]`, `[doc, "snapshot", name]`, …): the
/// entry point fuzzing uses. A key samod would not accept is an error too.
pub fn validate_chunk(key_parts: &[&str], data: &[u8]) -> Result<(), String> {
    let key = StorageKey::from_parts(key_parts).map_err(|e| format!("not a storage key: {e}"))?;
    validate(&key, data)
}

fn validate_inner(key: &StorageKey, data: &[u8]) -> Result<(), String> {
    match chunk_kind(key) {
        ChunkKind::Other => Ok(()),
        ChunkKind::SyncState => super::sync_state::check(data),
        // An empty file is what a crash between create and write leaves;
        // automerge would read an empty snapshot as a valid empty document.
        ChunkKind::Incremental | ChunkKind::Snapshot if data.is_empty() => {
            Err("the file is empty".to_owned())
        }
        ChunkKind::Incremental | ChunkKind::Snapshot => {
            check_chunks(data).map_err(|reason| format!("not valid automerge data: {reason}"))
        }
    }
}

/// Automerge's chunk header starts with these.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// Automerge's chunk types (the byte after the checksum).
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED_CHANGE: u8 = 2;
const BUNDLE: u8 = 3;

/// Checks every chunk's header and checksum (the first 4 bytes of the
/// SHA-256 of its type, length and contents), and parses each change.
///
/// A whole document is not parsed here: checksums catch what damages a
/// file at rest — a torn write, bit rot, a partial copy — at a fraction of
/// the cost of loading the document, which samod does next anyway (on a
/// 260k-op charter, loading it twice was a quarter of the time to open it).
/// Changes are small, and parsing them is what samod's loader does with
/// them too. A compressed change's checksum is that of its inflated bytes,
/// so it is checked after parsing.
fn check_chunks(mut data: &[u8]) -> Result<(), String> {
    use sha2::{Digest as _, Sha256};

    if data.is_empty() {
        return Err("no chunks".to_owned());
    }
    while !data.is_empty() {
        let whole = data;
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
        let (len, width) = uleb128(rest).ok_or("a chunk's length is unreadable")?;
        let (len_bytes, reader) = rest.split_at(width);
        let len = usize::try_from(len).map_err(|_| "chunk length out of range")?;
        if reader.len() < len {
            return Err("a chunk is cut short".to_owned());
        }
        let (body, next) = reader.split_at(len);
        let chunk = &whole[..whole.len() - next.len()];
        match kind {
            DOCUMENT | CHANGE | BUNDLE => {
                let mut hasher = Sha256::new();
                hasher.update([kind]);
                hasher.update(len_bytes);
                hasher.update(body);
                if hasher.finalize()[..4] != checksum[..] {
                    return Err("a chunk's checksum does not match its contents".to_owned());
                }
                if kind == CHANGE {
                    Change::try_from(chunk).map_err(|e| format!("a change is unreadable: {e}"))?;
                }
            }
            COMPRESSED_CHANGE => {
                let change =
                    Change::try_from(chunk).map_err(|e| format!("a change is unreadable: {e}"))?;
                if change.hash().0[..4] != checksum[..] {
                    return Err("a chunk's checksum does not match its contents".to_owned());
                }
            }
            other => return Err(format!("unknown chunk type {other}")),
        }
        data = next;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use automerge::{ROOT, ReadDoc, transaction::Transactable};
    use sha2::{Digest as _, Sha256};

    use super::*;

    fn key(parts: &[&str]) -> StorageKey {
        StorageKey::from_parts(parts).expect("valid key")
    }

    /// A document of `n` changes.
    fn doc_of(n: usize) -> Automerge {
        let mut doc = Automerge::new();
        for i in 0..n {
            let mut tx = doc.transaction();
            tx.put(ROOT, format!("k{i}"), "hello").expect("put");
            tx.commit();
        }
        doc
    }

    fn one_change() -> (Automerge, Change) {
        let doc = doc_of(1);
        let change = doc.get_changes(&[]).remove(0);
        (doc, change)
    }

    /// What JS automerge-repo writes as an incremental chunk: the changes
    /// since some heads back to back, named by the SHA-256 of the bytes.
    fn js_incremental(doc: &Automerge) -> (StorageKey, Vec<u8>) {
        let bytes = doc.save_after(&[]);
        let name = hex::encode(Sha256::digest(&bytes));
        (key(&["doc", "incremental", &name]), bytes)
    }

    #[test]
    fn checksums_cover_every_chunk() {
        let doc = doc_of(50);
        let saved = doc.save();
        assert_eq!(check_chunks(&saved), Ok(()));
        // Several chunks back to back, as `load` accepts them.
        let mut two = saved.clone();
        two.extend(doc.get_changes(&[])[0].raw_bytes());
        assert_eq!(check_chunks(&two), Ok(()));
        let mut damaged = saved.clone();
        let middle = damaged.len() / 2;
        damaged[middle] ^= 0x40;
        assert!(check_chunks(&damaged).is_err());
    }

    #[test]
    fn accepts_good_chunks_whatever_their_name() {
        let (doc, change) = one_change();
        let by_change = key(&["doc", "incremental", &change.hash().to_string()]);
        assert_eq!(validate(&by_change, change.raw_bytes()), Ok(()));
        // A name is never a reason to skip data.
        assert_eq!(
            validate(&key(&["doc", "incremental", "00"]), change.raw_bytes()),
            Ok(())
        );
        let (js_key, js_bytes) = js_incremental(&doc_of(3));
        assert_eq!(validate(&js_key, &js_bytes), Ok(()));
        assert_eq!(
            validate(&key(&["doc", "snapshot", "x"]), &doc.save()),
            Ok(())
        );
        // Content decides, not the directory: a document under
        // incremental/, changes under snapshot/.
        assert_eq!(
            validate(&key(&["doc", "incremental", "x"]), &doc.save()),
            Ok(())
        );
        assert_eq!(validate(&key(&["doc", "snapshot", "y"]), &js_bytes), Ok(()));
        assert!(doc.get(ROOT, "k0").expect("get").is_some());
    }

    #[test]
    fn accepts_a_compressed_change_and_checks_its_checksum() {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        tx.put(ROOT, "long", "a long text ".repeat(200))
            .expect("put");
        tx.commit();
        let mut change = doc.get_changes(&[]).remove(0);
        let compressed = change.bytes().into_owned();
        assert_eq!(compressed[8], COMPRESSED_CHANGE, "automerge compressed it");
        let inc = key(&["doc", "incremental", "c"]);
        assert_eq!(validate(&inc, &compressed), Ok(()));
        let mut flipped = compressed.clone();
        flipped[5] ^= 0x01;
        assert!(validate(&inc, &flipped).is_err());
    }

    #[test]
    fn rejects_every_single_bit_flip() {
        let (doc, change) = one_change();
        let inc = key(&["doc", "incremental", &change.hash().to_string()]);
        let bytes = change.raw_bytes().to_vec();
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x10;
            assert!(validate(&inc, &flipped).is_err(), "flip at {i} passed");
        }
        let (js_key, js_bytes) = js_incremental(&doc_of(3));
        for i in 0..js_bytes.len() {
            let mut flipped = js_bytes.clone();
            flipped[i] ^= 0x04;
            assert!(validate(&js_key, &flipped).is_err(), "flip at {i} passed");
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
        // A file of several changes cut exactly between two of them is
        // whole changes, and loads as such; cut anywhere else, it is damage.
        let three = doc_of(3);
        let (js_key, js_bytes) = js_incremental(&three);
        let mut boundaries = vec![0];
        for change in three.get_changes(&[]) {
            boundaries.push(boundaries[boundaries.len() - 1] + change.raw_bytes().len());
        }
        for len in 0..js_bytes.len() {
            let cut = validate(&js_key, &js_bytes[..len]);
            if len > 0 && boundaries.contains(&len) {
                assert_eq!(cut, Ok(()), "whole changes at {len}");
            } else {
                assert!(cut.is_err(), "len {len} passed");
            }
        }
        for len in 0..saved.len() {
            assert!(validate(&snap, &saved[..len]).is_err(), "len {len} passed");
        }
        assert!(validate(&snap, b"garbage that is not automerge").is_err());
        assert_eq!(validate(&key(&["storage-adapter-id"]), b""), Ok(()));
    }
}
