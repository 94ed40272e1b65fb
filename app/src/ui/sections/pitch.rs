//! The value proposition: the pitch, and the value-proposition canvas.

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
            ui.columns(2, |columns| {
                for (field, column) in [
                    (ProseField::Jobs, 0),
                    (ProseField::PainRelievers, 1),
                    (ProseField::Pains, 0),
                    (ProseField::GainCreators, 1),
                    (ProseField::Gains, 0),
                ] {
                    ctx.state
                        .prose
                        .show(&mut columns[column], open, field, 3, field.label(), send);
                }
            });
        });
}
