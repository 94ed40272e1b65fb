//! Clustering inquiry notes and vision contributions into named themes: a
//! strip of themes above them, each a place to drop an item on (drag its ☰
//! handle), and beside each item a menu that does the same for keyboards
//! and screen readers.

use egui::{Color32, RichText};
use guild_model::{Collection, Op, new_id};

use super::{SectionCtx, add_row, button, dropdown};

/// What is dragged onto a theme: a note or a contribution.
#[derive(Clone)]
struct Dragged(Collection, String);

/// The themes, their counts, a drop zone each, and a way to add one.
pub(crate) fn strip(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>, read_only: bool) {
    let charter = &ctx.open.view.charter;
    let themes: Vec<(String, String, usize)> = charter
        .workshop
        .themes_ordered()
        .into_iter()
        .map(|(id, t)| {
            let here = Some(id.as_str());
            let count = charter
                .inquiry
                .notes
                .values()
                .filter(|n| n.theme.as_deref() == here)
                .count()
                + charter
                    .vision
                    .contributions
                    .values()
                    .filter(|c| c.theme.as_deref() == here)
                    .count();
            (id.clone(), t.name.clone(), count)
        })
        .collect();
    if themes.is_empty() && read_only {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Themes").strong());
        for (id, name, count) in &themes {
            let frame = egui::Frame::group(ui.style()).fill(ui.visuals().faint_bg_color);
            let (_, dropped) = ui.dnd_drop_zone::<Dragged, ()>(frame, |ui| {
                ui.label(
                    RichText::new(format!("{name} ({count})"))
                        .color(Color32::from_rgb(120, 90, 170)),
                );
                if !read_only && button(ui, "Remove", &format!("Remove theme {name}")).clicked() {
                    ctx.edit(vec![Op::RemoveTheme { id: id.clone() }]);
                }
            });
            if let Some(item) = dropped {
                ctx.edit(vec![Op::SetTheme {
                    collection: item.0,
                    id: item.1.clone(),
                    theme: Some(id.clone()),
                }]);
            }
        }
        if !read_only
            && let Some(name) = add_row(ui, ctx.state, "theme.new", "New theme", "Add theme")
        {
            ctx.edit(vec![Op::AddTheme { id: new_id(), name }]);
        }
    });
    ui.add_space(6.0);
}

/// An item's drag handle (to drop it on a theme), while themes exist.
pub(crate) fn handle(ui: &mut egui::Ui, ctx: &SectionCtx<'_>, collection: Collection, id: &str) {
    if ctx.open.view.charter.workshop.themes.is_empty() {
        return;
    }
    ui.dnd_drag_source(
        egui::Id::unique(("theme-drag", collection.noun(), id)),
        Dragged(collection, id.to_owned()),
        |ui| {
            ui.label("☰").on_hover_text("Drag onto a theme");
        },
    );
}

/// The theme an item is in, as a menu that moves it to another or none.
pub(crate) fn item_theme(
    ui: &mut egui::Ui,
    ctx: &mut SectionCtx<'_>,
    collection: Collection,
    id: &str,
    theme: Option<&String>,
    read_only: bool,
) {
    let themes = ctx.open.view.charter.workshop.themes_ordered();
    if themes.is_empty() {
        return;
    }
    let current = theme
        .and_then(|t| ctx.open.view.charter.workshop.themes.get(t))
        .map_or("no theme", |t| t.name.as_str());
    if read_only {
        ui.label(
            RichText::new(current)
                .small()
                .color(Color32::from_rgb(120, 90, 170)),
        );
        return;
    }
    let mut chosen: Option<Option<String>> = None;
    dropdown(
        ui,
        ("item-theme", collection.noun(), id),
        "Theme",
        current,
        |ui| {
            if ui.selectable_label(theme.is_none(), "no theme").clicked() {
                chosen = Some(None);
            }
            for (theme_id, t) in &themes {
                if ui
                    .selectable_label(theme == Some(*theme_id), t.name.as_str())
                    .clicked()
                {
                    chosen = Some(Some((*theme_id).clone()));
                }
            }
        },
    );
    if let Some(new) = chosen
        && new.as_ref() != theme
    {
        ctx.edit(vec![Op::SetTheme {
            collection,
            id: id.to_owned(),
            theme: new,
        }]);
    }
}
