//! Keeps the [`AccessIndex`] in step with the documents: loads a
//! document's access list when a peer first asks about it, and follows its
//! changes. Reads documents only; never writes one.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use futures::StreamExt as _;
use samod::{DocHandle, DocumentId, Repo};

use super::read::read_access;
use crate::access::{AccessIndex, DocAccess};
use crate::store::DurableStorage;

/// Publishes documents' access lists into the index; cheap to clone.
#[derive(Clone)]
pub(super) struct AccessWatcher {
    repo: Repo,
    storage: DurableStorage,
    index: AccessIndex,
    watched: Arc<Mutex<HashSet<String>>>,
    /// Held from a read of an access list to its publication, so reads are
    /// published in the order they were made.
    publishing: Arc<Mutex<()>>,
}

impl AccessWatcher {
    pub(super) fn new(repo: Repo, storage: DurableStorage, index: AccessIndex) -> Self {
        Self {
            repo,
            storage,
            index,
            watched: Arc::default(),
            publishing: Arc::default(),
        }
    }

    /// Loads `doc` (if this node has it) and starts following it.
    pub(super) fn load(&self, doc: String) {
        let this = self.clone();
        tokio::spawn(async move {
            let on_disk = this
                .storage
                .document_ids()
                .is_ok_and(|ids| ids.contains(&doc));
            let found = match (on_disk, doc.parse::<DocumentId>()) {
                (true, Ok(id)) => this.repo.find(id).await.ok().flatten(),
                _ => None,
            };
            match found {
                Some(handle) => this.watch(&handle),
                // Only a document that is not being joined right now is absent.
                None if this.index.get(&doc) == DocAccess::Unknown => {
                    this.index.set(&doc, DocAccess::Absent);
                }
                None => {}
            }
        });
    }

    /// Publishes the document's access list now and on every change.
    pub(super) fn watch(&self, handle: &DocHandle) {
        let id = handle.document_id().to_string();
        let fresh = self
            .watched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id);
        if fresh {
            // Listen before reading: a change applied between a first read
            // and the subscription would otherwise go unseen until the next
            // change (seen in the simulation: a revocation in the document
            // and not in the index, with no later change to bring it).
            let mut changes = handle.changes();
            let this = self.clone();
            let handle = handle.clone();
            tokio::spawn(async move {
                while changes.next().await.is_some() {
                    this.refresh(&handle);
                }
            });
        }
        self.refresh(handle);
    }

    /// Publishes the document's access list as it is now.
    pub(super) fn refresh(&self, handle: &DocHandle) {
        // Refreshes run at once from many tasks (every read of a charter
        // refreshes). Unserialised, a read made before a change could be
        // published after the read made after it, and the index would keep
        // a revoked device admitted until the next change: seen in the
        // simulation under load. The document only grows, so the last read
        // under this lock is the newest.
        let _publishing = self
            .publishing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let access = handle.with_document(|doc| read_access(doc));
        self.index
            .set(&handle.document_id().to_string(), DocAccess::Known(access));
    }
}
