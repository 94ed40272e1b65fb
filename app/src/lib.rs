//! Guild's window and command line. The `guild` binary (`main.rs`) only
//! parses its arguments and calls [`run`], which picks the window or a
//! command; the frame-time benchmark drives the window headless through
//! `frame_bench` (feature `bench`).
//!
//! Modules depend one way: `cli` (commands) and `ui` (the window) both use
//! `present` (wording and export bytes) and `control` (the socket), and
//! neither uses the other; this file joins them.

mod cli;
mod control;
mod present;
#[cfg(test)]
mod tests;
mod ui;

pub use cli::Cli;
#[cfg(feature = "bench")]
pub use ui::frame_bench;

/// Runs the command (or opens the window) that `args` asks for.
///
/// # Errors
/// Whatever the command failed with, for the binary to print on one line.
pub fn run(args: Cli) -> anyhow::Result<()> {
    match args.into_task()? {
        cli::Task::Window {
            data_dir,
            net,
            open,
        } => ui::run(ui::WindowConfig {
            data_dir,
            net,
            open,
            execute: Some(cli::executor()),
        }),
        cli::Task::Command(task) => cli::run(task),
    }
}

/// The error and its causes on one line, without repeating a cause that the
/// message already includes.
pub fn one_line(error: &anyhow::Error) -> String {
    let mut line = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !line.contains(&cause) {
            line.push_str(": ");
            line.push_str(&cause);
        }
    }
    line.replace('\n', " ")
}
