//! Where each storage key lives on disk, and which names are ours to ignore.
//!
//! The mapping is samod's `FilesystemStorage` (and automerge-repo's nodefs
//! adapter) byte for byte, so either tool pointed at the same directory sees
//! the same keys.

use std::ffi::OsStr;
use std::path::PathBuf;

use automerge::ChangeHash;
use samod::DocumentId;
use samod::storage::StorageKey;
use sha2::{Digest as _, Sha256};

use super::sync_state::SYNC_STATE;

/// Names starting with this are half-written files: never keys, and removed
/// on open because a crash is the only way one can outlive its writer.
pub(crate) const TMP_PREFIX: &str = ".tmp-";

/// Second key component of the chunks samod writes for every change.
pub(crate) const INCREMENTAL: &str = "incremental";
/// Second key component of the compacted chunks samod writes.
pub(crate) const SNAPSHOT: &str = "snapshot";

/// The path of `key` relative to the store's root.
///
/// Deliberately a copy of samod's private `key_to_path`, including its
/// char-based (not byte-based) split of the first component.
pub(crate) fn key_to_relpath(key: &StorageKey) -> PathBuf {
    let mut result = PathBuf::new();
    for (index, component) in key.into_iter().enumerate() {
        if index == 0 {
            let (first_two, remaining) = splay(component);
            result.push(first_two);
            result.push(remaining);
        } else {
            result.push(component);
        }
    }
    result
}

/// The two directory levels a document id (a key's first component) is
/// splayed into: its first two characters and the rest. By characters, not
/// bytes, as samod splits it; every place that maps an id to a directory
/// uses this.
pub(crate) fn splay(doc_id: &str) -> (&str, &str) {
    let split = doc_id
        .char_indices()
        .nth(2)
        .map_or(doc_id.len(), |(i, _)| i);
    doc_id.split_at(split)
}

/// The key samod gives a document's chunk holding one change.
pub fn incremental_key(doc_id: &DocumentId, change: ChangeHash) -> StorageKey {
    StorageKey::incremental_path(doc_id, change)
}

/// The key samod gives a compacted whole document (`Automerge::save()`)
/// at `heads`: the SHA-256 of the heads, as samod's `CompactionHash`.
pub fn snapshot_key(doc_id: &DocumentId, heads: &[ChangeHash]) -> StorageKey {
    let mut hasher = Sha256::new();
    for head in heads {
        hasher.update(head.as_ref());
    }
    StorageKey::snapshot_prefix(doc_id)
        .with_component(hex::encode(hasher.finalize()))
        .expect("a hex digest is a valid key component")
}

pub(crate) fn is_tmp_name(name: &OsStr) -> bool {
    name.as_encoded_bytes().starts_with(TMP_PREFIX.as_bytes())
}

/// What a key holds, as far as validation cares.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ChunkKind {
    /// Changes saved as they were made. samod names the chunk by its one
    /// change's hash, automerge-repo (JS) by the SHA-256 of its bytes; the
    /// name is not checked against the content.
    Incremental,
    /// A whole document saved by compaction.
    Snapshot,
    /// What samod keeps of its sync with one peer (`sync_state.rs`).
    SyncState,
    /// Anything else (the storage id, keys from newer samod versions).
    Other,
}

pub(crate) fn chunk_kind(key: &StorageKey) -> ChunkKind {
    let parts: Vec<&String> = key.into_iter().collect();
    match parts.as_slice() {
        [_, kind, _] if kind.as_str() == INCREMENTAL => ChunkKind::Incremental,
        [_, kind, _] if kind.as_str() == SNAPSHOT => ChunkKind::Snapshot,
        [_, kind, _] if kind.as_str() == SYNC_STATE => ChunkKind::SyncState,
        _ => ChunkKind::Other,
    }
}

/// The document a key belongs to, if it is a document chunk.
pub(crate) fn doc_of(key: &StorageKey) -> Option<&str> {
    match chunk_kind(key) {
        ChunkKind::Incremental | ChunkKind::Snapshot => key.into_iter().next().map(String::as_str),
        ChunkKind::SyncState | ChunkKind::Other => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(parts: &[&str]) -> StorageKey {
        StorageKey::from_parts(parts).expect("valid key")
    }

    #[test]
    fn splays_first_component() {
        let path = key_to_relpath(&key(&["abcdef", "incremental", "123"]));
        assert_eq!(path, PathBuf::from("ab/cdef/incremental/123"));
        let path = key_to_relpath(&key(&["storage-adapter-id"]));
        assert_eq!(path, PathBuf::from("st/orage-adapter-id"));
    }

    #[test]
    fn classifies_chunks() {
        assert_eq!(
            chunk_kind(&key(&["doc", "incremental", "h"])),
            ChunkKind::Incremental
        );
        assert_eq!(
            chunk_kind(&key(&["doc", "snapshot", "h"])),
            ChunkKind::Snapshot
        );
        assert_eq!(
            chunk_kind(&key(&["doc", "sync-state", "peer"])),
            ChunkKind::SyncState
        );
        assert_eq!(chunk_kind(&key(&["doc", "snapshot"])), ChunkKind::Other);
        assert_eq!(chunk_kind(&key(&["storage-adapter-id"])), ChunkKind::Other);
        assert_eq!(doc_of(&key(&["doc", "snapshot", "h"])), Some("doc"));
        assert_eq!(doc_of(&key(&["storage-adapter-id"])), None);
    }

    #[test]
    fn splays_by_characters() {
        assert_eq!(splay("abcdef"), ("ab", "cdef"));
        assert_eq!(splay("éüx"), ("éü", "x"));
        assert_eq!(splay("a"), ("a", ""));
    }

    #[test]
    fn recognises_tmp_names() {
        assert!(is_tmp_name(OsStr::new(".tmp-abc")));
        assert!(!is_tmp_name(OsStr::new("abc.tmp-")));
    }
}
