//! Strategy: high-level objectives with owner, horizon, status and success
//! indicators, reordered by dragging.

use egui::RichText;
use guild_model::{Collection, Horizon, ObjectiveEdit, Op, Position, Status, new_id};

use super::{SectionCtx, add_row, button, choose, inline_text};

pub(crate) fn show(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    let read_only = ctx.read_only();
    if !read_only
        && let Some(title) = add_row(
            ui,
            ctx.state,
            "objective.new",
            "New objective",
            "Add objective",
        )
    {
        ctx.edit(vec![Op::AddObjective {
            id: new_id(),
            title,
            position: Position::End,
        }]);
    }
    ui.add_space(6.0);
    let charter = &ctx.open.view.charter;
    let order: Vec<String> = charter
        .objectives_ordered()
        .map(|(id, _)| id.clone())
        .collect();
    if order.is_empty() {
        ui.label(RichText::new("No objectives yet.").weak());
    }
    for (index, (id, objective)) in charter.objectives_ordered().enumerate() {
        let title = objective.title.as_str();
        let frame = egui::Frame::group(ui.style());
        let (_, dropped) = ui.dnd_drop_zone::<String, ()>(frame, |ui| {
            ui.horizontal(|ui| {
                if !read_only {
                    ui.dnd_drag_source(
                        egui::Id::unique(("objective-drag", id)),
                        id.clone(),
                        |ui| {
                            ui.label("☰").on_hover_text("Drag to reorder");
                        },
                    );
                }
                ui.vertical(|ui| {
                    objective_fields(ui, ctx, id, objective, read_only);
                });
                if !read_only {
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::TOP), |ui| {
                        objective_buttons(ui, ctx, &order, index, id, title);
                    });
                }
            });
        });
        if let Some(dragged) = dropped
            && *dragged != *id
        {
            let position = Position::Before(id.clone());
            ctx.edit(vec![Op::MoveItem {
                collection: Collection::Objectives,
                id: (*dragged).clone(),
                position,
            }]);
        }
    }
}

/// An objective's title, horizon, status, owner, description and indicators.
fn objective_fields(
    ui: &mut egui::Ui,
    ctx: &mut SectionCtx<'_>,
    id: &str,
    objective: &guild_model::Objective,
    read_only: bool,
) {
    let title = objective.title.as_str();
    if let Some(text) = inline_text(
        ui,
        ctx.state,
        &format!("objective.{id}.title"),
        title,
        &format!("title of {title}"),
        read_only,
    ) {
        ctx.edit(vec![Op::EditObjective {
            id: id.to_owned(),
            edit: ObjectiveEdit::Title(text),
        }]);
    }
    ui.horizontal(|ui| {
        if let Some(h) = choose(
            ui,
            &format!("horizon-{id}"),
            "Horizon",
            objective.horizon,
            Horizon::ALL,
            Horizon::label,
            !read_only,
        ) {
            ctx.edit(vec![Op::EditObjective {
                id: id.to_owned(),
                edit: ObjectiveEdit::Horizon(h),
            }]);
        }
        if let Some(s) = choose(
            ui,
            &format!("status-{id}"),
            "Status",
            objective.status,
            Status::ALL,
            Status::label,
            !read_only,
        ) {
            ctx.edit(vec![Op::EditObjective {
                id: id.to_owned(),
                edit: ObjectiveEdit::Status(s),
            }]);
        }
    });
    ui.horizontal(|ui| {
        ui.label("Owner:");
        if let Some(owner) = inline_text(
            ui,
            ctx.state,
            &format!("objective.{id}.owner"),
            &objective.owner,
            &format!("owner of {title}"),
            read_only,
        ) {
            ctx.edit(vec![Op::EditObjective {
                id: id.to_owned(),
                edit: ObjectiveEdit::Owner(owner),
            }]);
        }
    });
    ui.horizontal(|ui| {
        ui.label("Description:");
        if let Some(text) = inline_text(
            ui,
            ctx.state,
            &format!("objective.{id}.description"),
            objective.description.as_str(),
            &format!("description of {title}"),
            read_only,
        ) {
            ctx.edit(vec![Op::EditObjective {
                id: id.to_owned(),
                edit: ObjectiveEdit::Description(text),
            }]);
        }
    });
    ui.horizontal(|ui| {
        ui.label("Indicators:");
        if let Some(text) = inline_text(
            ui,
            ctx.state,
            &format!("objective.{id}.indicators"),
            objective.indicators.as_str(),
            &format!("indicators of {title}"),
            read_only,
        ) {
            ctx.edit(vec![Op::EditObjective {
                id: id.to_owned(),
                edit: ObjectiveEdit::Indicators(text),
            }]);
        }
    });
}

/// Remove, and move down or up by one.
fn objective_buttons(
    ui: &mut egui::Ui,
    ctx: &SectionCtx<'_>,
    order: &[String],
    index: usize,
    id: &str,
    title: &str,
) {
    if button(ui, "🗑", &format!("Remove objective {title}"))
        .on_hover_text("Remove")
        .clicked()
    {
        ctx.edit(vec![Op::RemoveItem {
            collection: Collection::Objectives,
            id: id.to_owned(),
        }]);
    }
    if index + 1 < order.len() && button(ui, "⏷", &format!("Move {title} down")).clicked() {
        let position = Position::After(order[index + 1].clone());
        ctx.edit(vec![Op::MoveItem {
            collection: Collection::Objectives,
            id: id.to_owned(),
            position,
        }]);
    }
    if index > 0 && button(ui, "⏶", &format!("Move {title} up")).clicked() {
        let position = Position::Before(order[index - 1].clone());
        ctx.edit(vec![Op::MoveItem {
            collection: Collection::Objectives,
            id: id.to_owned(),
            position,
        }]);
    }
}
