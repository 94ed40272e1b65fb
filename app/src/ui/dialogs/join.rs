//! Join with a ticket: paste it, watch progress until the charter arrives.

use super::super::commands::UiCommand;
use super::super::state::UiState;
use super::super::view_model::{JoinState, ViewModel};
use super::window;

pub(super) fn show(
    ctx: &egui::Context,
    vm: &ViewModel,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
    open: &mut bool,
) {
    window("Join a charter", open).show(ctx, |ui| {
        ui.label("Paste the invite ticket someone shared with you.");
        let label = ui.label("Ticket");
        let ticket = state.draft("join.ticket");
        ui.add(
            egui::TextEdit::multiline(ticket)
                .desired_rows(3)
                .desired_width(420.0)
                .hint_text("guild…"),
        )
        .labelled_by(label.id);
        let ticket = ticket.trim().to_owned();
        match &vm.join {
            JoinState::Joining => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Connecting to the inviter and fetching the charter…");
                });
            }
            JoinState::Failed(why) => {
                ui.colored_label(
                    egui::Color32::from_rgb(200, 60, 50),
                    format!("Could not join: {why}"),
                );
            }
            JoinState::Joined(_) => {
                ui.label("Joined. The charter is open.");
            }
            JoinState::Idle => {}
        }
        let busy = vm.join == JoinState::Joining;
        if ui
            .add_enabled(!busy && !ticket.is_empty(), egui::Button::new("Join"))
            .clicked()
        {
            send(UiCommand::Join { ticket });
        }
    });
    if matches!(vm.join, JoinState::Joined(_)) && vm.open.is_some() {
        state.drafts.remove("join.ticket");
        *open = false;
    }
}
