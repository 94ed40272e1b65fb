//! Edits one charter continuously, at typing speed, until killed.
//!
//! Usage: `edit_writer DATA_DIR DOC_ID [TAG]`. Each step adds a card and
//! rewrites the purpose as `<TAG>0 <TAG>1 …`; once both are durable it
//! prints `durable <card id> <purpose length>`. The crash test kills it with
//! SIGKILL at a random moment and checks that everything it printed
//! survived.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use guild_model::{Cell, Op, Position, ProseField};
use guild_sync::LibraryOptions;
use guild_tests::{open_library, runtime};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().context("DATA_DIR")?);
    let doc = args.next().context("DOC_ID")?;
    let tag = args.next().unwrap_or_else(|| "w".into());
    runtime().block_on(async move {
        let library = open_library(&dir, LibraryOptions::interactive()).await?;
        let mut stdout = std::io::stdout();
        let mut purpose = String::new();
        for i in 0u64.. {
            let card = format!("{tag}{i}");
            let cell = Cell::ALL[(i % 4) as usize];
            library
                .edit(
                    &doc,
                    &Op::AddCard {
                        id: card.clone(),
                        cell,
                        text: format!("card {card}"),
                        position: Position::Start,
                    },
                )
                .await?;
            // Tagged with the run so a reader can tell whose text survived.
            write!(purpose, "{tag}{i} ")?;
            library
                .edit(
                    &doc,
                    &Op::SetProse {
                        field: ProseField::Purpose,
                        text: purpose.clone(),
                    },
                )
                .await?;
            writeln!(stdout, "durable {card} {}", purpose.len())?;
            stdout.flush()?;
        }
        Ok(())
    })
}
