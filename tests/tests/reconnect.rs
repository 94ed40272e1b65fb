//! What a reconnect costs once each side keeps its sync state per charter
//! and peer (patched samod-core, `patches/samod-core/PATCHED.md`): with
//! nothing new, the same bytes whatever the charter's history; after
//! offline edits, little beyond the changes; a damaged or stale stored
//! state is discarded, not trusted, and sync still converges; and a peer
//! whose disk went back to an older copy still gets what the other's
//! stored state says it has.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use automerge::ChangeHash;
use automerge::sync::State;
use guild_model::{Cell, Op, Position, ProseField, apply_batch, new_charter};
use guild_sync::LibraryOptions;
use guild_sync::net::node::Node;
use guild_tests::{open_library, runtime, start_node};

const T: Duration = Duration::from_secs(20);

fn card(id: &str, text: &str) -> Op {
    Op::AddCard {
        id: id.into(),
        cell: Cell::MembersShortTerm,
        text: text.into(),
        position: Position::End,
    }
}

async fn heads(node: &Node, doc: &str) -> Vec<ChangeHash> {
    node.library().document(doc).await.unwrap().get_heads()
}

/// Waits until `node`'s wire has been still for 300 ms; its counters then.
async fn quiet(node: &Node) -> (u64, u64) {
    let mut last = node.wire_bytes();
    let mut still = 0;
    while still < 12 {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let now = node.wire_bytes();
        if now == last {
            still += 1;
        } else {
            (last, still) = (now, 0);
        }
    }
    last
}

/// Syncs until both nodes hold the same heads.
async fn converge(a: &Node, b: &Node, doc: &str) {
    for _ in 0..20 {
        b.sync(doc, Duration::from_secs(5)).await.unwrap();
        if heads(a, doc).await == heads(b, doc).await {
            return;
        }
    }
    panic!("the peers did not converge");
}

/// A charter whose history is `changes` keystrokes, one change each, as a
/// long-lived charter's is.
fn typed_charter(changes: usize) -> Vec<u8> {
    let mut doc = new_charter("Reconnecting CoP", 1).unwrap();
    for n in 0..changes {
        let typed = Op::SpliceProse {
            field: ProseField::Purpose,
            pos: n,
            delete: 0,
            insert: "x".into(),
        };
        let now = 2 + i64::try_from(n).unwrap();
        apply_batch(&mut doc, &[typed], now).unwrap();
    }
    doc.save()
}

/// A charter with `changes` changes in its history, imported on A, joined
/// by B and synced; B is stopped again, so both have stored their sync
/// states.
async fn joined(a_dir: &Path, b_dir: &Path, changes: usize) -> (Node, String) {
    let a = start_node(a_dir).await;
    let doc = a.library().import(&typed_charter(changes)).await.unwrap();
    let ticket = a
        .share(&doc, guild_model::AccessLevel::ReadWrite)
        .await
        .unwrap();
    let b = start_node(b_dir).await;
    b.join(&ticket, T).await.unwrap();
    converge(&a, &b, &doc).await;
    quiet(&b).await;
    b.shutdown().await.unwrap();
    (a, doc)
}

/// B restarts from its directory and syncs; what that cost B's wire, both
/// ways, once it is quiet.
async fn reconnect(a: &Node, b_dir: &Path, doc: &str) -> u64 {
    let b = start_node(b_dir).await;
    let (rx0, tx0) = b.wire_bytes();
    converge(a, &b, doc).await;
    let (rx, tx) = quiet(&b).await;
    let frames = b.wire_frames();
    b.shutdown().await.unwrap();
    eprintln!(
        "reconnect: {} B received, {} B sent, frames {frames:?}",
        rx - rx0,
        tx - tx0
    );
    (rx - rx0) + (tx - tx0)
}

/// The stored sync state files under a data directory.
fn sync_state_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut to_visit = vec![dir.join("repo")];
    while let Some(dir) = to_visit.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                to_visit.push(path);
            } else if path.parent().and_then(Path::file_name) == Some("sync-state".as_ref()) {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn a_reconnect_with_nothing_new_costs_the_same_whatever_the_history() {
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    runtime().block_on(async {
        let mut costs = Vec::new();
        for (changes, pair) in [(5, &dirs[..2]), (2000, &dirs[2..])] {
            let (a, doc) = joined(pair[0].path(), pair[1].path(), changes).await;
            let cost = reconnect(&a, pair[1].path(), &doc).await;
            a.shutdown().await.unwrap();
            costs.push(cost);
        }
        let (short, long) = (costs[0], costs[1]);
        eprintln!("nothing new: {short} B after 5 changes, {long} B after 2000");
        // From fresh sync states, each side's opening message carries a
        // bloom filter of every change: ~2.5 KB more for 2000 changes. Kept
        // states send heads only, the same for any history.
        assert!(
            long <= short + 16,
            "a long history costs more to reconnect: {long} B against {short} B"
        );
        assert!(
            !sync_state_files(dirs[3].path()).is_empty(),
            "B stored no sync state"
        );
    });
}

/// Waits until `a` and `b` hold the same heads, over the links they have.
async fn settle(a: &Node, b: &Node, doc: &str) -> bool {
    for _ in 0..400 {
        if heads(a, doc).await == heads(b, doc).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

#[test]
fn a_reconnect_with_nothing_new_sends_at_most_200_bytes_and_edits_flow_after_it() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime().block_on(async {
        let (a, doc) = joined(a_dir.path(), b_dir.path(), 2000).await;
        let b = start_node(b_dir.path()).await;
        let (rx0, tx0) = b.wire_bytes();
        converge(&a, &b, &doc).await;
        let (rx, tx) = quiet(&b).await;
        let cost = (rx - rx0) + (tx - tx0);
        eprintln!("nothing new: {} B received, {} B sent", rx - rx0, tx - tx0);
        // The handshakes in compact form, and no sync message: both sides
        // agreed in the handshake that they hold the same heads.
        assert!(cost <= 200, "a reconnect with nothing new cost {cost} B");
        // The link is live and in sync: an edit on either side arrives.
        a.library()
            .edit(&doc, &card("after-a", "From A"))
            .await
            .unwrap();
        assert!(settle(&a, &b, &doc).await, "A's edit did not reach B");
        b.library()
            .edit(&doc, &card("after-b", "From B"))
            .await
            .unwrap();
        assert!(settle(&a, &b, &doc).await, "B's edit did not reach A");
        let cards = b.library().charter(&doc).await.unwrap().cards;
        assert!(cards.contains_key("after-a") && cards.contains_key("after-b"));
        b.shutdown().await.unwrap();
        a.shutdown().await.unwrap();
    });
}

#[test]
fn offline_edits_cost_little_more_than_the_changes() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime().block_on(async {
        // From fresh states the opening bloom filters of 4000 changes
        // (~10 KB both ways) alone would exceed the allowance.
        let (a, doc) = joined(a_dir.path(), b_dir.path(), 4000).await;
        let library = open_library(b_dir.path(), LibraryOptions::one_shot())
            .await
            .unwrap();
        let before = library.document(&doc).await.unwrap().get_heads();
        for n in 0..100 {
            library
                .edit(&doc, &card(&format!("b{n}"), &format!("Offline card {n}")))
                .await
                .unwrap();
        }
        let changes: usize = library
            .document(&doc)
            .await
            .unwrap()
            .get_changes(&before)
            .iter()
            .map(|c| c.raw_bytes().len())
            .sum();
        library.close().await.unwrap();
        let cost = reconnect(&a, b_dir.path(), &doc).await;
        a.shutdown().await.unwrap();
        let allowed = changes as u64 * 11 / 10 + 200;
        eprintln!("100 offline edits: {changes} B of changes, the reconnect {cost} B");
        assert!(
            cost <= allowed,
            "{cost} B for {changes} B of changes (allowed {allowed} B)"
        );
    });
}

#[test]
fn a_damaged_or_stale_stored_sync_state_is_discarded() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime().block_on(async {
        let (a, doc) = joined(a_dir.path(), b_dir.path(), 20).await;
        let files = sync_state_files(b_dir.path());
        assert_eq!(files.len(), 1, "{files:?}");
        let stale = State {
            shared_heads: vec![ChangeHash([9; 32])],
            ..State::new()
        }
        .encode();
        for damage in [b"\x43garbage".to_vec(), stale] {
            std::fs::write(&files[0], &damage).unwrap();
            // Each side moved on meanwhile.
            let n = damage.len();
            a.library()
                .edit(&doc, &card(&format!("a{n}"), "made on A"))
                .await
                .unwrap();
            let library = open_library(b_dir.path(), LibraryOptions::one_shot())
                .await
                .unwrap();
            library
                .edit(&doc, &card(&format!("b{n}"), "made on B"))
                .await
                .unwrap();
            library.close().await.unwrap();

            let b = start_node(b_dir.path()).await;
            converge(&a, &b, &doc).await;
            quiet(&b).await;
            let cards = b.library().charter(&doc).await.unwrap().cards;
            assert!(cards.contains_key(&format!("a{n}")) && cards.contains_key(&format!("b{n}")));
            assert!(
                b.library().health().is_ok(),
                "a damaged sync state is not the user's data: {:?}",
                b.library().health()
            );
            b.shutdown().await.unwrap();
            let kept = std::fs::read(&files[0]).unwrap();
            let kept = State::decode(&kept).expect("the damaged state was replaced");
            assert_eq!(kept.shared_heads, heads(&a, &doc).await);
        }
        a.shutdown().await.unwrap();
    });
}

/// Copies the directory `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Syncs from both sides until both nodes hold the same heads (either may
/// be the one that can dial: a restarted node has a new loopback port).
async fn converge_both(a: &Node, b: &Node, doc: &str) {
    for _ in 0..20 {
        a.sync(doc, Duration::from_secs(2)).await.unwrap();
        b.sync(doc, Duration::from_secs(2)).await.unwrap();
        if heads(a, doc).await == heads(b, doc).await {
            return;
        }
    }
    panic!("the peers did not converge");
}

#[test]
fn a_peer_restored_from_an_older_copy_still_gets_everything() {
    let (a_dir, b_dir, backup) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    runtime().block_on(async {
        let (a, doc) = joined(a_dir.path(), b_dir.path(), 20).await;
        // B stays up from here on; A, restarted, dials it back.
        let b = start_node(b_dir.path()).await;
        converge(&a, &b, &doc).await;
        a.shutdown().await.unwrap();
        drop(a);
        copy_dir(a_dir.path(), backup.path());

        // A makes a change B receives: B's stored state now says A has it.
        let a = start_node(a_dir.path()).await;
        a.library()
            .edit(&doc, &card("lost", "only in the lost copy"))
            .await
            .unwrap();
        converge_both(&a, &b, &doc).await;
        quiet(&b).await;
        a.shutdown().await.unwrap();
        drop(a);
        quiet(&b).await;
        let stored = sync_state_files(b_dir.path());
        assert_eq!(stored.len(), 1, "{stored:?}");
        let stored = State::decode(&std::fs::read(&stored[0]).unwrap()).unwrap();
        assert_eq!(
            stored.shared_heads,
            heads(&b, &doc).await,
            "B stored that A has the change"
        );

        // A's disk is replaced by the older copy, which lacks that change.
        std::fs::remove_dir_all(a_dir.path()).unwrap();
        copy_dir(backup.path(), a_dir.path());
        let a = start_node(a_dir.path()).await;
        converge_both(&a, &b, &doc).await;
        let cards = a.library().charter(&doc).await.unwrap().cards;
        assert!(
            cards.contains_key("lost"),
            "B's stored state said A had the change; A must get it back anyway"
        );
        b.shutdown().await.unwrap();
        a.shutdown().await.unwrap();
    });
}
