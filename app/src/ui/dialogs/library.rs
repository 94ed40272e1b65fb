//! Library dialogs: new charter, import, export, remove from this device.

use egui::RichText;

use super::super::commands::{ExportFormat, UiCommand};
use super::super::state::UiState;
use super::super::view_model::ViewModel;
use super::window;

/// Why Create is disabled.
const UNNAMED: &str = "Type the community's name to create it";

pub(super) fn new(
    ctx: &egui::Context,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
    open: &mut bool,
) {
    let mut create = None;
    window("New charter", open).show(ctx, |ui| {
        let label = ui.label("Community name");
        let title = state.draft("new.title");
        let input = ui.text_edit_singleline(title).labelled_by(label.id);
        // Read before focusing again: Enter ends the input by taking the
        // focus away, and asking for it back first would hide that.
        let enter = input.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if !enter && ui.ctx().memory(|m| m.focused().is_none()) {
            input.request_focus();
        }
        let blank = state.flag("new.blank");
        ui.radio_value(
            blank,
            false,
            "From the community-of-practice template (the value map starts with its 22 cards)",
        );
        ui.radio_value(blank, true, "Blank");
        let blank = *blank;
        let title = state.drafts.get("new.title").cloned().unwrap_or_default();
        let named = !title.trim().is_empty();
        let clicked = ui
            .horizontal(|ui| {
                let create = ui
                    .add_enabled(named, egui::Button::new("Create"))
                    .on_disabled_hover_text(UNNAMED);
                // A greyed-out button alone does not say what it waits for.
                if !named {
                    ui.label(egui::RichText::new(UNNAMED).weak());
                }
                create.clicked()
            })
            .inner;
        if (clicked || enter) && named {
            create = Some((title.trim().to_owned(), blank));
        }
    });
    if let Some((title, blank)) = create {
        send(UiCommand::Create { title, blank });
        state.drafts.remove("new.title");
        *open = false;
    }
}

pub(super) fn import(
    ctx: &egui::Context,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
    open: &mut bool,
) {
    let mut chosen = None;
    window("Import a charter", open).show(ctx, |ui| {
        ui.label("An .automerge file exported from Guild (the full history comes with it).");
        let label = ui.label("File");
        let path = state.draft("import.path");
        ui.add(
            egui::TextEdit::singleline(path)
                .hint_text("/path/to/charter.automerge")
                .desired_width(380.0),
        )
        .labelled_by(label.id);
        if ui.button("Import").clicked() && !path.trim().is_empty() {
            chosen = Some(path.trim().to_owned());
        }
    });
    if let Some(path) = chosen {
        send(UiCommand::Import { path: path.into() });
        *open = false;
    }
}

pub(super) fn export(
    ctx: &egui::Context,
    vm: &ViewModel,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
    open: &mut bool,
) {
    let Some(charter) = &vm.open else {
        *open = false;
        return;
    };
    let mut chosen = None;
    let mut asked = false;
    let doc = charter.view.id.clone();
    window("Export", open).show(ctx, |ui| {
        ui.label("Save the charter for people who do not use Guild:");
        for format in ExportFormat::ALL {
            let face = format!("Save as {}…", format.name());
            if ui.button(face).clicked() {
                send(UiCommand::ChooseExportFile {
                    doc: doc.clone(),
                    format,
                });
                asked = true;
            }
        }
        ui.add_space(8.0);
        let label = ui.label("Or type where to save it");
        let path = state.draft("export.path");
        ui.add(
            egui::TextEdit::singleline(path)
                .hint_text("/path/to/charter.html")
                .desired_width(380.0),
        )
        .labelled_by(label.id);
        ui.horizontal(|ui| {
            for format in ExportFormat::ALL {
                if ui.button(format.name()).clicked() && !path.trim().is_empty() {
                    chosen = Some((format, path.trim().to_owned()));
                }
            }
        });
    });
    if asked {
        *open = false;
    }
    if let Some((format, path)) = chosen {
        send(UiCommand::Export {
            doc: charter.view.id.clone(),
            format,
            path: path.into(),
        });
        *open = false;
    }
}

pub(super) fn remove_local(
    ctx: &egui::Context,
    vm: &ViewModel,
    doc: &str,
    _state: &mut UiState,
    send: &dyn Fn(UiCommand),
    open: &mut bool,
) {
    let title = vm
        .library
        .iter()
        .find(|e| e.id == doc)
        .map_or(doc.to_owned(), |e| e.title.clone());
    let mut confirmed = false;
    window("Remove from this device?", open).show(ctx, |ui| {
        ui.label(RichText::new(format!("“{title}” will be deleted from this device only.")).strong());
        ui.label("Everyone else keeps their copy and can share it with you again. Nothing is deleted for them.");
        ui.add_space(6.0);
        if ui.button(RichText::new("Remove from this device").color(egui::Color32::from_rgb(190, 50, 50))).clicked() {
            confirmed = true;
        }
    });
    if confirmed {
        send(UiCommand::RemoveLocal {
            doc: doc.to_owned(),
        });
        *open = false;
    }
}
