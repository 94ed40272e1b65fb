//! Small things a new user meets first: the welcome screen's focus, Enter
//! in the New-charter dialog, dialogs that dim what is behind them, and a
//! window that reopens where it was after being killed.

use egui_kittest::kittest::Queryable;

use super::super::section::Section;
use super::{click, go_to, harness, open_charter, text_input, wait_for};

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

#[test]
fn a_window_killed_without_closing_reopens_on_the_charter_and_section_it_was_on() {
    let dir = tempfile::tempdir().unwrap();
    let doc = {
        let mut harness = harness(dir.path(), true);
        open_charter(&mut harness);
        go_to(&mut harness, "Value map");
        // Written while the window runs, not at exit: a SIGTERM gives
        // eframe no chance to save, and the window would reopen on the
        // library.
        let path = dir.path().join("window.json");
        let start = std::time::Instant::now();
        let doc = super::open_id(&harness);
        loop {
            let place = std::fs::read_to_string(&path).unwrap_or_default();
            if place.contains(&doc) && place.contains("value_map") {
                break;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "window.json says {place:?}"
            );
            harness.run_steps(1);
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        doc
    };
    let mut again = harness(dir.path(), true);
    wait_for(&mut again, "the charter reopened", |vm| {
        vm.open.as_ref().is_some_and(|o| o.view.id == doc)
    });
    again.run_steps(3);
    // The value map's own columns, not the overview's.
    assert!(
        again.query_by_label("LONG TERM").is_some(),
        "reopened on another section than {:?}",
        Section::ValueMap
    );
}
