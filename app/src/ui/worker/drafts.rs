//! A silent brainstorm's notes, kept on this device only
//! (`DIR/drafts/<doc>.json`, written crash-safe) until the facilitator
//! reveals them or the person shares them: they are never in the charter
//! before, so no peer can read them, whatever it runs.

use guild_model::{Op, Phase, Position, new_id};
use guild_sync::DataDir;

use super::super::view_model::DraftNote;
use super::Worker;

/// The drafts kept for `doc` (none if there are none or they do not read).
pub(super) fn read(data_dir: &DataDir, doc: &str) -> Vec<DraftNote> {
    data_dir
        .drafts_path(doc)
        .and_then(|path| std::fs::read(path).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

fn write(data_dir: &DataDir, doc: &str, drafts: &[DraftNote]) -> std::io::Result<()> {
    let Some(path) = data_dir.drafts_path(doc) else {
        return Err(std::io::Error::other("not a document id"));
    };
    if drafts.is_empty() {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    }
    let bytes = serde_json::to_vec_pretty(drafts).map_err(std::io::Error::other)?;
    data_dir.write_file(&path, &bytes)
}

impl Worker {
    /// Keeps a note on this device until the reveal.
    pub(super) fn draft_note(&mut self, doc: &str, note: DraftNote) {
        let mut drafts = read(&self.data_dir, doc);
        drafts.push(note);
        match write(&self.data_dir, doc, &drafts) {
            Ok(()) => {
                if self.open.as_deref() == Some(doc) {
                    self.vm.drafts = drafts;
                }
            }
            Err(e) => self.toast(format!("cannot keep your note: {e}"), true),
        }
    }

    /// Adds every note kept for `doc` to the charter, as one change, and
    /// forgets them once that change is saved.
    pub(super) async fn share_drafts(&mut self, doc: &str) {
        let drafts = read(&self.data_dir, doc);
        if drafts.is_empty() {
            return;
        }
        let author = self
            .vm
            .identity
            .as_ref()
            .map_or_else(|| "someone".to_owned(), |i| i.name.clone());
        let ops: Vec<Op> = drafts
            .iter()
            .map(|d| Op::AddNote {
                id: new_id(),
                phase: d.phase,
                tag: d.tag,
                text: d.text.clone(),
                author: author.clone(),
                position: Position::End,
            })
            .collect();
        match self.node.library().edit_batch(doc, &ops, None).await {
            Ok(_) => {
                if let Err(e) = write(&self.data_dir, doc, &[]) {
                    tracing::warn!(error = %e, "cannot forget shared drafts");
                }
                if self.open.as_deref() == Some(doc) {
                    self.vm.drafts.clear();
                }
                self.toast(
                    format!("{} of your notes are in the charter now", ops.len()),
                    false,
                );
            }
            // Kept: the next reveal or "Share my notes" tries again.
            Err(e) => self.toast(format!("your notes could not be added: {e}"), true),
        }
    }

    /// After a refresh: once the brainstorm of the open charter is
    /// revealed, this device's kept notes go in.
    pub(super) async fn reveal_if_due(&mut self) {
        let Some(open) = self.vm.open.clone() else {
            return;
        };
        if open.view.charter.workshop.is_revealed()
            && !self.vm.drafts.is_empty()
            && !open.view.read_only
        {
            self.share_drafts(&open.view.id).await;
            self.refresh_open().await;
        }
    }
}

/// The drafts for a phase, for the inquiry's columns.
pub(crate) fn in_phase(drafts: &[DraftNote], phase: Phase) -> impl Iterator<Item = &DraftNote> {
    drafts.iter().filter(move |d| d.phase == phase)
}
