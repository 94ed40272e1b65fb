//! What changed between two versions of a charter, item by item: added,
//! removed and edited items of every collection, and edited fields
//! (prose and scalars) everywhere else.
//!
//! ```
//! use guild_model::{Cell, Charter, Op, Position, apply, diff_charters, new_charter, Change};
//!
//! let mut doc = new_charter("Data CoP", 1_700_000_000).unwrap();
//! let before = Charter::from_doc(&doc).unwrap();
//! apply(&mut doc, &Op::AddCard { id: "c1".into(), cell: Cell::MembersShortTerm,
//!     text: "Pairing".into(), position: Position::End }, 1_700_000_010).unwrap();
//! let after = Charter::from_doc(&doc).unwrap();
//! let diff = diff_charters(&before, &after);
//! assert_eq!(diff.len(), 1);
//! assert_eq!(diff[0].change, Change::Added);
//! assert_eq!(diff[0].path, "cards.c1");
//! ```

use serde_json::Value;

use crate::charter::Charter;
use crate::labels::label_for;

/// What happened to one item or field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// It is new.
    Added,
    /// It is gone.
    Removed,
    /// It is there in both, with different contents.
    Edited,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    /// Dotted path: `cards.c1`, `purpose.text`, `meta.title`.
    pub path: String,
    /// What the path is, for people: “Card “Pairing””, “Purpose”.
    pub label: String,
    /// What happened.
    pub change: Change,
    /// The old value, as JSON (absent when added).
    pub before: Option<Value>,
    /// The new value, as JSON (absent when removed).
    pub after: Option<Value>,
}

/// Collections whose entries are items, compared item by item.
const COLLECTIONS: &[&str] = &[
    "objectives",
    "cards",
    "stories",
    "units",
    "bridges",
    "members",
    "vision.contributions",
    "inquiry.notes",
];

/// Every difference from `old` to `new`, in document order. The access list
/// and the milestones are left out: they are not part of what a community
/// writes.
pub fn diff_charters(old: &Charter, new: &Charter) -> Vec<Difference> {
    let (Ok(old), Ok(new)) = (serde_json::to_value(old), serde_json::to_value(new)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk("", &old, &new, &mut out);
    out
}

fn walk(path: &str, old: &Value, new: &Value, out: &mut Vec<Difference>) {
    // Access and milestones are about the document, not what the community wrote.
    if old == new
        || matches!(
            path,
            "access" | "milestones" | "schema_version" | "forked_from"
        )
    {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) if !COLLECTIONS.contains(&path) => {
            for (key, value) in a {
                let child = join(path, key);
                match b.get(key) {
                    Some(other) => walk(&child, value, other, out),
                    None => out.push(removed(child, value)),
                }
            }
            for (key, value) in b {
                if !a.contains_key(key) {
                    out.push(added(join(path, key), value));
                }
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            for (id, value) in a {
                let child = join(path, id);
                match b.get(id) {
                    Some(other) if other != value => out.push(edited(child, value, other)),
                    Some(_) => {}
                    None => out.push(removed(child, value)),
                }
            }
            for (id, value) in b {
                if !a.contains_key(id) {
                    out.push(added(join(path, id), value));
                }
            }
        }
        _ => out.push(edited(path.to_owned(), old, new)),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn edited(path: String, old: &Value, new: &Value) -> Difference {
    Difference {
        label: label_for(&path, Some(new)),
        path,
        change: Change::Edited,
        before: Some(old.clone()),
        after: Some(new.clone()),
    }
}

fn added(path: String, value: &Value) -> Difference {
    Difference {
        label: label_for(&path, Some(value)),
        path,
        change: Change::Added,
        before: None,
        after: Some(value.clone()),
    }
}

fn removed(path: String, value: &Value) -> Difference {
    Difference {
        label: label_for(&path, Some(value)),
        path,
        change: Change::Removed,
        before: Some(value.clone()),
        after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Op, ProseField, Status, apply, new_charter};

    #[test]
    fn reports_exactly_the_edited_items_and_fields() {
        let mut doc = new_charter("Diff CoP", 1_700_000_000).unwrap();
        apply(
            &mut doc,
            &Op::AddObjective {
                id: "o1".into(),
                title: "Onboard".into(),
                position: crate::Position::End,
            },
            1,
        )
        .unwrap();
        let before = Charter::from_doc(&doc).unwrap();
        let card = before.cards.keys().next().unwrap().clone();
        apply(
            &mut doc,
            &Op::EditObjective {
                id: "o1".into(),
                edit: crate::ObjectiveEdit::Status(Status::Active),
            },
            2,
        )
        .unwrap();
        apply(
            &mut doc,
            &Op::SetProse {
                field: ProseField::Purpose,
                text: "Why we exist".into(),
            },
            3,
        )
        .unwrap();
        apply(
            &mut doc,
            &Op::RemoveItem {
                collection: crate::Collection::Cards,
                id: card.clone(),
            },
            4,
        )
        .unwrap();
        let after = Charter::from_doc(&doc).unwrap();
        let diff = diff_charters(&before, &after);
        let summary: Vec<(&str, Change)> =
            diff.iter().map(|d| (d.path.as_str(), d.change)).collect();
        assert_eq!(
            summary,
            vec![
                (format!("cards.{card}").as_str(), Change::Removed),
                ("objectives.o1", Change::Edited),
                ("purpose.text", Change::Edited),
            ]
        );
        assert_eq!(diff[1].label, "Objective “Onboard”");
        assert_eq!(diff[2].label, "Purpose");
        assert!(diff_charters(&after, &after).is_empty());
    }
}
