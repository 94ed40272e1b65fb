//! One file per section of the charter, plus the small widgets they share:
//! inline item editing, "add" rows, and accessible buttons.

mod bridges;
mod history;
mod inquiry;
mod members;
mod objectives;
mod overview;
mod pitch;
mod purpose;
mod stories;
mod themes;
mod value_map;
mod vision;
mod workshop;

use egui::{Response, RichText, Role, WidgetInfo};
use guild_model::Op;

use super::commands::UiCommand;
use super::section::Section;
use super::state::UiState;
use super::view_model::{HistoryView, LibraryEntry, OpenCharter, Proposals};

/// What every section gets to draw with.
pub(crate) struct SectionCtx<'a> {
    pub(crate) open: &'a OpenCharter,
    /// The history, once loaded for this charter.
    pub(crate) history: Option<&'a HistoryView>,
    /// What this personal copy would bring back, once loaded.
    pub(crate) proposals: Option<&'a Proposals>,
    /// The charters here (to name a copy's origin).
    pub(crate) library: &'a [LibraryEntry],
    pub(crate) state: &'a mut UiState,
    pub(crate) send: &'a dyn Fn(UiCommand),
    /// This person's name, for authorship and endorsements.
    pub(crate) me: String,
    /// The member this device edits as (who votes), once introduced.
    pub(crate) member: Option<String>,
    /// Silent-brainstorm notes kept on this device.
    pub(crate) drafts: &'a [super::view_model::DraftNote],
    /// This device's endpoint id (whom others follow).
    pub(crate) endpoint: &'a str,
}

impl SectionCtx<'_> {
    /// Sends ops as one change to the open charter.
    pub(crate) fn edit(&self, ops: Vec<Op>) {
        (self.send)(UiCommand::Edit {
            doc: self.open.view.id.clone(),
            ops,
            base: None,
        });
    }

    pub(crate) fn read_only(&self) -> bool {
        self.open.view.read_only
    }
}

pub(crate) fn show(
    ui: &mut egui::Ui,
    section: Section,
    open: &OpenCharter,
    vm: &super::view_model::ViewModel,
    state: &mut UiState,
    send: &dyn Fn(UiCommand),
    me: &str,
) {
    let mut ctx = SectionCtx {
        open,
        history: vm.history.as_deref(),
        proposals: vm.proposals.as_deref(),
        library: &vm.library,
        state,
        send,
        me: me.to_owned(),
        member: open
            .view
            .charter
            .member_of_actor(&vm.device)
            .map(|(id, _)| id.clone()),
        drafts: &vm.drafts,
        endpoint: &vm.endpoint,
    };
    // The navigation was drawn first: a section the person is leaving is
    // drawn once more, and its open pencil edit is saved then.
    ctx.state.leaving = ctx.state.section != Some(section);
    ui.add_space(6.0);
    ui.heading(section.label());
    ui.add_space(6.0);
    show_section(ui, section, &mut ctx);
}

/// One section's content, drawn from `ctx.open` (the live charter, or an
/// old version read-only).
pub(crate) fn show_section(ui: &mut egui::Ui, section: Section, ctx: &mut SectionCtx<'_>) {
    let ctx = &mut *ctx;
    match section {
        Section::Overview => overview::show(ui, ctx),
        Section::Purpose => purpose::show(ui, ctx),
        Section::Vision => vision::show(ui, ctx),
        Section::Objectives => objectives::show(ui, ctx),
        Section::Inquiry => inquiry::show(ui, ctx),
        Section::Pitch => pitch::show(ui, ctx),
        Section::ValueMap => value_map::show(ui, ctx),
        Section::Stories => stories::show(ui, ctx),
        Section::Bridges => bridges::show(ui, ctx),
        Section::Members => members::show(ui, ctx),
        Section::Workshop => workshop::show(ui, ctx),
        Section::History => history::show(ui, ctx),
    }
}

/// A button whose accessible name is `label` (its face may be shorter).
pub(crate) fn button(
    ui: &mut egui::Ui,
    face: impl Into<egui::WidgetText>,
    label: &str,
) -> Response {
    let response = ui.button(face);
    let label = label.to_owned();
    response.widget_info(|| WidgetInfo::labeled(Role::Button, true, label.clone()));
    response
}

/// A labelled one-line input with an add button; returns the text when the
/// person adds it (button or Enter), and clears the input.
pub(crate) fn add_row(
    ui: &mut egui::Ui,
    state: &mut UiState,
    key: &str,
    input_label: &str,
    button_label: &str,
) -> Option<String> {
    let mut added = None;
    let mut row = |ui: &mut egui::Ui, width: f32| {
        let label = ui.label(input_label);
        let draft = state.draft(key);
        // A fixed id: an automatic one changes when the item just added
        // appears above the row, and the focus kept below would be lost.
        let input = ui
            .add(
                egui::TextEdit::singleline(draft)
                    .id(egui::Id::unique(("add_row", key)))
                    .desired_width(width),
            )
            .labelled_by(label.id);
        let enter = input.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let clicked = button(ui, "Add", button_label).clicked();
        if (enter || clicked) && !draft.trim().is_empty() {
            added = Some(std::mem::take(draft).trim().to_owned());
        }
        // Enter ends a single-line input; keep the focus so the next item
        // can be typed straight away instead of going nowhere.
        if enter {
            input.request_focus();
        }
    };
    // In a narrow column (the inquiry's phases, a value-map cell on a
    // laptop) stack label, input and button: side by side they would run
    // past the column's edge and cut off the Add button.
    if ui.available_width() < ADD_ROW_WIDTH {
        ui.vertical(|ui| row(ui, ui.available_width()));
    } else {
        ui.horizontal(|ui| row(ui, 320.0));
    }
    added
}

/// The width an add row needs to sit on one line: a long label, a 320-point
/// input and the Add button.
const ADD_ROW_WIDTH: f32 = 600.0;

/// An item's text that can be edited in place: shows the text with an
/// edit button; while editing, the new text is returned on Enter, "Save",
/// the input losing focus or the person leaving the section (a pencil edit
/// is never dropped without a word); Escape or "Cancel" drop it. An
/// unchanged text returns nothing, so nothing is sent.
pub(crate) fn inline_text(
    ui: &mut egui::Ui,
    state: &mut UiState,
    key: &str,
    current: &str,
    what: &str,
    read_only: bool,
) -> Option<String> {
    let editing = state.editing.as_deref() == Some(key);
    if !editing {
        ui.horizontal_wrapped(|ui| {
            ui.label(if current.trim().is_empty() {
                RichText::new("(empty)").italics()
            } else {
                RichText::new(current)
            });
            if !read_only
                && button(ui, "✏", &format!("Edit {what}"))
                    .on_hover_text("Edit")
                    .clicked()
            {
                state.drafts.insert(key.to_owned(), current.to_owned());
                state.editing = Some(key.to_owned());
                state.editing_focus = true;
            }
        });
        return None;
    }
    let saved = ui
        .horizontal(|ui| inline_editor(ui, state, key, what))
        .inner;
    saved.filter(|text| text != current)
}

/// The input, Save and Cancel of an item being edited in place; returns the
/// draft when it is to be saved.
fn inline_editor(ui: &mut egui::Ui, state: &mut UiState, key: &str, what: &str) -> Option<String> {
    let draft = state.drafts.entry(key.to_owned()).or_default();
    // Leave room for Save and Cancel: a wider input pushes a narrow
    // column (a value-map cell) past the window's edge.
    let width = (ui.available_width() - 130.0).clamp(120.0, 360.0);
    let input = ui.add(
        egui::TextEdit::singleline(draft)
            .id(egui::Id::unique(("inline_text", key)))
            .desired_width(width),
    );
    input.widget_info(|| WidgetInfo::labeled(Role::TextInput, true, what.to_owned()));
    // Focus once, when editing starts: taking it back every frame kept
    // Enter and clicks elsewhere from ever ending the edit.
    if std::mem::take(&mut state.editing_focus) {
        input.request_focus();
    }
    let lost = input.lost_focus();
    let enter = lost && ui.input(|i| i.key_pressed(egui::Key::Enter));
    let escape = ui.input(|i| i.key_pressed(egui::Key::Escape));
    let save = button(ui, "Save", &format!("Save {what}")).clicked();
    let cancel = ui.button("Cancel");
    // A press on Cancel takes the focus before Cancel is clicked: that
    // lost focus is not a save.
    let to_cancel = cancel.contains_pointer() || cancel.is_pointer_button_down_on();
    if cancel.clicked() || escape {
        state.editing = None;
        return None;
    }
    if enter || save || state.leaving || (lost && !to_cancel) {
        state.editing = None;
        return Some(std::mem::take(draft));
    }
    None
}

/// A combo box over a vocabulary; returns the new value when changed.
pub(crate) fn choose<T: Copy + PartialEq>(
    ui: &mut egui::Ui,
    id: &str,
    label: &str,
    current: T,
    all: &[T],
    name: impl Fn(T) -> &'static str,
    enabled: bool,
) -> Option<T> {
    let mut chosen = current;
    ui.add_enabled_ui(enabled, |ui| {
        dropdown(ui, id, label, name(current), |ui| {
            for value in all {
                ui.selectable_value(&mut chosen, *value, name(*value));
            }
        });
    });
    (chosen != current).then_some(chosen)
}

/// A combo box with its label before it, read first ("Kind: Team ▼"), not
/// after it as egui puts it ("Team ▼ kind"); an empty label shows none.
pub(crate) fn dropdown(
    ui: &mut egui::Ui,
    id: impl egui::AsIdSalt,
    label: &str,
    selected: &str,
    menu: impl FnOnce(&mut egui::Ui),
) {
    ui.horizontal(|ui| {
        let label = (!label.is_empty()).then(|| ui.label(label));
        let combo = egui::ComboBox::new(id, "")
            .selected_text(selected)
            .show_ui(ui, menu);
        if let Some(label) = label {
            combo.response.labelled_by(label.id);
        }
    });
}
