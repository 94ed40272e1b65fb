//! The overview: title, purpose and vision first, readable without
//! scrolling; then the charter-template fields.

use egui::RichText;
use guild_model::{Membership, Op, ProseField};

use super::super::section::Section;
use super::{SectionCtx, choose};

pub(crate) fn show(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    let charter = &ctx.open.view.charter;
    let title = charter.meta.title.as_str();
    ui.label(
        RichText::new(if title.is_empty() {
            "Untitled charter"
        } else {
            title
        })
        .size(26.0)
        .strong(),
    );
    ui.add_space(8.0);
    why_and_vision(ui, ctx);
    ui.horizontal_wrapped(|ui| {
        let c = charter;
        for (n, what) in [
            (c.objectives.len(), "objectives"),
            (c.cards.len(), "value cards"),
            (c.stories.len(), "stories"),
            (c.units.len(), "units"),
            (c.bridges.len(), "bridges"),
            (c.members.len(), "members"),
        ] {
            ui.label(RichText::new(format!("{n} {what}")).weak());
            ui.add_space(8.0);
        }
    });
    ui.add_space(12.0);
    ui.separator();
    ui.label(RichText::new("Charter details").strong().size(16.0));
    let send = ctx.send;
    let open = ctx.open;
    for (field, rows, hint) in [
        (ProseField::Title, 1, "The community's name"),
        (ProseField::Audience, 1, "Who the community is for"),
        (ProseField::ScopeIn, 2, "What is in scope"),
        (ProseField::ScopeOut, 2, "What is out of scope"),
        (ProseField::Cadence, 1, "How often and how you meet"),
        (ProseField::Tools, 1, "The tools you use"),
        (ProseField::Norms, 2, "How members treat each other"),
        (ProseField::DecisionRule, 1, "How decisions are made"),
    ] {
        ctx.state.prose.show(ui, open, field, rows, hint, send);
        ui.add_space(4.0);
    }
    let read_only = ctx.read_only();
    ui.horizontal(|ui| {
        if let Some(m) = choose(
            ui,
            "membership",
            "Membership",
            charter.meta.membership,
            Membership::ALL,
            Membership::label,
            !read_only,
        ) {
            ctx.edit(vec![Op::SetMembership(m)]);
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("Review date");
        let draft = ctx
            .state
            .drafts
            .entry("review_date".into())
            .or_insert_with(|| charter.meta.review_date.clone());
        let input = ui
            .add_enabled(
                !read_only,
                egui::TextEdit::singleline(draft)
                    .hint_text("YYYY-MM-DD")
                    .desired_width(120.0),
            )
            .labelled_by(label.id);
        if input.lost_focus() && *draft != charter.meta.review_date {
            let date = draft.clone();
            ctx.edit(vec![Op::SetReviewDate(date)]);
        }
    });
}

/// The purpose and the vision, each whole or, when long, its opening and a
/// link to its section.
fn why_and_vision(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    let charter = &ctx.open.view.charter;
    let mut go_to = None;
    for (heading, text, empty, section) in [
        (
            "Why we exist",
            charter.purpose.text.as_str(),
            "The sponsor has not written the purpose yet.",
            Section::Purpose,
        ),
        (
            "Our vision",
            charter.vision.statement.as_str(),
            "The vision is still to be co-created.",
            Section::Vision,
        ),
    ] {
        ui.label(RichText::new(heading).strong().size(16.0));
        if text.trim().is_empty() {
            ui.label(RichText::new(empty).italics().weak());
        } else if let Some(opening) = opening(text) {
            // A text of many pages would bury the rest of the overview
            // (and cost its layout in every frame): its opening, and the
            // way to the whole of it.
            ui.label(RichText::new(format!("{opening}…")).size(15.0));
            let rest = text[opening.len()..].chars().count();
            if ui
                .link(format!(
                    "Read all of it in {} ({rest} more characters)",
                    section.label()
                ))
                .clicked()
            {
                go_to = Some(section);
            }
        } else {
            ui.label(RichText::new(text).size(15.0));
        }
        ui.add_space(10.0);
    }
    if let Some(section) = go_to {
        ctx.state.section = Some(section);
        super::super::follow::stop(ctx.state, ctx.open);
    }
}

/// How much of a long text the overview shows, in bytes.
const OPENING: usize = 1200;

/// The opening of `text` up to the last paragraph or word break before
/// [`OPENING`] bytes, or `None` when the text is short enough to show whole.
fn opening(text: &str) -> Option<&str> {
    if text.len() <= OPENING + OPENING / 2 {
        return None;
    }
    let mut end = OPENING;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    let cut = head
        .rfind("\n\n")
        .filter(|&at| at > OPENING / 2)
        .or_else(|| head.rfind(char::is_whitespace))
        .unwrap_or(end);
    Some(head[..cut].trim_end())
}

#[cfg(test)]
mod tests {
    use super::{OPENING, opening};

    #[test]
    fn a_short_text_is_shown_whole_and_a_long_one_up_to_a_break() {
        assert_eq!(opening("Help data people learn together."), None);
        let long = "word ".repeat(OPENING);
        let head = opening(&long).unwrap();
        assert!(head.len() <= OPENING && head.len() > OPENING - 10);
        assert!(head.ends_with("word"));
        let accents = "é".repeat(OPENING);
        let head = opening(&accents).unwrap();
        assert!(head.len() <= OPENING && accents.starts_with(head));
    }
}
