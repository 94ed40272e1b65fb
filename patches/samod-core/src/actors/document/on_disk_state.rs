use std::collections::{HashMap, HashSet};

use automerge::Automerge;

use crate::{
    DocumentId, StorageKey,
    actors::document::DocActorResult,
    io::{IoTaskId, StorageResult},
};

mod compaction_hash;
pub use compaction_hash::CompactionHash;

#[derive(Debug)]
pub(super) struct OnDiskState {
    last_saved_heads: Option<Vec<automerge::ChangeHash>>,
    on_disk: HashSet<StorageKey>,
    compaction: Option<Compaction>,
    deletions: HashSet<StorageKey>,
    running_puts: HashMap<IoTaskId, StorageKey>,
    running_deletes: HashMap<IoTaskId, StorageKey>,
    /// Patched in Guild (see PATCHED.md, patch 7): the bytes of the
    /// snapshots on disk, and of the incremental chunks saved beside them.
    snapshot_bytes: usize,
    incremental_bytes: usize,
    /// Patched in Guild (see PATCHED.md, patch 8): incremental chunks were
    /// written since the load, so stopping may compact.
    saved_since_load: bool,
}

/// Patched in Guild (see PATCHED.md, patch 7): past this many chunks on
/// disk a document is compacted whatever their size, so an open reads a
/// bounded number of files.
const MAX_CHUNKS_ON_DISK: usize = 256;

/// Patched in Guild (see PATCHED.md, patch 8): a document that wrote
/// incremental chunks in this run and has more than this many on disk is
/// compacted when its actor stops, so the next open reads one snapshot.
const COMPACT_ON_STOP_ABOVE: usize = 8;

#[derive(Debug)]
struct Compaction {
    task: IoTaskId,
    supercedes: HashSet<StorageKey>,
}

impl OnDiskState {
    pub(super) fn new() -> Self {
        Self {
            last_saved_heads: None,
            on_disk: HashSet::new(),
            compaction: None,
            deletions: HashSet::new(),
            running_deletes: HashMap::new(),
            running_puts: HashMap::new(),
            snapshot_bytes: 0,
            incremental_bytes: 0,
            saved_since_load: false,
        }
    }

    /// Records the sizes of the snapshots and incremental chunks a load
    /// found.
    ///
    /// Patched in Guild (see PATCHED.md, patch 7).
    pub(super) fn loaded_sizes(&mut self, snapshot_bytes: usize, incremental_bytes: usize) {
        self.snapshot_bytes = snapshot_bytes;
        self.incremental_bytes = incremental_bytes;
    }

    /// Whether every change up to `heads` has been saved (or was loaded).
    ///
    /// Patched in Guild (see PATCHED.md): lets `handle_load` tell whether
    /// the document held unsaved changes before its chunks were loaded.
    pub(super) fn all_saved(&self, heads: &[automerge::ChangeHash]) -> bool {
        self.last_saved_heads.as_deref().unwrap_or(&[]) == heads
    }

    /// Records that the changes up to `heads` came from storage, so they
    /// are not saved again.
    ///
    /// Patched in Guild (see PATCHED.md): upstream never sets
    /// `last_saved_heads` on load, so the first step after every load
    /// re-saves the whole document (an incremental per change, or a
    /// compaction), and merely opening a document writes to storage.
    pub(super) fn loaded(&mut self, heads: Vec<automerge::ChangeHash>) {
        self.last_saved_heads = Some(heads);
    }

    /// Add keys that we know are now on disk
    pub(super) fn add_keys<I: Iterator<Item = StorageKey>>(&mut self, contents: I) {
        self.on_disk.extend(contents);
    }

    pub(super) fn save_new_changes(
        &mut self,
        out: &mut DocActorResult,
        doc_id: &DocumentId,
        doc: &Automerge,
    ) {
        let new_changes = doc.get_changes(self.last_saved_heads.as_ref().unwrap_or(&Vec::new()));

        // Patched in Guild (see PATCHED.md): with nothing new to save there
        // is nothing to compact either; upstream compacts a freshly loaded
        // document that has more than 10 chunks on disk, writing on a read.
        let upstream_eligible =
            !new_changes.is_empty() && (new_changes.len() > 10 || self.on_disk.len() > 10);
        // Patched in Guild (see PATCHED.md, patch 7): as automerge-repo JS
        // does, a compaction rewrites the snapshot only once the
        // incremental data is at least its size (or the chunks are many);
        // upstream rewrote a large document's whole snapshot every ten
        // changes, on the path of the change that triggered it.
        let new_bytes: usize = new_changes.iter().map(|c| c.raw_bytes().len()).sum();
        let worth_it = self.incremental_bytes + new_bytes >= self.snapshot_bytes
            || self.on_disk.len() > MAX_CHUNKS_ON_DISK;
        let eligible_for_compaction = upstream_eligible && worth_it;
        if self.compaction.is_none() && eligible_for_compaction {
            tracing::debug!(
                num_changes = new_changes.len(),
                num_on_disk = self.on_disk.len(),
                "compacting changes"
            );
            self.compact(out, doc_id, doc);
        } else {
            self.incremental_bytes += new_bytes; // Patched in Guild (see PATCHED.md, patch 7).
            // Patched in Guild (see PATCHED.md, patch 8).
            self.saved_since_load |= !new_changes.is_empty();
            for change in new_changes {
                let key = StorageKey::incremental_path(doc_id, change.hash());
                let put_id = out.put(key.clone(), change.raw_bytes().to_vec());
                self.running_puts.insert(put_id, key);
            }
        }

        self.delete_superseded(out);

        self.last_saved_heads = Some(doc.get_heads());
    }

    /// Writes the whole document as a snapshot that supersedes every chunk
    /// on disk (deleted once it is written).
    fn compact(&mut self, out: &mut DocActorResult, doc_id: &DocumentId, doc: &Automerge) {
        let hash = CompactionHash::new(&doc.get_heads());
        let key = StorageKey::snapshot_path(doc_id, &hash);
        let snapshot = doc.save();
        // Patched in Guild (see PATCHED.md, patch 7).
        self.snapshot_bytes = snapshot.len();
        self.incremental_bytes = 0;
        let put_id = out.put(key.clone(), snapshot);
        let mut supercedes = self.on_disk.clone();
        // Make sure that we don't delete the compaction we're producing
        // somehow One way this can happen is if a previous process got
        // killed after writing the compacted chunk but before deleting the
        // incremental changes.
        supercedes.remove(&key);
        self.compaction = Some(Compaction {
            task: put_id,
            supercedes,
        });
        self.running_puts.insert(put_id, key);
    }

    /// Sends the deletes of the chunks a finished compaction superseded.
    fn delete_superseded(&mut self, out: &mut DocActorResult) {
        for deletion in self.deletions.drain() {
            let delete_id = out.delete(deletion.clone());
            self.running_deletes.insert(delete_id, deletion);
        }
    }

    /// Compacts a document that wrote chunks in this run and has more than
    /// [`COMPACT_ON_STOP_ABOVE`] on disk, as its actor stops.
    ///
    /// Patched in Guild (see PATCHED.md, patch 8): patch 7 leaves up to
    /// [`MAX_CHUNKS_ON_DISK`] chunks beside a large document's snapshot,
    /// and the next open applies them all. A document only read in this
    /// run is left as it is: an open writes nothing.
    pub(super) fn compact_before_stop(
        &mut self,
        out: &mut DocActorResult,
        doc_id: &DocumentId,
        doc: &Automerge,
    ) {
        if self.saved_since_load
            && self.compaction.is_none()
            && self.on_disk.len() > COMPACT_ON_STOP_ABOVE
            && self.last_saved_heads.as_deref() == Some(&doc.get_heads()[..])
        {
            tracing::debug!(num_on_disk = self.on_disk.len(), "compacting before stop");
            self.compact(out, doc_id, doc);
            self.saved_since_load = false;
        }
    }

    /// While stopping: sends the deletes a compaction left, and says
    /// whether every write and delete has finished.
    ///
    /// Patched in Guild (see PATCHED.md, patch 8).
    pub(super) fn flush_before_stop(&mut self, out: &mut DocActorResult) -> bool {
        self.delete_superseded(out);
        self.running_puts.is_empty() && self.running_deletes.is_empty()
    }

    pub(super) fn has_task(&self, task_id: IoTaskId) -> bool {
        self.running_puts.contains_key(&task_id) || self.running_deletes.contains_key(&task_id)
    }

    pub(super) fn task_complete(&mut self, task_id: IoTaskId, result: StorageResult) {
        match result {
            StorageResult::Put => {
                if let Some(compaction_key) = self.running_puts.remove(&task_id) {
                    tracing::debug!(key=%compaction_key, "compaction put completed for key");
                    self.mark_put_complete(task_id, compaction_key);
                } else {
                    panic!("put complete for unknown task id: {:?}", task_id);
                }
            }
            StorageResult::Delete => {
                if let Some(deletion_key) = self.running_deletes.remove(&task_id) {
                    self.mark_delete_complete(deletion_key);
                } else {
                    panic!("delete complete for unknown task id: {:?}", task_id);
                }
            }
            _ => panic!("unexpected storage result"),
        }
    }

    fn mark_put_complete(&mut self, task_id: IoTaskId, key: StorageKey) {
        if let Some(compaction) = &mut self.compaction
            && compaction.task == task_id
        {
            tracing::debug!("compacted chunk saved, deleting superceded data");
            // We're marking these as deleted before we get confirmation that they
            // are deleted. This is okay, worst case we end up with some extra data
            // on disk which gets cleared up on next boot.
            for key in &compaction.supercedes {
                self.on_disk.remove(key);
            }
            self.deletions
                .extend(std::mem::take(&mut compaction.supercedes));
            self.compaction = None;
        }
        self.on_disk.insert(key);
    }

    fn mark_delete_complete(&mut self, key: StorageKey) {
        // Probably this has already been removed in the handling of the compaction completion, but
        // we might as well be robust
        self.on_disk.remove(&key);
    }
}

#[cfg(test)]
mod tests; // Patched in Guild (see PATCHED.md, patch 7).
