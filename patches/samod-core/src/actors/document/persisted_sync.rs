//! Patched in Guild (see PATCHED.md): this whole file is new.
//!
//! Sync states kept in storage per document and peer, so a reconnect with
//! nothing new exchanges heads instead of a bloom filter of every change.
//! automerge-repo (JS) does the same under `[doc, "sync-state", storage id]`;
//! here the last component is the peer id, which the application binds to
//! an authenticated identity (`Transport::with_expected_peer_id`).
//!
//! A stored state is a hint, never trusted: one that does not decode, or
//! names a change the document does not hold (the document lost unsaved
//! changes in a crash, the file is stale or damaged), is discarded and the
//! connection starts from a fresh state, as upstream always does.

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, sync};

use crate::io::{IoTaskId, StorageResult};
use crate::{ConnectionId, DocumentId, PeerId, StorageKey};

/// Second component of the key of a stored sync state, as in automerge-repo.
pub(crate) const SYNC_STATE: &str = "sync-state";

/// The key a document's sync state with `peer` is stored under, if the
/// peer id is a valid key component.
pub(crate) fn sync_state_key(doc_id: &DocumentId, peer: &PeerId) -> Option<StorageKey> {
    StorageKey::from_parts([doc_id.to_string().as_str(), SYNC_STATE, peer.as_str()]).ok()
}

/// Decodes a stored state and keeps it only if it is usable with `doc`.
pub(crate) fn restore(doc: &Automerge, stored: Option<&[u8]>) -> Option<sync::State> {
    let state = match sync::State::decode(stored?) {
        Ok(state) => state,
        Err(e) => {
            tracing::warn!(err=?e, "discarding a stored sync state that does not decode");
            return None;
        }
    };
    if state.shared_heads.is_empty() {
        return None;
    }
    let known = |hash| doc.get_change_meta_by_hash(hash).is_some();
    if !state.shared_heads.iter().all(known) {
        tracing::warn!("discarding a stored sync state naming changes this document lacks");
        return None;
    }
    Some(state)
}

/// The storage tasks a document actor runs for sync states.
#[derive(Debug, Default)]
pub(crate) struct PersistedSync {
    loads: HashMap<IoTaskId, ConnectionId>,
    puts: HashSet<IoTaskId>,
}

impl PersistedSync {
    pub(crate) fn loading(&mut self, task: IoTaskId, conn: ConnectionId) {
        self.loads.insert(task, conn);
    }

    pub(crate) fn saving(&mut self, task: IoTaskId) {
        self.puts.insert(task);
    }

    /// Whether `task` is ours.
    pub(crate) fn has_task(&self, task: IoTaskId) -> bool {
        self.loads.contains_key(&task) || self.puts.contains(&task)
    }

    /// Finishes `task`: for a load, the connection it was for (which may
    /// have closed meanwhile) and what storage held.
    pub(crate) fn complete(
        &mut self,
        task: IoTaskId,
        result: StorageResult,
    ) -> Option<(ConnectionId, Option<Vec<u8>>)> {
        self.puts.remove(&task);
        let conn = self.loads.remove(&task)?;
        match result {
            StorageResult::Load { value } => Some((conn, value)),
            _ => Some((conn, None)),
        }
    }

    /// Whether every save has completed.
    pub(crate) fn is_flushed(&self) -> bool {
        self.puts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;

    fn doc_with_a_change() -> Automerge {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, "k", 1).unwrap();
        tx.commit();
        doc
    }

    #[test]
    fn restores_a_state_whose_heads_the_document_holds() {
        let doc = doc_with_a_change();
        let state = sync::State {
            shared_heads: doc.get_heads(),
            ..sync::State::new()
        };
        let restored = restore(&doc, Some(&state.encode())).unwrap();
        assert_eq!(restored.shared_heads, doc.get_heads());
    }

    #[test]
    fn discards_garbage_and_unknown_heads() {
        let doc = doc_with_a_change();
        assert!(restore(&doc, Some(b"not a sync state")).is_none());
        assert!(restore(&doc, None).is_none());
        let other = doc_with_a_change();
        let stale = sync::State {
            shared_heads: other.get_heads(),
            ..sync::State::new()
        };
        assert!(restore(&doc, Some(&stale.encode())).is_none());
    }
}
