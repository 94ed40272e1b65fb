//! Undo of one change as a new change: what the change wrote is put back as
//! it was, leaving alone what others wrote since. Text is unspliced through
//! Automerge cursors (so a peer's later typing elsewhere in the same text
//! survives and shifts nothing); a field someone has since set again is left
//! as they set it. Redo is the undo of the undo.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, ChangeHash, ObjId, ObjType, PatchAction, Prop, ReadDoc, Value};

use crate::ops::EditError;
use crate::restore::copy_key;
use crate::text_diff::single_splice;

fn malformed(e: &automerge::AutomergeError) -> EditError {
    EditError::Malformed(e.to_string())
}

/// A text the change spliced: the inverse splice, as cursors into the text
/// as the change left it.
struct TextUndo {
    obj: ObjId,
    start: automerge::Cursor,
    /// The last character the inverse deletes, if it deletes any.
    last: Option<automerge::Cursor>,
    insert: String,
}

/// The map keys and texts a change wrote, leaving out objects it created
/// itself (they go with their parent's key).
fn touched(
    doc: &Automerge,
    deps: &[ChangeHash],
    hash: ChangeHash,
    before: &Automerge,
) -> (Vec<(ObjId, String)>, Vec<ObjId>) {
    let mut keys: Vec<(ObjId, String)> = Vec::new();
    let mut texts: Vec<ObjId> = Vec::new();
    for patch in doc.diff(deps, &[hash]) {
        match patch.action {
            PatchAction::SpliceText { .. } | PatchAction::DeleteSeq { .. }
                if !texts.contains(&patch.obj) =>
            {
                texts.push(patch.obj);
            }
            PatchAction::PutMap { key, .. }
            | PatchAction::DeleteMap { key }
            | PatchAction::Conflict {
                prop: Prop::Map(key),
            } => {
                let entry = (patch.obj, key);
                if !keys.contains(&entry) {
                    keys.push(entry);
                }
            }
            _ => {}
        }
    }
    keys.retain(|(obj, _)| before.object_type(obj).is_ok());
    texts.retain(|obj| before.object_type(obj).is_ok());
    (keys, texts)
}

/// The inverse of what a change did to one text, as cursors into the text
/// as the change left it.
fn text_undo(
    doc: &Automerge,
    before: &Automerge,
    after: &Automerge,
    hash: ChangeHash,
    obj: ObjId,
) -> Result<Option<TextUndo>, EditError> {
    let after_heads = [hash];
    let was = before.text(&obj).map_err(|e| malformed(&e))?;
    let left = after.text(&obj).map_err(|e| malformed(&e))?;
    let Some((pos, delete, insert)) = single_splice(&left, &was) else {
        return Ok(None);
    };
    let start = if pos >= left.chars().count() {
        doc.get_cursor(&obj, automerge::CursorPosition::End, Some(&after_heads))
    } else {
        doc.get_cursor(&obj, pos, Some(&after_heads))
    }
    .map_err(|e| malformed(&e))?;
    let last = if delete > 0 {
        Some(
            doc.get_cursor(&obj, pos + delete - 1, Some(&after_heads))
                .map_err(|e| malformed(&e))?,
        )
    } else {
        None
    };
    Ok(Some(TextUndo {
        obj,
        start,
        last,
        insert,
    }))
}

/// Undoes the change `hash` as one new change. `None` if nothing was left to
/// undo (everything it wrote has been overwritten since).
pub fn undo_change(
    doc: &mut Automerge,
    hash: ChangeHash,
    now: i64,
) -> Result<Option<ChangeHash>, EditError> {
    let change = doc
        .get_change_by_hash(&hash)
        .ok_or_else(|| EditError::Invalid(format!("no change {hash} to undo")))?
        .clone();
    let deps = change.deps().to_vec();
    let after_heads = [hash];
    let before = doc.fork_at(&deps).map_err(|e| malformed(&e))?;
    let after = doc.fork_at(&after_heads).map_err(|e| malformed(&e))?;
    let (keys, texts) = touched(doc, &deps, hash, &before);
    let mut text_undos = Vec::new();
    for obj in texts {
        if let Some(undo) = text_undo(doc, &before, &after, hash, obj)? {
            text_undos.push(undo);
        }
    }
    let message = format!("Undo: {}", change.message().unwrap_or("a change"));
    let result = doc.transact_with(
        |()| {
            CommitOptions::default()
                .with_message(message.clone())
                .with_time(now)
        },
        |tx| {
            for (obj, key) in keys.iter().rev() {
                if tx.object_type(obj).is_err() {
                    continue;
                }
                // Someone set it again since: theirs stands.
                let written = after.get(obj, key.as_str()).map_err(|e| malformed(&e))?;
                let now_there = tx.get(obj, key.as_str()).map_err(|e| malformed(&e))?;
                let unchanged = match (&written, &now_there) {
                    (Some((Value::Scalar(a), _)), Some((Value::Scalar(b), _))) => a == b,
                    (Some((Value::Object(_), a)), Some((Value::Object(_), b))) => a == b,
                    (None, None) => true,
                    _ => false,
                };
                if unchanged {
                    copy_key(tx, obj, &before, obj, key)?;
                }
            }
            for undo in &text_undos {
                if !matches!(tx.object_type(&undo.obj), Ok(ObjType::Text)) {
                    continue;
                }
                let start = tx
                    .get_cursor_position(&undo.obj, &undo.start, None)
                    .map_err(|e| malformed(&e))?;
                let end = match &undo.last {
                    Some(last) => {
                        tx.get_cursor_position(&undo.obj, last, None)
                            .map_err(|e| malformed(&e))?
                            + 1
                    }
                    None => start,
                };
                let delete = end.saturating_sub(start);
                tx.splice_text(&undo.obj, start, delete.cast_signed(), &undo.insert)
                    .map_err(|e| malformed(&e))?;
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

    fn purpose(doc: &Automerge) -> String {
        Charter::from_doc(doc)
            .unwrap()
            .purpose
            .text
            .as_str()
            .to_owned()
    }

    #[test]
    fn undo_reverts_only_my_change_after_a_peers_edits_arrived() {
        let mut mine = new_charter("Undo CoP", 1).unwrap();
        apply(
            &mut mine,
            &Op::SetProse {
                field: ProseField::Purpose,
                text: "Learn together.".into(),
            },
            2,
        )
        .unwrap();
        let mut theirs = mine.fork();
        // My slip: a word in the middle, and a card.
        let slip = apply(
            &mut mine,
            &Op::SpliceProse {
                field: ProseField::Purpose,
                pos: 6,
                delete: 0,
                insert: "badly ".into(),
            },
            3,
        )
        .unwrap()
        .unwrap();
        let card = apply(
            &mut mine,
            &Op::AddCard {
                id: "mine".into(),
                cell: Cell::MembersShortTerm,
                text: "My card".into(),
                position: Position::End,
            },
            4,
        )
        .unwrap()
        .unwrap();
        // Meanwhile a peer types at both ends and adds a card.
        apply(
            &mut theirs,
            &Op::SpliceProse {
                field: ProseField::Purpose,
                pos: 0,
                delete: 0,
                insert: "We ".into(),
            },
            3,
        )
        .unwrap();
        apply(
            &mut theirs,
            &Op::AddCard {
                id: "theirs".into(),
                cell: Cell::MembersShortTerm,
                text: "Their card".into(),
                position: Position::End,
            },
            4,
        )
        .unwrap();
        mine.merge(&mut theirs).unwrap();
        assert_eq!(purpose(&mine), "We Learn badly together.");

        undo_change(&mut mine, slip, 5).unwrap().expect("a change");
        assert_eq!(
            purpose(&mine),
            "We Learn together.",
            "the peer's word stays"
        );
        let undo_card = undo_change(&mut mine, card, 6).unwrap().expect("a change");
        let charter = Charter::from_doc(&mine).unwrap();
        assert!(!charter.cards.contains_key("mine"));
        assert!(
            charter.cards.contains_key("theirs"),
            "the peer's card stays"
        );

        // Redo is the undo of the undo.
        undo_change(&mut mine, undo_card, 7)
            .unwrap()
            .expect("a change");
        assert!(Charter::from_doc(&mine).unwrap().cards.contains_key("mine"));
    }

    #[test]
    fn a_field_set_again_by_someone_else_is_left_alone() {
        let mut doc = new_charter("Undo CoP", 1).unwrap();
        apply(
            &mut doc,
            &Op::AddObjective {
                id: "o1".into(),
                title: "Clinic".into(),
                position: Position::End,
            },
            2,
        )
        .unwrap();
        let status = |s| Op::EditObjective {
            id: "o1".into(),
            edit: crate::ObjectiveEdit::Status(s),
        };
        let mine = apply(&mut doc, &status(crate::Status::Active), 3)
            .unwrap()
            .unwrap();
        apply(&mut doc, &status(crate::Status::Achieved), 4).unwrap();
        undo_change(&mut doc, mine, 5).unwrap();
        assert_eq!(
            Charter::from_doc(&doc).unwrap().objectives["o1"].status,
            crate::Status::Achieved
        );
    }
}
