//! The overview: title, purpose and vision first, readable without
//! scrolling; then the charter-template fields.

use egui::RichText;
use guild_model::{Membership, Op, ProseField};

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
    for (heading, text, empty) in [
        (
            "Why we exist",
            charter.purpose.text.as_str(),
            "The sponsor has not written the purpose yet.",
        ),
        (
            "Our vision",
            charter.vision.statement.as_str(),
            "The vision is still to be co-created.",
        ),
    ] {
        ui.label(RichText::new(heading).strong().size(16.0));
        if text.trim().is_empty() {
            ui.label(RichText::new(empty).italics().weak());
        } else {
            ui.label(RichText::new(text).size(15.0));
        }
        ui.add_space(10.0);
    }
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
