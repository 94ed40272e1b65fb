//! The window: eframe's [`eframe::App`], drawing the worker's view model.

use std::sync::Arc;

use super::commands::UiCommand;
use super::section::Section;
use super::state::UiState;
use super::view_model::{Phase, ViewModel};
use super::worker::{WindowConfig, WorkerHandle};
use super::{countdown, dialogs, follow, library_view, sections, shell};

/// How much larger everything is drawn in presenter mode.
const PRESENTER_ZOOM: f32 = 1.4;

/// The Guild window.
pub(crate) struct GuildApp {
    worker: WorkerHandle,
    state: UiState,
    /// Input held for the next frame (see [`super::input_order`]).
    held: Vec<egui::Event>,
}

impl GuildApp {
    /// Starts the worker, which reopens the charter the window was on last
    /// time (`DIR/window.json`) unless the command line named one.
    pub(crate) fn new(cc: &eframe::CreationContext<'_>, config: WindowConfig) -> Self {
        let ctx = cc.egui_ctx.clone();
        let worker = WorkerHandle::spawn(config, move || ctx.request_repaint());
        Self {
            worker,
            state: UiState::default(),
            held: Vec::new(),
        }
    }
}

impl eframe::App for GuildApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let vm: Arc<ViewModel> = self.worker.view();
        let worker = &self.worker;
        let send = |command: UiCommand| worker.send(command);
        match &vm.phase {
            Phase::Starting => {
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.centered_and_justified(egui::Ui::spinner);
                });
                return;
            }
            Phase::Failed(why) => {
                egui::CentralPanel::default().show(ui, |ui| shell::failed(ui, why));
                return;
            }
            Phase::Ready => {}
        }
        // Ctrl+Z / Ctrl+Shift+Z undo this person's own changes, as new
        // changes; inside a text field the field's own undo applies instead.
        if let Some(open) = &vm.open
            && ui.ctx().memory(egui::Memory::focused).is_none()
        {
            let doc = open.view.id.clone();
            let (undo, redo) = ui.ctx().input_mut(|i| {
                let redo = i.consume_key(
                    egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
                    egui::Key::Z,
                );
                (i.consume_key(egui::Modifiers::COMMAND, egui::Key::Z), redo)
            });
            if redo {
                send(UiCommand::Redo { doc });
            } else if undo {
                send(UiCommand::Undo { doc });
            }
        }
        // The facilitator's projected window reads from the back of the room.
        let zoom = if self.state.presenter {
            PRESENTER_ZOOM
        } else {
            1.0
        };
        if (ui.ctx().zoom_factor() - zoom).abs() > f32::EPSILON {
            ui.ctx().set_zoom_factor(zoom);
        }
        shell::top_bar(ui, &vm, &mut self.state, &send);
        if let Some(open) = &vm.open {
            countdown::banner(ui, open);
            follow::banner(ui, &vm, open, &mut self.state);
        }
        shell::status_bar(ui, &vm);
        match &vm.open {
            Some(open) => {
                // A charter opens on its overview, or reopens where it was.
                if self.state.shown_doc.as_deref() != Some(open.view.id.as_str()) {
                    self.state.shown_doc = Some(open.view.id.clone());
                    let reopened = vm
                        .reopened_section
                        .as_ref()
                        .filter(|(doc, _)| *doc == open.view.id)
                        .map(|(_, section)| *section);
                    self.state.section = Some(reopened.unwrap_or(Section::Overview));
                }
                let section = *self.state.section.get_or_insert(Section::Overview);
                if self.state.presence_sent != Some(section) {
                    self.state.presence_sent = Some(section);
                    send(UiCommand::Presence { section });
                }
                shell::navigation(ui, open, &mut self.state);
                egui::CentralPanel::default().show(ui, |ui| {
                    // Both ways: on a small screen a wide section (the
                    // value map) stays reachable instead of cut off.
                    egui::ScrollArea::both()
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            let me = vm.identity.as_ref().map_or("someone", |i| i.name.as_str());
                            sections::show(ui, section, open, &vm, &mut self.state, &send, me);
                        });
                });
            }
            None => {
                egui::CentralPanel::default()
                    .show(ui, |ui| library_view::show(ui, &vm, &mut self.state, &send));
            }
        }
        dialogs::show(ui.ctx(), &vm, &mut self.state, &send);
        shell::toasts(ui.ctx(), &vm, &send);
    }

    fn raw_input_hook(&mut self, ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        if !self.held.is_empty() {
            let mut events = std::mem::take(&mut self.held);
            events.append(&mut raw_input.events);
            raw_input.events = events;
        }
        self.held = super::input_order::hold_after_click(&mut raw_input.events);
        if !self.held.is_empty() {
            ctx.request_repaint();
        }
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.worker.shutdown();
    }
}

impl GuildApp {
    /// The latest view model (for tests and the frame bench).
    #[cfg(any(test, feature = "bench"))]
    pub(crate) fn view(&self) -> Arc<ViewModel> {
        self.worker.view()
    }

    /// Sends a command to the worker as the UI would (for tests and the
    /// frame bench).
    #[cfg(any(test, feature = "bench"))]
    pub(crate) fn command(&self, command: UiCommand) {
        self.worker.send(command);
    }
}
