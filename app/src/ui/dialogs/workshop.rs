//! Host a workshop: before it starts, what it lets people do, whether to
//! show a join code and how long it may run at most; while it runs, the
//! join code in projector-sized digits, the people knocking with Admit ·
//! Admit read-only · Refuse, the "admit everyone for the next N minutes"
//! switch for big rooms, the ticket (and its QR) for everything else, and
//! the button that ends it.

use std::time::Duration;

use egui::RichText;
use guild_model::AccessLevel;
use guild_sync::net::workshop::desk::{Answer, HostedWorkshop};

use super::super::commands::UiCommand;
use super::super::sections::button;
use super::super::state::UiState;
use super::super::view_model::ViewModel;
use super::share::{expiry_choice, show_ticket};
use super::window;
use crate::present::{access_of, duration_words};

/// The latest a workshop ends, if the host never ends it (a crash, a
/// forgotten laptop): the choices, by label.
const LIMITS: [(&str, Option<u64>); 3] = [
    ("1 h", Some(3600)),
    ("3 h", Some(3 * 3600)),
    ("8 h", Some(8 * 3600)),
];

/// How long the admit-everyone switch stays on, in minutes: the choices.
const ADMIT_ALL_MINUTES: [u64; 3] = [5, 10, 30];

pub(super) fn show(
    ctx: &egui::Context,
    vm: &ViewModel,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
    open: &mut bool,
) {
    let mut stop = false;
    // The ticket's QR is big enough to scan across a room: on a laptop the
    // dialog would be taller than the screen, so it scrolls.
    let height = (ctx.content_rect().height() - 120.0).max(200.0);
    window("Host a workshop", open).show(ctx, |ui| {
        // Wide enough for a knock and its three answers on one line.
        ui.set_min_width(520.0);
        egui::ScrollArea::vertical()
            .max_height(height)
            .show(ui, |ui| match (&vm.hosting, &vm.open) {
                (Some(hosting), _) => running(ui, vm, hosting, state, send),
                (None, Some(charter)) => {
                    start(ui, &charter.view.id, charter.view.charter.meta.title.as_str(), state, send);
                }
                (None, None) => {
                    ui.label("Open the charter the workshop is about first.");
                }
            });
        if vm.hosting.is_some() {
            ui.separator();
            stop = button(ui, "End the workshop", "Stop the workshop")
                .on_hover_text("Stop announcing it, close its invites and its join code; people who joined stay")
                .clicked();
        }
    });
    if stop {
        send(UiCommand::StopWorkshop);
        *open = false;
    }
}

/// Before the workshop: its settings and the Start button.
fn start(ui: &mut egui::Ui, doc: &str, title: &str, state: &mut UiState, send: &dyn Fn(UiCommand)) {
    ui.label(RichText::new(format!("“{title}” on this local network")).size(18.0));
    ui.label("People on this network see it in their “Join” dialog and knock; you let them in.");
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        let flag = state.flag("workshop.read_only");
        ui.radio_value(flag, false, "Can edit");
        ui.radio_value(flag, true, "Read only");
    });
    ui.checkbox(
        state.flag("workshop.code"),
        "Show a join code: whoever types it gets in without a click",
    );
    let limit = expiry_choice(
        ui,
        &LIMITS,
        "workshop.limit",
        "It ends when you end it, at the latest after",
        1,
    );
    if button(ui, "Start the workshop", "Start the workshop").clicked() {
        send(UiCommand::HostWorkshop {
            doc: doc.to_owned(),
            access: access_of(*state.flag("workshop.read_only")),
            code: *state.flag("workshop.code"),
            limit: Duration::from_secs(limit.unwrap_or(3 * 3600)),
        });
    }
}

/// While the workshop runs.
fn running(
    ui: &mut egui::Ui,
    vm: &ViewModel,
    hosting: &HostedWorkshop,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
) {
    ui.label(RichText::new(format!("“{}” is on this network", hosting.title)).size(18.0));
    ui.label(format!(
        "Announced as hosted by {}. People choose “Join a charter” and see it there.",
        hosting.host
    ));
    join_code(ui, hosting);
    ui.add_space(8.0);
    knocks(ui, hosting, send);
    ui.add_space(8.0);
    admit_everyone(ui, hosting, state, send);
    if let Some(ticket) = &vm.ticket {
        ui.add_space(8.0);
        egui::CollapsingHeader::new("Ticket and QR code (for people on another network)").show(
            ui,
            |ui| {
                let access = ticket
                    .parse::<guild_sync::net::ticket::InviteTicket>()
                    .map_or(AccessLevel::ReadWrite, |t| t.access);
                show_ticket(ui, ticket, access, 420.0);
            },
        );
    }
}

fn join_code(ui: &mut egui::Ui, hosting: &HostedWorkshop) {
    if let Some(code) = &hosting.code {
        ui.add_space(8.0);
        ui.label("Join code");
        let spaced = format!("{} {}", &code[..code.len() / 2], &code[code.len() / 2..]);
        ui.label(RichText::new(spaced).size(64.0).monospace().strong())
            .widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::Label, true, format!("Join code {code}"))
            });
    } else if hosting.code_locked {
        ui.colored_label(
            egui::Color32::from_rgb(200, 60, 50),
            format!(
                "The join code was turned off after {} wrong tries. People can still knock.",
                hosting.wrong_codes
            ),
        );
    }
}

fn knocks(ui: &mut egui::Ui, hosting: &HostedWorkshop, send: &dyn Fn(UiCommand)) {
    ui.label(RichText::new("Knocking").strong());
    if hosting.knocks.is_empty() {
        ui.label(RichText::new("Nobody is knocking.").weak());
    }
    for knock in &hosting.knocks {
        ui.horizontal_wrapped(|ui| {
            let device: String = knock.endpoint.chars().take(4).collect();
            ui.label(format!("{} (device {device}…) asks to join", knock.name));
            let name = &knock.name;
            let answer = |answer| UiCommand::AnswerKnock {
                id: knock.id,
                answer,
            };
            if button(ui, "Admit", &format!("Admit {name}")).clicked() {
                send(answer(Answer::Admit(AccessLevel::ReadWrite)));
            }
            if button(ui, "Admit read-only", &format!("Admit {name} read-only")).clicked() {
                send(answer(Answer::Admit(AccessLevel::ReadOnly)));
            }
            if button(ui, "Refuse", &format!("Refuse {name}")).clicked() {
                send(answer(Answer::Refuse));
            }
        });
    }
}

fn admit_everyone(
    ui: &mut egui::Ui,
    hosting: &HostedWorkshop,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
) {
    if let Some((access, left)) = hosting.admit_all {
        let what = match access {
            AccessLevel::ReadWrite => "everyone who knocks",
            AccessLevel::ReadOnly => "everyone who knocks (read only)",
        };
        ui.label(format!(
            "Letting {what} in for {} more.",
            duration_words(left)
        ));
        if button(ui, "Stop letting everyone in", "Stop letting everyone in").clicked() {
            send(UiCommand::AdmitEveryone(None));
        }
        return;
    }
    let id = egui::Id::unique("workshop.admit_all_minutes");
    let mut minutes = ui.data(|d| d.get_temp::<u64>(id)).unwrap_or(10);
    ui.horizontal_wrapped(|ui| {
        let on = button(ui, "Admit everyone who knocks", "Admit everyone who knocks");
        ui.label("for the next");
        for choice in ADMIT_ALL_MINUTES {
            ui.radio_value(&mut minutes, choice, format!("{choice} min"));
        }
        if on.clicked() {
            let access = access_of(*state.flag("workshop.read_only"));
            send(UiCommand::AdmitEveryone(Some((
                access,
                Duration::from_secs(minutes * 60),
            ))));
        }
    });
    ui.data_mut(|d| d.insert_temp(id, minutes));
}
