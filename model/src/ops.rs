//! Typed edit operations: every way Guild changes a charter.
//!
//! Each [`Op`] applied with [`apply`] becomes exactly one Automerge change,
//! stamped with a time and a message people can read in the history. Ops
//! carry their own ids and texts, so applying one is deterministic.

mod apply;
mod apply_workshop;
mod doc;

pub(crate) use apply::apply_in as apply_in_tx;
pub use apply::{apply, apply_batch, new_blank_charter, new_charter, new_charter_as};
pub(crate) use doc::item as item_obj;
pub(crate) use doc::map_at;

use crate::enums::{
    AccessLevel, Cell, Cycle, Horizon, Membership, Phase, Role, Status, Tag, UnitKind,
};
use crate::prose::ProseField;

/// Where an item goes in its ordered list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Position {
    /// First.
    Start,
    /// Last.
    #[default]
    End,
    /// Just before the item with this id.
    Before(String),
    /// Just after the item with this id.
    After(String),
}

/// The kinds of item that live in a keyed collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Collection {
    /// Vision contributions.
    Contributions,
    /// Objectives.
    Objectives,
    /// Appreciative-inquiry notes.
    Notes,
    /// Value-map cards.
    Cards,
    /// Value-creation stories.
    Stories,
    /// Units.
    Units,
    /// Bridges.
    Bridges,
    /// Members.
    Members,
}

impl Collection {
    /// The map's path from the document root.
    pub(crate) fn path(self) -> &'static [&'static str] {
        match self {
            Collection::Contributions => &["vision", "contributions"],
            Collection::Objectives => &["objectives"],
            Collection::Notes => &["inquiry", "notes"],
            Collection::Cards => &["cards"],
            Collection::Stories => &["stories"],
            Collection::Units => &["units"],
            Collection::Bridges => &["bridges"],
            Collection::Members => &["members"],
        }
    }

    /// The item's name for people and messages.
    pub fn noun(self) -> &'static str {
        match self {
            Collection::Contributions => "contribution",
            Collection::Objectives => "objective",
            Collection::Notes => "note",
            Collection::Cards => "card",
            Collection::Stories => "story",
            Collection::Units => "unit",
            Collection::Bridges => "bridge",
            Collection::Members => "member",
        }
    }

    /// The field that splits the collection into separately ordered groups.
    pub(crate) fn group_field(self) -> Option<&'static str> {
        match self {
            Collection::Cards => Some("cell"),
            Collection::Notes => Some("phase"),
            _ => None,
        }
    }

    /// Every collection.
    pub const ALL: &'static [Collection] = &[
        Collection::Contributions,
        Collection::Objectives,
        Collection::Notes,
        Collection::Cards,
        Collection::Stories,
        Collection::Units,
        Collection::Bridges,
        Collection::Members,
    ];
}

/// One field of an objective.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectiveEdit {
    /// Its title.
    Title(String),
    /// Its description.
    Description(String),
    /// Its owner.
    Owner(String),
    /// Its horizon.
    Horizon(Horizon),
    /// Its status.
    Status(Status),
    /// Its success indicators, one per line.
    Indicators(String),
}

/// One field of a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberEdit {
    /// Their name.
    Name(String),
    /// Their role.
    Role(Role),
    /// Their unit (a unit id), or none.
    Unit(Option<String>),
    /// Their colour (`#rrggbb`), or none.
    Color(Option<String>),
}

/// An edit to a charter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // Field names say what they hold; each variant is documented.
pub enum Op {
    /// Replace a prose field's text (as the smallest splice, so concurrent edits survive).
    SetProse { field: ProseField, text: String },
    /// Splice a prose field: at `pos` (Unicode scalar values) delete `delete`, insert `insert`.
    SpliceProse {
        field: ProseField,
        pos: usize,
        delete: usize,
        insert: String,
    },
    /// Open or close membership.
    SetMembership(Membership),
    /// Set the review date (ISO date, or empty).
    SetReviewDate(String),
    /// Record who set the purpose.
    SetPurposeSetBy(String),
    /// Record the sponsor's endorsement of the purpose, now.
    EndorsePurpose { by: String },
    /// Propose a contribution to the vision.
    AddContribution {
        id: String,
        text: String,
        author: String,
        role: Role,
        position: Position,
    },
    /// Change a contribution's text.
    EditContribution { id: String, text: String },
    /// Support a contribution.
    Endorse { contribution: String, by: String },
    /// Withdraw support.
    WithdrawEndorsement { contribution: String, by: String },
    /// Add an objective.
    AddObjective {
        id: String,
        title: String,
        position: Position,
    },
    /// Change one field of an objective.
    EditObjective { id: String, edit: ObjectiveEdit },
    /// Add an appreciative-inquiry note.
    AddNote {
        id: String,
        phase: Phase,
        tag: Tag,
        text: String,
        author: String,
        position: Position,
    },
    /// Change a note's text.
    EditNote { id: String, text: String },
    /// Re-tag a note.
    SetNoteTag { id: String, tag: Tag },
    /// Move a note within or across phases.
    MoveNote {
        id: String,
        phase: Phase,
        position: Position,
    },
    /// Add a value-map card.
    AddCard {
        id: String,
        cell: Cell,
        text: String,
        position: Position,
    },
    /// Change a card's text.
    EditCard { id: String, text: String },
    /// Move a card within or across cells.
    MoveCard {
        id: String,
        cell: Cell,
        position: Position,
    },
    /// Add a value-creation story.
    AddStory {
        id: String,
        title: String,
        teller: String,
        position: Position,
    },
    /// Change a story's title.
    EditStory { id: String, title: String },
    /// Write the story's text for one cycle (empty removes the cycle).
    SetStoryCycle {
        id: String,
        cycle: Cycle,
        text: String,
    },
    /// Link a story to a card it supports.
    LinkStory { story: String, card: String },
    /// Unlink a story from a card.
    UnlinkStory { story: String, card: String },
    /// Add a unit.
    AddUnit {
        id: String,
        name: String,
        kind: UnitKind,
        position: Position,
    },
    /// Rename a unit.
    EditUnit { id: String, name: String },
    /// Add a bridge between two units.
    AddBridge {
        id: String,
        from: String,
        to: String,
        note: String,
    },
    /// Change what a bridge carries.
    EditBridge { id: String, note: String },
    /// Add a member.
    AddMember {
        id: String,
        name: String,
        role: Role,
        unit: Option<String>,
        position: Position,
    },
    /// Change one field of a member.
    EditMember { id: String, edit: MemberEdit },
    /// Record a device (an Automerge actor id, hex) a member edits from.
    AddDevice {
        member: String,
        actor: String,
        label: String,
    },
    /// Forget a device.
    RemoveDevice { member: String, actor: String },
    /// Open a (multi-use) invite: devices presenting the secret whose
    /// SHA-256 is `secret_hash` may join with `access` until `expires_at`
    /// (unix seconds), if given. `workshop`: made by hosting a workshop,
    /// closed when it ends.
    OpenInvite {
        secret_hash: String,
        access: AccessLevel,
        created_by: String,
        expires_at: Option<i64>,
        workshop: bool,
    },
    /// Close an invite: it admits nobody more; devices it admitted stay.
    CloseInvite { secret_hash: String },
    /// Admit a device (an iroh endpoint id) to sync the charter, with the
    /// invite (secret hash) it presented, if any.
    AdmitDevice {
        endpoint: String,
        access: AccessLevel,
        label: String,
        actor: Option<String>,
        admitted_by: String,
        invite: Option<String>,
    },
    /// Revoke a device: it is refused from now on, even if re-admitted concurrently.
    RevokeDevice { endpoint: String },
    /// Name a version (its heads, hex) as a milestone.
    MarkMilestone {
        name: String,
        heads: Vec<String>,
        by: String,
    },
    /// Move an item of a list without groups (objectives, contributions, stories, units, members).
    MoveItem {
        collection: Collection,
        id: String,
        position: Position,
    },
    /// Remove an item, and the links to it, in one change.
    RemoveItem { collection: Collection, id: String },
    /// Add a timeboxed step at the end of the workshop's agenda.
    AddStep {
        id: String,
        title: String,
        minutes: u32,
    },
    /// Take a step off the agenda (and stop it if it runs).
    RemoveStep { id: String },
    /// Start a step's countdown now, for everyone.
    StartStep { id: String },
    /// Stop the running step.
    StopStep,
    /// Open a dot vote on `items`, `dots` dots per person.
    OpenVote {
        id: String,
        title: String,
        items: Vec<String>,
        dots: u8,
    },
    /// Close a vote: it takes no more dots and its counts are shown.
    CloseVote { id: String },
    /// `member` places a dot on `item`, in their first free slot.
    PlaceDot {
        vote: String,
        member: String,
        item: String,
    },
    /// `member` takes back the dot in `slot`.
    TakeDot {
        vote: String,
        member: String,
        slot: u8,
    },
    /// Start a silent brainstorm: notes stay on each device until revealed.
    StartBrainstorm,
    /// Reveal the silent brainstorm: every device adds the notes it kept.
    Reveal,
    /// Ask everyone to follow the device `endpoint` (named `name`) from
    /// section to section.
    Lead { endpoint: String, name: String },
    /// Stop asking everyone to follow.
    StopLeading,
    /// Make a theme to group inquiry notes under.
    AddTheme { id: String, name: String },
    /// Group an inquiry note or a vision contribution (`collection`) under
    /// a theme, or take it out of any.
    SetTheme {
        collection: Collection,
        id: String,
        theme: Option<String>,
    },
    /// Remove a theme; what was grouped under it stays, ungrouped.
    RemoveTheme { id: String },
}

impl Op {
    /// The message recorded with the change, for the history.
    pub fn message(&self) -> String {
        match self {
            Op::SetProse { field, .. } | Op::SpliceProse { field, .. } => {
                format!("Edit {}", field.label().to_lowercase())
            }
            Op::SetMembership(m) => format!("Set membership to {}", m.label().to_lowercase()),
            Op::SetReviewDate(d) => format!("Set review date to {d}"),
            Op::SetPurposeSetBy(by) => format!("Purpose set by {by}"),
            Op::EndorsePurpose { by } => format!("{by} endorsed the purpose"),
            Op::AddContribution { author, .. } => format!("{author} contributed to the vision"),
            Op::EditContribution { .. } => "Edit vision contribution".into(),
            Op::Endorse { by, .. } => format!("{by} endorsed a vision contribution"),
            Op::WithdrawEndorsement { by, .. } => format!("{by} withdrew an endorsement"),
            Op::AddObjective { title, .. } => format!("Add objective “{}”", short(title)),
            Op::EditObjective { edit, .. } => format!(
                "Edit objective {}",
                match edit {
                    ObjectiveEdit::Title(_) => "title",
                    ObjectiveEdit::Description(_) => "description",
                    ObjectiveEdit::Owner(_) => "owner",
                    ObjectiveEdit::Horizon(_) => "horizon",
                    ObjectiveEdit::Status(_) => "status",
                    ObjectiveEdit::Indicators(_) => "indicators",
                }
            ),
            Op::AddNote { phase, tag, .. } => {
                format!("Add {} note to {}", tag.as_str(), phase.label())
            }
            Op::EditNote { .. } => "Edit inquiry note".into(),
            Op::SetNoteTag { tag, .. } => format!("Tag note as {}", tag.as_str()),
            Op::MoveNote { phase, .. } => format!("Move note to {}", phase.label()),
            Op::AddCard { cell, text, .. } => {
                format!("Add card “{}” to {}", short(text), cell.label())
            }
            Op::EditCard { .. } => "Edit value-map card".into(),
            Op::MoveCard { cell, .. } => format!("Move card to {}", cell.label()),
            Op::AddStory { title, .. } => format!("Add story “{}”", short(title)),
            Op::EditStory { .. } => "Edit story title".into(),
            Op::SetStoryCycle { cycle, .. } => {
                format!("Tell the story's {}", cycle.label().to_lowercase())
            }
            Op::LinkStory { .. } => "Link story to card".into(),
            Op::UnlinkStory { .. } => "Unlink story from card".into(),
            Op::AddUnit { name, .. } => format!("Add unit “{}”", short(name)),
            Op::EditUnit { .. } => "Rename unit".into(),
            Op::AddBridge { .. } => "Add bridge".into(),
            Op::EditBridge { .. } => "Edit bridge".into(),
            Op::AddMember { name, role, .. } => {
                format!("Add {} ({})", short(name), role.label().to_lowercase())
            }
            Op::EditMember { .. } => "Edit member".into(),
            Op::AddDevice { label, .. } => format!("Add device {}", short(label)),
            Op::RemoveDevice { .. } => "Remove device".into(),
            Op::OpenInvite { access, .. } => {
                format!("Open a {} invite", access.label().to_lowercase())
            }
            Op::CloseInvite { .. } => "Close an invite".into(),
            Op::AdmitDevice { label, .. } => format!("Admit device {}", short(label)),
            Op::RevokeDevice { endpoint } => format!("Revoke device {}", short(endpoint)),
            Op::MarkMilestone { name, .. } => format!("Mark milestone “{}”", short(name)),
            Op::MoveItem { collection, .. } => format!("Move {}", collection.noun()),
            Op::RemoveItem { collection, .. } => format!("Remove {}", collection.noun()),
            Op::AddStep { title, minutes, .. } => {
                format!("Add step “{}” ({minutes} min)", short(title))
            }
            Op::RemoveStep { .. } => "Remove a step".into(),
            Op::StartStep { .. } => "Start a step".into(),
            Op::StopStep => "Stop the step".into(),
            Op::OpenVote { title, .. } => format!("Open vote “{}”", short(title)),
            Op::CloseVote { .. } => "Close a vote".into(),
            Op::PlaceDot { .. } => "Place a dot".into(),
            Op::TakeDot { .. } => "Take back a dot".into(),
            Op::StartBrainstorm => "Start a silent brainstorm".into(),
            Op::Reveal => "Reveal the brainstorm".into(),
            Op::Lead { name, .. } => format!("Ask everyone to follow {}", short(name)),
            Op::StopLeading => "Stop leading".into(),
            Op::AddTheme { name, .. } => format!("Add theme “{}”", short(name)),
            Op::SetTheme { collection, .. } => format!("Group a {}", collection.noun()),
            Op::RemoveTheme { .. } => "Remove a theme".into(),
        }
    }
}

fn short(text: &str) -> String {
    const MAX: usize = 40;
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > MAX {
        format!("{}…", line.chars().take(MAX - 1).collect::<String>())
    } else {
        line.to_owned()
    }
}

/// Why an edit could not be made. Nothing was changed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    /// The item named does not exist (any more).
    #[error("no {noun} with id `{id}`")]
    NotFound {
        /// What kind of item.
        noun: &'static str,
        /// The id asked for.
        id: String,
    },
    /// A splice reached past the end of the text.
    #[error("splice at {pos}+{delete} is past the end of {field} ({len} characters)")]
    OutOfRange {
        /// The field spliced.
        field: String,
        /// Where.
        pos: usize,
        /// How much it would delete.
        delete: usize,
        /// The text's length.
        len: usize,
    },
    /// An item with this id already exists.
    #[error("a {noun} with id `{id}` already exists")]
    DuplicateId {
        /// What kind of item.
        noun: &'static str,
        /// The id.
        id: String,
    },
    /// The edit does not make sense (a bridge from a unit to itself …).
    #[error("{0}")]
    Invalid(String),
    /// The document is not shaped like a charter.
    #[error("the document is not a well-formed charter: {0}")]
    Malformed(String),
}

impl From<automerge::AutomergeError> for EditError {
    fn from(e: automerge::AutomergeError) -> Self {
        EditError::Malformed(e.to_string())
    }
}

impl From<autosurgeon::ReconcileError> for EditError {
    fn from(e: autosurgeon::ReconcileError) -> Self {
        EditError::Malformed(e.to_string())
    }
}
