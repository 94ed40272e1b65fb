//! Appreciative inquiry: the affirmative topic and the 4-D cycle as four
//! columns of notes tagged need, challenge or opportunity.

use egui::{Color32, RichText};
use guild_model::{Collection, Op, Phase, Position, ProseField, Tag, new_id};

use super::{SectionCtx, add_row, button, choose, inline_text};
use crate::ui::commands::UiCommand;
use crate::ui::worker::drafts_in_phase;

fn tag_color(tag: Tag) -> Color32 {
    match tag {
        Tag::Need => Color32::from_rgb(70, 120, 200),
        Tag::Challenge => Color32::from_rgb(200, 90, 60),
        Tag::Opportunity => Color32::from_rgb(60, 150, 90),
    }
}

pub(crate) fn show(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    let (open, send) = (ctx.open, ctx.send);
    ctx.state.prose.show(
        ui,
        open,
        ProseField::AffirmativeTopic,
        2,
        "The affirmative topic…",
        send,
    );
    ui.add_space(8.0);
    let read_only = ctx.read_only();
    let charter = &open.view.charter;
    let silent = charter.workshop.is_silent() && !read_only;
    if silent {
        silent_banner(ui, ctx);
    }
    super::themes::strip(ui, ctx, read_only);
    ui.columns(4, |columns| {
        for (phase, ui) in Phase::ALL.iter().zip(columns.iter_mut()) {
            ui.label(RichText::new(phase.label()).strong().size(16.0));
            ui.label(
                RichText::new(match phase {
                    Phase::Discover => "the best of what is",
                    Phase::Dream => "what could be",
                    Phase::Design => "provocative propositions",
                    Phase::Deliver => "actions",
                })
                .weak(),
            );
            // The add form comes first: below the notes it would move down
            // with every note added, away from the cursor that added it.
            if !read_only {
                add_note(ui, ctx, *phase, silent);
            }
            for draft in drafts_in_phase(ctx.drafts, *phase) {
                ui.group(|ui| {
                    ui.label(
                        RichText::new("Only you see this until the reveal")
                            .small()
                            .weak(),
                    );
                    ui.label(RichText::new(&draft.text).italics());
                });
            }
            for (id, note) in charter.notes_in(*phase) {
                ui.group(|ui| {
                    show_note(ui, ctx, id, note, read_only);
                });
            }
        }
    });
}

/// One note: its tag, text, and (to editors) tag, phase and remove.
fn show_note(
    ui: &mut egui::Ui,
    ctx: &mut SectionCtx<'_>,
    id: &str,
    note: &guild_model::Note,
    read_only: bool,
) {
    ui.horizontal(|ui| {
        if !read_only {
            super::themes::handle(ui, ctx, Collection::Notes, id);
        }
        ui.label(
            RichText::new(note.tag.label())
                .small()
                .color(tag_color(note.tag)),
        );
    });
    if let Some(text) = inline_text(
        ui,
        ctx.state,
        &format!("note.{id}"),
        note.text.as_str(),
        "note",
        read_only,
    ) {
        ctx.edit(vec![Op::EditNote {
            id: id.to_owned(),
            text,
        }]);
    }
    super::themes::item_theme(
        ui,
        ctx,
        Collection::Notes,
        id,
        note.theme.as_ref(),
        read_only,
    );
    if !read_only {
        ui.horizontal(|ui| {
            if let Some(tag) = choose(
                ui,
                &format!("tag-{id}"),
                "",
                note.tag,
                Tag::ALL,
                Tag::label,
                true,
            ) {
                ctx.edit(vec![Op::SetNoteTag {
                    id: id.to_owned(),
                    tag,
                }]);
            }
            if let Some(to) = choose(
                ui,
                &format!("phase-{id}"),
                "",
                note.phase,
                Phase::ALL,
                Phase::label,
                true,
            ) {
                ctx.edit(vec![Op::MoveNote {
                    id: id.to_owned(),
                    phase: to,
                    position: Position::End,
                }]);
            }
            if button(ui, "🗑", &format!("Remove note {}", note.text.as_str())).clicked() {
                ctx.edit(vec![Op::RemoveItem {
                    collection: Collection::Notes,
                    id: id.to_owned(),
                }]);
            }
        });
    }
}

/// What a participant sees while the room writes silently.
fn silent_banner(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(
                "Silent brainstorm: your notes stay on this device until the facilitator reveals them.",
            )
            .strong()
            .color(Color32::from_rgb(150, 100, 20)),
        );
        if !ctx.drafts.is_empty()
            && button(ui, "Share my notes now", "Share my notes now").clicked()
        {
            (ctx.send)(UiCommand::ShareDrafts {
                doc: ctx.open.view.id.clone(),
            });
        }
    });
    ui.add_space(6.0);
}

/// The row to add a note to `phase`, with the tag chosen beside it; during
/// a silent brainstorm the note is kept on this device instead.
fn add_note(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>, phase: Phase, silent: bool) {
    let tag_key = format!("note.new.{}.tag", phase.as_str());
    let tag = ctx
        .state
        .drafts
        .get(&tag_key)
        .and_then(|t| t.parse().ok())
        .unwrap_or(Tag::Need);
    if let Some(tag) = choose(ui, &tag_key, "Tag", tag, Tag::ALL, Tag::label, true) {
        ctx.state
            .drafts
            .insert(tag_key.clone(), tag.as_str().into());
    }
    let key = format!("note.new.{}", phase.as_str());
    if let Some(text) = add_row(
        ui,
        ctx.state,
        &key,
        // Four columns, four inputs: each named for its phase, so a screen
        // reader (and a test) can tell them apart.
        &format!("{} note", phase.label()),
        &format!("Add note to {}", phase.label()),
    ) {
        if silent {
            (ctx.send)(UiCommand::DraftNote {
                doc: ctx.open.view.id.clone(),
                phase,
                tag,
                text,
            });
            return;
        }
        let author = ctx.me.clone();
        ctx.edit(vec![Op::AddNote {
            id: new_id(),
            phase,
            tag,
            text,
            author,
            position: Position::End,
        }]);
    }
}
