//! Rebasing a prose splice made against an older version of the document
//! onto the current one, with Automerge cursors: a window that typed into
//! text it last saw at heads `H` must land its splice where those
//! characters are now, even if a peer's edit arrived meanwhile.

use automerge::{Automerge, ChangeHash, ObjType, ReadDoc, Value};

use crate::ops::{EditError, map_at};
use crate::prose::ProseField;

/// Where the splice `(pos, delete)` made on `field` as of `base` falls now:
/// its start follows the character it was typed after, and a deletion
/// covers the same characters (plus anything a peer inserted inside them).
pub fn rebase_prose_splice(
    doc: &Automerge,
    field: ProseField,
    pos: usize,
    delete: usize,
    base: &[ChangeHash],
) -> Result<(usize, usize), EditError> {
    if base.is_empty() || doc.get_heads() == base {
        return Ok((pos, delete));
    }
    let (section, key) = field.path();
    let obj = map_at(doc, &[section])?;
    let Some((Value::Object(ObjType::Text), text)) = doc.get(&obj, key)? else {
        return Ok((pos, delete));
    };
    // A base this document does not know (or a position past the text as
    // it was) cannot be mapped: keep the splice as it is.
    if base.iter().any(|h| doc.get_change_by_hash(h).is_none())
        || pos + delete > doc.length_at(&text, base)
    {
        return Ok((pos, delete));
    }
    let map = |at: usize| -> Result<usize, EditError> {
        if at == 0 {
            return Ok(0);
        }
        // The cursor of the character just before `at` keeps the insertion
        // point after what the typist saw there.
        let cursor = doc.get_cursor(&text, at - 1, Some(base))?;
        Ok(doc.get_cursor_position(&text, &cursor, None)? + 1)
    };
    let start = map(pos)?;
    let end = if delete == 0 {
        start
    } else {
        map(pos + delete)?.max(start)
    };
    Ok((start, end - start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Charter, Op, apply, new_blank_charter};

    #[test]
    fn a_splice_typed_before_a_remote_insert_lands_after_it() {
        let mut doc = new_blank_charter("T", 0).unwrap();
        apply(
            &mut doc,
            &Op::SetProse {
                field: ProseField::Purpose,
                text: "hello world".into(),
            },
            1,
        )
        .unwrap();
        let base = doc.get_heads();
        // A peer inserts at the start; we typed "brave " before "world" as of `base`.
        let mut peer = doc.fork();
        apply(
            &mut peer,
            &Op::SpliceProse {
                field: ProseField::Purpose,
                pos: 0,
                delete: 0,
                insert: ">> ".into(),
            },
            2,
        )
        .unwrap();
        doc.merge(&mut peer).unwrap();
        let (pos, delete) = rebase_prose_splice(&doc, ProseField::Purpose, 6, 0, &base).unwrap();
        assert_eq!((pos, delete), (9, 0));
        apply(
            &mut doc,
            &Op::SpliceProse {
                field: ProseField::Purpose,
                pos,
                delete,
                insert: "brave ".into(),
            },
            3,
        )
        .unwrap();
        assert_eq!(
            Charter::from_doc(&doc).unwrap().purpose.text.as_str(),
            ">> hello brave world"
        );
        // A deletion follows its characters too.
        let base = doc.get_heads();
        let mut peer = doc.fork();
        apply(
            &mut peer,
            &Op::SpliceProse {
                field: ProseField::Purpose,
                pos: 0,
                delete: 3,
                insert: String::new(),
            },
            4,
        )
        .unwrap();
        doc.merge(&mut peer).unwrap();
        let (pos, delete) = rebase_prose_splice(&doc, ProseField::Purpose, 9, 6, &base).unwrap();
        assert_eq!((pos, delete), (6, 6), "“brave ” moved left by three");
    }
}
