//! First run: who you are — a name and a colour peers see.

use super::super::commands::UiCommand;
use super::super::state::UiState;

const COLORS: [[u8; 3]; 8] = [
    [214, 69, 65],
    [230, 126, 34],
    [241, 196, 15],
    [46, 160, 90],
    [26, 150, 160],
    [52, 120, 210],
    [142, 68, 173],
    [200, 80, 150],
];

pub(super) fn show(ctx: &egui::Context, state: &mut UiState, send: &dyn Fn(UiCommand)) {
    egui::Window::new("Welcome to Guild")
        .collapsible(false)
        .resizable(false)
        .order(egui::Order::Foreground)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label("How should your colleagues see you when you edit together?");
            ui.add_space(6.0);
            let label = ui.label("Your name");
            let name = state.draft("identity.name");
            let input = ui.text_edit_singleline(name).labelled_by(label.id);
            // The first thing to do here is type a name: be ready for it,
            // unless the person has moved on to another control.
            if ui.ctx().memory(|m| m.focused().is_none()) {
                input.request_focus();
            }
            let pick = state
                .drafts
                .get("identity.color")
                .and_then(|c| c.parse::<usize>().ok())
                .unwrap_or(5);
            ui.horizontal(|ui| {
                ui.label("Your colour");
                for (i, rgb) in COLORS.iter().enumerate() {
                    let color = super::super::shell::color(*rgb);
                    let stroke = if i == pick {
                        egui::Stroke::new(3.0, ui.visuals().strong_text_color())
                    } else {
                        egui::Stroke::NONE
                    };
                    let swatch = egui::Button::new("")
                        .fill(color)
                        .stroke(stroke)
                        .min_size(egui::vec2(24.0, 24.0));
                    let response = ui.add(swatch);
                    response.widget_info(|| {
                        egui::WidgetInfo::labeled(
                            egui::Role::Button,
                            true,
                            format!("Colour {}", i + 1),
                        )
                    });
                    if response.clicked() {
                        state.drafts.insert("identity.color".into(), i.to_string());
                    }
                }
            });
            ui.add_space(8.0);
            let name = state
                .drafts
                .get("identity.name")
                .cloned()
                .unwrap_or_default();
            if ui
                .add_enabled(!name.trim().is_empty(), egui::Button::new("Continue"))
                .clicked()
            {
                send(UiCommand::SetIdentity {
                    name: name.trim().to_owned(),
                    color: COLORS[pick % COLORS.len()],
                });
            }
        });
}
