//! Share: the invite ticket as text (with a copy button) and as a QR code,
//! read-write or read-only, admitting until closed or for a while; the
//! charter's open invites, each with a Close button. "Host a workshop"
//! shows the QR big enough to scan across a room, with LAN discovery on;
//! its invites close when the workshop stops (and at the latest after the
//! limit the host chose), and the people they admitted stay.

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

/// The latest a workshop's invites close, if the host never stops it
/// (a crash, a forgotten laptop): the choices, by label.
const WORKSHOP_LIMITS: [(&str, Option<u64>); 3] = [
    ("1 h", Some(3600)),
    ("3 h", Some(3 * 3600)),
    ("8 h", Some(8 * 3600)),
];

pub(super) fn show(
    ctx: &egui::Context,
    vm: &ViewModel,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
    open: &mut bool,
    workshop: bool,
) {
    let mut stop = false;
    let title = if workshop {
        "Host a workshop"
    } else {
        "Share this charter"
    };
    // The workshop's QR is big enough to scan across a room, so on a laptop
    // the dialog would be taller than the screen: it scrolls instead.
    let height = (ctx.content_rect().height() - 120.0).max(200.0);
    window(title, open).show(ctx, |ui| {
        egui::ScrollArea::vertical()
            .max_height(height)
            .show(ui, |ui| match &vm.open {
                Some(charter) => invite(ui, vm, charter, state, send, workshop),
                None => ui.label(
                    "Workshop mode is on: people on this network can find this device. Open a charter to show its invite.",
                ),
            });
        if workshop {
            ui.separator();
            stop = ui
                .button("Stop the workshop")
                .on_hover_text("Stop announcing this device on the local network and close the workshop's invites; people who joined stay")
                .clicked();
        }
    });
    if stop {
        send(UiCommand::StopWorkshop);
        *open = false;
    }
}

fn invite(
    ui: &mut egui::Ui,
    vm: &ViewModel,
    charter: &OpenCharter,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
    workshop: bool,
) -> egui::Response {
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
    ui.horizontal(|ui| {
        let flag = state.flag("share.read_only");
        ui.radio_value(flag, false, "Can edit");
        ui.radio_value(flag, true, "Read only");
    });
    let access = access_of(*state.flag("share.read_only"));
    let expires = expiry_choice(ui, workshop);
    let make = super::super::sections::button(ui, "Make an invite", "Make an invite");
    if make.clicked() {
        send(UiCommand::Share {
            doc: charter.view.id.clone(),
            access,
            expires: expires.map(Duration::from_secs),
            workshop,
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
        show_ticket(ui, ticket, access, workshop);
    }
    invites(ui, vm, charter, send);
    make
}

/// How long the next invite admits, chosen with radio buttons (kept in
/// egui's memory, per kind of dialog): a plain invite until closed or for
/// a while; a workshop's until it stops and at most for a limit.
fn expiry_choice(ui: &mut egui::Ui, workshop: bool) -> Option<u64> {
    let (choices, key, intro): (&[(&str, Option<u64>)], _, _) = if workshop {
        (
            &WORKSHOP_LIMITS,
            "share.workshop_limit",
            "Invites close when the workshop stops, at the latest after",
        )
    } else {
        (&EXPIRIES, "share.expiry", "Admits")
    };
    let id = egui::Id::unique(key);
    // A workshop's default is its middle choice (3 h), an invite's "until closed".
    let default = usize::from(workshop);
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

/// Whether `ticket` invites to `doc` with exactly `access`.
fn grants(ticket: &str, doc: &str, access: AccessLevel) -> bool {
    ticket
        .parse::<InviteTicket>()
        .is_ok_and(|t| t.doc == doc && t.access == access)
}

fn show_ticket(ui: &mut egui::Ui, ticket: &str, access: AccessLevel, workshop: bool) {
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
    let size = if workshop { 420.0 } else { 220.0 };
    qr::show(ui, ticket, size)
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "Invite QR code"));
    ui.label(RichText::new("They choose “Join with a ticket…” and paste it (or scan it).").weak());
}

/// How long "Copied" stays, in seconds.
const COPIED_FOR: f64 = 3.0;

fn copied_id() -> egui::Id {
    egui::Id::unique("share.copied")
}
