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
        let ops = reveal_ops(&drafts, &author);
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

/// The notes `drafts` become at the reveal: one each, by `author`.
fn reveal_ops(drafts: &[DraftNote], author: &str) -> Vec<Op> {
    drafts
        .iter()
        .map(|d| Op::AddNote {
            id: new_id(),
            phase: d.phase,
            tag: d.tag,
            text: d.text.clone(),
            author: author.to_owned(),
            position: Position::End,
        })
        .collect()
}

/// The drafts for a phase, for the inquiry's columns.
pub(crate) fn in_phase(drafts: &[DraftNote], phase: Phase) -> impl Iterator<Item = &DraftNote> {
    drafts.iter().filter(move |d| d.phase == phase)
}

#[cfg(test)]
mod tests {
    use guild_model::{Charter, Phase, Tag};
    use proptest::prelude::*;

    use super::{DraftNote, read, reveal_ops, write};

    fn draft() -> impl Strategy<Value = DraftNote> {
        (
            prop::sample::select(Phase::ALL.to_vec()),
            prop::sample::select(Tag::ALL.to_vec()),
            "[a-zA-Zé ü.,!?🙂]{0,40}",
        )
            .prop_map(|(phase, tag, words)| DraftNote {
                phase,
                tag,
                // A marker no seed text has, so "not in the charter" means
                // something.
                text: format!("Zq-draft {words}").trim().to_owned(),
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever a person drafts is kept on disk exactly, stays out of
        /// the charter until the reveal, and every note arrives then.
        #[test]
        fn every_kept_note_arrives_at_the_reveal_and_none_before(
            drafts in prop::collection::vec(draft(), 1..12),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let data_dir = guild_sync::DataDir::resolve(Some(dir.path().to_path_buf())).unwrap();
            let mut doc = guild_model::new_charter("Brainstorm CoP", 1).unwrap();
            let id = "2BsRYgYVWFVpuWvAwBw6R3nvSHvt";
            write(&data_dir, id, &drafts).unwrap();
            prop_assert_eq!(read(&data_dir, id), drafts.clone());
            let before = doc.save();
            for d in &drafts {
                prop_assert!(
                    !before.windows(d.text.len()).any(|w| w == d.text.as_bytes()),
                    "a draft is in the charter before the reveal"
                );
            }
            guild_model::apply_batch(&mut doc, &reveal_ops(&drafts, "Ben"), 2).unwrap();
            let charter: Charter = autosurgeon::hydrate(&doc).unwrap();
            let mut arrived: Vec<(Phase, Tag, String)> = charter
                .inquiry
                .notes
                .values()
                .filter(|n| n.author == "Ben")
                .map(|n| (n.phase, n.tag, n.text.as_str().to_owned()))
                .collect();
            let mut kept: Vec<(Phase, Tag, String)> =
                drafts.iter().map(|d| (d.phase, d.tag, d.text.clone())).collect();
            arrived.sort();
            kept.sort();
            prop_assert_eq!(arrived, kept);
            write(&data_dir, id, &[]).unwrap();
            prop_assert!(read(&data_dir, id).is_empty());
        }
    }
}
