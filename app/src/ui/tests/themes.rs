//! Clustering inquiry notes into themes, through each note's Theme menu
//! (the keyboard's and screen reader's way; the mouse may drag instead).

use guild_model::{Op, Phase, Position, Role, Tag};

use super::{
    UiCommand, click, go_to, harness, on_charter, open_charter, open_id, shows, type_into, wait_for,
};

#[test]
fn a_note_is_grouped_under_a_theme_and_a_removed_theme_leaves_it_ungrouped() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    harness.state().command(UiCommand::Edit {
        doc: open_id(&harness),
        ops: vec![Op::AddNote {
            id: "n1".into(),
            phase: Phase::Dream,
            tag: Tag::Opportunity,
            text: "Mentoring pairs".into(),
            author: "Ana".into(),
            position: Position::End,
        }],
        base: None,
    });
    wait_for(&mut harness, "the note", |vm| {
        on_charter(vm, |c| c.inquiry.notes.contains_key("n1"))
    });
    go_to(&mut harness, "Appreciative inquiry");
    type_into(&mut harness, "New theme", "People");
    click(&mut harness, "Add theme");
    wait_for(&mut harness, "the theme", |vm| {
        on_charter(vm, |c| c.workshop.themes.len() == 1)
    });
    shows(&harness, "People (0)");
    click(&mut harness, "Theme");
    click(&mut harness, "People");
    wait_for(&mut harness, "the note grouped", |vm| {
        on_charter(vm, |c| c.inquiry.notes["n1"].theme.is_some())
    });
    shows(&harness, "People (1)");

    // A vision contribution joins the same theme.
    harness.state().command(UiCommand::Edit {
        doc: open_id(&harness),
        ops: vec![Op::AddContribution {
            id: "c1".into(),
            text: "Peers across offices".into(),
            author: "Ana".into(),
            role: Role::Member,
            position: Position::End,
        }],
        base: None,
    });
    wait_for(&mut harness, "the contribution", |vm| {
        on_charter(vm, |c| c.vision.contributions.contains_key("c1"))
    });
    go_to(&mut harness, "Vision");
    click(&mut harness, "Theme");
    click(&mut harness, "People");
    wait_for(&mut harness, "the contribution grouped", |vm| {
        on_charter(vm, |c| c.vision.contributions["c1"].theme.is_some())
    });
    shows(&harness, "People (2)");
    click(&mut harness, "Remove theme People");
    wait_for(&mut harness, "the theme gone", |vm| {
        on_charter(vm, |c| {
            c.workshop.themes.is_empty() && c.inquiry.notes["n1"].theme.is_none()
        })
    });
    shows(&harness, "Peers across offices");
}
