//! The history section's reading and its edits: the timeline, an old
//! version against now, blame, restore, and a personal copy's proposals.
//! Read when the section asks (each row's sections cost a diff), never on
//! every change.

use std::sync::Arc;

use automerge::Automerge;
use guild_model::Charter;
use guild_sync::CharterView;

use super::super::view_model::{HistoryRow, HistoryView, OpenCharter, Proposals, VersionView};
use super::Worker;
use crate::present::{blame_summary, change_message, removal_notice, shown_sections};

/// How many changes the history section lists (newest first): each costs a
/// diff to say which sections it touched.
const HISTORY_ROWS: usize = 300;

impl Worker {
    /// Reads the history of `doc` (and the version `hash` ends, if asked
    /// for, or the one shown before) into the view model.
    pub(super) async fn load_history(&mut self, doc: &str, hash: Option<&str>) {
        let library = self.node.library();
        let (document, charter) = match (library.document(doc).await, library.charter(doc).await) {
            (Ok(d), Ok(c)) => (d, c),
            (Err(e), _) | (_, Err(e)) => {
                self.toast(format!("cannot read the history: {e}"), true);
                return;
            }
        };
        let shown = hash.map(str::to_owned).or_else(|| {
            self.vm
                .history
                .as_ref()
                .filter(|h| h.doc == doc)
                .and_then(|h| h.version.as_ref().map(|v| v.hash.clone()))
        });
        let blame = guild_model::blame(&document);
        self.vm.history = Some(Arc::new(HistoryView {
            doc: doc.to_owned(),
            heads: document.get_heads(),
            rows: rows(&document, &charter),
            version: shown.and_then(|hash| version(&document, doc, &charter, hash)),
            blame_rows: blame
                .fields
                .iter()
                .chain(&blame.items)
                .map(|a| (a.label.clone(), blame_summary(&charter, a)))
                .collect(),
            removal_notices: blame
                .removed_while_edited
                .iter()
                .map(|race| (removal_notice(&charter, race), race.label.clone()))
                .collect(),
            blame,
        }));
    }

    /// Brings `doc` back to the version `hash` ends, and shows that version.
    pub(super) async fn restore(&mut self, doc: &str, hash: &str) {
        let library = self.node.library();
        let restored = match library.document(doc).await {
            Ok(document) => match guild_model::resolve_version(&document, hash) {
                Ok(heads) => library
                    .restore(doc, &heads)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e.to_string()),
        };
        match restored {
            // On the undo stack like any edit of this window's: restoring
            // undoes everyone's work since, so one Ctrl+Z must bring it back.
            Ok(Some(change)) => {
                self.redo.remove(doc);
                self.undo.entry(doc.to_owned()).or_default().push(change);
                self.toast(
                    format!("Restored version {} — Ctrl+Z undoes it", &hash[..8]),
                    false,
                );
            }
            Ok(None) => self.toast(
                format!("Version {} is what the charter already says", &hash[..8]),
                false,
            ),
            Err(e) => self.toast(format!("could not restore: {e}"), true),
        }
        self.refresh_open().await;
        self.load_history(doc, Some(hash)).await;
    }

    /// Lists what the personal copy `from` changed, to propose into `into`.
    pub(super) async fn load_proposals(&mut self, from: String, into: String) {
        match self.node.library().proposals(&from, &into).await {
            Ok(differences) => {
                self.vm.proposals = Some(Arc::new(Proposals {
                    from,
                    into,
                    differences,
                }));
            }
            Err(e) => self.toast(
                format!("cannot compare with the community's charter: {e}"),
                true,
            ),
        }
    }

    /// Merges the chosen changes of `from` into `into`, and opens `into`.
    pub(super) async fn merge_back(&mut self, from: &str, into: &str, paths: &[String]) {
        match self.node.library().merge_from(from, into, paths).await {
            Ok(merged) => {
                self.toast(
                    format!(
                        "{} change(s) merged into the community's charter",
                        merged.len()
                    ),
                    false,
                );
                self.vm.proposals = None;
                self.open(into).await;
            }
            Err(e) => self.toast(format!("could not merge: {e}"), true),
        }
    }
}

/// The timeline, newest first, each change with the milestones naming it.
fn rows(document: &Automerge, charter: &Charter) -> Vec<HistoryRow> {
    guild_model::history(document, HISTORY_ROWS)
        .into_iter()
        .map(|entry| {
            let hash = entry.hash.to_string();
            HistoryRow {
                milestones: charter
                    .milestones
                    .iter()
                    .filter(|(_, m)| m.heads.split_whitespace().any(|h| h == hash))
                    .map(|(name, _)| name.clone())
                    .collect(),
                author: guild_model::author_of(charter, &entry.actor),
                color: charter
                    .member_of_actor(&entry.actor)
                    .and_then(|(_, m)| m.rgb()),
                hash,
                time: entry.time,
                message: change_message(&entry.message),
                sections: shown_sections(entry.sections),
            }
        })
        .collect()
}

/// The version the change `hash` ends, compared with `now`.
fn version(document: &Automerge, doc: &str, now: &Charter, hash: String) -> Option<VersionView> {
    let heads = guild_model::resolve_version(document, &hash).ok()?;
    let charter = guild_model::charter_at(document, &heads).ok()?;
    let view = CharterView {
        id: doc.to_owned(),
        charter,
        heads: heads.clone(),
        conflicts: Vec::new(),
        changes: 0,
        read_only: true,
    };
    Some(VersionView {
        differences: guild_model::diff_charters(&view.charter, now),
        then: Arc::new(OpenCharter {
            view: Arc::new(view),
            status: None,
            presence: Vec::new(),
        }),
        heads,
        hash,
    })
}
