//! A real samod `Repo` on the store reloads what it saved, before and after
//! samod compacts a document's changes into a snapshot.

use guild_sync::{DurableStorage, StoreOptions};
use samod::storage::TokioFilesystemStorage;

use crate::common::{chunk_dir, get_n, make_doc, open, reload, tree};

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
