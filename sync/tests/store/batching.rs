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
