//! A real samod `Repo` on the store reloads what it saved, before and after
//! samod compacts a document's changes into a snapshot, loads what JS
//! automerge-repo writes, and writes nothing when it only reads.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::{Automerge, ROOT, transaction::Transactable};
use guild_sync::{DurableStorage, StoreOptions};
use samod::storage::{Storage, StorageKey, TokioFilesystemStorage};
use samod::{DocumentId, Repo};
use sha2::{Digest as _, Sha256};

use crate::common::{
    changes, chunk_dir, doc_id, get_n, make_doc, open, reload, stat_tree, tree, within,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloads_with_identical_heads() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = DurableStorage::open(tmp.path(), StoreOptions::default()).expect("open");
    let (id, heads) = make_doc(store.clone(), 5).await;
    store.flush().await.expect("saved");
    drop(store);
    assert!(!chunk_dir(tmp.path(), &id.to_string(), "snapshot").exists());

    let doc = reload(open(tmp.path()), &id).await.expect("found");
    assert_eq!(doc.get_heads(), heads);
    assert_eq!(get_n(&doc), Some(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloads_after_compaction() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = DurableStorage::open(tmp.path(), StoreOptions::default()).expect("open");
    let (id, heads) = make_doc(store.clone(), 25).await;
    store.flush().await.expect("saved");
    assert!(store.health().is_ok());
    assert!(
        store.stats().files_deleted > 0,
        "compaction deleted nothing"
    );
    drop(store);

    let id_str = id.to_string();
    let snapshots = tree(&chunk_dir(tmp.path(), &id_str, "snapshot"));
    assert!(!snapshots.is_empty(), "samod did not compact");
    let incrementals = tree(&chunk_dir(tmp.path(), &id_str, "incremental"));
    assert!(
        incrementals.len() < 25,
        "superseded chunks were not deleted"
    );

    let fresh = open(tmp.path());
    let doc = reload(fresh.clone(), &id).await.expect("found");
    assert_eq!(doc.get_heads(), heads);
    assert_eq!(get_n(&doc), Some(24));
    assert!(fresh.health().is_ok(), "{:?}", fresh.health());

    // samod's own storage reads the same document from our directory.
    let doc = reload(TokioFilesystemStorage::new(tmp.path()), &id)
        .await
        .expect("found by samod's storage");
    assert_eq!(doc.get_heads(), heads);
}

/// A storage that records every write samod asks of it.
#[derive(Clone)]
struct Recording {
    inner: DurableStorage,
    writes: Arc<Mutex<Vec<String>>>,
}

impl Recording {
    fn new(inner: DurableStorage) -> Self {
        Self {
            inner,
            writes: Arc::default(),
        }
    }

    fn writes(&self) -> Vec<String> {
        self.writes.lock().expect("lock").clone()
    }
}

impl Storage for Recording {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        self.inner.load(key)
    }

    fn load_range(
        &self,
        prefix: StorageKey,
    ) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        self.inner.load_range(prefix)
    }

    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        self.writes.lock().expect("lock").push(format!("put {key}"));
        self.inner.put(key, data)
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        self.writes
            .lock()
            .expect("lock")
            .push(format!("delete {key}"));
        self.inner.delete(key)
    }
}

/// Loads `id` from `dir` and checks that samod asked for no write or
/// delete, and that no file was written or replaced; returns the document.
async fn load_without_writing(dir: &Path, id: &DocumentId) -> Automerge {
    let before = stat_tree(dir);
    let store = open(dir);
    let recording = Recording::new(store.clone());
    let doc = reload(recording.clone(), id).await.expect("found");
    store.flush().await.expect("saved");
    assert_eq!(
        recording.writes(),
        Vec::<String>::new(),
        "samod wrote on a load"
    );
    assert_eq!(store.stats().files_written, 0);
    assert_eq!(store.stats().files_deleted, 0);
    assert!(store.health().is_ok(), "{:?}", store.health());
    drop(store);
    // Files gone are counted above, by what samod asked and the store did:
    // a delete from the run that wrote the directory may still land now,
    // since samod's `Repo::stop` does not wait for a compaction's deletes.
    let after = stat_tree(dir);
    let written: Vec<_> = after
        .iter()
        .filter(|(path, stat)| before.get(*path) != Some(stat))
        .map(|(path, _)| path)
        .collect();
    assert!(written.is_empty(), "the load wrote {written:?}");
    doc
}

/// Writes `chunks` as JS automerge-repo's nodefs adapter names them: by a
/// SHA-256 (of the bytes for an incremental, of the heads for a snapshot),
/// beside the storage id every automerge-repo writes when it starts.
fn write_as_js(dir: &Path, doc: &str, kind: &str, chunks: &[Vec<u8>]) {
    let id_dir = dir.join("st");
    std::fs::create_dir_all(&id_dir).expect("mkdir");
    std::fs::write(
        id_dir.join("orage-adapter-id"),
        "0b6a4d3e-7f43-4c8e-9a55-2f1c0d9e8b71",
    )
    .expect("write");
    let chunk_dir = chunk_dir(dir, doc, kind);
    std::fs::create_dir_all(&chunk_dir).expect("mkdir");
    for bytes in chunks {
        let name = hex::encode(Sha256::digest(bytes));
        std::fs::write(chunk_dir.join(name), bytes).expect("write");
    }
}

/// samod re-saved every document it loaded (upstream samod-core never
/// records the heads it loaded as saved), so reading a charter wrote to
/// the data directory. This fails without `patches/samod-core`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loading_a_document_writes_nothing() {
    // Written by samod and the store: a few changes, and enough that samod
    // compacted them.
    for edits in [5, 25] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let store = open(tmp.path());
        let (id, heads) = make_doc(store.clone(), edits).await;
        store.flush().await.expect("saved");
        drop(store);
        let doc = load_without_writing(tmp.path(), &id).await;
        assert_eq!(doc.get_heads(), heads, "{edits} edits");
    }

    // Written as JS automerge-repo does: more than 10 incremental chunks,
    // several changes in one of them, or a snapshot alone (whose changes
    // samod used to save again, one incremental each).
    let (automerge, changes) = changes(15);
    let id = doc_id(7);
    let doc = id.to_string();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut chunks: Vec<Vec<u8>> = changes[..12]
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect();
    chunks.push(automerge.save_after(&[changes[11].hash()]));
    write_as_js(tmp.path(), &doc, "incremental", &chunks);
    let loaded = load_without_writing(tmp.path(), &id).await;
    assert_eq!(loaded.get_heads(), automerge.get_heads());

    let tmp = tempfile::tempdir().expect("tempdir");
    let (automerge, _) = crate::common::changes(3);
    write_as_js(tmp.path(), &doc, "snapshot", &[automerge.save()]);
    let loaded = load_without_writing(tmp.path(), &id).await;
    assert_eq!(loaded.get_heads(), automerge.get_heads());
    assert_eq!(get_n(&loaded), Some(2));
}

/// What the fix must not break: a change made after a load is saved, and a
/// document with many chunks on disk is compacted on its next change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_after_a_load_is_saved() {
    let (automerge, changes) = changes(15);
    let id = doc_id(8);
    let doc = id.to_string();
    let tmp = tempfile::tempdir().expect("tempdir");
    let chunks: Vec<Vec<u8>> = changes.iter().map(|c| c.raw_bytes().to_vec()).collect();
    write_as_js(tmp.path(), &doc, "incremental", &chunks);

    let store = open(tmp.path());
    let repo = Repo::build_tokio().with_storage(store.clone()).load().await;
    let handle = within("find", repo.find(id.clone()))
        .await
        .expect("repo running")
        .expect("found");
    assert_eq!(
        handle.with_document(|d| d.get_heads()),
        automerge.get_heads()
    );
    handle.with_document(|d| {
        let mut tx = d.transaction();
        tx.put(ROOT, "n", 100).expect("put");
        tx.commit();
    });
    let heads = handle.with_document(|d| d.get_heads());
    within("stop", repo.stop()).await;
    store.flush().await.expect("saved");
    assert_eq!(store.stats().files_written, 1, "one snapshot");
    drop(store);
    assert_eq!(tree(&chunk_dir(tmp.path(), &doc, "snapshot")).len(), 1);

    let again = reload(open(tmp.path()), &id).await.expect("found");
    assert_eq!(again.get_heads(), heads);
    assert_eq!(get_n(&again), Some(100));
}

/// samod-core patch 8: a run that wrote many chunks of a large document
/// compacts it as the repo stops, so the next open reads one snapshot; the
/// run after, which only reads it, writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_after_many_changes_to_a_large_document_leaves_one_snapshot() {
    use automerge::ObjType;
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let repo = Repo::build_tokio().with_storage(store.clone()).load().await;
    let mut large = Automerge::new();
    let mut tx = large.transaction();
    let text = tx.put_object(ROOT, "text", ObjType::Text).expect("text");
    // Letters that do not compress, so that the snapshot outweighs the
    // changes and patch 7 does not compact on the way.
    let mut seed = 0x2545_f491_u32;
    let letters: String = (0..20_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            char::from(b'a' + u8::try_from(seed % 26).expect("a letter"))
        })
        .collect();
    tx.splice_text(&text, 0, 0, &letters).expect("splice");
    tx.commit();
    let handle = within("create", repo.create(large))
        .await
        .expect("repo running");
    for i in 0..30 {
        handle.with_document(|d| {
            let mut tx = d.transaction();
            tx.put(ROOT, "n", i).expect("put");
            tx.commit();
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let id = handle.document_id().clone();
    let heads = handle.with_document(|d| d.get_heads());
    let id_str = id.to_string();
    store.flush().await.expect("saved");
    let incrementals = tree(&chunk_dir(tmp.path(), &id_str, "incremental")).len();
    // More than patch 8's bound of eight, fewer than patch 7's 256.
    assert!(incrementals > 10, "{incrementals} chunks before the stop");
    within("stop", repo.stop()).await;
    store.flush().await.expect("saved");
    drop(store);
    assert_eq!(tree(&chunk_dir(tmp.path(), &id_str, "snapshot")).len(), 1);
    assert_eq!(
        tree(&chunk_dir(tmp.path(), &id_str, "incremental")).len(),
        0
    );
    let doc = load_without_writing(tmp.path(), &id).await;
    assert_eq!(doc.get_heads(), heads);
}
