//! The workshop's agenda and dot votes: the countdown every window derives
//! from one start time, and votes made concurrently and offline by random
//! members that merge to the same counts everywhere, never more than the
//! vote's dots per person.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use automerge::{ActorId, Automerge};
use guild_model::{Cell, Charter, EditError, Op, Position, Role, apply, new_blank_charter};
use proptest::prelude::*;

const MEMBERS: usize = 4;
const CARDS: usize = 4;

/// A charter with members m0… and cards c0…, and vote `v` on every card.
fn room(dots: u8) -> Automerge {
    let mut doc = new_blank_charter("Workshop CoP", 1_700_000_000).unwrap();
    for m in 0..MEMBERS {
        let op = Op::AddMember {
            id: format!("m{m}"),
            name: format!("Person {m}"),
            role: Role::Member,
            unit: None,
            position: Position::End,
        };
        apply(&mut doc, &op, 1_700_000_001).unwrap();
    }
    for c in 0..CARDS {
        let op = Op::AddCard {
            id: format!("c{c}"),
            cell: Cell::MembersShortTerm,
            text: format!("Card {c}"),
            position: Position::End,
        };
        apply(&mut doc, &op, 1_700_000_002).unwrap();
    }
    let vote = Op::OpenVote {
        id: "v".into(),
        title: "What matters most?".into(),
        items: (0..CARDS).map(|c| format!("c{c}")).collect(),
        dots,
    };
    apply(&mut doc, &vote, 1_700_000_003).unwrap();
    doc
}

fn charter(doc: &Automerge) -> Charter {
    Charter::from_doc(doc).unwrap()
}

#[test]
fn the_countdown_is_derived_from_one_start_time_for_every_window() {
    let mut doc = new_blank_charter("Agenda CoP", 1_700_000_000).unwrap();
    for (id, title, minutes) in [("discover", "Discover", 10), ("dream", "Dream", 15)] {
        let op = Op::AddStep {
            id: id.into(),
            title: title.into(),
            minutes,
        };
        apply(&mut doc, &op, 1_700_000_000).unwrap();
    }
    let order: Vec<String> = charter(&doc)
        .workshop
        .steps_ordered()
        .iter()
        .map(|(_, s)| s.title.clone())
        .collect();
    assert_eq!(order, ["Discover", "Dream"], "in the order they were added");
    apply(
        &mut doc,
        &Op::StartStep { id: "dream".into() },
        1_700_000_100,
    )
    .unwrap();
    let workshop = charter(&doc).workshop;
    let (step, left) = workshop.time_left(1_700_000_160).unwrap();
    assert_eq!((step.title.as_str(), left), ("Dream", 15 * 60 - 60));
    assert!(
        workshop.time_left(1_700_002_000).unwrap().1 < 0,
        "over time"
    );
    apply(
        &mut doc,
        &Op::RemoveStep { id: "dream".into() },
        1_700_000_200,
    )
    .unwrap();
    assert!(
        charter(&doc).workshop.running.is_none(),
        "a removed step stops"
    );
    let zero = Op::AddStep {
        id: "x".into(),
        title: "Nothing".into(),
        minutes: 0,
    };
    assert!(matches!(
        apply(&mut doc, &zero, 1_700_000_300),
        Err(EditError::Invalid(_))
    ));
}

#[test]
fn a_vote_counts_dots_ranks_items_and_takes_no_more_than_each_has() {
    let mut doc = room(2);
    let dot = |member: &str, item: &str| Op::PlaceDot {
        vote: "v".into(),
        member: member.into(),
        item: item.into(),
    };
    for (member, item) in [("m0", "c2"), ("m0", "c2"), ("m1", "c1"), ("m1", "c2")] {
        apply(&mut doc, &dot(member, item), 1_700_000_010).unwrap();
    }
    let third = apply(&mut doc, &dot("m0", "c0"), 1_700_000_011);
    assert!(
        matches!(&third, Err(EditError::Invalid(why)) if why.contains("all 2 dots")),
        "{third:?}"
    );
    let vote = &charter(&doc).workshop.votes["v"];
    assert_eq!(
        vote.ranking(),
        [
            ("c2".to_owned(), 3),
            ("c1".to_owned(), 1),
            ("c0".to_owned(), 0),
            ("c3".to_owned(), 0)
        ]
    );
    let take = Op::TakeDot {
        vote: "v".into(),
        member: "m0".into(),
        slot: 0,
    };
    apply(&mut doc, &take, 1_700_000_012).unwrap();
    apply(&mut doc, &dot("m0", "c3"), 1_700_000_013).unwrap();
    assert_eq!(
        charter(&doc).workshop.votes["v"].dots_of("m0"),
        [(0, "c3"), (1, "c2")]
    );
    apply(&mut doc, &Op::CloseVote { id: "v".into() }, 1_700_000_020).unwrap();
    assert!(!charter(&doc).workshop.votes["v"].is_open());
    assert!(
        apply(&mut doc, &dot("m2", "c0"), 1_700_000_021).is_err(),
        "closed"
    );
    let stranger = apply(&mut room(2), &dot("nobody", "c0"), 1_700_000_010);
    assert!(matches!(stranger, Err(EditError::NotFound { .. })));
}

#[derive(Debug, Clone)]
enum Step {
    Place {
        replica: usize,
        member: usize,
        card: usize,
    },
    Take {
        replica: usize,
        member: usize,
        slot: u8,
    },
    Merge {
        into: usize,
        from: usize,
    },
}

fn step(replicas: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..replicas, 0..MEMBERS, 0..CARDS)
            .prop_map(|(replica, member, card)| Step::Place { replica, member, card }),
        2 => (0..replicas, 0..MEMBERS, 0..4u8)
            .prop_map(|(replica, member, slot)| Step::Take { replica, member, slot }),
        1 => (0..replicas, 0..replicas).prop_map(|(into, from)| Step::Merge { into, from }),
    ]
}

fn merge(replicas: &mut [Automerge], into: usize, from: usize) {
    if into != from {
        let mut other = replicas[from].clone();
        replicas[into].merge(&mut other).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Devices (some of one person, some offline for long) place and take
    /// back dots at random and merge at random; once everything is merged
    /// every copy ranks the same and nobody has more than their dots.
    #[test]
    fn concurrent_and_offline_dots_merge_to_the_same_counts_within_each_persons_dots(
        dots in 1..4u8,
        steps in prop::collection::vec(step(3), 1..60),
    ) {
        let origin = room(dots);
        let mut replicas: Vec<Automerge> = (0..3u8)
            .map(|i| origin.fork().with_actor(ActorId::from(vec![i + 1; 16])))
            .collect();
        for step in &steps {
            match *step {
                Step::Place { replica, member, card } => {
                    let op = Op::PlaceDot {
                        vote: "v".into(),
                        member: format!("m{member}"),
                        item: format!("c{card}"),
                    };
                    // A full ballot refuses: that is the rule under test.
                    let _ = apply(&mut replicas[replica], &op, 1_700_000_100);
                }
                Step::Take { replica, member, slot } => {
                    let op = Op::TakeDot { vote: "v".into(), member: format!("m{member}"), slot };
                    let _ = apply(&mut replicas[replica], &op, 1_700_000_100);
                }
                Step::Merge { into, from } => merge(&mut replicas, into, from),
            }
            for replica in &replicas {
                let vote = &charter(replica).workshop.votes["v"];
                for m in 0..MEMBERS {
                    let member = format!("m{m}");
                    let placed = vote.dots_of(&member).len();
                    prop_assert!(placed <= usize::from(dots), "{} has {} dots", member, placed);
                }
            }
        }
        for r in 1..3 {
            merge(&mut replicas, 0, r);
        }
        for r in 1..3 {
            merge(&mut replicas, r, 0);
        }
        let rankings: Vec<_> = replicas
            .iter()
            .map(|r| charter(r).workshop.votes["v"].ranking())
            .collect();
        prop_assert_eq!(&rankings[0], &rankings[1]);
        prop_assert_eq!(&rankings[0], &rankings[2]);
        let total: usize = rankings[0].iter().map(|(_, n)| n).sum();
        prop_assert!(total <= MEMBERS * usize::from(dots));
    }
}

#[test]
fn notes_group_under_themes_and_a_removed_themes_notes_stay_ungrouped() {
    use guild_model::{Phase, Tag};
    let mut doc = new_blank_charter("Themes CoP", 1_700_000_000).unwrap();
    for (id, text) in [("n1", "Mentoring pairs"), ("n2", "A shared notebook")] {
        let op = Op::AddNote {
            id: id.into(),
            phase: Phase::Dream,
            tag: Tag::Opportunity,
            text: text.into(),
            author: "Ana".into(),
            position: Position::End,
        };
        apply(&mut doc, &op, 1_700_000_001).unwrap();
    }
    let theme = Op::AddTheme {
        id: "t1".into(),
        name: "People".into(),
    };
    apply(&mut doc, &theme, 1_700_000_002).unwrap();
    let group = |note: &str, theme: Option<&str>| Op::SetTheme {
        collection: guild_model::Collection::Notes,
        id: note.into(),
        theme: theme.map(Into::into),
    };
    apply(&mut doc, &group("n1", Some("t1")), 1_700_000_003).unwrap();
    assert_eq!(
        charter(&doc).inquiry.notes["n1"].theme.as_deref(),
        Some("t1")
    );
    assert_eq!(charter(&doc).inquiry.notes["n2"].theme, None);
    assert!(matches!(
        apply(&mut doc, &group("n2", Some("nope")), 1_700_000_004),
        Err(EditError::NotFound { .. })
    ));
    apply(
        &mut doc,
        &Op::RemoveTheme { id: "t1".into() },
        1_700_000_005,
    )
    .unwrap();
    let after = charter(&doc);
    assert!(after.workshop.themes.is_empty());
    assert_eq!(
        after.inquiry.notes["n1"].theme, None,
        "its notes stay, ungrouped"
    );
    assert_eq!(after.inquiry.notes.len(), 2);
}
