//! Small reads and writes on the raw document that the ops share: finding a
//! section or an item, writing text as a splice, computing order keys.

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use super::{Collection, EditError, Position};
use crate::order::key_between;
use crate::text_diff::single_splice;

/// The map at `path` from the root.
pub(crate) fn map_at<D: ReadDoc>(doc: &D, path: &[&str]) -> Result<ObjId, EditError> {
    let mut obj = ROOT;
    for key in path {
        match doc.get(&obj, *key)? {
            Some((Value::Object(ObjType::Map), id)) => obj = id,
            _ => {
                return Err(EditError::Malformed(format!(
                    "`{}` is missing",
                    path.join(".")
                )));
            }
        }
    }
    Ok(obj)
}

/// The map of one item.
pub(crate) fn item<D: ReadDoc>(
    doc: &D,
    collection: Collection,
    id: &str,
) -> Result<ObjId, EditError> {
    let coll = map_at(doc, collection.path())?;
    match doc.get(&coll, id)? {
        Some((Value::Object(ObjType::Map), obj)) => Ok(obj),
        _ => Err(EditError::NotFound {
            noun: collection.noun(),
            id: id.to_owned(),
        }),
    }
}

/// Whether an item exists.
pub(crate) fn exists<D: ReadDoc>(
    doc: &D,
    collection: Collection,
    id: &str,
) -> Result<bool, EditError> {
    match item(doc, collection, id) {
        Ok(_) => Ok(true),
        Err(EditError::NotFound { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A string scalar, if that is what the key holds.
pub(crate) fn str_at<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key).ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// Makes the text at `obj.key` read `new`, by the smallest splice.
pub(crate) fn set_text<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    new: &str,
) -> Result<(), EditError> {
    if let Some((Value::Object(ObjType::Text), text)) = tx.get(obj, key)? {
        let old = tx.text(&text)?;
        if let Some((pos, delete, insert)) = single_splice(&old, new) {
            tx.splice_text(&text, pos, delete.cast_signed(), &insert)?;
        }
    } else {
        let text = tx.put_object(obj, key, ObjType::Text)?;
        tx.splice_text(&text, 0, 0, new)?;
    }
    Ok(())
}

/// Splices the text at `obj.key`, refusing ranges past its end.
pub(crate) fn splice_text<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    (pos, delete, insert): (usize, usize, &str),
    field: &str,
) -> Result<(), EditError> {
    let text = match tx.get(obj, key)? {
        Some((Value::Object(ObjType::Text), text)) => text,
        _ => tx.put_object(obj, key, ObjType::Text)?,
    };
    let len = tx.length(&text);
    if pos.checked_add(delete).is_none_or(|end| end > len) {
        return Err(EditError::OutOfRange {
            field: field.to_owned(),
            pos,
            delete,
            len,
        });
    }
    tx.splice_text(&text, pos, delete.cast_signed(), insert)?;
    Ok(())
}

/// An order key for `moving` (or a new item) at `position` among the items
/// of `collection` whose group field equals `group`.
pub(crate) fn order_key<D: ReadDoc>(
    doc: &D,
    collection: Collection,
    group: Option<&str>,
    moving: Option<&str>,
    position: &Position,
    salt: &str,
) -> Result<String, EditError> {
    let coll = map_at(doc, collection.path())?;
    let mut siblings: Vec<(String, String)> = Vec::new();
    for id in doc.keys(&coll) {
        if Some(id.as_str()) == moving {
            continue;
        }
        let Ok(Some((Value::Object(ObjType::Map), obj))) = doc.get(&coll, id.as_str()) else {
            continue;
        };
        if let (Some(field), Some(group)) = (collection.group_field(), group)
            && str_at(doc, &obj, field).as_deref() != Some(group)
        {
            continue;
        }
        siblings.push((str_at(doc, &obj, "order").unwrap_or_default(), id));
    }
    siblings.sort();
    let index = match position {
        Position::Start => 0,
        Position::End => siblings.len(),
        Position::Before(anchor) | Position::After(anchor) => {
            let at = siblings
                .iter()
                .position(|(_, id)| id == anchor)
                .ok_or_else(|| EditError::NotFound {
                    noun: collection.noun(),
                    id: anchor.clone(),
                })?;
            if matches!(position, Position::After(_)) {
                at + 1
            } else {
                at
            }
        }
    };
    let low = index.checked_sub(1).map(|i| siblings[i].0.as_str());
    let high = siblings.get(index).map(|(key, _)| key.as_str());
    Ok(key_between(low, high, salt))
}
