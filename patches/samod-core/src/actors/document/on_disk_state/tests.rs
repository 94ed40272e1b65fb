//! Patched in Guild (see PATCHED.md, patch 7): a large document is not
//! compacted every ten changes, only once its incremental data reaches the
//! size of its snapshot (or its chunks pass a bound); a small one is
//! compacted as upstream does.
//!
//! Patch 8: a document that wrote chunks in this run is compacted as its
//! actor stops; one only read is not.

use automerge::transaction::Transactable as _;
use automerge::{ObjType, ROOT};

use super::*;
use crate::actors::document::io::DocumentIoTask;
use crate::io::StorageTask;

/// `chars` letters that do not compress (a compressed snapshot of one
/// repeated letter would be smaller than a few changes).
fn letters(chars: usize) -> String {
    let mut seed = 0x2545_f491_u32;
    (0..chars)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            char::from(b'a' + (seed % 26) as u8)
        })
        .collect()
}

/// A document whose text has `chars` characters, saved as one snapshot
/// that `state` knows it loaded.
fn saved_doc(chars: usize, state: &mut OnDiskState, doc_id: &DocumentId) -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let text = tx.put_object(ROOT, "text", ObjType::Text).unwrap();
    tx.splice_text(&text, 0, 0, &letters(chars)).unwrap();
    tx.commit();
    let snapshot = doc.save();
    let key = StorageKey::snapshot_path(doc_id, &CompactionHash::new(&doc.get_heads()));
    state.loaded_sizes(snapshot.len(), 0);
    state.loaded(doc.get_heads());
    state.add_keys(std::iter::once(key));
    doc
}

/// Makes `changes` one-key changes, saving after each as the actor does
/// and completing every put; how many of the saves were compactions.
fn type_and_save(
    doc: &mut Automerge,
    state: &mut OnDiskState,
    doc_id: &DocumentId,
    changes: usize,
) -> usize {
    let mut compactions = 0;
    for i in 0..changes {
        let mut tx = doc.transaction();
        tx.put(ROOT, format!("k{i}"), i as u64).unwrap();
        tx.commit();
        let mut out = DocActorResult::new();
        state.save_new_changes(&mut out, doc_id, doc);
        for task in out.io_tasks {
            if let DocumentIoTask::Storage(StorageTask::Put { key, .. }) = &task.action {
                if key.to_string().contains("snapshot") {
                    compactions += 1;
                }
                state.task_complete(task.task_id, StorageResult::Put);
            }
        }
    }
    compactions
}

#[test]
fn a_large_document_is_not_compacted_every_ten_changes() {
    let doc_id = DocumentId::new(&mut rand::rng());
    let mut state = OnDiskState::new();
    let mut doc = saved_doc(20_000, &mut state, &doc_id);
    // Upstream compacts at the eleventh chunk, and every ten after: 4 here.
    assert_eq!(type_and_save(&mut doc, &mut state, &doc_id, 50), 0);
    assert!(state.on_disk.len() > 50, "{} chunks", state.on_disk.len());
}

#[test]
fn a_large_document_is_compacted_once_its_chunks_are_many() {
    let doc_id = DocumentId::new(&mut rand::rng());
    let mut state = OnDiskState::new();
    let mut doc = saved_doc(200_000, &mut state, &doc_id);
    let compactions = type_and_save(&mut doc, &mut state, &doc_id, MAX_CHUNKS_ON_DISK + 10);
    assert_eq!(
        compactions, 1,
        "one compaction past {MAX_CHUNKS_ON_DISK} chunks"
    );
}

#[test]
fn a_small_document_is_compacted_as_upstream_does() {
    let doc_id = DocumentId::new(&mut rand::rng());
    let mut state = OnDiskState::new();
    let mut doc = saved_doc(10, &mut state, &doc_id);
    // Its changes soon outweigh its snapshot: every ten or so, as before.
    let compactions = type_and_save(&mut doc, &mut state, &doc_id, 50);
    assert!(compactions >= 3, "{compactions} compactions");
}

/// What stopping the document writes: (snapshots put, deletes sent), every
/// task completed.
fn stop(doc: &Automerge, state: &mut OnDiskState, doc_id: &DocumentId) -> (usize, usize) {
    let mut out = DocActorResult::new();
    state.compact_before_stop(&mut out, doc_id, doc);
    let (mut snapshots, mut deletes) = (0, 0);
    for _ in 0..3 {
        for task in std::mem::take(&mut out.io_tasks) {
            match &task.action {
                DocumentIoTask::Storage(StorageTask::Put { key, .. }) => {
                    assert!(key.to_string().contains("snapshot"), "{key}");
                    snapshots += 1;
                    state.task_complete(task.task_id, StorageResult::Put);
                }
                DocumentIoTask::Storage(StorageTask::Delete { .. }) => {
                    deletes += 1;
                    state.task_complete(task.task_id, StorageResult::Delete);
                }
                other => panic!("unexpected task {other:?}"),
            }
        }
        if state.flush_before_stop(&mut out) && out.io_tasks.is_empty() {
            return (snapshots, deletes);
        }
    }
    panic!("stopping never finished");
}

#[test]
fn a_document_written_in_this_run_is_compacted_when_it_stops() {
    let doc_id = DocumentId::new(&mut rand::rng());
    let mut state = OnDiskState::new();
    let mut doc = saved_doc(20_000, &mut state, &doc_id);
    assert_eq!(type_and_save(&mut doc, &mut state, &doc_id, 20), 0);
    // The snapshot and the 20 chunks give way to one new snapshot.
    assert_eq!(stop(&doc, &mut state, &doc_id), (1, 21));
    assert_eq!(state.on_disk.len(), 1);
}

#[test]
fn a_document_only_read_or_barely_written_is_not_compacted_when_it_stops() {
    let doc_id = DocumentId::new(&mut rand::rng());
    let mut state = OnDiskState::new();
    let mut doc = saved_doc(20_000, &mut state, &doc_id);
    type_and_save(&mut doc, &mut state, &doc_id, 20);
    // A later run that only reads the document leaves its chunks alone.
    let mut read = OnDiskState::new();
    read.loaded_sizes(state.snapshot_bytes, state.incremental_bytes);
    read.loaded(doc.get_heads());
    read.add_keys(state.on_disk.iter().cloned());
    assert_eq!(stop(&doc, &mut read, &doc_id), (0, 0));
    // So does one that wrote a few chunks only.
    let mut few = OnDiskState::new();
    let mut small = saved_doc(20_000, &mut few, &doc_id);
    type_and_save(&mut small, &mut few, &doc_id, COMPACT_ON_STOP_ABOVE - 1);
    assert_eq!(stop(&small, &mut few, &doc_id), (0, 0));
}
