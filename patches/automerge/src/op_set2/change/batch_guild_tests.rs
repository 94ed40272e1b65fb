//! Patched in Guild (see PATCHED.md): a change applied to a long sequence
//! visits only the elements around it, and the shortened walk gives
//! exactly what upstream's full walk gives.

use std::cell::Cell;

use super::walk_probe::{FULL_WALK, VISITED};
use crate::marks::{ExpandMark, Mark};
use crate::transaction::Transactable;
use crate::{Automerge, Change, ObjId, ObjType, PatchLog, ReadDoc, ROOT};

/// A small deterministic generator (xorshift), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// A text of `chars` characters typed in changes of 100, and its id.
fn long_text(chars: usize) -> (Automerge, ObjId) {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let text = tx.put_object(ROOT, "text", ObjType::Text).unwrap();
    tx.commit();
    let mut typed = 0;
    while typed < chars {
        let mut tx = doc.transaction();
        for _ in 0..100.min(chars - typed) {
            tx.splice_text(&text, typed, 0, "x").unwrap();
            typed += 1;
        }
        tx.commit();
    }
    (doc, text)
}

/// The changes a fork of `doc` makes with `edit`.
fn changes_from_fork(doc: &Automerge, edit: impl FnOnce(&mut Automerge)) -> Vec<Change> {
    let mut fork = doc.fork();
    edit(&mut fork);
    fork.get_changes(&doc.get_heads())
}

/// How many doc ops the list walks visit while `f` runs.
fn visited_by(f: impl FnOnce()) -> usize {
    VISITED.with(|v| v.set(0));
    f();
    VISITED.with(Cell::get)
}

#[test]
fn a_small_change_into_a_long_text_visits_only_its_neighbourhood() {
    let (doc, text) = long_text(8_000);
    let edits: [(&str, Box<dyn Fn(&mut Automerge)>); 4] = [
        (
            "an insert in the middle",
            Box::new(|d: &mut Automerge| {
                let mut tx = d.transaction();
                tx.splice_text(&text, 4_000, 0, "new").unwrap();
                tx.commit();
            }),
        ),
        (
            "an insert at the end",
            Box::new(|d: &mut Automerge| {
                let mut tx = d.transaction();
                tx.splice_text(&text, 8_000, 0, "!").unwrap();
                tx.commit();
            }),
        ),
        (
            "a delete in the middle",
            Box::new(|d: &mut Automerge| {
                let mut tx = d.transaction();
                tx.splice_text(&text, 5_678, 3, "").unwrap();
                tx.commit();
            }),
        ),
        (
            "an insert at the start",
            Box::new(|d: &mut Automerge| {
                let mut tx = d.transaction();
                tx.splice_text(&text, 0, 0, "^").unwrap();
                tx.commit();
            }),
        ),
    ];
    for (what, edit) in &edits {
        let changes = changes_from_fork(&doc, edit);
        for active in [false, true] {
            let mut log = if active {
                PatchLog::active()
            } else {
                PatchLog::inactive()
            };
            let mut receiver = doc.clone();
            let short = visited_by(|| {
                receiver
                    .apply_changes_log_patches(changes.clone(), &mut log)
                    .unwrap();
            });
            assert!(
                short < 64,
                "{what} (patch log active: {active}) visited {short} ops"
            );
            // Upstream's walk visits the whole text: the figure above is
            // the patch's doing, not a probe that counts nothing.
            FULL_WALK.with(|f| f.set(true));
            let mut receiver = doc.clone();
            let full = visited_by(|| {
                receiver
                    .apply_changes_log_patches(changes.clone(), &mut log)
                    .unwrap();
            });
            FULL_WALK.with(|f| f.set(false));
            assert!(full >= 4_000, "{what}: the full walk visited {full} ops");
        }
    }
}

/// A random edit of `text` (and of `list`, if any) in one transaction.
fn random_edit(
    doc: &mut Automerge,
    text: &ObjId,
    list: Option<&ObjId>,
    marks: bool,
    rng: &mut Rng,
) {
    let mut tx = doc.transaction();
    for _ in 0..1 + rng.below(4) {
        let len = tx.length(text);
        match rng.below(if marks { 6 } else { 5 }) {
            0 => {
                tx.splice_text(text, 0, 0, "<").unwrap();
            }
            1 => {
                tx.splice_text(text, len, 0, ">").unwrap();
            }
            2 | 3 => {
                let at = rng.below(len + 1);
                let delete = rng.below(4).min(len - at);
                let insert = ["", "a", "bc", "def"][rng.below(4)];
                tx.splice_text(text, at, delete as isize, insert).unwrap();
            }
            4 => {
                if let Some(list) = list {
                    let len = tx.length(list);
                    if len > 0 && rng.below(2) == 0 {
                        tx.delete(list, rng.below(len)).unwrap();
                    } else {
                        tx.insert(list, rng.below(len + 1), rng.below(100) as i64)
                            .unwrap();
                    }
                }
            }
            _ => {
                if len > 1 {
                    let start = rng.below(len - 1);
                    let end = start + 1 + rng.below(len - start - 1);
                    tx.mark(
                        text,
                        Mark::new("bold".into(), true, start, end),
                        ExpandMark::After,
                    )
                    .unwrap();
                }
            }
        }
    }
    tx.commit();
}

/// Everything observable of `doc` after applying `changes`: its saved
/// bytes, its text and the patches logged, with the full walk or not; and
/// its bytes after one more local edit in the middle of each sequence,
/// which finds its place through the indexes the apply kept.
fn applied(
    doc: &Automerge,
    changes: &[Change],
    one_at_a_time: bool,
    active: bool,
    full: bool,
) -> (Vec<u8>, String, String, Vec<u8>) {
    FULL_WALK.with(|f| f.set(full));
    let mut doc = doc.clone();
    let mut log = if active {
        PatchLog::active()
    } else {
        PatchLog::inactive()
    };
    if one_at_a_time {
        for change in changes {
            doc.apply_changes_log_patches([change.clone()], &mut log)
                .unwrap();
        }
    } else {
        doc.apply_changes_log_patches(changes.to_vec(), &mut log)
            .unwrap();
    }
    FULL_WALK.with(|f| f.set(false));
    let patches = format!("{:?}", doc.make_patches(&mut log));
    let (_, text) = doc.get(ROOT, "text").unwrap().unwrap();
    let saved = doc.save();
    let content = doc.text(&text).unwrap();
    let mut tx = doc.transaction();
    let len = tx.length(&text);
    tx.splice_text(&text, len / 2, 0, "|").unwrap();
    if let Some((_, list)) = tx.get(ROOT, "list").unwrap() {
        let len = tx.length(&list);
        tx.insert(&list, len / 2, -1_i64).unwrap();
    }
    tx.commit();
    (saved, content, patches, doc.save())
}

#[test]
fn the_shortened_walk_gives_what_the_full_walk_gives() {
    let (mut short_total, mut full_total) = (0, 0);
    for seed in 0..160_u64 {
        let mut rng = Rng::new(seed);
        let marks = seed % 3 == 0;
        let mut base = Automerge::new();
        let mut tx = base.transaction();
        let text = tx.put_object(ROOT, "text", ObjType::Text).unwrap();
        let list = (seed % 2 == 0).then(|| tx.put_object(ROOT, "list", ObjType::List).unwrap());
        tx.commit();
        for _ in 0..2 + rng.below(30) {
            random_edit(&mut base, &text, list.as_ref(), marks, &mut rng);
        }
        let mut changes = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let mut fork = base.fork();
            for _ in 0..1 + rng.below(3) {
                random_edit(&mut fork, &text, list.as_ref(), marks, &mut rng);
            }
            changes.extend(fork.get_changes(&base.get_heads()));
        }
        let mut receiver = base.clone();
        if rng.below(2) == 0 {
            // Concurrent edits on the receiving side.
            let mut mine = base.fork();
            for _ in 0..1 + rng.below(3) {
                random_edit(&mut mine, &text, list.as_ref(), marks, &mut rng);
            }
            receiver
                .apply_changes(mine.get_changes(&base.get_heads()))
                .unwrap();
        }
        for one_at_a_time in [false, true] {
            for active in [false, true] {
                let short = visited_by(|| {
                    let full = applied(&receiver, &changes, one_at_a_time, active, true);
                    let shortened = applied(&receiver, &changes, one_at_a_time, active, false);
                    assert_eq!(
                        full, shortened,
                        "seed {seed}, one at a time {one_at_a_time}, patch log active {active}"
                    );
                });
                let full = visited_by(|| {
                    applied(&receiver, &changes, one_at_a_time, active, true);
                });
                short_total += short - full;
                full_total += full;
            }
        }
    }
    // Not vacuous: the shortened walks visited fewer ops than the full ones.
    assert!(
        short_total < full_total,
        "shortened {short_total} ops, full {full_total}"
    );
}
