//! Who wrote what: for every item and prose field, who made it and when,
//! who changed it last and, for prose, whose characters it is made of; and
//! the items one person removed while another was still editing them
//! (removal wins, so those edits are not in the charter any more).
//!
//! ```
//! use guild_model::{Op, ProseField, apply, blame, new_charter};
//!
//! let mut doc = new_charter("Data CoP", 1_700_000_000).unwrap();
//! apply(&mut doc, &Op::SetProse { field: ProseField::Purpose, text: "Learn together".into() }, 1_700_000_100).unwrap();
//! let purpose = blame(&doc).fields.into_iter().find(|a| a.path == "purpose.text").unwrap();
//! assert_eq!(purpose.last_edited.time, 1_700_000_100);
//! assert_eq!(purpose.writers[0].chars, "Learn together".chars().count());
//! ```

use std::collections::BTreeMap;

use automerge::{Automerge, ChangeHash, ObjId, ObjType, ReadDoc, Value};

use crate::labels::{item_label, title_of};
use crate::op_index::{ObjKey, OpIndex, OpKey, op_key};
use crate::ops::Collection;
use crate::prose::ProseField;

/// One change, named for people: when and by which actor.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Stamp {
    /// The change's hash (a version `guild show --at` accepts).
    #[serde(serialize_with = "hash_hex")]
    pub hash: ChangeHash,
    /// The change's actor, hex ([`crate::author_of`] names the person).
    pub actor: String,
    /// Unix seconds, as the author's clock said.
    pub time: i64,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `serialize_with` signature
fn hash_hex<S: serde::Serializer>(hash: &ChangeHash, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hash.to_string())
}

/// How many of a prose field's characters one actor typed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Share {
    /// The actor, hex.
    pub actor: String,
    /// Characters of today's text that this actor typed.
    pub chars: usize,
}

/// Who wrote one item or prose field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attribution {
    /// Dotted path: `cards.k3x9`, `purpose.text`.
    pub path: String,
    /// For people: “Card “Pairing””, “Purpose”.
    pub label: String,
    /// The change that made it.
    pub created: Stamp,
    /// The latest change to it or anything in it.
    pub last_edited: Stamp,
    /// Prose only: who typed today's characters, most first.
    pub writers: Vec<Share>,
}

/// An item removed by one change while other changes, made without seeing
/// the removal, edited it. Those edits are not in the charter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RemovedWhileEdited {
    /// Dotted path the item had.
    pub path: String,
    /// For people, with its title just before it was removed.
    pub label: String,
    /// The removal.
    pub removed: Stamp,
    /// The concurrent edits that were lost with it.
    pub lost_edits: Vec<Stamp>,
}

/// The whole document's blame.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Blame {
    /// Every prose field that has text, in schema order.
    pub fields: Vec<Attribution>,
    /// Every item, by collection, then id.
    pub items: Vec<Attribution>,
    /// Items removed while someone else was editing them, oldest first.
    pub removed_while_edited: Vec<RemovedWhileEdited>,
}

impl Blame {
    /// The attribution of `path`, item or field.
    pub fn of(&self, path: &str) -> Option<&Attribution> {
        self.fields
            .iter()
            .chain(&self.items)
            .find(|a| a.path == path)
    }
}

/// Reads the whole history once and attributes everything in the charter.
pub fn blame(doc: &Automerge) -> Blame {
    let index = OpIndex::build(doc);
    let stamp = |at: usize| stamp_of(&index, at);
    let attribute = |obj: &OpKey, path: String, label: String, writers: Vec<Share>| {
        let created = index.change_of(obj)?;
        let last = index.touches_within(obj).last().copied().unwrap_or(created);
        Some(Attribution {
            path,
            label,
            created: stamp(created),
            last_edited: stamp(last.max(created)),
            writers,
        })
    };
    let mut out = Blame::default();
    for field in ProseField::ALL {
        let (section, key) = field.path();
        let Some(text) = object_at(doc, &[section, key]) else {
            continue;
        };
        let Some(obj) = op_key(&text) else { continue };
        if doc.length(&text) == 0 {
            // Nobody has written it (or it was emptied): nothing to credit.
            continue;
        }
        let path = format!("{section}.{key}");
        if let Some(a) = attribute(&obj, path, field.label().to_owned(), writers_of(doc, &text)) {
            out.fields.push(a);
        }
    }
    for collection in Collection::ALL {
        let Some(map) = object_at(doc, collection.path()) else {
            continue;
        };
        for entry in doc.map_range(&map, ..) {
            let automerge::ValueRef::Object(ObjType::Map) = entry.value else {
                continue;
            };
            let item = entry.id();
            let Some(obj) = op_key(&item) else { continue };
            let path = format!("{}.{}", collection.path().join("."), entry.key);
            let label = item_label(*collection, title_of(doc, &item, None).as_deref());
            if let Some(a) = attribute(&obj, path, label, Vec::new()) {
                out.items.push(a);
            }
        }
        out.removed_while_edited
            .extend(removed_while_edited(doc, &index, *collection, &map));
    }
    out.removed_while_edited
        .sort_by_key(|r| (r.removed.time, r.path.clone()));
    out
}

fn removed_while_edited(
    doc: &Automerge,
    index: &OpIndex,
    collection: Collection,
    map: &ObjId,
) -> Vec<RemovedWhileEdited> {
    let container: ObjKey = op_key(map);
    let mut out = Vec::new();
    for deletion in index.deletions.iter().filter(|d| d.container == container) {
        let now = doc.get(map, deletion.key.as_str()).ok().flatten();
        let before = &index.changes[deletion.change].deps;
        let then = doc
            .get_at(map, deletion.key.as_str(), before)
            .ok()
            .flatten();
        let mut ancestry = None;
        for item in &deletion.removed {
            if !index.made_in(item, &container)
                || now
                    .as_ref()
                    .is_some_and(|(_, id)| op_key(id).as_ref() == Some(item))
            {
                continue;
            }
            let seen = ancestry.get_or_insert_with(|| index.ancestry(deletion.change));
            let lost: Vec<usize> = index
                .touches_within(item)
                .into_iter()
                .filter(|at| !seen.contains(at))
                .collect();
            if lost.is_empty() {
                continue;
            }
            let title = then
                .as_ref()
                .and_then(|(_, id)| title_of(doc, id, Some(before)));
            let at = |i: usize| stamp_of(index, i);
            out.push(RemovedWhileEdited {
                path: format!("{}.{}", collection.path().join("."), deletion.key),
                label: item_label(collection, title.as_deref()),
                removed: at(deletion.change),
                lost_edits: lost.into_iter().map(at).collect(),
            });
        }
    }
    out
}

/// The change at position `at` of the index, named for people.
fn stamp_of(index: &OpIndex, at: usize) -> Stamp {
    let change = &index.changes[at];
    Stamp {
        hash: change.hash,
        actor: change.actor.to_hex_string(),
        time: change.time,
    }
}

/// The object at `path` from the root, if every step is an object.
fn object_at(doc: &Automerge, path: &[&str]) -> Option<ObjId> {
    let mut obj = automerge::ROOT;
    for key in path {
        match doc.get(&obj, *key).ok().flatten()? {
            (Value::Object(_), id) => obj = id,
            (Value::Scalar(_), _) => return None,
        }
    }
    Some(obj)
}

/// Who typed the characters a text holds now, most first.
fn writers_of(doc: &Automerge, text: &ObjId) -> Vec<Share> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for item in doc.list_range(text, ..) {
        if let ObjId::Id(_, actor, _) = item.id() {
            *counts.entry(actor.to_hex_string()).or_default() += 1;
        }
    }
    let mut shares: Vec<Share> = counts
        .into_iter()
        .map(|(actor, chars)| Share { actor, chars })
        .collect();
    shares.sort_by(|a, b| b.chars.cmp(&a.chars).then_with(|| a.actor.cmp(&b.actor)));
    shares
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;

    use super::*;
    use crate::{Cell, ObjectiveEdit, Op, Position, Status, apply, new_charter};

    fn as_actor(doc: &mut Automerge, byte: u8) {
        doc.set_actor(ActorId::from(vec![byte; 4]));
    }

    #[test]
    fn items_and_prose_name_who_made_them_and_who_changed_them_last() {
        let mut doc = new_charter("Blame CoP", 1_000).unwrap();
        as_actor(&mut doc, 0xaa);
        let purpose = Op::SpliceProse {
            field: ProseField::Purpose,
            pos: 0,
            delete: 0,
            insert: "Learn".into(),
        };
        apply(&mut doc, &purpose, 2_000).unwrap();
        apply(
            &mut doc,
            &Op::AddObjective {
                id: "o1".into(),
                title: "Onboard".into(),
                position: Position::End,
            },
            2_100,
        )
        .unwrap();
        as_actor(&mut doc, 0xbb);
        apply(
            &mut doc,
            &Op::SpliceProse {
                field: ProseField::Purpose,
                pos: 5,
                delete: 0,
                insert: " together".into(),
            },
            3_000,
        )
        .unwrap();
        apply(
            &mut doc,
            &Op::EditObjective {
                id: "o1".into(),
                edit: ObjectiveEdit::Status(Status::Active),
            },
            3_100,
        )
        .unwrap();
        let blame = blame(&doc);
        let purpose = blame.of("purpose.text").unwrap();
        assert_eq!(purpose.label, "Purpose");
        assert_eq!(purpose.last_edited.time, 3_000);
        assert_eq!(purpose.last_edited.actor, "bbbbbbbb");
        let shares: Vec<(&str, usize)> = purpose
            .writers
            .iter()
            .map(|s| (s.actor.as_str(), s.chars))
            .collect();
        assert_eq!(shares, vec![("bbbbbbbb", 9), ("aaaaaaaa", 5)]);
        let objective = blame.of("objectives.o1").unwrap();
        assert_eq!(objective.label, "Objective “Onboard”");
        assert_eq!(
            (objective.created.actor.as_str(), objective.created.time),
            ("aaaaaaaa", 2_100)
        );
        assert_eq!(
            (
                objective.last_edited.actor.as_str(),
                objective.last_edited.time
            ),
            ("bbbbbbbb", 3_100)
        );
        assert!(blame.removed_while_edited.is_empty());
    }

    #[test]
    fn a_removal_that_raced_an_edit_is_reported_with_the_lost_edit() {
        let mut doc = new_charter("Race CoP", 1_000).unwrap();
        as_actor(&mut doc, 0xaa);
        let add = Op::AddCard {
            id: "c1".into(),
            cell: Cell::MembersShortTerm,
            text: "Pairing".into(),
            position: Position::End,
        };
        apply(&mut doc, &add, 2_000).unwrap();
        let mut ben = doc.fork();
        as_actor(&mut ben, 0xbb);
        apply(
            &mut ben,
            &Op::EditCard {
                id: "c1".into(),
                text: "Pairing every week".into(),
            },
            3_000,
        )
        .unwrap();
        apply(
            &mut doc,
            &Op::RemoveItem {
                collection: Collection::Cards,
                id: "c1".into(),
            },
            3_100,
        )
        .unwrap();
        // A removal made after seeing an edit loses nothing: not reported.
        apply(
            &mut doc,
            &Op::AddCard {
                id: "c2".into(),
                cell: Cell::MembersShortTerm,
                text: "Lunch".into(),
                position: Position::End,
            },
            3_200,
        )
        .unwrap();
        apply(
            &mut doc,
            &Op::EditCard {
                id: "c2".into(),
                text: "Lunch and learn".into(),
            },
            3_300,
        )
        .unwrap();
        apply(
            &mut doc,
            &Op::RemoveItem {
                collection: Collection::Cards,
                id: "c2".into(),
            },
            3_400,
        )
        .unwrap();
        doc.merge(&mut ben).unwrap();
        let blame = blame(&doc);
        assert_eq!(blame.removed_while_edited.len(), 1, "{blame:#?}");
        let race = &blame.removed_while_edited[0];
        assert_eq!(race.path, "cards.c1");
        assert_eq!(race.label, "Card “Pairing”");
        assert_eq!(
            (race.removed.actor.as_str(), race.removed.time),
            ("aaaaaaaa", 3_100)
        );
        let lost: Vec<(&str, i64)> = race
            .lost_edits
            .iter()
            .map(|s| (s.actor.as_str(), s.time))
            .collect();
        assert_eq!(lost, vec![("bbbbbbbb", 3_000)]);
        assert!(blame.of("cards.c1").is_none());
    }
}
