//! A long prose text drawn one paragraph at a time, and only the paragraphs
//! on screen.
//!
//! egui's `TextEdit` lays out, paints and describes to AccessKit its whole
//! text in every frame: with a 100,000-character purpose that is 5–7 ms a
//! frame, idle or not, and more after each edit. From [`LONG_TEXT`] bytes
//! on, a prose field is drawn as one borderless `TextEdit` per paragraph (a
//! line up to its `\n`) inside one frame. Only the paragraphs that meet the
//! visible part of the page, the one holding the caret and the one the
//! caret is going to are laid out; every other paragraph takes the height
//! it had when it was last drawn, or an estimate from its length.
//!
//! The caret crosses paragraph borders as it would in one text: the arrows
//! move on into the next or previous paragraph, Backspace at a paragraph's
//! start and Delete at its end join two paragraphs, and Enter (or a pasted
//! line break) splits one. What does not cross: a selection stays inside
//! one paragraph, and Tab steps through the paragraphs on screen.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Range;
use std::sync::Arc;

use egui::text::{CCursor, CCursorRange, LayoutJob};
use egui::{Event, Galley, Id, Key, Modifiers, Ui};

/// From this many bytes on, a prose field is drawn paragraph by paragraph.
pub(crate) const LONG_TEXT: usize = 16 * 1024;
/// Below this many bytes it goes back to one `TextEdit`: the gap keeps a
/// text near the border from switching at every keystroke.
pub(crate) const SHORT_TEXT: usize = 12 * 1024;

/// How far beyond the visible part of the page paragraphs are still drawn,
/// in points: a little scrolling then shows text already laid out.
const OVERSCAN: f32 = 200.0;

/// One line of the text, without its `\n`.
struct Paragraph {
    bytes: Range<usize>,
    /// Characters before it in the whole text (each `\n` counts one).
    first_char: usize,
    chars: usize,
    /// Of its text: the key its measured height is kept under.
    hash: u64,
}

/// The paragraph that had the keyboard focus in the last frame.
struct Focus {
    index: usize,
    caret: CCursorRange,
    galley: Arc<Galley>,
}

/// A paragraph typed into in this frame.
struct Typed {
    index: usize,
    /// Its whole new text, which may hold new line breaks.
    text: String,
    caret: Option<CCursorRange>,
}

/// What the paragraphs did in one frame.
pub(crate) struct Drawn {
    /// The text was changed by typing.
    pub changed: bool,
    /// The keyboard focus left the text (not merely for another paragraph).
    pub lost_focus: bool,
}

/// The drawing state of one long text.
#[derive(Default)]
pub(crate) struct Paragraphs {
    /// The text `list` was split from.
    split_from: String,
    list: Vec<Paragraph>,
    /// Measured heights by paragraph text, valid at `width`.
    heights: HashMap<u64, f32>,
    width: f32,
    focus: Option<Focus>,
    /// Where the caret goes in the next frame, as characters of the whole
    /// text: primary, then secondary.
    place: Option<(usize, usize)>,
}

impl Paragraphs {
    /// The caret as characters of the whole text (primary, secondary), when
    /// a paragraph has the focus.
    pub(crate) fn caret(&self, ctx: &egui::Context, id: Id) -> Option<(usize, usize)> {
        if let Some(place) = self.place {
            return Some(place);
        }
        let focus = self.focus.as_ref()?;
        let paragraph = self.list.get(focus.index)?;
        if !ctx.memory(|m| m.has_focus(paragraph_id(id, focus.index))) {
            return None;
        }
        Some((
            paragraph.first_char + focus.caret.primary.index.0,
            paragraph.first_char + focus.caret.secondary.index.0,
        ))
    }

    /// Puts the caret (characters of the whole text) there in the next frame,
    /// giving the text the keyboard focus.
    pub(crate) fn place_caret(&mut self, caret: (usize, usize)) {
        self.place = Some(caret);
    }

    /// Draws `text` and applies what was typed to it.
    pub(crate) fn show(&mut self, ui: &mut Ui, id: Id, text: &mut String, label: &str) -> Drawn {
        self.split(text);
        let had_focus = self.focused_index(ui, id).is_some();
        let mut changed = false;
        if let Some(index) = self.focused_index(ui, id)
            && self.cross_border(ui, index, text)
        {
            changed = true;
            self.split(text);
        }
        let edit = self.framed(ui, id, text, label, true);
        if let Some(Typed {
            index,
            text: typed,
            caret,
        }) = edit
        {
            let paragraph = &self.list[index];
            text.replace_range(paragraph.bytes.clone(), &typed);
            changed = true;
            // A line break typed or pasted makes new paragraphs: the caret
            // belongs to whichever of them it is in now.
            if typed.contains('\n')
                && let Some(caret) = caret
            {
                self.place = Some((
                    paragraph.first_char + caret.primary.index.0,
                    paragraph.first_char + caret.secondary.index.0,
                ));
            }
        }
        let keeps_focus = self.focus.is_some() || self.place.is_some();
        Drawn {
            changed,
            lost_focus: had_focus && !keeps_focus,
        }
    }

    /// Draws `text`, which cannot be typed into (it can be selected).
    pub(crate) fn show_read_only(&mut self, ui: &mut Ui, id: Id, text: &str, label: &str) {
        self.split(text);
        self.framed(ui, id, text, label, false);
    }

    /// Draws the paragraphs in one frame, outlined while one has the focus;
    /// returns what was typed.
    fn framed(
        &mut self,
        ui: &mut Ui,
        id: Id,
        text: &str,
        label: &str,
        editable: bool,
    ) -> Option<Typed> {
        let width = ui.available_width();
        if (width - self.width).abs() > 0.5 || self.heights.len() > 4 * self.list.len() + 64 {
            self.heights.clear();
            self.width = width;
        }
        let target = self.take_place(ui, id);
        let focused = self.focused_index(ui, id);
        let any_focus = focused.is_some() || target.is_some();
        let visuals = ui.visuals();
        let stroke = if any_focus {
            visuals.selection.stroke
        } else {
            visuals.widgets.inactive.bg_stroke
        };
        let frame = egui::Frame::new()
            .fill(visuals.extreme_bg_color)
            .stroke(stroke)
            .corner_radius(visuals.widgets.inactive.corner_radius)
            .inner_margin(egui::Margin::symmetric(0, 2));
        let (edit, new_focus) = frame
            .show(ui, |ui| {
                self.draw_list(ui, id, text, label, editable, [focused, target])
            })
            .inner;
        self.focus = new_focus;
        edit
    }

    /// Gives the paragraph where the caret is to go the focus, with the
    /// caret in it, and returns its index.
    fn take_place(&mut self, ui: &Ui, id: Id) -> Option<usize> {
        let (primary, secondary) = self.place.take()?;
        let index = self.locate(primary);
        let first = self.list[index].first_char;
        let chars = self.list[index].chars;
        let local = |at: usize| at.saturating_sub(first).min(chars);
        let pid = paragraph_id(id, index);
        let mut state = egui::TextEdit::load_state(ui.ctx(), pid).unwrap_or_default();
        state.cursor.set_char_range(Some(CCursorRange {
            primary: CCursor::new(local(primary)),
            secondary: CCursor::new(local(secondary)),
            h_pos: None,
        }));
        state.store(ui.ctx(), pid);
        ui.memory_mut(|m| m.request_focus(pid));
        Some(index)
    }

    /// Draws the paragraphs on screen and those in `keep` (the focused one
    /// and the caret's target), each other run as empty space of its
    /// height. Returns what was typed (paragraph, its new text, the caret)
    /// and the focused paragraph.
    fn draw_list(
        &mut self,
        ui: &mut Ui,
        id: Id,
        text: &str,
        label: &str,
        editable: bool,
        keep: [Option<usize>; 2],
    ) -> (Option<Typed>, Option<Focus>) {
        // One paragraph's row directly under the last: no gap, and no
        // taller floor for a one-row paragraph than its row.
        ui.spacing_mut().item_spacing.y = 0.0;
        ui.spacing_mut().interact_size.y = 0.0;
        let estimate = estimator(ui);
        let visible = ui.clip_rect().expand2(egui::vec2(0.0, OVERSCAN));
        let mut y = ui.cursor().top();
        let mut skipped = 0.0;
        let count = self.list.len();
        let (mut typed, mut focus) = (None, None);
        for (index, paragraph) in self.list.iter().enumerate() {
            let height = self
                .heights
                .get(&paragraph.hash)
                .copied()
                .unwrap_or_else(|| estimate(paragraph.chars));
            let on_screen = y + height >= visible.top() && y <= visible.bottom();
            y += height;
            if !on_screen && !keep.contains(&Some(index)) {
                skipped += height;
                continue;
            }
            if skipped > 0.0 {
                ui.allocate_space(egui::vec2(ui.available_width(), skipped));
                skipped = 0.0;
            }
            let pid = paragraph_id(id, index);
            let shown = &text[paragraph.bytes.clone()];
            let mut owned = shown.to_owned();
            let mut read_only = shown;
            let buffer: &mut dyn egui::TextBuffer =
                if editable { &mut owned } else { &mut read_only };
            let output = egui::TextEdit::multiline(buffer)
                .id(pid)
                .frame(egui::Frame::NONE.inner_margin(egui::Margin::symmetric(4, 0)))
                .desired_rows(1)
                .desired_width(f32::INFINITY)
                .show(ui);
            let number = index + 1;
            ui.ctx().accesskit_node_builder(pid, |node| {
                node.set_label(format!("{label}, paragraph {number} of {count}"));
            });
            let response = &output.response.response;
            if keep[1] == Some(index) {
                response.scroll_to_me(None);
            }
            if response.has_focus()
                && let Some(caret) = output.cursor_range
            {
                focus = Some(Focus {
                    index,
                    caret,
                    galley: output.galley.clone(),
                });
            }
            if response.changed() {
                typed = Some(Typed {
                    index,
                    text: owned,
                    caret: output.cursor_range,
                });
            } else {
                self.heights.insert(paragraph.hash, response.rect.height());
            }
        }
        if skipped > 0.0 {
            ui.allocate_space(egui::vec2(ui.available_width(), skipped));
        }
        (typed, focus)
    }

    /// Splits `text` into paragraphs again, if it is not what they were
    /// split from.
    fn split(&mut self, text: &str) {
        if self.split_from == text && !self.list.is_empty() {
            return;
        }
        text.clone_into(&mut self.split_from);
        self.list.clear();
        let (mut start, mut first_char) = (0, 0);
        for line in text.split('\n') {
            let chars = line.chars().count();
            let mut hasher = DefaultHasher::new();
            line.hash(&mut hasher);
            self.list.push(Paragraph {
                bytes: start..start + line.len(),
                first_char,
                chars,
                hash: hasher.finish(),
            });
            start += line.len() + 1;
            first_char += chars + 1;
        }
    }

    /// The paragraph holding character `at` of the whole text.
    fn locate(&self, at: usize) -> usize {
        let after = self.list.partition_point(|p| p.first_char <= at);
        after.saturating_sub(1)
    }

    fn focused_index(&self, ui: &Ui, id: Id) -> Option<usize> {
        let index = self.focus.as_ref()?.index;
        ui.memory(|m| m.has_focus(paragraph_id(id, index)))
            .then_some(index)
    }

    /// Moves the caret into the next or previous paragraph, or joins two,
    /// when a key asks to go past the focused paragraph's border. Returns
    /// whether the text changed.
    fn cross_border(&mut self, ui: &mut Ui, index: usize, text: &mut String) -> bool {
        let Some(focus) = &self.focus else {
            return false;
        };
        let caret = focus.caret;
        let galley = focus.galley.clone();
        let paragraph = &self.list[index];
        let (first_char, chars, bytes) = (
            paragraph.first_char,
            paragraph.chars,
            paragraph.bytes.clone(),
        );
        let at = caret.primary.index.0;
        let row = galley.layout_from_cursor(caret.primary).row;
        let plain = caret.primary == caret.secondary;
        let has_previous = index > 0;
        let has_next = index + 1 < self.list.len();
        let x = caret
            .h_pos
            .unwrap_or_else(|| galley.pos_from_cursor(caret.primary).center().x);
        let wrap = galley.job.wrap.max_width;
        if take_key(ui, Modifiers::COMMAND, Key::Home) {
            self.place = Some((0, 0));
        } else if take_key(ui, Modifiers::COMMAND, Key::End) {
            let end = text.chars().count();
            self.place = Some((end, end));
        } else if !plain {
            return false;
        } else if has_previous && row == 0 && take_key(ui, Modifiers::NONE, Key::ArrowUp) {
            let previous = &self.list[index - 1];
            let laid = layout(ui, &text[previous.bytes.clone()], wrap);
            let last = laid.rows.last().map_or(0.0, |r| r.rect().center().y);
            let local = laid.cursor_from_pos(egui::vec2(x, last)).index.0;
            self.place = Some((previous.first_char + local, previous.first_char + local));
        } else if has_next
            && row + 1 >= galley.rows.len()
            && take_key(ui, Modifiers::NONE, Key::ArrowDown)
        {
            let next = &self.list[index + 1];
            let laid = layout(ui, &text[next.bytes.clone()], wrap);
            let first = laid.rows.first().map_or(0.0, |r| r.rect().center().y);
            let local = laid.cursor_from_pos(egui::vec2(x, first)).index.0;
            self.place = Some((next.first_char + local, next.first_char + local));
        } else if has_previous && at == 0 && take_key(ui, Modifiers::NONE, Key::ArrowLeft) {
            self.place = Some((first_char - 1, first_char - 1));
        } else if has_next && at == chars && take_key(ui, Modifiers::NONE, Key::ArrowRight) {
            self.place = Some((first_char + chars + 1, first_char + chars + 1));
        } else if has_previous && at == 0 && take_key(ui, Modifiers::NONE, Key::Backspace) {
            text.remove(bytes.start - 1);
            self.place = Some((first_char - 1, first_char - 1));
            return true;
        } else if has_next && at == chars && take_key(ui, Modifiers::NONE, Key::Delete) {
            text.remove(bytes.end);
            self.place = Some((first_char + chars, first_char + chars));
            return true;
        }
        false
    }
}

/// The height of a paragraph never drawn at this width: its characters
/// at an average width, wrapped, in rows.
fn estimator(ui: &Ui) -> impl Fn(usize) -> f32 + use<> {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let (row, glyph) = ui.fonts_mut(|f| (f.row_height(&font), f.glyph_width(&font, 'e')));
    let wrap = (ui.available_width() - 8.0).max(glyph);
    move |chars: usize| {
        #[expect(clippy::cast_precision_loss, reason = "an estimate")]
        let rows = ((chars as f32 * glyph) / wrap).ceil().max(1.0);
        rows * row
    }
}

/// The id of paragraph `index`'s `TextEdit`.
fn paragraph_id(id: Id, index: usize) -> Id {
    id.with(index)
}

/// Lays out `text` as a paragraph's `TextEdit` does, to find a position in
/// a paragraph not drawn yet.
fn layout(ui: &Ui, text: &str, wrap: f32) -> Arc<Galley> {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let color = ui.visuals().text_color();
    ui.fonts_mut(|f| f.layout_job(LayoutJob::simple(text.to_owned(), font, color, wrap)))
}

/// Consumes a press of `key` with exactly `modifiers` (egui's own
/// `consume_key` also takes Shift: that would turn a selection into a move).
fn take_key(ui: &Ui, modifiers: Modifiers, key: Key) -> bool {
    ui.input_mut(|input| {
        let found = input.events.iter().position(|event| {
            matches!(event, Event::Key { key: k, pressed: true, modifiers: m, .. }
                if *k == key && m.matches_exact(modifiers))
        });
        found.map(|at| input.events.remove(at)).is_some()
    })
}
