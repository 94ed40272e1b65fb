//! Group commit: a burst of puts shares directory syncs.

use std::time::Duration;

use guild_sync::{DurableStorage, StoreOptions};
use samod::storage::Storage;

use crate::common::{changes, doc_id, incremental_key, key, open, within};

#[tokio::test]
async fn fifty_puts_in_one_window_share_their_syncs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = DurableStorage::open(tmp.path(), StoreOptions::default()).expect("open");
    let doc = doc_id(1).to_string();
    let (_, changes) = changes(50);
    // Puts are queued when called, so all fifty land in one window.
    let puts: Vec<_> = changes
        .iter()
        .map(|c| store.put(incremental_key(&doc, c), c.raw_bytes().to_vec()))
        .collect();
    for put in puts {
        within("put", put).await;
    }
    let stats = store.stats();
    assert_eq!(stats.files_written, 50);
    assert!(stats.sync_rounds <= 2, "{stats:?}");
    // One round syncs the chunk directory plus the directories created for it.
    assert!(stats.dir_syncs <= 2 * 4, "{stats:?}");
    assert_eq!(store.load_range(key(&[&doc])).await.len(), 50);
}

#[tokio::test]
async fn without_a_window_each_awaited_put_syncs_on_its_own() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let doc = doc_id(1).to_string();
    for i in 0..5 {
        store
            .put(key(&[&doc, "incremental", &format!("c{i}")]), vec![i])
            .await;
    }
    assert_eq!(store.stats().sync_rounds, 5);
}

#[tokio::test]
async fn flush_does_not_wait_out_the_window() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = DurableStorage::open(
        tmp.path(),
        StoreOptions {
            batch_window: Duration::from_mins(1),
        },
    )
    .expect("open");
    let put = store.put(key(&[&doc_id(1).to_string(), "snapshot", "s"]), vec![1]);
    tokio::time::timeout(Duration::from_secs(10), store.flush())
        .await
        .expect("flush cut the window short")
        .expect("saved");
    within("put", put).await;
}

/// Every change is put twice (samod's background save and the library's
/// own durable put): the repeat is neither written nor read again.
#[tokio::test]
async fn a_change_put_again_once_durable_is_not_written_again() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let (k, bytes) = one_change();
    store
        .put_durable(k.clone(), bytes.clone())
        .await
        .expect("saved");
    // `put_durable` returns once its put is durable; the flush it sent to
    // cut the window short may still be a batch of its own, running after
    // `before` is read (a 3-for-2 batch count under load). Settle it.
    store.flush().await.expect("flushed");
    let before = store.stats();
    within("repeat", store.put(k.clone(), bytes.clone())).await;
    assert_eq!(store.stats(), before, "the repeat never reached the writer");
    assert_eq!(store.load(k.clone()).await, Some(bytes.clone()));
    // Used up: a third put (samod reloading) goes through the writer again.
    within("third", store.put(k, bytes)).await;
    assert_eq!(
        store.stats().files_written,
        1,
        "found on disk, not rewritten"
    );
    assert_eq!(store.stats().batches, before.batches + 1);
}

#[tokio::test]
async fn a_change_put_twice_in_one_window_is_written_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = DurableStorage::open(tmp.path(), StoreOptions::default()).expect("open");
    let (k, bytes) = one_change();
    let first = store.put(k.clone(), bytes.clone());
    store
        .put_durable(k.clone(), bytes.clone())
        .await
        .expect("saved");
    within("first", first).await;
    assert_eq!(store.stats().files_written, 1);
    assert_eq!(store.load(k).await, Some(bytes));
}

#[tokio::test]
async fn a_change_put_after_its_delete_is_written_again() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let (k, bytes) = one_change();
    store
        .put_durable(k.clone(), bytes.clone())
        .await
        .expect("saved");
    within("delete", store.delete(k.clone())).await;
    within("put", store.put(k.clone(), bytes.clone())).await;
    store.flush().await.expect("flushed");
    assert_eq!(store.stats().files_written, 2);
    let fresh = DurableStorage::open(tmp.path(), StoreOptions::default()).expect("reopen");
    drop(store);
    assert_eq!(fresh.load(k).await, Some(bytes));
}

/// One change of a document, under samod's key, and its bytes.
fn one_change() -> (samod::storage::StorageKey, Vec<u8>) {
    let doc = doc_id(1).to_string();
    let (_, changes) = changes(1);
    (
        incremental_key(&doc, &changes[0]),
        changes[0].raw_bytes().to_vec(),
    )
}
