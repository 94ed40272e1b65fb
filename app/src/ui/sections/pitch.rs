//! The value proposition: the pitch, and the value-proposition canvas.

use egui::RichText;
use guild_model::ProseField;

use super::SectionCtx;

pub(crate) fn show(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    ui.label("Why should someone join or fund the community?");
    let (open, send) = (ctx.open, ctx.send);
    ctx.state
        .prose
        .show(ui, open, ProseField::Pitch, 6, "Write the pitch…", send);
    ui.add_space(10.0);
    egui::CollapsingHeader::new("Value-proposition canvas")
        .default_open(true)
        .show(ui, |ui| {
            // The canvas answers each of the customer's needs with what
            // the community offers: pain relievers beside the pains, gain
            // creators beside the gains.
            ui.columns(2, |columns| {
                columns[0].label(RichText::new("The people we serve").strong());
                columns[1].label(RichText::new("What the community offers").strong());
            });
            for (need, answer) in [
                (ProseField::Jobs, None),
                (ProseField::Pains, Some(ProseField::PainRelievers)),
                (ProseField::Gains, Some(ProseField::GainCreators)),
            ] {
                ui.columns(2, |columns| {
                    ctx.state
                        .prose
                        .show(&mut columns[0], open, need, 3, need.label(), send);
                    if let Some(field) = answer {
                        ctx.state
                            .prose
                            .show(&mut columns[1], open, field, 3, field.label(), send);
                    } else {
                        columns[1].add_space(18.0);
                        columns[1].label(
                            RichText::new(
                                "Products and services: what the community does for \
                                 these jobs is the pitch above.",
                            )
                            .weak(),
                        );
                    }
                });
            }
        });
}
