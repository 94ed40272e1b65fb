//! The vision: the agreed statement, and the contributions it is distilled
//! from — added, endorsed, and seen by role.

use egui::RichText;
use guild_model::{Collection, Op, Position, ProseField, Role, new_id};

use super::{SectionCtx, add_row, button, choose, inline_text};

pub(crate) fn show(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    ui.label("Co-created by the sponsor, a preliminary core group and potential members.");
    let (open, send) = (ctx.open, ctx.send);
    ctx.state.prose.show(
        ui,
        open,
        ProseField::Vision,
        5,
        "The agreed vision statement…",
        send,
    );
    ui.add_space(10.0);
    ui.label(RichText::new("Contributions").strong().size(16.0));
    let read_only = ctx.read_only();
    if !read_only {
        add_contribution(ui, ctx);
    }
    ui.add_space(6.0);
    super::themes::strip(ui, ctx, read_only);
    let charter = &open.view.charter;
    for role in Role::ALL {
        let items: Vec<_> = charter
            .contributions_ordered()
            .filter(|(_, c)| c.role == *role)
            .collect();
        if items.is_empty() {
            continue;
        }
        ui.label(RichText::new(format!("{} ({})", role.label(), items.len())).strong());
        for (id, contribution) in items {
            ui.group(|ui| show_contribution(ui, ctx, id, contribution, read_only));
        }
        ui.add_space(4.0);
    }
}

/// The row to add a contribution, as the role chosen beside it.
fn add_contribution(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    let role_key = "vision.new.role";
    let current = ctx
        .state
        .drafts
        .get(role_key)
        .and_then(|r| r.parse().ok())
        .unwrap_or(Role::Member);
    ui.horizontal(|ui| {
        if let Some(role) = choose(
            ui,
            "contribution_role",
            "Contributing as",
            current,
            Role::ALL,
            Role::label,
            true,
        ) {
            ctx.state
                .drafts
                .insert(role_key.into(), role.as_str().into());
        }
    });
    if let Some(text) = add_row(
        ui,
        ctx.state,
        "vision.new",
        "New contribution",
        "Add contribution",
    ) {
        let op = Op::AddContribution {
            id: new_id(),
            text,
            author: ctx.me.clone(),
            role: current,
            position: Position::End,
        };
        ctx.edit(vec![op]);
    }
}

/// One contribution: its text, who wrote it, and who endorses it.
fn show_contribution(
    ui: &mut egui::Ui,
    ctx: &mut SectionCtx<'_>,
    id: &str,
    contribution: &guild_model::Contribution,
    read_only: bool,
) {
    if let Some(text) = inline_text(
        ui,
        ctx.state,
        &format!("contribution.{id}"),
        contribution.text.as_str(),
        "contribution",
        read_only,
    ) {
        ctx.edit(vec![Op::EditContribution {
            id: id.to_owned(),
            text,
        }]);
    }
    super::themes::item_theme(
        ui,
        ctx,
        Collection::Contributions,
        id,
        contribution.theme.as_ref(),
        read_only,
    );
    ui.horizontal_wrapped(|ui| {
        if !read_only {
            super::themes::handle(ui, ctx, Collection::Contributions, id);
        }
        ui.label(RichText::new(format!("— {}", contribution.author)).italics());
        let names: Vec<&str> = contribution
            .endorsements
            .keys()
            .map(String::as_str)
            .collect();
        let count = names.len();
        let endorsed = if count == 0 {
            "no endorsements".to_owned()
        } else {
            format!("endorsed by {}", names.join(", "))
        };
        ui.label(RichText::new(endorsed).weak());
        if !read_only {
            let mine = contribution.endorsements.contains_key(&ctx.me);
            if !mine
                && button(
                    ui,
                    "👍 Endorse",
                    &format!("Endorse: {}", contribution.text.as_str()),
                )
                .clicked()
            {
                ctx.edit(vec![Op::Endorse {
                    contribution: id.to_owned(),
                    by: ctx.me.clone(),
                }]);
            }
            if mine
                && button(
                    ui,
                    "Withdraw",
                    &format!("Withdraw endorsement: {}", contribution.text.as_str()),
                )
                .clicked()
            {
                ctx.edit(vec![Op::WithdrawEndorsement {
                    contribution: id.to_owned(),
                    by: ctx.me.clone(),
                }]);
            }
            if button(
                ui,
                "🗑",
                &format!("Remove contribution: {}", contribution.text.as_str()),
            )
            .on_hover_text("Remove")
            .clicked()
            {
                ctx.edit(vec![Op::RemoveItem {
                    collection: Collection::Contributions,
                    id: id.to_owned(),
                }]);
            }
        }
    });
}
