//! Patched in Guild (see PATCHED.md, patch 6): a document loads every
//! chunk on disk with one Automerge load, not one per chunk; a chunk that
//! does not load with the others is skipped on its own.

use super::*;
use crate::StorageKey;

/// A snapshot of a document with one change, then `incrementals` more
/// changes, each a chunk of its own; and the document they make.
fn chunks_of(incrementals: usize) -> (Vec<Vec<u8>>, Vec<Vec<u8>>, Automerge) {
    let mut doc = Automerge::new();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "first", 0))
        .unwrap();
    let snapshot = doc.save();
    let mut changes = Vec::new();
    for i in 0..incrementals {
        let before = doc.get_heads();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(ROOT, format!("k{i}"), i as u64)
        })
        .unwrap();
        changes.push(doc.save_after(&before));
    }
    (vec![snapshot], changes, doc)
}

fn keyed(kind: &str, chunks: Vec<Vec<u8>>) -> HashMap<StorageKey, Vec<u8>> {
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            (
                StorageKey::from_parts([kind, &i.to_string()]).unwrap(),
                chunk,
            )
        })
        .collect()
}

/// A loading actor (nothing in memory yet) given `snapshots` and
/// `incrementals` from storage.
fn loaded(snapshots: Vec<Vec<u8>>, incrementals: Vec<Vec<u8>>) -> DocumentActor {
    let (mut actor, _, _, _) = new_actor(false, None);
    let mut out = DocActorResult::new();
    actor.handle_load(
        UnixTimestamp::now(),
        &mut out,
        &keyed("snapshot", snapshots),
        &keyed("incremental", incrementals),
    );
    actor
}

#[test]
fn a_snapshot_and_its_incrementals_load_in_one_call() {
    let (snapshots, incrementals, doc) = chunks_of(6);
    let actor = loaded(snapshots, incrementals);
    assert_eq!(actor.doc.get_heads(), doc.get_heads());
    assert_eq!(actor.doc.get_changes(&[]).len(), 7);
    assert_eq!(actor.automerge_loads, 1, "one load for seven chunks");
}

#[test]
fn a_chunk_that_does_not_load_is_skipped_and_the_rest_load() {
    let (snapshots, mut incrementals, doc) = chunks_of(3);
    let good = doc.get_heads();
    incrementals.push(b"not an automerge chunk".to_vec());
    let actor = loaded(snapshots, incrementals);
    assert_eq!(actor.doc.get_heads(), good, "every good chunk loaded");
    assert_eq!(
        actor.automerge_loads,
        1 + 5,
        "one try at once, then one per chunk"
    );
}

#[test]
fn one_chunk_is_loaded_as_before() {
    let (snapshots, _, doc) = chunks_of(0);
    let actor = loaded(snapshots, Vec::new());
    assert_eq!(actor.doc.get_heads(), doc.get_heads());
    assert_eq!(actor.automerge_loads, 1);
}
