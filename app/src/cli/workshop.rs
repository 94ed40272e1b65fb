//! `guild workshop`: host a workshop (announce it on this network, show a
//! join code, answer knocks), find and join one, and end it. Hosting runs
//! in the process that holds the data directory: a window, `guild serve`,
//! or `guild workshop host` itself, which then keeps running like `serve`.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::Subcommand;
use guild_model::AccessLevel;
use guild_sync::Library;
use guild_sync::net::node::{HostOptions, Node};
use guild_sync::net::workshop::desk::{Answer, HostedWorkshop, KnockRequest};
use guild_sync::net::workshop::nearby::NearbyWorkshop;
use guild_sync::net::workshop::visitor::KnockProgress;
use tokio::sync::watch;

use super::output::Out;
use crate::present::{access_of, duration_words, parse_duration};

#[derive(Debug, Subcommand)]
pub(crate) enum WorkshopCommand {
    /// Host a workshop on a charter: announce it on this network, print its join code and
    /// ticket, answer knocks. On its own it keeps running (like `guild serve`) until Ctrl-C;
    /// with a window or `guild serve` running, it hosts there.
    Host {
        doc: String,
        /// Show a six-digit join code that lets in whoever types it.
        #[arg(long)]
        code: bool,
        /// People let in may read but not edit.
        #[arg(long)]
        read_only: bool,
        /// The workshop ends on its own after this long, at the latest.
        #[arg(long, value_name = "DURATION", default_value = "3h")]
        expires: String,
        /// Let everyone who knocks in for this long (10m), without asking.
        #[arg(long, value_name = "DURATION")]
        admit_all: Option<String>,
        /// The host's name on the network [default: your name in the window, else the device's].
        #[arg(long = "as", value_name = "NAME")]
        host: Option<String>,
    },
    /// List the workshops announced on this network.
    List {
        /// Listen this many seconds.
        #[arg(long, default_value_t = 3)]
        wait: u64,
    },
    /// Find a workshop on this network, knock, and fetch its charter once let in.
    Join {
        /// Words of its title, or its host's endpoint id [default: the only one].
        which: Option<String>,
        /// The join code the host shows: lets you in without waiting.
        #[arg(long)]
        code: Option<String>,
        /// Your name, as the host sees it [default: your name in the window, else the device's].
        #[arg(long = "as", value_name = "NAME")]
        name: Option<String>,
        /// Look for the workshop this many seconds.
        #[arg(long, default_value_t = 10)]
        find: u64,
        /// Give up waiting to be let in after this many seconds.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// Who is knocking on the workshop hosted here.
    Knocks,
    /// Let in who knocked (their number or name), or everyone who knocks for a while (--all).
    Admit {
        /// The knock's number or the person's name.
        #[arg(required_unless_present_any = ["all", "off"])]
        who: Option<String>,
        /// Let everyone in for this long (10m), and everyone waiting now.
        #[arg(long, value_name = "DURATION", conflicts_with = "off")]
        all: Option<String>,
        /// Stop letting everyone in.
        #[arg(long)]
        off: bool,
        /// They may read but not edit.
        #[arg(long)]
        read_only: bool,
    },
    /// Turn away who knocked (their number or name).
    Refuse {
        /// The knock's number or the person's name.
        who: String,
    },
    /// End the workshop: stop announcing it, close its invites and its code. Who joined stays.
    End,
}

impl WorkshopCommand {
    /// Whether this command keeps its process running when it runs on its own.
    pub(crate) fn keeps_running(&self) -> bool {
        matches!(self, Self::Host { .. })
    }
}

pub(super) async fn workshop(out: &mut Out, node: &Node, command: WorkshopCommand) -> Result<()> {
    match command {
        WorkshopCommand::Host {
            doc,
            code,
            read_only,
            expires,
            admit_all,
            host,
        } => {
            let admit_all = admit_all
                .as_deref()
                .map(parse_duration)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let options = HostOptions {
                host: host.unwrap_or_else(|| person(node.library())),
                code,
                access: access_of(read_only),
                expires: Some(parse_duration(&expires).map_err(anyhow::Error::msg)?),
                announce: true,
            };
            host_workshop(out, node, &doc, options, admit_all).await
        }
        WorkshopCommand::List { wait } => list(out, node, wait).await,
        WorkshopCommand::Join {
            which,
            code,
            name,
            find,
            timeout,
        } => {
            let workshop = find_workshop(node, which.as_deref(), Duration::from_secs(find)).await?;
            let name = name.unwrap_or_else(|| person(node.library()));
            let doc = knock(node, &workshop, &name, code.as_deref(), timeout).await?;
            let _ = writeln!(out.stdout, "{doc}");
            let _ = writeln!(out.stderr, "guild: joined “{}”", workshop.title);
            Ok(())
        }
        WorkshopCommand::Knocks => {
            let hosted = hosted(node)?;
            if hosted.knocks.is_empty() {
                let _ = writeln!(
                    out.stderr,
                    "guild: nobody is knocking on “{}”",
                    hosted.title
                );
            }
            for k in &hosted.knocks {
                let _ = writeln!(
                    out.stdout,
                    "{}  {}  ({}, device {:.8}…)",
                    k.id, k.name, k.label, k.endpoint
                );
            }
            Ok(())
        }
        WorkshopCommand::Admit {
            who,
            all,
            off,
            read_only,
        } => admit(
            out,
            node,
            who.as_deref(),
            all.as_deref(),
            off,
            access_of(read_only),
        ),
        WorkshopCommand::Refuse { who } => {
            let knock = knock_of(&hosted(node)?, &who)?;
            if !node.answer_knock(knock.id, Answer::Refuse) {
                bail!("{} is no longer knocking", knock.name);
            }
            let _ = writeln!(out.stderr, "guild: turned {} away", knock.name);
            Ok(())
        }
        WorkshopCommand::End => {
            let closed = node.end_workshop().await?;
            let _ = writeln!(
                out.stderr,
                "guild: the workshop ended: no longer announced, {closed} invite(s) closed; who joined stays"
            );
            Ok(())
        }
    }
}

async fn host_workshop(
    out: &mut Out,
    node: &Node,
    doc: &str,
    options: HostOptions,
    admit_all: Option<Duration>,
) -> Result<()> {
    let (access, expires) = (options.access, options.expires.unwrap_or_default());
    let hosted = node.host_workshop(doc, options).await?;
    if let Some(period) = admit_all {
        node.admit_everyone(Some((access, period)))?;
    }
    let title = node.hosted_workshop().map(|w| w.title).unwrap_or_default();
    if let Some(code) = &hosted.code {
        let _ = writeln!(out.stdout, "join code: {code}");
    }
    let _ = writeln!(out.stdout, "ticket: {}", hosted.ticket);
    let _ = writeln!(
        out.stderr,
        "guild: hosting “{title}” on this network until `guild workshop end` (at the latest in {}); people join with `guild workshop join`{}",
        duration_words(expires),
        if hosted.code.is_some() {
            " --code CODE, or knock and wait for `guild workshop admit`"
        } else {
            " and wait for `guild workshop admit`"
        }
    );
    Ok(())
}

/// Knocks on `workshop`, printing how it goes; the charter's id once in.
async fn knock(
    node: &Node,
    workshop: &NearbyWorkshop,
    name: &str,
    code: Option<&str>,
    timeout: u64,
) -> Result<String> {
    let (progress, watching) = watch::channel(KnockProgress::Knocking);
    let reporter = tokio::spawn(report(watching, workshop.clone()));
    let joined = node
        .knock(
            workshop,
            name,
            code,
            &progress,
            Duration::from_secs(timeout),
        )
        .await;
    drop(progress);
    let _ = reporter.await;
    Ok(joined?)
}

/// `guild workshop admit`: one person, everyone for a while, or no more.
fn admit(
    out: &mut Out,
    node: &Node,
    who: Option<&str>,
    all: Option<&str>,
    off: bool,
    access: AccessLevel,
) -> Result<()> {
    if off {
        node.admit_everyone(None)?;
        let _ = writeln!(out.stderr, "guild: knocks wait for you again");
        return Ok(());
    }
    if let Some(all) = all {
        let period = parse_duration(all).map_err(anyhow::Error::msg)?;
        node.admit_everyone(Some((access, period)))?;
        let _ = writeln!(
            out.stderr,
            "guild: letting everyone who knocks in for {}",
            duration_words(period)
        );
        return Ok(());
    }
    let knock = knock_of(&hosted(node)?, who.unwrap_or_default())?;
    if !node.answer_knock(knock.id, Answer::Admit(access)) {
        bail!("{} is no longer knocking", knock.name);
    }
    let _ = writeln!(out.stderr, "guild: let {} in", knock.name);
    Ok(())
}

/// `guild workshop list`: what is announced here within `wait` seconds.
async fn list(out: &mut Out, node: &Node, wait: u64) -> Result<()> {
    let mut nearby = node.nearby_workshops().await?;
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let found = nearby.borrow_and_update().clone();
    if found.is_empty() {
        let _ = writeln!(out.stderr, "guild: no workshop on this network");
    }
    for w in found {
        let _ = writeln!(
            out.stdout,
            "{}  hosted by {}  ({:.10}…)  {}",
            w.title, w.host, w.endpoint, w.doc
        );
    }
    Ok(())
}

/// The workshop hosted here, or why there is none.
fn hosted(node: &Node) -> Result<HostedWorkshop> {
    node.hosted_workshop().ok_or_else(|| {
        anyhow::anyhow!(
            "no workshop is hosted here (it runs in the process that hosts it: `guild workshop host`, `guild serve` or the window)"
        )
    })
}

/// The knock `who` names: its number, or words of the person's name.
fn knock_of(hosted: &HostedWorkshop, who: &str) -> Result<KnockRequest> {
    if let Ok(id) = who.parse::<u64>()
        && let Some(k) = hosted.knocks.iter().find(|k| k.id == id)
    {
        return Ok(k.clone());
    }
    let lower = who.to_lowercase();
    let matching: Vec<&KnockRequest> = hosted
        .knocks
        .iter()
        .filter(|k| k.name.to_lowercase().contains(&lower) || k.endpoint.starts_with(who))
        .collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => bail!("nobody knocking matches “{who}” (`guild workshop knocks` lists them)"),
        _ => bail!("several people knocking match “{who}”: use their number"),
    }
}

/// Waits up to `find` for the workshop `which` names (or the only one).
async fn find_workshop(node: &Node, which: Option<&str>, find: Duration) -> Result<NearbyWorkshop> {
    let mut nearby = node.nearby_workshops().await?;
    let deadline = tokio::time::Instant::now() + find;
    loop {
        let found = nearby.borrow_and_update().clone();
        let matching: Vec<&NearbyWorkshop> = match which {
            Some(query) => found.iter().filter(|w| w.matches(query)).collect(),
            None => found.iter().collect(),
        };
        match (matching.as_slice(), which) {
            ([one], _) => return Ok((*one).clone()),
            ([_, _, ..], None) if tokio::time::Instant::now() >= deadline => {
                let titles: Vec<String> = found.iter().map(|w| format!("“{}”", w.title)).collect();
                bail!(
                    "several workshops on this network ({}): name one",
                    titles.join(", ")
                );
            }
            _ => {}
        }
        if tokio::time::timeout_at(deadline, nearby.changed())
            .await
            .is_err()
        {
            bail!(match which {
                Some(query) => format!(
                    "no workshop on this network matches “{query}” (it may have ended; `guild workshop list` shows what is there)"
                ),
                None => "no workshop on this network (it may have ended, or this device is on another network)".to_owned(),
            });
        }
    }
}

/// Prints how a knock goes, as it goes (the wait may be minutes).
async fn report(mut progress: watch::Receiver<KnockProgress>, workshop: NearbyWorkshop) {
    let mut said = None;
    loop {
        let now = *progress.borrow_and_update();
        if said != Some(now) {
            let line = match now {
                KnockProgress::Knocking => format!(
                    "knocking on “{}” (hosted by {})…",
                    workshop.title, workshop.host
                ),
                KnockProgress::Waiting => "waiting for the host to let you in…".to_owned(),
                KnockProgress::Admitted(access) => format!(
                    "let in ({}); fetching the charter…",
                    access.label().to_lowercase()
                ),
            };
            eprintln!("guild: {line}");
            said = Some(now);
        }
        if progress.changed().await.is_err() {
            return;
        }
    }
}

/// The person's name: as they gave it in the window, else the device's.
fn person(library: &Library) -> String {
    std::fs::read(library.data_dir().profile_path())
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| library.label())
}
