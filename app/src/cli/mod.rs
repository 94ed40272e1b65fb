//! The `guild` command line: arguments (clap) and dispatch.
//!
//! Every command opens the data directory's [`Library`], does one thing,
//! and closes it, which waits until every save is durable: a command that
//! reports success has its edit on disk. When another process holds the
//! directory, the command's words go to it over the control socket
//! ([`crate::control`]) and run there through [`execute`].

mod agenda;
mod documents;
mod history;
mod items;
mod network;
mod output;
mod relay;
mod resolve;
mod shutdown;
mod votes;
mod workshop;

use std::ffi::OsString;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use clap::{Parser, Subcommand};
use guild_sync::net::node::{NetOptions, Node, Relay};
use guild_sync::{DataDir, Library, LibraryError, LibraryOptions, LockError};

use crate::control::protocol::{Request, Response};
use crate::control::{self, Ran};
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
    /// The words this was parsed from (after the program name), to send
    /// to the process holding the data directory.
    #[arg(skip)]
    words: Vec<OsString>,
}

#[derive(Debug, Subcommand)]
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
    /// Add appreciative-inquiry notes.
    #[command(subcommand)]
    Note(items::NoteCommand),
    /// Propose a line for the vision, which others can endorse; prints its id.
    Contribute(items::ContributeArgs),
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
    /// The workshop's agenda: add timeboxed steps, start one (every window counts it down), stop it.
    #[command(subcommand)]
    Step(agenda::StepCommand),
    /// Dot votes: open one on contributions, notes, cards or objectives; place your dots; close it.
    #[command(subcommand)]
    Vote(votes::VoteCommand),
    /// Write a charter out as Markdown, HTML, JSON or Automerge.
    Export(documents::ExportArgs),
    /// Store a copy of an exported `.automerge` charter.
    Import {
        /// The `.automerge` file.
        file: PathBuf,
    },
    /// Print an invite ticket (and its QR code) for a charter.
    Share(network::ShareArgs),
    /// List a charter's open invites (who made them, access, expiry, how many joined), or close one.
    Invites(network::InvitesArgs),
    /// Host a workshop on this network, find and join one, answer knocks, end it.
    #[command(subcommand)]
    Workshop(Box<workshop::WorkshopCommand>),
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
    /// Run a relay for your community's devices behind NATs (`--listen ADDR`), or set a charter's relay (`relay use`).
    Relay(Box<relay::RelayArgs>),
}

impl Cli {
    /// Parses this process's arguments (exiting with clap's message when
    /// they do not parse), keeping the words for the control socket.
    pub fn from_env() -> Self {
        let words: Vec<OsString> = std::env::args_os().collect();
        let mut cli = Cli::parse_from(&words);
        cli.words = words.into_iter().skip(1).collect();
        cli
    }

    /// Whether this is a long-running service that logs what it does:
    /// `guild serve`, or `guild relay` running a relay.
    pub fn is_serve(&self) -> bool {
        match &self.command {
            Some(Command::Serve) => true,
            Some(Command::Relay(args)) => args.runs_server(),
            _ => false,
        }
    }

    /// What to do: open the window, or run a command.
    pub(crate) fn into_task(self) -> Result<Task> {
        let data_dir = DataDir::resolve(self.data_dir)?;
        let mut net = self.net.options()?;
        // The window serves every charter, as `guild serve` does: without
        // --relay it uses the first charter's remembered relay, if any.
        if net.relay == Relay::Disabled
            && matches!(self.command, None | Some(Command::Open { .. }))
            && let Some(relay) = network::first_remembered_relay(&data_dir)
        {
            net.relay = relay;
        }
        Ok(match self.command {
            None => Task::Window {
                data_dir,
                net,
                open: None,
            },
            Some(Command::Open { doc }) => Task::Window {
                data_dir,
                net,
                open: Some(doc),
            },
            Some(command) => Task::Command(CommandTask {
                data_dir,
                net,
                command,
                words: self.words,
            }),
        })
    }
}

/// What `guild` was asked to do.
pub(crate) enum Task {
    /// Open the window (on a charter).
    Window {
        data_dir: DataDir,
        net: NetOptions,
        open: Option<String>,
    },
    /// Run a command.
    Command(CommandTask),
}

/// A command to run here, or in the process that holds the data directory.
pub(crate) struct CommandTask {
    data_dir: DataDir,
    net: NetOptions,
    command: Command,
    words: Vec<OsString>,
}

impl Command {
    /// Whether the command needs this device on the network.
    fn needs_network(&self) -> bool {
        matches!(
            self,
            Command::Share(_)
                | Command::Join(_)
                | Command::Sync(_)
                | Command::Serve
                | Command::Workshop(_)
        )
    }

    /// Whether the command's text comes from standard input (`set DOC FIELD -`).
    fn reads_stdin(&self) -> bool {
        matches!(self, Command::Set { text, .. } if text == "-")
    }

    /// Resolves what only the calling process can see: its standard input
    /// (`stdin`, read when [`Self::reads_stdin`]) and relative paths (from
    /// `cwd`). Done where the command runs, so that a command sent to
    /// another process resolves them as its caller would.
    fn prepare(&mut self, cwd: &Path, stdin: Option<String>) -> Result<()> {
        match self {
            Command::Set { text, .. } if text == "-" => {
                *text = stdin.context("the text from standard input did not arrive")?;
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

/// Runs `task` here, or, when another process holds the data directory,
/// sends it there.
pub(crate) fn run(task: CommandTask) -> Result<()> {
    let CommandTask {
        data_dir,
        mut net,
        mut command,
        words,
    } = task;
    // A relay serves devices, not a data directory: it opens none.
    if let Command::Relay(args) = command {
        if args.runs_server() {
            return relay::serve(*args, net.listen);
        }
        command = Command::Relay(args);
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let stdin = if command.reads_stdin() {
        let mut buffer = String::new();
        std::io::stdin()
            .read_to_string(&mut buffer)
            .context("cannot read the text from standard input")?;
        Some(buffer)
    } else {
        None
    };
    let serve = matches!(command, Command::Serve);
    // `guild workshop host` on its own hosts, then serves until Ctrl-C.
    let hosting = matches!(&command, Command::Workshop(w) if w.keeps_running());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start Guild's runtime")?;
    runtime.block_on(async move {
        let options = if serve || hosting {
            LibraryOptions::interactive()
        } else {
            LibraryOptions::one_shot()
        };
        let library = match Library::open(data_dir.clone(), options).await {
            Ok(library) => library,
            // Another Guild process holds the data dir: let it do the work.
            Err(LibraryError::Lock(busy @ LockError::Busy { .. })) if !serve => {
                return send(&data_dir, words, cwd, stdin)
                    .await
                    .map_err(|e| e.context(busy.to_string()));
            }
            Err(e) => return Err(e.into()),
        };
        command.prepare(&cwd, stdin)?;
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
        // No --relay: the charter's own (remembered, or the ticket's).
        if net.relay == Relay::Disabled
            && let Some(relay) = network::community_relay(&library, &command)
        {
            net.relay = relay;
        }
        let node = Arc::new(Node::start(library, net).await?);
        let result = if serve {
            network::serve(&node, &data_dir).await
        } else if hosting {
            let mut out = Out::default();
            let hosted = dispatch(&Host::Node(&node), command, &mut out).await;
            out.emit();
            match hosted {
                Ok(()) => network::serve(&node, &data_dir).await,
                Err(e) => Err(e),
            }
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

/// Runs the command line `words` in the process that holds `data_dir`.
async fn send(
    data_dir: &DataDir,
    words: Vec<OsString>,
    cwd: PathBuf,
    stdin: Option<String>,
) -> Result<()> {
    let args = words
        .into_iter()
        .map(|word| {
            word.into_string()
                .map_err(|w| anyhow!("`{}` is not UTF-8", w.to_string_lossy()))
        })
        .collect::<Result<Vec<String>>>()?;
    let response = control::client::send(data_dir, &Request::new(args, cwd, stdin)).await?;
    Out {
        stdout: response.stdout,
        stderr: response.stderr,
        changes: Vec::new(),
    }
    .emit();
    match response.error {
        Some(error) => Err(anyhow!(error)),
        None => Ok(()),
    }
}

/// Runs a request from the control socket on `node`: parses its words as
/// this process would parse its own, then runs the command.
pub(crate) async fn execute(node: Arc<Node>, request: Request) -> Ran {
    let command = match command_of(request) {
        Ok(command) => command,
        Err(e) => {
            return Ran {
                response: Response::failed(crate::one_line(&e)),
                changes: Vec::new(),
            };
        }
    };
    let mut out = Out::default();
    let error = dispatch(&Host::Node(&node), command, &mut out)
        .await
        .err()
        .map(|e| crate::one_line(&e));
    Ran {
        response: Response {
            stdout: out.stdout,
            stderr: out.stderr,
            error,
        },
        changes: out.changes,
    }
}

/// [`execute`], as the window's worker takes it.
pub(crate) fn executor() -> control::Execute {
    Arc::new(|node, request| Box::pin(execute(node, request)))
}

/// The command a request's words name, prepared as its caller would.
fn command_of(request: Request) -> Result<Command> {
    let words = std::iter::once("guild".to_owned()).chain(request.args);
    let cli = Cli::try_parse_from(words).map_err(|e| {
        // clap's message is several lines with usage; its first says why.
        let why = e.to_string();
        let why = why
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ");
        anyhow!("the running Guild does not understand this command: {why}")
    })?;
    let mut command = cli
        .command
        .context("no command given (the window is already open)")?;
    command.prepare(&request.cwd, request.stdin)?;
    Ok(command)
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
        Command::Note(c) => items::note(out, library, c).await,
        Command::Contribute(args) => items::contribute(out, library, args).await,
        Command::Objective(c) => items::objective(out, library, c).await,
        Command::Member(c) => items::member(out, library, c).await,
        Command::Unit(c) => items::unit(out, library, c).await,
        Command::Bridge(c) => items::bridge(out, library, c).await,
        Command::Vote(c) => votes::vote(out, library, c).await,
        Command::Step(c) => agenda::step(out, library, c).await,
        Command::Devices { doc } => network::devices(out, library, &doc).await,
        Command::Revoke { doc, device } => network::revoke(out, host, &doc, &device).await,
        Command::Share(args) => network::share(out, host, args).await,
        Command::Invites(args) => network::invites(out, library, args).await,
        Command::Join(args) => network::join(out, host, args).await,
        Command::Workshop(c) => workshop::workshop(out, network::node(host)?, *c).await,
        Command::Sync(args) => network::sync(out, host, args).await,
        Command::Serve => anyhow::bail!("`guild serve` runs only on its own"),
        Command::Relay(args) => relay::command(out, library, *args).await,
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
