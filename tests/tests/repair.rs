//! Edits repair what merges broke — and only check when something else has
//! written since. A story linked to a card that a concurrent change removed
//! is unlinked by the next edit, whether the break came in with the charter
//! or with a merge after this library's own edits (which skip the check).

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guild_model::{Cell, Collection, Op, Position, ProseField, apply, history, new_charter};
use guild_sync::LibraryOptions;
use guild_tests::{open_library, runtime};

fn add_story(id: &str) -> Op {
    Op::AddStory {
        id: id.into(),
        title: format!("Story {id}"),
        teller: "Ana".into(),
        position: Position::End,
    }
}

fn add_card(id: &str) -> Op {
    Op::AddCard {
        id: id.into(),
        cell: Cell::MembersShortTerm,
        text: format!("Card {id}"),
        position: Position::End,
    }
}

fn repairs(doc: &automerge::Automerge) -> usize {
    history(doc, usize::MAX)
        .iter()
        .filter(|e| e.message == "Repair after merge")
        .count()
}

#[test]
fn an_edit_repairs_links_a_merge_broke_and_skips_the_check_on_its_own_edits() {
    runtime().block_on(async {
        // A charter whose story s1 links card c1, which a concurrent change removed.
        let mut ana = new_charter("Repair CoP", 1_700_000_000).unwrap();
        for op in [
            add_story("s1"),
            add_card("c1"),
            add_story("s2"),
            add_card("c2"),
        ] {
            apply(&mut ana, &op, 1_700_000_001).unwrap();
        }
        let mut ben = ana.fork();
        let link = |card: &str| Op::LinkStory {
            story: "s1".into(),
            card: card.into(),
        };
        apply(&mut ben, &link("c1"), 1_700_000_002).unwrap();
        let remove = Op::RemoveItem {
            collection: Collection::Cards,
            id: "c1".into(),
        };
        apply(&mut ana, &remove, 1_700_000_003).unwrap();
        ana.merge(&mut ben).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let library = open_library(dir.path(), LibraryOptions::one_shot())
            .await
            .unwrap();
        let id = library.import(&ana.save()).await.unwrap();
        assert!(
            library.charter(&id).await.unwrap().stories["s1"]
                .cards
                .contains_key("c1")
        );

        let typing = |n: usize| Op::SpliceProse {
            field: ProseField::Purpose,
            pos: n,
            delete: 0,
            insert: "x".into(),
        };
        library.edit(&id, &typing(0)).await.unwrap();
        let charter = library.charter(&id).await.unwrap();
        assert!(
            !charter.stories["s1"].cards.contains_key("c1"),
            "the first edit repaired"
        );
        assert_eq!(repairs(&library.document(&id).await.unwrap()), 1);
        for n in 1..5 {
            library.edit(&id, &typing(n)).await.unwrap();
        }
        assert_eq!(
            repairs(&library.document(&id).await.unwrap()),
            1,
            "own edits keep the invariants: nothing more to repair"
        );

        // A personal copy links s2 to c2 while the charter removes c2; merging
        // the copy's story back brings the dangling link in, after this
        // library's own verified edits.
        let copy = library.fork(&id).await.unwrap();
        let link_s2 = Op::LinkStory {
            story: "s2".into(),
            card: "c2".into(),
        };
        library.edit(&copy, &link_s2).await.unwrap();
        let remove_c2 = Op::RemoveItem {
            collection: Collection::Cards,
            id: "c2".into(),
        };
        library.edit(&id, &remove_c2).await.unwrap();
        library
            .merge_from(&copy, &id, &["stories.s2".to_owned()])
            .await
            .unwrap();
        assert!(
            library.charter(&id).await.unwrap().stories["s2"]
                .cards
                .contains_key("c2")
        );
        library.edit(&id, &typing(5)).await.unwrap();
        let charter = library.charter(&id).await.unwrap();
        assert!(
            !charter.stories["s2"].cards.contains_key("c2"),
            "the edit after the merge checked again and repaired"
        );
        assert_eq!(repairs(&library.document(&id).await.unwrap()), 2);
        library.close().await.unwrap();
    });
}
