//! Failed writes are reported, kept and retried; deletes wait for them;
//! temporary files never pass for chunks.

use std::time::Duration;

use guild_sync::{DurableStorage, StoreError, StoreOptions};
use samod::storage::Storage;

use crate::common::{changes, chunk_dir, doc_id, incremental_key, key, open, within};

#[tokio::test]
async fn blocked_splay_dir_is_reported_then_retried() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let doc = doc_id(4).to_string();
    let (_, changes) = changes(3);
    // Tests run as root, so permissions would not stop the write; a file
    // where the document's first-level directory belongs does.
    let obstacle = tmp.path().join(&doc[..2]);
    std::fs::write(&obstacle, b"in the way").expect("write");

    for change in &changes {
        within(
            "put resolves despite failing",
            store.put(incremental_key(&doc, change), change.raw_bytes().to_vec()),
        )
        .await;
    }
    let err = store.flush().await.expect_err("must report unsaved writes");
    let StoreError::NotSaved { count, ref reason } = err else {
        panic!("expected NotSaved, got {err}");
    };
    assert_eq!(count, 3);
    assert!(!reason.is_empty());
    assert_eq!(
        err.to_string(),
        format!("not saved: 3 writes failed: {reason}")
    );
    assert!(!err.to_string().contains('\n'));
    let health = store.health();
    assert_eq!(health.unsaved_writes, 3);
    assert_eq!(health.last_write_error.as_deref(), Some(reason.as_str()));

    // Unsaved data is still what this process reads back.
    let range = store.load_range(key(&[&doc, "incremental"])).await;
    assert_eq!(range.len(), 3);
    assert_eq!(store.document_ids().expect("list"), vec![doc.clone()]);

    std::fs::remove_file(&obstacle).expect("remove obstacle");
    store.flush().await.expect("retry succeeds");
    assert!(store.health().is_ok());
    assert_eq!(store.health().last_write_error, None);
    for change in &changes {
        let path = chunk_dir(tmp.path(), &doc, "incremental").join(change.hash().to_string());
        assert_eq!(std::fs::read(path).expect("saved"), change.raw_bytes());
    }
}

#[tokio::test]
async fn deletes_wait_for_the_documents_unsaved_snapshot() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let doc = doc_id(5).to_string();
    let (snapshot_doc, changes) = changes(2);
    let old = incremental_key(&doc, &changes[0]);
    store
        .put(old.clone(), changes[0].raw_bytes().to_vec())
        .await;
    store.flush().await.expect("saved");
    let old_path = chunk_dir(tmp.path(), &doc, "incremental").join(changes[0].hash().to_string());
    assert!(old_path.is_file());

    // The snapshot cannot be written: its directory is a file.
    let obstacle = chunk_dir(tmp.path(), &doc, "snapshot");
    std::fs::write(&obstacle, b"in the way").expect("write");
    let snapshot = key(&[&doc, "snapshot", "c0ffee"]);
    let saved = snapshot_doc.save();
    within("put", store.put(snapshot.clone(), saved.clone())).await;
    // samod deletes what the snapshot supersedes once its put resolves.
    within("delete", store.delete(old.clone())).await;
    assert!(matches!(
        store.flush().await,
        Err(StoreError::NotSaved { count: 1, .. })
    ));
    assert!(
        old_path.is_file(),
        "a chunk was deleted while its replacement was unsaved"
    );
    assert_eq!(store.load(snapshot.clone()).await, Some(saved.clone()));

    // The timer retries on its own once the obstacle is gone.
    let mut health = store.subscribe();
    std::fs::remove_file(&obstacle).expect("remove obstacle");
    within("timer retry", health.wait_for(|h| h.unsaved_writes == 0))
        .await
        .expect("store alive");
    assert_eq!(
        std::fs::read(obstacle.join("c0ffee")).expect("snapshot saved"),
        saved
    );
    assert!(!old_path.exists(), "held delete was not carried out");
    store.flush().await.expect("all saved");
}

#[tokio::test]
async fn a_later_put_cancels_a_held_delete_of_the_same_key() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let doc = doc_id(6).to_string();
    let (_, changes) = changes(1);
    let chunk = incremental_key(&doc, &changes[0]);
    let obstacle = chunk_dir(tmp.path(), &doc, "snapshot");
    std::fs::create_dir_all(obstacle.parent().expect("parent")).expect("mkdir");
    std::fs::write(&obstacle, b"in the way").expect("write");

    store
        .put(key(&[&doc, "snapshot", "s"]), b"snapshot".to_vec())
        .await;
    store.delete(chunk.clone()).await;
    store
        .put(chunk.clone(), changes[0].raw_bytes().to_vec())
        .await;
    std::fs::remove_file(&obstacle).expect("remove obstacle");
    store.flush().await.expect("saved");
    assert_eq!(
        store.load(chunk).await.as_deref(),
        Some(changes[0].raw_bytes())
    );
}

#[tokio::test]
async fn stale_tmp_files_are_ignored_and_removed_on_open() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let doc = doc_id(7).to_string();
    let (_, changes) = changes(1);
    let store = open(tmp.path());
    store
        .put(
            incremental_key(&doc, &changes[0]),
            changes[0].raw_bytes().to_vec(),
        )
        .await;
    let dir = chunk_dir(tmp.path(), &doc, "incremental");
    // What a crash between create and rename leaves behind.
    let stale = dir.join(format!(".tmp-{}-1-1", changes[0].hash()));
    std::fs::write(&stale, &changes[0].raw_bytes()[..10]).expect("write");

    let range = store.load_range(key(&[&doc])).await;
    assert_eq!(range.len(), 1);
    assert!(range.contains_key(&incremental_key(&doc, &changes[0])));
    assert!(store.health().is_ok(), "a tmp file is not a damaged chunk");
    drop(store);

    let store = open(tmp.path());
    assert!(!stale.exists());
    assert_eq!(store.load_range(key(&[&doc])).await.len(), 1);
}

#[test]
fn open_fails_cleanly_when_the_directory_cannot_be_made() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("file");
    std::fs::write(&file, b"x").expect("write");
    let err =
        DurableStorage::open(file.join("repo"), StoreOptions::default()).expect_err("must fail");
    assert!(matches!(err, StoreError::Io { .. }));
    assert!(err.to_string().starts_with("cannot use document store "));
}

#[tokio::test]
async fn health_subscribers_hear_about_failures() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let mut health = store.subscribe();
    let doc = doc_id(8).to_string();
    std::fs::write(tmp.path().join(&doc[..2]), b"in the way").expect("write");
    store
        .put(key(&[&doc, "snapshot", "s"]), b"x".to_vec())
        .await;
    tokio::time::timeout(Duration::from_secs(5), health.changed())
        .await
        .expect("notified")
        .expect("alive");
    assert_eq!(health.borrow().unsaved_writes, 1);
}
