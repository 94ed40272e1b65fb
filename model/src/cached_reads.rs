//! A [`ReadDoc`] (autosurgeon's) that reads each map and list of a document once, for
//! hydrating a whole charter.
//!
//! autosurgeon hydrates a struct with one `get` per field and a
//! `Vec` with one `get` per index. In automerge 0.12 each `get` seeks its
//! object's ops from the top of the op set, so on a charter with years of
//! history one costs 2–5 µs, and hydrating the ~450 items of the
//! benchmark's charter took ~18 ms, more than twice what a single walk of
//! every value takes (`docs/benchmarks.md`, row 5a). [`CachedReads`] answers
//! `get`, `length` and `object_type` from one `map_range` or `list_range`
//! of each object, made the first time the object is read, and passes
//! every other read to the document.
//!
//! The answers are the document's own: `map_range` and `list_range` yield
//! the same winning value of a conflicted key as `get` (a test checks it
//! on conflicting edits). The cache holds copies of the values and lives
//! for one hydration; it is not `Sync` and never sees the document change.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::RangeBounds;

use automerge::iter::{ListRange, MapRange};
use automerge::{AutomergeError, ChangeHash, ObjId, ObjType, Prop, ROOT, Value};
use autosurgeon::ReadDoc;

/// `doc`, with each map's and list's current values read once.
pub struct CachedReads<'d, D> {
    doc: &'d D,
    cache: RefCell<Cache>,
}

#[derive(Default)]
struct Cache {
    /// The values of each map or list read so far.
    contents: HashMap<ObjId, Contents>,
    /// The type of each object seen as a value, so reading it needs no
    /// lookup of its own.
    types: HashMap<ObjId, ObjType>,
}

enum Contents {
    /// Keys in `map_range`'s (sorted) order.
    Map(Vec<(String, Value<'static>, ObjId)>),
    List(Vec<(Value<'static>, ObjId)>),
}

impl<'d, D: ReadDoc> CachedReads<'d, D> {
    /// Reads of `doc`, none made yet.
    pub fn new(doc: &'d D) -> Self {
        let mut cache = Cache::default();
        cache.types.insert(ROOT, ObjType::Map);
        Self {
            doc,
            cache: RefCell::new(cache),
        }
    }

    /// The type of `obj`, from the cache when it was seen as a value.
    fn type_of(&self, obj: &ObjId) -> Option<ObjType> {
        if let Some(known) = self.cache.borrow().types.get(obj) {
            return Some(*known);
        }
        let found = self.doc.object_type(obj)?;
        self.cache.borrow_mut().types.insert(obj.clone(), found);
        Some(found)
    }

    /// Runs `read` on the contents of `obj`, reading them first if this is
    /// the first time; `None` for an object that is neither a map nor a list
    /// (text), or that the document does not have.
    fn with_contents<T>(&self, obj: &ObjId, read: impl FnOnce(&Contents) -> T) -> Option<T> {
        if let Some(contents) = self.cache.borrow().contents.get(obj) {
            return Some(read(contents));
        }
        let mut children = Vec::new();
        let mut value_of = |value: automerge::ValueRef<'_>, id: &ObjId| {
            let value = value.into_value();
            if let Value::Object(kind) = value {
                children.push((id.clone(), kind));
            }
            value
        };
        let contents = match self.type_of(obj)? {
            ObjType::Map | ObjType::Table => Contents::Map(
                self.doc
                    .map_range(obj, ..)
                    .map(|item| {
                        let id = item.id();
                        (item.key.into_owned(), value_of(item.value, &id), id)
                    })
                    .collect(),
            ),
            ObjType::List => Contents::List(
                self.doc
                    .list_range(obj, ..)
                    .map(|item| {
                        let id = item.id();
                        (value_of(item.value, &id), id)
                    })
                    .collect(),
            ),
            ObjType::Text => return None,
        };
        let answer = read(&contents);
        let mut cache = self.cache.borrow_mut();
        cache.types.extend(children);
        cache.contents.insert(obj.clone(), contents);
        Some(answer)
    }
}

impl<D: ReadDoc> ReadDoc for CachedReads<'_, D> {
    type Parents<'a>
        = D::Parents<'a>
    where
        Self: 'a;

    fn get<P: Into<Prop>>(
        &self,
        obj: &ObjId,
        prop: P,
    ) -> Result<Option<(Value<'_>, ObjId)>, AutomergeError> {
        let prop = prop.into();
        let cached = self.with_contents(obj, |contents| match (contents, &prop) {
            (Contents::Map(entries), Prop::Map(key)) => Some(
                entries
                    .binary_search_by(|(k, _, _)| k.as_str().cmp(key))
                    .ok()
                    .map(|at| (entries[at].1.clone(), entries[at].2.clone())),
            ),
            (Contents::List(entries), Prop::Seq(index)) => Some(entries.get(*index).cloned()),
            // A key of a list or an index of a map: the document's answer.
            _ => None,
        });
        match cached.flatten() {
            Some(answer) => Ok(answer),
            None => self.doc.get(obj, prop),
        }
    }

    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        let obj = obj.as_ref();
        self.with_contents(obj, |contents| match contents {
            Contents::Map(entries) => entries.len(),
            Contents::List(entries) => entries.len(),
        })
        .unwrap_or_else(|| self.doc.length(obj))
    }

    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> Option<ObjType> {
        self.type_of(obj.as_ref())
    }

    // The rest are the document's own answers.

    fn get_heads(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    fn map_range<'a, O, R>(&'a self, obj: O, range: R) -> MapRange<'a>
    where
        R: RangeBounds<String> + 'a,
        O: AsRef<ObjId>,
        R: RangeBounds<String>,
    {
        self.doc.map_range(obj, range)
    }

    fn list_range<O: AsRef<ObjId>, R: RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
    ) -> ListRange<'_> {
        self.doc.list_range(obj, range)
    }

    fn text<O: AsRef<ObjId>>(&self, obj: O) -> Result<String, AutomergeError> {
        self.doc.text(obj)
    }

    fn parents<O: AsRef<ObjId>>(&self, obj: O) -> Result<Self::Parents<'_>, AutomergeError> {
        self.doc.parents(obj)
    }

    fn is_empty(&self) -> bool {
        self.doc.is_empty()
    }
}

#[cfg(test)]
mod tests {
    // Tests: a panic with its message is the failure report.
    #![allow(clippy::unwrap_used)]

    use automerge::transaction::Transactable;
    use automerge::{ActorId, AutoCommit, ROOT};

    use super::*;

    /// Two replicas that wrote the same keys and list slots concurrently,
    /// merged: every key and index is a conflict or a concurrent insert.
    fn conflicted() -> (AutoCommit, ObjId, ObjId) {
        let mut a = AutoCommit::new().with_actor(ActorId::from(vec![1; 16]));
        let map = a.put_object(ROOT, "map", ObjType::Map).unwrap();
        let list = a.put_object(ROOT, "list", ObjType::List).unwrap();
        a.insert(&list, 0, "first").unwrap();
        let mut b = a.fork().with_actor(ActorId::from(vec![2; 16]));
        for (doc, who) in [(&mut a, "a"), (&mut b, "b")] {
            doc.put(&map, "title", who).unwrap();
            doc.put(&map, format!("only-{who}"), 1).unwrap();
            doc.put_object(&map, "nested", ObjType::Map).unwrap();
            doc.insert(&list, 0, who).unwrap();
            doc.put(&list, 1, format!("{who} overwrote")).unwrap();
        }
        a.merge(&mut b).unwrap();
        (a, map, list)
    }

    #[test]
    fn conflicted_keys_and_indexes_read_as_the_document_reads_them() {
        let (doc, map, list) = conflicted();
        let cached = CachedReads::new(&doc);
        for key in ["title", "only-a", "only-b", "nested", "missing"] {
            let plain = ReadDoc::get(&doc, &map, key).unwrap();
            assert_eq!(cached.get(&map, key).unwrap(), plain, "key {key}");
        }
        assert_eq!(cached.length(&list), ReadDoc::length(&doc, &list));
        for index in 0..=ReadDoc::length(&doc, &list) {
            let plain = ReadDoc::get(&doc, &list, index).unwrap();
            assert_eq!(cached.get(&list, index).unwrap(), plain, "index {index}");
        }
        // The cache answered: the map was read once, and a nested object's
        // type came from its parent's value.
        let nested = cached.get(&map, "nested").unwrap().unwrap().1;
        assert!(cached.cache.borrow().types.contains_key(&nested));
        assert!(cached.cache.borrow().contents.contains_key(&map));
        assert_eq!(cached.object_type(&nested), Some(ObjType::Map));
    }

    #[test]
    fn an_incremented_counter_reads_its_total() {
        let (mut doc, map, list) = conflicted();
        doc.put(&map, "count", automerge::ScalarValue::counter(1))
            .unwrap();
        doc.insert(&list, 0, automerge::ScalarValue::counter(10))
            .unwrap();
        doc.increment(&map, "count", 2).unwrap();
        doc.increment(&list, 0, 5).unwrap();
        let cached = CachedReads::new(&doc);
        let total = |value: Option<(Value<'_>, ObjId)>| match value {
            Some((Value::Scalar(scalar), _)) => scalar.as_i64(),
            _ => None,
        };
        assert_eq!(total(cached.get(&map, "count").unwrap()), Some(3));
        assert_eq!(total(cached.get(&list, 0).unwrap()), Some(15));
        assert_eq!(
            cached.get(&map, "count").unwrap(),
            ReadDoc::get(&doc, &map, "count").unwrap()
        );
        assert_eq!(
            cached.get(&list, 0).unwrap(),
            ReadDoc::get(&doc, &list, 0).unwrap()
        );
    }

    #[test]
    fn a_key_of_a_list_or_an_object_the_document_lacks_gets_the_documents_answer() {
        let (doc, map, list) = conflicted();
        let cached = CachedReads::new(&doc);
        assert_eq!(
            cached.get(&list, "title").is_err(),
            ReadDoc::get(&doc, &list, "title").is_err()
        );
        assert_eq!(
            cached.get(&map, 3).unwrap_or(None),
            ReadDoc::get(&doc, &map, 3).unwrap_or(None)
        );
        let text = {
            let mut doc = doc.clone();
            let text = doc.put_object(ROOT, "text", ObjType::Text).unwrap();
            doc.splice_text(&text, 0, 0, "words").unwrap();
            (doc, text)
        };
        let cached = CachedReads::new(&text.0);
        assert_eq!(cached.length(&text.1), 5);
        assert_eq!(cached.text(&text.1).unwrap(), "words");
    }
}
