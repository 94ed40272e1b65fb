//! A long prose text is drawn paragraph by paragraph, only what is on
//! screen, and still edits as one text: typing, Enter, Backspace at a
//! paragraph's start, the arrows across paragraphs, and a peer's edit above
//! the caret.

use egui::Key;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{Queryable, by};
use guild_model::{Op, ProseField};

use super::super::commands::UiCommand;
use super::{GuildApp, go_to, harness, on_charter, open_charter, open_id, wait_for};

const PARAGRAPHS: usize = 600;

fn long_purpose() -> String {
    (1..=PARAGRAPHS)
        .map(|i| format!("Paragraph {i} tells how the community of practice learns together."))
        .collect::<Vec<_>>()
        .join("\n")
}

fn purpose_lines(harness: &Harness<'_, GuildApp>) -> Vec<String> {
    super::charter(harness)
        .purpose
        .text
        .as_str()
        .split('\n')
        .map(str::to_owned)
        .collect()
}

fn paragraph_label(number: usize, of: usize) -> String {
    format!("Purpose, paragraph {number} of {of}")
}

/// A window on a charter whose purpose is [`long_purpose`], at the Purpose
/// section.
fn with_long_purpose(dir: &std::path::Path) -> Harness<'static, GuildApp> {
    let mut harness = harness(dir, true);
    open_charter(&mut harness);
    let text = long_purpose();
    harness.state().command(UiCommand::Edit {
        doc: open_id(&harness),
        ops: vec![Op::SetProse {
            field: ProseField::Purpose,
            text: text.clone(),
        }],
        base: None,
    });
    wait_for(&mut harness, "the long purpose", |vm| {
        on_charter(vm, |c| c.purpose.text.as_str() == text)
    });
    go_to(&mut harness, "Purpose");
    harness
}

fn focus_paragraph(harness: &mut Harness<'_, GuildApp>, number: usize, of: usize) {
    let label = paragraph_label(number, of);
    super::focus(harness, &label);
    assert!(
        harness
            .get_by_role_and_label(Role::MultilineTextInput, &label)
            .is_focused(),
        "{label} never took the focus"
    );
}

fn type_text(harness: &mut Harness<'_, GuildApp>, text: &str) {
    harness.event(egui::Event::Text(text.to_owned()));
    harness.run_steps(2);
}

fn press(harness: &mut Harness<'_, GuildApp>, key: Key) {
    harness.key_press(key);
    harness.run_steps(2);
}

#[test]
fn a_long_purpose_is_drawn_only_where_it_shows_and_edits_as_one_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = with_long_purpose(dir.path());
    let drawn = harness
        .query_all(
            by().role(Role::MultilineTextInput)
                .label_contains("Purpose, paragraph"),
        )
        .count();
    assert!(
        drawn > 3 && drawn < PARAGRAPHS / 4,
        "{drawn} of {PARAGRAPHS} paragraphs drawn"
    );

    // The caret lands at the end of a paragraph focused this way.
    focus_paragraph(&mut harness, 3, PARAGRAPHS);
    type_text(&mut harness, " Hello");
    press(&mut harness, Key::Enter);
    type_text(&mut harness, "World");
    wait_for(&mut harness, "the split paragraph", |vm| {
        on_charter(vm, |c| {
            let lines: Vec<&str> = c.purpose.text.as_str().split('\n').collect();
            lines.len() == PARAGRAPHS + 1
                && lines[2].ends_with("together. Hello")
                && lines[3] == "World"
        })
    });

    // Backspace past the paragraph's start joins it to the one before.
    // The five letters, then the line break.
    for _ in 0..="World".len() {
        press(&mut harness, Key::Backspace);
    }
    type_text(&mut harness, "!");
    wait_for(&mut harness, "the joined paragraph", |vm| {
        on_charter(vm, |c| {
            let lines: Vec<&str> = c.purpose.text.as_str().split('\n').collect();
            lines.len() == PARAGRAPHS && lines[2].ends_with("together. Hello!")
        })
    });

    // Down from a paragraph's last row goes on into the next one; Right at
    // a paragraph's end into the start of the next.
    press(&mut harness, Key::ArrowDown);
    type_text(&mut harness, "^");
    press(&mut harness, Key::End);
    press(&mut harness, Key::ArrowRight);
    type_text(&mut harness, "<");
    wait_for(&mut harness, "the keys typed after crossing", |vm| {
        on_charter(vm, |c| {
            let lines: Vec<&str> = c.purpose.text.as_str().split('\n').collect();
            lines[3].contains('^') && lines[4].starts_with('<')
        })
    });
    let lines = purpose_lines(&harness);
    assert_eq!(lines.len(), PARAGRAPHS);
    assert_eq!(
        lines[4],
        "<Paragraph 5 tells how the community of practice learns together."
    );
}

#[test]
fn a_peer_s_new_paragraph_above_the_caret_leaves_the_caret_on_its_character() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = with_long_purpose(dir.path());
    focus_paragraph(&mut harness, 5, PARAGRAPHS);
    type_text(&mut harness, " A");
    wait_for(&mut harness, "the first keystrokes", |vm| {
        on_charter(vm, |c| c.purpose.text.as_str().contains("together. A\n"))
    });
    harness.state().command(UiCommand::Edit {
        doc: open_id(&harness),
        ops: vec![Op::SpliceProse {
            field: ProseField::Purpose,
            pos: 0,
            delete: 0,
            insert: "A line from a peer\n".into(),
        }],
        base: None,
    });
    wait_for(&mut harness, "the peer's line", |vm| {
        on_charter(vm, |c| {
            c.purpose.text.as_str().starts_with("A line from a peer\n")
        })
    });
    type_text(&mut harness, "B");
    wait_for(&mut harness, "the next keystroke", |vm| {
        on_charter(vm, |c| c.purpose.text.as_str().contains("together. AB\n"))
    });
    let lines = purpose_lines(&harness);
    assert_eq!(lines.len(), PARAGRAPHS + 1);
    assert_eq!(
        lines[5],
        "Paragraph 5 tells how the community of practice learns together. AB"
    );
    assert!(
        harness
            .get_by_role_and_label(
                Role::MultilineTextInput,
                &paragraph_label(6, PARAGRAPHS + 1)
            )
            .is_focused()
    );
}
