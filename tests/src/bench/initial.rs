//! Rows 3 and 4: an empty peer joining the whole charter by ticket (bytes
//! and time, against the size of `save()` and the time of
//! `Automerge::load`), then that peer restarting and reconnecting with
//! nothing new (bytes, against raw Automerge sync between the very same
//! two documents with the sync states kept from the last session, as
//! Guild keeps them), and again after editing offline (bytes, against the
//! offline changes' own bytes).
//!
//! Leaves A's data directory behind for the load and memory rows: it is a
//! charter as Guild stores one after a join and an offline merge.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use automerge::Automerge;
use automerge::sync::State;
use guild_model::AccessLevel;
use guild_sync::LibraryOptions;
use guild_sync::net::node::Node;
use tempfile::TempDir;

use super::raw::{persisted_state, sync_in_memory};
use super::{Row, STUCK, Target, Unit, converged, keystroke, median, ms, node_in, quiet_wire};

/// What the later rows reuse: A's data dir and the charter's id.
pub(crate) struct Kept {
    pub(crate) dir: TempDir,
    pub(crate) doc: String,
}

/// Rows 3a, 3b, 4a, 4b on the charter saved as `bytes`.
pub(crate) async fn rows(
    bytes: &[u8],
    len: usize,
    offline: usize,
    repeats: usize,
) -> Result<(Vec<Row>, Kept)> {
    let (a_dir, b_dir) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let a = node_in(a_dir.path()).await;
    let doc = a.library().import(bytes).await?;
    let (mut rows, a_doc) = Box::pin(join(&a, b_dir.path(), &doc, repeats)).await?;
    rows.extend(Box::pin(reconnects(&a, &a_doc, b_dir.path(), &doc, len, offline)).await?);
    a.shutdown().await?;
    drop(a);
    Ok((rows, Kept { dir: a_dir, doc }))
}

/// Rows 3a and 3b: an empty node in `b_dir` joins `doc` from `a`. Returns
/// them and the document as both hold it afterwards.
async fn join(a: &Node, b_dir: &Path, doc: &str, repeats: usize) -> Result<(Vec<Row>, Automerge)> {
    let ticket = a.share(doc, AccessLevel::ReadWrite).await?;
    let b = node_in(b_dir).await;
    let started = Instant::now();
    b.join(&ticket, STUCK).await?;
    let joined = started.elapsed();
    converged(&[a, &b], doc).await?;
    let (rx, tx) = quiet_wire(&b).await;
    let frames = b.wire_frames();
    b.shutdown().await?;
    let a_doc = a.library().document(doc).await?;
    let saved = a_doc.save();
    let loads: Vec<Duration> = (0..repeats.max(1))
        .map(|_| {
            let started = Instant::now();
            let loaded = Automerge::load(&saved);
            let took = started.elapsed();
            drop(loaded);
            took
        })
        .collect();
    let raw = sync_in_memory(&a_doc, &Automerge::new(), State::new(), State::new())?;
    eprintln!(
        "  note 3: raw automerge::sync to an empty peer: {} B ({:.2}× save()) in messages of [{}] B; Guild's join: {rx} B received, {tx} B sent in {frames:?} frames",
        raw.bytes,
        raw.bytes as f64 / saved.len() as f64,
        raw.messages.join(", "),
    );
    let rows = vec![
        Row::new(
            "3a",
            "initial sync of the whole charter to an empty peer: bytes, vs save() size",
            Unit::Bytes,
            (rx + tx) as f64,
            saved.len() as f64,
        )
        .target(Target::Ratio(1.05)),
        Row::new(
            "3b",
            "initial sync: time until join() returns, vs Automerge::load of save()",
            Unit::Ms,
            ms(joined),
            ms(median(&loads)),
        ),
    ];
    Ok((rows, a_doc))
}

/// Rows 4a and 4b: the node in `b_dir`, which holds `doc` as `a_doc`,
/// restarts and reconnects to `a`; then edits `offline` times with no
/// network and reconnects again.
async fn reconnects(
    a: &Node,
    a_doc: &Automerge,
    b_dir: &Path,
    doc: &str,
    len: usize,
    offline: usize,
) -> Result<Vec<Row>> {
    let b = node_in(b_dir).await;
    b.sync(doc, STUCK).await?;
    let (rx, tx) = quiet_wire(&b).await;
    let frames = b.wire_frames();
    let b_doc = b.library().document(doc).await?;
    b.shutdown().await?;
    drop(b);
    let fresh = sync_in_memory(a_doc, &b_doc, State::new(), State::new())?;
    let (a_state, b_state) = (fresh.a_state, fresh.b_state);
    let kept = sync_in_memory(
        a_doc,
        &b_doc,
        persisted_state(&a_state)?,
        persisted_state(&b_state)?,
    )?;
    eprintln!(
        "  note 4a: Guild: {rx} B received, {tx} B sent in {frames:?} frames; raw automerge::sync from fresh states: [{}] B; with the sync states kept from last time: [{}] B",
        fresh.messages.join(", "),
        kept.messages.join(", "),
    );
    let mut rows = vec![
        Row::new(
            "4a",
            "reconnect with nothing new: bytes, vs raw automerge::sync with the sync states kept",
            Unit::Bytes,
            (rx + tx) as f64,
            kept.bytes as f64,
        )
        .target(Target::AtMost(200.0)),
    ];
    let before_edits = b_doc.get_heads();

    let library = guild_tests::open_library(b_dir, LibraryOptions::one_shot()).await?;
    for n in 0..offline {
        library.edit(doc, &keystroke(len, n)).await?;
    }
    let b_doc = library.document(doc).await?;
    library.close().await?;
    let b = node_in(b_dir).await;
    b.sync(doc, STUCK).await?;
    let (rx, tx) = quiet_wire(&b).await;
    let frames = b.wire_frames();
    converged(&[a, &b], doc).await?;
    b.shutdown().await?;
    let changes: usize = b_doc
        .get_changes(&before_edits)
        .iter()
        .map(|c| c.raw_bytes().len())
        .sum();
    let fresh = sync_in_memory(a_doc, &b_doc, State::new(), State::new())?.bytes;
    // Sync states as both sides kept them from the session before the edits.
    let kept = sync_in_memory(
        a_doc,
        &b_doc,
        persisted_state(&a_state)?,
        persisted_state(&b_state)?,
    )?
    .bytes;
    eprintln!(
        "  note 4b: Guild: {rx} B received, {tx} B sent in {frames:?} frames; raw automerge::sync with the sync states kept: {kept} B, from fresh states: {fresh} B"
    );
    rows.push(
        Row::new(
            "4b",
            format!(
                "reconnect after {offline} offline edits: bytes, vs the raw bytes of those changes"
            ),
            Unit::Bytes,
            (rx + tx) as f64,
            changes as f64,
        )
        .target(Target::RatioPlus(1.1, 200.0)),
    );
    Ok(rows)
}
