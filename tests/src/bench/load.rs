//! Row 5: opening a charter from disk — `Library::open` and `charter()`,
//! what a command or the window does first — against `Automerge::load` of
//! the same document saved whole (one snapshot: the least any store could
//! keep). Guild keeps a snapshot and the incremental chunks since (samod
//! compacts by size, samod-core patch 7), so the row counts what those
//! chunks cost to open. A note gives `Automerge::load` of the chunks as
//! they lie, concatenated, too.
//!
//! The window's first frame is not measured: `guild-app` is a binary with
//! no library to drive from here (the app's kittest test times frames).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use automerge::Automerge;
use guild_model::Charter;
use guild_sync::LibraryOptions;

use super::{Row, Target, Unit, median, ms};

/// Every chunk file of `doc` in the data dir `dir`, concatenated.
pub(crate) fn bytes_on_disk(dir: &Path, doc: &str) -> Result<Vec<u8>> {
    let root = dir.join("repo").join(&doc[..2]).join(&doc[2..]);
    let mut files: Vec<PathBuf> = Vec::new();
    for kind in ["snapshot", "incremental"] {
        let Ok(entries) = std::fs::read_dir(root.join(kind)) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            let temporary = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".tmp-"));
            if !temporary {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut bytes = Vec::new();
    for file in &files {
        bytes.extend(std::fs::read(file).with_context(|| file.display().to_string())?);
    }
    anyhow::ensure!(
        !bytes.is_empty(),
        "no chunks of {doc} in {}",
        root.display()
    );
    Ok(bytes)
}

/// The document `doc` in the data dir `dir`, saved whole: one snapshot.
pub(crate) fn saved_whole(dir: &Path, doc: &str) -> Result<Vec<u8>> {
    Ok(Automerge::load(&bytes_on_disk(dir, doc)?)?.save())
}

/// Row 5a on the charter `doc` in the data dir `dir` (no process may hold it).
pub(crate) async fn rows(dir: &Path, doc: &str, repeats: usize) -> Result<Vec<Row>> {
    measure(
        (
            "5a",
            "load from disk: Library::open + charter(), vs Automerge::load of the document saved whole",
        ),
        dir,
        doc,
        repeats,
    )
    .await
}

/// Row 5c: the same after `edits` keystrokes in a session of their own,
/// as a charter is found after a short session. What samod-core leaves on
/// disk after them (patches 7 and 8 compact by size and as a run ends) is
/// counted in the note.
pub(crate) async fn rows_after_edits(
    dir: &Path,
    doc: &str,
    len: usize,
    edits: usize,
    repeats: usize,
) -> Result<Vec<Row>> {
    let library = guild_tests::open_library(dir, LibraryOptions::one_shot()).await?;
    for n in 0..edits {
        library.edit(doc, &super::keystroke(len, n)).await?;
    }
    library.close().await?;
    measure(
        (
            "5c",
            "load from disk with a chunk per recent change beside the snapshot: Library::open + charter(), vs Automerge::load of the document saved whole",
        ),
        dir,
        doc,
        repeats,
    )
    .await
}

/// Rounds of each side per repeat: a round is ~0.2 s, and the median of
/// five moved with this machine's noise by more than the 5% the target
/// allows.
const LOAD_ROUNDS_PER_REPEAT: usize = 3;

/// Opens `doc` in `dir` `repeats` × [`LOAD_ROUNDS_PER_REPEAT`] times, taking
/// turns with `Automerge::load` of the document saved whole, as row `id`.
async fn measure(
    (id, what): (&'static str, &'static str),
    dir: &Path,
    doc: &str,
    repeats: usize,
) -> Result<Vec<Row>> {
    let bytes = bytes_on_disk(dir, doc)?;
    let started = Instant::now();
    let as_they_lie = Automerge::load(&bytes)?;
    let as_they_lie_load = started.elapsed();
    let whole = as_they_lie.save();
    drop(as_they_lie);
    let (mut opens, mut finds, mut hydrations, mut totals) = (vec![], vec![], vec![], vec![]);
    let (mut loads, mut raw_hydrations) = (Vec::<Duration>::new(), Vec::<Duration>::new());
    // Guild and the baseline take turns, so that a slow spell of this
    // shared machine (loads of one document vary by ±20% here from one
    // second to the next) falls on both alike rather than on one's rounds.
    for _ in 0..repeats.max(1) * LOAD_ROUNDS_PER_REPEAT {
        let started = Instant::now();
        let library = guild_tests::open_library(dir, LibraryOptions::one_shot()).await?;
        let opened = started.elapsed();
        // The access list is read straight off the loaded document, so this
        // is the load; `charter` then hydrates it.
        library.access(doc).await?;
        let found = started.elapsed();
        let charter = library.charter(doc).await?;
        let total = started.elapsed();
        drop(charter);
        library.close().await?;
        opens.push(opened);
        finds.push(found.saturating_sub(opened));
        hydrations.push(total.saturating_sub(found));
        totals.push(total);

        let started = Instant::now();
        let loaded = Automerge::load(&whole)?;
        loads.push(started.elapsed());
        let started = Instant::now();
        Charter::from_doc(&loaded)?;
        raw_hydrations.push(started.elapsed());
    }
    let chunks = |kind: &str| {
        std::fs::read_dir(dir.join("repo").join(&doc[..2]).join(&doc[2..]).join(kind))
            .map_or(0, Iterator::count)
    };
    // Each round's Guild over the baseline beside it: what is left of the
    // machine's drift once both sides share their moment.
    let mut paired: Vec<f64> = totals
        .iter()
        .zip(&loads)
        .map(|(guild, raw)| guild.as_secs_f64() / raw.as_secs_f64().max(f64::EPSILON))
        .collect();
    paired.sort_by(f64::total_cmp);
    eprintln!(
        "  note {id}: Guild over the baseline round by round: median {:.2}, middle half {:.2}–{:.2}, all {:.2}–{:.2} ({} rounds)",
        paired[paired.len() / 2],
        paired[paired.len() / 4],
        paired[paired.len() * 3 / 4],
        paired[0],
        paired[paired.len() - 1],
        paired.len(),
    );
    eprintln!(
        "  note {id}: {} B on disk ({} snapshot and {} incremental chunks; saved whole {} B, and Automerge::load of the chunks as they lie, concatenated, takes {:.1} ms); Guild: Library::open {:.1} ms, load the doc (find) {:.1} ms, charter() (hydrate) {:.1} ms; Charter::from_doc alone {:.1} ms",
        bytes.len(),
        chunks("snapshot"),
        chunks("incremental"),
        whole.len(),
        ms(as_they_lie_load),
        ms(median(&opens)),
        ms(median(&finds)),
        ms(median(&hydrations)),
        ms(median(&raw_hydrations)),
    );
    Ok(vec![
        Row::new(id, what, Unit::Ms, ms(median(&totals)), ms(median(&loads)))
            .target(Target::Ratio(1.05)),
    ])
}
