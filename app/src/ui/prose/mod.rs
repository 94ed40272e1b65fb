//! Prose fields bound to the charter's collaborative text.
//!
//! The person types into a local buffer; each pause in typing (or leaving
//! the field) sends one splice — the smallest change between what the field
//! showed and what it shows now — as one change, based on the heads the
//! field was drawn from, so the worker can move it past a peer's concurrent
//! edit with Automerge cursors. When a peer's edit arrives and nothing is
//! pending here, the text is replaced and the caret shifted past whatever
//! was inserted or deleted before it.
//!
//! A long text (from [`paragraphs::LONG_TEXT`] bytes) is drawn by
//! [`paragraphs`], one paragraph at a time and only what is on screen;
//! the sending above is the same for it.

mod paragraphs;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use automerge::ChangeHash;
use egui::text::{CCursor, CCursorRange};
use guild_model::{Op, ProseField, single_splice};

use self::paragraphs::{LONG_TEXT, Paragraphs, SHORT_TEXT};
use super::commands::UiCommand;
use super::view_model::OpenCharter;

/// How long a pause in typing is.
const PAUSE: Duration = Duration::from_millis(400);

struct ProseEditor {
    doc: String,
    buffer: String,
    /// The text the buffer was last equal to in a snapshot (or sent as).
    synced: String,
    /// The heads `synced` corresponds to.
    base: Vec<ChangeHash>,
    /// Typed but not yet sent.
    dirty: bool,
    last_typed: Instant,
    /// After sending: the heads that were current then; snapshots still at
    /// those heads do not have our edit yet and must not overwrite it.
    sent_from: Option<Vec<ChangeHash>>,
    /// Set while the text is long enough to be drawn paragraph by paragraph.
    paragraphs: Option<Paragraphs>,
}

impl ProseEditor {
    /// An editor showing `text` of `doc` as of `heads`, nothing typed yet.
    fn new(doc: &str, text: &str, heads: &[ChangeHash]) -> Self {
        Self {
            doc: doc.to_owned(),
            buffer: text.to_owned(),
            synced: text.to_owned(),
            base: heads.to_vec(),
            dirty: false,
            last_typed: Instant::now(),
            sent_from: None,
            paragraphs: None,
        }
    }

    /// Draws the buffer, as one `TextEdit` or paragraph by paragraph
    /// depending on its length, and says whether it was typed into and
    /// whether the keyboard focus left it.
    fn draw(
        &mut self,
        ui: &mut egui::Ui,
        id: egui::Id,
        field: ProseField,
        rows: usize,
        hint: &str,
        label: egui::Id,
    ) -> (bool, bool) {
        let long = if self.paragraphs.is_some() {
            self.buffer.len() >= SHORT_TEXT
        } else {
            self.buffer.len() >= LONG_TEXT
        };
        match (&mut self.paragraphs, long) {
            (None, true) => {
                let mut paragraphs = Paragraphs::default();
                if ui.memory(|m| m.has_focus(id))
                    && let Some(range) =
                        egui::TextEdit::load_state(ui.ctx(), id).and_then(|s| s.cursor.char_range())
                {
                    paragraphs.place_caret((range.primary.index.0, range.secondary.index.0));
                }
                self.paragraphs = Some(paragraphs);
            }
            (Some(paragraphs), false) => {
                if let Some((primary, secondary)) = paragraphs.caret(ui.ctx(), id) {
                    let mut state = egui::TextEdit::load_state(ui.ctx(), id).unwrap_or_default();
                    state.cursor.set_char_range(Some(CCursorRange::two(
                        CCursor::new(secondary),
                        CCursor::new(primary),
                    )));
                    state.store(ui.ctx(), id);
                    ui.memory_mut(|m| m.request_focus(id));
                }
                self.paragraphs = None;
            }
            _ => {}
        }
        if let Some(paragraphs) = &mut self.paragraphs {
            let drawn = paragraphs.show(ui, id, &mut self.buffer, field.label());
            return (drawn.changed, drawn.lost_focus);
        }
        let response = ui
            .add(
                egui::TextEdit::multiline(&mut self.buffer)
                    .id(id)
                    .desired_rows(rows)
                    .desired_width(f32::INFINITY)
                    .hint_text(hint),
            )
            .labelled_by(label);
        (response.changed(), response.lost_focus())
    }

    /// Keeps the caret on the same character when the buffer becomes `new`.
    fn shift_caret(&mut self, ctx: &egui::Context, id: egui::Id, new: &str) {
        let Some((pos, delete, insert)) = single_splice(&self.buffer, new) else {
            return;
        };
        let inserted = insert.chars().count();
        let shift = |at: usize| shifted(at, pos, delete, inserted);
        if let Some(paragraphs) = &mut self.paragraphs {
            if let Some((primary, secondary)) = paragraphs.caret(ctx, id) {
                paragraphs.place_caret((shift(primary), shift(secondary)));
            }
            return;
        }
        let Some(mut state) = egui::TextEdit::load_state(ctx, id) else {
            return;
        };
        let Some(range) = state.cursor.char_range() else {
            return;
        };
        let range = CCursorRange {
            primary: CCursor::new(shift(range.primary.index.0)),
            secondary: CCursor::new(shift(range.secondary.index.0)),
            ..range
        };
        state.cursor.set_char_range(Some(range));
        state.store(ctx, id);
    }
}

/// The editors of the open charter's prose fields.
#[derive(Default)]
pub(crate) struct ProseEditors {
    editors: HashMap<ProseField, ProseEditor>,
    /// How a long text drawn read-only is laid out.
    read_only: HashMap<ProseField, Paragraphs>,
}

/// The current text of a prose field in the charter.
pub(crate) fn field_text(open: &OpenCharter, field: ProseField) -> &str {
    let c = &open.view.charter;
    match field {
        ProseField::Title => c.meta.title.as_str(),
        ProseField::Purpose => c.purpose.text.as_str(),
        ProseField::Vision => c.vision.statement.as_str(),
        ProseField::Pitch => c.pitch.text.as_str(),
        ProseField::AffirmativeTopic => c.inquiry.topic.as_str(),
        ProseField::Audience => c.meta.audience.as_str(),
        ProseField::ScopeIn => c.meta.scope_in.as_str(),
        ProseField::ScopeOut => c.meta.scope_out.as_str(),
        ProseField::Cadence => c.meta.cadence.as_str(),
        ProseField::Tools => c.meta.tools.as_str(),
        ProseField::Norms => c.meta.norms.as_str(),
        ProseField::DecisionRule => c.meta.decision_rule.as_str(),
        ProseField::Jobs => c.pitch.jobs.as_str(),
        ProseField::Pains => c.pitch.pains.as_str(),
        ProseField::Gains => c.pitch.gains.as_str(),
        ProseField::PainRelievers => c.pitch.pain_relievers.as_str(),
        ProseField::GainCreators => c.pitch.gain_creators.as_str(),
    }
}

impl ProseEditors {
    /// Draws `field` as a labelled text box bound to the charter.
    pub(crate) fn show(
        &mut self,
        ui: &mut egui::Ui,
        open: &OpenCharter,
        field: ProseField,
        rows: usize,
        hint: &str,
        send: &dyn Fn(UiCommand),
    ) {
        let doc = &open.view.id;
        let snapshot = field_text(open, field);
        if open.view.read_only {
            // Nothing to send: draw the text itself, and leave the editor
            // (and whatever it has not sent yet) alone. An old version read
            // in the history is drawn here too, beside the live charter.
            let label = ui.label(egui::RichText::new(field.label()).strong());
            if snapshot.len() >= LONG_TEXT {
                let id = ui.make_persistent_id(("prose", field.name()));
                self.read_only.entry(field).or_default().show_read_only(
                    ui,
                    id,
                    snapshot,
                    field.label(),
                );
                return;
            }
            let mut text = snapshot;
            ui.add(
                egui::TextEdit::multiline(&mut text)
                    .id(ui.make_persistent_id(("prose", field.name())))
                    .desired_rows(rows)
                    .desired_width(f32::INFINITY)
                    .hint_text(hint),
            )
            .labelled_by(label.id);
            return;
        }
        let heads = &open.view.heads;
        let editor = self
            .editors
            .entry(field)
            .or_insert_with(|| ProseEditor::new(doc, snapshot, heads));
        if editor.doc != *doc {
            *editor = ProseEditor::new(doc, snapshot, heads);
        }
        let id = ui.make_persistent_id(("prose", field.name()));
        let waiting = editor.sent_from.as_ref().is_some_and(|sent| sent == heads);
        if !waiting {
            editor.sent_from = None;
        }
        // Only a new version of the document can change the text: compare
        // heads every frame, and the (possibly long) text only then.
        if !editor.dirty && !waiting && editor.base != *heads {
            if editor.synced != snapshot {
                if editor.buffer != snapshot {
                    editor.shift_caret(ui.ctx(), id, snapshot);
                    snapshot.clone_into(&mut editor.buffer);
                }
                snapshot.clone_into(&mut editor.synced);
            }
            editor.base.clone_from(heads);
        }

        let label = ui.label(egui::RichText::new(field.label()).strong());
        let (changed, lost_focus) = editor.draw(ui, id, field, rows, hint, label.id);
        if changed {
            editor.dirty = true;
            editor.last_typed = Instant::now();
        }
        // A charter without a title cannot be told apart in the library:
        // an emptied title is not sent, and leaving the field brings the
        // old one back.
        if field == ProseField::Title && editor.buffer.trim().is_empty() {
            if lost_focus {
                editor.buffer.clone_from(&editor.synced);
                editor.dirty = false;
            } else {
                ui.colored_label(
                    egui::Color32::from_rgb(200, 60, 50),
                    "A charter needs a title: the old one stays until you type a new one.",
                );
                return;
            }
        }
        if editor.dirty {
            let paused = editor.last_typed.elapsed() >= PAUSE;
            if paused || lost_focus {
                if let Some((pos, delete, insert)) = single_splice(&editor.synced, &editor.buffer) {
                    send(UiCommand::Edit {
                        doc: doc.clone(),
                        ops: vec![Op::SpliceProse {
                            field,
                            pos,
                            delete,
                            insert,
                        }],
                        base: Some(editor.base.clone()),
                    });
                    editor.sent_from = Some(heads.clone());
                }
                editor.synced.clone_from(&editor.buffer);
                editor.dirty = false;
            } else {
                ui.ctx().request_repaint_after(PAUSE);
            }
        }
    }
}

/// Where character `at` is once `delete` characters at `pos` are replaced
/// by `inserted` ones: inside the replaced run, it goes to its end.
fn shifted(at: usize, pos: usize, delete: usize, inserted: usize) -> usize {
    if at <= pos {
        at
    } else if at >= pos + delete {
        at - delete + inserted
    } else {
        pos + inserted
    }
}
