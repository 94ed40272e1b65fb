//! Dialogs: new charter, join, import, share, host a workshop, export,
//! remove from this device, and who you are (first run).

mod identity;
mod join;
#[cfg(test)]
pub(crate) use join::DAMAGED;
mod library;
mod share;
mod workshop;

use super::commands::UiCommand;
use super::state::{Dialog, UiState};
use super::view_model::ViewModel;

pub(crate) fn show(
    ctx: &egui::Context,
    vm: &ViewModel,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
) {
    if vm.identity.is_none() {
        dim(ctx);
        identity::show(ctx, state, send);
        return;
    }
    if state.dialog == Dialog::None {
        return;
    }
    dim(ctx);
    let mut open = true;
    match state.dialog.clone() {
        Dialog::None => {}
        Dialog::New => library::new(ctx, state, send, &mut open),
        Dialog::Import => library::import(ctx, state, send, &mut open),
        Dialog::RemoveLocal(doc) => library::remove_local(ctx, vm, &doc, state, send, &mut open),
        Dialog::Export => library::export(ctx, vm, state, send, &mut open),
        Dialog::Join => join::show(ctx, vm, state, send, &mut open),
        Dialog::Share => share::show(ctx, vm, state, send, &mut open),
        Dialog::Workshop => workshop::show(ctx, vm, state, send, &mut open),
    }
    // Escape closes a dialog, as on every desktop (a focused text field
    // takes the first Escape to let go of the keyboard).
    if ctx.input(|i| i.key_pressed(egui::Key::Escape)) && ctx.memory(|m| m.focused().is_none()) {
        open = false;
    }
    if !open {
        state.dialog = Dialog::None;
        // The Join dialog asks for the workshops nearby each time it opens
        // (ending a workshop stops LAN discovery, and with it the list).
        state.flags.remove("join.browsing");
    }
}

/// Dims the window behind a dialog and takes the clicks there, so that a
/// click beside the dialog does not act on what it covers.
fn dim(ctx: &egui::Context) {
    let screen = ctx.content_rect();
    // Above the panels; dialogs are foreground windows above it.
    egui::Area::new(egui::Id::unique("dialog.dim"))
        .order(egui::Order::Middle)
        .fixed_pos(screen.min)
        .show(ctx, |ui| {
            let response = ui.allocate_response(screen.size(), egui::Sense::click_and_drag());
            ui.painter()
                .rect_filled(screen, 0.0, egui::Color32::from_black_alpha(110));
            response.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::Pane, true, "Dimmed behind the dialog")
            });
        });
}

/// A centred dialog window with a close button.
pub(crate) fn window<'a>(title: &'a str, open: &'a mut bool) -> egui::Window<'a> {
    egui::Window::new(title)
        .open(open)
        .collapsible(false)
        .resizable(false)
        .order(egui::Order::Foreground)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
}
