//! The window's own state: where the person is and what they are typing.
//! Nothing here is the charter; that comes from the view model.

use std::collections::HashMap;

use super::prose::ProseEditors;
use super::section::Section;

/// Which dialog is open.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Dialog {
    #[default]
    None,
    New,
    Join,
    Import,
    Share,
    Workshop,
    Export,
    RemoveLocal(String),
}

/// Runtime-only state of the window.
#[derive(Default)]
pub(crate) struct UiState {
    pub(crate) section: Option<Section>,
    /// The charter the section belongs to.
    pub(crate) shown_doc: Option<String>,
    pub(crate) dialog: Dialog,
    pub(crate) prose: ProseEditors,
    /// Drafts of small inputs, by a key naming the input.
    pub(crate) drafts: HashMap<String, String>,
    /// Which item is being edited inline, by a key naming it.
    pub(crate) editing: Option<String>,
    /// The inline edit has just started and its input should take focus.
    pub(crate) editing_focus: bool,
    /// The section drawn this frame is being left (saves open edits).
    pub(crate) leaving: bool,
    /// The last section sent to peers as presence.
    pub(crate) presence_sent: Option<Section>,
    /// The person (endpoint id) this window follows from section to section.
    pub(crate) following: Option<String>,
    /// When the facilitator last asked to be followed, if this window left
    /// follow mode since (it stays out until they ask again).
    pub(crate) declined_lead: Option<i64>,
    /// Larger text for a projector (the facilitator's window).
    pub(crate) presenter: bool,
    /// The old version (its change hash) read in full in the history.
    pub(crate) reading_version: Option<String>,
    /// A flag for toggles (read-only invites, blank charters …), by key.
    pub(crate) flags: HashMap<String, bool>,
}

impl UiState {
    /// A draft input's text.
    pub(crate) fn draft(&mut self, key: &str) -> &mut String {
        self.drafts.entry(key.to_owned()).or_default()
    }

    /// A named toggle.
    pub(crate) fn flag(&mut self, key: &str) -> &mut bool {
        self.flags.entry(key.to_owned()).or_default()
    }
}
