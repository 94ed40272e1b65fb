//! Words and their order: labels before their dropdowns, the canvas's
//! pairs side by side, and "Endorse as sponsor" only for the sponsor.

use egui::accesskit::Role;
use egui_kittest::kittest::{Queryable, by};
use guild_model::{Op, Position, ProseField, new_id};

use super::super::commands::UiCommand;
use super::on_charter;
use super::open_id;
use super::{GuildApp, go_to, harness, open_charter, text_input, wait_for};

#[test]
fn a_dropdowns_label_comes_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Vision");
    let combo = harness.get_by_label("Contributing as").rect();
    let label = harness
        .query_all(
            by().label("Contributing as")
                .include_labels()
                .role(Role::Label),
        )
        .next()
        .expect("the dropdown's label")
        .rect();
    assert!(
        label.max.x <= combo.min.x,
        "the label {label:?} is not before its dropdown {combo:?}"
    );
}

#[test]
fn the_canvas_puts_pain_relievers_beside_pains_and_gain_creators_beside_gains() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Value proposition");
    for (need, answer) in [
        (ProseField::Pains, ProseField::PainRelievers),
        (ProseField::Gains, ProseField::GainCreators),
    ] {
        let need = text_input(&harness, need.label()).rect();
        let answer = text_input(&harness, answer.label()).rect();
        assert!(
            (need.center().y - answer.center().y).abs() < 1.0 && answer.min.x > need.max.x,
            "{answer:?} is not beside {need:?}"
        );
    }
}

fn add_sponsor(harness: &mut egui_kittest::Harness<'_, GuildApp>, name: &str) {
    let doc = open_id(harness);
    harness.state().command(UiCommand::Edit {
        doc,
        ops: vec![Op::AddMember {
            id: new_id(),
            name: name.into(),
            role: guild_model::Role::Sponsor,
            unit: None,
            position: Position::End,
        }],
        base: None,
    });
    wait_for(harness, "the sponsor", |vm| {
        on_charter(vm, |c| {
            c.members
                .values()
                .any(|m| m.name == name && m.role == guild_model::Role::Sponsor)
        })
    });
}

#[test]
fn only_the_sponsor_is_offered_endorse_as_sponsor() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Purpose");
    // No sponsor named yet: anyone may endorse, in neutral words.
    assert!(harness.query_by_label("Endorse as sponsor").is_none());
    assert!(harness.query_by_label("Endorse the purpose").is_some());

    add_sponsor(&mut harness, "Ben");
    assert!(harness.query_by_label("Endorse as sponsor").is_none());
    assert!(harness.query_by_label("Endorse the purpose").is_none());

    // The harness's person is Ana.
    add_sponsor(&mut harness, "Ana");
    assert!(harness.query_by_label("Endorse as sponsor").is_some());
}

#[test]
fn who_set_and_who_endorsed_the_purpose_read_as_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Purpose");
    assert!(
        harness
            .query_by_label("Nobody has signed it yet.")
            .is_none()
    );
    assert!(
        harness
            .query_by_label("Nobody has said they set it yet, and nobody has endorsed it.")
            .is_some()
    );
    harness.get_by_label("I set this purpose").click();
    wait_for(&mut harness, "who set it", |vm| {
        on_charter(vm, |c| c.purpose.set_by.as_deref() == Some("Ana"))
    });
    assert!(
        harness
            .query_by_label("Set by Ana; nobody has endorsed it yet.")
            .is_some()
    );
}
