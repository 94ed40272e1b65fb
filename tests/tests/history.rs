//! History over real peers: who wrote what after a three-peer session, old
//! versions, diffs, restoring an old version as a change that syncs, and a
//! personal copy whose chosen edits are merged back.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use guild_model::{
    AccessLevel, Cell, Change, Op, Position, ProseField, author_of, charter_at, diff_charters,
    history, resolve_version,
};
use guild_sync::LibraryOptions;
use guild_sync::net::node::Node;
use guild_tests::{loopback, open_library, runtime};

async fn node(dir: &std::path::Path, label: &str) -> Node {
    let library = open_library(dir, LibraryOptions::interactive())
        .await
        .unwrap();
    let mut options = loopback();
    options.label = Some(label.into());
    Node::start(library, options).await.unwrap()
}

async fn converge(nodes: &[&Node], doc: &str) {
    for _ in 0..20 {
        for node in nodes {
            node.sync(doc, Duration::from_secs(5)).await.unwrap();
        }
        let mut heads = Vec::new();
        for node in nodes {
            heads.push(node.library().document(doc).await.unwrap().get_heads());
        }
        if heads.windows(2).all(|w| w[0] == w[1]) {
            return;
        }
    }
    panic!("the peers did not converge");
}

fn purpose(text: &str) -> Op {
    Op::SetProse {
        field: ProseField::Purpose,
        text: text.into(),
    }
}

#[test]
fn a_three_peer_session_has_its_authors_versions_diffs_and_a_restore_that_syncs() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    runtime().block_on(async {
        let ana = node(dirs[0].path(), "Ana's laptop").await;
        let ben = node(dirs[1].path(), "Ben's desktop").await;
        let cleo = node(dirs[2].path(), "Cleo's tablet").await;
        let doc = ana.library().create("History CoP", true).await.unwrap();
        let ticket = ana.share(&doc, AccessLevel::ReadWrite).await.unwrap();
        ben.join(&ticket, Duration::from_secs(20)).await.unwrap();
        cleo.join(&ticket, Duration::from_secs(20)).await.unwrap();

        ana.library()
            .edit(&doc, &purpose("Ratified by the sponsor"))
            .await
            .unwrap();
        converge(&[&ana, &ben, &cleo], &doc).await;
        let ratified = ana.library().document(&doc).await.unwrap().get_heads();
        ben.library()
            .edit(
                &doc,
                &Op::AddCard {
                    id: "ben-card".into(),
                    cell: Cell::MembersShortTerm,
                    text: "Pair on real problems".into(),
                    position: Position::End,
                },
            )
            .await
            .unwrap();
        cleo.library()
            .edit(&doc, &purpose("Cleo's rewrite of the purpose"))
            .await
            .unwrap();
        converge(&[&ana, &ben, &cleo], &doc).await;

        // History: the right author for each change, on every peer.
        let document = ana.library().document(&doc).await.unwrap();
        let charter = ana.library().charter(&doc).await.unwrap();
        let entries = history(&document, usize::MAX);
        let authored = |message: &str| -> Vec<String> {
            entries
                .iter()
                .filter(|e| e.message.starts_with(message))
                .map(|e| author_of(&charter, &e.actor))
                .collect()
        };
        assert_eq!(authored("Add card"), vec!["Ben's desktop"]);
        assert_eq!(
            authored("Edit purpose"),
            vec!["Cleo's tablet", "Ana's laptop"],
            "newest first"
        );
        let cards = entries
            .iter()
            .find(|e| e.message.starts_with("Add card"))
            .unwrap();
        assert_eq!(cards.sections, vec!["cards"]);

        // The version Ana named by its hash shows the old text.
        let prefix = &ratified[0].to_string()[..10];
        let at = resolve_version(&document, prefix).unwrap();
        let then = charter_at(&document, &at).unwrap();
        assert_eq!(then.purpose.text.as_str(), "Ratified by the sponsor");
        assert!(!then.cards.contains_key("ben-card"));

        // The diff from then to now is exactly Ben's card and Cleo's purpose.
        let differences = diff_charters(&then, &charter);
        let summary: Vec<(&str, Change)> = differences
            .iter()
            .map(|d| (d.path.as_str(), d.change))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("cards.ben-card", Change::Added),
                ("purpose.text", Change::Edited)
            ]
        );

        // Restoring the ratified version is a new change that reaches everyone.
        let changes_before = document.get_changes(&[]).len();
        let restored = ben.library().restore(&doc, &at).await.unwrap();
        assert!(restored.is_some());
        converge(&[&ana, &ben, &cleo], &doc).await;
        for peer in [&ana, &ben, &cleo] {
            let charter = peer.library().charter(&doc).await.unwrap();
            assert_eq!(charter.purpose.text.as_str(), "Ratified by the sponsor");
            assert!(!charter.cards.contains_key("ben-card"));
            assert_eq!(charter.access.devices.len(), 3, "access is not rolled back");
            let count = peer
                .library()
                .document(&doc)
                .await
                .unwrap()
                .get_changes(&[])
                .len();
            assert_eq!(count, changes_before + 1, "history kept, one change added");
        }
        for peer in [cleo, ben, ana] {
            peer.shutdown().await.unwrap();
        }
    });
}

#[test]
fn a_personal_copy_is_private_and_its_chosen_edits_merge_back() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    runtime().block_on(async {
        let ana = node(dirs[0].path(), "Ana's laptop").await;
        let ben = node(dirs[1].path(), "Ben's desktop").await;
        let doc = ana.library().create("Fork CoP", true).await.unwrap();
        let ticket = ana.share(&doc, AccessLevel::ReadWrite).await.unwrap();
        ben.join(&ticket, Duration::from_secs(20)).await.unwrap();

        let copy = ana.library().fork(&doc).await.unwrap();
        assert_ne!(copy, doc);
        let access = ana.library().access(&copy).await.unwrap();
        assert_eq!(
            access.devices.keys().collect::<Vec<_>>(),
            vec![&ana.library().endpoint_id()],
            "the copy is shared with no one"
        );
        assert!(access.invites.is_empty());
        let original = ana
            .library()
            .document(&doc)
            .await
            .unwrap()
            .get_changes(&[])
            .len();
        let copied = ana
            .library()
            .document(&copy)
            .await
            .unwrap()
            .get_changes(&[])
            .len();
        assert_eq!(copied, original + 1, "the copy has the whole history");

        ana.library()
            .edit(
                &copy,
                &Op::SetProse {
                    field: ProseField::Vision,
                    text: "Thought through alone".into(),
                },
            )
            .await
            .unwrap();
        ana.library()
            .edit(
                &copy,
                &Op::AddCard {
                    id: "draft".into(),
                    cell: Cell::OrganisationLongTerm,
                    text: "Not ready yet".into(),
                    position: Position::End,
                },
            )
            .await
            .unwrap();
        // Meanwhile the community edits the original.
        ben.library()
            .edit(&doc, &purpose("Ben's purpose"))
            .await
            .unwrap();
        converge(&[&ana, &ben], &doc).await;

        // Ben asks for the copy by id: he gets nothing.
        let err = ben
            .fetch(&copy, &ana.library().endpoint_id(), Duration::from_secs(3))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("does not share"), "{err}");

        let offered = ana.library().proposals(&copy, &doc).await.unwrap();
        let paths: Vec<&str> = offered.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, vec!["cards.draft", "vision.statement"]);
        let merged = ana
            .library()
            .merge_from(&copy, &doc, &["vision.statement".to_owned()])
            .await
            .unwrap();
        assert_eq!(merged.len(), 1);
        converge(&[&ana, &ben], &doc).await;
        let charter = ben.library().charter(&doc).await.unwrap();
        assert_eq!(charter.vision.statement.as_str(), "Thought through alone");
        assert!(!charter.cards.contains_key("draft"), "only the chosen edit");
        assert_eq!(
            charter.purpose.text.as_str(),
            "Ben's purpose",
            "the community's edits stay"
        );
        assert_eq!(
            charter.access.devices.len(),
            2,
            "the copy's privacy stays in the copy"
        );
        for peer in [ben, ana] {
            peer.shutdown().await.unwrap();
        }
    });
}

#[test]
fn a_concurrent_status_write_is_a_conflict_with_both_authors_that_resolves_everywhere() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    runtime().block_on(async {
        let ana = node(dirs[0].path(), "Ana's laptop").await;
        let ben = node(dirs[1].path(), "Ben's desktop").await;
        let doc = ana.library().create("Conflict CoP", true).await.unwrap();
        ana.library()
            .edit(
                &doc,
                &Op::AddObjective {
                    id: "o1".into(),
                    title: "Run a data clinic".into(),
                    position: Position::End,
                },
            )
            .await
            .unwrap();
        let ticket = ana.share(&doc, AccessLevel::ReadWrite).await.unwrap();
        ben.join(&ticket, Duration::from_secs(20)).await.unwrap();
        converge(&[&ana, &ben], &doc).await;

        // Both set the status while Ben's device is off the network.
        ben.shutdown().await.unwrap();
        drop(ben);
        let status = |s: guild_model::Status| Op::EditObjective {
            id: "o1".into(),
            edit: guild_model::ObjectiveEdit::Status(s),
        };
        ana.library()
            .edit(&doc, &status(guild_model::Status::Active))
            .await
            .unwrap();
        let offline = open_library(dirs[1].path(), LibraryOptions::one_shot())
            .await
            .unwrap();
        offline
            .edit(&doc, &status(guild_model::Status::Dropped))
            .await
            .unwrap();
        offline.close().await.unwrap();
        let ben = node(dirs[1].path(), "Ben's desktop").await;
        converge(&[&ana, &ben], &doc).await;

        for peer in [&ana, &ben] {
            let view = peer.library().view(&doc).await.unwrap();
            let conflict = view
                .conflicts
                .iter()
                .find(|c| c.path == "objectives.o1.status")
                .expect("the status is a conflict");
            let mut both: Vec<(String, String)> = conflict
                .values
                .iter()
                .map(|v| (v.value.clone(), author_of(&view.charter, &v.actor)))
                .collect();
            both.sort();
            assert_eq!(
                both,
                vec![
                    ("active".to_owned(), "Ana's laptop".to_owned()),
                    ("dropped".to_owned(), "Ben's desktop".to_owned())
                ]
            );
        }
        ana.library()
            .resolve_conflict(&doc, "objectives.o1.status", "dropped")
            .await
            .unwrap()
            .expect("a change");
        converge(&[&ana, &ben], &doc).await;
        for peer in [&ana, &ben] {
            let view = peer.library().view(&doc).await.unwrap();
            assert!(view.conflicts.is_empty(), "{:?}", view.conflicts);
            assert_eq!(
                view.charter.objectives["o1"].status,
                guild_model::Status::Dropped
            );
        }
        for peer in [ben, ana] {
            peer.shutdown().await.unwrap();
        }
    });
}
