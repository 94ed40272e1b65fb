//! Names for people of what a dotted path points at: `cards.k3x9` is
//! “Card “Pair on a real problem””, `purpose.text` is “Purpose”. Diffs,
//! blame and the removed-while-edited list all speak through here.

use automerge::{ChangeHash, ObjId, ObjType, ReadDoc, Value as AmValue};
use serde_json::Value;

use crate::ops::Collection;
use crate::prose::ProseField;

/// Item titles longer than this are cut, so a label stays on one line.
const TITLE_CHARS: usize = 48;

/// The fields that name an item, in the order they are tried.
const TITLE_KEYS: &[&str] = &["title", "name", "text", "note"];

/// The collection a dotted item path sits in, with the item's id.
pub(crate) fn split_item_path(path: &str) -> Option<(Collection, &str)> {
    Collection::ALL.iter().find_map(|collection| {
        let prefix = collection.path().join(".");
        path.strip_prefix(prefix.as_str())
            .and_then(|rest| rest.strip_prefix('.'))
            .filter(|id| !id.is_empty() && !id.contains('.'))
            .map(|id| (*collection, id))
    })
}

/// A label for `path`, using `value` (the item or field as JSON, when
/// known) for an item's title.
pub fn label_for(path: &str, value: Option<&Value>) -> String {
    if let Some((collection, _)) = split_item_path(path) {
        let title = value.and_then(|v| {
            TITLE_KEYS
                .iter()
                .find_map(|key| v.get(*key).and_then(Value::as_str))
                .filter(|t| !t.trim().is_empty())
        });
        return item_label(collection, title);
    }
    field_label(path)
}

/// “Card “Pairing””, or “A card” when it has no title.
pub(crate) fn item_label(collection: Collection, title: Option<&str>) -> String {
    let noun = collection.noun();
    match title {
        Some(title) => format!("{} “{}”", capitalised(noun), shortened(title)),
        None => format!("A {noun}"),
    }
}

/// An item's title (as it was at `heads`, or now), read from the document.
pub(crate) fn title_of<D: ReadDoc>(
    doc: &D,
    item: &ObjId,
    heads: Option<&[ChangeHash]>,
) -> Option<String> {
    TITLE_KEYS.iter().find_map(|key| {
        let found = match heads {
            Some(heads) => doc.get_at(item, *key, heads),
            None => doc.get(item, *key),
        };
        let text = match found.ok().flatten()? {
            (AmValue::Object(ObjType::Text), id) => match heads {
                Some(heads) => doc.text_at(&id, heads).ok()?,
                None => doc.text(&id).ok()?,
            },
            (AmValue::Scalar(s), _) => s.as_str()?.to_owned(),
            (AmValue::Object(_), _) => return None,
        };
        (!text.trim().is_empty()).then_some(text)
    })
}

/// A label for the field `key` of the map `obj` at dotted `path`: an
/// item's field is “Objective “Onboard” › status”.
pub(crate) fn field_of_object_label<D: ReadDoc>(doc: &D, obj: &ObjId, path: &str) -> String {
    let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
    match split_item_path(parent) {
        Some((collection, _)) => format!(
            "{} › {}",
            item_label(collection, title_of(doc, obj, None).as_deref()),
            key.replace('_', " ")
        ),
        None => label_for(path, None),
    }
}

/// “Purpose” for `purpose.text`; “Meta: review date” for other fields.
fn field_label(path: &str) -> String {
    for field in ProseField::ALL {
        let (section, key) = field.path();
        if path == format!("{section}.{key}") {
            return field.label().to_owned();
        }
    }
    let words: Vec<String> = path.split('.').map(|part| part.replace('_', " ")).collect();
    match words.as_slice() {
        [] => String::new(),
        [only] => capitalised(only),
        [first, rest @ ..] => format!("{}: {}", capitalised(first), rest.join(" › ")),
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn shortened(title: &str) -> String {
    let line = title.lines().next().unwrap_or_default().trim();
    if line.chars().count() > TITLE_CHARS {
        let cut: String = line.chars().take(TITLE_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    } else {
        line.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_named_by_their_title_and_fields_by_their_label() {
        let card = serde_json::json!({"text": "Pair on a real problem", "cell": "x"});
        assert_eq!(
            label_for("cards.k1", Some(&card)),
            "Card “Pair on a real problem”"
        );
        assert_eq!(label_for("vision.contributions.c9", None), "A contribution");
        assert_eq!(label_for("purpose.text", None), "Purpose");
        assert_eq!(label_for("meta.review_date", None), "Meta: review date");
        let long = serde_json::json!({"title": "x".repeat(80)});
        assert_eq!(
            label_for("objectives.o1", Some(&long)).chars().count(),
            "Objective “”".chars().count() + TITLE_CHARS
        );
        assert_eq!(
            split_item_path("inquiry.notes.n1").map(|(_, id)| id),
            Some("n1")
        );
        assert!(split_item_path("inquiry.topic").is_none());
    }
}
