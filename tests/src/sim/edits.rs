//! Random typed edits a writer makes in the simulation, chosen against
//! that writer's current copy so most of them touch real items (and some
//! race with a concurrent removal elsewhere).

use guild_model::{
    Cell, Charter, Collection, Horizon, ObjectiveEdit, Op, Position, ProseField, Status,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Text that only hostile (read-only or revoked) peers ever write.
pub const HOSTILE_MARK: &str = "HOSTILE";

const PROSE: &[ProseField] = &[
    ProseField::Title,
    ProseField::Purpose,
    ProseField::Vision,
    ProseField::Pitch,
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> Option<&'a T> {
    (!items.is_empty()).then(|| &items[rng.random_range(0..items.len())])
}

fn position(rng: &mut StdRng, siblings: &[&String]) -> Position {
    match (rng.random_range(0..4), pick(rng, siblings)) {
        (0, _) => Position::Start,
        (1, Some(id)) => Position::Before((*id).clone()),
        (2, Some(id)) => Position::After((*id).clone()),
        _ => Position::End,
    }
}

/// One edit by `who` (used in new ids so peers never collide), drawn from
/// `seed`, against `charter`.
pub fn random_edit(charter: &Charter, who: usize, seed: u64) -> Op {
    let mut rng = StdRng::seed_from_u64(seed);
    let cards: Vec<&String> = charter.cards.keys().collect();
    let objectives: Vec<&String> = charter.objectives.keys().collect();
    let stories: Vec<&String> = charter.stories.keys().collect();
    let word = format!("p{who}-{:x}", seed % 0xffff);
    let field = *pick(&mut rng, PROSE).unwrap_or(&ProseField::Purpose);
    let fallback = Op::SetProse {
        field,
        text: format!("{field:?} by {word}"),
    };
    match rng.random_range(0..12) {
        0 => fallback,
        1 => {
            let text = crate::sim::prose_of(charter, field);
            let chars = text.chars().count();
            Op::SpliceProse {
                field,
                pos: rng.random_range(0..=chars),
                delete: if chars > 0 { rng.random_range(0..3) } else { 0 },
                insert: format!(" {word} "),
            }
        }
        2 | 3 => Op::AddCard {
            id: format!("card-{word}"),
            cell: *pick(&mut rng, Cell::ALL).unwrap_or(&Cell::OrganisationShortTerm),
            text: format!("card {word}"),
            position: position(&mut rng, &cards),
        },
        4 => match pick(&mut rng, &cards) {
            Some(id) => Op::EditCard {
                id: (*id).clone(),
                text: format!("edited by {word}"),
            },
            None => fallback,
        },
        5 => match pick(&mut rng, &cards) {
            Some(id) => Op::MoveCard {
                id: (*id).clone(),
                cell: *pick(&mut rng, Cell::ALL).unwrap_or(&Cell::OrganisationShortTerm),
                position: position(&mut rng, &cards),
            },
            None => fallback,
        },
        6 => match pick(&mut rng, &cards) {
            Some(id) => Op::RemoveItem {
                collection: Collection::Cards,
                id: (*id).clone(),
            },
            None => fallback,
        },
        7 => Op::AddObjective {
            id: format!("obj-{word}"),
            title: format!("objective {word}"),
            position: position(&mut rng, &objectives),
        },
        8 => match pick(&mut rng, &objectives) {
            Some(id) => Op::EditObjective {
                id: (*id).clone(),
                edit: match rng.random_range(0..3) {
                    0 => ObjectiveEdit::Status(
                        *pick(&mut rng, Status::ALL).unwrap_or(&Status::Proposed),
                    ),
                    1 => ObjectiveEdit::Owner(word),
                    _ => ObjectiveEdit::Horizon(
                        *pick(&mut rng, Horizon::ALL).unwrap_or(&Horizon::ShortTerm),
                    ),
                },
            },
            None => fallback,
        },
        9 => Op::AddStory {
            id: format!("story-{word}"),
            title: format!("story {word}"),
            teller: word,
            position: Position::End,
        },
        10 => match (pick(&mut rng, &stories), pick(&mut rng, &cards)) {
            (Some(story), Some(card)) => Op::LinkStory {
                story: (*story).clone(),
                card: (*card).clone(),
            },
            _ => fallback,
        },
        _ => match pick(&mut rng, &objectives) {
            Some(id) => Op::RemoveItem {
                collection: Collection::Objectives,
                id: (*id).clone(),
            },
            None => fallback,
        },
    }
}

/// An edit only a hostile peer makes: easy to look for afterwards.
pub fn hostile_edit(step: usize) -> Op {
    if step.is_multiple_of(2) {
        Op::AddCard {
            id: format!("hostile-{step}"),
            cell: Cell::ALL[step % Cell::ALL.len()],
            text: format!("{HOSTILE_MARK} card"),
            position: Position::Start,
        }
    } else {
        Op::SetProse {
            field: ProseField::Purpose,
            text: format!("{HOSTILE_MARK} purpose {step}"),
        }
    }
}
