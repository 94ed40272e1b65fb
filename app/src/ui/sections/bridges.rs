//! Bridges across silos: the units the community spans, the bridges
//! between them drawn as a simple map, and the units still isolated.

use std::collections::HashMap;

use egui::{Color32, Pos2, RichText, Stroke, Vec2};
use guild_model::{Collection, Op, Position, UnitKind, new_id};

use super::{SectionCtx, add_row, button, choose, dropdown, inline_text};

const REFUSED: Color32 = Color32::from_rgb(200, 60, 50);
const SAME_UNIT: &str = "A bridge joins two different units: choose another unit for “To”.";

pub(crate) fn show(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    let read_only = ctx.read_only();
    let charter = &ctx.open.view.charter;
    draw_map(ui, ctx);
    ui.add_space(8.0);
    ui.columns(2, |columns| {
        let ui = &mut columns[0];
        units_column(ui, ctx);
        let ui = &mut columns[1];
        ui.label(RichText::new("Bridges").strong().size(16.0));
        let units: Vec<(String, String)> = charter
            .units_ordered()
            .map(|(id, u)| (id.clone(), u.name.as_str().to_owned()))
            .collect();
        if !read_only && units.len() >= 2 {
            new_bridge(ui, ctx, &units);
        }
        for (id, bridge) in &charter.bridges {
            ui.horizontal_wrapped(|ui| {
                let (from, to) = (
                    charter.unit_name(&bridge.from),
                    charter.unit_name(&bridge.to),
                );
                ui.label(format!("{from} ↔ {to}:"));
                if let Some(note) = inline_text(
                    ui,
                    ctx.state,
                    &format!("bridge.{id}"),
                    bridge.note.as_str(),
                    &format!("bridge {from} to {to}"),
                    read_only,
                ) {
                    ctx.edit(vec![Op::EditBridge {
                        id: id.clone(),
                        note,
                    }]);
                }
                if !read_only && button(ui, "🗑", &format!("Remove bridge {from} to {to}")).clicked()
                {
                    ctx.edit(vec![Op::RemoveItem {
                        collection: Collection::Bridges,
                        id: id.clone(),
                    }]);
                }
            });
        }
    });
}

/// Units on a circle, bridges as lines; isolated units in red.
/// The units column: add a unit, and each unit with its kind and whether
/// it is isolated.
fn units_column(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    let read_only = ctx.read_only();
    let charter = &ctx.open.view.charter;
    ui.label(RichText::new("Units").strong().size(16.0));
    if !read_only {
        let kind_key = "unit.new.kind";
        let kind = ctx
            .state
            .drafts
            .get(kind_key)
            .and_then(|k| k.parse().ok())
            .unwrap_or(UnitKind::Team);
        if let Some(kind) = choose(
            ui,
            kind_key,
            "Kind",
            kind,
            UnitKind::ALL,
            UnitKind::label,
            true,
        ) {
            ctx.state
                .drafts
                .insert(kind_key.into(), kind.as_str().into());
        }
        if let Some(name) = add_row(ui, ctx.state, "unit.new", "New unit", "Add unit") {
            ctx.edit(vec![Op::AddUnit {
                id: new_id(),
                name,
                kind,
                position: Position::End,
            }]);
        }
    }
    let isolated = charter.isolated_units();
    for (id, unit) in charter.units_ordered() {
        ui.horizontal(|ui| {
            let name = unit.name.as_str();
            if let Some(text) = inline_text(
                ui,
                ctx.state,
                &format!("unit.{id}"),
                name,
                &format!("unit {name}"),
                read_only,
            ) {
                ctx.edit(vec![Op::EditUnit {
                    id: id.clone(),
                    name: text,
                }]);
            }
            ui.label(RichText::new(unit.kind.label()).small().weak());
            if isolated.contains(&id) {
                ui.label(
                    RichText::new("isolated")
                        .small()
                        .color(Color32::from_rgb(200, 70, 50)),
                );
            }
            if !read_only && button(ui, "🗑", &format!("Remove unit {name}")).clicked() {
                ctx.edit(vec![Op::RemoveItem {
                    collection: Collection::Units,
                    id: id.clone(),
                }]);
            }
        });
    }
}

/// The form for a new bridge: its two ends and what flows across.
fn new_bridge(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>, units: &[(String, String)]) {
    for (end, label) in [("from", "From"), ("to", "To")] {
        let key = format!("bridge.new.{end}");
        let current = ctx.state.drafts.get(&key).cloned().unwrap_or_default();
        let shown = units
            .iter()
            .find(|(id, _)| *id == current)
            .map_or("choose…", |(_, n)| n.as_str());
        dropdown(ui, &key, label, shown, |ui| {
            for (id, name) in units {
                if ui.selectable_label(*id == current, name).clicked() {
                    ctx.state.drafts.insert(key.clone(), id.clone());
                }
            }
        });
    }
    let from = ctx.state.drafts.get("bridge.new.from").cloned();
    let to = ctx.state.drafts.get("bridge.new.to").cloned();
    // The model ignores a bridge from a unit to itself; saying so
    // beats an Add that does nothing.
    let same = from.is_some() && from == to;
    if let Some(note) = add_row(
        ui,
        ctx.state,
        "bridge.new",
        "What flows across",
        "Add bridge",
    ) {
        match (from.clone(), to.clone()) {
            (Some(from), Some(to)) if from != to => ctx.edit(vec![Op::AddBridge {
                id: new_id(),
                from,
                to,
                note,
            }]),
            _ => {
                // Keep what they typed for when the units are right.
                ctx.state.drafts.insert("bridge.new".into(), note);
                ctx.state.flags.insert("bridge.unchosen".into(), true);
            }
        }
    }
    if same {
        ui.colored_label(REFUSED, SAME_UNIT);
    } else if *ctx.state.flag("bridge.unchosen") && (from.is_none() || to.is_none()) {
        ui.colored_label(REFUSED, "Choose the two units the bridge joins.");
    }
}

fn draw_map(ui: &mut egui::Ui, ctx: &SectionCtx<'_>) {
    let charter = &ctx.open.view.charter;
    let units: Vec<_> = charter.units_ordered().collect();
    // The map's place is kept even while it is empty, so the forms below
    // do not jump down when the first unit appears.
    let size = Vec2::new(ui.available_width().min(640.0), 240.0);
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 6.0, ui.visuals().faint_bg_color);
    if units.is_empty() {
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "Add the units (teams, offices, business units…) your community spans.",
            egui::FontId::proportional(14.0),
            ui.visuals().weak_text_color(),
        );
        return;
    }
    let center = rect.center();
    let radius = (rect.height() / 2.0 - 30.0).max(20.0);
    let mut at: HashMap<&String, Pos2> = HashMap::new();
    for (i, (id, _)) in units.iter().enumerate() {
        let angle =
            std::f32::consts::TAU * i as f32 / units.len() as f32 - std::f32::consts::FRAC_PI_2;
        at.insert(
            id,
            center + Vec2::new(angle.cos() * radius * 1.6, angle.sin() * radius),
        );
    }
    for bridge in charter.bridges.values() {
        if let (Some(a), Some(b)) = (at.get(&bridge.from), at.get(&bridge.to)) {
            painter.line_segment([*a, *b], Stroke::new(2.5, Color32::from_rgb(70, 120, 200)));
        }
    }
    // Labels go on plates drawn after the lines, so no line runs through
    // a unit's name or a bridge's note.
    for bridge in charter.bridges.values() {
        if let (Some(a), Some(b)) = (at.get(&bridge.from), at.get(&bridge.to)) {
            let note = bridge.note.as_str().trim();
            if !note.is_empty() {
                let shown = short(note, 28);
                let plate = plate(
                    ui,
                    &painter,
                    a.lerp(*b, 0.5),
                    &shown,
                    12.0,
                    egui::Align2::CENTER_CENTER,
                );
                let label = format!(
                    "On the map: {} ↔ {}: {note}",
                    charter.unit_name(&bridge.from),
                    charter.unit_name(&bridge.to)
                );
                ui.interact(
                    plate,
                    ui.scope_id()
                        .with(("bridge-note", &bridge.from, &bridge.to)),
                    egui::Sense::hover(),
                )
                .on_hover_text(note)
                .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &label));
            }
        }
    }
    let isolated = charter.isolated_units();
    for (id, unit) in &units {
        let pos = at[id];
        let fill = if isolated.contains(id) {
            Color32::from_rgb(200, 70, 50)
        } else {
            Color32::from_rgb(70, 120, 200)
        };
        painter.circle_filled(pos, 8.0, fill);
        plate(
            ui,
            &painter,
            pos + Vec2::new(0.0, 12.0),
            unit.name.as_str(),
            13.0,
            egui::Align2::CENTER_TOP,
        );
    }
}

/// Draws `text` on a plate of the window's colour at `at`; returns the plate.
fn plate(
    ui: &egui::Ui,
    painter: &egui::Painter,
    at: Pos2,
    text: &str,
    size: f32,
    align: egui::Align2,
) -> egui::Rect {
    let galley = painter.layout_no_wrap(
        text.to_owned(),
        egui::FontId::proportional(size),
        ui.visuals().text_color(),
    );
    let rect = align.anchor_size(at, galley.size());
    let plate = rect.expand(2.0);
    painter.rect_filled(plate, 3.0, ui.visuals().panel_fill);
    painter.galley(rect.min, galley, ui.visuals().text_color());
    plate
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
