//! The `guild` command line: arguments (clap) and dispatch.
//!
//! Every command opens the data directory's [`Library`], does one thing,
//! and closes it, which waits until every save is durable: a command that
//! reports success has its edit on disk.

mod control;
mod documents;
pub(crate) use documents::format_time;
pub(crate) use history::blame_summary;
mod history;
mod items;
mod network;
mod output;
mod resolve;

use std::io::Read as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use guild_sync::net::node::Node;
use guild_sync::{DataDir, Library, LibraryError, LibraryOptions, LockError};
use serde::{Deserialize, Serialize};

use output::Out;

/// Guild: co-create your community of practice's charter, together, offline or online.
#[derive(Debug, Parser)]
#[command(name = "guild", version, about, long_about = None)]
pub struct Cli {
    /// Where Guild keeps its data [default: the OS data directory].
    #[arg(long, global = true, env = "GUILD_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(flatten)]
    net: network::NetArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand, Serialize, Deserialize)]
enum Command {
    /// Open the window straight on a charter.
    Open {
        /// The charter: full id, unique prefix, or automerge: URL.
        doc: String,
    },
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
        /// Show the charter as it was at VERSION (a change-hash prefix from `guild history`).
        #[arg(long, value_name = "VERSION")]
        at: Option<String>,
    },
    /// List a charter's changes, newest first: hash, time, author, what, sections.
    History {
        /// The charter.
        doc: String,
        /// How many changes to list.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Who wrote each prose field and item, and when; which items were removed while being edited.
    Blame {
        /// The charter.
        doc: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// What changed between two versions (or a version and now): + added, - removed, ~ edited.
    Diff {
        /// The charter.
        doc: String,
        /// The older version.
        from: String,
        /// The newer version [default: now].
        to: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Name a version ("ratified by sponsor, 2026-12-01"); VERSION names it from now on.
    Milestone {
        /// The charter.
        doc: String,
        /// The milestone's name.
        name: String,
        /// The version to name [default: now].
        #[arg(long, value_name = "VERSION")]
        at: Option<String>,
    },
    /// Bring a charter back to how it was at VERSION, as a new change.
    Restore {
        /// The charter.
        doc: String,
        /// The version (a change-hash prefix from `guild history`).
        version: String,
    },
    /// Make a personal copy of a charter (full history, shared with no one); prints its id.
    Fork {
        /// The charter.
        doc: String,
    },
    /// Bring what a personal copy changed back into the charter it was copied from.
    Merge {
        /// The personal copy.
        from: String,
        /// The charter to merge into.
        into: String,
        /// Only these items or fields (paths as `--dry-run` lists them); repeatable.
        #[arg(long, value_name = "PATH")]
        only: Vec<String>,
        /// List what the copy changed, merge nothing.
        #[arg(long)]
        dry_run: bool,
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
    /// Print an invite ticket (and its QR code) for a charter.
    Share(network::ShareArgs),
    /// Join a charter with an invite ticket: fetch it and store it here.
    Join(network::JoinArgs),
    /// List the devices that may sync a charter.
    Devices {
        /// The charter.
        doc: String,
    },
    /// Revoke a device's access: every peer that syncs the revocation refuses it.
    Revoke {
        /// The charter.
        doc: String,
        /// The device: endpoint id, unique prefix, or its label.
        device: String,
    },
    /// Connect to a charter's peers, sync until converged (or timeout), print a summary.
    Sync(network::SyncArgs),
    /// Run a headless peer that keeps every charter here synced, until Ctrl-C.
    Serve,
}

impl Cli {
    /// Whether this is `guild serve`.
    pub fn is_serve(&self) -> bool {
        matches!(self.command, Some(Command::Serve))
    }
}

impl Command {
    /// Whether the command needs this device on the network.
    fn needs_network(&self) -> bool {
        matches!(
            self,
            Command::Share(_) | Command::Join(_) | Command::Sync(_) | Command::Serve
        )
    }

    /// Resolves what only this process can see before the command may run
    /// elsewhere: standard input and relative paths.
    fn prepare(&mut self) -> Result<()> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        match self {
            Command::Set { text, .. } if text == "-" => {
                let mut buffer = String::new();
                std::io::stdin()
                    .read_to_string(&mut buffer)
                    .context("cannot read the text from standard input")?;
                *text = buffer;
            }
            Command::Export(args) => {
                if let Some(path) = args.output.as_mut().filter(|p| p.is_relative()) {
                    *path = cwd.join(&*path);
                }
            }
            Command::Import { file } if file.is_relative() => *file = cwd.join(&*file),
            _ => {}
        }
        Ok(())
    }
}

/// Where a command runs: over a library alone, or over a running node.
pub(crate) enum Host<'a> {
    /// One-shot: the library of this process.
    Library(&'a Library),
    /// A node: this process's (one-shot network command) or a serving one.
    Node(&'a Node),
}

impl Host<'_> {
    fn library(&self) -> &Library {
        match self {
            Host::Library(library) => library,
            Host::Node(node) => node.library(),
        }
    }
}

pub(crate) fn run(cli: Cli) -> Result<()> {
    let data_dir = DataDir::resolve(cli.data_dir)?;
    let net = cli.net.options()?;
    let mut command = match cli.command {
        None => {
            return crate::ui::run(crate::ui::WindowConfig {
                data_dir,
                net,
                open: None,
            });
        }
        Some(Command::Open { doc }) => {
            return crate::ui::run(crate::ui::WindowConfig {
                data_dir,
                net,
                open: Some(doc),
            });
        }
        Some(command) => command,
    };
    command.prepare()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start Guild's runtime")?;
    runtime.block_on(async move {
        let options = if matches!(command, Command::Serve) {
            LibraryOptions::interactive()
        } else {
            LibraryOptions::one_shot()
        };
        let library = match Library::open(data_dir.clone(), options).await {
            Ok(library) => library,
            // Another Guild process holds the data dir: let it do the work.
            Err(LibraryError::Lock(busy @ LockError::Busy { .. })) => {
                if matches!(command, Command::Serve) {
                    return Err(busy.into());
                }
                return control::send(&data_dir, &command)
                    .await
                    .map_err(|e| e.context(busy.to_string()));
            }
            Err(e) => return Err(e.into()),
        };
        if !command.needs_network() {
            let mut out = Out::default();
            let result = dispatch(&Host::Library(&library), command, &mut out).await;
            report_damage(&library, &mut out);
            out.emit();
            let closed = library.close().await;
            // The command's own error comes first; an unsaved write is next.
            result?;
            closed?;
            return Ok(());
        }
        let node = std::sync::Arc::new(Node::start(library, net).await?);
        let result = if matches!(command, Command::Serve) {
            network::serve(&node, &data_dir).await
        } else {
            let mut out = Out::default();
            let result = dispatch(&Host::Node(&node), command, &mut out).await;
            out.emit();
            result
        };
        let closed = node.shutdown().await;
        result?;
        closed?;
        Ok(())
    })
}

/// Serves other `guild` commands on the data dir's control socket, for a
/// process (the window) that holds the data dir.
pub(crate) fn control_listen(
    node: std::sync::Arc<Node>,
    data_dir: &DataDir,
) -> Result<control::ControlServer> {
    control::listen(node, data_dir)
}

/// Runs one command against `host`, writing what it prints to `out`.
async fn dispatch(host: &Host<'_>, command: Command, out: &mut Out) -> Result<()> {
    let library = host.library();
    match command {
        Command::New { title, blank } => documents::new(out, library, &title, blank).await,
        Command::List => documents::list(out, library).await,
        Command::Show { doc, json, ids, at } => {
            documents::show(out, library, &doc, json, ids, at.as_deref()).await
        }
        Command::History { doc, limit, json } => {
            history::list(out, library, &doc, limit, json).await
        }
        Command::Blame { doc, json } => history::blame(out, library, &doc, json).await,
        Command::Diff {
            doc,
            from,
            to,
            json,
        } => history::diff(out, library, &doc, &from, to.as_deref(), json).await,
        Command::Restore { doc, version } => history::restore(out, library, &doc, &version).await,
        Command::Milestone { doc, name, at } => {
            history::milestone(out, library, &doc, &name, at.as_deref()).await
        }
        Command::Fork { doc } => history::fork(out, library, &doc).await,
        Command::Merge {
            from,
            into,
            only,
            dry_run,
        } => history::merge(out, library, &from, &into, &only, dry_run).await,
        Command::Set { doc, field, text } => documents::set(out, library, &doc, field, &text).await,
        Command::Export(args) => documents::export(out, library, args).await,
        Command::Import { file } => documents::import(out, library, &file).await,
        Command::Card(c) => items::card(out, library, c).await,
        Command::Objective(c) => items::objective(out, library, c).await,
        Command::Member(c) => items::member(out, library, c).await,
        Command::Unit(c) => items::unit(out, library, c).await,
        Command::Bridge(c) => items::bridge(out, library, c).await,
        Command::Devices { doc } => network::devices(out, library, &doc).await,
        Command::Revoke { doc, device } => network::revoke(out, host, &doc, &device).await,
        Command::Share(args) => network::share(out, host, args).await,
        Command::Join(args) => network::join(out, host, args).await,
        Command::Sync(args) => network::sync(out, host, args).await,
        Command::Serve => anyhow::bail!("`guild serve` runs only on its own"),
        Command::Open { .. } => anyhow::bail!("the window is already open"),
    }
}

fn report_damage(library: &Library, out: &mut Out) {
    use std::fmt::Write as _;
    let damaged = library.health().damaged;
    if let Some(first) = damaged.first() {
        let _ = writeln!(
            out.stderr,
            "guild: warning: skipped {} damaged chunk(s) on disk, e.g. {} ({}); the rest loaded",
            damaged.len(),
            first.path.display(),
            first.reason
        );
    }
}
