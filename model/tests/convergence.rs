//! Property: three replicas applying random typed operations and merging in
//! random orders end with identical heads, identical charters, and (after
//! one repair round) every invariant holding.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use automerge::{ActorId, Automerge};
use guild_model::{
    AccessLevel, Cell, Charter, Collection, Cycle, Horizon, MemberEdit, ObjectiveEdit, Op, Phase,
    Position, ProseField, Role, Status, Tag, UnitKind, apply, check_invariants, new_charter,
    repair, to_json,
};
use proptest::prelude::*;
use proptest::sample::select;

fn id(prefix: &'static str, n: usize) -> impl Strategy<Value = String> + Clone {
    (0..n).prop_map(move |i| format!("{prefix}{i}"))
}

fn card_id() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        (0..22usize).prop_map(|i| format!("seed-{i:02}")),
        id("c", 4)
    ]
}

fn position(ids: impl Strategy<Value = String> + Clone) -> impl Strategy<Value = Position> {
    prop_oneof![
        Just(Position::Start),
        Just(Position::End),
        ids.clone().prop_map(Position::Before),
        ids.prop_map(Position::After),
    ]
}

fn words() -> impl Strategy<Value = String> {
    "[a-zé ]{0,12}"
}

#[allow(clippy::too_many_lines)] // One arm per op kind.
fn op() -> impl Strategy<Value = Op> {
    let prose = select(ProseField::ALL.to_vec());
    prop_oneof![
        (prose.clone(), words()).prop_map(|(field, text)| Op::SetProse { field, text }),
        (prose, 0..8usize, 0..3usize, words()).prop_map(|(field, pos, delete, insert)| {
            Op::SpliceProse {
                field,
                pos,
                delete,
                insert,
            }
        }),
        (
            card_id(),
            select(Cell::ALL.to_vec()),
            words(),
            position(card_id())
        )
            .prop_map(|(id, cell, text, position)| Op::AddCard {
                id,
                cell,
                text,
                position
            }),
        (card_id(), words()).prop_map(|(id, text)| Op::EditCard { id, text }),
        (card_id(), select(Cell::ALL.to_vec()), position(card_id()))
            .prop_map(|(id, cell, position)| Op::MoveCard { id, cell, position }),
        card_id().prop_map(|id| Op::RemoveItem {
            collection: Collection::Cards,
            id
        }),
        (id("o", 3), words(), position(id("o", 3))).prop_map(|(id, title, position)| {
            Op::AddObjective {
                id,
                title,
                position,
            }
        }),
        (id("o", 3), select(Status::ALL.to_vec())).prop_map(|(id, s)| Op::EditObjective {
            id,
            edit: ObjectiveEdit::Status(s)
        }),
        (id("o", 3), select(Horizon::ALL.to_vec())).prop_map(|(id, h)| Op::EditObjective {
            id,
            edit: ObjectiveEdit::Horizon(h)
        }),
        (id("o", 3), words()).prop_map(|(id, t)| Op::EditObjective {
            id,
            edit: ObjectiveEdit::Owner(t)
        }),
        (id("o", 3), position(id("o", 3))).prop_map(|(id, position)| Op::MoveItem {
            collection: Collection::Objectives,
            id,
            position
        }),
        id("o", 3).prop_map(|id| Op::RemoveItem {
            collection: Collection::Objectives,
            id
        }),
        (
            id("n", 4),
            select(Phase::ALL.to_vec()),
            select(Tag::ALL.to_vec()),
            words()
        )
            .prop_map(|(id, phase, tag, text)| Op::AddNote {
                id,
                phase,
                tag,
                text,
                author: "ana".into(),
                position: Position::End
            }),
        (
            id("n", 4),
            select(Phase::ALL.to_vec()),
            position(id("n", 4))
        )
            .prop_map(|(id, phase, position)| Op::MoveNote {
                id,
                phase,
                position
            }),
        (id("k", 3), words(), select(Role::ALL.to_vec())).prop_map(|(id, text, role)| {
            Op::AddContribution {
                id,
                text,
                author: "bo".into(),
                role,
                position: Position::End,
            }
        }),
        (id("k", 3), select(vec!["ana", "bo", "cy"])).prop_map(|(contribution, by)| Op::Endorse {
            contribution,
            by: by.into()
        }),
        (id("s", 3), words()).prop_map(|(id, title)| Op::AddStory {
            id,
            title,
            teller: "cy".into(),
            position: Position::End
        }),
        (id("s", 3), select(Cycle::ALL.to_vec()), words())
            .prop_map(|(id, cycle, text)| Op::SetStoryCycle { id, cycle, text }),
        (id("s", 3), card_id()).prop_map(|(story, card)| Op::LinkStory { story, card }),
        id("s", 3).prop_map(|id| Op::RemoveItem {
            collection: Collection::Stories,
            id
        }),
        (id("u", 4), words(), select(UnitKind::ALL.to_vec())).prop_map(|(id, name, kind)| {
            Op::AddUnit {
                id,
                name,
                kind,
                position: Position::End,
            }
        }),
        id("u", 4).prop_map(|id| Op::RemoveItem {
            collection: Collection::Units,
            id
        }),
        (id("b", 3), id("u", 4), id("u", 4), words())
            .prop_map(|(id, from, to, note)| Op::AddBridge { id, from, to, note }),
        (id("m", 3), words(), select(Role::ALL.to_vec())).prop_map(|(id, name, role)| {
            Op::AddMember {
                id,
                name,
                role,
                unit: None,
                position: Position::End,
            }
        }),
        (id("m", 3), id("u", 4)).prop_map(|(id, unit)| Op::EditMember {
            id,
            edit: MemberEdit::Unit(Some(unit))
        }),
        (id("e", 3), select(AccessLevel::ALL.to_vec())).prop_map(|(endpoint, access)| {
            Op::AdmitDevice {
                endpoint,
                access,
                label: "d".into(),
                actor: None,
                admitted_by: String::new(),
                invite: None,
            }
        }),
        id("e", 3).prop_map(|endpoint| Op::RevokeDevice { endpoint }),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Edit(usize, Op),
    Merge { into: usize, from: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..3usize, op()).prop_map(|(r, op)| Step::Edit(r, op)),
        1 => (0..3usize, 0..3usize).prop_map(|(into, from)| Step::Merge { into, from }),
    ]
}

fn merge(replicas: &mut [Automerge], into: usize, from: usize) {
    if into != from {
        let mut other = replicas[from].clone();
        replicas[into].merge(&mut other).unwrap();
    }
}

fn converge(replicas: &mut [Automerge], order: &[usize]) {
    let hub = order[0];
    for &r in &order[1..] {
        merge(replicas, hub, r);
    }
    for &r in &order[1..] {
        merge(replicas, r, hub);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn replicas_converge(steps in proptest::collection::vec(step(), 1..40), order in Just(vec![0usize, 1, 2]).prop_shuffle(), repairer in 0..3usize) {
        let origin = new_charter("Data CoP", 1).unwrap();
        let mut replicas: Vec<Automerge> = (0..3u8).map(|i| origin.fork().with_actor(ActorId::from(vec![i + 1; 16]))).collect();
        for (t, step) in steps.into_iter().enumerate() {
            match step {
                Step::Edit(r, op) => {
                    let heads = replicas[r].get_heads();
                    if apply(&mut replicas[r], &op, 10 + i64::try_from(t).unwrap()).is_err() {
                        prop_assert_eq!(replicas[r].get_heads(), heads, "a refused op changes nothing");
                    }
                }
                Step::Merge { into, from } => merge(&mut replicas, into, from),
            }
        }
        converge(&mut replicas, &order);
        let heads = replicas[0].get_heads();
        prop_assert!(replicas.iter().all(|r| r.get_heads() == heads), "identical heads after merging");
        let json: Vec<String> = replicas.iter().map(|r| to_json(&Charter::from_doc(r).unwrap())).collect();
        prop_assert!(json.iter().all(|j| *j == json[0]), "identical charters");
        // Charter::from_doc reads through CachedReads; conflicts and all, it
        // must read what autosurgeon reads from the document itself.
        let plain: Charter = autosurgeon::hydrate(&replicas[0]).unwrap();
        prop_assert_eq!(format!("{plain:?}"), format!("{:?}", Charter::from_doc(&replicas[0]).unwrap()));

        // Removal wins: one repair round settles every broken cross-link.
        repair(&mut replicas[repairer], 1000).unwrap();
        converge(&mut replicas, &order);
        let heads = replicas[0].get_heads();
        prop_assert!(replicas.iter().all(|r| r.get_heads() == heads));
        for replica in &replicas {
            let charter = Charter::from_doc(replica).unwrap();
            let broken = check_invariants(&charter);
            prop_assert!(broken.is_empty(), "invariants: {:?}", broken);
        }
    }
}
