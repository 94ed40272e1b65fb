//! Helpers shared by the store tests.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use automerge::{Automerge, Change, ChangeHash, ROOT, transaction::Transactable};
use guild_sync::{DurableStorage, StoreOptions};
use samod::storage::{Storage, StorageKey};
use samod::{DocumentId, Repo};

/// A document id that needs no randomness.
pub(crate) fn doc_id(byte: u8) -> DocumentId {
    DocumentId::try_from(vec![byte; 16]).expect("16 bytes make a uuid")
}

pub(crate) fn key(parts: &[&str]) -> StorageKey {
    StorageKey::from_parts(parts).expect("valid key")
}

/// The chunk directory of `doc`'s `kind` chunks under `root`.
pub(crate) fn chunk_dir(root: &Path, doc: &str, kind: &str) -> PathBuf {
    root.join(&doc[..2]).join(&doc[2..]).join(kind)
}

/// `n` sequential changes by one actor, and the document holding them.
pub(crate) fn changes(n: i64) -> (Automerge, Vec<Change>) {
    let mut doc = Automerge::new();
    for i in 0..n {
        let mut tx = doc.transaction();
        tx.put(ROOT, "n", i).expect("put");
        tx.commit();
    }
    let changes = doc.get_changes(&[]);
    (doc, changes)
}

pub(crate) fn incremental_key(doc: &str, change: &Change) -> StorageKey {
    key(&[doc, "incremental", &change.hash().to_string()])
}

/// Every file under `root`, by path relative to it.
pub(crate) fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut to_visit = vec![root.to_path_buf()];
    while let Some(dir) = to_visit.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                to_visit.push(path);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                let rel = rel.to_string_lossy().replace('\\', "/");
                files.insert(rel, std::fs::read(&path).expect("read"));
            }
        }
    }
    files
}

/// Every file under `root` with its inode, modification time and size, by
/// path: equal before and after only if nothing was written, replaced or
/// deleted.
pub(crate) fn stat_tree(root: &Path) -> BTreeMap<String, (u64, std::time::SystemTime, u64)> {
    #[cfg(unix)]
    use std::os::unix::fs::MetadataExt as _;
    let mut files = BTreeMap::new();
    let mut to_visit = vec![root.to_path_buf()];
    while let Some(dir) = to_visit.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            let path = entry.path();
            let meta = std::fs::metadata(&path).expect("stat");
            if meta.is_dir() {
                to_visit.push(path);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                let rel = rel.to_string_lossy().replace('\\', "/");
                #[cfg(unix)]
                let inode = meta.ino();
                #[cfg(not(unix))]
                let inode = 0;
                let modified = meta.modified().expect("mtime");
                files.insert(rel, (inode, modified, meta.len()));
            }
        }
    }
    files
}

pub(crate) fn open(dir: &Path) -> DurableStorage {
    DurableStorage::open(
        dir,
        StoreOptions {
            batch_window: Duration::ZERO,
        },
    )
    .expect("open store")
}

/// Fails the test instead of hanging it.
pub(crate) async fn within<F: Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

/// Creates a document through samod with `edits` separate changes setting
/// `n` to 0, 1, …; returns its id and heads once the repo has stopped.
pub(crate) async fn make_doc<S: Storage>(storage: S, edits: i64) -> (DocumentId, Vec<ChangeHash>) {
    let repo = Repo::build_tokio().with_storage(storage).load().await;
    let handle = within("create", repo.create(Automerge::new()))
        .await
        .expect("repo running");
    for i in 0..edits {
        handle.with_document(|d| {
            let mut tx = d.transaction();
            tx.put(ROOT, "n", i).expect("put");
            tx.commit();
        });
        // Let samod save each change on its own, as typing would.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let heads = handle.with_document(|d| d.get_heads());
    let id = handle.document_id().clone();
    within("stop", repo.stop()).await;
    (id, heads)
}

/// Loads `id` through a fresh samod repo on `storage`.
pub(crate) async fn reload<S: Storage>(storage: S, id: &DocumentId) -> Option<Automerge> {
    let repo = Repo::build_tokio().with_storage(storage).load().await;
    let handle = within("find", repo.find(id.clone()))
        .await
        .expect("repo running");
    let doc = handle.map(|h| h.with_document(|d| d.clone()));
    within("stop", repo.stop()).await;
    doc
}

pub(crate) fn get_n(doc: &Automerge) -> Option<i64> {
    use automerge::{ReadDoc, ScalarValue, Value};
    match doc.get(ROOT, "n").expect("get") {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Int(n) => Some(*n),
            _ => None,
        },
        _ => None,
    }
}
