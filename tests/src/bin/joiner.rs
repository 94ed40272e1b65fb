//! Joins a charter from an invite ticket, as `guild join` does, and says so.
//!
//! Usage: `joiner DATA_DIR TICKET`. Prints `joined <doc id> <changes>` once
//! the whole charter is stored; the crash test kills it before that, at
//! random moments of the initial sync, and runs it again to check that the
//! join resumes.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use guild_sync::net::ticket::InviteTicket;
use guild_tests::{runtime, start_node};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().context("DATA_DIR")?);
    let ticket: InviteTicket = args
        .next()
        .context("TICKET")?
        .parse()
        .context("not an invite ticket")?;
    runtime().block_on(async move {
        let node = start_node(&dir).await;
        let doc = node.join(&ticket, Duration::from_mins(1)).await?;
        let changes = node.library().document(&doc).await?.get_changes(&[]).len();
        node.shutdown().await?;
        let mut stdout = std::io::stdout();
        writeln!(stdout, "joined {doc} {changes}")?;
        stdout.flush()?;
        Ok(())
    })
}
