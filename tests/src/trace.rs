//! The real editing trace in `../shared/data/automerge-paper.json.gz`
//! (259,778 keystrokes writing the Automerge paper) and charters built from
//! it, for large-document tests and benchmarks.

use std::io::Read as _;
use std::path::PathBuf;

use automerge::Automerge;
use guild_model::{Cell, Op, Phase, Position, ProseField, Tag, apply_batch, new_charter};

/// One keystroke-level edit: at `pos` delete `delete` characters, insert `insert`.
#[derive(Debug, Clone)]
pub struct Patch {
    /// Position in characters.
    pub pos: usize,
    /// Characters deleted.
    pub delete: usize,
    /// Text inserted.
    pub insert: String,
}

/// The trace: its patches in order and the text they produce.
#[derive(Debug)]
pub struct Trace {
    /// Every patch of every transaction, in order.
    pub patches: Vec<Patch>,
    /// The final text.
    pub end: String,
}

/// Where the trace is: `GUILD_TRACE`, or `shared/data/` beside the repository.
pub fn trace_path() -> PathBuf {
    std::env::var_os("GUILD_TRACE").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/data/automerge-paper.json.gz")
        },
        PathBuf::from,
    )
}

/// Loads the trace, or says why it cannot.
pub fn load_trace() -> Result<Trace, String> {
    let path = trace_path();
    let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut json = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut json)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    let mut patches = Vec::new();
    for txn in value["txns"].as_array().ok_or("no txns")? {
        for patch in txn["patches"].as_array().ok_or("no patches")? {
            let pos = patch[0].as_u64().ok_or("bad position")?;
            let delete = patch[1].as_u64().ok_or("bad delete")?;
            let insert = patch[2].as_str().ok_or("bad insert")?.to_owned();
            patches.push(Patch {
                pos: usize::try_from(pos).map_err(|e| e.to_string())?,
                delete: usize::try_from(delete).map_err(|e| e.to_string())?,
                insert,
            });
        }
    }
    let end = value["endContent"]
        .as_str()
        .ok_or("no endContent")?
        .to_owned();
    Ok(Trace { patches, end })
}

/// A charter whose purpose is written by the first `limit` patches of the
/// trace, `per_change` patches per change, plus a realistic population of
/// items: 200 cards, 100 objectives, 120 inquiry notes.
pub fn trace_charter(trace: &Trace, limit: usize, per_change: usize) -> Result<Automerge, String> {
    let mut doc = new_charter("The Automerge paper CoP", 1).map_err(|e| e.to_string())?;
    let ops: Vec<Op> = trace
        .patches
        .iter()
        .take(limit)
        .map(|p| Op::SpliceProse {
            field: ProseField::Purpose,
            pos: p.pos,
            delete: p.delete,
            insert: p.insert.clone(),
        })
        .collect();
    for (n, chunk) in ops.chunks(per_change.max(1)).enumerate() {
        apply_batch(&mut doc, chunk, 2 + i64::try_from(n).unwrap_or(0))
            .map_err(|e| e.to_string())?;
    }
    let mut items = Vec::new();
    for i in 0..200 {
        items.push(Op::AddCard {
            id: format!("card-{i}"),
            cell: Cell::ALL[i % 4],
            text: format!("Value card number {i}"),
            position: Position::End,
        });
    }
    for i in 0..100 {
        items.push(Op::AddObjective {
            id: format!("objective-{i}"),
            title: format!("Objective {i}"),
            position: Position::End,
        });
    }
    for i in 0..120 {
        let (phase, tag) = (Phase::ALL[i % 4], Tag::ALL[i % 3]);
        items.push(Op::AddNote {
            id: format!("note-{i}"),
            phase,
            tag,
            text: format!("Note {i}"),
            author: "trace".into(),
            position: Position::End,
        });
    }
    for chunk in items.chunks(20) {
        apply_batch(&mut doc, chunk, 3).map_err(|e| e.to_string())?;
    }
    Ok(doc)
}
