//! The history section: restoring asks first and can be undone, and the
//! timeline speaks of what people did, not of Guild's internals.

use egui_kittest::Harness;
use egui_kittest::kittest::{Queryable, by};
use guild_model::{Op, ProseField};

use super::super::commands::UiCommand;
use super::on_charter;
use super::{GuildApp, click, go_to, harness, open_charter, open_id, shows, wait_for};

fn set_purpose(harness: &mut Harness<'_, GuildApp>, text: &str) {
    harness.state().command(UiCommand::Edit {
        doc: open_id(harness),
        ops: vec![Op::SetProse {
            field: ProseField::Purpose,
            text: text.into(),
        }],
        base: None,
    });
    wait_for(harness, text, |vm| {
        on_charter(vm, |c| c.purpose.text.as_str() == text)
    });
}

fn purpose(harness: &Harness<'_, GuildApp>) -> String {
    super::charter(harness).purpose.text.as_str().to_owned()
}

#[test]
fn restore_asks_first_and_ctrl_z_brings_the_live_work_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    set_purpose(&mut harness, "The old purpose.");
    let old = harness.state().view().open.as_ref().unwrap().view.heads[0].to_string();
    set_purpose(&mut harness, "Everyone's live work.");

    go_to(&mut harness, "History");
    wait_for(&mut harness, "the timeline", |vm| {
        vm.history.as_ref().is_some_and(|h| h.rows.len() >= 3)
    });
    click(&mut harness, &format!("View version {}", &old[..8]));
    wait_for(&mut harness, "the old version", |vm| {
        vm.history
            .as_ref()
            .and_then(|h| h.version.as_ref())
            .is_some_and(|v| v.hash == old)
    });

    // The first click only asks; Cancel leaves everything as it was.
    click(&mut harness, "Restore this version");
    shows(
        &harness,
        "Restore this version? Everyone's changes since it are undone for everyone.",
    );
    click(&mut harness, "Cancel");
    std::thread::sleep(std::time::Duration::from_millis(300));
    harness.run_steps(3);
    assert_eq!(purpose(&harness), "Everyone's live work.");
    assert!(harness.query_by_label("Restore").is_none());

    click(&mut harness, "Restore this version");
    click(&mut harness, "Restore");
    wait_for(&mut harness, "the restored purpose", |vm| {
        on_charter(vm, |c| c.purpose.text.as_str() == "The old purpose.")
    });
    shows(
        &harness,
        &format!("Restored version {} — Ctrl+Z undoes it", &old[..8]),
    );

    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    wait_for(&mut harness, "the live work back", |vm| {
        on_charter(vm, |c| c.purpose.text.as_str() == "Everyone's live work.")
    });
}

#[test]
fn the_timeline_reads_undo_of_undo_as_redo_and_hides_internal_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    set_purpose(&mut harness, "A draft.");
    // Undo, redo, undo: three nested "Undo: " prefixes in the document.
    for (keys, after) in [
        (egui::Modifiers::COMMAND, ""),
        (
            egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
            "A draft.",
        ),
        (egui::Modifiers::COMMAND, ""),
    ] {
        harness.key_press_modifiers(keys, egui::Key::Z);
        wait_for(&mut harness, after, |vm| {
            on_charter(vm, |c| c.purpose.text.as_str() == after)
        });
    }
    go_to(&mut harness, "History");
    wait_for(&mut harness, "the timeline", |vm| {
        vm.history.as_ref().is_some_and(|h| h.rows.len() >= 5)
    });
    shows(&harness, "Redo: Edit purpose");
    assert_eq!(harness.query_all_by_label("Undo: Edit purpose").count(), 2);
    for hidden in ["Undo: Undo:", "schema_version", "forked_from", "milestones"] {
        let found = harness.query_all(by().label_contains(hidden)).next();
        assert!(found.is_none(), "the timeline shows {hidden:?}");
    }
    // The first entry still names the sections people know.
    assert!(harness.query_all(by().label_contains("purpose")).count() > 0);
}

#[test]
fn an_old_version_reads_in_full_every_section_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    set_purpose(&mut harness, "The old purpose.");
    harness.state().command(UiCommand::Edit {
        doc: open_id(&harness),
        ops: vec![Op::AddObjective {
            id: guild_model::new_id(),
            title: "Run a data clinic".into(),
            position: guild_model::Position::End,
        }],
        base: None,
    });
    wait_for(&mut harness, "the objective", |vm| {
        on_charter(vm, |c| !c.objectives.is_empty())
    });
    let old = harness.state().view().open.as_ref().unwrap().view.heads[0].to_string();
    set_purpose(&mut harness, "Everyone's live work.");

    go_to(&mut harness, "History");
    wait_for(&mut harness, "the timeline", |vm| {
        vm.history.as_ref().is_some_and(|h| h.rows.len() >= 3)
    });
    click(&mut harness, &format!("View version {}", &old[..8]));
    wait_for(&mut harness, "the old version", |vm| {
        vm.history
            .as_ref()
            .and_then(|h| h.version.as_ref())
            .is_some_and(|v| v.hash == old)
    });
    click(&mut harness, "Read this version in full");
    shows(
        &harness,
        &format!("Version {}, as it was — read-only", &old[..8]),
    );
    // Every section, drawn as it was: the old purpose, the objective, the
    // value map's cells.
    for heading in [
        "Purpose",
        "Vision",
        "Objectives",
        "Appreciative inquiry",
        "Value map",
        "Value stories",
        "Bridges",
        "Members",
        "LONG TERM",
        "Core group (1)",
    ] {
        assert!(
            harness.query_all(by().label(heading)).next().is_some(),
            "the old version has no {heading:?} section"
        );
    }
    let purpose_then = harness
        .query_all(
            by().label("Purpose")
                .role(egui::accesskit::Role::MultilineTextInput),
        )
        .filter_map(|n| n.value())
        .collect::<Vec<_>>();
    assert_eq!(purpose_then, ["The old purpose."], "the purpose as it was");
    shows(&harness, "Run a data clinic");
    // Read-only: nothing offers to add or edit.
    for action in ["Add objective", "I set this purpose", "Add member"] {
        assert!(
            harness.query_by_label(action).is_none(),
            "the old version offers {action:?}"
        );
    }
    click(&mut harness, "Back to the history");
    shows(&harness, "Restore this version");
    assert_eq!(
        purpose(&harness),
        "Everyone's live work.",
        "nothing changed"
    );
}
