//! The `guild` command line: arguments (clap) and dispatch.
//!
//! Every command opens the data directory's [`Library`], does one thing,
//! and closes it, which waits until every save is durable: a command that
//! reports success has its edit on disk.

mod documents;
mod items;
mod resolve;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use guild_sync::{DataDir, Library, LibraryOptions};

/// Guild: co-create your community of practice's charter, together, offline or online.
#[derive(Debug, Parser)]
#[command(name = "guild", version, about, long_about = None, arg_required_else_help = true)]
pub(crate) struct Cli {
    /// Where Guild keeps its data [default: the OS data directory].
    #[arg(long, global = true, env = "GUILD_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a charter (from the community-of-practice template) and print its id.
    New {
        /// The community's name.
        #[arg(long)]
        title: String,
        /// Start with an empty value map instead of the template's cards.
        #[arg(long)]
        blank: bool,
    },
    /// List the charters in the data directory.
    List,
    /// Print a charter (Markdown, or JSON with --json).
    Show {
        /// The charter: full id, unique prefix, or automerge: URL.
        doc: String,
        /// Print the documented JSON shape instead of Markdown.
        #[arg(long)]
        json: bool,
        /// Show item ids (to use with `card edit`, `objective rm` …).
        #[arg(long)]
        ids: bool,
    },
    /// Set a prose field (title, purpose, vision, pitch, topic, audience, …).
    Set {
        /// The charter.
        doc: String,
        /// The field, named as in the JSON (`guild set --help` lists them).
        #[arg(value_parser = documents::parse_field, long_help = documents::field_help())]
        field: guild_model::ProseField,
        /// The new text ("-" reads standard input).
        text: String,
    },
    /// Add, edit, move or remove value-map cards.
    #[command(subcommand)]
    Card(items::CardCommand),
    /// Add, edit or remove objectives.
    #[command(subcommand)]
    Objective(items::ObjectiveCommand),
    /// Add members.
    #[command(subcommand)]
    Member(items::MemberCommand),
    /// Add units (business units, teams, offices …).
    #[command(subcommand)]
    Unit(items::UnitCommand),
    /// Add bridges between units.
    #[command(subcommand)]
    Bridge(items::BridgeCommand),
    /// Write a charter out as Markdown, HTML, JSON or Automerge.
    Export(documents::ExportArgs),
    /// Store a copy of an exported `.automerge` charter.
    Import {
        /// The `.automerge` file.
        file: PathBuf,
    },
}

/// A charter argument shared by item commands.
#[derive(Debug, Args)]
struct DocArg {
    /// The charter: full id, unique prefix, or automerge: URL.
    doc: String,
}

pub(crate) fn run(cli: Cli) -> Result<()> {
    let Some(command) = cli.command else {
        // The window arrives in a later release; until then, say how to use the CLI.
        use clap::CommandFactory;
        Cli::command().print_help()?;
        return Ok(());
    };
    let data_dir = DataDir::resolve(cli.data_dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start Guild's runtime")?;
    runtime.block_on(async move {
        let library = Library::open(data_dir, LibraryOptions::one_shot()).await?;
        let result = dispatch(&library, command).await;
        report_damage(&library);
        let closed = library.close().await;
        // The command's own error comes first; an unsaved write is next.
        result?;
        closed?;
        Ok(())
    })
}

async fn dispatch(library: &Library, command: Command) -> Result<()> {
    match command {
        Command::New { title, blank } => documents::new(library, &title, blank).await,
        Command::List => documents::list(library).await,
        Command::Show { doc, json, ids } => documents::show(library, &doc, json, ids).await,
        Command::Set { doc, field, text } => documents::set(library, &doc, field, &text).await,
        Command::Export(args) => documents::export(library, args).await,
        Command::Import { file } => documents::import(library, &file).await,
        Command::Card(c) => items::card(library, c).await,
        Command::Objective(c) => items::objective(library, c).await,
        Command::Member(c) => items::member(library, c).await,
        Command::Unit(c) => items::unit(library, c).await,
        Command::Bridge(c) => items::bridge(library, c).await,
    }
}

fn report_damage(library: &Library) {
    let damaged = library.health().damaged;
    if let Some(first) = damaged.first() {
        eprintln!(
            "guild: warning: skipped {} damaged chunk(s) on disk, e.g. {} ({}); the rest loaded",
            damaged.len(),
            first.path.display(),
            first.reason
        );
    }
}
