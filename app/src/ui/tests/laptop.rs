//! Laptop-sized windows: the value map's long-term column stays on screen
//! (also with a card open for editing), and a half-screen window's top bar
//! does not cover the sync state.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use guild_model::{Cell, Op, ProseField};

use super::super::commands::UiCommand;
use super::on_charter;
use super::open_id;
use super::{GuildApp, charter, click, go_to, harness, open_charter, wait_for};

/// Asserts the node labelled `label` lies within a window `width` wide.
fn within(harness: &Harness<'_, GuildApp>, label: &str, width: f32) {
    let rect = harness.get_by_label(label).rect();
    assert!(
        rect.min.x >= 0.0 && rect.max.x <= width,
        "{label:?} at {rect:?} runs off a window {width} wide"
    );
}

fn long_term_column_fits(width: f32, height: f32) {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    harness.set_size(egui::vec2(width, height));
    open_charter(&mut harness);
    go_to(&mut harness, "Value map");
    for cell in ["Organisation · long term", "Members · long term"] {
        within(&harness, &format!("Add card to {cell}"), width);
        within(&harness, &format!("New card ({cell})"), width);
    }
    let card = charter(&harness)
        .cards_in(Cell::OrganisationLongTerm)
        .map(|(_, c)| c.text.as_str().to_owned())
        .next()
        .expect("the template has long-term cards");
    click(&mut harness, &format!("Edit card {card}"));
    within(&harness, &format!("Save card {card}"), width);
    within(&harness, "Add card to Organisation · long term", width);
}

#[test]
fn the_value_maps_long_term_column_fits_1366_by_768() {
    long_term_column_fits(1366.0, 768.0);
}

#[test]
fn the_value_maps_long_term_column_fits_1280_by_720() {
    long_term_column_fits(1280.0, 720.0);
}

#[test]
fn at_half_a_laptop_screen_the_top_bar_buttons_leave_the_sync_state_visible() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    harness.set_size(egui::vec2(683.0, 740.0));
    open_charter(&mut harness);
    // A real community's name is longer than the test's "Data CoP".
    let title = "Data Community of Practice, Lisbon";
    let doc = open_id(&harness);
    harness.state().command(UiCommand::Edit {
        doc,
        ops: vec![Op::SetProse {
            field: ProseField::Title,
            text: title.into(),
        }],
        base: None,
    });
    wait_for(&mut harness, "the long title", |vm| {
        on_charter(vm, |c| c.meta.title.as_str() == title)
    });
    harness.run_steps(3);
    let sync = ["only on this device", "offline"]
        .into_iter()
        .find_map(|text| harness.query_by_label(text))
        .expect("the sync state is shown")
        .rect();
    for button in ["Share…", "Export…", "Host a workshop", "◀ Library"] {
        let rect = harness.get_by_label(button).rect();
        assert!(
            !rect.intersects(sync),
            "{button:?} at {rect:?} covers the sync state at {sync:?}"
        );
    }
}

#[test]
fn the_window_may_be_made_as_small_as_half_a_laptop_screen_and_no_smaller() {
    let min = super::super::native_options()
        .viewport
        .min_inner_size
        .expect("a minimum window size");
    assert!(
        min.x <= 683.0 && min.y <= 384.0,
        "too large a minimum: {min:?}"
    );
    assert!(
        min.x >= 600.0 && min.y >= 360.0,
        "too small a minimum: {min:?}"
    );
}
