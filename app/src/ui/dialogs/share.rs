//! Share: the invite ticket as text (with a copy button) and as a QR code,
//! read-write or read-only, admitting until closed or for a while; the
//! charter's open invites, each with a Close button. A workshop's own
//! dialog is [`super::workshop`].

use std::time::Duration;

use egui::RichText;
use guild_model::AccessLevel;
use guild_sync::net::ticket::InviteTicket;

use super::super::commands::UiCommand;
use super::super::qr;
use super::super::state::UiState;
use super::super::view_model::{OpenCharter, ViewModel};
use super::window;
use crate::present::{access_of, open_invites, unix_now};

/// How long a plain invite admits: the choices, by label.
const EXPIRIES: [(&str, Option<u64>); 4] = [
    ("Until closed", None),
    ("1 hour", Some(3600)),
    ("1 day", Some(86_400)),
    ("1 week", Some(604_800)),
];

pub(super) fn show(
    ctx: &egui::Context,
    vm: &ViewModel,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
    open: &mut bool,
) {
    // With its QR code and the invites, the dialog may be taller than a
    // laptop's screen: it scrolls instead.
    let height = (ctx.content_rect().height() - 120.0).max(200.0);
    window("Share this charter", open).show(ctx, |ui| {
        egui::ScrollArea::vertical()
            .max_height(height)
            .show(ui, |ui| {
                if let Some(charter) = &vm.open {
                    invite(ui, vm, charter, state, send);
                }
            });
    });
}

fn invite(
    ui: &mut egui::Ui,
    vm: &ViewModel,
    charter: &OpenCharter,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
) -> egui::Response {
    ui.horizontal(|ui| {
        let flag = state.flag("share.read_only");
        ui.radio_value(flag, false, "Can edit");
        ui.radio_value(flag, true, "Read only");
    });
    let access = access_of(*state.flag("share.read_only"));
    let expires = expiry_choice(ui, &EXPIRIES, "share.expiry", "Admits", 0);
    let make = super::super::sections::button(ui, "Make an invite", "Make an invite");
    if make.clicked() {
        send(UiCommand::Share {
            doc: charter.view.id.clone(),
            access,
            expires: expires.map(Duration::from_secs),
            workshop: false,
        });
    }
    // The ticket arrives asynchronously and stays in the view model after
    // the choice changes: a facilitator projecting a read-write ticket
    // after choosing "Read only" would hand the room edit rights, so only a
    // ticket for this charter and the access chosen now is ever shown.
    if let Some(ticket) = vm
        .ticket
        .as_deref()
        .filter(|t| grants(t, &charter.view.id, access))
    {
        show_ticket(ui, ticket, access, 220.0);
    }
    invites(ui, vm, charter, send);
    relay(ui, vm, &charter.view.id, state, send);
    make
}

/// How long something admits, chosen among `choices` with radio buttons
/// (kept in egui's memory under `key`): a plain invite until closed or for
/// a while; a workshop until it stops and at most for a limit.
pub(super) fn expiry_choice(
    ui: &mut egui::Ui,
    choices: &[(&str, Option<u64>)],
    key: &str,
    intro: &str,
    default: usize,
) -> Option<u64> {
    let id = egui::Id::unique(key);
    let mut chosen = ui.data(|d| d.get_temp::<usize>(id)).unwrap_or(default);
    ui.horizontal_wrapped(|ui| {
        ui.label(intro);
        for (i, (label, _)) in choices.iter().enumerate() {
            ui.radio_value(&mut chosen, i, *label);
        }
    });
    ui.data_mut(|d| d.insert_temp(id, chosen));
    choices.get(chosen).and_then(|(_, secs)| *secs)
}

/// The charter's open invites, each with what it grants, who made it, when
/// it expires, how many joined with it, and a Close button.
fn invites(ui: &mut egui::Ui, vm: &ViewModel, charter: &OpenCharter, send: &dyn Fn(UiCommand)) {
    let rows = open_invites(&charter.view.charter.access, &vm.endpoint, unix_now());
    if rows.is_empty() {
        return;
    }
    ui.add_space(8.0);
    ui.separator();
    ui.label(RichText::new("Open invites").strong());
    for row in rows {
        ui.horizontal_wrapped(|ui| {
            let access = match row.access {
                AccessLevel::ReadWrite => "can edit",
                AccessLevel::ReadOnly => "read only",
            };
            let workshop = if row.workshop { " · workshop" } else { "" };
            ui.label(format!(
                "{} · by {} · {} · {} joined{workshop}",
                access, row.made_by, row.expiry, row.joined
            ));
            if ui
                .button("Close invite")
                .on_hover_text("Nobody more joins with it; who joined stays")
                .clicked()
            {
                send(UiCommand::CloseInvite {
                    doc: charter.view.id.clone(),
                    hash: row.hash.clone(),
                });
            }
        });
    }
}

/// Across offices: the relay this charter's community runs (`guild
/// relay`), used from Guild's next start; tickets made then carry it.
fn relay(
    ui: &mut egui::Ui,
    vm: &ViewModel,
    doc: &str,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
) {
    ui.add_space(8.0);
    ui.separator();
    ui.label(RichText::new("Across offices").strong());
    ui.label(match &vm.relay_in_use {
        Some(relay) => format!("Guild reaches peers directly and through the relay {relay}."),
        None => "Guild reaches peers directly only (same network, or an address they can dial)."
            .to_owned(),
    });
    let saved = vm.relay_for_open.as_deref();
    if saved != vm.relay_in_use.as_deref()
        && let Some(saved) = saved
    {
        ui.label(format!(
            "This charter's relay, from Guild's next start: {saved}"
        ));
    }
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Relay");
        let url = state.draft("share.relay");
        ui.add(
            egui::TextEdit::singleline(url)
                .desired_width(300.0)
                .hint_text(saved.unwrap_or("http://relay.example.org:3340")),
        )
        .labelled_by(label.id);
        let url = url.trim().to_owned();
        if ui
            .add_enabled(!url.is_empty(), egui::Button::new("Use this relay"))
            .on_hover_text(
                "Remember it for this charter on this device; Guild uses it from its next start",
            )
            .clicked()
        {
            send(UiCommand::SetRelay {
                doc: doc.to_owned(),
                url: Some(url),
            });
            state.drafts.remove("share.relay");
        }
        if saved.is_some() && ui.button("No relay").clicked() {
            send(UiCommand::SetRelay {
                doc: doc.to_owned(),
                url: None,
            });
        }
    });
}

/// Whether `ticket` invites to `doc` with exactly `access`.
fn grants(ticket: &str, doc: &str, access: AccessLevel) -> bool {
    ticket
        .parse::<InviteTicket>()
        .is_ok_and(|t| t.doc == doc && t.access == access)
}

/// The ticket as text with a copy button, and as a QR code `qr_size`
/// points wide (big enough to scan across a room in a workshop).
pub(super) fn show_ticket(ui: &mut egui::Ui, ticket: &str, access: AccessLevel, qr_size: f32) {
    ui.add_space(6.0);
    ui.label(
        RichText::new(match access {
            AccessLevel::ReadWrite => "This invite lets people edit",
            AccessLevel::ReadOnly => "This invite lets people read only",
        })
        .strong(),
    );
    let label = ui.label("Invite ticket");
    let mut shown = ticket.to_owned();
    ui.add(
        egui::TextEdit::multiline(&mut shown)
            .desired_rows(3)
            .desired_width(460.0)
            .font(egui::TextStyle::Monospace),
    )
    .labelled_by(label.id);
    ui.horizontal(|ui| {
        let now = ui.input(|i| i.time);
        if ui.button("📋 Copy ticket").clicked() {
            ui.ctx().copy_text(ticket.to_owned());
            ui.data_mut(|d| d.insert_temp(copied_id(), (ticket.to_owned(), now)));
        }
        // Copying gives no sign of its own: say so for a few seconds.
        let copied = ui.data(|d| d.get_temp::<(String, f64)>(copied_id()));
        if let Some((what, at)) = copied {
            let left = COPIED_FOR - (now - at);
            if what == ticket && left > 0.0 {
                ui.label(RichText::new("✔ Copied").color(egui::Color32::from_rgb(46, 139, 87)));
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_secs_f64(left));
            }
        }
    });
    ui.add_space(6.0);
    qr::show(ui, ticket, qr_size)
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "Invite QR code"));
    ui.label(RichText::new("They choose “Join with a ticket…” and paste it (or scan it).").weak());
}

/// How long "Copied" stays, in seconds.
const COPIED_FOR: f64 = 3.0;

fn copied_id() -> egui::Id {
    egui::Id::unique("share.copied")
}
