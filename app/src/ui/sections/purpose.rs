//! The purpose: the sponsor's "why", who set it and the last endorsement.

use egui::RichText;
use guild_model::{Op, ProseField, Role};

use super::{SectionCtx, button};

/// Who set the purpose and who endorsed it, as one sentence whose halves
/// answer the two buttons below it ("I set this purpose", "Endorse …").
fn standing(set_by: Option<&str>, endorsed: Option<(&str, i64)>) -> String {
    let endorsed =
        endorsed.map(|(by, at)| format!("endorsed by {by} on {}", crate::present::format_time(at)));
    match (set_by, endorsed) {
        (Some(by), Some(endorsed)) => format!("Set by {by}; {endorsed}."),
        (Some(by), None) => format!("Set by {by}; nobody has endorsed it yet."),
        (None, Some(endorsed)) => format!("Nobody has said they set it; {endorsed}."),
        (None, None) => "Nobody has said they set it yet, and nobody has endorsed it.".into(),
    }
}

pub(crate) fn show(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    ui.label(
        "Why does the community exist? Usually set by the sponsor from the organisation's goals.",
    );
    ui.add_space(6.0);
    let (open, send) = (ctx.open, ctx.send);
    ctx.state
        .prose
        .show(ui, open, ProseField::Purpose, 6, "Write the purpose…", send);
    let purpose = &open.view.charter.purpose;
    ui.add_space(6.0);
    let endorsed = purpose.endorsed_by.as_deref().zip(purpose.endorsed_at);
    ui.label(standing(purpose.set_by.as_deref(), endorsed));
    if !ctx.read_only() {
        // Endorsing is the sponsor's act: where the members name a sponsor,
        // only they are offered it; where none is named, anyone may endorse
        // but the button does not claim they are the sponsor.
        let sponsors: Vec<&str> = open
            .view
            .charter
            .members_ordered()
            .filter(|(_, m)| m.role == Role::Sponsor)
            .map(|(_, m)| m.name.as_str())
            .collect();
        let me = ctx.me.clone();
        // The member this device edits as is a sponsor, or (a sponsor added
        // by hand before they joined) a sponsor has their name.
        let i_sponsor = ctx
            .member
            .as_ref()
            .and_then(|id| open.view.charter.members.get(id))
            .is_some_and(|m| m.role == Role::Sponsor)
            || sponsors.contains(&me.as_str());
        let endorse = if sponsors.is_empty() {
            Some("Endorse the purpose")
        } else if i_sponsor {
            Some("Endorse as sponsor")
        } else {
            None
        };
        ui.horizontal(|ui| {
            if button(ui, "I set this purpose", "I set this purpose").clicked() {
                ctx.edit(vec![Op::SetPurposeSetBy(me.clone())]);
            }
            match endorse {
                Some(face) => {
                    if button(ui, face, face).clicked() {
                        ctx.edit(vec![Op::EndorsePurpose { by: me }]);
                    }
                }
                None => {
                    ui.label(
                        RichText::new(format!(
                            "The sponsor ({}) endorses the purpose.",
                            sponsors.join(", ")
                        ))
                        .weak(),
                    );
                }
            }
        });
    }
}
