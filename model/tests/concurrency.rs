//! What concurrent edits on two replicas do: moves never duplicate, prose
//! keeps both sides' characters, scalar writes surface as conflicts, and
//! removal wins over a concurrent edit or link.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use automerge::{ActorId, Automerge, ReadDoc};
use guild_model::{
    Cell, Charter, Collection, ObjectiveEdit, Op, Position, ProseField, Status, apply,
    check_invariants, new_charter, repair, scalar_conflicts,
};

fn replicas() -> (Automerge, Automerge) {
    let a = new_charter("Data CoP", 100).unwrap();
    let b = a.fork().with_actor(ActorId::random());
    (a, b)
}

fn sync(a: &mut Automerge, b: &mut Automerge) {
    a.merge(b).unwrap();
    b.merge(a).unwrap();
    assert_eq!(a.get_heads(), b.get_heads());
}

#[test]
fn a_new_charter_holds_the_seed_table() {
    let doc = new_charter("Data CoP", 100).unwrap();
    let charter = Charter::from_doc(&doc).unwrap();
    let org_short: Vec<&str> = charter
        .cards_in(Cell::OrganisationShortTerm)
        .map(|(_, c)| c.text.as_str())
        .collect();
    assert_eq!(org_short.len(), 5);
    assert_eq!(
        org_short[4],
        "Mentor newcomers to help them get up to speed quickly"
    );
    let members_long: Vec<&str> = charter
        .cards_in(Cell::MembersLongTerm)
        .map(|(_, c)| c.text.as_str())
        .collect();
    assert!(members_long.contains(&"Expand one's professional network"));
    assert_eq!(charter.cards.len(), 22);
    assert!(check_invariants(&charter).is_empty());
}

#[test]
fn concurrent_moves_of_one_card_never_duplicate_it() {
    let (mut a, mut b) = replicas();
    let card = "seed-00".to_string();
    apply(
        &mut a,
        &Op::MoveCard {
            id: card.clone(),
            cell: Cell::MembersLongTerm,
            position: Position::Start,
        },
        200,
    )
    .unwrap();
    apply(
        &mut b,
        &Op::MoveCard {
            id: card.clone(),
            cell: Cell::OrganisationLongTerm,
            position: Position::End,
        },
        200,
    )
    .unwrap();
    sync(&mut a, &mut b);
    let charter = Charter::from_doc(&a).unwrap();
    assert_eq!(charter.cards.len(), 22, "still 22 cards");
    let homes: Vec<Cell> = Cell::ALL
        .iter()
        .copied()
        .filter(|cell| charter.cards_in(*cell).any(|(id, _)| *id == card))
        .collect();
    assert_eq!(
        homes.len(),
        1,
        "the card lives in exactly one cell: {homes:?}"
    );
    let conflicts = scalar_conflicts(&a);
    assert!(
        conflicts
            .iter()
            .any(|c| c.path == format!("cards.{card}.cell")),
        "the two moves show as a conflict: {conflicts:?}"
    );
}

#[test]
fn concurrent_prose_edits_keep_both_sides_characters() {
    let (mut a, mut b) = replicas();
    apply(
        &mut a,
        &Op::SetProse {
            field: ProseField::Purpose,
            text: "We learn together.".into(),
        },
        150,
    )
    .unwrap();
    sync(&mut a, &mut b);
    apply(
        &mut a,
        &Op::SetProse {
            field: ProseField::Purpose,
            text: "We learn together, openly.".into(),
        },
        200,
    )
    .unwrap();
    apply(
        &mut b,
        &Op::SpliceProse {
            field: ProseField::Purpose,
            pos: 0,
            delete: 0,
            insert: "Together: ".into(),
        },
        200,
    )
    .unwrap();
    sync(&mut a, &mut b);
    let charter = Charter::from_doc(&b).unwrap();
    assert_eq!(
        charter.purpose.text.as_str(),
        "Together: We learn together, openly."
    );
}

#[test]
fn a_concurrent_scalar_write_is_a_visible_conflict() {
    let (mut a, mut b) = replicas();
    apply(
        &mut a,
        &Op::AddObjective {
            id: "o1".into(),
            title: "Share practice".into(),
            position: Position::End,
        },
        150,
    )
    .unwrap();
    sync(&mut a, &mut b);
    apply(
        &mut a,
        &Op::EditObjective {
            id: "o1".into(),
            edit: ObjectiveEdit::Status(Status::Active),
        },
        200,
    )
    .unwrap();
    apply(
        &mut b,
        &Op::EditObjective {
            id: "o1".into(),
            edit: ObjectiveEdit::Status(Status::Dropped),
        },
        200,
    )
    .unwrap();
    sync(&mut a, &mut b);
    let conflicts = scalar_conflicts(&a);
    let status = conflicts
        .iter()
        .find(|c| c.path == "objectives.o1.status")
        .expect("status conflict");
    assert!(
        status.label.starts_with("Objective “") && status.label.ends_with("” › status"),
        "{}",
        status.label
    );
    let mut values: Vec<&str> = status.values.iter().map(|v| v.value.as_str()).collect();
    values.sort_unstable();
    assert_eq!(values, ["active", "dropped"]);
    let shown = Charter::from_doc(&a).unwrap().objectives["o1"].status;
    assert_eq!(
        shown.as_str(),
        status.values[0].value,
        "the first value is the one readers see"
    );
    // Choosing one resolves it for everyone.
    apply(
        &mut b,
        &Op::EditObjective {
            id: "o1".into(),
            edit: ObjectiveEdit::Status(Status::Active),
        },
        300,
    )
    .unwrap();
    sync(&mut a, &mut b);
    assert!(
        scalar_conflicts(&a)
            .iter()
            .all(|c| c.path != "objectives.o1.status")
    );
}

#[test]
fn removal_wins_over_a_concurrent_edit() {
    let (mut a, mut b) = replicas();
    apply(
        &mut a,
        &Op::RemoveItem {
            collection: Collection::Cards,
            id: "seed-03".into(),
        },
        200,
    )
    .unwrap();
    apply(
        &mut b,
        &Op::EditCard {
            id: "seed-03".into(),
            text: "Benchmark everything".into(),
        },
        200,
    )
    .unwrap();
    sync(&mut a, &mut b);
    let charter = Charter::from_doc(&a).unwrap();
    assert!(
        !charter.cards.contains_key("seed-03"),
        "the removed card stays removed, not half-resurrected"
    );
    assert_eq!(charter.cards.len(), 21);
}

#[test]
fn removal_wins_over_a_concurrent_link_after_repair() {
    let (mut a, mut b) = replicas();
    apply(
        &mut a,
        &Op::AddStory {
            id: "s1".into(),
            title: "Onboarding".into(),
            teller: "Ana".into(),
            position: Position::End,
        },
        150,
    )
    .unwrap();
    sync(&mut a, &mut b);
    apply(
        &mut a,
        &Op::RemoveItem {
            collection: Collection::Cards,
            id: "seed-04".into(),
        },
        200,
    )
    .unwrap();
    apply(
        &mut b,
        &Op::LinkStory {
            story: "s1".into(),
            card: "seed-04".into(),
        },
        200,
    )
    .unwrap();
    sync(&mut a, &mut b);
    let broken = check_invariants(&Charter::from_doc(&a).unwrap());
    assert_eq!(broken.len(), 1, "{broken:?}");
    // Both peers repair at once; the repairs converge.
    repair(&mut a, 300).unwrap().expect("a repair change");
    repair(&mut b, 300).unwrap().expect("a repair change");
    sync(&mut a, &mut b);
    let charter = Charter::from_doc(&a).unwrap();
    assert!(check_invariants(&charter).is_empty());
    assert!(charter.stories["s1"].cards.is_empty());
}

#[test]
fn each_op_is_one_change_with_time_and_message() {
    let mut doc = new_charter("Data CoP", 100).unwrap();
    let before = doc.get_changes(&[]).len();
    let hash = apply(
        &mut doc,
        &Op::AddCard {
            id: "c1".into(),
            cell: Cell::MembersShortTerm,
            text: "Lunch and learn".into(),
            position: Position::End,
        },
        1_700_000_000,
    )
    .unwrap()
    .expect("a change");
    assert_eq!(doc.get_changes(&[]).len(), before + 1);
    let change = doc.get_change_by_hash(&hash).unwrap();
    assert_eq!(change.timestamp(), 1_700_000_000);
    assert_eq!(
        change.message(),
        Some("Add card “Lunch and learn” to Members · short term")
    );
}

#[test]
fn bad_edits_are_refused_and_change_nothing() {
    let mut doc = new_charter("Data CoP", 100).unwrap();
    let heads = doc.get_heads();
    let err = apply(
        &mut doc,
        &Op::EditCard {
            id: "nope".into(),
            text: "x".into(),
        },
        1,
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "no card with id `nope`");
    let err = apply(
        &mut doc,
        &Op::SpliceProse {
            field: ProseField::Title,
            pos: 50,
            delete: 1,
            insert: String::new(),
        },
        1,
    )
    .unwrap_err();
    assert!(err.to_string().contains("past the end of title"), "{err}");
    let err = apply(
        &mut doc,
        &Op::AddCard {
            id: "seed-00".into(),
            cell: Cell::MembersLongTerm,
            text: "x".into(),
            position: Position::End,
        },
        1,
    )
    .unwrap_err();
    assert!(err.to_string().contains("already exists"));
    assert_eq!(doc.get_heads(), heads);
}

#[test]
fn a_revocation_wins_over_a_concurrent_readmission() {
    use guild_model::AccessLevel;
    let (mut a, mut b) = replicas();
    let admit = Op::AdmitDevice {
        endpoint: "e1".into(),
        access: AccessLevel::ReadWrite,
        label: "laptop".into(),
        actor: None,
        admitted_by: String::new(),
        invite: None,
    };
    apply(&mut a, &admit, 150).unwrap();
    sync(&mut a, &mut b);
    assert_eq!(
        Charter::from_doc(&b).unwrap().access.level_of("e1"),
        Some(AccessLevel::ReadWrite)
    );
    apply(
        &mut a,
        &Op::RevokeDevice {
            endpoint: "e1".into(),
        },
        200,
    )
    .unwrap();
    apply(
        &mut b,
        &Op::AdmitDevice {
            endpoint: "e1".into(),
            access: AccessLevel::ReadOnly,
            label: "phone".into(),
            actor: None,
            admitted_by: String::new(),
            invite: None,
        },
        200,
    )
    .unwrap();
    sync(&mut a, &mut b);
    let access = Charter::from_doc(&a).unwrap().access;
    assert_eq!(
        access.level_of("e1"),
        None,
        "revoked stays revoked: {access:?}"
    );
}
