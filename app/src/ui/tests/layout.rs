//! Layout that stays put under the cursor: adding an item does not move
//! the form that added it.

use egui_kittest::kittest::Queryable;
use guild_model::{Op, Phase, Position, Tag, UnitKind, new_id};

use super::super::commands::UiCommand;
use super::{click, go_to, harness, on_charter, open_charter, open_id, wait_for};

#[test]
fn an_inquiry_columns_add_form_stays_where_it_is_as_notes_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Appreciative inquiry");
    let before = harness.get_by_label("Add note to Discover").rect();
    let doc = open_id(&harness);
    for n in 0..3 {
        harness.state().command(UiCommand::Edit {
            doc: doc.clone(),
            ops: vec![Op::AddNote {
                id: new_id(),
                phase: Phase::Discover,
                tag: Tag::Need,
                text: format!("What worked best, story {n}"),
                author: String::new(),
                position: Position::End,
            }],
            base: None,
        });
    }
    wait_for(&mut harness, "three notes", |vm| {
        on_charter(vm, |c| c.notes_in(Phase::Discover).count() == 3)
    });
    harness.run_steps(4);
    let after = harness.get_by_label("Add note to Discover").rect();
    assert_eq!(
        before.min, after.min,
        "the add button moved from {before:?} to {after:?} as notes arrived"
    );
}

#[test]
fn the_librarys_open_button_stands_before_the_changing_sync_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    click(&mut harness, "◀ Library");
    wait_for(&mut harness, "the library", |vm| {
        vm.open.is_none() && !vm.library.is_empty()
    });
    harness.run_steps(2);
    let open = harness.get_by_label("Open").rect();
    let sync = harness.get_by_label("Sync").rect();
    assert!(
        open.max.x < sync.min.x,
        "the Open button {open:?} stands after the sync state {sync:?}, which moves it as its text changes"
    );
}

#[test]
fn the_bridges_forms_stay_put_when_the_first_unit_appears() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Bridges");
    let before = harness.get_by_label("Add unit").rect();
    add_units(&mut harness, &["Sales"]);
    let after = harness.get_by_label("Add unit").rect();
    assert_eq!(
        before.min, after.min,
        "the unit form moved from {before:?} to {after:?} when the map appeared"
    );
}

#[test]
fn the_bridge_map_shows_each_bridges_note() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Bridges");
    let ids = add_units(&mut harness, &["Sales", "Support"]);
    harness.state().command(UiCommand::Edit {
        doc: open_id(&harness),
        ops: vec![Op::AddBridge {
            id: new_id(),
            from: ids[0].clone(),
            to: ids[1].clone(),
            note: "weekly pairing on customer calls".into(),
        }],
        base: None,
    });
    wait_for(&mut harness, "the bridge", |vm| {
        on_charter(vm, |c| c.bridges.len() == 1)
    });
    harness.run_steps(2);
    let note =
        harness.get_by_label("On the map: Sales ↔ Support: weekly pairing on customer calls");
    assert!(note.rect().width() > 0.0);
}

/// Adds units named `names` as one edit and waits until they are shown.
fn add_units(
    harness: &mut egui_kittest::Harness<'_, super::GuildApp>,
    names: &[&str],
) -> Vec<String> {
    let ids: Vec<String> = names.iter().map(|_| new_id()).collect();
    harness.state().command(UiCommand::Edit {
        doc: open_id(harness),
        ops: ids
            .iter()
            .zip(names)
            .map(|(id, name)| Op::AddUnit {
                id: id.clone(),
                name: (*name).into(),
                kind: UnitKind::Team,
                position: Position::End,
            })
            .collect(),
        base: None,
    });
    let count = names.len();
    wait_for(harness, "the units", move |vm| {
        on_charter(vm, |c| c.units.len() == count)
    });
    harness.run_steps(4);
    ids
}
