//! Row 8: peak and steady memory (`VmHWM`, `VmRSS`) of a process holding
//! the whole charter — open in a `Library` with its `Charter` read, as the
//! window holds it — against one holding the same bytes loaded by
//! `Automerge::load`. Each side runs in its own child process (the bench
//! re-executing itself with a hidden subcommand), raw first, so neither
//! inherits the other's or the harness's heap.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use automerge::Automerge;
use guild_sync::LibraryOptions;

use super::{Row, Target, Unit};

/// The hidden subcommand's name.
pub(crate) const SUBCOMMAND: &str = "__memory";

/// A command (program and arguments) to run Guild's memory child under.
const MEMORY_WRAPPER: &str = "GUILD_BENCH_MEMORY_WRAPPER";

/// `(VmHWM, VmRSS)` of this process, in KiB.
fn status() -> Result<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> Result<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("no {name} in /proc/self/status"))
    };
    Ok((field("VmHWM:")?, field("VmRSS:")?))
}

/// What this process's resident memory is made of, for note 8: its
/// anonymous pages (heap, stacks) and file pages (the binary's code) in
/// KiB, and its threads.
fn composition() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map_or("?", |v| v.trim().trim_end_matches("kB").trim())
            .to_owned()
    };
    format!(
        "{} {} {}",
        field("RssAnon:"),
        field("RssFile:"),
        field("Threads:")
    )
}

/// The largest anonymous and file-backed resident sizes (KiB) seen by a
/// thread reading `/proc/self/status` every millisecond until stopped:
/// `VmHWM` alone cannot tell a bigger heap from more of the binary's code
/// paged in.
struct Peaks {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<(u64, u64)>,
}

impl Peaks {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let (mut anon, mut file) = (0, 0);
            loop {
                let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
                let field = |name: &str| {
                    status
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                        .unwrap_or(0)
                };
                anon = anon.max(field("RssAnon:"));
                file = file.max(field("RssFile:"));
                if stopped.load(Ordering::Relaxed) {
                    return (anon, file);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        Self { stop, thread }
    }

    /// Prints `peaks ANON FILE`.
    fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Ok((anon, file)) = self.thread.join() {
            println!("peaks {anon} {file}");
        }
    }
}

/// The child's side: `raw FILE` or `guild DIR DOC`. Prints `memory HWM RSS`.
pub(crate) fn child(args: &[String]) -> Result<()> {
    // Steady means after the burst of loading has been given back.
    let settle = Duration::from_millis(500);
    let (hwm, rss) = match args {
        [kind, file] if kind == "raw" => {
            println!("before {}", status()?.1);
            let peaks = Peaks::start();
            let doc = Automerge::load(&std::fs::read(file)?)?;
            std::thread::sleep(settle);
            let figures = status()?;
            peaks.finish();
            println!("composition {}", composition());
            drop(doc);
            figures
        }
        [kind, dir, doc] if kind == "guild" => {
            println!("before {}", status()?.1);
            let peaks = Peaks::start();
            let figures = guild_tests::runtime().block_on(async {
                let library =
                    guild_tests::open_library(Path::new(dir), LibraryOptions::interactive())
                        .await?;
                let opened = status()?;
                // Finding the charter loads it; nothing is read yet.
                library.heads(doc).await?;
                let loaded = status()?;
                let charter = library.charter(doc).await?;
                tokio::time::sleep(settle).await;
                let figures = status()?;
                println!("composition {}", composition());
                // Where the memory goes, stage by stage (note 8).
                println!(
                    "stages {} {} {} {}",
                    opened.1, loaded.0, loaded.1, figures.1
                );
                drop(charter);
                library.close().await?;
                anyhow::Ok(figures)
            })?;
            peaks.finish();
            figures
        }
        _ => bail!("usage: bench {SUBCOMMAND} raw FILE | guild DIR DOC"),
    };
    println!("memory {hwm} {rss}");
    Ok(())
}

/// What a memory child printed besides its figures.
struct Printed {
    /// Resident KiB before it did anything.
    before: f64,
    /// Its `stages` line, if any.
    stages: Option<String>,
    /// Its `composition` line.
    composition: String,
    /// Its `peaks` line: the largest anonymous and file KiB seen.
    peaks: String,
}

/// `(peak, steady)` in MB, and what else the child printed.
fn measure_with_stages(args: &[&str]) -> Result<((f64, f64), Printed)> {
    let mut command = Command::new(std::env::current_exe()?);
    // `link-order/generate` runs Guild's child under callgrind, to learn
    // which functions opening a charter runs; its figures are then moot.
    if let Some(wrapper) = std::env::var(MEMORY_WRAPPER)
        .ok()
        .filter(|_| args.first() == Some(&"guild"))
    {
        let mut words = wrapper.split_whitespace();
        let program = words.next().context("an empty memory wrapper")?;
        command = Command::new(program);
        command.args(words).arg(std::env::current_exe()?);
    }
    let output = command.arg(SUBCOMMAND).args(args).output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "the memory child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("memory "))
        .context("the memory child printed nothing")?;
    let mut figures = line.split_whitespace().map(str::parse::<u64>);
    let (Some(Ok(hwm)), Some(Ok(rss))) = (figures.next(), figures.next()) else {
        bail!("the memory child printed `{line}`");
    };
    let mb = |kib: u64| kib as f64 / 1024.0;
    let before = stdout
        .lines()
        .find_map(|l| l.strip_prefix("before ")?.trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    let line = |prefix: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::to_owned)
    };
    let printed = Printed {
        before,
        stages: line("stages "),
        composition: line("composition ").unwrap_or_default(),
        peaks: line("peaks ").unwrap_or_default(),
    };
    Ok(((mb(hwm), mb(rss)), printed))
}

/// Rows 8a and 8b for the charter `doc` in the data dir `dir`, which saved
/// whole is `bytes` (what the raw side loads).
pub(crate) fn rows(dir: &Path, doc: &str, bytes: &[u8]) -> Result<Vec<Row>> {
    let file = tempfile::NamedTempFile::new()?;
    std::fs::write(file.path(), bytes)?;
    let (raw, raw_printed) = measure_with_stages(&["raw", &file.path().to_string_lossy()])?;
    let (guild, printed) = measure_with_stages(&["guild", &dir.to_string_lossy(), doc])?;
    let (before, raw_before) = (printed.before, raw_printed.before);
    if let Some(stages) = printed.stages {
        let kib: Vec<f64> = stages
            .split_whitespace()
            .filter_map(|v| v.parse::<f64>().ok())
            .collect();
        if let [opened, loaded_peak, loaded, hydrated, ..] = kib[..] {
            eprintln!(
                "  note 8: Guild's process, resident: {:.1} MB at start, {:.1} MB once the library is open, {:.1} MB with the charter loaded (peak so far {:.1} MB), {:.1} MB with its Charter read; raw: {:.1} MB at start, {:.1} MB loaded",
                before / 1024.0,
                opened / 1024.0,
                loaded / 1024.0,
                loaded_peak / 1024.0,
                hydrated / 1024.0,
                raw_before / 1024.0,
                raw.1
            );
        }
    }
    eprintln!(
        "  note 8: steady, anonymous KiB, file KiB, threads: Guild {}, raw {}",
        printed.composition, raw_printed.composition
    );
    eprintln!(
        "  note 8: peak anonymous KiB, peak file KiB (sampled every ms): Guild {}, raw {}",
        printed.peaks, raw_printed.peaks
    );
    Ok(vec![
        Row::new(
            "8a",
            "peak memory (VmHWM), whole charter open in a Library, vs Automerge::load in its own process",
            Unit::Mb,
            guild.0,
            raw.0,
        )
        // Issue 16's target: at most a twentieth above the raw load.
        .target(Target::Ratio(1.05)),
        Row::new(
            "8b",
            "steady memory (VmRSS) after opening, same two processes",
            Unit::Mb,
            guild.1,
            raw.1,
        )
        .target(Target::AtMost(50.0)),
    ])
}
