//! What the window draws: a snapshot the worker publishes whole, so the UI
//! takes it with one short lock per frame and never waits on the worker.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use guild_sync::CharterView;
use guild_sync::StoreHealth;
use guild_sync::net::node::SyncStatus;
use guild_sync::net::workshop::desk::HostedWorkshop;
use guild_sync::net::workshop::nearby::NearbyWorkshop;
use guild_sync::net::workshop::visitor::KnockProgress;

/// One charter in the library list.
#[derive(Debug, Clone)]
pub(crate) struct LibraryEntry {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) last_change: Option<i64>,
    /// Labels of the other devices that have it.
    pub(crate) others: Vec<String>,
    pub(crate) status: Option<SyncStatus>,
}

/// Someone else looking at the open charter.
#[derive(Debug, Clone)]
pub(crate) struct Presence {
    pub(crate) endpoint: String,
    pub(crate) name: String,
    pub(crate) color: [u8; 3],
    pub(crate) section: String,
    pub(crate) seen: Instant,
    /// Whether it was connected to this device (not heard through another
    /// peer) when last heard: it then goes as soon as its connection does.
    pub(crate) direct: bool,
    /// Its device id (its actors' prefix); empty from older peers.
    pub(crate) device: String,
    /// How far its clock is ahead of ours, in milliseconds, if it said.
    pub(crate) clock_offset_ms: Option<i64>,
}

/// The open charter.
#[derive(Debug, Clone)]
pub(crate) struct OpenCharter {
    pub(crate) view: Arc<CharterView>,
    pub(crate) status: Option<SyncStatus>,
    pub(crate) presence: Vec<Presence>,
}

/// One change in the history section.
#[derive(Debug, Clone)]
pub(crate) struct HistoryRow {
    pub(crate) hash: String,
    pub(crate) time: i64,
    pub(crate) author: String,
    /// The colour the author chose, if they are a member who chose one.
    pub(crate) color: Option<[u8; 3]>,
    pub(crate) message: String,
    pub(crate) sections: Vec<String>,
    /// Milestones naming the version this change ends.
    pub(crate) milestones: Vec<String>,
}

/// An old version, chosen in the history section.
#[derive(Debug, Clone)]
pub(crate) struct VersionView {
    pub(crate) hash: String,
    pub(crate) heads: Vec<automerge::ChangeHash>,
    /// The charter as it was, read-only, for the sections to draw.
    pub(crate) then: Arc<OpenCharter>,
    /// From that version to now.
    pub(crate) differences: Vec<guild_model::Difference>,
}

/// The open charter's history, loaded when the history section asks.
#[derive(Debug, Clone)]
pub(crate) struct HistoryView {
    pub(crate) doc: String,
    /// The charter's heads when this was read.
    pub(crate) heads: Vec<automerge::ChangeHash>,
    pub(crate) rows: Vec<HistoryRow>,
    pub(crate) version: Option<VersionView>,
    /// Who wrote each item and prose field, and what removals swallowed.
    pub(crate) blame: guild_model::Blame,
    /// `blame` as the window draws it, formatted once here rather than on
    /// every frame: (label, who and when) per field and item.
    pub(crate) blame_rows: Vec<(String, String)>,
    /// One sentence per item removed while being edited, with its label.
    pub(crate) removal_notices: Vec<(String, String)>,
}

/// What a personal copy would bring back to its community's charter.
#[derive(Debug, Clone)]
pub(crate) struct Proposals {
    pub(crate) from: String,
    pub(crate) into: String,
    pub(crate) differences: Vec<guild_model::Difference>,
}

/// This person, as peers see them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Identity {
    pub(crate) name: String,
    pub(crate) color: [u8; 3],
}

/// A message shown in the corner until dismissed or expired.
#[derive(Debug, Clone)]
pub(crate) struct Toast {
    pub(crate) id: u64,
    pub(crate) text: String,
    pub(crate) error: bool,
    pub(crate) at: Instant,
}

/// How the worker is doing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Opening the data dir and the network.
    #[default]
    Starting,
    /// Ready.
    Ready,
    /// Could not start; the message says why.
    Failed(String),
}

/// A join in progress.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum JoinState {
    /// Nothing going on.
    #[default]
    Idle,
    /// Connecting and fetching.
    Joining,
    /// Knocking on a workshop found nearby: how it goes.
    Knocking {
        /// The workshop's title.
        title: String,
        /// Its host's name.
        host: String,
        progress: KnockProgress,
    },
    /// Done: this charter arrived.
    Joined(String),
    /// Failed, with why.
    Failed(String),
}

/// Everything the window draws.
#[derive(Debug, Clone, Default)]
pub(crate) struct ViewModel {
    pub(crate) phase: Phase,
    pub(crate) library: Arc<Vec<LibraryEntry>>,
    pub(crate) open: Option<Arc<OpenCharter>>,
    pub(crate) identity: Option<Identity>,
    /// The charter reopened from last time and the section it was on.
    pub(crate) reopened_section: Option<(String, super::section::Section)>,
    pub(crate) endpoint: String,
    /// The open charter's silent-brainstorm notes, kept on this device.
    pub(crate) drafts: Vec<DraftNote>,
    /// This device's id (the prefix of its actor ids, hex): a member whose
    /// devices include it is this person.
    pub(crate) device: String,
    pub(crate) lan: bool,
    /// The workshop this device hosts, with who is knocking.
    pub(crate) hosting: Option<Arc<HostedWorkshop>>,
    /// Workshops announced on this network (while the Join dialog looks).
    pub(crate) nearby: Arc<Vec<NearbyWorkshop>>,
    /// The relay this window's node reaches peers through, if any.
    pub(crate) relay_in_use: Option<String>,
    /// The relay remembered for the open charter (used from the next start).
    pub(crate) relay_for_open: Option<String>,
    /// The last invite ticket made, for the share dialog.
    pub(crate) ticket: Option<String>,
    pub(crate) join: JoinState,
    pub(crate) toasts: Vec<Toast>,
    pub(crate) health: StoreHealth,
    pub(crate) history: Option<Arc<HistoryView>>,
    pub(crate) proposals: Option<Arc<Proposals>>,
    /// How many times the worker has read the open charter whole, so that
    /// tests can tell one refresh per edit from two.
    #[cfg(test)]
    pub(crate) charter_reads: u64,
}

/// The published snapshot: the worker swaps it, the UI clones the `Arc`.
#[derive(Clone, Default)]
pub(crate) struct Shared(Arc<Mutex<Arc<ViewModel>>>);

impl Shared {
    pub(crate) fn get(&self) -> Arc<ViewModel> {
        Arc::clone(&self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn set(&self, vm: ViewModel) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Arc::new(vm);
    }
}

/// A note written during a silent brainstorm, kept on this device (not in
/// the charter) until the reveal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct DraftNote {
    pub(crate) phase: guild_model::Phase,
    pub(crate) tag: guild_model::Tag,
    pub(crate) text: String,
}
