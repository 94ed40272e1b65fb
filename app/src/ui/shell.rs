//! The window's frame around a charter: the top bar (library, sync state,
//! share, host a workshop, who is here), the side navigation, the status
//! bar ("not saved") and the toasts.

use egui::{Color32, RichText};
use guild_sync::net::node::SyncStatus;

use super::commands::UiCommand;
use super::section::Section;
use super::state::{Dialog, UiState};
use super::view_model::{OpenCharter, ViewModel};

pub(crate) fn color(rgb: [u8; 3]) -> Color32 {
    Color32::from_rgb(rgb[0], rgb[1], rgb[2])
}

/// A small filled circle (the proportional fonts have no "●").
pub(crate) fn dot(ui: &mut egui::Ui, tint: Color32) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), 4.5, tint);
    response
}

/// The sync indicator's words and colour: whom this charter is synced with
/// now, and how many of this device's changes no peer is known to have.
///
/// Only what the node knows is said: a device whose peers are all away is
/// not "offline" (it may well be on the network, alone), and changes are
/// counted as not yet shared only against what a peer acknowledged.
pub(crate) fn sync_summary(status: Option<&SyncStatus>) -> (String, Color32) {
    const GREY: Color32 = Color32::GRAY;
    const AMBER: Color32 = Color32::from_rgb(214, 140, 30);
    let Some(status) = status else {
        return ("sync state unknown".into(), GREY);
    };
    if status.peers.is_empty() {
        return ("only on this device".into(), GREY);
    }
    let connected: Vec<_> = status.peers.iter().filter(|p| p.connected).collect();
    if connected.is_empty() {
        // Counted against what each peer had when it was last here; unknown
        // (and not shown) if none has been here since Guild started.
        let unshared = status.peers.iter().filter_map(|p| p.unshared).min();
        return match unshared {
            Some(n) if n > 0 => (format!("no peer reachable · {}", not_yet_shared(n)), AMBER),
            _ => ("no peer reachable".into(), GREY),
        };
    }
    let done = connected
        .iter()
        .all(|p| p.has_our_changes && p.we_have_theirs);
    let n = connected.len();
    let peers = if n == 1 {
        "1 peer".to_owned()
    } else {
        format!("{n} peers")
    };
    // "How am I connected?": said only when a relay carries some of it.
    let relayed = connected
        .iter()
        .filter(|p| p.path == Some(guild_sync::net::paths::PathKind::Relayed))
        .count();
    let peers = if relayed > 0 {
        format!("{peers} ({relayed} via the relay)")
    } else {
        peers
    };
    if done {
        (
            format!("up to date with {peers}"),
            Color32::from_rgb(46, 139, 87),
        )
    } else if let Some(n) = connected.iter().filter_map(|p| p.unshared).min()
        && n > 0
    {
        // Not `pending_changes`: until a peer acknowledges anything that
        // counts every change the charter has.
        (
            format!("syncing with {peers} · {}", not_yet_shared(n)),
            AMBER,
        )
    } else {
        (format!("syncing with {peers}"), AMBER)
    }
}

/// "1 change not yet shared", "3 changes not yet shared".
fn not_yet_shared(n: usize) -> String {
    if n == 1 {
        "1 change not yet shared".to_owned()
    } else {
        format!("{n} changes not yet shared")
    }
}

/// Below this width the top bar's buttons get a row of their own: on one
/// row they would be laid over the title and the sync state.
const TOP_BAR_ONE_ROW: f32 = 1000.0;

pub(crate) fn top_bar(
    ui: &mut egui::Ui,
    vm: &ViewModel,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
) {
    egui::Panel::top("top_bar").show(ui, |ui| {
        ui.add_space(4.0);
        if ui.available_width() < TOP_BAR_ONE_ROW {
            ui.horizontal_wrapped(|ui| where_we_are(ui, vm, send));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                top_bar_actions(ui, vm, state);
            });
        } else {
            ui.horizontal(|ui| {
                where_we_are(ui, vm, send);
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    top_bar_actions(ui, vm, state);
                });
            });
        }
        ui.add_space(4.0);
    });
}

/// The top bar's left: the open charter, whether it is read-only, its sync.
fn where_we_are(ui: &mut egui::Ui, vm: &ViewModel, send: &dyn Fn(UiCommand)) {
    ui.heading(RichText::new("Guild").strong());
    ui.separator();
    let Some(open) = &vm.open else { return };
    if ui
        .button("◀ Library")
        .on_hover_text("Back to all charters")
        .clicked()
    {
        send(UiCommand::Close);
    }
    ui.label(RichText::new(open.view.charter.meta.title.as_str()).heading());
    if open.view.read_only {
        ui.label(RichText::new("read-only").italics().color(Color32::GRAY))
            .on_hover_text("This device may read this charter; its edits would not be accepted.");
    }
    let (text, tint) = sync_summary(open.status.as_ref());
    dot(ui, tint);
    let shown = ui.label(RichText::new(text).color(tint));
    let how = peer_paths(open.status.as_ref());
    if !how.is_empty() {
        shown.on_hover_text(how);
    }
}

/// "How am I connected?", per connected peer: "Ben's laptop — direct,
/// 1.6 ms", one line each (the sync line's hover).
pub(crate) fn peer_paths(status: Option<&SyncStatus>) -> String {
    status
        .map(|s| {
            s.peers
                .iter()
                .filter(|p| p.connected)
                .map(|p| {
                    let path = p.path.map_or("connecting", |k| k.as_str());
                    let rtt = p.rtt_us.map_or(String::new(), |us| {
                        format!(", {:.1} ms", us as f64 / 1000.0)
                    });
                    format!("{} — {path}{rtt}", p.label)
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// The top bar's right, laid out right to left: who is here, share,
/// export, the workshop.
fn top_bar_actions(ui: &mut egui::Ui, vm: &ViewModel, state: &mut UiState) {
    if let Some(identity) = &vm.identity {
        ui.label(RichText::new(&identity.name).color(color(identity.color)));
        dot(ui, color(identity.color));
    }
    if let Some(open) = &vm.open {
        for person in open.presence.iter().rev() {
            let where_ = Section::from_key(&person.section).map_or("", Section::label);
            // A click on a name follows them from section to section.
            let name = ui
                .add(
                    egui::Button::new(RichText::new(&person.name).color(color(person.color)))
                        .frame(false),
                )
                .on_hover_text(format!(
                    "{} ({:.8}…) is in {where_}. Click to follow them.",
                    person.name, person.endpoint
                ));
            let label = format!("Follow {}", person.name);
            name.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, label.clone()));
            if name.clicked() {
                state.following = Some(person.endpoint.clone());
            }
            dot(ui, color(person.color));
        }
        if !open.view.read_only && ui.button("Share…").clicked() {
            state.dialog = Dialog::Share;
        }
        if ui.button("Export…").clicked() {
            state.dialog = Dialog::Export;
        }
    }
    let workshop = match &vm.hosting {
        Some(w) if !w.knocks.is_empty() => format!("Workshop on · {} knocking", w.knocks.len()),
        Some(_) => "Workshop on…".to_owned(),
        None => "Host a workshop".to_owned(),
    };
    if ui
        .button(workshop)
        .on_hover_text("Announce a workshop on this local network and let people in")
        .clicked()
    {
        state.dialog = Dialog::Workshop;
    }
}

pub(crate) fn navigation(ui: &mut egui::Ui, open: &OpenCharter, state: &mut UiState) {
    egui::Panel::left("navigation")
        .resizable(false)
        .default_size(190.0)
        .show(ui, |ui| {
            ui.add_space(8.0);
            for section in Section::ALL {
                let selected = state.section == Some(section);
                let here: Vec<_> = open
                    .presence
                    .iter()
                    .filter(|p| p.section == section.key())
                    .collect();
                ui.horizontal(|ui| {
                    let item = ui.selectable_label(selected, section.label());
                    item.widget_info(|| {
                        egui::WidgetInfo::selected(
                            egui::Role::Button,
                            true,
                            selected,
                            format!("Go to {}", section.label()),
                        )
                    });
                    if item.clicked() {
                        state.section = Some(section);
                        super::follow::stop(state, open);
                    }
                    for person in here {
                        dot(ui, color(person.color)).on_hover_text(person.name.clone());
                    }
                });
            }
            ui.add_space(12.0);
            ui.separator();
            let v = &open.view;
            ui.label(
                RichText::new(format!("{} changes in the history", v.changes))
                    .small()
                    .color(Color32::GRAY),
            )
            .on_hover_text(
                "Every change saved, undos and redos too: each one reached everyone's copy.",
            );
            if !v.conflicts.is_empty() {
                ui.label(
                    RichText::new(format!("⚠ {} conflicting fields", v.conflicts.len()))
                        .small()
                        .color(Color32::from_rgb(214, 140, 30)),
                )
                .on_hover_text("Two people set these at once: History shows both and settles it.");
            }
        });
}

pub(crate) fn status_bar(ui: &mut egui::Ui, vm: &ViewModel) {
    let health = &vm.health;
    if health.unsaved_writes == 0 && health.damaged.is_empty() {
        return;
    }
    egui::Panel::bottom("status_bar").show(ui, |ui| {
        if health.unsaved_writes > 0 {
            let why = health.last_write_error.clone().unwrap_or_default();
            ui.label(
                RichText::new(format!(
                    "⚠ Not saved: {} change(s) are only in memory ({why}). Guild keeps retrying.",
                    health.unsaved_writes
                ))
                .color(Color32::from_rgb(200, 40, 40)),
            );
        }
        if !health.damaged.is_empty() {
            ui.label(
                RichText::new(format!(
                    "⚠ {} damaged file(s) on disk were skipped; the rest loaded.",
                    health.damaged.len()
                ))
                .color(Color32::from_rgb(214, 140, 30)),
            );
        }
    });
}

pub(crate) fn toasts(ctx: &egui::Context, vm: &ViewModel, send: &dyn Fn(UiCommand)) {
    if vm.toasts.is_empty() {
        return;
    }
    egui::Area::new(egui::Id::unique("toasts"))
        .anchor(egui::Align2::RIGHT_BOTTOM, [-16.0, -16.0])
        .show(ctx, |ui| {
            for toast in &vm.toasts {
                let fill = if toast.error {
                    Color32::from_rgb(120, 30, 30)
                } else {
                    Color32::from_rgb(40, 60, 90)
                };
                egui::Frame::popup(ui.style()).fill(fill).show(ui, |ui| {
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(&toast.text).color(Color32::WHITE));
                        if ui.small_button("Dismiss").clicked() {
                            send(UiCommand::Dismiss(toast.id));
                        }
                    });
                });
            }
        });
}

pub(crate) fn failed(ui: &mut egui::Ui, why: &str) {
    ui.vertical_centered(|ui| {
        ui.add_space(80.0);
        ui.heading("Guild could not open its data");
        ui.add_space(12.0);
        ui.label(why);
        ui.add_space(12.0);
        ui.label(
            "Close the other Guild window or process, or start Guild with another --data-dir.",
        );
    });
}

#[cfg(test)]
mod relay_summary_tests {
    use guild_sync::net::node::{PeerStatus, SyncStatus};
    use guild_sync::net::paths::PathKind;

    use super::{peer_paths, sync_summary};

    fn peer(path: PathKind) -> PeerStatus {
        PeerStatus {
            endpoint: "e".repeat(64),
            label: "Ben's laptop".into(),
            connected: true,
            has_our_changes: true,
            we_have_theirs: true,
            unshared: Some(0),
            path: Some(path),
            rtt_us: Some(1500),
        }
    }

    #[test]
    fn the_top_bar_says_when_a_relay_carries_the_sync() {
        let status = |peers| SyncStatus {
            doc: "doc".into(),
            peers,
            pending_changes: 0,
        };
        let direct = status(vec![peer(PathKind::Direct), peer(PathKind::Direct)]);
        assert_eq!(sync_summary(Some(&direct)).0, "up to date with 2 peers");
        let mixed = status(vec![peer(PathKind::Direct), peer(PathKind::Relayed)]);
        assert_eq!(
            sync_summary(Some(&mixed)).0,
            "up to date with 2 peers (1 via the relay)"
        );
    }

    #[test]
    fn each_connected_peer_says_how_it_is_reached_and_how_far() {
        let status = SyncStatus {
            doc: "d".into(),
            peers: vec![
                peer(PathKind::Direct),
                PeerStatus {
                    label: "Office peer".into(),
                    rtt_us: Some(31_800),
                    ..peer(PathKind::Relayed)
                },
                PeerStatus {
                    label: "Away".into(),
                    connected: false,
                    ..peer(PathKind::Direct)
                },
            ],
            pending_changes: 0,
        };
        assert_eq!(
            peer_paths(Some(&status)),
            "Ben's laptop — direct, 1.5 ms\nOffice peer — relayed, 31.8 ms"
        );
        assert_eq!(peer_paths(None), "");
    }
}
