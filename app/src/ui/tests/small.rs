//! Small things a new user meets first: the welcome screen's focus, Enter
//! in the New-charter dialog, and dialogs that dim what is behind them.

use egui_kittest::kittest::Queryable;

use super::{click, harness, text_input, wait_for};

#[test]
fn the_welcome_screen_is_ready_for_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), false);
    wait_for(&mut harness, "the first-run dialog", |vm| {
        vm.phase == super::super::view_model::Phase::Ready
    });
    harness.run_steps(3);
    assert!(
        text_input(&harness, "Your name").is_focused(),
        "the name field on the welcome screen is not focused"
    );
}

#[test]
fn enter_creates_the_charter_in_the_new_charter_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    wait_for(&mut harness, "the library", |vm| {
        vm.phase == super::super::view_model::Phase::Ready
    });
    click(&mut harness, "New charter…");
    text_input(&harness, "Community name").type_text("Data CoP");
    harness.run_steps(2);
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    wait_for(&mut harness, "the new charter", |vm| vm.open.is_some());
}

#[test]
fn a_dialog_dims_the_window_behind_it_and_takes_its_clicks() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    super::open_charter(&mut harness);
    click(&mut harness, "Share…");
    assert!(harness.query_by_label("Dimmed behind the dialog").is_some());
    // "Export…" in the top bar is behind the dim: clicking it does nothing.
    click(&mut harness, "Export…");
    assert!(harness.query_by_label("Make an invite").is_some());
    assert!(harness.query_by_label("Save as HTML one-pager…").is_none());
}
