//! Join: the workshops on this network, each with a Knock button (and a
//! field for the join code the host shows), or a pasted ticket; progress
//! until the charter arrives.

use guild_sync::net::ticket::InviteTicket;
use guild_sync::net::workshop::visitor::KnockProgress;

use super::super::commands::UiCommand;
use super::super::state::UiState;
use super::super::view_model::{JoinState, ViewModel};
use super::window;

/// What a ticket that does not parse is, in words a participant can act on
/// (the parser's own, "invalid symbol at 5", are not).
pub(crate) const DAMAGED: &str = "This ticket is incomplete or damaged — copy it again";

pub(super) fn show(
    ctx: &egui::Context,
    vm: &ViewModel,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
    open: &mut bool,
) {
    if !*state.flag("join.browsing") {
        state.flags.insert("join.browsing".into(), true);
        send(UiCommand::BrowseWorkshops);
    }
    window("Join a charter", open).show(ctx, |ui| {
        nearby(ui, vm, state, send);
        ui.separator();
        ui.label("Or paste the invite ticket someone shared with you.");
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
        // An error speaks of the text it was about: once the person edits
        // the ticket, it no longer applies.
        let tried = state.drafts.get("join.tried").cloned();
        let current = tried.as_deref() == Some(ticket.as_str());
        let error = |ui: &mut egui::Ui, text: &str| {
            ui.colored_label(egui::Color32::from_rgb(200, 60, 50), text);
        };
        match &vm.join {
            JoinState::Joining => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Connecting to the inviter and fetching the charter…");
                });
            }
            JoinState::Knocking { .. } => {}
            _ if current && *state.flag("join.damaged") => error(ui, DAMAGED),
            JoinState::Failed(why) if current => error(ui, &format!("Could not join: {why}")),
            JoinState::Joined(_) => {
                ui.label("Joined. The charter is open.");
            }
            JoinState::Failed(_) | JoinState::Idle => {}
        }
        let busy = matches!(vm.join, JoinState::Joining | JoinState::Knocking { .. });
        if ui
            .add_enabled(!busy && !ticket.is_empty(), egui::Button::new("Join"))
            .clicked()
        {
            let damaged = ticket.parse::<InviteTicket>().is_err();
            state.flags.insert("join.damaged".into(), damaged);
            state.drafts.insert("join.tried".into(), ticket.clone());
            if !damaged {
                send(UiCommand::Join { ticket });
            }
        }
    });
    if matches!(vm.join, JoinState::Joined(_)) && vm.open.is_some() {
        state.drafts.remove("join.ticket");
        *open = false;
    }
}

/// The workshops announced on this network, with the knock's progress.
fn nearby(ui: &mut egui::Ui, vm: &ViewModel, state: &mut UiState, send: &dyn Fn(UiCommand)) {
    ui.label(egui::RichText::new("Workshops on this network").strong());
    if let JoinState::Knocking {
        title,
        host,
        progress,
    } = &vm.join
    {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(match progress {
                KnockProgress::Knocking => format!("Knocking on “{title}”…"),
                KnockProgress::Waiting => format!("Waiting for {host} to let you in…"),
                KnockProgress::Admitted(_) => {
                    format!("{host} let you in: fetching “{title}”…")
                }
            });
        });
        return;
    }
    if vm.nearby.is_empty() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(egui::RichText::new("Looking for workshops nearby…").weak());
        });
        return;
    }
    let label = ui.label("Join code (if the host shows one)");
    let code = state.draft("join.code");
    ui.add(
        egui::TextEdit::singleline(code)
            .desired_width(120.0)
            .hint_text("123 456"),
    )
    .labelled_by(label.id);
    let code = code.trim().to_owned();
    for workshop in vm.nearby.iter() {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "“{}” — hosted by {}",
                workshop.title, workshop.host
            ));
            let knock = super::super::sections::button(
                ui,
                "Knock",
                &format!("Knock on {}", workshop.title),
            );
            if knock.clicked() {
                send(UiCommand::Knock {
                    workshop: workshop.clone(),
                    code: (!code.is_empty()).then(|| code.clone()),
                });
            }
        });
    }
}
