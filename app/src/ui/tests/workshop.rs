//! The workshop section driven as a facilitator and a participant would:
//! a timed agenda whose running step shows on every section, and a dot vote
//! whose counts stay hidden until it closes.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use guild_model::{Op, Position};

use super::{
    GuildApp, UiCommand, click, go_to, harness, on_charter, open_charter, open_id, shows,
    type_into, wait_for,
};

fn add_objective(harness: &mut Harness<'_, GuildApp>, id: &str, title: &str) {
    harness.state().command(UiCommand::Edit {
        doc: open_id(harness),
        ops: vec![Op::AddObjective {
            id: id.into(),
            title: title.into(),
            position: Position::End,
        }],
        base: None,
    });
    wait_for(harness, title, |vm| {
        on_charter(vm, |c| c.objectives.contains_key(id))
    });
}

#[test]
fn a_started_step_counts_down_on_every_section_until_it_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Workshop");
    shows(
        &harness,
        "No steps yet: add “Discover — 10 min”, “Dream — 15 min” …",
    );
    type_into(&mut harness, "New step", "Dream");
    click(&mut harness, "Add step");
    wait_for(&mut harness, "the step", |vm| {
        on_charter(vm, |c| c.workshop.steps.len() == 1)
    });
    shows(&harness, "Dream — 15 min");
    click(&mut harness, "Start Dream");
    wait_for(&mut harness, "the step running", |vm| {
        on_charter(vm, |c| c.workshop.running.is_some())
    });
    // "Dream · 15:00 left", or 14:59 by the time it is drawn.
    assert!(
        harness.query_by_label_contains("Dream · 1").is_some(),
        "no countdown banner"
    );
    go_to(&mut harness, "Vision");
    assert!(
        harness.query_by_label_contains(" left").is_some(),
        "the countdown stays on other sections"
    );
    go_to(&mut harness, "Workshop");
    click(&mut harness, "Stop Dream");
    wait_for(&mut harness, "the step stopped", |vm| {
        on_charter(vm, |c| c.workshop.running.is_none())
    });
    harness.run_steps(2);
    assert!(
        harness.query_by_label_contains("Dream · ").is_none(),
        "the countdown outlives its step"
    );
}

#[test]
fn a_dot_vote_keeps_counts_hidden_until_closed_and_then_ranks() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    add_objective(&mut harness, "o1", "Run a data clinic");
    add_objective(&mut harness, "o2", "Pair across units");
    go_to(&mut harness, "Workshop");
    type_into(&mut harness, "Question", "Which first?");
    click(&mut harness, "On");
    click(&mut harness, "Objectives");
    click(&mut harness, "Open the vote");
    wait_for(&mut harness, "the vote", |vm| {
        on_charter(vm, |c| c.workshop.votes.len() == 1)
    });
    let vote_items = super::charter(&harness)
        .workshop
        .votes
        .values()
        .next()
        .unwrap()
        .items
        .clone();
    assert_eq!(vote_items, ["o1", "o2"], "the vote is on the objectives");
    shows(
        &harness,
        "You have 3 of 3 dots left. Counts are shown when the vote closes.",
    );

    let dots = |vm: &super::ViewModel| {
        vm.open.as_ref().map_or(0, |o| {
            o.view
                .charter
                .workshop
                .votes
                .values()
                .flat_map(|v| v.ballots.values())
                .map(std::collections::BTreeMap::len)
                .sum::<usize>()
        })
    };
    for (item, placed) in [
        ("Run a data clinic", 1),
        ("Run a data clinic", 2),
        ("Pair across units", 3),
    ] {
        click(&mut harness, &format!("Place a dot on {item}"));
        wait_for(&mut harness, "the dot", |vm| dots(vm) == placed);
    }
    shows(
        &harness,
        "You have 0 of 3 dots left. Counts are shown when the vote closes.",
    );
    assert!(
        harness.query_by_label_contains(" — 2 dots").is_none(),
        "counts shown while the vote is open"
    );
    click(&mut harness, "Take back a dot from Pair across units");
    wait_for(&mut harness, "the dot taken back", |vm| dots(vm) == 2);
    shows(
        &harness,
        "You have 1 of 3 dots left. Counts are shown when the vote closes.",
    );
    click(&mut harness, "Close the vote Which first?");
    wait_for(&mut harness, "the vote closed", |vm| {
        on_charter(vm, |c| c.workshop.votes.values().all(|v| !v.is_open()))
    });
    shows(&harness, "1. Run a data clinic — 2 dots");
    shows(&harness, "2. Pair across units — 0 dots");
}

#[test]
fn the_presenter_switch_makes_everything_larger_for_the_projector() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Workshop");
    assert!((harness.ctx.zoom_factor() - 1.0).abs() < f32::EPSILON);
    click(&mut harness, "Larger text for a projector");
    harness.run_steps(2);
    assert!(
        harness.ctx.zoom_factor() > 1.3,
        "{}",
        harness.ctx.zoom_factor()
    );
    click(&mut harness, "Larger text for a projector");
    harness.run_steps(2);
    assert!((harness.ctx.zoom_factor() - 1.0).abs() < f32::EPSILON);
}
