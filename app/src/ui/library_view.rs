//! The start view: every charter in the data dir, with what to do next.

use egui::{Color32, RichText};

use super::commands::UiCommand;
use super::shell::sync_summary;
use super::state::{Dialog, UiState};
use super::view_model::ViewModel;

pub(crate) fn show(
    ui: &mut egui::Ui,
    vm: &ViewModel,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
) {
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        ui.heading("Your charters");
        ui.add_space(16.0);
        if ui.button("New charter…").clicked() {
            state.dialog = Dialog::New;
        }
        if ui.button("Join with a ticket…").clicked() {
            state.dialog = Dialog::Join;
        }
        if ui.button("Import a file…").clicked() {
            state.dialog = Dialog::Import;
        }
    });
    ui.add_space(8.0);
    if vm.library.is_empty() {
        ui.add_space(40.0);
        ui.vertical_centered(|ui| {
            ui.label(RichText::new("No charters yet.").size(18.0));
            ui.label("Start one from the community-of-practice template, or join one a colleague shared with you.");
        });
        return;
    }
    egui::Grid::new("library")
        .num_columns(5)
        .striped(true)
        .spacing([18.0, 10.0])
        .show(ui, |ui| {
            ui.label(RichText::new("Charter").strong());
            // The actions come before the columns whose text changes while
            // the list is shown (the sync state above all), so they never
            // move under the cursor.
            ui.label("");
            ui.label(RichText::new("Last change").strong());
            ui.label(RichText::new("Shared with").strong());
            ui.label(RichText::new("Sync").strong());
            ui.end_row();
            for entry in vm.library.iter() {
                let title = if entry.title.trim().is_empty() {
                    "Untitled charter"
                } else {
                    entry.title.as_str()
                };
                if ui
                    .link(RichText::new(title).size(16.0))
                    .on_hover_text(&entry.id)
                    .clicked()
                {
                    send(UiCommand::Open(entry.id.clone()));
                }
                ui.horizontal(|ui| {
                    if ui
                        .button("Open")
                        .on_hover_text(format!("Open {title}"))
                        .clicked()
                    {
                        send(UiCommand::Open(entry.id.clone()));
                    }
                    if ui
                        .button(
                            RichText::new("Remove from this device…")
                                .color(Color32::from_rgb(170, 60, 60)),
                        )
                        .clicked()
                    {
                        state.dialog = Dialog::RemoveLocal(entry.id.clone());
                    }
                });
                ui.label(
                    entry
                        .last_change
                        .map(crate::present::format_time)
                        .unwrap_or_default(),
                );
                let others = if entry.others.is_empty() {
                    "only this device".to_owned()
                } else {
                    entry.others.join(", ")
                };
                ui.label(others);
                let (text, tint) = sync_summary(entry.status.as_ref());
                ui.label(RichText::new(text).color(tint));
                ui.end_row();
            }
        });
}
