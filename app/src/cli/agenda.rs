//! `guild step`: a facilitator's agenda from a terminal — add timeboxed
//! steps, start one (every window counts it down), stop it.

use std::fmt::Write as _;

use anyhow::Result;
use clap::Subcommand;
use guild_model::{Op, new_id};
use guild_sync::Library;

use super::output::Out;
use super::resolve::item_id;

#[derive(Debug, Subcommand)]
pub(crate) enum StepCommand {
    /// Add a step to the agenda ("Dream", 15 minutes); prints its id.
    Add {
        doc: String,
        title: String,
        /// How long it lasts.
        #[arg(long, default_value_t = 10)]
        minutes: u32,
    },
    /// Start a step (its id, prefix or title): every window counts it down.
    Start { doc: String, step: String },
    /// Stop the running step.
    Stop { doc: String },
}

pub(super) async fn step(out: &mut Out, library: &Library, command: StepCommand) -> Result<()> {
    let (doc, op, print) = match command {
        StepCommand::Add {
            doc,
            title,
            minutes,
        } => {
            let id = new_id();
            let op = Op::AddStep {
                id: id.clone(),
                title,
                minutes,
            };
            (doc, op, Some(id))
        }
        StepCommand::Start { doc, step } => {
            let charter = library.charter(&library.resolve(&doc)?).await?;
            let steps = &charter.workshop.steps;
            let id = item_id("step", steps, |s| s.title.clone(), &step)?;
            (doc, Op::StartStep { id }, None)
        }
        StepCommand::Stop { doc } => (doc, Op::StopStep, None),
    };
    let doc = library.resolve(&doc)?;
    let change = library.edit(&doc, &op).await?;
    out.made(&doc, change);
    if let Some(line) = print {
        let _ = writeln!(out.stdout, "{line}");
    }
    Ok(())
}
