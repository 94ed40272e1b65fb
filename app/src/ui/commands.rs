//! What the window asks the worker to do. The UI never touches a document
//! or the disk itself: it sends one of these and draws what comes back.

use std::path::PathBuf;

use automerge::ChangeHash;
use guild_model::{AccessLevel, Op};
use guild_sync::net::workshop::desk::Answer;
use guild_sync::net::workshop::nearby::NearbyWorkshop;

use super::section::Section;
pub(crate) use crate::present::ExportFormat;

/// A request from the UI to the worker.
#[derive(Debug, Clone)]
pub(crate) enum UiCommand {
    /// Show this charter (and follow its changes).
    Open(String),
    /// Keep a note on this device until the silent brainstorm's reveal.
    DraftNote {
        doc: String,
        phase: guild_model::Phase,
        tag: guild_model::Tag,
        text: String,
    },
    /// Add the notes kept on this device to the charter now.
    ShareDrafts { doc: String },
    /// Back to the library.
    Close,
    /// Create a charter (from the template unless `blank`) and open it.
    Create { title: String, blank: bool },
    /// Apply ops to a charter as one change; prose splices are relative to
    /// the text as of `base` (the heads the UI last drew).
    Edit {
        doc: String,
        ops: Vec<Op>,
        base: Option<Vec<ChangeHash>>,
    },
    /// Join with an invite ticket.
    Join { ticket: String },
    /// Make an invite ticket for the open charter, admitting for
    /// `expires` if given; `workshop`: closed when the workshop ends.
    Share {
        doc: String,
        access: AccessLevel,
        expires: Option<std::time::Duration>,
        workshop: bool,
    },
    /// Close an open invite (by its secret hash).
    CloseInvite { doc: String, hash: String },
    /// Import an `.automerge` file.
    Import { path: PathBuf },
    /// Export the open charter.
    Export {
        doc: String,
        format: ExportFormat,
        path: PathBuf,
    },
    /// Ask where to save with the desktop's file dialog, then export there.
    ChooseExportFile { doc: String, format: ExportFormat },
    /// Delete a charter from this device only.
    RemoveLocal { doc: String },
    /// Host a workshop on `doc`: announce it on this network, open its
    /// invite (closing at the latest after `limit`), show a join code if
    /// `code`, and queue who knocks.
    HostWorkshop {
        doc: String,
        access: AccessLevel,
        code: bool,
        limit: std::time::Duration,
    },
    /// Stop announcing the workshop and close the invites and the code it
    /// made: the workshop is over. Who joined stays.
    StopWorkshop,
    /// Answer someone knocking on the hosted workshop.
    AnswerKnock { id: u64, answer: Answer },
    /// Let everyone who knocks in for a while (and who waits now), or stop.
    AdmitEveryone(Option<(AccessLevel, std::time::Duration)>),
    /// Use `url` as the relay for `doc` on this device (from Guild's next
    /// start), or none.
    SetRelay { doc: String, url: Option<String> },
    /// Look for workshops on this network (the Join dialog's list).
    BrowseWorkshops,
    /// Knock on a workshop found nearby, with its join code if typed.
    Knock {
        workshop: NearbyWorkshop,
        code: Option<String>,
    },
    /// Set this person's name and colour.
    SetIdentity { name: String, color: [u8; 3] },
    /// Tell peers which section this person is looking at.
    Presence { section: Section },
    /// Read the charter's history (for the history section).
    LoadHistory { doc: String },
    /// Show the version a change ends, compared with now.
    ViewVersion { doc: String, hash: String },
    /// Bring the charter back to a version, as a new change.
    Restore { doc: String, hash: String },
    /// Undo this person's last change to the charter (Ctrl+Z).
    Undo { doc: String },
    /// Redo the last undone change (Ctrl+Shift+Z).
    Redo { doc: String },
    /// Settle a scalar conflict on the value rendered as `choice`.
    ResolveConflict {
        doc: String,
        path: String,
        choice: String,
    },
    /// List what a personal copy changed since it was made.
    LoadProposals { from: String, into: String },
    /// Merge the chosen changes of a personal copy back, and open the
    /// community's charter.
    MergeBack {
        from: String,
        into: String,
        paths: Vec<String>,
    },
    /// Make a personal copy (shared with no one) and open it.
    Fork { doc: String },
    /// Forget a toast.
    Dismiss(u64),
}
