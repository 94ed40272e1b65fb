//! Share: the invite ticket as text (with a copy button) and as a QR code,
//! read-write or read-only. "Host a workshop" shows the QR big enough to
//! scan across a room, with LAN discovery on.

use egui::RichText;

use super::super::commands::UiCommand;
use super::super::qr;
use super::super::state::UiState;
use super::super::view_model::ViewModel;
use super::window;
use crate::present::access_of;

pub(super) fn show(
    ctx: &egui::Context,
    vm: &ViewModel,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
    open: &mut bool,
    workshop: bool,
) {
    let Some(charter) = &vm.open else {
        window("Host a workshop", open).show(ctx, |ui| {
            ui.label("Workshop mode is on: people on this network can find this device. Open a charter to show its invite.");
        });
        return;
    };
    let title = if workshop {
        "Host a workshop"
    } else {
        "Share this charter"
    };
    window(title, open).show(ctx, |ui| {
        if workshop {
            ui.label(
                RichText::new(format!(
                    "“{}” on this local network",
                    charter.view.charter.meta.title.as_str()
                ))
                .size(18.0),
            );
            ui.label(if vm.lan {
                "LAN discovery is on: participants' Guild finds this device by itself."
            } else {
                "Turning on LAN discovery…"
            });
        }
        let read_only = *state.flag("share.read_only");
        ui.horizontal(|ui| {
            let flag = state.flag("share.read_only");
            ui.radio_value(flag, false, "Can edit");
            ui.radio_value(flag, true, "Read only");
        });
        if super::super::sections::button(ui, "Make an invite", "Make an invite").clicked() {
            send(UiCommand::Share {
                doc: charter.view.id.clone(),
                access: access_of(read_only),
            });
        }
        if let Some(ticket) = &vm.ticket {
            ui.add_space(6.0);
            let label = ui.label("Invite ticket");
            let mut shown = ticket.clone();
            ui.add(
                egui::TextEdit::multiline(&mut shown)
                    .desired_rows(3)
                    .desired_width(460.0)
                    .font(egui::TextStyle::Monospace),
            )
            .labelled_by(label.id);
            if ui.button("📋 Copy ticket").clicked() {
                ui.ctx().copy_text(ticket.clone());
            }
            ui.add_space(6.0);
            let size = if workshop { 420.0 } else { 220.0 };
            qr::show(ui, ticket, size);
            ui.label(
                RichText::new("They choose “Join with a ticket…” and paste it (or scan it).")
                    .weak(),
            );
        }
    });
}
