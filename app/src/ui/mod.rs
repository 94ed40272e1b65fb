//! The Guild window (eframe/egui).
//!
//! The UI draws a [`view_model::ViewModel`] that a worker thread publishes
//! and sends [`commands::UiCommand`]s to it; sync, storage and merging run
//! on the worker, never on the UI thread (the rerun pattern). One file per
//! section of the charter (`sections/`) and per dialog (`dialogs/`).

// Immediate-mode UI code reads top to bottom like the screen it draws;
// splitting a section's drawing to satisfy a line count would hide that.
#![allow(clippy::too_many_lines)]

mod app;
mod commands;
mod dialogs;
#[cfg(feature = "bench")]
pub mod frame_bench;
mod library_view;
mod prose;
mod qr;
mod sections;
mod shell;
mod state;
#[cfg(test)]
mod tests;
mod view_model;
mod worker;

pub(crate) use app::GuildApp;
pub(crate) use worker::WindowConfig;

/// Opens the window and runs until it is closed.
pub(crate) fn run(config: WindowConfig) -> anyhow::Result<()> {
    eframe::run_native(
        "Guild",
        native_options(),
        Box::new(move |cc| Ok(Box::new(GuildApp::new(cc, config)))),
    )
    .map_err(|e| anyhow::anyhow!("the window failed: {e}"))
}

/// The window's size limits. The minimum is half a 1366×768 laptop screen
/// (two windows side by side); every section stays usable down to it.
fn native_options() -> eframe::NativeOptions {
    eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Guild")
            .with_inner_size([1180.0, 780.0])
            .with_min_inner_size([640.0, 384.0]),
        ..eframe::NativeOptions::default()
    }
}
