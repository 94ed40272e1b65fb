//! The benchmark harness's shared parts: how big each run is (the
//! profile), the editing input, the one results table and its targets,
//! percentiles, and the helpers every row group uses to set up peers and
//! to wait for a node's traffic to stop.
//!
//! Each row group lives in its own module and returns [`Row`]s; the
//! binary (`src/bin/bench.rs`) runs them in order and prints one table.

pub(crate) mod frames;
pub(crate) mod initial;
pub(crate) mod latency;
pub(crate) mod load;
pub(crate) mod memory;
pub(crate) mod mesh;
pub(crate) mod raw;
pub(crate) mod relay;

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use automerge::{Automerge, ChangeHash};
use guild_model::{Op, ProseField};
use guild_sync::net::node::Node;
use guild_tests::trace::{Patch, load_trace, trace_charter};

/// How long any one wait may take before the run is declared stuck.
pub(crate) const STUCK: Duration = Duration::from_mins(2);

/// How big a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    /// The sizes: the 10k-op cut and the whole trace.
    Full,
    /// Small inputs, for iterating on the harness.
    Quick,
    /// Tiny inputs: every row, in seconds (the smoke test).
    Smoke,
}

/// The sizes a profile stands for.
#[derive(Debug, Clone)]
pub(crate) struct Sizes {
    /// Trace ops in the "10k-op" document.
    pub(crate) cut: usize,
    /// Trace ops in the "full trace" document (clamped to the trace).
    pub(crate) big: usize,
    /// Trace ops per change when building documents. 50 stands for the
    /// window's "one splice per pause in typing", as the app's own
    /// trace-sized test does; one change per keystroke would make the
    /// initial sync a different benchmark.
    pub(crate) per_change: usize,
    /// Measured edits per edit → peer run.
    pub(crate) edits: usize,
    /// Edits made offline before the second reconnect.
    pub(crate) offline: usize,
    /// Peer counts of the many-peers rows.
    pub(crate) peers: Vec<usize>,
    /// Peer counts of the "one types, the others watch" rows.
    pub(crate) typists: Vec<usize>,
    /// Rounds of "everyone edits at once" per peer count.
    pub(crate) rounds: usize,
    /// Repeats of each load measurement (the median is reported).
    pub(crate) repeats: usize,
}

impl Sizes {
    pub(crate) fn of(profile: Profile) -> Self {
        match profile {
            Profile::Full => Self {
                cut: 10_000,
                big: usize::MAX,
                per_change: 50,
                edits: 300,
                offline: 100,
                peers: vec![2, 4, 8, 16, 32, 48],
                typists: vec![8, 16, 32, 48],
                rounds: 20,
                repeats: 5,
            },
            Profile::Quick => Self {
                cut: 2_000,
                big: 20_000,
                per_change: 50,
                edits: 60,
                offline: 100,
                peers: vec![2, 4, 8, 16, 32, 48],
                typists: vec![8, 16, 32, 48],
                rounds: 5,
                repeats: 3,
            },
            Profile::Smoke => Self {
                cut: 200,
                big: 1_000,
                per_change: 50,
                edits: 5,
                offline: 10,
                peers: vec![2, 4, 8, 16],
                typists: vec![8],
                rounds: 1,
                repeats: 1,
            },
        }
    }
}

/// The editing input: the real trace, or a synthetic typist when the
/// trace file is absent (so the smoke test runs anywhere).
pub(crate) struct Input {
    pub(crate) patches: Vec<Patch>,
    pub(crate) synthetic: bool,
}

impl Input {
    pub(crate) fn load(sizes: &Sizes) -> Self {
        match load_trace() {
            Ok(trace) => Self {
                patches: trace.patches,
                synthetic: false,
            },
            Err(why) => {
                eprintln!(
                    "bench: the editing trace is not available ({why}); using a synthetic one"
                );
                Self {
                    patches: synthetic_patches(sizes.cut.max(sizes.big.min(20_000))),
                    synthetic: true,
                }
            }
        }
    }

    /// A charter written by the first `ops` patches, as `save()` bytes,
    /// and the length in characters of its purpose.
    pub(crate) fn charter(&self, ops: usize, per_change: usize) -> Result<(Vec<u8>, usize)> {
        let ops = ops.min(self.patches.len());
        let trace = guild_tests::trace::Trace {
            patches: self.patches[..ops].to_vec(),
            end: String::new(),
        };
        let doc = trace_charter(&trace, ops, per_change).map_err(anyhow::Error::msg)?;
        let len = self.patches[..ops]
            .iter()
            .fold(0usize, |len, p| len - p.delete + p.insert.chars().count());
        Ok((doc.save(), len))
    }
}

/// A typist writing prose with the odd correction, for when the real trace
/// is missing.
fn synthetic_patches(count: usize) -> Vec<Patch> {
    const WORDS: &str = "a community of practice writes its charter together ";
    let mut patches = Vec::with_capacity(count);
    let mut len = 0;
    for (i, c) in WORDS.chars().cycle().enumerate().take(count) {
        if i % 29 == 28 && len > 0 {
            patches.push(Patch {
                pos: len - 1,
                delete: 1,
                insert: String::new(),
            });
            len -= 1;
        } else {
            patches.push(Patch {
                pos: len,
                delete: 0,
                insert: c.to_string(),
            });
            len += 1;
        }
    }
    patches
}

/// The `n`th measured keystroke: one character typed in the middle of a
/// purpose of `len` characters (a fresh position each time, as a typist
/// moving along a sentence).
pub(crate) fn keystroke(len: usize, n: usize) -> Op {
    let letters = b"benchmark ";
    Op::SpliceProse {
        field: ProseField::Purpose,
        pos: len / 2 + n,
        delete: 0,
        insert: char::from(letters[n % letters.len()]).to_string(),
    }
}

/// The value at percentile `p` (nearest rank) of `values`.
pub(crate) fn percentile(values: &[Duration], p: usize) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let mut values = values.to_vec();
    values.sort_unstable();
    let rank = (values.len() * p).div_ceil(100).max(1);
    values[rank - 1]
}

/// The median of `values`.
pub(crate) fn median(values: &[Duration]) -> Duration {
    percentile(values, 50)
}

/// Unix seconds, as `Library::edit` stamps its changes (the raw baselines
/// stamp theirs the same, so change sizes compare).
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Milliseconds, for the table.
pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A node's `(received, sent)` once nothing has moved for 300 ms: a sync
/// is over only when its last acknowledgement has been counted.
pub(crate) async fn quiet_wire(node: &Node) -> (u64, u64) {
    let started = Instant::now();
    let mut last = node.wire_bytes();
    let mut still = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let now = node.wire_bytes();
        if now != last {
            last = now;
            still = Instant::now();
        } else if still.elapsed() >= Duration::from_millis(300) || started.elapsed() > STUCK {
            return last;
        }
    }
}

/// The heads of `doc` on `node` (a copy of the document: use sparingly on
/// big ones).
pub(crate) async fn heads(node: &Node, doc: &str) -> Result<Vec<ChangeHash>> {
    Ok(node.library().document(doc).await?.get_heads())
}

/// Waits until every node holds the same heads of `doc`.
pub(crate) async fn converged(nodes: &[&Node], doc: &str) -> Result<()> {
    let started = Instant::now();
    loop {
        let first = heads(nodes[0], doc).await?;
        let mut same = true;
        for node in &nodes[1..] {
            same &= heads(node, doc).await? == first;
        }
        if same {
            return Ok(());
        }
        if started.elapsed() > STUCK {
            bail!("{} peers did not converge on {doc}", nodes.len());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Starts a node on loopback over the data dir `dir`, new or one a node
/// used before (a restart).
pub(crate) async fn node_in(dir: &Path) -> Node {
    guild_tests::start_node(dir).await
}

/// Imports `bytes` as a charter on `a`, and has `b` join it with a
/// read-write ticket. Returns the charter's id once both hold it.
pub(crate) async fn share_with(a: &Node, b: &Node, bytes: &[u8]) -> Result<String> {
    let doc = a.library().import(bytes).await?;
    let ticket = a.share(&doc, guild_model::AccessLevel::ReadWrite).await?;
    b.join(&ticket, STUCK).await.context("join")?;
    converged(&[a, b], &doc).await?;
    Ok(doc)
}

/// Sum of the raw bytes of the changes `doc` gained since `before`.
pub(crate) fn change_bytes_since(doc: &Automerge, before: &[ChangeHash]) -> (usize, usize) {
    let changes = doc.get_changes(before);
    (
        changes.iter().map(|c| c.raw_bytes().len()).sum(),
        changes.len(),
    )
}

/// What a figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Ms,
    Bytes,
    Mb,
}

/// The target for a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Target {
    /// None set.
    None,
    /// Guild's figure at most this (in the row's unit).
    AtMost(f64),
    /// Guild's figure at most this times the baseline.
    Ratio(f64),
    /// Guild's figure at most `.0` times the baseline plus `.1` (in the
    /// row's unit): a cost proportional to the work plus a fixed overhead.
    RatioPlus(f64, f64),
}

/// One line of the table.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// `1a`, `2`, …: the row number and a letter per variant.
    pub(crate) id: String,
    /// What is measured, and against what baseline.
    pub(crate) what: String,
    pub(crate) unit: Unit,
    pub(crate) guild: f64,
    pub(crate) baseline: f64,
    pub(crate) target: Target,
}

impl Row {
    pub(crate) fn new(
        id: &str,
        what: impl Into<String>,
        unit: Unit,
        guild: f64,
        baseline: f64,
    ) -> Self {
        Self {
            id: id.to_owned(),
            what: what.into(),
            unit,
            guild,
            baseline,
            target: Target::None,
        }
    }

    pub(crate) fn target(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    fn ratio(&self) -> f64 {
        if self.baseline == 0.0 {
            f64::INFINITY
        } else {
            self.guild / self.baseline
        }
    }

    fn met(&self) -> Option<bool> {
        match self.target {
            Target::None => None,
            Target::AtMost(limit) => Some(self.guild <= limit),
            Target::Ratio(limit) => Some(self.ratio() <= limit),
            Target::RatioPlus(ratio, plus) => Some(self.guild <= self.baseline * ratio + plus),
        }
    }

    fn figure(&self, value: f64) -> String {
        match self.unit {
            Unit::Ms if value < 10.0 => format!("{value:.3} ms"),
            Unit::Ms => format!("{value:.1} ms"),
            Unit::Bytes => format!("{value:.0} B"),
            Unit::Mb => format!("{value:.1} MB"),
        }
    }

    fn target_text(&self) -> String {
        let unit = match self.unit {
            Unit::Ms => "ms",
            Unit::Bytes => "B",
            Unit::Mb => "MB",
        };
        match self.target {
            Target::None => "—".into(),
            Target::AtMost(limit) => format!("≤ {limit} {unit}"),
            Target::Ratio(limit) => format!("≤ {limit}× baseline"),
            Target::RatioPlus(ratio, plus) => format!("≤ {ratio}× baseline + {plus} {unit}"),
        }
    }
}

/// The whole table, Markdown, one row per line.
pub(crate) fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| row | measure (Guild vs baseline) | Guild | baseline | ratio | target | met |\n|---|---|---:|---:|---:|---|---|\n",
    );
    for row in rows {
        let met = match row.met() {
            None => "—",
            Some(true) => "yes",
            Some(false) => "**no**",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.2} | {} | {} |",
            row.id,
            row.what,
            row.figure(row.guild),
            row.figure(row.baseline),
            row.ratio(),
            row.target_text(),
            met
        );
    }
    out
}
