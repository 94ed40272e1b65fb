//! Guild's window and command line. The `guild` binary (`main.rs`) only
//! parses its arguments and calls [`run`]; the frame-time benchmark drives
//! the window headless through `frame_bench` (feature `bench`).

mod cli;
mod ui;

pub use cli::Cli;
#[cfg(feature = "bench")]
pub use ui::frame_bench;

/// Runs the command (or opens the window) that `args` asks for.
///
/// # Errors
/// Whatever the command failed with, for the binary to print on one line.
pub fn run(args: Cli) -> anyhow::Result<()> {
    cli::run(args)
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
