//! The Guild charter: the document a community of practice co-creates.
//!
//! This crate owns the charter's schema on Automerge ([`Charter`], hydrated
//! with autosurgeon), the typed edit operations that change it ([`Op`],
//! applied with [`apply`], one Automerge change each), the invariants that
//! must hold after any merge ([`check_invariants`], [`repair`]), schema
//! migrations ([`migrate`]), scalar conflicts ([`scalar_conflicts`]), the
//! history and old versions ([`history`], [`charter_at`], [`diff_charters`],
//! [`restore_version`]), who wrote what ([`blame`]) and renderings (Markdown, HTML, JSON).
//!
//! It is pure: no I/O, no async, no networking, no UI. Everything else in
//! Guild builds on it.
//!
//! ```
//! use guild_model::{Op, Position, Cell, apply, new_charter, Charter};
//!
//! let mut doc = new_charter("Data CoP", 1_700_000_000).unwrap();
//! apply(&mut doc, &Op::AddCard {
//!     id: "c1".into(),
//!     cell: Cell::MembersShortTerm,
//!     text: "Pair on a real problem every month".into(),
//!     position: Position::End,
//! }, 1_700_000_010).unwrap();
//! let charter = Charter::from_doc(&doc).unwrap();
//! assert_eq!(charter.meta.title.as_str(), "Data CoP");
//! assert!(charter.cards_in(Cell::MembersShortTerm).any(|(_, c)| c.text.as_str().starts_with("Pair")));
//! ```

mod blame;
mod cached_reads;
mod charter;
mod conflicts;
mod diff;
mod enums;
mod history;
mod ids;
mod invariants;
mod labels;
mod migrate;
mod op_index;
mod ops;
mod order;
mod prose;
mod rebase;
mod render;
mod render_workshop;
mod restore;
mod skeleton;
mod template;
mod text_diff;
mod undo;
mod workshop;

pub use blame::{Attribution, Blame, RemovedWhileEdited, Share, Stamp, blame};
pub use cached_reads::CachedReads;
pub use charter::{
    Access, Bridge, Card, Charter, Contribution, Device, DeviceAccess, HydrateCharterError,
    Inquiry, Invite, InviteState, Member, Meta, Milestone, Note, Objective, Pitch, Purpose,
    Standing, Story, Unit, Vision, parse_rgb,
};
pub use conflicts::{Conflict, ConflictValue, resolve_conflict, scalar_conflicts};
pub use diff::{Change, Difference, diff_charters};
pub use enums::{
    AccessLevel, Cell, Cycle, Horizon, Membership, Phase, Role, Status, Tag, UnitKind, UnknownValue,
};
pub use history::{HistoryEntry, VersionError, author_of, charter_at, history, resolve_version};
pub use ids::new_id;
pub use invariants::{Violation, check_invariants, check_invariants_in, repair};
pub use labels::label_for;
pub use migrate::{CURRENT_SCHEMA_VERSION, MigrateError, migrate, schema_version};
pub use ops::{
    Collection, EditError, MemberEdit, ObjectiveEdit, Op, Position, apply, apply_batch,
    new_blank_charter, new_charter, new_charter_as,
};
pub use order::{key_between, order_salt};
pub use prose::ProseField;
pub use rebase::rebase_prose_splice;
pub use render::{to_html, to_json, to_markdown, to_markdown_with_ids};
pub use render_workshop::to_workshop_html;
pub use restore::{common_heads, copy_paths, keep_only_device, restore_version};
pub use template::{SEED_VALUE_TABLE, seed_cards};
pub use text_diff::single_splice;
pub use undo::undo_change;
pub use workshop::{Brainstorm, Lead, MAX_DOTS, Running, Step, Theme, VOTABLE, Vote, Workshop};
