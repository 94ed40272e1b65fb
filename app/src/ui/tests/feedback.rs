//! Feedback the window owes: a refused self-bridge, a damaged ticket in
//! words a person can act on, why Create is disabled, an emptied title.

use std::time::Duration;

use egui_kittest::kittest::Queryable;

use super::super::dialogs::DAMAGED;
use super::on_charter;
use super::{
    GuildApp, charter, click, go_to, harness, open_charter, shows, text_input, type_into, wait_for,
};

fn add_units(harness: &mut egui_kittest::Harness<'_, GuildApp>, names: &[&str]) {
    for name in names {
        type_into(harness, "New unit", name);
        click(harness, "Add unit");
        wait_for(harness, name, |vm| {
            on_charter(vm, |c| c.units.values().any(|u| u.name.as_str() == *name))
        });
    }
}

#[test]
fn a_bridge_from_a_unit_to_itself_is_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Bridges");
    add_units(&mut harness, &["Sales", "Lisbon office"]);
    for end in ["From", "To"] {
        click(&mut harness, end);
        harness.get_all_by_label("Sales").last().unwrap().click();
        harness.run_steps(2);
    }
    type_into(&mut harness, "What flows across", "Forecasting tips");
    click(&mut harness, "Add bridge");
    std::thread::sleep(Duration::from_millis(300));
    harness.run_steps(3);
    assert!(charter(&harness).bridges.is_empty());
    assert!(
        harness
            .query_by_label_contains("A bridge joins two different units")
            .is_some(),
        "a bridge from a unit to itself was refused without a word"
    );
    // What they typed is kept for when they pick the other unit.
    assert_eq!(
        text_input(&harness, "What flows across").value().as_deref(),
        Some("Forecasting tips")
    );
}

#[test]
fn a_damaged_ticket_says_copy_it_again_and_the_error_goes_once_the_text_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    wait_for(&mut harness, "the library", |vm| {
        vm.phase == super::super::view_model::Phase::Ready
    });
    click(&mut harness, "Join with a ticket…");
    type_into(&mut harness, "Ticket", "guildx1z");
    click(&mut harness, "Join");
    std::thread::sleep(Duration::from_millis(300));
    harness.run_steps(3);
    shows(&harness, DAMAGED);
    assert!(
        harness.query_by_label_contains("invalid").is_none(),
        "the parser's own words are shown"
    );
    type_into(&mut harness, "Ticket", "q");
    assert!(
        harness.query_by_label(DAMAGED).is_none(),
        "the error stays after the ticket was changed"
    );
}

#[test]
fn a_disabled_create_button_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    wait_for(&mut harness, "the library", |vm| {
        vm.phase == super::super::view_model::Phase::Ready
    });
    click(&mut harness, "New charter…");
    shows(&harness, "Type the community's name to create it");
    type_into(&mut harness, "Community name", "Data CoP");
    assert!(
        harness
            .query_by_label("Type the community's name to create it")
            .is_none()
    );
}

#[test]
fn an_empty_title_is_not_saved_from_the_overview() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Overview");
    text_input(&harness, "Title").focus();
    harness.run_steps(2);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.key_press(egui::Key::Backspace);
    harness.run_steps(2);
    assert_eq!(text_input(&harness, "Title").value().as_deref(), Some(""));
    shows(
        &harness,
        "A charter needs a title: the old one stays until you type a new one.",
    );
    // Past the pause that would send it, and after leaving the field.
    std::thread::sleep(Duration::from_millis(600));
    harness.run_steps(3);
    harness.key_press(egui::Key::Escape);
    click(&mut harness, "Go to Purpose");
    std::thread::sleep(Duration::from_millis(300));
    harness.run_steps(3);
    assert_eq!(charter(&harness).meta.title.as_str(), "Data CoP");
    go_to(&mut harness, "Overview");
    assert_eq!(
        text_input(&harness, "Title").value().as_deref(),
        Some("Data CoP")
    );
}
