//! samod's own `TokioFilesystemStorage` and a Guild data directory, both
//! ways: samod edits a charter Guild wrote across runs that save
//! incrementally and compact, Guild reads every change without finding a
//! damaged chunk (and without writing), Guild edits on top and samod reads
//! that; and a `repo/` only samod ever wrote opens in Guild.

use std::path::Path;

use automerge::{Automerge, ObjType, ROOT, ReadDoc, transaction::Transactable};
use guild_model::{Op, ProseField};
use guild_sync::{DataDir, Library, LibraryOptions};
use samod::storage::TokioFilesystemStorage;
use samod::{DocumentId, Repo};

use crate::common::{chunk_dir, reload, stat_tree, tree, within};

/// The text at `section.key` of a charter, if any.
fn prose(doc: &Automerge, section: &str, key: &str) -> Option<String> {
    let (_, section) = doc.get(ROOT, section).expect("get")?;
    let (_, text) = doc.get(&section, key).expect("get")?;
    doc.text(&text).ok()
}

async fn open_library(dir: &Path) -> Library {
    let data_dir = DataDir::resolve(Some(dir.to_path_buf())).expect("data dir");
    Library::open(data_dir, LibraryOptions::one_shot())
        .await
        .expect("open library")
}

/// One samod run on `repo_dir`: each line appended to the purpose as its
/// own change, saved as samod decides (it compacts more than 10 at once).
async fn samod_appends(repo_dir: &Path, id: &DocumentId, lines: &[String]) {
    let repo = Repo::build_tokio()
        .with_storage(TokioFilesystemStorage::new(repo_dir))
        .load()
        .await;
    let handle = within("find", repo.find(id.clone()))
        .await
        .expect("repo running")
        .expect("samod finds the charter");
    for line in lines {
        handle.with_document(|doc| {
            let (_, purpose) = doc.get(ROOT, "purpose").expect("get").expect("purpose");
            let (_, text) = doc.get(&purpose, "text").expect("get").expect("text");
            let len = doc.length(&text);
            let mut tx = doc.transaction();
            tx.splice_text(&text, len, 0, &format!("\n{line}"))
                .expect("splice");
            tx.commit();
        });
    }
    within("stop", repo.stop()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samod_filesystem_storage_and_guild_edit_one_data_directory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path();
    let repo_dir = data.join("repo");
    let library = open_library(data).await;
    let id = library.create("Data CoP", true).await.expect("create");
    let set = |field, text: &str| Op::SetProse {
        field,
        text: text.to_owned(),
    };
    library
        .edit(&id, &set(ProseField::Purpose, "Set by Guild."))
        .await
        .expect("edit");
    library.close().await.expect("saved");
    let doc_id: DocumentId = id.parse().expect("a samod document id");

    // One change (an incremental chunk), twelve (samod compacts), one more.
    let runs: Vec<Vec<String>> = vec![
        vec!["samod one".into()],
        (0..12).map(|n| format!("samod batch {n}")).collect(),
        vec!["samod last".into()],
    ];
    let mut lines = vec!["Set by Guild.".to_owned()];
    for run in &runs {
        samod_appends(&repo_dir, &doc_id, run).await;
        lines.extend(run.iter().cloned());

        let before = stat_tree(&repo_dir);
        let library = open_library(data).await;
        let doc = library.document(&id).await.expect("Guild loads it");
        assert_eq!(prose(&doc, "purpose", "text"), Some(lines.join("\n")));
        assert!(library.health().is_ok(), "{:?}", library.health());
        library.close().await.expect("closed");
        // Nothing written or replaced. Files gone are not checked here:
        // samod's `Repo::stop` does not wait for the deletes its last
        // compaction issued, so those may land during this read
        // (`samod_repo.rs` checks that a load deletes nothing).
        let after = stat_tree(&repo_dir);
        let written: Vec<_> = after
            .iter()
            .filter(|(path, stat)| before.get(*path) != Some(stat))
            .map(|(path, _)| path)
            .collect();
        assert!(written.is_empty(), "reading wrote to repo/: {written:?}");
    }
    assert!(
        !tree(&chunk_dir(&repo_dir, &id, "snapshot")).is_empty(),
        "samod compacted"
    );

    // Guild edits on top; samod reads it.
    let library = open_library(data).await;
    library
        .edit(&id, &set(ProseField::Vision, "Set by Guild after samod."))
        .await
        .expect("edit");
    let heads = library.heads(&id).await.expect("heads");
    library.close().await.expect("saved");
    let doc = reload(TokioFilesystemStorage::new(&repo_dir), &doc_id)
        .await
        .expect("samod finds it");
    assert_eq!(doc.get_heads(), heads);
    assert_eq!(
        prose(&doc, "vision", "statement").as_deref(),
        Some("Set by Guild after samod.")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repo_only_samod_wrote_opens_in_guild() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ours = tmp.path().join("ours");
    let library = open_library(&ours).await;
    let id = library.create("Data CoP", true).await.expect("create");
    let exported = library.document(&id).await.expect("read").save();
    library.close().await.expect("saved");

    // samod imports it into a repo of its own, with many more changes.
    let theirs = tmp.path().join("theirs");
    let repo = Repo::build_tokio()
        .with_storage(TokioFilesystemStorage::new(theirs.join("repo")))
        .load()
        .await;
    let mut doc = Automerge::load(&exported).expect("load");
    for n in 0..15 {
        let mut tx = doc.transaction();
        let notes = tx
            .put_object(ROOT, format!("samod_{n}"), ObjType::Map)
            .expect("put");
        tx.put(&notes, "n", n).expect("put");
        tx.commit();
    }
    let heads = doc.get_heads();
    let handle = within("create", repo.create(doc)).await.expect("running");
    let their_id = handle.document_id().to_string();
    within("stop", repo.stop()).await;

    let library = open_library(&theirs).await;
    assert_eq!(
        library.document_ids().expect("list"),
        vec![their_id.clone()]
    );
    assert_eq!(library.heads(&their_id).await.expect("heads"), heads);
    let charter = library.charter(&their_id).await.expect("a charter");
    assert_eq!(charter.meta.title.as_str(), "Data CoP");
    assert!(library.health().is_ok(), "{:?}", library.health());
    library.close().await.expect("closed");
}
