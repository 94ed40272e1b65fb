//! The sync states samod keeps per charter and peer (`[doc, "sync-state",
//! peer]`, patched samod-core; see `patches/samod-core/PATCHED.md`): their
//! key and the check a stored one must pass before samod sees it.
//!
//! A sync state only saves bytes on the next reconnect; it holds nothing
//! the user made. So a damaged one is not reported as damage: it is
//! skipped (samod then starts that peer from a fresh state, as without the
//! patch) and the next save replaces it. samod-core checks a state that
//! passes here once more, against the document itself.

use automerge::sync::State;
use samod::storage::StorageKey;
use samod::{DocumentId, PeerId};

/// Second key component of a stored sync state, as in samod-core's patch
/// and JS automerge-repo.
pub(crate) const SYNC_STATE: &str = "sync-state";

/// The key samod stores its sync state of `doc_id` with `peer` under.
pub fn sync_state_key(doc_id: &DocumentId, peer: &PeerId) -> StorageKey {
    StorageKey::from_parts([doc_id.to_string().as_str(), SYNC_STATE, peer.as_str()])
        .expect("a document id and a peer id are valid key components")
}

/// Whether `data` is exactly one encoded sync state (nothing cut off,
/// nothing trailing); the error is a one-line reason.
pub(crate) fn check(data: &[u8]) -> Result<(), String> {
    let state = State::decode(data).map_err(|e| format!("not a sync state: {e}"))?;
    if state.encode() != data {
        return Err("not a sync state: unexpected bytes after it".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lives_beside_the_documents_chunks() {
        let doc: DocumentId = "2N3EL2PBbbnCNk6GgAaBNViEqggt"
            .parse()
            .expect("a document id");
        let key = sync_state_key(&doc, &PeerId::from("d71c4b6afb1aa232ccbdbf67"));
        assert_eq!(
            super::super::layout::key_to_relpath(&key),
            std::path::PathBuf::from(
                "2N/3EL2PBbbnCNk6GgAaBNViEqggt/sync-state/d71c4b6afb1aa232ccbdbf67"
            )
        );
    }

    #[test]
    fn accepts_only_whole_states() {
        let state = State {
            shared_heads: vec![automerge::ChangeHash([7; 32])],
            ..State::new()
        };
        let encoded = state.encode();
        assert_eq!(check(&encoded), Ok(()));
        assert!(check(&encoded[..encoded.len() - 1]).is_err());
        let mut longer = encoded.clone();
        longer.push(0);
        assert!(check(&longer).is_err());
        assert!(check(b"").is_err());
        assert!(check(b"\x85\x6f\x4a\x83").is_err());
    }
}
