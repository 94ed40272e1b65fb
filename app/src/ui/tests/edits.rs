//! Edits are never lost without a word: a pencil edit is saved by Enter,
//! by its input losing focus and by leaving the section; an add field keeps
//! the focus after Enter; a card a peer removes while it is being edited
//! keeps its draft and offers to keep it as a new card.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use guild_model::{Cell, Collection, Op};

use super::on_charter;
use super::{
    GuildApp, UiCommand, ViewModel, charter, click, go_to, harness, open_charter, open_id,
    open_view, shows, text_input, type_into, wait_for,
};

/// Adds an objective titled `title` in the Objectives section.
fn add_objective(harness: &mut Harness<'_, GuildApp>, title: &str) {
    go_to(harness, "Objectives");
    type_into(harness, "New objective", title);
    click(harness, "Add objective");
    wait_for(harness, "the objective", |vm| {
        on_charter(vm, |c| {
            c.objectives.values().any(|x| x.title.as_str() == title)
        })
    });
}

fn owner_is(owner: &'static str) -> impl Fn(&ViewModel) -> bool {
    move |vm| {
        on_charter(vm, |c| {
            c.objectives.values().any(|x| x.owner.as_str() == owner)
        })
    }
}

fn has_card(text: &'static str) -> impl Fn(&ViewModel) -> bool {
    move |vm| {
        on_charter(vm, |c| {
            c.cards
                .values()
                .any(|c| c.text.as_str() == text && c.cell == Cell::MembersShortTerm)
        })
    }
}

/// Adds the card "Lunch and learn" to Members · short term.
fn add_card(harness: &mut Harness<'_, GuildApp>) {
    go_to(harness, "Value map");
    type_into(
        harness,
        "New card (Members · short term)",
        "Lunch and learn",
    );
    click(harness, "Add card to Members · short term");
    wait_for(harness, "the new card", has_card("Lunch and learn"));
}

#[test]
fn an_owner_typed_in_place_is_saved_by_enter() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    add_objective(&mut harness, "Run a data clinic");
    click(&mut harness, "Edit owner of Run a data clinic");
    type_into(&mut harness, "owner of Run a data clinic", "Bea");
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the owner saved by Enter", owner_is("Bea"));
    assert!(
        harness
            .query_by_label("owner of Run a data clinic")
            .is_none(),
        "the owner is still being edited after Enter"
    );
}

#[test]
fn an_owner_typed_in_place_is_saved_on_leaving_the_section() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    add_objective(&mut harness, "Run a data clinic");
    click(&mut harness, "Edit owner of Run a data clinic");
    type_into(&mut harness, "owner of Run a data clinic", "Bea");
    go_to(&mut harness, "Vision");
    wait_for(&mut harness, "the owner saved on leaving", owner_is("Bea"));
}

#[test]
fn a_card_typed_in_place_is_saved_when_its_input_loses_focus() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    add_card(&mut harness);
    click(&mut harness, "Edit card Lunch and learn");
    type_into(&mut harness, "card Lunch and learn", " weekly");
    // Straight into another field: the card's input loses the focus.
    type_into(&mut harness, "New card (Members · long term)", "Mentors");
    wait_for(
        &mut harness,
        "the card saved on losing focus",
        has_card("Lunch and learn weekly"),
    );
}

#[test]
fn saving_an_unchanged_text_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    add_card(&mut harness);
    let before = open_view(&harness).changes;
    click(&mut harness, "Edit card Lunch and learn");
    click(&mut harness, "Save card Lunch and learn");
    std::thread::sleep(std::time::Duration::from_millis(300));
    harness.run_steps(3);
    assert!(harness.query_by_label("card Lunch and learn").is_none());
    assert_eq!(
        open_view(&harness).changes,
        before,
        "an unchanged text was sent"
    );
}

#[test]
fn after_enter_in_an_add_field_the_next_typing_goes_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Objectives");
    type_into(&mut harness, "New objective", "Run a data clinic");
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the objective added by Enter", |vm| {
        on_charter(vm, |c| c.objectives.len() == 1)
    });
    harness.run_steps(2);
    let input = text_input(&harness, "New objective");
    assert!(
        input.is_focused(),
        "the add field lost the focus after Enter"
    );
    assert_eq!(input.value().as_deref(), Some(""));
    // Typed without clicking anywhere: it goes to the focused widget.
    harness.event(egui::Event::Text("Mentoring".into()));
    harness.run_steps(2);
    assert_eq!(
        text_input(&harness, "New objective").value().as_deref(),
        Some("Mentoring")
    );
}

#[test]
fn a_card_removed_by_a_peer_while_edited_keeps_the_draft_as_a_new_card() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    add_card(&mut harness);
    click(&mut harness, "Edit card Lunch and learn");
    type_into(&mut harness, "card Lunch and learn", " weekly");
    let id = charter(&harness)
        .cards
        .iter()
        .find(|(_, c)| c.text.as_str() == "Lunch and learn")
        .map(|(id, _)| id.clone())
        .unwrap();
    // The peer's removal, arriving as any change does.
    harness.state().command(UiCommand::Edit {
        doc: open_id(&harness),
        ops: vec![Op::RemoveItem {
            collection: Collection::Cards,
            id,
        }],
        base: None,
    });
    wait_for(&mut harness, "the card to go", |vm| {
        on_charter(vm, |c| {
            c.cards
                .values()
                .all(|c| c.text.as_str() != "Lunch and learn")
        })
    });
    shows(&harness, "This card was removed by someone else");
    shows(&harness, "Your text: Lunch and learn weekly");
    click(&mut harness, "Keep my text as a new card");
    wait_for(
        &mut harness,
        "the draft kept as a new card",
        has_card("Lunch and learn weekly"),
    );
    assert!(
        harness
            .query_by_label("This card was removed by someone else")
            .is_none()
    );
}

/// One frame as eframe runs it: the app's raw-input hook first (kittest
/// does not call it), then the frame with every event still queued.
fn frame_as_eframe_runs_it(harness: &mut Harness<'_, GuildApp>) {
    let ctx = harness.ctx.clone();
    let mut input = harness.input().clone();
    eframe::App::raw_input_hook(harness.state_mut(), &ctx, &mut input);
    *harness.input_mut() = input;
    harness.step();
}

#[test]
fn keys_typed_just_before_a_click_into_another_field_stay_in_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Value map");
    // The field clicked is drawn before the one typed into, so without
    // care it would take the focus before the keys are read.
    let first = "New card (Members · long term)";
    let second = "New card (Members · short term)";
    type_into(&mut harness, first, "Mentor");
    // A fast typist on a slow frame: the last keys and the click into the
    // next field reach the window together, as one frame's input.
    let target = text_input(&harness, second).rect().center();
    let events = &mut harness.input_mut().events;
    events.push(egui::Event::Text("s".into()));
    events.push(egui::Event::Text("!".into()));
    events.push(egui::Event::PointerMoved(target));
    events.push(egui::Event::PointerButton {
        pos: target,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    frame_as_eframe_runs_it(&mut harness);
    harness.input_mut().events.push(egui::Event::PointerButton {
        pos: target,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    for _ in 0..3 {
        frame_as_eframe_runs_it(&mut harness);
    }
    assert_eq!(
        text_input(&harness, first).value().as_deref(),
        Some("Mentors!"),
        "the keys typed before the click"
    );
    assert_eq!(
        text_input(&harness, second).value().as_deref(),
        Some(""),
        "nothing typed before the click lands in the field clicked"
    );
    assert!(
        text_input(&harness, second).is_focused(),
        "the click still moves the focus"
    );
}
