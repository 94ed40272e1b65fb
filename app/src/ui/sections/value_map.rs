//! The value map: a 2×2 grid — to the organisation and to members, in the
//! short and the long term — of cards that can be added, edited, dragged
//! between cells, reordered and removed. A card shows how many stories
//! back it.

use egui::{Color32, RichText};
use guild_model::{Cell, Collection, Op, Position, new_id};

use super::{SectionCtx, add_row, button, inline_text};

/// A card being dragged: its id.
#[derive(Clone)]
struct Dragged(String);

pub(crate) fn show(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    ui.label(
        "Short- and long-term value to the organisation and to members. Drag cards between cells.",
    );
    ui.add_space(6.0);
    removed_while_editing(ui, ctx);
    let cell_width = ((ui.available_width() - 200.0) / 2.0).max(240.0);
    egui::Grid::new("value_map")
        .num_columns(3)
        .spacing([12.0, 12.0])
        .min_col_width(120.0)
        .show(ui, |ui| {
            ui.label("");
            ui.label(RichText::new("SHORT TERM").strong());
            ui.label(RichText::new("LONG TERM").strong());
            ui.end_row();
            for (row, short, long) in [
                (
                    "ORGANISATION",
                    Cell::OrganisationShortTerm,
                    Cell::OrganisationLongTerm,
                ),
                ("MEMBERS", Cell::MembersShortTerm, Cell::MembersLongTerm),
            ] {
                ui.label(RichText::new(row).strong());
                for cell in [short, long] {
                    ui.vertical(|ui| {
                        ui.set_width(cell_width);
                        ui.set_max_width(cell_width);
                        show_cell(ui, ctx, cell, cell_width);
                    });
                }
                ui.end_row();
            }
        });
}

fn show_cell(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>, cell: Cell, width: f32) {
    let read_only = ctx.read_only();
    let charter = &ctx.open.view.charter;
    let cards: Vec<(String, String, usize)> = charter
        .cards_in(cell)
        .map(|(id, c)| {
            (
                id.clone(),
                c.text.as_str().to_owned(),
                charter.stories_backing(id),
            )
        })
        .collect();
    let frame = egui::Frame::group(ui.style()).fill(ui.visuals().faint_bg_color);
    let (_, dropped) = ui.dnd_drop_zone::<Dragged, ()>(frame, |ui| {
        ui.set_min_height(60.0);
        ui.label(RichText::new(cell.label()).small().weak());
        for (index, (id, text, backing)) in cards.iter().enumerate() {
            ui.horizontal(|ui| {
                if !read_only {
                    ui.dnd_drag_source(
                        egui::Id::unique(("card-drag", id)),
                        Dragged(id.clone()),
                        |ui| {
                            ui.label("☰").on_hover_text("Drag to another cell or place");
                        },
                    );
                }
                ui.vertical(|ui| {
                    // Leave room for the drag handle and the actions button.
                    ui.set_max_width(width - 70.0);
                    card_text(ui, ctx, cell, id, text, read_only);
                    if *backing > 0 {
                        let stories = if *backing == 1 {
                            "1 story".to_owned()
                        } else {
                            format!("{backing} stories")
                        };
                        ui.label(
                            RichText::new(format!("📖 {stories}"))
                                .small()
                                .color(Color32::from_rgb(60, 130, 90)),
                        );
                    }
                });
                if !read_only {
                    ui.menu_button("…", |ui| {
                        card_actions(ui, ctx, cell, &cards, index);
                    })
                    .response
                    .on_hover_text("Move or remove")
                    .widget_info(|| {
                        egui::WidgetInfo::labeled(
                            egui::Role::Button,
                            true,
                            format!("Actions for {text}"),
                        )
                    });
                }
            });
        }
        if !read_only
            && let Some(text) = add_row(
                ui,
                ctx.state,
                &format!("card.new.{}", cell.as_str()),
                &format!("New card ({})", cell.label()),
                &format!("Add card to {}", cell.label()),
            )
        {
            ctx.edit(vec![Op::AddCard {
                id: new_id(),
                cell,
                text,
                position: Position::End,
            }]);
        }
    });
    if let Some(dragged) = dropped {
        let op = Op::MoveCard {
            id: dragged.0.clone(),
            cell,
            position: Position::End,
        };
        ctx.edit(vec![op]);
    }
}

/// A card's text, editable in place.
fn card_text(
    ui: &mut egui::Ui,
    ctx: &mut SectionCtx<'_>,
    cell: Cell,
    id: &str,
    text: &str,
    read_only: bool,
) {
    let key = format!("card.{id}");
    // Remember the cell of the card being edited: if a peer removes it,
    // its text can be kept there as a new card.
    if ctx.state.editing.as_deref() == Some(key.as_str()) {
        ctx.state
            .drafts
            .insert(EDITED_CELL.to_owned(), cell.as_str().to_owned());
    }
    if let Some(new) = inline_text(
        ui,
        ctx.state,
        &key,
        text,
        &format!("card {text}"),
        read_only,
    ) {
        ctx.edit(vec![Op::EditCard {
            id: id.to_owned(),
            text: new,
        }]);
    }
}

/// Where the cell of the card being edited is kept (in the drafts).
const EDITED_CELL: &str = "card.editing.cell";

/// A card being edited that a peer removed: its draft is kept, and the
/// person says whether to keep it as a new card, instead of it vanishing
/// with the card without a word.
fn removed_while_editing(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    let Some(id) = ctx
        .state
        .editing
        .as_deref()
        .and_then(|key| key.strip_prefix("card."))
        .map(str::to_owned)
    else {
        return;
    };
    if ctx.open.view.charter.cards.contains_key(&id) {
        return;
    }
    let key = format!("card.{id}");
    let text = ctx.state.drafts.get(&key).cloned().unwrap_or_default();
    let cell = ctx
        .state
        .drafts
        .get(EDITED_CELL)
        .and_then(|c| Cell::ALL.iter().copied().find(|cell| cell.as_str() == c))
        .unwrap_or(Cell::OrganisationShortTerm);
    let mut done = false;
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(RichText::new("This card was removed by someone else").strong());
        ui.label(format!("Your text: {text}"));
        ui.horizontal(|ui| {
            let keep = "Keep my text as a new card";
            if ui
                .add_enabled(!text.trim().is_empty(), egui::Button::new(keep))
                .clicked()
            {
                ctx.edit(vec![Op::AddCard {
                    id: new_id(),
                    cell,
                    text: text.trim().to_owned(),
                    position: Position::End,
                }]);
                done = true;
            }
            ui.label("·");
            done |= ui.button("Discard").clicked();
        });
    });
    if done {
        ctx.state.editing = None;
        ctx.state.drafts.remove(&key);
    }
}

/// The card's menu: move to another cell, up or down, or remove.
fn card_actions(
    ui: &mut egui::Ui,
    ctx: &SectionCtx<'_>,
    cell: Cell,
    cards: &[(String, String, usize)],
    index: usize,
) {
    let (id, text, _) = &cards[index];
    for target in Cell::ALL.iter().filter(|c| **c != cell) {
        if button(
            ui,
            format!("Move to {}", target.label()),
            &format!("Move {text} to {}", target.label()),
        )
        .clicked()
        {
            ctx.edit(vec![Op::MoveCard {
                id: id.clone(),
                cell: *target,
                position: Position::End,
            }]);
            ui.close();
        }
    }
    if index > 0 && button(ui, "Move up", &format!("Move {text} up")).clicked() {
        ctx.edit(vec![Op::MoveCard {
            id: id.clone(),
            cell,
            position: Position::Before(cards[index - 1].0.clone()),
        }]);
        ui.close();
    }
    if index + 1 < cards.len() && button(ui, "Move down", &format!("Move {text} down")).clicked() {
        ctx.edit(vec![Op::MoveCard {
            id: id.clone(),
            cell,
            position: Position::After(cards[index + 1].0.clone()),
        }]);
        ui.close();
    }
    if button(ui, "Remove", &format!("Remove card {text}")).clicked() {
        ctx.edit(vec![Op::RemoveItem {
            collection: Collection::Cards,
            id: id.clone(),
        }]);
        ui.close();
    }
}
