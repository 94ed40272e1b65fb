//! Bringing parts of a charter back to how another version has them, as a
//! new change (history is never rewritten): "restore this version", and
//! "take these items from my personal copy".
//!
//! The copy is structural: maps are made equal key by key, text is changed
//! by the smallest splice, so whatever a peer writes concurrently elsewhere
//! in the charter still merges.

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{Automerge, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, Value};

use crate::ops::EditError;
use crate::text_diff::single_splice;

fn malformed(e: &automerge::AutomergeError) -> EditError {
    EditError::Malformed(e.to_string())
}

/// Makes the whole charter as it was at `heads`, except its access list
/// (restoring an old version must not re-admit or forget devices) and its
/// milestones (naming versions is history, not content). Returns
/// the new change, or `None` if nothing differs.
pub fn restore_version(
    doc: &mut Automerge,
    heads: &[ChangeHash],
    now: i64,
) -> Result<Option<ChangeHash>, EditError> {
    let old = doc.fork_at(heads).map_err(|e| malformed(&e))?;
    let short: String = heads
        .first()
        .map(|h| h.to_string().chars().take(8).collect())
        .unwrap_or_default();
    let keys: Vec<String> = old
        .keys(ROOT)
        .chain(doc.keys(ROOT))
        .filter(|k| {
            !matches!(
                k.as_str(),
                "access" | "milestones" | "schema_version" | "forked_from"
            )
        })
        .collect();
    copy_paths(
        doc,
        &old,
        &keys.iter().map(|k| vec![k.clone()]).collect::<Vec<_>>(),
        &format!("Restore version {short}"),
        now,
    )
}

/// Makes each map path (e.g. `["cards", "c1"]`, `["purpose"]`) of `doc`
/// equal to the same path in `source`: created, changed or removed. One
/// change with `message`; `None` if nothing differed.
pub fn copy_paths(
    doc: &mut Automerge,
    source: &Automerge,
    paths: &[Vec<String>],
    message: &str,
    now: i64,
) -> Result<Option<ChangeHash>, EditError> {
    let result = doc.transact_with(
        |()| {
            CommitOptions::default()
                .with_message(message.to_owned())
                .with_time(now)
        },
        |tx| {
            for path in paths {
                copy_path(tx, source, path)?;
            }
            Ok::<(), EditError>(())
        },
    );
    match result {
        Ok(success) => Ok(success.hash),
        Err(failure) => Err(failure.error),
    }
}

fn copy_path(
    tx: &mut Transaction<'_>,
    source: &Automerge,
    path: &[String],
) -> Result<(), EditError> {
    let Some((last, parents)) = path.split_last() else {
        return Ok(());
    };
    let (mut dst, mut src) = (ROOT, Some(ROOT));
    for key in parents {
        src = src.and_then(|s| match source.get(&s, key.as_str()) {
            Ok(Some((Value::Object(ObjType::Map), id))) => Some(id),
            _ => None,
        });
        dst = match tx.get(&dst, key.as_str()).map_err(|e| malformed(&e))? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ if src.is_some() => tx
                .put_object(&dst, key.as_str(), ObjType::Map)
                .map_err(|e| malformed(&e))?,
            // Neither side has the parent: nothing to copy or remove.
            _ => return Ok(()),
        };
    }
    if let Some(src) = src {
        copy_key(tx, &dst, source, &src, last)
    } else {
        tx.delete(&dst, last.as_str()).map_err(|e| malformed(&e))?;
        Ok(())
    }
}

/// Makes `dst[key]` equal to `src[key]` (absent in `src` → deleted).
pub(crate) fn copy_key(
    tx: &mut Transaction<'_>,
    dst: &ObjId,
    source: &Automerge,
    src: &ObjId,
    key: &str,
) -> Result<(), EditError> {
    let theirs = source.get(src, key).map_err(|e| malformed(&e))?;
    let ours = tx.get(dst, key).map_err(|e| malformed(&e))?;
    match (theirs, ours) {
        (None, None) => {}
        (None, Some(_)) => tx.delete(dst, key).map_err(|e| malformed(&e))?,
        (Some((Value::Scalar(value), _)), ours) => {
            let same = matches!(&ours, Some((Value::Scalar(v), _)) if v == &value);
            if !same {
                tx.put(dst, key, value.into_owned())
                    .map_err(|e| malformed(&e))?;
            }
        }
        (Some((Value::Object(kind), their_obj)), ours) => {
            let our_obj = match ours {
                Some((Value::Object(k), id)) if k == kind => id,
                _ => tx.put_object(dst, key, kind).map_err(|e| malformed(&e))?,
            };
            copy_object(tx, &our_obj, source, &their_obj, kind)?;
        }
    }
    Ok(())
}

fn copy_object(
    tx: &mut Transaction<'_>,
    dst: &ObjId,
    source: &Automerge,
    src: &ObjId,
    kind: ObjType,
) -> Result<(), EditError> {
    match kind {
        ObjType::Text => {
            let theirs = source.text(src).map_err(|e| malformed(&e))?;
            let ours = tx.text(dst).map_err(|e| malformed(&e))?;
            if let Some((pos, delete, insert)) = single_splice(&ours, &theirs) {
                tx.splice_text(dst, pos, delete.cast_signed(), &insert)
                    .map_err(|e| malformed(&e))?;
            }
        }
        ObjType::Map | ObjType::Table => {
            let keys: Vec<String> = source.keys(src).chain(tx.keys(dst)).collect();
            for key in keys {
                copy_key(tx, dst, source, src, &key)?;
            }
        }
        ObjType::List => {
            // The charter keeps no lists (collections are maps with order
            // keys); a foreign list is replaced whole.
            let len = tx.length(dst);
            for _ in 0..len {
                tx.delete(dst, 0).map_err(|e| malformed(&e))?;
            }
            for index in 0..source.length(src) {
                if let Ok(Some((Value::Scalar(value), _))) = source.get(src, index) {
                    tx.insert(dst, index, value.into_owned())
                        .map_err(|e| malformed(&e))?;
                }
            }
        }
    }
    Ok(())
}

/// The heads of what `a` and `b` have in common: the version where a
/// personal copy and its community's charter parted ways.
pub fn common_heads(a: &Automerge, b: &Automerge) -> Vec<ChangeHash> {
    let shared: Vec<automerge::Change> = a
        .get_changes(&[])
        .into_iter()
        .filter(|c| b.get_change_by_hash(&c.hash()).is_some())
        .collect();
    let depended: std::collections::HashSet<ChangeHash> =
        shared.iter().flat_map(|c| c.deps().to_vec()).collect();
    let mut heads: Vec<ChangeHash> = shared
        .iter()
        .map(automerge::Change::hash)
        .filter(|h| !depended.contains(h))
        .collect();
    heads.sort();
    heads
}

/// Makes a document a personal copy of `origin`, private to one device:
/// every other device is dropped from its access list (not revoked), every
/// open invite closed, and the origin recorded for a later "propose back".
pub fn keep_only_device(
    doc: &mut Automerge,
    endpoint: &str,
    origin: &str,
    now: i64,
) -> Result<Option<ChangeHash>, EditError> {
    let result = doc.transact_with(
        |()| {
            CommitOptions::default()
                .with_message("Make a personal copy".to_owned())
                .with_time(now)
        },
        |tx| {
            tx.put(ROOT, "forked_from", origin)
                .map_err(|e| malformed(&e))?;
            let Some((Value::Object(ObjType::Map), access)) =
                tx.get(ROOT, "access").map_err(|e| malformed(&e))?
            else {
                return Ok(());
            };
            for (section, keep) in [("devices", Some(endpoint)), ("invites", None)] {
                if let Some((Value::Object(ObjType::Map), map)) =
                    tx.get(&access, section).map_err(|e| malformed(&e))?
                {
                    let gone: Vec<String> =
                        tx.keys(&map).filter(|k| Some(k.as_str()) != keep).collect();
                    for key in gone {
                        tx.delete(&map, key.as_str()).map_err(|e| malformed(&e))?;
                    }
                }
            }
            Ok::<(), EditError>(())
        },
    );
    match result {
        Ok(success) => Ok(success.hash),
        Err(failure) => Err(failure.error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cell, Charter, Op, Position, ProseField, apply, new_charter};

    #[test]
    fn an_old_version_comes_back_as_a_new_change_keeping_access() {
        let mut doc = new_charter("Restore CoP", 1).unwrap();
        apply(
            &mut doc,
            &Op::SetProse {
                field: ProseField::Purpose,
                text: "The ratified purpose".into(),
            },
            2,
        )
        .unwrap();
        let ratified = doc.get_heads();
        apply(
            &mut doc,
            &Op::SetProse {
                field: ProseField::Purpose,
                text: "A later draft".into(),
            },
            3,
        )
        .unwrap();
        apply(
            &mut doc,
            &Op::AddCard {
                id: "late".into(),
                cell: Cell::MembersLongTerm,
                text: "added later".into(),
                position: Position::End,
            },
            4,
        )
        .unwrap();
        apply(
            &mut doc,
            &Op::AdmitDevice {
                endpoint: "e1".into(),
                access: crate::AccessLevel::ReadWrite,
                label: "laptop".into(),
                actor: None,
                admitted_by: String::new(),
                invite: None,
            },
            5,
        )
        .unwrap();
        let changes_before = doc.get_changes(&[]).len();
        let hash = restore_version(&mut doc, &ratified, 6).unwrap();
        assert!(hash.is_some());
        assert_eq!(
            doc.get_changes(&[]).len(),
            changes_before + 1,
            "one new change"
        );
        let charter = Charter::from_doc(&doc).unwrap();
        assert_eq!(charter.purpose.text.as_str(), "The ratified purpose");
        assert!(!charter.cards.contains_key("late"));
        assert!(charter.access.devices.contains_key("e1"), "access is kept");
        assert_eq!(restore_version(&mut doc, &ratified, 7).unwrap(), None);
    }
}
