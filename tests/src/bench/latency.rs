//! Rows 1 and 2: a keystroke on peer A until it is in peer B's document,
//! for two Guild nodes and for raw Automerge sync over iroh; and what each
//! of those edits costs on Guild's wire against the bytes of the change.
//!
//! Edits go one at a time: the next starts once B has the last one and
//! A's `Library::edit` has returned (the change is durable, which the
//! window's 100 ms group commit paces at about ten keystrokes a second).
//! The raw loop waits for B's acknowledgement instead.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use tokio::sync::mpsc;

use super::raw;
use guild_sync::net::node::Node;

use super::{
    Row, STUCK, Target, Unit, change_bytes_since, converged, keystroke, median, ms, node_in,
    percentile, quiet_wire, share_with,
};

/// One document size's figures, Guild and raw.
pub(crate) struct Figures {
    pub(crate) guild: Vec<Duration>,
    pub(crate) raw: Vec<Duration>,
    /// Guild frame bytes, both directions, per edit.
    pub(crate) guild_wire: f64,
    /// Raw sync frame bytes, both directions, per edit.
    pub(crate) raw_wire: f64,
    /// The raw bytes of the changes the edits made, per edit.
    pub(crate) change_bytes: f64,
}

/// Guild's side of one document.
struct GuildRun {
    /// Edit started → B's document has it.
    latencies: Vec<Duration>,
    /// Edit started → A's own document has it (the part before the network).
    local: Vec<Duration>,
    /// Edit started → `Library::edit` returned (the change durable on A).
    durable: Vec<Duration>,
    wire_per_edit: f64,
    change_bytes_per_edit: f64,
}

/// Timestamps of every change to `doc` on `node`, taken as it happens,
/// independent of what the driver is awaiting.
async fn stamps(
    node: &Node,
    doc: &str,
) -> Result<(
    tokio::task::JoinHandle<()>,
    mpsc::UnboundedReceiver<Instant>,
)> {
    let mut changed = node.library().changes(doc).await?;
    let (tx, rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        while changed.recv().await.is_some() {
            if tx.send(Instant::now()).is_err() {
                break;
            }
        }
    });
    Ok((task, rx))
}

async fn next_stamp(stamps: &mut mpsc::UnboundedReceiver<Instant>, who: &str) -> Result<Instant> {
    tokio::time::timeout(STUCK, stamps.recv())
        .await
        .with_context(|| format!("{who} never saw the edit"))?
        .with_context(|| format!("{who}'s change feed closed"))
}

/// Two nodes, B joined by ticket, A types.
async fn guild_run(bytes: &[u8], len: usize, edits: usize) -> Result<GuildRun> {
    let (a_dir, b_dir) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let a = node_in(a_dir.path()).await;
    let b = node_in(b_dir.path()).await;
    let doc = share_with(&a, &b, bytes).await?;
    quiet_wire(&b).await;

    let (b_task, mut on_b) = stamps(&b, &doc).await?;
    let (a_task, mut on_a) = stamps(&a, &doc).await?;
    let before = a.library().document(&doc).await?.get_heads();
    let (rx0, tx0) = quiet_wire(&a).await;
    let (mut latencies, mut local, mut durable) = (vec![], vec![], vec![]);
    let mut notifications = 0;
    for n in 0..edits {
        while on_b.try_recv().is_ok() {
            notifications += 1;
        }
        while on_a.try_recv().is_ok() {}
        let started = Instant::now();
        a.library().edit(&doc, &keystroke(len, n)).await?;
        durable.push(started.elapsed());
        let at = next_stamp(&mut on_b, "B").await?;
        notifications += 1;
        latencies.push(at.saturating_duration_since(started));
        local.push(
            next_stamp(&mut on_a, "A")
                .await?
                .saturating_duration_since(started),
        );
    }
    let (rx1, tx1) = quiet_wire(&a).await;
    while on_b.try_recv().is_ok() {
        notifications += 1;
    }
    converged(&[&a, &b], &doc).await?;
    if notifications != edits {
        // Then a notification was not one edit's arrival and the
        // latencies would be off: say so rather than print them.
        bail!("B saw {notifications} changes for {edits} edits");
    }
    let after = a.library().document(&doc).await?;
    let (change_bytes, _) = change_bytes_since(&after, &before);
    a_task.abort();
    b_task.abort();
    b.shutdown().await?;
    a.shutdown().await?;
    let per_edit = |total: u64| total as f64 / edits.max(1) as f64;
    Ok(GuildRun {
        latencies,
        local,
        durable,
        wire_per_edit: per_edit((rx1 - rx0) + (tx1 - tx0)),
        change_bytes_per_edit: per_edit(change_bytes as u64),
    })
}

/// Both sides on one document: `bytes` (a saved charter whose purpose has
/// `len` characters), `edits` keystrokes each.
pub(crate) async fn measure(bytes: &[u8], len: usize, edits: usize) -> Result<Figures> {
    let guild = Box::pin(guild_run(bytes, len, edits)).await?;
    let raw = raw::edit_run(bytes, edits, |n| keystroke(len, n)).await?;
    eprintln!(
        "  note 1: Guild, median: {:.3} ms until A's own document has the edit, {:.3} ms until B has it, {:.1} ms until Library::edit returns (durable)",
        ms(median(&guild.local)),
        ms(median(&guild.latencies)),
        ms(median(&guild.durable)),
    );
    eprintln!(
        "  note 1: raw, median: {:.3} ms applying the edit on A, {:.3} ms generating and sending its message, {:.3} ms in B's receive_sync_message, {:.3} ms until B has it",
        ms(median(&raw.apply)),
        ms(median(&raw.send)),
        ms(median(&raw.receive)),
        ms(median(&raw.latencies)),
    );
    Ok(Figures {
        guild: guild.latencies,
        raw: raw.latencies,
        guild_wire: guild.wire_per_edit,
        raw_wire: raw.wire_per_edit,
        change_bytes: guild.change_bytes_per_edit,
    })
}

/// Rows 1a–1d and 2a–2b from the figures of the cut and of the whole trace.
pub(crate) fn rows(cut: &Figures, cut_ops: usize, big: &Figures, big_ops: usize) -> Vec<Row> {
    let base = "vs raw automerge::sync over iroh";
    let mut rows = Vec::new();
    for (id, p, figures, ops, target) in [
        ("1a", 50, cut, cut_ops, Target::AtMost(3.0)),
        ("1b", 99, cut, cut_ops, Target::None),
        ("1c", 50, big, big_ops, Target::None),
        ("1d", 99, big, big_ops, Target::AtMost(16.7)),
    ] {
        rows.push(
            Row::new(
                id,
                format!("edit → visible on the peer, p{p}, {ops}-op doc, {base}"),
                Unit::Ms,
                ms(percentile(&figures.guild, p)),
                ms(percentile(&figures.raw, p)),
            )
            .target(target),
        );
    }
    for (id, figures, ops) in [("2a", cut, cut_ops), ("2b", big, big_ops)] {
        rows.push(Row::new(
            id,
            format!("wire bytes per edit (both ways), {ops}-op doc, vs the change's raw bytes"),
            Unit::Bytes,
            figures.guild_wire,
            figures.change_bytes,
        ));
        eprintln!(
            "  note {id}: raw automerge::sync put {:.0} B per edit on the wire ({:.2}× the change)",
            figures.raw_wire,
            figures.raw_wire / figures.change_bytes
        );
    }
    rows
}
