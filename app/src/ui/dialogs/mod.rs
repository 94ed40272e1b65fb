//! Dialogs: new charter, join, import, share, host a workshop, export,
//! remove from this device, and who you are (first run).

mod identity;
mod join;
mod library;
mod share;

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
        identity::show(ctx, state, send);
        return;
    }
    let mut open = true;
    match state.dialog.clone() {
        Dialog::None => return,
        Dialog::New => library::new(ctx, state, send, &mut open),
        Dialog::Import => library::import(ctx, state, send, &mut open),
        Dialog::RemoveLocal(doc) => library::remove_local(ctx, vm, &doc, state, send, &mut open),
        Dialog::Export => library::export(ctx, vm, state, send, &mut open),
        Dialog::Join => join::show(ctx, vm, state, send, &mut open),
        Dialog::Share => share::show(ctx, vm, state, send, &mut open, false),
        Dialog::Workshop => share::show(ctx, vm, state, send, &mut open, true),
    }
    if !open {
        state.dialog = Dialog::None;
    }
}

/// A centred dialog window with a close button.
pub(crate) fn window<'a>(title: &'a str, open: &'a mut bool) -> egui::Window<'a> {
    egui::Window::new(title)
        .open(open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
}
