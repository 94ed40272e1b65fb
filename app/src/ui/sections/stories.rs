//! Value-creation stories: who tells them, what happened at each
//! Wenger-Trayner cycle, and the value-map cards they prove.

use egui::RichText;
use guild_model::{Collection, Cycle, Op, Position, new_id};

use super::{SectionCtx, add_row, button, inline_text};

pub(crate) fn show(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    ui.label(
        "Evidence that the value is real: immediate, potential, applied, realized, transformative.",
    );
    let read_only = ctx.read_only();
    if !read_only && let Some(title) = add_row(ui, ctx.state, "story.new", "New story", "Add story")
    {
        let teller = ctx.me.clone();
        ctx.edit(vec![Op::AddStory {
            id: new_id(),
            title,
            teller,
            position: Position::End,
        }]);
    }
    let charter = &ctx.open.view.charter;
    if charter.stories.is_empty() {
        ui.label(RichText::new("No stories yet.").weak());
    }
    for (id, story) in charter.stories_ordered() {
        let title = story.title.as_str();
        egui::CollapsingHeader::new(
            RichText::new(format!("{title} — told by {}", story.teller)).strong(),
        )
        .id_salt(("story", id))
        .default_open(true)
        .show(ui, |ui| {
            show_story(ui, ctx, id, story, read_only);
        });
    }
}

/// One story: title, what happened at each cycle, the cards it proves.
fn show_story(
    ui: &mut egui::Ui,
    ctx: &mut SectionCtx<'_>,
    id: &str,
    story: &guild_model::Story,
    read_only: bool,
) {
    let charter = &ctx.open.view.charter;
    let title = story.title.as_str();
    if let Some(text) = inline_text(
        ui,
        ctx.state,
        &format!("story.{id}.title"),
        title,
        &format!("title of story {title}"),
        read_only,
    ) {
        ctx.edit(vec![Op::EditStory {
            id: id.to_owned(),
            title: text,
        }]);
    }
    for cycle in Cycle::ALL {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("{}:", cycle.label())).strong());
            let current = story.cycles.get(cycle.as_str()).map_or("", |t| t.as_str());
            let what = format!("{} of {title}", cycle.label().to_lowercase());
            if let Some(text) = inline_text(
                ui,
                ctx.state,
                &format!("story.{id}.{}", cycle.as_str()),
                current,
                &what,
                read_only,
            ) {
                ctx.edit(vec![Op::SetStoryCycle {
                    id: id.to_owned(),
                    cycle: *cycle,
                    text,
                }]);
            }
        });
    }
    ui.label(RichText::new("Supports these value cards:").strong());
    for card_id in story.cards.keys() {
        let Some(card) = charter.cards.get(card_id) else {
            continue;
        };
        ui.horizontal(|ui| {
            ui.label(format!("• {}", card.text.as_str()));
            if !read_only
                && button(
                    ui,
                    "Unlink",
                    &format!("Unlink {} from {title}", card.text.as_str()),
                )
                .clicked()
            {
                ctx.edit(vec![Op::UnlinkStory {
                    story: id.to_owned(),
                    card: card_id.clone(),
                }]);
            }
        });
    }
    if !read_only {
        egui::ComboBox::new(("link", id), "")
            .selected_text("Link a card…")
            .show_ui(ui, |ui| {
                for (card_id, card) in charter
                    .cards
                    .iter()
                    .filter(|(c, _)| !story.cards.contains_key(*c))
                {
                    if ui.selectable_label(false, card.text.as_str()).clicked() {
                        ctx.edit(vec![Op::LinkStory {
                            story: id.to_owned(),
                            card: card_id.clone(),
                        }]);
                    }
                }
            });
        if button(ui, "Remove story", &format!("Remove story {title}")).clicked() {
            ctx.edit(vec![Op::RemoveItem {
                collection: Collection::Stories,
                id: id.to_owned(),
            }]);
        }
    }
}
