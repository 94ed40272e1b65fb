//! Patched in Guild (see PATCHED.md §3): the current text of a long text
//! object is copied a run of visible characters at a time, and reads
//! exactly what upstream's per-op read gives, for any mix of edits.

use std::cell::Cell;

use super::text_runs::{COPIED, PER_OP_ONLY};
use crate::marks::{ExpandMark, Mark};
use crate::transaction::Transactable;
use crate::{Automerge, ObjId, ObjType, ReadDoc, ScalarValue, ROOT};

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

/// The text read with the run-by-run copy and with upstream's per-op read,
/// and how many visible ops the copy took.
fn both_reads(doc: &Automerge, text: &ObjId) -> (String, String, usize) {
    COPIED.with(|c| c.set(0));
    let by_runs = doc.text(text).unwrap();
    let copied = COPIED.with(Cell::get);
    PER_OP_ONLY.with(|p| p.set(true));
    let per_op = doc.text(text).unwrap();
    PER_OP_ONLY.with(|p| p.set(false));
    (by_runs, per_op, copied)
}

#[test]
fn a_long_typed_and_corrected_text_is_copied_run_by_run() {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let text = tx.put_object(ROOT, "text", ObjType::Text).unwrap();
    tx.commit();
    // typed in changes of 100, every tenth character taken back, so the
    // visible characters come in runs between deleted ones
    let mut len = 0;
    for round in 0..80 {
        let mut tx = doc.transaction();
        for i in 0..100 {
            tx.splice_text(&text, len, 0, if i % 7 == 0 { "é" } else { "x" })
                .unwrap();
            len += 1;
            if (round * 100 + i) % 10 == 9 {
                tx.splice_text(&text, len - 2, 1, "").unwrap();
                len -= 1;
            }
        }
        tx.commit();
    }
    for (label, doc) in [
        ("as typed", doc.clone()),
        ("saved and loaded", Automerge::load(&doc.save()).unwrap()),
    ] {
        let (by_runs, per_op, copied) = both_reads(&doc, &text);
        assert_eq!(by_runs, per_op, "{label}");
        assert_eq!(by_runs.chars().count(), len, "{label}");
        // every visible character came through a run copy, none through
        // the per-op read
        assert_eq!(copied, len, "{label}");
    }
}

#[test]
fn what_the_runs_cannot_copy_is_read_op_by_op() {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let text = tx.put_object(ROOT, "text", ObjType::Text).unwrap();
    tx.splice_text(&text, 0, 0, "hello world").unwrap();
    tx.commit();
    let cases: [(&str, &str, Box<dyn Fn(&mut Automerge)>); 3] = [
        (
            "an embedded object",
            "hello\u{fffc} world",
            Box::new(|d: &mut Automerge| {
                let mut tx = d.transaction();
                tx.insert_object(&text, 5, ObjType::Map).unwrap();
                tx.commit();
            }),
        ),
        (
            "a number among the characters",
            "hello\u{fffc} world",
            Box::new(|d: &mut Automerge| {
                let mut tx = d.transaction();
                tx.insert(&text, 5, ScalarValue::Int(7)).unwrap();
                tx.commit();
            }),
        ),
        (
            "a mark",
            "hello world",
            Box::new(|d: &mut Automerge| {
                let mut tx = d.transaction();
                tx.mark(
                    &text,
                    Mark::new("bold".into(), true, 0, 5),
                    ExpandMark::After,
                )
                .unwrap();
                tx.commit();
            }),
        ),
    ];
    for (label, expected, edit) in cases {
        let mut case = doc.fork();
        edit(&mut case);
        let (by_runs, per_op, _) = both_reads(&case, &text);
        assert_eq!(per_op, expected, "{label}");
        assert_eq!(by_runs, expected, "{label}");
    }
}

#[test]
fn the_run_copy_reads_what_the_per_op_read_reads() {
    for seed in 0..120 {
        let mut rng = Rng::new(seed);
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        let text = tx.put_object(ROOT, "text", ObjType::Text).unwrap();
        tx.commit();
        let mut forks = vec![doc.fork(), doc.fork(), doc.fork()];
        for _ in 0..40 {
            let who = rng.below(forks.len());
            let fork = &mut forks[who];
            let mut tx = fork.transaction();
            for _ in 0..1 + rng.below(30) {
                let len = tx.length(&text);
                let pos = rng.below(len + 1);
                match rng.below(20) {
                    0..=11 => {
                        let insert = ["a", "bc", "é", "日本", "🙂", " ", "xyz\n"][rng.below(7)];
                        tx.splice_text(&text, pos, 0, insert).unwrap();
                    }
                    12..=17 if len > 0 => {
                        let del = 1 + rng.below((len - pos.min(len - 1)).min(6));
                        tx.splice_text(&text, pos.min(len - 1), del as isize, "")
                            .unwrap();
                    }
                    18 if seed % 4 == 0 => {
                        tx.insert(&text, pos, ScalarValue::Uint(1)).unwrap();
                    }
                    19 if seed % 4 == 1 => {
                        tx.insert_object(&text, pos, ObjType::List).unwrap();
                    }
                    _ => {}
                }
            }
            tx.commit();
            if rng.below(4) == 0 {
                let (a, b) = (rng.below(3), rng.below(3));
                if a != b {
                    let mut other = forks[b].clone();
                    forks[a].merge(&mut other).unwrap();
                }
            }
        }
        let (first, rest) = forks.split_at_mut(1);
        for other in rest {
            first[0].merge(other).unwrap();
        }
        let merged = &forks[0];
        for (label, doc) in [
            ("merged", merged.clone()),
            ("saved and loaded", Automerge::load(&merged.save()).unwrap()),
        ] {
            let (by_runs, per_op, _) = both_reads(&doc, &text);
            assert_eq!(by_runs, per_op, "seed {seed}, {label}");
            let heads = doc.get_heads();
            assert_eq!(
                doc.text_at(&text, &heads).unwrap(),
                per_op,
                "seed {seed}, {label}: the historical read agrees"
            );
        }
    }
}
