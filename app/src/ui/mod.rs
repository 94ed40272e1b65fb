//! The Guild window (eframe/egui).
//!
//! The UI draws a [`view_model::ViewModel`] that a worker thread publishes
//! and sends [`commands::UiCommand`]s to it; sync, storage and merging run
//! on the worker, never on the UI thread (the rerun pattern). One file per
//! section of the charter (`sections/`) and per dialog (`dialogs/`).

mod app;
mod commands;
mod countdown;
mod dialogs;
mod follow;
#[cfg(feature = "bench")]
pub mod frame_bench;
mod input_order;
mod library_view;
mod prose;
mod qr;
mod section;
mod sections;
mod shell;
mod state;
#[cfg(test)]
pub(crate) mod tests;
mod view_model;
mod worker;

pub(crate) use app::GuildApp;
pub(crate) use worker::WindowConfig;

/// Opens the window and runs until it is closed.
pub(crate) fn run(config: WindowConfig) -> anyhow::Result<()> {
    if !display_available() {
        // winit's own error names a source file and means little to people.
        anyhow::bail!(
            "no display to open the window on (DISPLAY/WAYLAND_DISPLAY unset); see `guild --help`, or run `guild serve` for a headless peer"
        );
    }
    eframe::run_native(
        "Guild",
        native_options(),
        Box::new(move |cc| Ok(Box::new(GuildApp::new(cc, config)))),
    )
    .map_err(|e| anyhow::anyhow!("the window failed: {e}"))
}

/// Whether there is a desktop to open a window on. Only X11 and Wayland
/// say so in the environment; elsewhere the window is always tried.
fn display_available() -> bool {
    if cfg!(all(unix, not(target_os = "macos"), not(target_os = "ios"))) {
        ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
    } else {
        true
    }
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
