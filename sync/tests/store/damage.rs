//! Damaged chunks are skipped, reported and left on disk; the rest of the
//! document still loads; no file content makes the store panic.

use automerge::{Automerge, ROOT, ReadDoc, transaction::Transactable};
use guild_sync::DamagedChunk;
use samod::storage::Storage;

use crate::common::{
    changes, chunk_dir, doc_id, get_n, incremental_key, key, make_doc, open, reload,
};

fn truncate(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.truncate(bytes.len() / 2);
    bytes
}

fn flip_a_bit(mut bytes: Vec<u8>) -> Vec<u8> {
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x04;
    bytes
}

async fn damaged_incremental_is_skipped(corrupt: fn(Vec<u8>) -> Vec<u8>) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (id, heads) = make_doc(open(tmp.path()), 5).await;
    let [head] = heads.as_slice() else {
        panic!("one head expected");
    };
    let path = chunk_dir(tmp.path(), &id.to_string(), "incremental").join(head.to_string());
    let bytes = corrupt(std::fs::read(&path).expect("read"));
    std::fs::write(&path, &bytes).expect("corrupt");

    let store = open(tmp.path());
    let doc = reload(store.clone(), &id)
        .await
        .expect("the rest still loads");
    // The last edit is gone with its chunk; the ones before it are not.
    assert_eq!(get_n(&doc), Some(3));
    let damaged = store.health().damaged;
    assert_eq!(damaged.len(), 1, "{damaged:?}");
    assert_eq!(damaged[0].path, path);
    assert!(!damaged[0].reason.is_empty());
    store.flush().await.expect("saved");
    assert_eq!(std::fs::read(&path).expect("left in place"), bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_incremental_is_skipped() {
    damaged_incremental_is_skipped(truncate).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bit_flipped_incremental_is_skipped() {
    damaged_incremental_is_skipped(flip_a_bit).await;
}

async fn damaged_snapshot_is_skipped(corrupt: fn(Vec<u8>) -> Vec<u8>) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let id = doc_id(9);
    let doc = id.to_string();
    // A snapshot, and a change made concurrently by someone else that does
    // not depend on it, so it can load on its own.
    let (snapshot_doc, _) = changes(3);
    let mut other = Automerge::new();
    let mut tx = other.transaction();
    tx.put(ROOT, "other", 1).expect("put");
    tx.commit();
    let other_change = other.get_changes(&[]).remove(0);

    let store = open(tmp.path());
    let snapshot_key = key(&[&doc, "snapshot", "0123abcd"]);
    store.put(snapshot_key.clone(), snapshot_doc.save()).await;
    store
        .put(
            incremental_key(&doc, &other_change),
            other_change.raw_bytes().to_vec(),
        )
        .await;
    store.flush().await.expect("saved");
    drop(store);

    let path = chunk_dir(tmp.path(), &doc, "snapshot").join("0123abcd");
    let bytes = corrupt(std::fs::read(&path).expect("read"));
    std::fs::write(&path, &bytes).expect("corrupt");

    let store = open(tmp.path());
    assert!(store.load_range(key(&[&doc, "snapshot"])).await.is_empty());
    assert_eq!(store.load(snapshot_key).await, None);
    assert_eq!(store.load_range(key(&[&doc, "incremental"])).await.len(), 1);
    let damaged = store.health().damaged;
    assert_eq!(damaged.len(), 1, "{damaged:?}");
    assert_eq!(damaged[0].path, path);

    let loaded = reload(store.clone(), &id)
        .await
        .expect("the rest still loads");
    assert!(loaded.get(ROOT, "other").expect("get").is_some());
    assert_eq!(get_n(&loaded), None);
    store.flush().await.expect("saved");
    assert_eq!(std::fs::read(&path).expect("left in place"), bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_snapshot_is_skipped() {
    damaged_snapshot_is_skipped(truncate).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bit_flipped_snapshot_is_skipped() {
    damaged_snapshot_is_skipped(flip_a_bit).await;
}

#[tokio::test]
async fn garbage_never_panics_and_is_never_deleted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let doc = doc_id(3).to_string();
    let (_, changes) = changes(2);
    let mut seed: u32 = 12345;
    let mut noise = |len: usize| -> Vec<u8> {
        (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                seed.to_be_bytes()[1]
            })
            .collect()
    };
    let mut contents = vec![
        Vec::new(),
        b"\x85\x6f\x4a\x83".to_vec(),
        noise(7),
        noise(300),
    ];
    let mut prefixed = b"\x85\x6f\x4a\x83".to_vec();
    prefixed.extend(noise(200));
    contents.push(prefixed);

    let inc = chunk_dir(tmp.path(), &doc, "incremental");
    let snap = chunk_dir(tmp.path(), &doc, "snapshot");
    std::fs::create_dir_all(&inc).expect("mkdir");
    std::fs::create_dir_all(&snap).expect("mkdir");
    let name = changes[0].hash().to_string();
    let mut bad_paths = Vec::new();
    for (i, bytes) in contents.iter().enumerate() {
        let inc_path = inc.join(format!("{name}{i}"));
        let snap_path = snap.join(format!("s{i}"));
        std::fs::write(&inc_path, bytes).expect("write");
        std::fs::write(&snap_path, bytes).expect("write");
        bad_paths.extend([inc_path, snap_path]);
    }
    let good = inc.join(&name);
    std::fs::write(&good, changes[0].raw_bytes()).expect("write");
    // A valid change under another change's name, or in snapshot/, is
    // data all the same: content decides, never the name.
    std::fs::write(inc.join("misnamed"), changes[1].raw_bytes()).expect("write");
    std::fs::write(snap.join("just-a-change"), changes[1].raw_bytes()).expect("write");

    let store = open(tmp.path());
    let range = store.load_range(key(&[&doc])).await;
    assert_eq!(range.len(), 3);
    assert!(range.contains_key(&incremental_key(&doc, &changes[0])));
    assert!(range.contains_key(&key(&[&doc, "incremental", "misnamed"])));
    assert!(range.contains_key(&key(&[&doc, "snapshot", "just-a-change"])));
    let mut reported: Vec<_> = store
        .health()
        .damaged
        .into_iter()
        .map(|DamagedChunk { path, .. }| path)
        .collect();
    reported.sort();
    bad_paths.sort();
    assert_eq!(reported, bad_paths);
    assert!(bad_paths.iter().all(|p| p.exists()));
}
