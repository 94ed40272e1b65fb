//! `guild`: the Guild window and command line.
//!
//! Thin on purpose: parse the arguments, pick the command, print any error
//! as one line and exit non-zero. The work lives in the `guild_app` library.

use std::process::ExitCode;

use guild_app::{Cli, one_line};

fn main() -> ExitCode {
    let args = Cli::from_env();
    // Quiet by default: commands report problems themselves, in one line.
    // The headless peer logs what it does.
    let default = if args.is_serve() {
        "info,iroh=warn,samod=warn,samod_core=warn"
    } else {
        "off"
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
        )
        .init();
    match guild_app::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("guild: {}", one_line(&error));
            ExitCode::FAILURE
        }
    }
}
