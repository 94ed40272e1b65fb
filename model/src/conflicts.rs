//! Scalar conflicts: where peers wrote one field concurrently.
//!
//! Automerge keeps every concurrent value of a map key and picks one winner
//! deterministically; Guild shows all of them so that people, not the
//! merge order, decide. Text never conflicts (it merges per character).

use automerge::{ObjId, ObjType, ROOT, ReadDoc, Value, ValueRef};
use serde::Serialize;

/// One field with more than one concurrent value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// Dotted path from the root, e.g. `objectives.k3f….status`.
    pub path: String,
    /// For people: “Objective “Onboard” › status”.
    pub label: String,
    /// Every concurrent value; the first is the one readers currently see.
    pub values: Vec<ConflictValue>,
}

/// One of a conflict's values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictValue {
    /// The value, rendered as text.
    pub value: String,
    /// The Automerge actor (hex) that wrote it.
    pub actor: String,
}

/// Every scalar field of the document that currently holds concurrent values.
pub fn scalar_conflicts<D: ReadDoc>(doc: &D) -> Vec<Conflict> {
    let mut out = Vec::new();
    walk(doc, &ROOT, &mut String::new(), &mut out);
    out
}

fn walk<D: ReadDoc>(doc: &D, obj: &ObjId, path: &mut String, out: &mut Vec<Conflict>) {
    // One pass over the map, whose items say which keys hold more than one
    // value: a lookup per key costs a seek into the document, and a long
    // charter has thousands of keys and almost never a conflict.
    let items: Vec<(String, bool, Option<ObjId>)> = doc
        .map_range(obj, ..)
        .map(|item| {
            let child = matches!(item.value, ValueRef::Object(ObjType::Map)).then(|| item.id());
            (item.key.into_owned(), item.conflict, child)
        })
        .collect();
    for (key, conflict, child) in items {
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(&key);
        if conflict {
            conflict_at(doc, obj, &key, path, out);
        }
        if let Some(child) = child {
            walk(doc, &child, path, out);
        }
        path.truncate(len);
    }
}

/// The conflict of `key` in `obj` (at `path`), if its values include a
/// scalar.
fn conflict_at<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str, path: &str, out: &mut Vec<Conflict>) {
    let values = doc.get_all(obj, key).unwrap_or_default();
    let scalars: Vec<ConflictValue> = values
        .iter()
        .filter_map(|(value, id)| match value {
            Value::Scalar(s) => Some(ConflictValue {
                value: scalar_text(s),
                actor: actor_of(id),
            }),
            Value::Object(_) => None,
        })
        .collect();
    if values.len() > 1 && !scalars.is_empty() {
        // Readers see the value `get` returns; list it first.
        let mut ordered = scalars;
        if let Ok(Some((Value::Scalar(winner), id))) = doc.get(obj, key) {
            let winner = ConflictValue {
                value: scalar_text(&winner),
                actor: actor_of(&id),
            };
            if let Some(at) = ordered.iter().position(|v| *v == winner) {
                ordered.swap(0, at);
            }
        }
        out.push(Conflict {
            label: crate::labels::field_of_object_label(doc, obj, path),
            path: path.to_owned(),
            values: ordered,
        });
    }
}

/// Resolves the conflict at `path` (as [`scalar_conflicts`] names it) to the
/// value rendered as `choice`: writes it again, which supersedes every
/// concurrent value for every peer. One change; `None` if there was no
/// conflict there any more.
pub fn resolve_conflict(
    doc: &mut automerge::Automerge,
    path: &str,
    choice: &str,
    now: i64,
) -> Result<Option<automerge::ChangeHash>, crate::EditError> {
    use automerge::transaction::{CommitOptions, Transactable as _};

    let malformed = |e: automerge::AutomergeError| crate::EditError::Malformed(e.to_string());
    let mut keys: Vec<&str> = path.split('.').collect();
    let Some(last) = keys.pop() else {
        return Ok(None);
    };
    let mut obj = ROOT;
    for key in keys {
        match doc.get(&obj, key).map_err(malformed)? {
            Some((Value::Object(ObjType::Map), child)) => obj = child,
            _ => return Ok(None),
        }
    }
    let chosen = doc
        .get_all(&obj, last)
        .map_err(malformed)?
        .into_iter()
        .find_map(|(value, _)| match value {
            Value::Scalar(s) if scalar_text(&s) == choice => Some(s.into_owned()),
            _ => None,
        });
    let Some(chosen) = chosen else {
        return Err(crate::EditError::Invalid(format!(
            "`{choice}` is not one of the values of {path}"
        )));
    };
    if doc.get_all(&obj, last).map_err(malformed)?.len() < 2 {
        return Ok(None);
    }
    let message = format!("Resolve the conflict on {path}");
    doc.transact_with(
        |()| {
            CommitOptions::default()
                .with_message(message.clone())
                .with_time(now)
        },
        |tx| tx.put(&obj, last, chosen.clone()),
    )
    .map(|success| success.hash)
    .map_err(|failure| malformed(failure.error))
}

fn scalar_text(value: &automerge::ScalarValue) -> String {
    match value {
        automerge::ScalarValue::Str(s) => s.to_string(),
        other => other.to_string(),
    }
}

fn actor_of(id: &ObjId) -> String {
    match id {
        ObjId::Id(_, actor, _) => actor.to_hex_string(),
        ObjId::Root => String::new(),
    }
}
