//! The store reads and writes exactly what samod's own filesystem storage
//! does, in the same places.

use samod::storage::{Storage, TokioFilesystemStorage};

use crate::common::{changes, chunk_dir, doc_id, incremental_key, key, open, tree};

#[tokio::test]
async fn round_trip_lands_where_samod_puts_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ours_dir = tmp.path().join("ours");
    let theirs_dir = tmp.path().join("theirs");
    let ours = open(&ours_dir);
    let theirs = TokioFilesystemStorage::new(&theirs_dir);

    let doc = doc_id(1).to_string();
    let (automerge, changes) = changes(3);
    let mut puts = vec![(key(&["storage-adapter-id"]), b"storage-id".to_vec())];
    for change in &changes {
        puts.push((incremental_key(&doc, change), change.raw_bytes().to_vec()));
    }
    puts.push((key(&[&doc, "snapshot", "abc123"]), automerge.save()));
    for (k, v) in &puts {
        ours.put(k.clone(), v.clone()).await;
        theirs.put(k.clone(), v.clone()).await;
    }

    let ours_tree = tree(&ours_dir);
    assert_eq!(ours_tree, tree(&theirs_dir));
    assert_eq!(ours_tree.len(), puts.len());
    let first = chunk_dir(&ours_dir, &doc, "incremental").join(changes[0].hash().to_string());
    assert_eq!(std::fs::read(first).expect("read"), changes[0].raw_bytes());
    assert!(ours_dir.join("st/orage-adapter-id").is_file());

    for (k, v) in &puts {
        assert_eq!(ours.load(k.clone()).await.as_ref(), Some(v), "{k}");
    }
    let prefix = key(&[&doc]);
    let range = ours.load_range(prefix.clone()).await;
    assert_eq!(range.len(), puts.len() - 1);
    assert_eq!(range, theirs.load_range(prefix.clone()).await);
    let incrementals = ours.load_range(key(&[&doc, "incremental"])).await;
    assert_eq!(incrementals.len(), 3);
    // samod's own storage on our directory sees the same keys.
    let samod_on_ours = TokioFilesystemStorage::new(&ours_dir);
    assert_eq!(samod_on_ours.load_range(prefix.clone()).await, range);

    let gone = puts[1].0.clone();
    ours.delete(gone.clone()).await;
    theirs.delete(gone.clone()).await;
    assert_eq!(ours.load(gone.clone()).await, None);
    assert_eq!(tree(&ours_dir), tree(&theirs_dir));
    // Deleting what is not there is fine.
    ours.delete(gone.clone()).await;
    ours.delete(key(&["zz-never-written", "incremental", "x"]))
        .await;
    ours.flush().await.expect("nothing unsaved");
    assert!(ours.health().is_ok());
    assert_eq!(ours.stats().files_deleted, 1);
}

#[tokio::test]
async fn document_ids_lists_documents_with_chunks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let (a, b) = (doc_id(1).to_string(), doc_id(2).to_string());
    let (_, changes) = changes(1);
    store
        .put(key(&["storage-adapter-id"]), b"id".to_vec())
        .await;
    store
        .put(
            incremental_key(&a, &changes[0]),
            changes[0].raw_bytes().to_vec(),
        )
        .await;
    store
        .put(key(&[&b, "snapshot", "s"]), b"whatever".to_vec())
        .await;
    let mut expected = vec![a.clone(), b.clone()];
    expected.sort();
    assert_eq!(store.document_ids().expect("list"), expected);

    // A document whose chunks were all deleted leaves empty directories.
    store.delete(key(&[&b, "snapshot", "s"])).await;
    store.flush().await.expect("flushed");
    assert!(chunk_dir(tmp.path(), &b, "snapshot").is_dir());
    assert_eq!(store.document_ids().expect("list"), vec![a]);
}
