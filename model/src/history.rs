//! The charter's history: every change with who made it, when, its message
//! and the sections it touched; versions named by a change-hash prefix; the
//! charter as it was at any version.
//!
//! ```
//! use guild_model::{Op, ProseField, apply, new_charter, history, charter_at, resolve_version};
//!
//! let mut doc = new_charter("Data CoP", 1_700_000_000).unwrap();
//! apply(&mut doc, &Op::SetProse { field: ProseField::Purpose, text: "Learn together".into() }, 1_700_000_100).unwrap();
//! let entries = history(&doc, usize::MAX);
//! assert_eq!(entries[0].message, "Edit purpose");
//! assert_eq!(entries[0].sections, vec!["purpose".to_owned()]);
//! // The version before that edit, by a prefix of its hash:
//! let before = resolve_version(&doc, &entries[1].hash.to_string()[..8]).unwrap();
//! assert_eq!(charter_at(&doc, &before).unwrap().purpose.text.as_str(), "");
//! ```

use std::collections::{BTreeSet, HashMap};

use automerge::{Automerge, Change, ChangeHash, Prop, ReadDoc, legacy};

use crate::charter::{Charter, HydrateCharterError};
use crate::migrate::{MigrateError, migrate, schema_version};
use crate::op_index::OpKey;

/// One change of the history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    /// The change's hash; any unambiguous prefix names the version it ends.
    #[serde(serialize_with = "hash_hex")]
    pub hash: ChangeHash,
    /// Its Automerge actor id, hex.
    pub actor: String,
    /// Unix seconds, as the author's clock said.
    pub time: i64,
    /// What it did, for people ("Add card").
    pub message: String,
    /// The top-level sections it touched (`purpose`, `cards`, …).
    pub sections: Vec<String>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `serialize_with` signature
fn hash_hex<S: serde::Serializer>(hash: &ChangeHash, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hash.to_string())
}

/// The newest `limit` changes, newest first (causal order, then time).
pub fn history(doc: &Automerge, limit: usize) -> Vec<HistoryEntry> {
    // `get_changes` returns changes in a causal (topological) order.
    let changes = doc.get_changes(&[]);
    let mut sections_of = HashMap::new();
    changes
        .iter()
        .rev()
        .take(limit)
        .map(|change| HistoryEntry {
            hash: change.hash(),
            actor: change.actor_id().to_hex_string(),
            time: change.timestamp(),
            message: change.message().map(str::to_owned).unwrap_or_default(),
            sections: sections_touched(doc, change, &mut sections_of),
        })
        .collect()
}

/// The sections a change touched: the root keys above the objects its
/// operations wrote to. Reading the ops (not diffing the document before
/// and after) keeps this cheap on a long history: a diff of a big charter
/// costs tens of milliseconds per change.
fn sections_touched(
    doc: &Automerge,
    change: &Change,
    sections_of: &mut HashMap<OpKey, Option<String>>,
) -> Vec<String> {
    let mut sections = BTreeSet::new();
    for op in &change.decode().operations {
        let section = match &op.obj {
            legacy::ObjectId::Root => match &op.key {
                legacy::Key::Map(key) => Some(key.to_string()),
                legacy::Key::Seq(_) => None,
            },
            legacy::ObjectId::Id(legacy::OpId(counter, actor)) => sections_of
                .entry((*counter, actor.clone()))
                .or_insert_with(|| section_of(doc, *counter, actor))
                .clone(),
        };
        sections.extend(section);
    }
    sections.into_iter().collect()
}

/// The root key above the object made by operation `counter@actor`.
fn section_of(doc: &Automerge, counter: u64, actor: &automerge::ActorId) -> Option<String> {
    let obj = doc
        .import_obj(&format!("{counter}@{}", actor.to_hex_string()))
        .ok()?;
    match doc.parents(&obj).ok()?.path().first() {
        Some((_, Prop::Map(key))) => Some(key.clone()),
        _ => None,
    }
}

/// Who made a change, for people: the member who registered the device, else
/// the device's label in the access list, else a short actor id.
pub fn author_of(charter: &Charter, actor: &str) -> String {
    if let Some((_, member)) = charter.member_of_actor(actor) {
        return member.name.clone();
    }
    for device in charter.access.devices.values() {
        if device
            .actor
            .as_deref()
            .is_some_and(|d| !d.is_empty() && actor.starts_with(d))
        {
            return device.label.clone();
        }
    }
    actor.chars().take(8).collect()
}

/// Why a version could not be found or read.
#[derive(Debug, thiserror::Error)]
pub enum VersionError {
    /// Nothing has that name or hash prefix.
    #[error(
        "no version `{0}`: give a milestone's name or a change-hash prefix that `guild history` prints"
    )]
    Unknown(String),
    /// The prefix fits several changes.
    #[error("`{0}` fits {1} changes: give more of the hash")]
    Ambiguous(String, usize),
    /// The old version does not read as a charter.
    #[error("that version does not read as a charter: {0}")]
    Unreadable(String),
}

impl From<HydrateCharterError> for VersionError {
    fn from(e: HydrateCharterError) -> Self {
        VersionError::Unreadable(e.to_string())
    }
}

impl From<MigrateError> for VersionError {
    fn from(e: MigrateError) -> Self {
        VersionError::Unreadable(e.to_string())
    }
}

/// The heads of the version `query` names: a milestone's name, or a
/// change-hash prefix (at least four hex digits) naming the version that
/// change ends.
pub fn resolve_version(doc: &Automerge, query: &str) -> Result<Vec<ChangeHash>, VersionError> {
    let milestones: std::collections::BTreeMap<String, crate::charter::Milestone> =
        autosurgeon::hydrate_prop(doc, automerge::ROOT, "milestones").unwrap_or_default();
    if let Some(milestone) = milestones
        .iter()
        .find(|(name, _)| name.trim().eq_ignore_ascii_case(query.trim()))
        .map(|(_, m)| m)
    {
        let heads: Result<Vec<ChangeHash>, _> =
            milestone.heads.split_whitespace().map(str::parse).collect();
        return heads.map_err(|_| {
            VersionError::Unreadable(format!("the milestone `{query}` names no valid version"))
        });
    }
    let wanted = query.trim().to_ascii_lowercase();
    if wanted.len() < 4 || !wanted.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(VersionError::Unknown(query.to_owned()));
    }
    let matches: Vec<ChangeHash> = doc
        .get_changes(&[])
        .iter()
        .map(Change::hash)
        .filter(|h| h.to_string().starts_with(&wanted))
        .collect();
    match matches.as_slice() {
        [one] => Ok(vec![*one]),
        [] => Err(VersionError::Unknown(query.to_owned())),
        many => Err(VersionError::Ambiguous(query.to_owned(), many.len())),
    }
}

/// The charter as it was at `heads` (brought to the current schema in
/// memory, so old versions read like new ones).
pub fn charter_at(doc: &Automerge, heads: &[ChangeHash]) -> Result<Charter, VersionError> {
    let mut old = doc
        .fork_at(heads)
        .map_err(|e| VersionError::Unreadable(e.to_string()))?;
    if schema_version(&old)? < crate::migrate::CURRENT_SCHEMA_VERSION {
        migrate(&mut old, 0)?;
    }
    Ok(Charter::from_doc(&old)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cell, Op, Position, ProseField, apply, new_charter};

    #[test]
    fn entries_name_their_sections_and_old_versions_read_back() {
        let mut doc = new_charter("History CoP", 1_700_000_000).unwrap();
        apply(
            &mut doc,
            &Op::SetProse {
                field: ProseField::Vision,
                text: "Every analyst has a peer".into(),
            },
            1_700_000_010,
        )
        .unwrap();
        apply(
            &mut doc,
            &Op::AddCard {
                id: "c1".into(),
                cell: Cell::MembersShortTerm,
                text: "Pairing".into(),
                position: Position::End,
            },
            1_700_000_020,
        )
        .unwrap();
        let entries = history(&doc, usize::MAX);
        assert_eq!(entries[0].sections, vec!["cards"]);
        assert_eq!(entries[0].time, 1_700_000_020);
        assert_eq!(entries[1].sections, vec!["vision"]);
        let at = resolve_version(&doc, &entries[1].hash.to_string()[..10]).unwrap();
        let old = charter_at(&doc, &at).unwrap();
        assert_eq!(old.vision.statement.as_str(), "Every analyst has a peer");
        assert!(!old.cards.contains_key("c1"));
        assert!(matches!(
            resolve_version(&doc, "zzzz"),
            Err(VersionError::Unknown(_))
        ));
        assert_eq!(history(&doc, 1).len(), 1);
    }

    #[test]
    fn a_member_from_before_colours_reads_and_authors_are_found_by_device_prefix() {
        use automerge::transaction::Transactable as _;
        let mut doc = new_charter("Old CoP", 1_700_000_000).unwrap();
        apply(
            &mut doc,
            &Op::AddMember {
                id: "m1".into(),
                name: "Ana".into(),
                role: crate::Role::Member,
                unit: None,
                position: Position::End,
            },
            1_700_000_010,
        )
        .unwrap();
        apply(
            &mut doc,
            &Op::AddDevice {
                member: "m1".into(),
                actor: "abcd".into(),
                label: "laptop".into(),
            },
            1_700_000_020,
        )
        .unwrap();
        // As an older Guild wrote a member: no `color` key at all.
        let mut tx = doc.transaction();
        let members = tx.get(automerge::ROOT, "members").unwrap().unwrap().1;
        let ana = tx.get(&members, "m1").unwrap().unwrap().1;
        tx.delete(&ana, "color").unwrap();
        tx.commit();
        let charter = Charter::from_doc(&doc).expect("a member without a colour reads");
        assert_eq!(charter.members["m1"].color, None);
        assert_eq!(author_of(&charter, "abcd0123"), "Ana");
        assert_eq!(Charter::members_of(&doc).len(), 1);
    }
}
